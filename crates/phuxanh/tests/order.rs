//! A file is a set, not a sequence: the same events in any row order, or
//! split across files imported in any order, give the same figures, and an
//! event that arrives before its predecessor waits for it.

mod common;

use std::path::{Path, PathBuf};

use common::{Phuxanh, assert_same_figures};
use phuxanh_store_sqlite::SqliteStore;
use serde_json::Value;

/// A generated campaign's roster in a fresh database, and its files.
fn campaign(seed: &str) -> (Phuxanh, PathBuf) {
    let (p, dir) = Phuxanh::with_generated_roster("10000", seed);
    p.ok(&[
        "targets",
        "import",
        dir.join("targets.csv").to_str().unwrap(),
    ]);
    (p, dir)
}

/// The lines of a CSV file: header and rows.
fn lines(file: &Path) -> (String, Vec<String>) {
    let text = std::fs::read_to_string(file).unwrap();
    let mut lines = text.lines().map(str::to_owned);
    let header = lines.next().unwrap();
    (header, lines.collect())
}

fn write(path: &Path, header: &str, rows: &[String]) -> PathBuf {
    let mut text = format!("{header}\n");
    for r in rows {
        text.push_str(r);
        text.push('\n');
    }
    std::fs::write(path, text).unwrap();
    path.to_owned()
}

/// The rows in an order fixed by `seed` (a Fisher–Yates shuffle driven by
/// xorshift, so the test needs no random-number crate).
fn shuffled(rows: &[String], seed: u64) -> Vec<String> {
    let mut rows = rows.to_vec();
    let mut x = seed | 1;
    for i in (1..rows.len()).rev() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        rows.swap(i, (x % (i as u64 + 1)) as usize);
    }
    rows
}

fn import(p: &Phuxanh, command: &str, file: &Path) -> String {
    p.ok(&[command, "import", file.to_str().unwrap()])
}

fn pending_total(p: &Phuxanh) -> u64 {
    let v: Value = p.json(&["pending", "list", "--format", "json"]);
    v["total"].as_u64().unwrap()
}

#[test]
fn events_in_any_order_or_split_across_files_in_any_order_give_the_same_figures() {
    let (reference, dir) = campaign("11");
    let events = dir.join("events.csv");
    import(&reference, "events", &events);
    reference.assert_clean();
    assert_eq!(pending_total(&reference), 0);
    let expected = SqliteStore::open(&reference.db()).unwrap();

    let (header, rows) = lines(&events);
    let kind_of = |row: &String| row.split(',').nth(2).unwrap().to_owned();
    for seed in [1u64, 2, 3] {
        // One file, rows shuffled.
        let (p, _) = campaign("11");
        let file = write(
            &p.dir.path().join("shuffled.csv"),
            &header,
            &shuffled(&rows, seed),
        );
        let out = import(&p, "events", &file);
        assert!(out.contains("0 từ chối (refused)"), "{out}");
        assert_eq!(pending_total(&p), 0);
        p.assert_clean();
        assert_same_figures(&SqliteStore::open(&p.db()).unwrap(), &expected);
    }
    // One export per stage, the last stage first (activations before
    // collections): everything waits, then is released as the rest comes.
    let (p, _) = campaign("11");
    let mut order = ["used", "activated", "approved", "rejected", "collected"].to_vec();
    for (i, kind) in order.iter().enumerate() {
        let part: Vec<String> = rows
            .iter()
            .filter(|r| kind_of(r) == *kind)
            .cloned()
            .collect();
        assert!(!part.is_empty(), "no {kind} events");
        let file = write(
            &p.dir.path().join(format!("{kind}.csv")),
            &header,
            &shuffled(&part, i as u64 + 7),
        );
        import(&p, "events", &file);
        p.assert_clean();
    }
    assert_eq!(pending_total(&p), 0);
    assert_same_figures(&SqliteStore::open(&p.db()).unwrap(), &expected);
    // Three files cut at random, imported in two different orders.
    let mixed = shuffled(&rows, 5);
    let third = mixed.len() / 3;
    let parts = [
        &mixed[..third],
        &mixed[third..2 * third],
        &mixed[2 * third..],
    ];
    order = vec![];
    let _ = order;
    for sequence in [[2usize, 0, 1], [1, 2, 0]] {
        let (p, _) = campaign("11");
        for i in sequence {
            let file = write(
                &p.dir.path().join(format!("part{i}.csv")),
                &header,
                parts[i],
            );
            import(&p, "events", &file);
        }
        assert_eq!(pending_total(&p), 0);
        p.assert_clean();
        assert_same_figures(&SqliteStore::open(&p.db()).unwrap(), &expected);
    }
}

