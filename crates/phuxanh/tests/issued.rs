//! Issued reports kept as sent (issue 11, item 9), through the real binary
//! on the hand-made Bến Tre fixture: the province's report to 12/09/2023
//! over the last 7 days (06–12/09) gave 7 collected of a target of 9
//! (77,78%), 3 in the period (Lan on 09/09, Cường on 10/09, Khánh on
//! 12/09); then Hoa's application of 11/09 arrives late (an 8th, 4 in the
//! period, 88,89%), and `reports show` sets each
//! figure as sent beside now.

mod common;

use common::Phuxanh;

fn change<'a>(v: &'a serde_json::Value, label: &str) -> &'a serde_json::Value {
    v["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["label"] == label)
        .unwrap_or_else(|| panic!("no '{label}' in {v}"))
}

#[test]
fn a_report_is_kept_as_sent_and_compared_with_late_data() {
    let p = Phuxanh::with_fixture();
    let out = p.ok(&[
        "report",
        "--unit",
        "83",
        "--as-of",
        "2023-09-12",
        "--days",
        "7",
        "--out",
        "sent.xlsx",
        "--issue",
        "--by",
        "Thượng tá Nguyễn Văn A",
    ]);
    assert!(out.contains("Đã ban hành báo cáo số 1"), "{out}");
    let list = p.json(&["reports", "list", "--unit", "83", "--format", "json"]);
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    assert_eq!(list[0]["issued_by"], "Thượng tá Nguyễn Văn A");
    assert_eq!(
        (
            list[0]["period_from"].as_str(),
            list[0]["period_to"].as_str()
        ),
        (Some("2023-09-06"), Some("2023-09-12"))
    );
    let shown = p.json(&["reports", "show", "1", "--format", "json"]);
    assert_eq!(shown["changed"], 0, "{shown}");
    assert_eq!(change(&shown, "Thu nhận")["sent"], "7");
    assert_eq!(change(&shown, "Thu nhận trong kỳ")["sent"], "3");

    // Hoa (079188000008, Thị trấn Thạnh Phú) applied on 11/09: it comes in late.
    std::fs::write(
        p.dir.path().join("late.csv"),
        "event_id,citizen_id,kind,level,at\nlate-1,079188000008,collected,1,2023-09-11 15:00\n",
    )
    .unwrap();
    p.ok(&["events", "import", "late.csv"]);
    let shown = p.json(&["reports", "show", "1", "--changed", "--format", "json"]);
    let collected = change(&shown, "Thu nhận");
    assert_eq!(
        (
            collected["sent"].as_str(),
            collected["now"].as_str(),
            collected["difference"].as_str()
        ),
        (Some("7"), Some("8"), Some("+1"))
    );
    let pct = change(&shown, "Tỷ lệ đạt chỉ tiêu thu nhận");
    assert_eq!(
        (
            pct["sent"].as_str(),
            pct["now"].as_str(),
            pct["difference"].as_str()
        ),
        (Some("77,78%"), Some("88,89%"), Some("+11,11 điểm %"))
    );
    assert_eq!(change(&shown, "Thu nhận trong kỳ")["now"], "4");
    assert_eq!(
        change(&shown, "Huyện Thạnh Phú — Thu nhận")["difference"],
        "+1"
    );
    assert_eq!(change(&shown, "11/09/2023 — Thu nhận")["difference"], "+1");
    // The province's own row is the summary's, not repeated as a child's.
    assert!(!shown.to_string().contains("Tỉnh Bến Tre — "), "{shown}");
    // Ba Tri did not change, so --changed leaves it out.
    assert!(
        !shown.to_string().contains("Huyện Ba Tri — Thu nhận"),
        "{shown}"
    );
    let table = p.ok(&["reports", "show", "1", "--changed"]);
    assert!(
        table.contains("Khi ban hành") && table.contains("+11,11 điểm %"),
        "{table}"
    );

    // The file comes back byte for byte as it was written when issued.
    p.ok(&["reports", "file", "1", "--out", "again.xlsx"]);
    assert_eq!(
        std::fs::read(p.dir.path().join("again.xlsx")).unwrap(),
        std::fs::read(p.dir.path().join("sent.xlsx")).unwrap()
    );
    let wrong = p.run(&["reports", "file", "1", "--out", "again.pdf"]);
    assert!(!wrong.status.success());
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("report 1 is a .xlsx file"));

    // JSON cannot be issued, and a refused issue keeps nothing.
    let json = p.run(&[
        "report",
        "--unit",
        "83",
        "--as-of",
        "2023-09-12",
        "--out",
        "r.json",
        "--issue",
    ]);
    assert!(!json.status.success());
    assert!(String::from_utf8_lossy(&json.stderr).contains("write a .pdf or .xlsx"));
    assert!(!p.dir.path().join("r.json").exists());
    let list = p.json(&["reports", "list", "--unit", "83", "--format", "json"]);
    assert_eq!(list.as_array().unwrap().len(), 1);
    let missing = p.run(&["reports", "show", "9"]);
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no issued report number 9"));
    // Each unit has its own archive.
    let other = p.json(&["reports", "list", "--unit", "837", "--format", "json"]);
    assert_eq!(other, serde_json::json!([]));
}
