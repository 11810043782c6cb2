//! Imports of files as offices send them, through the real binary: a
//! `;`-separated Windows file with day-first dates and IDs that lost their
//! leading zero goes in with warnings and the right figures; a UTF-16 file
//! is refused whole with one message; empty and header-only files.

mod common;

use common::{Phuxanh, data};

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn a_windows_semicolon_file_with_day_first_dates_and_lost_zeros_imports_with_warnings() {
    let p = Phuxanh::new();
    p.ok(&["units", "import", data("units.csv").to_str().unwrap()]);

    // Hand-checked: five citizens (title rows, BOM, CRLF, an address over
    // two lines), four of whose IDs were stored as numbers.
    let roster = data("quirks/citizens_excel_vn.csv");
    let out = p.run(&["citizens", "import", roster.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stderr),
        format!(
            "{}:4: warning: lines 4, 6, 8 and 1 more: id lost its leading zeros, put back (83085000001 → 083085000001): format the column as text in the spreadsheet\n",
            roster.display()
        )
    );
    assert!(
        text(&out.stdout).contains(
            "5 dòng đọc (read), 5 áp dụng (applied), 0 không đổi (unchanged), 0 từ chối (refused)"
        ),
        "{}",
        text(&out.stdout)
    );

    let status = data("quirks/status_excel_vn.csv");
    let out = p.run(&["status", "import", status.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stderr),
        format!(
            "{}:2: warning: lines 2, 3 and 5: citizen_id lost its leading zeros, put back (83085000001 → 083085000001): format the column as text in the spreadsheet\n",
            status.display()
        )
    );

    // Collected: citizens 1, 2, 3 and 5 (1 and 5 at level 2); approved 1,
    // 2 and 5; activated 1 and 5; used 1. All five are 14 or more by the
    // end of 2023 (Phạm Thị Dung turned 14 on 30/09/2023).
    let v = p.json(&[
        "progress",
        "--unit",
        "83",
        "--as-of",
        "2023-12-31",
        "--format",
        "json",
    ]);
    assert_eq!(v["eligible"], 5);
    let c = &v["counts"];
    assert_eq!(
        [
            &c["collected"],
            &c["collected_l2"],
            &c["approved"],
            &c["activated"],
            &c["used"]
        ],
        [4, 2, 3, 2, 1]
    );
    // The day-first times landed on their days: only citizen 1 had
    // collected by the end of 20/08/2023.
    let v = p.json(&[
        "progress",
        "--unit",
        "83",
        "--as-of",
        "2023-08-20",
        "--format",
        "json",
    ]);
    assert_eq!(v["counts"]["collected"], 1);
    p.assert_clean();

    // Imported again: the same rows, unchanged.
    let out = p.ok(&["citizens", "import", roster.to_str().unwrap()]);
    assert!(
        out.contains("0 áp dụng (applied), 5 không đổi (unchanged)"),
        "{out}"
    );
}

#[test]
fn a_utf16_file_is_refused_whole_with_how_to_save_it() {
    let p = Phuxanh::new();
    p.ok(&["units", "import", data("units.csv").to_str().unwrap()]);
    // What Excel's "Unicode Text" writes: UTF-16 LE with a byte-order mark.
    let roster = std::fs::read_to_string(data("citizens.csv")).unwrap();
    let mut bytes = vec![0xFF, 0xFE];
    for unit in roster.encode_utf16() {
        bytes.extend_from_slice(&unit.to_le_bytes());
    }
    let file = p.dir.path().join("danh-sach.csv");
    std::fs::write(&file, bytes).unwrap();
    let out = p.run(&["citizens", "import", file.to_str().unwrap()]);
    assert!(!out.status.success());
    assert_eq!(
        text(&out.stderr),
        format!(
            "error: {}: the file is not UTF-8 text: it looks like UTF-16 LE (what Excel saves as \"Unicode Text\"). Open it in Excel and choose File → Save As → \"CSV UTF-8 (Comma delimited) (*.csv)\", then import the new file\n",
            file.display()
        )
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn an_empty_file_is_refused_and_a_header_alone_imports_nothing() {
    let p = Phuxanh::with_fixture();
    let empty = data("quirks/empty.csv");
    let out = p.run(&["status", "import", empty.to_str().unwrap()]);
    assert!(!out.status.success());
    assert_eq!(
        text(&out.stderr),
        format!(
            "error: {}: the file is empty (it needs a header row)\n",
            empty.display()
        )
    );
    let header = data("quirks/header_only.csv");
    let out = p.ok(&["status", "import", header.to_str().unwrap()]);
    assert_eq!(
        out,
        format!(
            "{}: 0 dòng đọc (read), 0 áp dụng (applied), 0 không đổi (unchanged), 0 từ chối (refused)\n",
            header.display()
        )
    );
}