#[test]
fn a_status_snapshot_in_any_order_gives_the_same_figures() {
    let (reference, dir) = campaign("12");
    let status = dir.join("status.csv");
    import(&reference, "status", &status);
    let expected = SqliteStore::open(&reference.db()).unwrap();
    let (header, rows) = lines(&status);
    let (p, _) = campaign("12");
    let file = write(
        &p.dir.path().join("status-shuffled.csv"),
        &header,
        &shuffled(&rows, 9),
    );
    import(&p, "status", &file);
    assert_eq!(pending_total(&p), 0);
    p.assert_clean();
    assert_same_figures(&SqliteStore::open(&p.db()).unwrap(), &expected);
}

/// The hand-made fixture without its events, for small cases.
fn roster_only() -> Phuxanh {
    let p = Phuxanh::new();
    p.ok(&[
        "units",
        "import",
        common::data("units.csv").to_str().unwrap(),
    ]);
    p.ok(&[
        "citizens",
        "import",
        common::data("citizens.csv").to_str().unwrap(),
    ]);
    p
}

fn events_file(p: &Phuxanh, name: &str, rows: &[&str]) -> PathBuf {
    let rows: Vec<String> = rows.iter().map(|r| r.to_string()).collect();
    write(
        &p.dir.path().join(name),
        "event_id,citizen_id,kind,level,at,team_id,session_id,reason",
        &rows,
    )
}

fn count(p: &Phuxanh, as_of: &str, metric: &str) -> i64 {
    let v = p.json(&[
        "progress", "--unit", "83", "--as-of", as_of, "--format", "json",
    ]);
    v["counts"][metric].as_i64().unwrap()
}

#[test]
fn an_event_before_its_predecessor_is_held_listed_and_applied_at_its_own_day() {
    let p = roster_only();
    // The activation export comes first.
    let activations = events_file(
        &p,
        "activations.csv",
        &["a3,083085000001,activated,2,2023-08-25 10:00,,,"],
    );
    let out = p.run(&["events", "import", activations.to_str().unwrap()]);
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stdout.contains("0 áp dụng (applied), 1 chờ (held)"),
        "{stdout}"
    );
    assert!(
        stderr.contains(":2: held: waiting for 'collected' and 'approved' at level 2"),
        "{stderr}"
    );
    assert_eq!(count(&p, "2023-08-31", "activated"), 0);
    let listed = p.json(&["pending", "list", "--format", "json"]);
    assert_eq!(listed["total"], 1);
    let held = &listed["events"][0];
    assert_eq!(held["event_id"], "a3");
    assert_eq!(held["unit"], "28900-K1");
    assert_eq!(held["source"], activations.to_str().unwrap());
    // Importing it again changes nothing.
    let again = p.ok(&["events", "import", activations.to_str().unwrap()]);
    assert!(again.contains("1 không đổi (unchanged)"), "{again}");
    assert_eq!(pending_total(&p), 1);
    // Nothing has waited a week yet.
    let old = p.json(&["pending", "list", "--older-than", "7d", "--format", "json"]);
    assert_eq!(old["total"], 0);

    // The collection alone: the activation still waits, for the approval.
    let collections = events_file(
        &p,
        "collections.csv",
        &["a1,083085000001,collected,2,2023-08-20 19:30,,,"],
    );
    p.ok(&["events", "import", collections.to_str().unwrap()]);
    let listed = p.json(&["pending", "list", "--format", "json"]);
    assert_eq!(listed["total"], 1);
    let waiting = listed["events"][0]["waiting_for"].as_str().unwrap();
    assert!(waiting.starts_with("waiting for 'approved'"), "{waiting}");
    assert_eq!(count(&p, "2023-08-31", "collected"), 1);
    assert_eq!(count(&p, "2023-08-31", "activated"), 0);

    // The approval: the activation is recorded, on its own day.
    let approvals = events_file(
        &p,
        "approvals.csv",
        &["a2,083085000001,approved,2,2023-08-22 09:00,,,"],
    );
    let out = p.ok(&["events", "import", approvals.to_str().unwrap()]);
    assert!(out.contains("1 sự kiện đang chờ đã được áp dụng"), "{out}");
    assert_eq!(pending_total(&p), 0);
    assert_eq!(count(&p, "2023-08-24", "activated"), 0);
    assert_eq!(count(&p, "2023-08-25", "activated"), 1);
    assert_eq!(count(&p, "2023-08-25", "activated_l2"), 1);
    p.assert_clean();
}

