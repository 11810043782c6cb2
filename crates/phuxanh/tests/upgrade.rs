//! Schema upgrades: every committed fixture database of a released schema
//! (`tests/fixtures/schema-N.db`, made by `scripts/fixture`) is opened by
//! this binary, upgraded, and compared, figure by figure, with a fresh
//! import of the same files.

mod common;

use std::path::{Path, PathBuf};

use common::{Phuxanh, assert_same_figures};
use phuxanh_store_sqlite::{SCHEMA_VERSION, SqliteStore};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

/// Every committed fixture database, with its schema version.
fn fixture_databases() -> Vec<(u32, PathBuf)> {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir(fixtures())
        .unwrap()
        .filter_map(|e| {
            let path = e.unwrap().path();
            let name = path.file_name()?.to_str()?.to_owned();
            let version = name
                .strip_prefix("schema-")?
                .strip_suffix(".db")?
                .parse()
                .ok()?;
            Some((version, path))
        })
        .collect();
    found.sort();
    found
}

/// What `scripts/fixture` does, with this binary.
fn fresh_import(p: &Phuxanh) {
    let src = fixtures().join("source");
    let file = |name: &str| src.join(name).to_str().unwrap().to_owned();
    p.ok(&["init", "--units", "vn-2024"]);
    p.ok(&["units", "import", &file("villages.csv")]);
    p.ok(&["citizens", "import", &file("citizens.csv")]);
    p.ok(&["events", "import", &file("events.csv")]);
    p.ok(&["targets", "import", &file("targets.csv")]);
    p.ok(&[
        "campaigns",
        "add",
        "60 ngày đêm",
        "--from",
        "2023-08-20",
        "--to",
        "2023-10-18",
        "--unit",
        "83",
    ]);
    p.ok(&[
        "targets",
        "set",
        "--unit",
        "28756",
        "--metric",
        "activated",
        "--value",
        "80%",
        "--deadline",
        "2023-12-31",
    ]);
}

fn schema_version(db: &Path) -> String {
    rusqlite::Connection::open(db)
        .unwrap()
        .query_row(
            "SELECT value FROM meta WHERE key = 'schema_version'",
            [],
            |r| r.get(0),
        )
        .unwrap()
}

