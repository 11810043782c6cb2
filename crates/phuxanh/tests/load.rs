//! Load: the server keeps answering dashboard reads while a large status
//! import runs from the command line and 50 clients post events at once;
//! afterwards nothing is lost or counted twice (`check`, and every figure
//! equal to a fresh database that took the same data one writer at a
//! time). Latencies are printed, not asserted: BENCHMARKS.md records the
//! long run's.
//!
//! The bounded form runs in the suite; `PHUXANH_LONG=1` imports a status
//! snapshot of over a million rows and posts 50 × 100 events
//! (`scripts/faults` runs it on the release binary).

mod common;

use std::collections::HashSet;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use common::{Phuxanh, Server};
use phuxanh_store_sqlite::SqliteStore;

const CLIENTS: usize = 50;

fn long() -> bool {
    std::env::var_os("PHUXANH_LONG").is_some_and(|v| v != "0")
}

/// Citizens generated, and events each client posts.
fn scale() -> (&'static str, usize) {
    if long() {
        ("1400000", 100)
    } else {
        ("40000", 8)
    }
}

fn column(file: &Path, name: &str) -> Vec<String> {
    let mut reader = csv::Reader::from_path(file).unwrap();
    let i = reader.headers().unwrap().iter().position(|h| h == name);
    let i = i.unwrap_or_else(|| panic!("{} has no {name} column", file.display()));
    reader
        .records()
        .map(|r| r.unwrap()[i].to_string())
        .collect()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn summary(what: &str, mut times: Vec<Duration>) -> String {
    times.sort();
    format!(
        "{what}: {} requests, p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        times.len(),
        percentile(&times, 0.50).as_secs_f64() * 1e3,
        percentile(&times, 0.99).as_secs_f64() * 1e3,
        times.last().unwrap().as_secs_f64() * 1e3,
    )
}

/// The dashboard's reads, over days of the campaign so the answer cache
/// (emptied by every write anyway) does not answer them all.
fn reads() -> Vec<String> {
    (1..=28)
        .flat_map(|d| {
            let day = format!("2023-10-{d:02}");
            [
                format!("/api/v1/units/83/progress?as_of={day}"),
                format!("/units/83?as_of={day}"),
                format!("/api/v1/units/83/ranking?as_of={day}&metric=collected"),
            ]
        })
        .collect()
}

#[test]
fn reads_are_answered_while_a_status_import_and_fifty_posting_clients_write() {
    let (citizens, per_client) = scale();
    let (p, files) = Phuxanh::with_generated_roster(citizens, "3");
    let fresh = p.copy();
    let status = files.join("status.csv");
    // Clients post collections of citizens the snapshot does not name, so
    // that the two writers' figures add up.
    let in_status: HashSet<String> = column(&status, "citizen_id").into_iter().collect();
    let free: Vec<String> = column(&files.join("citizens.csv"), "id")
        .into_iter()
        .filter(|id| !in_status.contains(id))
        .take(CLIENTS * per_client)
        .collect();
    assert_eq!(free.len(), CLIENTS * per_client, "too few citizens left");
    let status_rows = column(&status, "level").len();

    let server = Server::start(&p.db());
    let importing = AtomicBool::new(true);
    let refused_busy = AtomicU64::new(0);
    let started = Instant::now();
    let import = Command::new(env!("CARGO_BIN_EXE_phuxanh"))
        .arg("--db")
        .arg(p.db())
        .args(["status", "import", status.to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();

    let (read_times, post_times, import_time) = std::thread::scope(|scope| {
        let readers: Vec<_> = (0..2)
            .map(|r| {
                let (server, importing) = (&server, &importing);
                scope.spawn(move || {
                    let paths = reads();
                    let mut times = Vec::new();
                    let mut i = r;
                    while importing.load(Ordering::Relaxed) {
                        let path = &paths[i % paths.len()];
                        let t = Instant::now();
                        let (status, _, body) = server.request("GET", path, "");
                        times.push(t.elapsed());
                        assert_eq!(status, 200, "GET {path} during the import: {body}");
                        i += 2;
                    }
                    times
                })
            })
            .collect();
        let posters: Vec<_> = free
            .chunks(per_client)
            .enumerate()
            .map(|(c, ids)| {
                let (server, refused_busy) = (&server, &refused_busy);
                scope.spawn(move || {
                    let mut times = Vec::new();
                    for (i, id) in ids.iter().enumerate() {
                        let event = serde_json::json!({
                            "event_id": format!("load-{c}-{i}"),
                            "citizen_id": id,
                            "kind": "collected",
                            "level": 1,
                            "at": format!("2023-10-{:02} 09:00", 1 + (c + i) % 28),
                            "team_id": format!("T{c}"),
                        })
                        .to_string();
                        loop {
                            let t = Instant::now();
                            let (status, headers, body) =
                                server.request("POST", "/api/v1/events", &event);
                            times.push(t.elapsed());
                            match status {
                                200 => break,
                                503 => {
                                    refused_busy.fetch_add(1, Ordering::Relaxed);
                                    let wait = headers
                                        .iter()
                                        .find(|(k, _)| k == "retry-after")
                                        .and_then(|(_, v)| v.parse().ok())
                                        .expect("a 503 without Retry-After");
                                    std::thread::sleep(Duration::from_secs(wait));
                                }
                                _ => panic!("POST answered {status}: {body}"),
                            }
                        }
                    }
                    times
                })
            })
            .collect();
        let out = import.wait_with_output().unwrap();
        let import_time = started.elapsed();
        assert!(
            out.status.success(),
            "the status import failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        importing.store(false, Ordering::Relaxed);
        let reads: Vec<Duration> = readers
            .into_iter()
            .flat_map(|r| r.join().unwrap())
            .collect();
        let posts: Vec<Duration> = posters
            .into_iter()
            .flat_map(|c| c.join().unwrap())
            .collect();
        (reads, posts, import_time)
    });
    drop(server);

    eprintln!(
        "status import of {status_rows} rows took {:.1} s",
        import_time.as_secs_f64()
    );
    eprintln!(
        "{}",
        summary("dashboard reads during the import", read_times.clone())
    );
    eprintln!(
        "{} ({} answered 503 and were retried)",
        summary("event posts", post_times),
        refused_busy.load(Ordering::Relaxed)
    );
    assert!(!read_times.is_empty(), "no read was made during the import");

    p.assert_clean();
    // The same data, one writer after the other, on a copy taken before.
    fresh.ok(&["status", "import", status.to_str().unwrap()]);
    let posted = fresh.dir.path().join("posted.csv");
    let mut csv = String::from("event_id,citizen_id,kind,level,at,team_id\n");
    for (c, ids) in free.chunks(per_client).enumerate() {
        for (i, id) in ids.iter().enumerate() {
            csv += &format!(
                "load-{c}-{i},{id},collected,1,2023-10-{:02} 09:00,T{c}\n",
                1 + (c + i) % 28
            );
        }
    }
    std::fs::write(&posted, csv).unwrap();
    fresh.ok(&["events", "import", posted.to_str().unwrap()]);
    let count = |db: &Path| -> i64 {
        let conn = rusqlite::Connection::open(db).unwrap();
        conn.query_row("SELECT count(*) FROM events", [], |r| r.get(0))
            .unwrap()
    };
    assert_eq!(count(&p.db()), count(&fresh.db()), "events lost or doubled");
    common::assert_same_figures(
        &SqliteStore::open(&p.db()).unwrap(),
        &SqliteStore::open(&fresh.db()).unwrap(),
    );
}
