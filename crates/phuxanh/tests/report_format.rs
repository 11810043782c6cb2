//! The period report's official format (issue 11, item 8), through the real
//! binary on the hand-made Bến Tre fixture as of 10/09/2023 (collected 6 of
//! a target of 9, activated 3 of a target of 4 = 50% of 8 eligible; over
//! the campaign 01–10/09, 3 collected against 1 in the 10 days before):
//! the settings command, the PDF's formal parts read back by `pdftotext`
//! and its first page rendered by `pdftoppm` (Debian's poppler-utils), and
//! the XLSX read back by calamine and as its XML.

mod common;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

use calamine::{Data, Reader};
use common::Phuxanh;

/// Writes the report of the fixture as of 10/09 over "Cao điểm" (01–10/09).
fn report(p: &Phuxanh, name: &str) -> PathBuf {
    if !p.ok(&["campaigns", "list"]).contains("Cao điểm") {
        p.ok(&[
            "campaigns",
            "add",
            "Cao điểm",
            "--from",
            "2023-09-01",
            "--to",
            "2023-09-10",
            "--unit",
            "83",
        ]);
    }
    let out = p.dir.path().join(name);
    p.ok(&[
        "report",
        "--campaign",
        "Cao điểm",
        "--as-of",
        "2023-09-10",
        "--out",
        out.to_str().unwrap(),
    ]);
    out
}