#[test]
fn every_released_schema_upgrades_to_the_same_figures_as_a_fresh_import() {
    let databases = fixture_databases();
    // Every released schema has its fixture: 6, the first, up to the one
    // before this binary's.
    for released in 6..SCHEMA_VERSION {
        assert!(
            databases.iter().any(|(v, _)| *v == released),
            "tests/fixtures/schema-{released}.db is missing"
        );
    }
    let fresh = Phuxanh::empty();
    fresh_import(&fresh);
    let fresh_store = SqliteStore::open(&fresh.db()).unwrap();
    for (version, fixture) in databases {
        let p = Phuxanh::empty();
        std::fs::copy(&fixture, p.db()).unwrap();
        let out = p.run(&["check"]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "check on schema {version}: {stderr}");
        let backup = p.dir.path().join(format!("test.db.schema-{version}.bak"));
        if version < SCHEMA_VERSION {
            assert!(
                stderr.contains(&format!(
                    "upgraded the database from schema version {version} to {SCHEMA_VERSION}"
                )),
                "{stderr}"
            );
            assert!(stderr.contains(backup.to_str().unwrap()), "{stderr}");
            // The copy is the database as it was.
            assert_eq!(schema_version(&backup), version.to_string());
        } else {
            assert!(!backup.exists());
        }
        assert_eq!(schema_version(&p.db()), SCHEMA_VERSION.to_string());
        // Opened again: nothing more to do.
        let again = p.run(&["check"]);
        assert!(again.status.success());
        assert!(
            !String::from_utf8_lossy(&again.stderr).contains("upgraded"),
            "upgraded twice"
        );
        let upgraded = SqliteStore::open(&p.db()).unwrap();
        assert_same_figures(&upgraded, &fresh_store);
        // The days the events span are known after the upgrade (when and
        // from where they were recorded is not).
        use phuxanh_store::Store;
        let (was, fresh) = (
            upgraded.freshness().unwrap(),
            fresh_store.freshness().unwrap(),
        );
        assert!(fresh.first_day.is_some() && fresh.updated_by.is_some());
        assert_eq!(
            (was.first_day, was.last_day),
            (fresh.first_day, fresh.last_day)
        );
        // And it takes new data like a fresh database.
        p.ok(&[
            "events",
            "import",
            common::data("../fixtures/source/events.csv")
                .to_str()
                .unwrap(),
        ]);
        // Contacts came with schema 8: an upgraded database takes them too.
        let contacts = common::data("../fixtures/source/contacts.csv");
        let out = p.ok(&["contacts", "import", contacts.to_str().unwrap()]);
        assert!(
            out.ends_with("4 liên hệ của 3 đơn vị (contacts for units)\n"),
            "schema {version}: {out}"
        );
        let listed = p.json(&["contacts", "list", "--unit", "28756", "--format", "json"]);
        let names: Vec<&str> = listed["contacts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        // The ward's two, in file order, then its village's.
        assert_eq!(
            names,
            ["Trần Thị Thử", "Lê Văn Giả", "Phạm Thị Ví Dụ"],
            "schema {version}"
        );
        // What later schemas added works on it: settings, an issued report.
        p.ok(&["settings", "set", "report.agency", "CÔNG AN TỈNH BẾN TRE"]);
        p.ok(&[
            "report",
            "--unit",
            "83",
            "--as-of",
            "2023-09-30",
            "--out",
            "r.pdf",
            "--issue",
        ]);
        let issued = p.json(&["reports", "list", "--unit", "83", "--format", "json"]);
        assert_eq!(issued[0]["id"], 1, "schema {version}: {issued}");
        // Schema 10's erasure too, and a roster import after it keeps the
        // citizen erased and every figure as it was.
        p.ok(&["citizens", "forget", "002171227883", "--reason", "đơn số 1"]);
        let roster = common::data("../fixtures/source/citizens.csv");
        p.ok(&["citizens", "import", roster.to_str().unwrap()]);
        let name: String = rusqlite::Connection::open(p.db())
            .unwrap()
            .query_row(
                "SELECT full_name FROM citizens WHERE id = 2171227883",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(name, "", "schema {version}");
        p.assert_clean();
    }
}

/// The tables and indexes an upgrade leaves are those a fresh database has.
#[test]
fn an_upgraded_schema_is_the_fresh_schema() {
    let shape = |db: &Path| -> Vec<String> {
        let conn = rusqlite::Connection::open(db).unwrap();
        let mut stmt = conn
            .prepare(
                "SELECT m.type, m.name, m.tbl_name, p.cid, p.name, p.type, p.\"notnull\", p.pk
                 FROM sqlite_master m, pragma_table_info(m.name) p WHERE m.type = 'table'
                 UNION ALL
                 SELECT m.type, m.name, m.tbl_name, i.seqno, i.name, '', 0, 0
                 FROM sqlite_master m, pragma_index_info(m.name) i WHERE m.type = 'index'
                 ORDER BY 1, 2, 4",
            )
            .unwrap();
        let rows = stmt
            .query_map([], |r| {
                Ok((0..8)
                    .map(|i| {
                        r.get::<_, rusqlite::types::Value>(i)
                            .map(|v| format!("{v:?}"))
                    })
                    .collect::<rusqlite::Result<Vec<_>>>()?
                    .join(" "))
            })
            .unwrap();
        let mut out: Vec<String> = rows.map(Result::unwrap).collect();
        // Partial indexes: their conditions too.
        let mut stmt = conn
            .prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql LIKE '%WHERE%' ORDER BY name")
            .unwrap();
        out.extend(
            stmt.query_map([], |r| {
                let sql: String = r.get(1)?;
                Ok(format!(
                    "{} {}",
                    r.get::<_, String>(0)?,
                    &sql[sql.find("WHERE").unwrap()..]
                ))
            })
            .unwrap()
            .map(Result::unwrap),
        );
        out
    };
    let fresh = Phuxanh::new();
    for (_, fixture) in fixture_databases() {
        let p = Phuxanh::empty();
        std::fs::copy(&fixture, p.db()).unwrap();
        p.ok(&["check"]);
        assert_eq!(shape(&p.db()), shape(&fresh.db()), "{}", fixture.display());
    }
}

#[test]
fn a_database_newer_than_the_binary_is_refused_and_left_alone() {
    let p = Phuxanh::new();
    let newer = SCHEMA_VERSION + 1;
    rusqlite::Connection::open(p.db())
        .unwrap()
        .execute(
            "UPDATE meta SET value = ?1 WHERE key = 'schema_version'",
            [newer.to_string()],
        )
        .unwrap();
    let out = p.run(&["check"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("schema version {newer}")) && stderr.contains("newer phuxanh"),
        "{stderr}"
    );
    assert_eq!(schema_version(&p.db()), newer.to_string());
}

#[test]
fn a_database_older_than_any_release_is_refused() {
    let p = Phuxanh::new();
    rusqlite::Connection::open(p.db())
        .unwrap()
        .execute(
            "UPDATE meta SET value = '5' WHERE key = 'schema_version'",
            [],
        )
        .unwrap();
    let out = p.run(&["check"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("schema version 5"), "{stderr}");
    assert_eq!(schema_version(&p.db()), "5");
}

/// Two processes opening an old database at once upgrade it once.
#[test]
fn two_processes_upgrading_at_once_upgrade_once() {
    let (_, fixture) = fixture_databases()
        .into_iter()
        .find(|(v, _)| *v < SCHEMA_VERSION)
        .expect("a fixture older than this schema");
    let p = Phuxanh::empty();
    std::fs::copy(&fixture, p.db()).unwrap();
    let children: Vec<_> = (0..4)
        .map(|_| {
            std::process::Command::new(env!("CARGO_BIN_EXE_phuxanh"))
                .arg("--db")
                .arg(p.db())
                .args(["units", "list"])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut upgrades = 0;
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        upgrades += usize::from(String::from_utf8_lossy(&out.stderr).contains("upgraded"));
    }
    assert_eq!(upgrades, 1);
    let backups: Vec<_> = std::fs::read_dir(p.dir.path())
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .ends_with(".bak")
        })
        .collect();
    assert_eq!(backups.len(), 1);
}
