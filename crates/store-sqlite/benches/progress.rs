//! `progress --children` against a plain SQL baseline on the same database.
//!
//! ```sh
//! PHUXANH_BENCH_DB=bench.db PHUXANH_BENCH_UNIT=83 [PHUXANH_BENCH_BASELINE_RUNS=10] \
//!     cargo bench -p phuxanh-store-sqlite --bench progress
//! ```
//!
//! For many as-of days in 2023 it times the whole read behind `progress
//! --unit U --children`: the unit's and every child's counters and targets,
//! turned into figures. The baseline answers the same question the plain way,
//! a `GROUP BY` over the citizens and events tables; its counts are checked
//! against the counters' before anything is timed.

use std::time::{Duration, Instant};

use phuxanh_domain::{Day, Metric, UnitCode};
use phuxanh_report::Progress;
use phuxanh_store::{Scope, Store};
use phuxanh_store_sqlite::SqliteStore;
use rusqlite::Connection;

/// The baseline: per child of the unit, distinct citizens per metric as of
/// the end of a day, straight from the raw tables.
const BASELINE: &str = "
WITH RECURSIVE sub(id, child) AS (
    SELECT id, id FROM units WHERE parent_id = (SELECT id FROM units WHERE code = ?1)
    UNION ALL
    SELECT u.id, sub.child FROM units u JOIN sub ON u.parent_id = sub.id
)
SELECT (SELECT code FROM units WHERE id = sub.child),
    (SELECT count(*) FROM citizen_ids s2 JOIN sub u2 ON u2.id = s2.unit_id
      JOIN citizens c2 ON c2.row_id = s2.row_id
      WHERE u2.child = sub.child AND c2.birth_date <= ?3),
    count(DISTINCT CASE WHEN e.kind = 0 THEN e.citizen_id END),
    count(DISTINCT CASE WHEN e.kind = 0 AND e.level = 2 THEN e.citizen_id END),
    count(DISTINCT CASE WHEN e.kind = 1 THEN e.citizen_id END),
    count(DISTINCT CASE WHEN e.kind = 2 THEN e.citizen_id END),
    count(DISTINCT CASE WHEN e.kind = 3 THEN e.citizen_id END),
    count(DISTINCT CASE WHEN e.kind = 3 AND e.level = 2 THEN e.citizen_id END),
    count(DISTINCT CASE WHEN e.kind = 4 THEN e.citizen_id END)
FROM sub
JOIN citizen_ids s ON s.unit_id = sub.id
JOIN events e ON e.citizen_id = s.id AND e.at < ?2
GROUP BY sub.child
ORDER BY 1";

fn days(n: usize) -> Vec<Day> {
    let start: Day = "2023-01-01".parse().unwrap();
    // A fixed stride through the year: the same days on every run.
    (0..n)
        .map(|i| start.plus_days(((i * 97) % 365) as i32))
        .collect()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn report(name: &str, mut times: Vec<Duration>) -> Duration {
    times.sort();
    let (p50, p99) = (percentile(&times, 0.5), percentile(&times, 0.99));
    println!(
        "{name:<28} n={:<5} p50 {:>10.3} ms   p99 {:>10.3} ms   max {:>10.3} ms",
        times.len(),
        p50.as_secs_f64() * 1e3,
        p99.as_secs_f64() * 1e3,
        times.last().unwrap().as_secs_f64() * 1e3
    );
    p50
}

fn progress_with_children(store: &SqliteStore, unit: &UnitCode, day: Day) -> Vec<Progress> {
    let scope = Scope::everything();
    let mut out = vec![Progress::from_figures(
        &store.figures(&scope, unit, day).unwrap(),
    )];
    for child in store.children(&scope, unit).unwrap() {
        out.push(Progress::from_figures(
            &store.figures(&scope, &child.code, day).unwrap(),
        ));
    }
    out
}

fn baseline(conn: &Connection, unit: &UnitCode, day: Day, min_age: i16) -> Vec<(String, [i64; 8])> {
    let end = phuxanh_domain::Instant::start_of(day.plus_days(1)).unix_seconds();
    let born_by = day.plus_years(-min_age).number();
    let mut stmt = conn.prepare_cached(BASELINE).unwrap();
    stmt.query_map(rusqlite::params![unit.as_str(), end, born_by], |r| {
        let mut c = [0i64; 8];
        for (i, slot) in c.iter_mut().enumerate() {
            *slot = r.get(i + 1)?;
        }
        Ok((r.get::<_, String>(0)?, c))
    })
    .unwrap()
    .map(Result::unwrap)
    .collect()
}

fn main() {
    let Ok(db) = std::env::var("PHUXANH_BENCH_DB") else {
        eprintln!(
            "set PHUXANH_BENCH_DB to a database made by scripts/bench (or any imported campaign); nothing measured"
        );
        return;
    };
    let unit =
        UnitCode::parse(&std::env::var("PHUXANH_BENCH_UNIT").unwrap_or("83".into())).unwrap();
    let store = SqliteStore::open(std::path::Path::new(&db)).unwrap();
    let conn = Connection::open(&db).unwrap();
    conn.execute_batch("PRAGMA cache_size = -262144").unwrap();
    let min_age = i16::from(store.min_age().unwrap());
    let citizens: i64 = conn
        .query_row("SELECT count(*) FROM citizens", [], |r| r.get(0))
        .unwrap();
    let events: i64 = conn
        .query_row("SELECT count(*) FROM events", [], |r| r.get(0))
        .unwrap();
    println!("database {db}: {citizens} citizens, {events} events; unit {unit}");

    // The two answers must agree before either is timed. (The baseline
    // counts citizens eligible from their birthday, without the counting
    // epoch, which changes nothing for days after 2020-01-01.)
    let check_day: Day = "2023-10-18".parse().unwrap();
    let ours = progress_with_children(&store, &unit, check_day);
    let theirs = baseline(&conn, &unit, check_day, min_age);
    for (code, counts) in &theirs {
        let p = ours[1..]
            .iter()
            .find(|p| &p.unit.code == code)
            .expect("same children");
        for (i, m) in Metric::ALL.iter().enumerate() {
            assert_eq!(p.count(*m), counts[i], "{code} {m}: counters vs GROUP BY");
        }
    }
    println!(
        "counters and GROUP BY agree on {} children as of {check_day}",
        theirs.len()
    );

    for day in days(50) {
        progress_with_children(&store, &unit, day);
    }
    let times: Vec<Duration> = days(2000)
        .into_iter()
        .map(|day| {
            let t = Instant::now();
            std::hint::black_box(progress_with_children(&store, &unit, day));
            t.elapsed()
        })
        .collect();
    let ours = report("progress --children", times);
    // The baseline takes seconds a run: a few runs are enough.
    let runs = std::env::var("PHUXANH_BENCH_BASELINE_RUNS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(10);
    let times: Vec<Duration> = days(runs)
        .into_iter()
        .map(|day| {
            let t = Instant::now();
            std::hint::black_box(baseline(&conn, &unit, day, min_age));
            t.elapsed()
        })
        .collect();
    let plain = report("plain SQL GROUP BY", times);
    println!(
        "ratio (GROUP BY p50 / progress p50): {:.0}x",
        plain.as_secs_f64() / ours.as_secs_f64()
    );
}
