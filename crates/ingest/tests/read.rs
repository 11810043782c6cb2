//! Reading real files: CSV with a BOM and columns in any order, XLSX with
//! numbers and dates in cells, and the errors a user meets.

use std::path::Path;

use phuxanh_domain::{Day, EventKind};
use phuxanh_ingest::{FileKind, IngestError, parse_citizen, parse_event, parse_status, read};

fn today() -> Day {
    "2026-01-01".parse().unwrap()
}

fn write(dir: &Path, name: &str, content: &str) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, content).unwrap();
    p
}

#[test]
fn csv_columns_are_found_by_name_in_any_order() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "c.csv",
        "\u{feff}unit_code,sex,ID,extra,full_name,birth_date\n28756,F,083190000002,x, Trần Thị Bình ,1990-07-01\n",
    );
    let rows: Vec<_> = read(&p, FileKind::Citizens, parse_citizen, today())
        .unwrap()
        .collect();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].line, 2);
    let c = rows[0].value.as_ref().unwrap();
    assert_eq!(c.full_name, "Trần Thị Bình");
    assert_eq!(c.unit.as_str(), "28756");
}

#[test]
fn names_are_normalised_to_nfc() {
    let dir = tempfile::tempdir().unwrap();
    // "Hòa" with a combining grave accent.
    let p = write(
        dir.path(),
        "c.csv",
        "id,full_name,birth_date,sex,unit_code\n083190000002,Nguyễn Thị Ho\u{300}a,1990-07-01,F,28756\n",
    );
    let rows: Vec<_> = read(&p, FileKind::Citizens, parse_citizen, today())
        .unwrap()
        .collect();
    assert_eq!(
        rows[0].value.as_ref().unwrap().full_name,
        "Nguyễn Thị H\u{f2}a"
    );
}

#[test]
fn every_bad_row_is_kept_with_its_line_and_reason() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "c.csv",
        "id,full_name,birth_date,sex,unit_code\n\
         083190000002,A,1990-07-01,F,28756\n\
         3190000002,B,1990-07-01,F,28756\n\
         \"083190000003\",\"C, with a comma\",1991-07-01,F,28756\n\
         083190000004,,1990-07-01,F,28756\n",
    );
    let rows: Vec<_> = read(&p, FileKind::Citizens, parse_citizen, today())
        .unwrap()
        .collect();
    let seen: Vec<(u64, String)> = rows
        .iter()
        .map(|r| (r.line, r.value.as_ref().err().cloned().unwrap_or_default()))
        .collect();
    assert_eq!(
        seen,
        vec![
            (2, String::new()),
            (3, "id: ID '3190000002' has 10 digits; with its lost leading zeros put back, ID '003190000002' starts with 003, which is not a province-of-birth code".into()),
            (4, "ID 083190000003 encodes birth year ..90, but birth_date is 1991-07-01".into()),
            (5, "full_name is empty".into()),
        ]
    );
}

#[test]
fn invalid_utf8_far_into_a_file_is_a_refused_row_not_a_crash() {
    // The first 64 KiB decide the encoding; a stray byte later refuses its
    // row only.
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("c.csv");
    let mut bytes = b"id,full_name,birth_date,sex,unit_code\n".to_vec();
    let good = "083190000002,Trần Thị Bình,1990-07-01,F,28756\n";
    let rows = 70 * 1024 / good.len();
    for _ in 0..rows {
        bytes.extend_from_slice(good.as_bytes());
    }
    bytes.extend_from_slice(b"083190000002,");
    bytes.extend_from_slice(&[0xC0, 0xAF]);
    bytes.extend_from_slice(b",1990-07-01,F,28756\n");
    std::fs::write(&p, bytes).unwrap();
    let read: Vec<_> = read(&p, FileKind::Citizens, parse_citizen, today())
        .unwrap()
        .collect();
    assert_eq!(read.len(), rows + 1);
    let last = read.last().unwrap();
    assert_eq!(last.line, rows as u64 + 2);
    assert!(last.value.as_ref().unwrap_err().contains("UTF-8"));
}

#[test]
fn missing_columns_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "e.csv", "event_id,citizen,kind\n");
    let err = read(&p, FileKind::Events, parse_event, today())
        .err()
        .unwrap();
    assert_eq!(
        err.to_string(),
        format!(
            "{}: missing column(s) citizen_id, level, at; a events file needs the columns event_id,citizen_id,kind,level,at,[team_id],[session_id],[reason]",
            p.display()
        )
    );
    let p = write(dir.path(), "e.txt", "x");
    assert!(matches!(
        read(&p, FileKind::Events, parse_event, today()),
        Err(IngestError::UnknownFormat { .. })
    ));
}

#[test]
fn status_rows_imply_one_event_per_filled_stage() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "s.csv",
        "citizen_id,level,collected_at,approved_at,activated_at,used_at\n\
         083190000002,2,2023-08-20 19:30,2023-08-21 08:00,,\n\
         083190000002,1,,,,\n",
    );
    let rows: Vec<_> = read(&p, FileKind::Status, parse_status, today())
        .unwrap()
        .collect();
    let events = rows[0].value.as_ref().unwrap();
    assert_eq!(events.len(), 2);
    assert_eq!(events[0].kind, EventKind::Collected);
    assert_eq!(events[1].id.as_str(), "snapshot:083190000002:2:approved");
    assert_eq!(
        rows[1].value.as_ref().unwrap_err(),
        "no stage has a date: an empty row says nothing"
    );
}

#[test]
fn xlsx_cells_become_text_with_dates_and_whole_numbers() {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("e.xlsx");
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in ["event_id", "citizen_id", "kind", "level", "at"]
        .iter()
        .enumerate()
    {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    sheet.write_string(1, 0, "E1").unwrap();
    sheet.write_string(1, 1, "083190000002").unwrap();
    sheet.write_string(1, 2, "collected").unwrap();
    sheet.write_number(1, 3, 2).unwrap();
    let at = ExcelDateTime::parse_from_str("2023-08-20 19:30:00").unwrap();
    sheet
        .write_datetime_with_format(1, 4, &at, &Format::new().set_num_format("yyyy-mm-dd hh:mm"))
        .unwrap();
    // A citizen ID typed as a number loses its leading zero.
    sheet.write_string(2, 0, "E2").unwrap();
    sheet.write_number(2, 1, 83190000002.0).unwrap();
    sheet.write_string(2, 2, "collected").unwrap();
    sheet.write_number(2, 3, 1).unwrap();
    sheet.write_string(2, 4, "2023-08-21 08:00").unwrap();
    book.save(&p).unwrap();

    let rows: Vec<_> = read(&p, FileKind::Events, parse_event, today())
        .unwrap()
        .collect();
    assert_eq!(rows[0].line, 2);
    let e = &rows[0].value.as_ref().unwrap()[0];
    assert_eq!(e.at.to_rfc3339(), "2023-08-20T19:30:00+07:00");
    assert_eq!(e.level.number(), 2);
    // …and gets it back, with a warning.
    assert_eq!(rows[1].line, 3);
    assert_eq!(
        rows[1].value.as_ref().unwrap()[0].citizen.to_string(),
        "083190000002"
    );
}
