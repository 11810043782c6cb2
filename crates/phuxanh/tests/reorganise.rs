//! `units reorganise --to vn-2025`: a vn-2024 database of two generated
//! provinces moved to the 2025 structure through the real binary. The new
//! Vĩnh Long (86) shows, day by day, the sum of the old Bến Tre (83), Trà
//! Vinh (84) and Vĩnh Long (now 86.2024); the old units still answer for
//! past days and say where they went.

mod common;

use std::path::Path;

use common::Phuxanh;
use phuxanh_domain::{Day, UnitCode};
use phuxanh_store::{Scope, Store};
use phuxanh_store_sqlite::SqliteStore;
use serde_json::Value;

/// Bến Tre and Trà Vinh generated, imported into one vn-2024 database.
fn two_provinces() -> Phuxanh {
    let p = Phuxanh::empty();
    p.ok(&["init", "--units", "vn-2024"]);
    for (province, seed) in [("83", "41"), ("84", "42")] {
        let dir = p.dir.path().join(format!("gen-{province}"));
        p.ok(&[
            "gen",
            "--province",
            province,
            "--citizens",
            "10000",
            "--seed",
            seed,
            "--out",
            dir.to_str().unwrap(),
        ]);
        // Two generated event files share their ids (E1, E2, …): the
        // second province comes as a status snapshot.
        let events = if province == "83" {
            ("events", "events.csv")
        } else {
            ("status", "status.csv")
        };
        for (command, file) in [
            ("units", "villages.csv"),
            ("citizens", "citizens.csv"),
            events,
            ("targets", "targets.csv"),
        ] {
            p.ok(&[command, "import", dir.join(file).to_str().unwrap()]);
        }
    }
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
    p
}

fn days() -> impl Iterator<Item = Day> {
    let day = |s: &str| s.parse::<Day>().unwrap();
    std::iter::successors(Some(day("2022-12-31")), |d| Some(d.plus_days(1)))
        .take_while(move |d| *d <= day("2024-01-10"))
}

fn history(db: &Path, unit: &str) -> Vec<[i64; 8]> {
    let store = SqliteStore::open(db).unwrap();
    let (from, to) = ("2022-12-31".parse().unwrap(), "2024-01-10".parse().unwrap());
    let h = store
        .history(
            &Scope::everything(),
            &UnitCode::parse(unit).unwrap(),
            from,
            to,
        )
        .unwrap();
    days().map(|d| h.as_of(d).0).collect()
}

/// Fills the template the command wrote with each row's first candidate.
fn answer_first_candidates(template: &Path) -> std::path::PathBuf {
    let text = std::fs::read_to_string(template).unwrap();
    let mut out = String::new();
    for (i, line) in text.lines().enumerate() {
        if i == 0 {
            out.push_str(line);
        } else {
            let fields: Vec<&str> = line.split(',').collect();
            let candidates = fields[fields.len() - 2];
            out.push_str(line);
            out.push_str(candidates.split(' ').next().unwrap());
        }
        out.push('\n');
    }
    let map = template.with_file_name("map.csv");
    std::fs::write(&map, out).unwrap();
    map
}

