//! `citizens forget ID --reason …`: a citizen's personal data erased on a
//! lawful request (Decree 13/2023/NĐ-CP) — name, household, address, phone
//! and the notes teams wrote at their door — for good, while every count
//! they contributed stays; the erasure audited without the whole ID.
//!
//! tests/data/citizens.csv: 083085000001 is Nguyễn Văn An of village
//! 28900-K1 (Thị trấn Thạnh Phú), household H1, "Số 1, Khu phố 1",
//! 0912345678, collected and activated at level 1.

mod common;

use common::{Phuxanh, data};
use rusqlite::Connection;
use serde_json::Value;

const AN: &str = "083085000001";

fn progress(p: &Phuxanh, unit: &str) -> Value {
    p.json(&[
        "progress",
        "--unit",
        unit,
        "--children",
        "--as-of",
        "2023-12-31",
        "--format",
        "json",
    ])
}

/// The roster row of `id`: name, household, address, phone, birth date.
fn roster_row(
    p: &Phuxanh,
    id: &str,
) -> (String, Option<String>, Option<String>, Option<String>, i64) {
    Connection::open(p.db())
        .unwrap()
        .query_row(
            "SELECT full_name, household_id, address, phone, birth_date FROM citizens WHERE id = ?1",
            [id.parse::<i64>().unwrap()],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .unwrap()
}

fn audit_of(p: &Phuxanh, action: &str) -> Vec<Value> {
    p.json(&["audit", "--action", action, "--format", "json"])["entries"]
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn forgetting_a_citizen_erases_their_personal_data_and_keeps_every_count() {
    let p = Phuxanh::with_fixture();
    // A team's note about him at his door.
    let visit = p.dir.path().join("visit.csv");
    std::fs::write(
        &visit,
        "visit_id,citizen_id,outcome,at,note\nv1,083085000001,not-home,2023-09-09 20:00,Ông An đi làm ở Bình Dương\n",
    )
    .unwrap();
    p.ok(&["visits", "import", visit.to_str().unwrap()]);
    let before = (progress(&p, "83"), progress(&p, "28900"));
    let (_, _, _, _, birth) = roster_row(&p, AN);

    let out = p.ok(&[
        "citizens",
        "forget",
        AN,
        "--reason",
        "đơn ngày 02/12/2026, số 15/ĐN",
    ]);
    assert!(out.contains("083******001"), "{out}");
    assert!(!out.contains(AN), "{out}");

    // Name, household, address and phone are gone; the birth date that
    // makes the citizen eligible stays, and so does every figure.
    assert_eq!(roster_row(&p, AN), (String::new(), None, None, None, birth));
    assert_eq!((progress(&p, "83"), progress(&p, "28900")), before);
    p.assert_clean();

    // Not left behind in the file's free space or the write-ahead log.
    for file in ["test.db", "test.db-wal"] {
        let path = p.dir.path().join(file);
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        for gone in [
            "Nguyễn Văn An",
            "Số 1, Khu phố 1",
            "0912345678",
            "Bình Dương",
        ] {
            assert!(
                !bytes.windows(gone.len()).any(|w| w == gone.as_bytes()),
                "{file} still holds {gone}"
            );
        }
    }
    // Another citizen is untouched.
    assert_eq!(roster_row(&p, "083190000002").0, "Trần Thị Bình");

    // Audited once, with the unit and the reason, the ID masked.
    let entries = audit_of(&p, "citizen.forget");
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0]["unit"], "28900-K1");
    let subject = entries[0]["subject"].as_str().unwrap();
    assert_eq!(subject, "083******001: đơn ngày 02/12/2026, số 15/ĐN");
    p.ok(&["audit", "verify"]);

    // Asked again: said, nothing changed, nothing more audited.
    let again = p.ok(&["citizens", "forget", AN, "--reason", "lần hai"]);
    assert!(again.contains("already erased"), "{again}");
    assert_eq!(audit_of(&p, "citizen.forget").len(), 1);
}

#[test]
fn a_later_roster_does_not_bring_the_data_back_but_still_moves_the_citizen() {
    let p = Phuxanh::with_fixture();
    p.ok(&["citizens", "forget", AN, "--reason", "đơn số 15/ĐN"]);
    let erased = roster_row(&p, AN);

    // The same roster again: the erased row counts as unchanged.
    let out = p.ok(&["citizens", "import", data("citizens.csv").to_str().unwrap()]);
    assert!(
        out.contains("0 áp dụng (applied), 10 không đổi (unchanged)"),
        "{out}"
    );
    assert_eq!(roster_row(&p, AN), erased);

    // A roster that moves An to 28903 (same district): the move is made
    // and the counts go with An; the name stays erased.
    let moved = p.dir.path().join("moved.csv");
    let text = std::fs::read_to_string(data("citizens.csv")).unwrap();
    let text: String = text
        .lines()
        .map(|l| {
            if l.starts_with(AN) {
                format!("{AN},Nguyễn Văn An,1985-03-14,M,28903,H1,\"Số 1, Khu phố 1\",0912345678")
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(&moved, text + "\n").unwrap();
    let before = progress(&p, "28903");
    p.ok(&["citizens", "import", moved.to_str().unwrap()]);
    assert_eq!(roster_row(&p, AN), erased);
    let after = progress(&p, "28903");
    let count = |v: &Value, m: &str| v["unit"]["counts"][m].as_i64().unwrap();
    assert_eq!(count(&after, "collected"), count(&before, "collected") + 1);
    p.assert_clean();
}

#[test]
fn an_unknown_citizen_a_bad_id_or_no_reason_is_refused() {
    let p = Phuxanh::with_fixture();
    let out = p.run(&["citizens", "forget", "083085000099", "--reason", "x"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not on the roster"), "{err}");

    let out = p.run(&["citizens", "forget", "12345", "--reason", "x"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("12345"));

    for args in [
        &["citizens", "forget", AN][..],
        &["citizens", "forget", AN, "--reason", "  "],
    ] {
        let out = p.run(args);
        assert!(!out.status.success(), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("reason"),
            "{args:?}"
        );
    }
    assert!(audit_of(&p, "citizen.forget").is_empty());
    assert_eq!(roster_row(&p, AN).0, "Nguyễn Văn An");
}
