//! Field operations through the binary: teams and sessions imported,
//! listed and refused line by line, and the door-to-door lists on the
//! hand-made Bến Tre fixture, with figures worked out by hand from
//! tests/data (citizens.csv, events.csv):
//!
//! | citizen | unit | household | events |
//! |---|---|---|---|
//! | An 083085000001 | 28900-K1 | H1, "Số 1, Khu phố 1" | L2 collected 20/8, approved 22/8, activated 25/8, used 1/9 |
//! | Bình 083190000002 | 28900 | H2 | L1 collected 21/8, rejected 22/8, collected 30/8, approved 31/8 |
//! | Hoa 079188000008 | 28900 | H2 | none |
//! | Cường 083201000003 | 28903 | H3 | L1 collected 10/9 |
//! | Phương 083180000006 | 28903 | H3 | L1 collected 2/9 … used 8/9 |
//! | Khánh 083065000009 | 28903 | H5 | L1 collected 12/9 |
//! | Dung 083309000004 | 28800 | H4 | none; 14 on 30/9/2023 |
//! | Em 083075000005 | 28800 | H4 | L2 collected 26/8, approved 28/8, activated 5/9 |
//! | Giang 083212000007 | 28800 | H4 | none; 11 years old |
//! | Lan 083195000010 | 28800 | H6 | L2 collected 9/9 |

mod common;

use common::{Phuxanh, data};
use serde_json::Value;

fn with_teams() -> Phuxanh {
    let p = Phuxanh::with_fixture();
    let out = p.ok(&["teams", "import", data("teams.csv").to_str().unwrap()]);
    assert!(out.contains("4 áp dụng (applied)"), "{out}");
    let out = p.ok(&["sessions", "import", data("sessions.csv").to_str().unwrap()]);
    assert!(out.contains("4 áp dụng (applied)"), "{out}");
    p
}

fn worklist(p: &Phuxanh, unit: &str, kind: &str, as_of: &str, more: &[&str]) -> Value {
    let mut args = vec![
        "worklist", "--unit", unit, "--kind", kind, "--as-of", as_of, "--format", "json",
    ];
    args.extend_from_slice(more);
    p.json(&args)
}

/// The households on the list in the place `code`.
fn listed_in<'a>(list: &'a Value, code: &str) -> &'a Value {
    &list["places"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["code"] == code)
        .unwrap_or_else(|| panic!("no place {code} in {list}"))["list"]
}

