//! The `phuxanh` binary driven as a user drives it: real files from
//! `tests/data/`, a fresh database in a temporary folder, and the figures
//! checked by hand (see the comments in each test).

mod common;

use std::path::Path;
use std::process::Command;

use common::{Phuxanh, data};
use expect_test::expect;

#[test]
fn progress_json_has_the_hand_checked_figures() {
    let p = Phuxanh::with_fixture();
    let v = p.json(&[
        "progress",
        "--unit",
        "83",
        "--as-of",
        "2023-09-10",
        "--children",
        "--format",
        "json",
    ]);
    let unit = &v["unit"];
    assert_eq!(unit["unit"]["name"], "Tỉnh Bến Tre");
    assert_eq!(unit["as_of"], "2023-09-10");
    // Ten citizens; Dung turns 14 on 2023-09-30 and Giang is a child.
    assert_eq!(unit["eligible"], 8);
    // Collected: An, Bình (twice, counted once), Cường (20:00 on the 10th),
    // Em, Phương, Lan (14:00Z = 21:00 local on the 9th). Khánh comes on the 12th.
    assert_eq!(
        unit["counts"],
        serde_json::json!({
            "collected": 6, "collected_l2": 3, "approved": 4, "rejected": 1,
            "activated": 3, "activated_l2": 2, "used": 2
        })
    );
    // Target 9 → 6/9 = 66.67%; activated target 50% of 8 eligible = 4 → 3/4.
    assert_eq!(unit["targets"]["collected"]["value"], 9);
    assert_eq!(unit["targets"]["activated"]["value"], 4);
    assert_eq!(unit["targets"]["activated"]["given"], "50%");
    assert_eq!(unit["target_pct"]["collected"], 66.67);
    assert_eq!(unit["target_pct"]["activated"], 75.0);
    assert_eq!(unit["coverage_pct"]["collected"], 75.0);
    // A week before (end of 3 September): 4 collected, 1 activated.
    assert_eq!(unit["pace"]["collected"], 0.29);
    assert_eq!(unit["pace"]["activated"], 0.29);
    // 96 days to 15 December: 6 + round(2/7 × 96) = 6 + 27.
    assert_eq!(unit["projection"]["collected"]["days_left"], 96);
    assert_eq!(unit["projection"]["collected"]["projected"], 33);
    assert_eq!(unit["projection"]["collected"]["required_pace"], 0.03);
    // 3 to go at 2/7 a day: 10.5 days, so on the 11th day after 10/09.
    assert_eq!(unit["projection"]["collected"]["completion"], "2023-09-21");
    assert_eq!(unit["projection"]["collected"]["status"], "on-track");

    let children = v["children"].as_array().unwrap();
    let names: Vec<&str> = children
        .iter()
        .map(|c| c["unit"]["code"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["836", "837"]);
    // Ba Tri: Em and Lan eligible (Dung not yet, Giang a child); both collected.
    assert_eq!(children[0]["eligible"], 2);
    assert_eq!(children[0]["counts"]["collected"], 2);
    assert_eq!(children[0]["target_pct"]["collected"], 100.0);
    // Thạnh Phú: An, Bình, Cường, Phương collected of 6 eligible; target 7.
    assert_eq!(children[1]["eligible"], 6);
    assert_eq!(children[1]["counts"]["collected"], 4);
    assert_eq!(children[1]["target_pct"]["collected"], 57.14);
}

#[test]
fn progress_table_is_in_vietnamese() {
    let p = Phuxanh::with_fixture();
    let table = p.ok(&[
        "progress",
        "--unit",
        "83",
        "--as-of",
        "2023-09-10",
        "--children",
    ]);
    expect![[r#"
        Tỉnh Bến Tre (83) — tính đến hết ngày 10/09/2023
        ┌─────────────────┬──────────────┬───────────────┬────────────────┬───────────┬─────────┬──────────────┬─────────────────┬─────────┐
        │ Đơn vị          ┆ Đủ điều kiện ┆      Thu nhận ┆ Thu nhận mức 2 ┆ Phê duyệt ┆ Từ chối ┆    Kích hoạt ┆ Kích hoạt mức 2 ┆ Sử dụng │
        ╞═════════════════╪══════════════╪═══════════════╪════════════════╪═══════════╪═════════╪══════════════╪═════════════════╪═════════╡
        │ Tỉnh Bến Tre    ┆            8 ┆  6/9 (66,67%) ┆              3 ┆         4 ┆       1 ┆ 3/4 (75,00%) ┆               2 ┆       2 │
        │ Huyện Ba Tri    ┆            2 ┆ 2/2 (100,00%) ┆              2 ┆         1 ┆       0 ┆            1 ┆               1 ┆       0 │
        │ Huyện Thạnh Phú ┆            6 ┆  4/7 (57,14%) ┆              1 ┆         3 ┆       1 ┆            2 ┆               1 ┆       2 │
        └─────────────────┴──────────────┴───────────────┴────────────────┴───────────┴─────────┴──────────────┴─────────────────┴─────────┘
        Tỷ lệ trên 8 công dân đủ điều kiện: thu nhận 75,00%, kích hoạt 37,50%, sử dụng 25,00%
        Tốc độ bình quân 7 ngày: thu nhận 0,29/ngày, kích hoạt 0,29/ngày
        Chỉ tiêu thu nhận hạn 15/12/2023 (còn 96 ngày): dự kiến đạt 33, cần 0,03/ngày, dự kiến hoàn thành 21/09/2023 — Đúng tiến độ
        Chỉ tiêu kích hoạt hạn 15/12/2023 (còn 96 ngày): dự kiến đạt 30, cần 0,01/ngày, dự kiến hoàn thành 14/09/2023 — Đúng tiến độ
    "#]].assert_eq(&table);
}

#[test]
fn eligibility_follows_the_as_of_day() {
    let p = Phuxanh::with_fixture();
    let before = p.json(&[
        "progress",
        "--unit",
        "83",
        "--as-of",
        "2023-09-29",
        "--format",
        "json",
    ]);
    let after = p.json(&[
        "progress",
        "--unit",
        "83",
        "--as-of",
        "2023-09-30",
        "--format",
        "json",
    ]);
    assert_eq!(before["eligible"], 8);
    assert_eq!(after["eligible"], 9);
    let early = p.json(&[
        "progress",
        "--unit",
        "83",
        "--as-of",
        "2023-08-20",
        "--format",
        "json",
    ]);
    assert_eq!(early["counts"]["collected"], 1);
    assert_eq!(early["counts"]["activated"], 0);
}

#[test]
fn refused_rows_name_the_file_the_line_and_the_reason() {
    let p = Phuxanh::new();
    p.ok(&["units", "import", data("units.csv").to_str().unwrap()]);
    let (lines, stderr) = p.refused_import("citizens", "bad_citizens.csv");
    expect![[r#"
        [
            ":3: id: ID '08308500002' is not a 12-digit personal identification number",
            ":4: ID 083185000003 encodes sex F, but sex is M",
            ":5: ID 083085000004 encodes birth year ..85, but birth_date is 1986-03-14",
            ":6: ID 083285000005 encodes a birth in 2000–2099, but birth_date is 1985-03-14",
            ":7: id: ID '003085000006' starts with 003, which is not a province-of-birth code",
            ":8: unknown unit '99999': import it first (`phuxanh units import`)",
            ":9: birth_date: '1985-02-30' is not a valid date: 02/1985 has 28 days",
            ":10: sex: sex 'X' is not M or F",
            ":11: citizen 083085000001 appears twice in this file (first at line 2)",
            ":12: unit '837' is a district: a citizen lives in a commune or a village",
        ]
    "#]]
    .assert_debug_eq(&lines);
    assert!(stderr.contains("nothing was imported"), "{stderr}");
    // Nothing was written: the valid first row is not there either.
    let v = p.json(&[
        "progress",
        "--unit",
        "83",
        "--as-of",
        "2023-12-31",
        "--format",
        "json",
    ]);
    assert_eq!(v["eligible"], 0);
}

#[test]
fn refused_events_say_why() {
    let p = Phuxanh::with_fixture();
    let (lines, _) = p.refused_import("events", "bad_events.csv");
    expect![[r#"
        [
            ":2: unknown citizen 083085000077: import the roster first (`phuxanh citizens import`)",
            ":4: event id 'e01' was recorded before with different content (083085000001 collected at level 2 on 2023-08-20T19:30:00+07:00); give a new event its own id",
            ":5: 2099-01-01T08:00:00+07:00 is in the future",
            ":6: level: level '3' is not 1 or 2",
            ":7: kind: kind 'signed' is not one of collected, approved, rejected, activated, used",
            ":8: at: '31/09/2023 08:00' is not a valid date: 09/2023 has 30 days",
            ":9: reason: a rejected application needs a reason",
        ]
    "#]].assert_debug_eq(&lines);
    p.assert_clean();
}

#[test]
fn skip_invalid_applies_the_rest_and_writes_the_refused_rows() {
    let p = Phuxanh::new();
    p.ok(&["units", "import", data("units.csv").to_str().unwrap()]);
    let input = p.dir.path().join("bad.csv");
    std::fs::copy(data("bad_citizens.csv"), &input).unwrap();
    let out = p.ok(&[
        "citizens",
        "import",
        input.to_str().unwrap(),
        "--skip-invalid",
    ]);
    assert!(
        out.contains(
            "11 dòng đọc (read), 1 áp dụng (applied), 0 không đổi (unchanged), 10 từ chối (refused)"
        ),
        "{out}"
    );
    let refused = std::fs::read_to_string(p.dir.path().join("bad.csv.refused.csv")).unwrap();
    let mut lines = refused.lines();
    assert_eq!(
        lines.next().unwrap(),
        "id,full_name,birth_date,sex,unit_code,refused_line,refused_reason"
    );
    assert_eq!(refused.lines().count(), 11);
    assert!(
        refused.contains("08308500002,Thiếu Một Số,1985-03-14,M,28900,3,"),
        "{refused}"
    );
}

#[test]
fn importing_the_same_files_twice_changes_nothing() {
    let p = Phuxanh::with_fixture();
    let before = p.ok(&[
        "progress",
        "--unit",
        "83",
        "--as-of",
        "2023-12-31",
        "--children",
        "--format",
        "json",
    ]);
    let out = p.ok(&["events", "import", data("events.csv").to_str().unwrap()]);
    assert!(
        out.contains(
            "18 dòng đọc (read), 0 áp dụng (applied), 18 không đổi (unchanged), 0 từ chối"
        ),
        "{out}"
    );
    let out = p.ok(&["citizens", "import", data("citizens.csv").to_str().unwrap()]);
    assert!(
        out.contains("0 áp dụng (applied), 10 không đổi (unchanged)"),
        "{out}"
    );
    let out = p.ok(&["targets", "import", data("targets.csv").to_str().unwrap()]);
    assert!(
        out.contains("0 áp dụng (applied), 4 không đổi (unchanged)"),
        "{out}"
    );
    let after = p.ok(&[
        "progress",
        "--unit",
        "83",
        "--as-of",
        "2023-12-31",
        "--children",
        "--format",
        "json",
    ]);
    assert_eq!(before, after);
}

#[test]
fn a_status_snapshot_counts_like_its_events() {
    let p = Phuxanh::new();
    p.ok(&["units", "import", data("units.csv").to_str().unwrap()]);
    p.ok(&["citizens", "import", data("citizens.csv").to_str().unwrap()]);
    let out = p.ok(&["status", "import", data("status.csv").to_str().unwrap()]);
    assert!(
        out.contains("7 dòng đọc (read), 7 áp dụng (applied)"),
        "{out}"
    );
    let v = p.json(&[
        "progress",
        "--unit",
        "83",
        "--as-of",
        "2023-09-10",
        "--format",
        "json",
    ]);
    // As the events file, but a snapshot carries no rejection.
    assert_eq!(
        v["counts"],
        serde_json::json!({
            "collected": 6, "collected_l2": 3, "approved": 4, "rejected": 0,
            "activated": 3, "activated_l2": 2, "used": 2
        })
    );
    let again = p.ok(&["status", "import", data("status.csv").to_str().unwrap()]);
    assert!(
        again.contains("0 áp dụng (applied), 7 không đổi (unchanged)"),
        "{again}"
    );
}

#[test]
fn progress_writes_csv_and_xlsx() {
    use calamine::Reader;
    let p = Phuxanh::with_fixture();
    let csv = p.ok(&[
        "progress",
        "--unit",
        "83",
        "--as-of",
        "2023-09-10",
        "--children",
        "--format",
        "csv",
    ]);
    let mut lines = csv.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("code,name,level,as_of,eligible,collected,")
    );
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("83,Tỉnh Bến Tre,province,2023-09-10,8,6,3,4,1,3,2,2,")
    );

    let xlsx = p.dir.path().join("progress.xlsx");
    p.ok(&[
        "progress",
        "--unit",
        "83",
        "--as-of",
        "2023-09-10",
        "--children",
        "--format",
        "xlsx",
        "--out",
        xlsx.to_str().unwrap(),
    ]);
    let mut book = calamine::open_workbook_auto(&xlsx).unwrap();
    let sheet = book.worksheet_range_at(0).unwrap().unwrap();
    let header: Vec<String> = sheet
        .rows()
        .nth(2)
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert_eq!(
        &header[..6],
        [
            "Mã",
            "Đơn vị",
            "Cấp",
            "Tính đến",
            "Đủ điều kiện",
            "Thu nhận"
        ]
    );
    let row: Vec<String> = sheet
        .rows()
        .nth(3)
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert_eq!(&row[..2], ["83", "Tỉnh Bến Tre"]);
    assert_eq!(row[4], "8");
    assert_eq!(row[5], "6");

    let out = p.run(&["progress", "--unit", "83", "--format", "xlsx"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--out"));
}

#[test]
fn a_citizen_who_moves_takes_their_counts_to_the_new_unit() {
    let p = Phuxanh::with_fixture();
    let moved = p.dir.path().join("moved.csv");
    // An moves from Thạnh Phú (837) to Ba Tri (836).
    std::fs::write(
        &moved,
        "id,full_name,birth_date,sex,unit_code\n083085000001,Nguyễn Văn An,1985-03-14,M,28800\n",
    )
    .unwrap();
    p.ok(&["citizens", "import", moved.to_str().unwrap()]);
    let v = p.json(&[
        "progress",
        "--unit",
        "83",
        "--as-of",
        "2023-09-10",
        "--children",
        "--format",
        "json",
    ]);
    let children = v["children"].as_array().unwrap();
    assert_eq!(children[0]["counts"]["activated"], 2); // Ba Tri: Em and now An
    assert_eq!(children[1]["counts"]["activated"], 1); // Thạnh Phú: Phương
    assert_eq!(v["unit"]["counts"]["activated"], 3);
    assert!(
        p.ok(&["check"])
            .contains("Counters equal what the events say.")
    );
}

#[test]
fn unknown_units_and_missing_databases_get_clear_errors() {
    let p = Phuxanh::with_fixture();
    let out = p.run(&["progress", "--unit", "99"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unit '99' does not exist"));

    let out = Command::new(env!("CARGO_BIN_EXE_phuxanh"))
        .args(["--db", "/nonexistent/x.db", "progress", "--unit", "83"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("phuxanh --db /nonexistent/x.db init"));

    let out = p.run(&["citizens", "import", data("units.csv").to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("missing column(s) id, full_name, birth_date, sex, unit_code"),
        "{err}"
    );
}

/// Distinct citizens per metric at the end of `as_of`, counted straight from
/// an events CSV: an independent recount to hold the counters against.
fn recount(events_csv: &Path, as_of: &str) -> std::collections::BTreeMap<String, usize> {
    use std::collections::{BTreeMap, HashSet};
    let end: phuxanh_domain::Instant = format!("{as_of} 23:59").parse().unwrap();
    let mut sets: BTreeMap<String, HashSet<String>> = BTreeMap::new();
    let mut reader = csv::Reader::from_path(events_csv).unwrap();
    for r in reader.records() {
        let r = r.unwrap();
        let at: phuxanh_domain::Instant = r[4].parse().unwrap();
        if at > end {
            continue;
        }
        let (kind, level) = (&r[2], &r[3]);
        sets.entry(kind.to_string())
            .or_default()
            .insert(r[1].to_string());
        if level == "2" && (kind == "collected" || kind == "activated") {
            sets.entry(format!("{kind}_l2"))
                .or_default()
                .insert(r[1].to_string());
        }
    }
    sets.into_iter().map(|(k, v)| (k, v.len())).collect()
}

#[test]
fn counters_on_a_generated_campaign_equal_a_recount_from_the_files() {
    let (p, generated) = Phuxanh::with_generated_roster("20000", "5");
    for (cmd, file) in [("events", "events.csv"), ("targets", "targets.csv")] {
        p.ok(&[cmd, "import", generated.join(file).to_str().unwrap()]);
    }
    let check = p.ok(&["check"]);
    assert!(
        check.contains("Counters equal what the events say."),
        "{check}"
    );
    for as_of in ["2023-08-19", "2023-10-18", "2023-12-31"] {
        let want = recount(&generated.join("events.csv"), as_of);
        let got = p.json(&[
            "progress", "--unit", "83", "--as-of", as_of, "--format", "json",
        ]);
        for (metric, n) in &want {
            assert_eq!(got["counts"][metric], *n as u64, "{metric} as of {as_of}");
        }
    }
    // The districts add up to the province.
    let v = p.json(&[
        "progress",
        "--unit",
        "83",
        "--as-of",
        "2023-12-31",
        "--children",
        "--format",
        "json",
    ]);
    for key in ["collected", "activated", "used"] {
        let sum: u64 = v["children"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["counts"][key].as_u64().unwrap())
            .sum();
        assert_eq!(v["unit"]["counts"][key].as_u64().unwrap(), sum, "{key}");
    }
    let eligible: u64 = v["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["eligible"].as_u64().unwrap())
        .sum();
    assert_eq!(v["unit"]["eligible"].as_u64().unwrap(), eligible);
}

#[test]
fn a_generated_status_snapshot_imports_and_checks_clean() {
    let (p, generated) = Phuxanh::with_generated_roster("10000", "6");
    let out = p.ok(&[
        "status",
        "import",
        generated.join("status.csv").to_str().unwrap(),
    ]);
    assert!(out.contains("0 từ chối (refused)"), "{out}");
    assert!(
        p.ok(&["check"])
            .contains("Counters equal what the events say.")
    );
    let again = p.ok(&[
        "status",
        "import",
        generated.join("status.csv").to_str().unwrap(),
    ]);
    assert!(again.contains(" 0 áp dụng (applied)"), "{again}");
}

#[test]
fn init_loads_the_real_units_of_vietnam() {
    let p = Phuxanh::empty();
    let out = p.ok(&["init", "--units", "vn-2024"]);
    assert!(
        out.contains("63 tỉnh, 696 huyện, 10.035 xã (vn-2024)"),
        "{out}"
    );
    let districts = p.ok(&["units", "list", "--parent", "83"]);
    assert!(
        districts.contains("837\tdistrict\tHuyện Thạnh Phú"),
        "{districts}"
    );
    assert_eq!(districts.lines().count(), 9);

    let q = Phuxanh::empty();
    let out = q.ok(&["init"]);
    assert!(
        out.contains("34 tỉnh, 0 huyện, 3.321 xã (vn-2025)"),
        "{out}"
    );
}
