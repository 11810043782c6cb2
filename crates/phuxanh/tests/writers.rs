//! Writers that wait their turn: imports, recorded events, target changes
//! and `check --repair` run against one database at once without failing;
//! a write that cannot get the lock in time says so (503 and Retry-After
//! in the API); the server starts and answers reads while a writer holds
//! the database.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{Phuxanh, Server};

fn cmd(p: &Phuxanh, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_phuxanh"));
    c.arg("--db")
        .arg(p.db())
        .args(args)
        .current_dir(p.dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c
}

/// Holds the database's write lock from another connection for `hold`.
fn hold_write_lock(p: &Phuxanh, hold: Duration) -> std::thread::JoinHandle<()> {
    let conn = rusqlite::Connection::open(p.db()).unwrap();
    conn.execute_batch("BEGIN IMMEDIATE").unwrap();
    std::thread::spawn(move || {
        std::thread::sleep(hold);
        conn.execute_batch("COMMIT").unwrap();
    })
}

fn split_events(p: &Phuxanh, file: &std::path::Path, parts: usize) -> Vec<std::path::PathBuf> {
    let text = std::fs::read_to_string(file).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let rows: Vec<&str> = lines.collect();
    (0..parts)
        .map(|i| {
            let path = p.dir.path().join(format!("part{i}.csv"));
            let mut out = format!("{header}\n");
            for r in rows.iter().skip(i).step_by(parts) {
                out.push_str(r);
                out.push('\n');
            }
            std::fs::write(&path, out).unwrap();
            path
        })
        .collect()
}

#[test]
fn a_command_waits_for_another_writer_and_then_runs() {
    let p = Phuxanh::with_fixture();
    let holder = hold_write_lock(&p, Duration::from_secs(2));
    let started = Instant::now();
    let out = p.run(&[
        "campaigns",
        "add",
        "Đợt 1",
        "--from",
        "2023-09-01",
        "--to",
        "2023-09-30",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        started.elapsed() >= Duration::from_millis(1500),
        "it did not wait"
    );
    holder.join().unwrap();
}

#[test]
fn a_command_that_cannot_get_the_lock_in_time_says_the_database_is_busy() {
    let p = Phuxanh::with_fixture();
    let holder = hold_write_lock(&p, Duration::from_secs(4));
    let out = cmd(
        &p,
        &[
            "targets",
            "set",
            "--unit",
            "83",
            "--metric",
            "used",
            "--value",
            "5",
            "--deadline",
            "2023-12-31",
        ],
    )
    .env("PHUXANH_WAIT", "1")
    .output()
    .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("the database is busy"), "{stderr}");
    holder.join().unwrap();
    let targets = p.json(&["targets", "list", "--unit", "83", "--format", "json"]);
    assert!(!targets.to_string().contains("\"used\""), "{targets}");
}

#[test]
fn the_server_starts_and_reads_while_a_writer_holds_the_database_and_a_post_gets_503() {
    let p = Phuxanh::with_fixture();
    let expected = p.json(&[
        "progress",
        "--unit",
        "83",
        "--as-of",
        "2023-09-30",
        "--format",
        "json",
    ]);
    let token = common::admin_token(&p.db());
    let holder = hold_write_lock(&p, Duration::from_secs(9));
    let server = Server::with_token(&p.db(), token);
    let progress = server.get_json("/api/v1/units/83/progress?as_of=2023-09-30");
    assert_eq!(progress, expected);
    let page = server.request("GET", "/units/83?as_of=2023-09-30", "");
    assert_eq!(page.0, 200);
    // A recorded event waits the server's 5 s, then gives up.
    let event = r#"{"event_id": "w-1", "citizen_id": "083309000004", "kind": "collected", "level": 1, "at": "2023-10-01 09:00"}"#;
    let started = Instant::now();
    let (status, headers, body) = server.request("POST", "/api/v1/events", event);
    assert_eq!(status, 503, "{body}");
    assert!(
        started.elapsed() >= Duration::from_secs(4),
        "it did not wait"
    );
    assert!(body.contains("\"busy\""), "{body}");
    assert!(
        headers
            .iter()
            .any(|(k, v)| k == "retry-after" && v.parse::<u32>().is_ok()),
        "{headers:?}"
    );
    holder.join().unwrap();
    // Sent again once the writer is done: recorded.
    let (status, _, body) = server.request("POST", "/api/v1/events", event);
    assert_eq!(status, 200, "{body}");
    drop(server);
    p.assert_clean();
}

#[test]
fn two_imports_at_once_both_apply() {
    let (p, dir) = Phuxanh::with_generated_roster("10000", "21");
    let parts = split_events(&p, &dir.join("events.csv"), 2);
    let children: Vec<_> = parts
        .iter()
        .map(|f| {
            cmd(&p, &["events", "import", f.to_str().unwrap()])
                .spawn()
                .unwrap()
        })
        .collect();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    p.assert_clean();
    let reference = Phuxanh::with_generated_roster("10000", "21").0;
    reference.ok(&["events", "import", dir.join("events.csv").to_str().unwrap()]);
    let figures = |p: &Phuxanh| {
        p.json(&[
            "progress",
            "--unit",
            "83",
            "--children",
            "--as-of",
            "2023-12-31",
            "--format",
            "json",
        ])
    };
    assert_eq!(figures(&p), figures(&reference));
}

#[test]
fn many_writers_at_once_all_succeed_while_the_server_reads_and_records() {
    let (p, dir) = Phuxanh::with_generated_roster("10000", "22");
    let server = Server::start(&p.db());
    let parts = split_events(&p, &dir.join("events.csv"), 3);
    let mut children = Vec::new();
    for f in &parts {
        children.push(
            cmd(&p, &["events", "import", f.to_str().unwrap()])
                .spawn()
                .unwrap(),
        );
    }
    children.push(
        cmd(
            &p,
            &[
                "targets",
                "import",
                dir.join("targets.csv").to_str().unwrap(),
            ],
        )
        .spawn()
        .unwrap(),
    );
    children.push(
        cmd(
            &p,
            &[
                "campaigns",
                "add",
                "60 ngày đêm",
                "--from",
                "2023-08-20",
                "--to",
                "2023-10-18",
            ],
        )
        .spawn()
        .unwrap(),
    );
    children.push(
        cmd(
            &p,
            &[
                "targets",
                "set",
                "--unit",
                "83",
                "--metric",
                "used",
                "--value",
                "40%",
                "--deadline",
                "2023-12-31",
            ],
        )
        .spawn()
        .unwrap(),
    );
    children.push(cmd(&p, &["check", "--repair"]).spawn().unwrap());
    // Meanwhile the server answers reads, and records events sent to it.
    let roster = std::fs::read_to_string(dir.join("citizens.csv")).unwrap();
    let ids: Vec<&str> = roster.lines().skip(1).map(|l| &l[..12]).take(20).collect();
    let mut recorded = 0;
    for (i, id) in ids.iter().enumerate() {
        let (status, _, _) = server.request("GET", "/api/v1/units/83/progress?children=true", "");
        assert_eq!(status, 200);
        // A use at the end of the year: held unless the citizen's events
        // have arrived; either way acknowledged, or busy and sent again.
        let event = format!(
            r#"{{"event_id": "srv-{i}", "citizen_id": "{id}", "kind": "used", "level": 1, "at": "2024-01-05 09:00"}}"#
        );
        loop {
            let (status, headers, body) = server.request("POST", "/api/v1/events", &event);
            match status {
                200 => break,
                503 => {
                    let wait = headers
                        .iter()
                        .find(|(k, _)| k == "retry-after")
                        .unwrap()
                        .1
                        .parse()
                        .unwrap();
                    std::thread::sleep(Duration::from_secs(wait));
                }
                _ => panic!("{status}: {body}"),
            }
        }
        recorded += 1;
    }
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_eq!(recorded, ids.len());
    drop(server);
    p.assert_clean();
    let campaigns = p.json(&["campaigns", "list", "--format", "json"]);
    assert!(campaigns.to_string().contains("60 ngày đêm"));
    // Every event sent to the server is recorded or held: none is lost.
    let pending = p.json(&["pending", "list", "--format", "json"]);
    let held: Vec<&str> = pending["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event_id"].as_str().unwrap())
        .collect();
    let db = rusqlite::Connection::open(p.db()).unwrap();
    for i in 0..ids.len() {
        let id = format!("srv-{i}");
        let stored: bool = db
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM events WHERE event_id = ?1)",
                [&id],
                |r| r.get(0),
            )
            .unwrap();
        assert!(stored || held.contains(&id.as_str()), "{id} is lost");
    }
}