/// The IDs on a list, in its order.
fn ids(list: &Value) -> Vec<String> {
    list["places"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["list"].as_array().unwrap())
        .flat_map(|h| h["members"].as_array().unwrap())
        .map(|m| m["citizen_id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn teams_and_sessions_are_imported_listed_and_imported_again_unchanged() {
    let p = with_teams();
    let teams = p.json(&["teams", "list", "--format", "json"]);
    // By home unit, then code.
    let codes: Vec<&str> = teams["teams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["TCT3", "TCT1", "TKP1", "TCT2"]);
    let tct1 = &teams["teams"][1];
    assert_eq!(tct1["covers"], serde_json::json!(["28900", "28900-K1"]));
    assert_eq!(tct1["members"]["police"], 2);
    assert_eq!(tct1["members"]["youth_union"], 6);
    assert_eq!(tct1["members"]["womens_union"], 2);
    assert_eq!(tct1["member_count"], 10);
    assert_eq!(tct1["leader_phone"], "0912 345 678");
    assert_eq!(tct1["sessions"], 3);
    // A team that names no unit covers its own.
    let tct2 = teams["teams"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["code"] == "TCT2")
        .unwrap();
    assert_eq!(tct2["covers"], serde_json::json!(["28903"]));
    // The district's teams only.
    let ba_tri = p.json(&["teams", "list", "--unit", "836", "--format", "json"]);
    assert_eq!(ba_tri["teams"].as_array().unwrap().len(), 1);

    let sessions = p.json(&["sessions", "list", "--team", "TCT1", "--format", "json"]);
    let s: Vec<(&str, &str, &str, bool)> = sessions["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["code"].as_str().unwrap(),
                s["kind"].as_str().unwrap(),
                s["slot"].as_str().unwrap(),
                s["weekend"].as_bool().unwrap(),
            )
        })
        .collect();
    // 20/8/2023 was a Sunday; S1 runs to 22:30.
    assert_eq!(
        s,
        [
            ("S1", "door-to-door", "late", true),
            ("S2", "office", "daytime", false),
            ("S3", "school", "daytime", false),
        ]
    );
    let s4 = p.json(&["sessions", "list", "--unit", "28903", "--format", "json"]);
    assert_eq!(s4["sessions"][0]["slot"], "evening");
    assert_eq!(s4["sessions"][0]["hours"], 2.5);
    let late_august = p.json(&[
        "sessions",
        "list",
        "--from",
        "2023-08-21",
        "--to",
        "2023-08-30",
        "--format",
        "json",
    ]);
    assert_eq!(late_august["sessions"].as_array().unwrap().len(), 2);

    // The same files again change nothing.
    let out = p.ok(&["teams", "import", data("teams.csv").to_str().unwrap()]);
    assert!(
        out.contains("0 áp dụng (applied), 4 không đổi (unchanged)"),
        "{out}"
    );
    let out = p.ok(&["sessions", "import", data("sessions.csv").to_str().unwrap()]);
    assert!(
        out.contains("0 áp dụng (applied), 4 không đổi (unchanged)"),
        "{out}"
    );
    // One team changed by hand: replaced whole.
    p.ok(&[
        "teams",
        "add",
        "TCT2",
        "--name",
        "Tổ 2 mới",
        "--unit",
        "28903",
        "--police",
        "3",
    ]);
    let teams = p.json(&["teams", "list", "--unit", "28903", "--format", "json"]);
    assert_eq!(teams["teams"][0]["name"], "Tổ 2 mới");
    assert_eq!(
        teams["teams"][0]["members"],
        serde_json::json!({"police": 3})
    );
}

#[test]
fn bad_team_and_session_rows_are_refused_with_their_line_and_nothing_is_written() {
    let p = Phuxanh::with_fixture();
    let (lines, _) = p.refused_import("teams", "bad_teams.csv");
    let expect = [
        ":2: covers: unit '28800' is not under the team's unit '28900'",
        ":3: unit_code: unknown unit '99999'",
        ":4: leader_phone",
        ":5: police: 'hai' is not a number of members",
        ":6: name is empty",
        ":8: team 'TCT6' appears twice in this file (first at line 7)",
        ":9: team_id: code 'tổ 7' holds 'ổ'",
    ];
    assert_eq!(lines.len(), expect.len(), "{lines:#?}");
    for (line, e) in lines.iter().zip(expect) {
        assert!(line.starts_with(e), "{line} does not start with {e}");
    }
    let teams = p.json(&["teams", "list", "--format", "json"]);
    assert!(teams["teams"].as_array().unwrap().is_empty());

    p.ok(&["teams", "import", data("teams.csv").to_str().unwrap()]);
    let (lines, _) = p.refused_import("sessions", "bad_sessions.csv");
    let expect = [
        ":2: the session ends",
        ":3: team_id: no team 'TCT9'",
        ":4: unit_code: unit '28800' is not under team 'TCT1''s unit",
        ":5: kind: unknown session kind 'party'",
        ":6: place is empty",
        ":7: the session runs from",
    ];
    assert_eq!(lines.len(), expect.len(), "{lines:#?}");
    for (line, e) in lines.iter().zip(expect) {
        assert!(line.starts_with(e), "{line} does not start with {e}");
    }
    let sessions = p.json(&["sessions", "list", "--format", "json"]);
    assert!(sessions["sessions"].as_array().unwrap().is_empty());
}

#[test]
fn each_list_holds_the_citizens_stuck_at_its_stage_by_village_and_household() {
    let p = with_teams();
    let day = "2023-09-30";
    let not_applied = worklist(&p, "83", "not-applied", day, &[]);
    // Dung turns 14 on 30/9; Giang is 11.
    assert_eq!(ids(&not_applied), ["083309000004", "079188000008"]);
    assert_eq!(not_applied["eligible"], 9);
    assert_eq!(not_applied["listed"], 2);
    assert_eq!(
        (
            not_applied["households"].as_i64(),
            not_applied["green"].as_i64()
        ),
        (Some(6), Some(4))
    );
    let dung = &listed_in(&not_applied, "28800")[0]["members"][0];
    assert_eq!(dung["age"], 14);
    assert!(dung["stage"].is_null());
    // A day earlier she is not eligible yet.
    assert_eq!(
        ids(&worklist(&p, "83", "not-applied", "2023-09-29", &[])),
        ["079188000008"]
    );

    assert_eq!(
        ids(&worklist(&p, "83", "not-approved", day, &[])),
        ["083195000010", "083201000003", "083065000009"]
    );
    // Refused on 22/8 and not applied again until 30/8.
    let rejected = worklist(&p, "83", "rejected", "2023-08-25", &[]);
    assert_eq!(ids(&rejected), ["083190000002"]);
    let binh = &listed_in(&rejected, "28900")[0]["members"][0];
    assert_eq!(
        (
            binh["stage"].as_str(),
            binh["since"].as_str(),
            binh["days"].as_i64()
        ),
        (Some("rejected"), Some("2023-08-22"), Some(3))
    );
    assert!(ids(&worklist(&p, "83", "rejected", day, &[])).is_empty());
    assert!(
        ids(&worklist(&p, "83", "not-approved", "2023-08-25", &[]))
            .iter()
            .all(|id| id != "083190000002")
    );

    let not_activated = worklist(&p, "83", "not-activated", day, &[]);
    assert_eq!(ids(&not_activated), ["083190000002"]);
    assert_eq!(
        listed_in(&not_activated, "28900")[0]["members"][0]["days"],
        30
    );
    assert_eq!(
        ids(&worklist(&p, "83", "not-used", day, &[])),
        ["083075000005"]
    );
    let not_l2 = worklist(&p, "83", "not-level-2", day, &[]);
    assert_eq!(
        ids(&not_l2),
        [
            "083190000002",
            "083180000006",
            "083201000003",
            "083065000009"
        ]
    );
    assert_eq!(
        (not_l2["households"].as_i64(), not_l2["green"].as_i64()),
        (Some(6), Some(3))
    );
    // Households stay together, the eldest first: Phương (1980) and
    // Cường (2001) share H3.
    let h3 = &listed_in(&not_l2, "28903")[0];
    assert_eq!(h3["household"], "H3");
    assert_eq!(h3["members"].as_array().unwrap().len(), 2);

    // One team's units: TKP1 covers Khu phố 1 only, where An had activated
    // by 30/8 and not used the account yet.
    let team = worklist(&p, "28900", "not-used", "2023-08-30", &["--team", "TKP1"]);
    assert_eq!(ids(&team), ["083085000001"]);
    let an = &listed_in(&team, "28900-K1")[0];
    // The team's list has its village only.
    assert_eq!(team["places"].as_array().unwrap().len(), 1);
    assert_eq!(an["address"], "Số 1, Khu phố 1");
    assert_eq!(an["members"][0]["phone"], "0912345678");
    assert_eq!(team["team"], "TKP1");
}

#[test]
fn a_list_is_audited_and_its_files_say_who_made_them() {
    let p = with_teams();
    let table = p.ok(&[
        "worklist",
        "--unit",
        "28900",
        "--kind",
        "not-applied",
        "--as-of",
        "2023-09-30",
    ]);
    assert!(table.contains("Đặng Thị Hoa"), "{table}");
    assert!(table.contains("Chưa thu nhận hồ sơ — Thị trấn Thạnh Phú — đến hết ngày 30/09/2023: 1 người, 1/2 hộ đã xong"), "{table}");
    let csv = p.ok(&[
        "worklist",
        "--unit",
        "28900",
        "--kind",
        "not-applied",
        "--as-of",
        "2023-09-30",
        "--format",
        "csv",
    ]);
    assert!(csv.starts_with("village,village_name,household,address,citizen_id,full_name,age,sex,stage,since,days,phone,done\n"), "{csv}");
    assert!(
        csv.contains("28900,Thị trấn Thạnh Phú,H2,,079188000008,Đặng Thị Hoa,35,F,"),
        "{csv}"
    );
    let file = p.dir.path().join("list.xlsx");
    p.ok(&[
        "worklist",
        "--unit",
        "28900",
        "--kind",
        "not-applied",
        "--as-of",
        "2023-09-30",
        "--format",
        "xlsx",
        "--out",
        file.to_str().unwrap(),
    ]);
    let audit = p.json(&["audit", "--format", "json"]);
    let personal: Vec<(&str, &str, i64)> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"].as_str().unwrap().starts_with("personal."))
        .map(|e| {
            (
                e["action"].as_str().unwrap(),
                e["subject"].as_str().unwrap(),
                e["count"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        personal,
        [
            ("personal.view", "worklist", 1),
            ("personal.view", "worklist", 1),
            ("personal.export", "worklist", 1),
        ]
    );
    // Nobody on the list: nothing to audit.
    p.ok(&[
        "worklist",
        "--unit",
        "28900",
        "--kind",
        "rejected",
        "--as-of",
        "2023-09-30",
    ]);
    assert_eq!(
        p.json(&["audit", "--action", "personal.view", "--format", "json"])["entries"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    // Unknown kind or team: said plainly.
    let out = p.run(&["worklist", "--unit", "28900", "--kind", "lazy"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("not-applied, not-approved"));
    let out = p.run(&[
        "worklist", "--unit", "28900", "--kind", "not-used", "--team", "T404",
    ]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("no team 'T404'"));
}
