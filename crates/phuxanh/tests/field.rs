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
    assert!(csv.starts_with("village,village_name,household,address,citizen_id,full_name,age,sex,stage,since,days,phone,last_visit,done\n"), "{csv}");
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

/// `with_teams`, an evening session S9 of TCT1 on Saturday 9/9/2023, and
/// tests/data/visits.csv recorded.
fn with_visits() -> Phuxanh {
    let p = with_teams();
    p.ok(&[
        "sessions",
        "add",
        "S9",
        "--team",
        "TCT1",
        "--unit",
        "28900",
        "--place",
        "Nhà văn hoá khu phố",
        "--kind",
        "door-to-door",
        "--start",
        "2023-09-09 19:00",
        "--end",
        "2023-09-09 22:00",
    ]);
    let out = p.run(&["visits", "import", data("visits.csv").to_str().unwrap()]);
    assert!(out.status.success(), "{out:?}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stdout.contains("8 áp dụng (applied)"), "{stdout}");
    // Dung left before she turned 14 and never counted; Khánh died: two.
    assert!(
        stdout.contains("2 công dân ra khỏi số đủ điều kiện"),
        "{stdout}"
    );
    assert!(
        stderr.contains(":8: flagged, not counted: thời điểm ở tương lai (future)"),
        "{stderr}"
    );
    assert!(
        stderr.contains(":9: flagged, not counted: ngoài giờ của buổi thu nhận (outside-session)"),
        "{stderr}"
    );
    p
}

fn eligible(p: &Phuxanh, unit: &str, as_of: &str) -> i64 {
    p.json(&[
        "progress", "--unit", unit, "--as-of", as_of, "--format", "json",
    ])["eligible"]
        .as_i64()
        .unwrap()
}

#[test]
fn leaving_outcomes_take_citizens_out_of_the_eligible_from_their_day_and_back() {
    let before = with_teams();
    let p = with_visits();
    // Before: 9 eligible in the province on 30/9 (Dung from that day).
    for (unit, day, was, now) in [
        ("83", "2023-09-19", 8, 8),
        ("83", "2023-09-20", 8, 7),
        ("83", "2023-09-30", 9, 7),
        ("28903", "2023-09-19", 3, 3),
        ("28903", "2023-09-30", 3, 2),
        ("28800", "2023-09-30", 3, 2),
        ("28900", "2023-09-30", 3, 3),
    ] {
        assert_eq!(
            eligible(&before, unit, day),
            was,
            "{unit} {day} before the visits"
        );
        assert_eq!(
            eligible(&p, unit, day),
            now,
            "{unit} {day} after the visits"
        );
    }
    p.assert_clean();
    // Dung and Khánh are on no list; Hoa, not at home on 9/9, is, and her
    // household goes to the next evening or weekend session.
    let list = worklist(&p, "83", "not-applied", "2023-09-30", &[]);
    assert_eq!(ids(&list), ["079188000008"]);
    let h2 = &listed_in(&list, "28900")[0];
    assert_eq!(h2["revisit"], true);
    assert_eq!(h2["members"][0]["last_visit"], "not-home");
    assert_eq!(listed_in(&list, "28900").as_array().unwrap().len(), 1);
    assert!(
        ids(&worklist(&p, "83", "not-approved", "2023-09-30", &[]))
            .iter()
            .all(|id| id != "083065000009")
    );
    // Bình has no smartphone: the list of the not activated says so.
    let not_activated = worklist(&p, "28900", "not-activated", "2023-09-30", &[]);
    assert_eq!(
        listed_in(&not_activated, "28900")[0]["members"][0]["last_visit"],
        "no-smartphone"
    );

    // The same file again changes nothing; a visit id reused for another
    // outcome is refused.
    let out = p.ok(&["visits", "import", data("visits.csv").to_str().unwrap()]);
    assert!(
        out.contains("0 áp dụng (applied), 8 không đổi (unchanged)"),
        "{out}"
    );
    let changed = p.dir.path().join("changed.csv");
    std::fs::write(
        &changed,
        "visit_id,citizen_id,outcome,at\nv1,079188000008,refused,2023-09-09 20:10\n",
    )
    .unwrap();
    let out = p.run(&["visits", "import", changed.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains(":2: visit id 'v1' was recorded before with different content")
    );

    // Khánh's death recorded by mistake: taken back, counted again.
    assert!(p.ok(&["visits", "undo", "v5"]).contains("Đã huỷ lượt v5"));
    assert_eq!(eligible(&p, "28903", "2023-09-30"), 3);
    assert!(p.ok(&["visits", "undo", "v5"]).contains("already undone"));
    p.ok(&["visits", "undo", "v2"]);
    assert_eq!(eligible(&p, "83", "2023-09-30"), 9);
    p.assert_clean();
    let audit = p.json(&["audit", "--action", "visit.undo", "--format", "json"]);
    assert_eq!(audit["entries"].as_array().unwrap().len(), 2);

    // The flagged ones are listed for someone to look at.
    let flagged = p.json(&["visits", "list", "--flagged", "--format", "json"]);
    let v: Vec<(&str, &str)> = flagged["visits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| (v["visit_id"].as_str().unwrap(), v["flag"].as_str().unwrap()))
        .collect();
    assert_eq!(v, [("v8", "outside-session"), ("v7", "future")]);
    // A visit with a session and no team takes the session's team.
    let v3 = p.json(&[
        "visits",
        "list",
        "--citizen",
        "083190000002",
        "--format",
        "json",
    ]);
    assert_eq!(v3["visits"][0]["team"], "TCT1");
}

#[test]
fn check_finds_and_repairs_a_departure_that_disagrees_with_the_visits() {
    let p = with_visits();
    let conn = rusqlite::Connection::open(p.db()).unwrap();
    conn.execute("DELETE FROM departures", []).unwrap();
    drop(conn);
    let out = p.run(&["check"]);
    assert!(!out.status.success());
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(
        text.contains("kept out of the eligible from None, visits say Some"),
        "{text}"
    );
    p.ok(&["check", "--repair"]);
    p.assert_clean();
    assert_eq!(eligible(&p, "83", "2023-09-30"), 7);
}

#[test]
fn visits_of_unknown_citizens_teams_and_sessions_are_refused() {
    let p = with_teams();
    let bad = p.dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "visit_id,citizen_id,outcome,at,team_id,session_id\n\
         b1,083085000099,not-home,2023-09-09 20:10,,\n\
         b2,083085000001,gone,2023-09-09 20:10,,\n\
         b3,083085000001,not-home,2023-09-09 20:10,T404,\n\
         b4,083085000001,not-home,2023-09-09 20:10,,S404\n\
         b5,083085000001,not-home,2023-09-09 20:10,TCT2,S1\n\
         b6,083085000001,not-home,soon,,\n",
    )
    .unwrap();
    let out = p.run(&["visits", "import", bad.to_str().unwrap()]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    for expected in [
        ":2: citizen 083085000099 is not on the roster of your units",
        ":3: outcome: unknown outcome 'gone'",
        ":4: team_id: no team 'T404'",
        ":5: session_id: no session 'S404'",
        ":6: session_id: session 'S1' is team TCT1's, not TCT2's",
        ":7: at:",
    ] {
        assert!(stderr.contains(expected), "{expected} not in {stderr}");
    }
    let listed = p.json(&["visits", "list", "--format", "json"]);
    assert!(listed["visits"].as_array().unwrap().is_empty());
}

#[test]
fn what_works_counts_each_team_and_kind_of_session_by_hand() {
    let p = with_visits();
    let r = p.json(&["teams", "results", "--unit", "83", "--format", "json"]);
    let team = |code: &str| {
        r["teams"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["code"] == code)
            .unwrap()
            .clone()
    };
    // TCT1: An and Bình collected (e01, e05, e07); S1, S2, S3, S9 = 13 h;
    // 10 members; visits v1 not at home, v3 no smartphone, v4 (v8 flagged).
    let t = team("TCT1");
    assert_eq!(
        (
            t["collected"].as_u64(),
            t["helped"].as_u64(),
            t["sessions"].as_u64()
        ),
        (Some(2), Some(2), Some(4))
    );
    assert_eq!(
        (
            t["hours"].as_f64(),
            t["per_hour"].as_f64(),
            t["per_member"].as_f64()
        ),
        (Some(13.0), Some(0.15), Some(0.2))
    );
    assert_eq!(
        (
            t["visits"].as_u64(),
            t["not_home_pct"].as_f64(),
            t["no_smartphone"].as_u64()
        ),
        (Some(3), Some(33.33), Some(1))
    );
    // TCT3: Em and Lan; visits v2 moved away, v6 refused.
    let t = team("TCT3");
    assert_eq!(
        (
            t["helped"].as_u64(),
            t["members"].as_u64(),
            t["per_member"].as_f64()
        ),
        (Some(2), Some(16), Some(0.13))
    );
    assert_eq!(
        (t["visits"].as_u64(), t["refused_pct"].as_f64()),
        (Some(2), Some(50.0))
    );
    assert!(team("TKP1")["per_hour"].is_null());

    let group = |part: &str, key: &str| {
        r[part]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["key"] == key)
            .unwrap_or_else(|| panic!("no {key} in {part}: {r}"))
            .clone()
    };
    // Door to door: S1 (An), S4 (Cường), S9 (nobody's events; v1, v3): 9 h.
    let g = group("by_kind", "door-to-door");
    assert_eq!(
        (
            g["sessions"].as_u64(),
            g["hours"].as_f64(),
            g["helped"].as_u64(),
            g["per_hour"].as_f64()
        ),
        (Some(3), Some(9.0), Some(2), Some(0.22))
    );
    assert_eq!(
        (g["visits"].as_u64(), g["not_home_pct"].as_f64()),
        (Some(3), Some(33.33))
    );
    let g = group("by_kind", "school");
    assert_eq!(
        (g["helped"].as_u64(), g["per_hour"].as_f64()),
        (Some(1), Some(0.4))
    );
    // Evening: S4 and S9 (to 22:00); late: S1 (to 22:30).
    let g = group("by_slot", "evening");
    assert_eq!(
        (
            g["sessions"].as_u64(),
            g["hours"].as_f64(),
            g["helped"].as_u64(),
            g["not_home_pct"].as_f64()
        ),
        (Some(2), Some(5.5), Some(1), Some(50.0))
    );
    assert_eq!(group("by_slot", "late")["sessions"], 1);
    assert_eq!(group("by_slot", "daytime")["hours"], 6.5);
    let g = group("by_day", "weekend");
    assert_eq!(
        (g["sessions"].as_u64(), g["helped"].as_u64()),
        (Some(3), Some(2))
    );
    assert_eq!(
        (
            r["sessions"]["sessions"].as_u64(),
            r["sessions"]["helped"].as_u64(),
            r["sessions"]["per_hour"].as_f64()
        ),
        (Some(5), Some(4), Some(0.26))
    );

    // A window: September's sessions only (S9, S4).
    let sept = p.json(&[
        "teams",
        "results",
        "--unit",
        "83",
        "--from",
        "2023-09-01",
        "--format",
        "json",
    ]);
    assert_eq!(sept["sessions"]["sessions"], 2);
    let table = p.ok(&["teams", "results", "--unit", "837"]);
    assert!(
        table.contains("Hiệu quả các tổ công tác — Huyện Thạnh Phú"),
        "{table}"
    );
    assert!(table.contains("33,33%"), "{table}");
}

#[test]
fn field_health_names_quiet_teams_and_communes_nobody_covers() {
    // Before any team: every commune with people to see is uncovered.
    let bare = Phuxanh::with_fixture();
    let h = bare.json(&[
        "teams",
        "health",
        "--unit",
        "83",
        "--as-of",
        "2023-09-30",
        "--format",
        "json",
    ]);
    let uncovered: Vec<(&str, i64, i64)> = h["uncovered"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (
                u["code"].as_str().unwrap(),
                u["not_applied"].as_i64().unwrap(),
                u["not_activated"].as_i64().unwrap(),
            )
        })
        .collect();
    // 28800: Dung not applied, Lan not activated; 28900: Hoa, Bình;
    // 28903: everyone applied, Cường and Khánh not activated.
    for expected in [("28800", 1, 1), ("28900", 1, 1), ("28903", 0, 2)] {
        assert!(
            uncovered.contains(&expected),
            "{expected:?} not in {uncovered:?}"
        );
    }
    assert_eq!(uncovered.len(), 3);

    let p = with_teams();
    let h = p.json(&[
        "teams",
        "health",
        "--unit",
        "83",
        "--as-of",
        "2023-09-30",
        "--quiet-days",
        "25",
        "--format",
        "json",
    ]);
    assert!(h["uncovered"].as_array().unwrap().is_empty(), "{h}");
    let pulse: Vec<(&str, Option<i64>, bool)> = h["teams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["code"].as_str().unwrap(),
                t["days_since_session"].as_i64(),
                t["quiet"].as_bool().unwrap(),
            )
        })
        .collect();
    // TCT1's last session S3 on 30/8 (31 days); TCT2's S4 on 10/9 (20).
    assert!(pulse.contains(&("TCT1", Some(31), true)), "{pulse:?}");
    assert!(pulse.contains(&("TCT2", Some(20), false)), "{pulse:?}");
    assert!(pulse.contains(&("TKP1", None, true)), "{pulse:?}");
    let table = p.ok(&["teams", "health", "--unit", "837", "--as-of", "2023-09-30"]);
    assert!(
        table.contains("buổi gần nhất 31 ngày trước (quá lâu)"),
        "{table}"
    );
}
