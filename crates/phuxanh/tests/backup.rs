//! `backup`, `backup --verify` and `restore`: an online copy taken while an
//! import writes is one committed state; restoring it gives back exactly
//! its figures, also to a server that keeps running.

mod common;

use std::process::Stdio;

use common::{Phuxanh, Server, assert_same_figures};
use phuxanh_store_sqlite::SqliteStore;
use serde_json::Value;

fn progress(p: &Phuxanh) -> Value {
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
}

fn progress_of(db: &std::path::Path) -> Value {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_phuxanh"))
        .arg("--db")
        .arg(db)
        .args([
            "progress",
            "--unit",
            "83",
            "--children",
            "--as-of",
            "2023-12-31",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn a_backup_taken_during_an_import_is_one_committed_state_and_restores_exactly() {
    let (p, dir) = Phuxanh::with_generated_roster("10000", "31");
    let before = progress(&p);
    // The status snapshot goes in while backups are taken, one after another.
    let mut import = std::process::Command::new(env!("CARGO_BIN_EXE_phuxanh"))
        .arg("--db")
        .arg(p.db())
        .args(["status", "import", dir.join("status.csv").to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut backups = Vec::new();
    loop {
        let file = p.dir.path().join(format!("backup-{}.db", backups.len()));
        p.ok(&["backup", "--out", file.to_str().unwrap()]);
        backups.push(file);
        if import.try_wait().unwrap().is_some() {
            break;
        }
    }
    assert!(import.wait().unwrap().success());
    let file = p.dir.path().join("backup-after.db");
    p.ok(&["backup", "--out", file.to_str().unwrap()]);
    backups.push(file);
    let after = progress(&p);
    assert_ne!(before, after);
    // Each backup is whole, and holds the figures of before or after the
    // import, never a part of it.
    let mut seen = [0, 0];
    for b in &backups {
        let verified = p.ok(&["backup", "--verify", b.to_str().unwrap()]);
        assert!(
            verified.contains("Counters equal what the events say."),
            "{verified}"
        );
        let figures = progress_of(b);
        if figures == before {
            seen[0] += 1;
        } else {
            assert_eq!(figures, after, "{} holds part of the import", b.display());
            seen[1] += 1;
        }
    }
    eprintln!(
        "{} backups: {} before the import, {} after",
        backups.len(),
        seen[0],
        seen[1]
    );
    assert!(seen[0] >= 1 && seen[1] >= 1, "{seen:?}");
    // One taken now, then more data, then the restore: back to the copy.
    let last = p.dir.path().join("last.db");
    p.ok(&["backup", "--out", last.to_str().unwrap()]);
    p.ok(&[
        "targets",
        "set",
        "--unit",
        "83",
        "--metric",
        "collected",
        "--value",
        "9000",
        "--deadline",
        "2023-12-31",
    ]);
    assert_ne!(progress(&p), after);
    let out = p.ok(&["restore", last.to_str().unwrap()]);
    assert!(out.contains("as it was: "), "{out}");
    assert_eq!(progress(&p), after);
    assert_same_figures(
        &SqliteStore::open(&p.db()).unwrap(),
        &SqliteStore::open(&last).unwrap(),
    );
    p.assert_clean();
    // The database as it was before the restore was kept.
    assert!(p.dir.path().join("test.db.before-restore.bak").exists());
}

#[test]
fn a_restore_under_a_running_server_shows_the_restored_figures() {
    let p = Phuxanh::with_fixture();
    let copy = p.dir.path().join("copy.db");
    // Started first: the copy holds the server's token too (a restore
    // brings back the users and tokens of the copy).
    let server = Server::start(&p.db());
    p.ok(&["backup", "--out", copy.to_str().unwrap()]);
    let url = "/api/v1/units/83/progress?as_of=2023-09-30";
    let original = server.get_json(url);
    // A change the copy does not have, read (and cached) by the server.
    let event = r#"{"event_id": "r-1", "citizen_id": "083309000004", "kind": "collected", "level": 1, "at": "2023-09-15 09:00"}"#;
    assert_eq!(server.request("POST", "/api/v1/events", event).0, 200);
    let changed = server.get_json(url);
    assert_ne!(changed, original);
    p.ok(&["restore", copy.to_str().unwrap()]);
    assert_eq!(
        server.get_json(url),
        original,
        "the server shows the restored data"
    );
    drop(server);
    p.assert_clean();
}

#[test]
fn bad_backups_are_refused_and_nothing_is_overwritten() {
    let p = Phuxanh::with_fixture();
    let before = progress(&p);
    let not_a_db = p.dir.path().join("notes.db");
    std::fs::write(&not_a_db, "not a database").unwrap();
    for args in [
        vec!["backup", "--verify", not_a_db.to_str().unwrap()],
        vec!["restore", not_a_db.to_str().unwrap()],
        vec!["restore", "missing.db"],
        vec!["backup", "--out", not_a_db.to_str().unwrap()],
    ] {
        let out = p.run(&args);
        assert!(!out.status.success(), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("not a readable database")
                || stderr.contains("does not exist")
                || stderr.contains("exists already"),
            "{args:?}: {stderr}"
        );
    }
    assert_eq!(
        std::fs::read_to_string(&not_a_db).unwrap(),
        "not a database"
    );
    assert_eq!(progress(&p), before);
    // A backup cut short leaves no file that looks whole.
    let partial = p.dir.path().join("cut.db.partial");
    assert!(!partial.exists());
}

#[test]
fn an_old_schema_backup_is_verified_unchanged_and_restored_upgraded() {
    let p = Phuxanh::empty();
    let fixture =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/schema-6.db");
    let backup = p.dir.path().join("old.db");
    std::fs::copy(&fixture, &backup).unwrap();
    let bytes = std::fs::read(&backup).unwrap();
    let out = p.ok(&["backup", "--verify", backup.to_str().unwrap()]);
    assert!(
        out.contains("schema 6") && out.contains("temporary copy"),
        "{out}"
    );
    assert_eq!(
        std::fs::read(&backup).unwrap(),
        bytes,
        "verify changed the backup"
    );
    p.ok(&["restore", backup.to_str().unwrap()]);
    p.assert_clean();
    let info = phuxanh_store_sqlite::inspect_backup(&p.db()).unwrap();
    assert_eq!(info.schema_version, phuxanh_store_sqlite::SCHEMA_VERSION);
}