fn pdftotext(pdf: &Path) -> String {
    let out = Command::new("pdftotext")
        .args(["-layout", pdf.to_str().unwrap(), "-"])
        .output()
        .expect("pdftotext is missing: install Debian's poppler-utils (scripts/test does)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The settings a province sets once.
const SETTINGS: [(&str, &[&str]); 8] = [
    ("report.superior_agency", &["Bộ Công an"]),
    ("report.agency", &["Công an tỉnh Bến Tre"]),
    ("report.symbol", &["BC-CAT"]),
    ("report.place", &["Châu Thành"]),
    ("report.signer_authority", &["KT. GIÁM ĐỐC"]),
    ("report.signer_title", &["PHÓ GIÁM ĐỐC"]),
    ("report.signer_name", &["Nguyễn Văn An"]),
    (
        "report.recipients",
        &["Bộ Công an (C06);", "UBND tỉnh Bến Tre"],
    ),
];

fn set_all(p: &Phuxanh) {
    for (key, values) in SETTINGS {
        let mut args = vec!["settings", "set", key];
        args.extend(values);
        p.ok(&args);
    }
}

#[test]
fn settings_are_set_listed_read_and_cleared() {
    let p = Phuxanh::with_fixture();
    let listed = p.ok(&["settings", "list"]);
    assert_eq!(listed.lines().count(), 8, "{listed}");
    assert!(
        listed.contains("report.agency (chưa đặt / not set)"),
        "{listed}"
    );
    set_all(&p);
    assert_eq!(
        p.ok(&["settings", "get", "report.agency"]),
        "Công an tỉnh Bến Tre\n"
    );
    assert_eq!(
        p.ok(&["settings", "get", "report.recipients"]),
        "Bộ Công an (C06);\nUBND tỉnh Bến Tre\n"
    );
    let listed = p.ok(&["settings", "list"]);
    assert!(
        listed.contains("report.recipients = Bộ Công an (C06); | UBND tỉnh Bến Tre"),
        "{listed}"
    );
    // Set again: replaced, not added.
    p.ok(&["settings", "set", "report.signer_name", "  Trần Thị Bình "]);
    assert_eq!(
        p.ok(&["settings", "get", "report.signer_name"]),
        "Trần Thị Bình\n"
    );
    p.ok(&["settings", "unset", "report.signer_name"]);
    let out = p.run(&["settings", "get", "report.signer_name"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("report.signer_name is not set"));
}

#[test]
fn bad_settings_are_refused_with_the_reason() {
    let p = Phuxanh::with_fixture();
    let refused = |args: &[&str], reason: &str| {
        let out = p.run(args);
        assert!(!out.status.success(), "{args:?} should fail");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(reason), "{args:?}: {err}");
    };
    refused(
        &["settings", "set", "report.agencyy", "X"],
        "'report.agencyy' is not a setting; the settings are report.superior_agency, report.agency, report.symbol, report.place, report.signer_authority, report.signer_title, report.signer_name, report.recipients",
    );
    refused(&["settings", "get", "agency"], "'agency' is not a setting");
    refused(
        &["settings", "set", "report.agency", "A", "B"],
        "report.agency takes one value (2 given)",
    );
    refused(
        &["settings", "set", "report.agency", "A\tB"],
        "report.agency: the control character U+0009 is not allowed",
    );
    let long = "x".repeat(201);
    refused(
        &["settings", "set", "report.signer_name", &long],
        "a line of 201 characters, at most 200 are allowed",
    );
    refused(
        &["settings", "set", "report.symbol", "12/BC-CAT"],
        "must be letters A–Z, Đ, digits, '-' or '.'",
    );
    refused(
        &["settings", "set", "report.place", " "],
        "the value is empty",
    );
    // Nothing refused was stored.
    assert!(
        p.ok(&["settings", "list"])
            .lines()
            .all(|l| l.ends_with("(chưa đặt / not set)"))
    );
}

#[test]
fn the_pdf_has_the_formal_parts_of_decree_30() {
    let p = Phuxanh::with_fixture();
    set_all(&p);
    let pdf = report(&p, "bao-cao.pdf");
    let text = pdftotext(&pdf);
    for expected in [
        "BỘ CÔNG AN",
        "CÔNG AN TỈNH BẾN TRE",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "/BC-CAT",
        // The as-of day in words, month below 3 not padded.
        "Châu Thành, ngày 10 tháng 9 năm 2023",
        "BÁO CÁO",
        "Kết quả thu nhận hồ sơ, kích hoạt tài khoản định danh điện tử",
        "tính đến hết ngày 10/09/2023",
        "Nơi nhận:",
        // The recipient's own ';' is not doubled.
        "- Bộ Công an (C06);",
        "- UBND tỉnh Bến Tre;",
        "- Lưu: VT.",
        "KT. GIÁM ĐỐC",
        "PHÓ GIÁM ĐỐC",
        "Nguyễn Văn An",
        // The body is still there.
        "Thu nhận: 6 / chỉ tiêu 9 (66,67%)",
        "VI. Kết quả từng ngày",
    ] {
        assert!(text.contains(expected), "'{expected}' not in:\n{text}");
    }
    let number = text.lines().find(|l| l.contains("/BC-CAT")).unwrap();
    assert!(
        number.trim_start().starts_with("Số:"),
        "the number is left blank after Số: {number:?}"
    );
    assert!(!text.contains(";;"), "{text}");
    assert!(
        !text.contains("……"),
        "no blank is left once all is set:\n{text}"
    );
    // The header comes first, the signer last.
    let at = |s: &str| text.find(s).unwrap();
    assert!(at("CỘNG HÒA") < at("BÁO CÁO"));
    assert!(at("BÁO CÁO") < at("I. Kết quả chung"));
    assert!(at("VI. Kết quả từng ngày") < at("Nơi nhận:"));
    assert!(at("Nơi nhận:") < at("Nguyễn Văn An"));
    // The chart's value axis is titled.
    assert!(text.contains("Số lượng/ngày"), "{text}");
}

#[test]
fn without_settings_the_pdf_leaves_blanks_and_invents_no_names() {
    let p = Phuxanh::with_fixture();
    let pdf = report(&p, "bao-cao.pdf");
    let text = pdftotext(&pdf);
    for expected in [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "/BC-……",
        // The place defaults to the unit's name without "Tỉnh".
        "Bến Tre, ngày 10 tháng 9 năm 2023",
        "BÁO CÁO",
        "Nơi nhận:",
        "- ……",
        "- Lưu: VT.",
    ] {
        assert!(text.contains(expected), "'{expected}' not in:\n{text}");
    }
    assert!(
        text.lines().any(|l| l.trim_start().starts_with("Số:")),
        "{text}"
    );
    // Agencies, signer: dotted lines, at least five of them.
    let blanks = text.matches("……………………").count();
    assert!(blanks >= 5, "{blanks} blanks in:\n{text}");
    for invented in ["GIÁM ĐỐC", "CÔNG AN", "UBND"] {
        assert!(!text.contains(invented), "'{invented}' in:\n{text}");
    }
}

/// Width and height of a PNG, from its IHDR chunk.
fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    assert_eq!(&bytes[12..16], b"IHDR");
    let be = |b: &[u8]| u32::from_be_bytes(b.try_into().unwrap());
    (be(&bytes[16..20]), be(&bytes[20..24]))
}

#[test]
fn the_pdf_renders_to_an_a4_png() {
    let p = Phuxanh::with_fixture();
    set_all(&p);
    let pdf = report(&p, "bao-cao.pdf");
    let prefix = p.dir.path().join("trang");
    let out = Command::new("pdftoppm")
        .args(["-png", "-r", "72", "-f", "1", "-l", "1", "-singlefile"])
        .arg(&pdf)
        .arg(&prefix)
        .output()
        .expect("pdftoppm is missing: install Debian's poppler-utils (scripts/test does)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let png = std::fs::read(prefix.with_extension("png")).unwrap();
    // A4 is 595 × 842 points: at 72 dpi, as many pixels.
    assert_eq!(png_size(&png), (595, 842));
    // A page with text, lines and a chart compresses to some kilobytes,
    // a blank one to a few hundred bytes.
    assert!(png.len() > 20_000, "{} bytes", png.len());
}

/// The text of a file inside the XLSX (a zip).
fn xlsx_part(xlsx: &Path, name: &str) -> String {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(xlsx).unwrap()).unwrap();
    let mut s = String::new();
    zip.by_name(name).unwrap().read_to_string(&mut s).unwrap();
    s
}

#[test]
fn the_xlsx_has_figures_in_cells_vietnamese_levels_and_print_setup() {
    let p = Phuxanh::with_fixture();
    let xlsx = report(&p, "bao-cao.xlsx");
    let mut book = calamine::open_workbook_auto(&xlsx).unwrap();
    let summary = book.worksheet_range("Tổng hợp").unwrap();
    let rows: Vec<&[Data]> = summary.rows().collect();
    assert_eq!(rows[2][0].to_string(), "Nội dung");
    assert_eq!(rows[2][1].to_string(), "Số liệu");
    let value = |label: &str| -> Data {
        rows.iter()
            .find(|r| r[0] == Data::String(label.to_string()))
            .unwrap_or_else(|| panic!("no row '{label}'"))[1]
            .clone()
    };
    assert_eq!(value("Đơn vị"), Data::String("Tỉnh Bến Tre".into()));
    assert_eq!(value("Cấp"), Data::String("Tỉnh/Thành phố".into()));
    assert_eq!(value("Công dân đủ điều kiện"), Data::Float(8.0));
    assert_eq!(value("Thu nhận"), Data::Float(6.0));
    assert_eq!(value("Chỉ tiêu thu nhận"), Data::Float(9.0));
    // 6/9 = 66,67%, 6/8 = 75%, 3/4 = 75%: fractions, shown as 0.00%.
    assert_eq!(value("Tỷ lệ đạt chỉ tiêu thu nhận"), Data::Float(0.6667));
    assert_eq!(
        value("Tỷ lệ thu nhận trên công dân đủ điều kiện"),
        Data::Float(0.75)
    );
    assert_eq!(value("Kích hoạt"), Data::Float(3.0));
    assert_eq!(value("Chỉ tiêu kích hoạt"), Data::Float(4.0));
    assert_eq!(value("Tỷ lệ đạt chỉ tiêu kích hoạt"), Data::Float(0.75));
    assert_eq!(value("Đợt"), Data::String("Cao điểm".into()));
    assert_eq!(value("Số ngày của kỳ"), Data::Float(10.0));
    assert_eq!(value("Thu nhận trong kỳ"), Data::Float(3.0));
    assert_eq!(value("Thu nhận kỳ trước"), Data::Float(1.0));
    assert_eq!(value("Tăng so với kỳ trước, thu nhận"), Data::Float(2.0));
    assert!(matches!(
        value("Số liệu tính đến hết ngày"),
        Data::DateTime(_)
    ));
    // No sentence is left in the summary's value column.
    assert!(
        rows.iter()
            .skip(3)
            .all(|r| !r[1].to_string().ends_with('.')),
        "{rows:?}"
    );

    // Levels in Vietnamese, and no English level word in any sheet.
    let units = book.worksheet_range("Đơn vị trực thuộc").unwrap();
    let levels: Vec<String> = units.rows().skip(3).map(|r| r[2].to_string()).collect();
    assert_eq!(
        levels,
        ["Tỉnh/Thành phố", "Huyện/Quận/Thị xã", "Huyện/Quận/Thị xã"]
    );
    for name in book.sheet_names() {
        let range = book.worksheet_range(&name).unwrap();
        for cell in range.cells() {
            let s = cell.2.to_string();
            for english in ["province", "district", "commune", "village"] {
                assert!(!s.contains(english), "'{s}' in sheet {name}");
            }
        }
    }

    // Print setup on every sheet: A4 (paper size 9) landscape, fit to one
    // page wide (fitToPage, with fitToWidth at its default 1) and as many
    // long as it takes, the header row repeated, the unit and day in the
    // page header.
    let workbook = xlsx_part(&xlsx, "xl/workbook.xml");
    assert_eq!(
        workbook.matches("_xlnm.Print_Titles").count(),
        8,
        "{workbook}"
    );
    for n in 1..=8 {
        let sheet = xlsx_part(&xlsx, &format!("xl/worksheets/sheet{n}.xml"));
        for expected in [
            "<pageSetup paperSize=\"9\"",
            "orientation=\"landscape\"",
            "fitToHeight=\"0\"",
            "<pageSetUpPr fitToPage=\"1\"/>",
            "Tỉnh Bến Tre — tính đến hết ngày 10/09/2023",
            "Trang &amp;P/&amp;N",
        ] {
            assert!(
                sheet.contains(expected),
                "sheet {n}: '{expected}' not in {sheet}"
            );
        }
    }
    // The percentages have a percentage format, two decimals (Excel shows
    // 0.00% as 66,67% under a Vietnamese locale).
    let styles = xlsx_part(&xlsx, "xl/styles.xml");
    assert!(styles.contains("formatCode=\"0.00%\""), "{styles}");
}

/// The same figures in the three formats.
#[test]
fn xlsx_json_and_pdf_agree() {
    let p = Phuxanh::with_fixture();
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(report(&p, "r.json")).unwrap()).unwrap();
    let unit = &json["progress"]["unit"];
    assert_eq!(unit["counts"]["collected"], 6);
    assert_eq!(unit["eligible"], 8);
    let text = pdftotext(&report(&p, "r.pdf"));
    assert!(text.contains("Công dân đủ điều kiện: 8."), "{text}");
    assert!(
        text.contains("Kích hoạt: 3 / chỉ tiêu 4 (75,00%)"),
        "{text}"
    );
    let mut book = calamine::open_workbook_auto(report(&p, "r.xlsx")).unwrap();
    let summary = book.worksheet_range("Tổng hợp").unwrap();
    let eligible = summary
        .rows()
        .find(|r| r[0] == Data::String("Công dân đủ điều kiện".into()))
        .unwrap()[1]
        .clone();
    assert_eq!(eligible, Data::Float(unit["eligible"].as_f64().unwrap()));
}