#[test]
fn older_than_lists_what_has_waited_that_long() {
    let p = roster_only();
    let file = events_file(
        &p,
        "late.csv",
        &[
            "u1,083085000001,used,2,2023-09-01 08:00,,,",
            "u2,083180000006,used,1,2023-09-08 07:45,,,",
        ],
    );
    p.ok(&["events", "import", file.to_str().unwrap()]);
    // One of them was received ten days ago.
    let ten_days_ago = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
        - 10 * 86_400;
    rusqlite::Connection::open(p.db())
        .unwrap()
        .execute(
            "UPDATE pending SET received_at = ?1 WHERE event_id = 'u2'",
            [ten_days_ago],
        )
        .unwrap();
    let old = p.json(&["pending", "list", "--older-than", "7d", "--format", "json"]);
    assert_eq!(old["total"], 1);
    assert_eq!(old["events"][0]["event_id"], "u2");
    assert_eq!(old["events"][0]["waiting_days"], 10);
    assert_eq!(
        p.json(&["pending", "list", "--older-than", "2w", "--format", "json"])["total"],
        0
    );
    // By unit: u1 lives in a village of commune 28900, u2 elsewhere.
    let v = p.json(&["pending", "list", "--unit", "28900", "--format", "json"]);
    assert_eq!(v["total"], 1);
    assert_eq!(v["events"][0]["event_id"], "u1");
    let bad = p.run(&["pending", "list", "--older-than", "a week"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("7d (days) or 2w (weeks)"));
}

#[test]
fn a_second_collection_before_a_recorded_approval_makes_it_wait_for_the_rejection() {
    let p = roster_only();
    let first = events_file(
        &p,
        "first.csv",
        &[
            "c1,083085000001,collected,1,2023-09-01 08:00,,,",
            "p1,083085000001,approved,1,2023-09-05 08:00,,,",
        ],
    );
    p.ok(&["events", "import", first.to_str().unwrap()]);
    assert_eq!(count(&p, "2023-09-30", "approved"), 1);
    // Another collection on the 3rd: the approval was of that application,
    // so the first one must have been rejected in between.
    let second = events_file(
        &p,
        "second.csv",
        &["c2,083085000001,collected,1,2023-09-03 08:00,,,"],
    );
    let out = p.run(&["events", "import", second.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("1 sự kiện đã ghi chuyển sang chờ"),
        "{stdout}"
    );
    assert_eq!(count(&p, "2023-09-30", "approved"), 0);
    assert_eq!(count(&p, "2023-09-30", "collected"), 1);
    assert_eq!(pending_total(&p), 2);
    p.assert_clean();
    // The rejection arrives.
    let third = events_file(
        &p,
        "third.csv",
        &["r1,083085000001,rejected,1,2023-09-02 08:00,,,Ảnh mờ"],
    );
    p.ok(&["events", "import", third.to_str().unwrap()]);
    assert_eq!(pending_total(&p), 0);
    assert_eq!(count(&p, "2023-09-30", "approved"), 1);
    assert_eq!(count(&p, "2023-09-30", "rejected"), 1);
    p.assert_clean();
}
