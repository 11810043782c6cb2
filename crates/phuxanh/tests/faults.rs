//! Faults: `phuxanh` killed with SIGKILL in the middle of large imports
//! (roster, events, status) and of API ingestion, at several points. After
//! every kill the database opens, `check` passes, a file is applied whole
//! or not at all, a batch of posted events likewise, and every event the
//! server acknowledged is there. Finishing the work afterwards gives the
//! same figures as doing it once without faults.
//!
//! The bounded form runs in the suite; `PHUXANH_LONG=1` kills more often
//! on more data (`scripts/faults` runs it on the release binary).

mod common;

use std::collections::HashSet;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use common::{Phuxanh, Server};
use phuxanh_store_sqlite::SqliteStore;

fn long() -> bool {
    std::env::var_os("PHUXANH_LONG").is_some_and(|v| v != "0")
}

/// How many generated citizens, and how many kills per run.
fn scale() -> (&'static str, usize) {
    if long() { ("400000", 12) } else { ("30000", 3) }
}

fn count(db: &Path, table: &str) -> i64 {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
        .unwrap()
}

fn spawn(p: &Phuxanh, args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_phuxanh"))
        .arg("--db")
        .arg(p.db())
        .args(args)
        .current_dir(p.dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// How long the command takes when nothing stops it, on a throwaway copy
/// of the database.
fn clean_duration(p: &Phuxanh, args: &[&str]) -> Duration {
    let copy = p.copy();
    let started = Instant::now();
    copy.ok(args);
    started.elapsed()
}

/// Runs `args` and kills it at `kills` points spread over the time a
/// clean run takes (the first a moment after start, the last near the
/// end); after each kill, `table` holds `before` rows or `after` (when the
/// kill came after the commit), and `check` passes. Then the command runs
/// to its end. Returns how many kills landed before the commit.
fn kill_during(p: &Phuxanh, args: &[&str], table: &str, after: i64, kills: usize) -> usize {
    let before = count(&p.db(), table);
    let clean = clean_duration(p, args);
    let mut rolled_back = 0;
    for k in 0..kills {
        let at = clean.mul_f64((k as f64 + 0.5) / kills as f64);
        let mut child = spawn(p, args);
        std::thread::sleep(at);
        let finished = child.try_wait().unwrap().is_some();
        let _ = child.kill(); // SIGKILL
        child.wait().unwrap();
        let now = count(&p.db(), table);
        assert!(
            now == before || now == after,
            "{args:?} killed after {at:?}: {table} holds {now} rows, neither {before} nor {after}"
        );
        p.assert_clean();
        if now == after {
            eprintln!("{args:?}: kill {k} after {at:?} came after the commit");
            return rolled_back;
        }
        assert!(!finished, "{args:?} finished after {at:?} without its rows");
        rolled_back += 1;
    }
    p.ok(args);
    assert_eq!(count(&p.db(), table), after);
    rolled_back
}

fn rows(file: &Path) -> i64 {
    std::fs::read_to_string(file).unwrap().lines().count() as i64 - 1
}

#[test]
fn imports_killed_at_any_point_leave_the_file_applied_whole_or_not_at_all() {
    let (citizens, kills) = scale();
    let (p, files) = Phuxanh::with_generated_villages(citizens, "11");
    let file = |name: &str| files.join(name).to_str().unwrap().to_string();

    let roster = rows(&files.join("citizens.csv"));
    let n = kill_during(
        &p,
        &["citizens", "import", &file("citizens.csv")],
        "citizens",
        roster,
        kills,
    );
    eprintln!("roster of {roster}: {n} kills rolled back");

    // A status snapshot, on a copy of the database with the roster.
    let s = p.copy();
    let fresh = p.copy();
    fresh.ok(&["status", "import", &file("status.csv")]);
    let status_events = count(&fresh.db(), "events");
    let n = kill_during(
        &s,
        &["status", "import", &file("status.csv")],
        "events",
        status_events,
        kills,
    );
    eprintln!("status snapshot ({status_events} events): {n} kills rolled back");
    common::assert_same_figures(&open(&s.db()), &open(&fresh.db()));

    // The events file, on the database with the roster.
    let fresh = p.copy();
    let events = rows(&files.join("events.csv"));
    let n = kill_during(
        &p,
        &["events", "import", &file("events.csv")],
        "events",
        events,
        kills,
    );
    eprintln!("events file of {events}: {n} kills rolled back");
    fresh.ok(&["events", "import", &file("events.csv")]);
    common::assert_same_figures(&open(&p.db()), &open(&fresh.db()));
}

fn open(db: &Path) -> SqliteStore {
    SqliteStore::open(db).unwrap()
}

/// The events file's rows as the JSON objects `POST /api/v1/events`
/// takes.
fn events_as_json(file: &Path) -> Vec<serde_json::Value> {
    let mut reader = csv::Reader::from_path(file).unwrap();
    let headers = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            let mut event = serde_json::Map::new();
            for (name, value) in headers.iter().zip(r.iter()) {
                if value.is_empty() {
                    continue;
                }
                let value = match name {
                    "level" => serde_json::json!(value.parse::<u8>().unwrap()),
                    _ => serde_json::json!(value),
                };
                event.insert(name.to_string(), value);
            }
            serde_json::Value::Object(event)
        })
        .collect()
}