#[test]
fn a_vn_2024_database_moves_to_vn_2025_with_its_whole_history() {
    let p = two_provinces();
    let old_83 = p.json(&[
        "progress",
        "--unit",
        "83",
        "--as-of",
        "2023-11-14",
        "--format",
        "json",
    ]);
    let (h83, h84, h86) = (
        history(&p.db(), "83"),
        history(&p.db(), "84"),
        history(&p.db(), "86"),
    );
    assert!(h83.last().unwrap()[1] > 1000 && h84.last().unwrap()[1] > 1000);

    // Without a map: what it needs, written as a template; nothing changes.
    let out = p.run(&["units", "reorganise", "--to", "vn-2025"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("nothing was changed"), "{stderr}");
    let template = p.dir.path().join("test.db.reorganise-map.csv");
    assert!(template.exists(), "{stderr}");
    assert_eq!(history(&p.db(), "83"), h83);
    // A dry run with the answers changes nothing either.
    let map = answer_first_candidates(&template);
    let dry = p.ok(&[
        "units",
        "reorganise",
        "--to",
        "vn-2025",
        "--map",
        map.to_str().unwrap(),
        "--dry-run",
    ]);
    assert!(dry.contains("nothing changed"), "{dry}");
    assert_eq!(p.ok(&["units", "list"]).lines().count(), 63);

    let out = p.ok(&[
        "units",
        "reorganise",
        "--to",
        "vn-2025",
        "--map",
        map.to_str().unwrap(),
    ]);
    assert!(out.contains("63 tỉnh, 696 huyện, 10.035 xã"), "{out}");
    p.assert_clean();
    assert_eq!(p.ok(&["units", "list"]).lines().count(), 34);

    // The new Vĩnh Long, day by day, is the three old provinces together.
    let new_86 = history(&p.db(), "86");
    for (i, d) in days().enumerate() {
        let mut sum = [0i64; 8];
        for h in [&h83, &h84, &h86] {
            for (s, x) in sum.iter_mut().zip(h[i]) {
                *s += x;
            }
        }
        assert_eq!(new_86[i], sum, "86 on {d}");
    }
    // The old ones answer for past days, as they were, and say where they went.
    assert_eq!(history(&p.db(), "83"), h83);
    assert_eq!(history(&p.db(), "86.2024"), h86);
    let mut now_83 = p.json(&[
        "progress",
        "--unit",
        "83",
        "--as-of",
        "2023-11-14",
        "--format",
        "json",
    ]);
    assert_eq!(now_83["retired"]["into"], serde_json::json!(["86"]));
    assert_eq!(now_83["retired"]["on"], "2025-07-01");
    now_83.as_object_mut().unwrap().remove("retired");
    assert_eq!(now_83, old_83);
    let table = p.ok(&["progress", "--unit", "83", "--as-of", "2023-11-14"]);
    assert!(table.contains("sáp nhập vào 86"), "{table}");
    // The dashboard says so too, with a link to the new unit.
    let server = common::Server::start(&p.db());
    let (status, _, page) = server.request("GET", "/units/83?as_of=2023-11-14", "");
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains(
            "sắp xếp lại từ ngày 01/07/2025, sáp nhập vào <a href=\"/units/86?as_of=2023-11-14"
        ),
        "{page}"
    );
    let (_, _, page) = server.request("GET", "/units/86?as_of=2023-11-14", "");
    assert!(!page.contains("class=\"retired\""), "{page}");
    drop(server);

    // The campaign of Bến Tre is the new province's now.
    let campaigns: Value = p.json(&["campaigns", "list", "--format", "json"]);
    assert!(campaigns.to_string().contains("\"86\""), "{campaigns}");
    // New data goes to the new units; a roster naming an old unit is told
    // where it went.
    let roster = p.dir.path().join("old-roster.csv");
    let first = std::fs::read_to_string(p.dir.path().join("gen-83/citizens.csv")).unwrap();
    let mut lines = first.lines();
    let header = lines.next().unwrap();
    // A citizen of a village whose old commune's code no new one took.
    let store = SqliteStore::open(&p.db()).unwrap();
    let (row, village, old_commune) = lines
        .find_map(|row| {
            let village = row.split(',').nth(4)?.to_string();
            let commune = UnitCode::parse(&village[..5]).ok()?;
            let f = store
                .figures(&Scope::everything(), &commune, "2023-11-14".parse().ok()?)
                .ok()?;
            f.retired
                .is_some()
                .then(|| (row.to_string(), village, commune))
        })
        .expect("a village of a retired commune");
    drop(store);
    std::fs::write(
        &roster,
        format!(
            "{header}\n{}\n",
            row.replace(&village, old_commune.as_str())
        ),
    )
    .unwrap();
    let out = p.run(&["citizens", "import", roster.to_str().unwrap()]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("was merged into"), "{stderr}");
    // Repairing damaged counters rebuilds those in force and leaves the
    // retired ones as they were.
    rusqlite::Connection::open(p.db())
        .unwrap()
        .execute(
            "UPDATE counters SET collected = collected + 1
             WHERE unit_id IN (SELECT id FROM units WHERE code IN ('86', '83'))",
            [],
        )
        .unwrap();
    assert!(
        !p.run(&["check"]).status.success(),
        "check sees the damage to 86"
    );
    p.ok(&["check", "--repair"]);
    assert_eq!(history(&p.db(), "86"), new_86);
    p.assert_clean();
    // Once is enough.
    let again = p.run(&["units", "reorganise", "--to", "vn-2025"]);
    assert!(String::from_utf8_lossy(&again.stderr).contains("reorganised already"));
}
