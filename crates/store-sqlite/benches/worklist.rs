//! The door-to-door list of a commune against a plain SQL baseline on the
//! same database.
//!
//! ```sh
//! PHUXANH_BENCH_DB=bench.db [PHUXANH_BENCH_COMMUNE=29215] \
//!     cargo bench -p phuxanh-store-sqlite --bench worklist
//! ```
//!
//! It times the whole read behind `worklist --unit C --kind K --as-of D`
//! (the commune's eligible residents with their first days, the stage each
//! is stuck at, grouped by village and household, green households) for
//! every kind of list on many days. The baseline answers the plain way: one
//! `GROUP BY` over the commune's citizens joined to their events, filtered
//! to the list's state and ordered by village, household and address. The
//! two must list the same people before either is timed. Without
//! PHUXANH_BENCH_COMMUNE it takes the commune with the most citizens.

use std::time::{Duration, Instant};

use phuxanh_domain::field::WorklistKind;
use phuxanh_domain::{Day, UnitCode};
use phuxanh_report::field::worklist;
use phuxanh_store::{Scope, Store};
use phuxanh_store_sqlite::SqliteStore;
use rusqlite::Connection;

/// The plain way, for the not-activated list: approved, not activated.
const BASELINE: &str = "
WITH RECURSIVE sub(id) AS (
    SELECT id FROM units WHERE code = ?1
    UNION ALL
    SELECT u.id FROM units u JOIN sub ON u.parent_id = sub.id
)
SELECT i.id, c.full_name, c.birth_date, c.household_id, c.address, c.phone, u.code,
    min(CASE WHEN e.kind = 1 THEN e.at END) AS approved,
    min(CASE WHEN e.kind = 3 THEN e.at END) AS activated
FROM sub
JOIN citizen_ids i ON i.unit_id = sub.id
JOIN citizens c ON c.row_id = i.row_id
JOIN units u ON u.id = i.unit_id
LEFT JOIN events e ON e.citizen_id = i.id AND e.at < ?2
WHERE c.birth_date <= ?3
GROUP BY i.id
HAVING approved IS NOT NULL AND activated IS NULL
ORDER BY u.code, c.household_id, c.address";

fn baseline(conn: &Connection, commune: &UnitCode, day: Day, min_age: i16) -> Vec<String> {
    let end = phuxanh_domain::Instant::start_of(day.plus_days(1)).unix_seconds();
    let born_by = day.plus_years(-min_age).number();
    let mut stmt = conn.prepare_cached(BASELINE).unwrap();
    let mut ids: Vec<String> = stmt
        .query_map(rusqlite::params![commune.as_str(), end, born_by], |r| {
            r.get::<_, i64>(0)
        })
        .unwrap()
        .map(|id| format!("{:012}", id.unwrap()))
        .collect();
    ids.sort();
    ids
}

fn days(n: usize) -> Vec<Day> {
    let start: Day = "2023-08-01".parse().unwrap();
    (0..n)
        .map(|i| start.plus_days(((i * 37) % 150) as i32))
        .collect()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn report(name: &str, mut times: Vec<Duration>) -> Duration {
    times.sort();
    let (p50, p99) = (percentile(&times, 0.5), percentile(&times, 0.99));
    println!(
        "{name:<32} n={:<5} p50 {:>9.3} ms   p99 {:>9.3} ms   max {:>9.3} ms",
        times.len(),
        p50.as_secs_f64() * 1e3,
        p99.as_secs_f64() * 1e3,
        times.last().unwrap().as_secs_f64() * 1e3
    );
    p50
}

fn main() {
    let Ok(db) = std::env::var("PHUXANH_BENCH_DB") else {
        eprintln!(
            "set PHUXANH_BENCH_DB to a database made by scripts/bench (or any imported campaign); nothing measured"
        );
        return;
    };
    let store = SqliteStore::open(std::path::Path::new(&db)).unwrap();
    let conn = Connection::open(&db).unwrap();
    conn.execute_batch("PRAGMA cache_size = -262144").unwrap();
    let commune = match std::env::var("PHUXANH_BENCH_COMMUNE") {
        Ok(c) => UnitCode::parse(&c).unwrap(),
        Err(_) => {
            let code: String = conn
                .query_row(
                    "SELECT coalesce(p.code, u.code) AS commune FROM citizen_ids i
                     JOIN units u ON u.id = i.unit_id
                     LEFT JOIN units p ON p.id = u.parent_id AND u.level = 'village'
                     GROUP BY commune ORDER BY count(*) DESC LIMIT 1",
                    [],
                    |r| r.get(0),
                )
                .unwrap();
            UnitCode::parse(&code).unwrap()
        }
    };
    let min_age = i16::from(store.min_age().unwrap());
    let scope = Scope::everything();
    let check_day: Day = "2023-10-18".parse().unwrap();
    let ours = worklist(
        &store,
        &scope,
        &commune,
        WorklistKind::NotActivated,
        None,
        check_day,
    )
    .unwrap();
    let mut ours_ids: Vec<String> = ours
        .places
        .iter()
        .flat_map(|p| &p.list)
        .flat_map(|h| &h.members)
        .map(|m| m.citizen_id.clone())
        .collect();
    ours_ids.sort();
    assert_eq!(
        ours_ids,
        baseline(&conn, &commune, check_day, min_age),
        "the list vs GROUP BY"
    );
    println!(
        "database {db}; commune {commune}: {} eligible as of {check_day}, {} not activated; the list and GROUP BY agree",
        ours.eligible, ours.listed
    );

    for day in days(20) {
        std::hint::black_box(
            worklist(
                &store,
                &scope,
                &commune,
                WorklistKind::NotActivated,
                None,
                day,
            )
            .unwrap(),
        );
    }
    let mut all = Vec::new();
    for kind in WorklistKind::ALL {
        let times: Vec<Duration> = days(60)
            .into_iter()
            .map(|day| {
                let t = Instant::now();
                std::hint::black_box(worklist(&store, &scope, &commune, kind, None, day).unwrap());
                t.elapsed()
            })
            .collect();
        all.extend_from_slice(&times);
        report(&format!("worklist {kind}"), times);
    }
    let ours = report("worklist, every kind", all);
    let runs = std::env::var("PHUXANH_BENCH_BASELINE_RUNS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(20);
    if runs == 0 {
        return;
    }
    let times: Vec<Duration> = days(runs)
        .into_iter()
        .map(|day| {
            let t = Instant::now();
            std::hint::black_box(baseline(&conn, &commune, day, min_age));
            t.elapsed()
        })
        .collect();
    let plain = report("plain SQL GROUP BY (not-activated)", times);
    println!(
        "ratio (GROUP BY p50 / worklist p50): {:.1}x",
        plain.as_secs_f64() / ours.as_secs_f64()
    );
}