/// Event ids in the ledger, recorded or held.
fn stored_ids(db: &Path) -> HashSet<String> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut ids = HashSet::new();
    for table in ["events", "pending"] {
        let mut stmt = conn
            .prepare(&format!(
                "SELECT event_id FROM {table} WHERE event_id IS NOT NULL"
            ))
            .unwrap();
        let rows = stmt.query_map([], |r| r.get::<_, String>(0)).unwrap();
        ids.extend(rows.map(Result::unwrap));
    }
    ids
}

const CLIENTS: usize = 8;
const BATCH: usize = 25;

/// One client's batches, and how many of them the server acknowledged.
struct Client {
    batches: Vec<Vec<serde_json::Value>>,
    acked: usize,
}

/// Each client sends its batches in order until the server goes away.
fn post_until_killed(server: &Server, clients: &[Mutex<Client>]) {
    std::thread::scope(|scope| {
        for client in clients {
            scope.spawn(move || {
                loop {
                    let mut c = client.lock().unwrap();
                    if c.acked == c.batches.len() {
                        return;
                    }
                    let body = serde_json::Value::Array(c.batches[c.acked].clone()).to_string();
                    match server.try_request("POST", "/api/v1/events", &body) {
                        Ok((200, _, _)) => c.acked += 1,
                        Ok((503, _, _)) => std::thread::sleep(Duration::from_millis(200)),
                        Ok((status, _, body)) => panic!("POST answered {status}: {body}"),
                        Err(_) => return, // the server was killed
                    }
                }
            });
        }
    });
}

#[test]
fn a_server_killed_while_clients_post_keeps_every_acknowledged_event() {
    let (_, kills) = scale();
    let citizens = if long() { "100000" } else { "10000" };
    let (p, files) = Phuxanh::with_generated_roster(citizens, "5");
    let fresh = p.copy();
    // The bounded form posts the events of the citizens whose ID ends in
    // an even digit (each citizen's events all or none).
    let text = std::fs::read_to_string(files.join("events.csv")).unwrap();
    let posted = p.dir.path().join("posted.csv");
    let even =
        |line: &&str| long() || line.as_bytes()[line.find(',').unwrap() + 12].is_multiple_of(2);
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let rows: Vec<&str> = lines.filter(even).collect();
    std::fs::write(&posted, format!("{header}\n{}\n", rows.join("\n"))).unwrap();
    let events = events_as_json(&posted);
    let total = events.len();
    // Round-robin: each client's events are out of time order, and a
    // citizen's events are spread over clients, so many arrive before
    // their predecessors and are held.
    let mut per_client = vec![Vec::new(); CLIENTS];
    for (i, e) in events.into_iter().enumerate() {
        per_client[i % CLIENTS].push(e);
    }
    let clients: Vec<Mutex<Client>> = per_client
        .into_iter()
        .map(|events| {
            Mutex::new(Client {
                batches: events.chunks(BATCH).map(<[_]>::to_vec).collect(),
                acked: 0,
            })
        })
        .collect();
    let all_acked = |clients: &[Mutex<Client>]| {
        clients.iter().all(|c| {
            let c = c.lock().unwrap();
            c.acked == c.batches.len()
        })
    };

    let mut killed = 0;
    for round in 0.. {
        if all_acked(&clients) {
            break;
        }
        let server = Server::start(&p.db());
        let pid = server.child.id().to_string();
        std::thread::scope(|scope| {
            let killer = (round < kills).then(|| {
                scope.spawn(|| {
                    // Killed after a growing while: 0.4 s, 0.8 s, …
                    std::thread::sleep(Duration::from_millis(400 * (round as u64 + 1)));
                    if all_acked(&clients) {
                        return false;
                    }
                    let killed = Command::new("kill").args(["-KILL", &pid]).status();
                    assert!(killed.unwrap().success(), "kill -KILL {pid}");
                    true
                })
            });
            post_until_killed(&server, &clients);
            if killer.is_some_and(|k| k.join().unwrap()) {
                killed += 1;
            }
        });
        drop(server);

        let stored = stored_ids(&p.db());
        for c in &clients {
            let c = c.lock().unwrap();
            for batch in &c.batches[..c.acked] {
                for e in batch {
                    let id = e["event_id"].as_str().unwrap();
                    assert!(stored.contains(id), "acknowledged event {id} is missing");
                }
            }
            // The batch in flight when the server died: whole or absent.
            if let Some(batch) = c.batches.get(c.acked) {
                let present = batch
                    .iter()
                    .filter(|e| stored.contains(e["event_id"].as_str().unwrap()))
                    .count();
                assert!(
                    present == 0 || present == batch.len(),
                    "a batch was half recorded: {present} of {}",
                    batch.len()
                );
            }
        }
        p.assert_clean();
    }
    eprintln!("{total} events from {CLIENTS} clients, server killed {killed} times");
    assert!(killed >= 1, "the server was never killed while posting");
    assert_eq!(count(&p.db(), "pending"), 0, "events still held at the end");

    fresh.ok(&["events", "import", posted.to_str().unwrap()]);
    common::assert_same_figures(&open(&p.db()), &open(&fresh.db()));
}
