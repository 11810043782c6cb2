//! Files as Vietnamese offices really send them (`tests/data/quirks/`, and
//! workbooks written here with rust_xlsxwriter): what is accepted, with
//! which warnings, and what is refused with which reason.

use std::path::{Path, PathBuf};

use phuxanh_domain::Day;
use phuxanh_ingest::{
    FileKind, IngestError, Quirk, Reader, Record, parse_citizen, parse_contact, parse_event,
    parse_session, parse_status, parse_target, parse_team, parse_unit, parse_user, parse_visit,
    read,
};
use phuxanh_store::Refusal;

fn today() -> Day {
    "2026-01-01".parse().unwrap()
}

fn quirk(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/data/quirks")
        .join(name)
}

/// Rows as `(line, value or reason)`.
type Lines<T> = Vec<(u64, Result<T, String>)>;

/// Every row of a file, and the warnings as `line: message`.
fn read_all<T: Send + 'static>(
    path: &Path,
    kind: FileKind,
    parse: fn(&Record<'_>, Day) -> Result<T, String>,
) -> (Lines<T>, Vec<String>) {
    let mut reader: Reader<T> = read(path, kind, parse, today()).unwrap();
    let rows = reader.by_ref().map(|r| (r.line, r.value)).collect();
    let warnings = reader
        .warnings()
        .iter()
        .map(|w| format!("{}: {w}", w.first_line()))
        .collect();
    (rows, warnings)
}

/// The reasons of the refused rows, as `line: reason`.
fn refusals<T>(rows: &[(u64, Result<T, String>)]) -> Vec<String> {
    rows.iter()
        .filter_map(|(line, v)| v.as_ref().err().map(|e| format!("{line}: {e}")))
        .collect()
}

fn open_error(path: &Path, kind: FileKind) -> String {
    let err = match kind {
        FileKind::Citizens => read(path, kind, parse_citizen, today()).err(),
        _ => read(path, kind, parse_status, today()).err(),
    };
    let err = err.expect("the file is refused whole");
    let text = err.to_string();
    text.strip_prefix(&format!("{}: ", path.display()))
        .unwrap_or(&text)
        .to_string()
}

#[test]
fn excel_in_a_vietnamese_locale_semicolons_crlf_bom_title_rows_and_day_first_dates() {
    let (rows, warnings) = read_all(
        &quirk("citizens_excel_vn.csv"),
        FileKind::Citizens,
        parse_citizen,
    );
    assert_eq!(refusals(&rows), Vec::<String>::new());
    // Lines are the file's lines: two title rows, the header on line 3, an
    // address over lines 4 and 5, the empty rows at the end skipped.
    let seen: Vec<(u64, String, String, String)> = rows
        .iter()
        .map(|(line, c)| {
            let c = c.as_ref().unwrap();
            (
                *line,
                c.id.to_string(),
                c.full_name.clone(),
                c.birth_date.to_string(),
            )
        })
        .collect();
    let row = |l, id: &str, name: &str, birth: &str| (l, id.into(), name.into(), birth.into());
    assert_eq!(
        seen,
        vec![
            row(4, "083085000001", "Nguyễn Văn An", "1985-03-14"),
            row(6, "083190000002", "Trần Thị Bình", "1990-07-01"),
            row(7, "083201000003", "Lê Văn Cường", "2001-01-01"),
            row(8, "083309000004", "Phạm Thị Dung", "2009-09-30"),
            row(9, "083075000005", "Hoàng Văn Em", "1975-05-05"),
        ]
    );
    let first = rows[0].1.as_ref().unwrap();
    assert_eq!(
        first.address.as_deref(),
        Some("Số 1; Khu phố 1\r\nấp Phú Hòa")
    );
    assert_eq!(
        warnings,
        vec![
            "4: lines 4, 6, 8 and 1 more: id lost its leading zeros, put back (83085000001 → 083085000001): format the column as text in the spreadsheet"
        ]
    );
}

#[test]
fn status_times_day_first_with_and_without_seconds() {
    let (rows, warnings) = read_all(
        &quirk("status_excel_vn.csv"),
        FileKind::Status,
        parse_status,
    );
    assert_eq!(refusals(&rows), Vec::<String>::new());
    let times: Vec<String> = rows
        .iter()
        .flat_map(|(_, v)| v.as_ref().unwrap().iter().map(|e| e.at.to_rfc3339()))
        .collect();
    assert_eq!(times.len(), 10);
    assert_eq!(times[0], "2023-08-20T19:30:00+07:00");
    assert_eq!(times[4], "2023-08-30T08:00:00+07:00");
    assert_eq!(times[5], "2023-08-31T08:00:00+07:00");
    // A bare day is its local midnight.
    assert_eq!(times[8], "2023-08-28T00:00:00+07:00");
    assert_eq!(warnings.len(), 1);
    assert!(warnings[0].starts_with("2: lines 2, 3 and 5: citizen_id lost its leading zeros"));
}

#[test]
fn dates_a_file_cannot_mean_are_refused_with_a_reason() {
    let (rows, warnings) = read_all(
        &quirk("citizens_bad_dates.csv"),
        FileKind::Citizens,
        parse_citizen,
    );
    assert!(warnings.is_empty());
    assert_eq!(
        refusals(&rows),
        vec![
            "2: birth_date: '31/02/1985' is not a valid date: 02/1985 has 28 days",
            "3: birth_date: '14/13/1985' is not a valid date: there is no month 13 (dates in files are day first, dd/mm/yyyy)",
            "4: birth_date: '14/03/85' has a two-digit year: write the year with four digits",
            "5: birth_date: '31120' is not a date: write dd/mm/yyyy (day first) or YYYY-MM-DD (a bare number may be a spreadsheet's date serial: format the column as a date)",
            "6: birth_date: '14/03/1985 08:30' has a time of day: a date is expected",
            "7: birth_date: '03/14/1985' is not a valid date: there is no month 14 (dates in files are day first, dd/mm/yyyy)",
        ]
    );
    assert_eq!(rows.len(), 7);
    assert!(rows[6].1.is_ok());
}

#[test]
fn ids_and_codes_that_lost_their_leading_zeros() {
    let (rows, warnings) = read_all(
        &quirk("citizens_lost_zeros.csv"),
        FileKind::Citizens,
        parse_citizen,
    );
    assert_eq!(
        refusals(&rows),
        vec![
            "4: id: ID '3085000003' has 10 digits; with its lost leading zeros put back, ID '003085000003' starts with 003, which is not a province-of-birth code",
            "5: id: ID '83685000004' has 11 digits; with its lost leading zero put back, ID '083685000004' has 6 as its sex/century digit: it must be 0–5",
            "6: id: ID '08308500005' is not a 12-digit personal identification number",
            "7: id: ID '8.3085E+10' was saved in scientific notation and has lost digits: format the column as text and write the IDs in full",
        ]
    );
    let ok: Vec<(u64, String, String)> = rows
        .iter()
        .filter_map(|(l, v)| {
            v.as_ref()
                .ok()
                .map(|c| (*l, c.id.to_string(), c.unit.to_string()))
        })
        .collect();
    assert_eq!(
        ok,
        vec![
            (2, "083085000001".into(), "28900".into()),
            (3, "001305000002".into(), "00004".into()),
            // One digit: a commune that lost zeros, or a village's own code.
            (8, "083085000007".into(), "4".into()),
            // Three digits: a district written by mistake as much as a
            // commune that lost zeros; the store refuses a district.
            (9, "083085000008".into(), "123".into()),
            (10, "083085000009".into(), "1234".into()),
        ]
    );
    assert_eq!(
        warnings,
        vec![
            "2: lines 2 and 3: id lost its leading zeros, put back (83085000001 → 083085000001): format the column as text in the spreadsheet",
            "8: lines 8 and 10: unit_code '4' is read as written: if a spreadsheet dropped its leading zeros (a GSO code has 2, 3 or 5 digits), format the column as text",
        ]
    );
}

#[test]
fn unit_codes_take_their_width_from_the_level_column() {
    let (rows, warnings) = read_all(&quirk("units_lost_zeros.csv"), FileKind::Units, parse_unit);
    let seen: Vec<String> = rows
        .iter()
        .map(|(l, v)| match v {
            Ok(u) => format!(
                "{l}: {} {} under {}",
                u.level,
                u.code,
                u.parent.as_ref().map_or("-", |p| p.as_str())
            ),
            Err(e) => format!("{l}: {e}"),
        })
        .collect();
    assert_eq!(
        seen,
        vec![
            "2: province 01 under -",
            "3: district 001 under 01",
            "4: parent_code: '1' has lost its leading zeros, and a commune's parent may be a province (01) or a district (001): format the column as text",
            "5: commune 00004 under 01",
            "6: village 1-T01 under 00001",
            "7: village 2-T01 under 00004",
            // The shape of a district: as written (the store refuses it).
            "8: village 3-T01 under 837",
        ]
    );
    assert_eq!(
        warnings,
        vec![
            "2: lines 2, 3, 4 and 1 more: code lost its leading zeros, put back (1 → 01): format the column as text in the spreadsheet",
            "3: lines 3, 6 and 7: parent_code lost its leading zeros, put back (1 → 01): format the column as text in the spreadsheet",
        ]
    );
}

#[test]
fn targets_with_day_first_deadlines_and_ambiguous_codes() {
    let (rows, warnings) = read_all(
        &quirk("targets_day_first.csv"),
        FileKind::Targets,
        parse_target,
    );
    assert_eq!(
        refusals(&rows),
        vec!["5: deadline: '31/11/2023' is not a valid date: 11/2023 has 30 days"]
    );
    let t = rows[0].1.as_ref().unwrap();
    assert_eq!(t.deadline.to_string(), "2023-12-15");
    // `1` could be province 01, district 001 or commune 00001: as written.
    assert_eq!(rows[2].1.as_ref().unwrap().unit.as_str(), "1");
    assert_eq!(warnings.len(), 1);
    assert!(warnings[0].starts_with("4: unit_code '1' is read as written"));
}

#[test]
fn contacts_in_any_column_order_below_a_title_with_bad_rows_refused() {
    let (rows, warnings) = read_all(
        &quirk("contacts_excel_vn.csv"),
        FileKind::Contacts,
        parse_contact,
    );
    // Line 1 is a title and line 2 the header; the quoted note of line 9
    // runs onto line 10, so the last row is line 11.
    assert_eq!(
        refusals(&rows),
        vec![
            "6: phone '0900 000 12x' has 'x': write digits, grouped by spaces, dots or dashes if you like (0900 000 123, +84 900 000 123)",
            "7: name is empty",
            "8: email 'e@' is not an address like ten@congan.gov.vn",
            "9: note 'dòng 1\\r\\ndòng 2' is more than one line: put it on one line",
            "11: title is empty",
        ]
    );
    let ok: Vec<_> = rows
        .iter()
        .filter_map(|(l, v)| v.as_ref().ok().map(|c| (*l, c)))
        .collect();
    let seen: Vec<_> = ok
        .iter()
        .map(|(l, c)| {
            (
                *l,
                c.unit.as_str(),
                c.name.as_str(),
                c.title.as_str(),
                c.phone.tel(),
                c.email.as_ref().map(|e| e.as_str()),
                c.note.as_ref().map(|n| n.as_str()),
            )
        })
        .collect();
    assert_eq!(
        seen,
        vec![
            (
                3,
                "28756",
                "Nguyễn Văn A",
                "Trưởng Công an xã",
                "+84900000123".to_string(),
                Some("a.nguyen@congan.bentre.gov.vn"),
                Some("Trực 24/7"),
            ),
            (
                4,
                "28756",
                "Trần Thị B",
                "Phó Công an xã",
                "+84900000124".to_string(),
                None,
                None,
            ),
            (
                5,
                "28759",
                "Lê Văn C",
                "Bí thư Đoàn xã",
                "+84900000125".to_string(),
                None,
                None,
            ),
        ]
    );
    // The phone is shown as written; the one that lost its zero gets it back.
    assert_eq!(ok[1].1.phone.as_written(), "+84 900 000 124");
    assert_eq!(ok[2].1.phone.as_written(), "0900000125");
    assert_eq!(
        warnings,
        vec![
            "5: phone lost its leading zeros, put back (900000125 → 0900000125): format the column as text in the spreadsheet"
        ]
    );
}

#[test]
fn a_byte_order_mark_is_dropped_before_any_kind_of_header() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(FileKind, &str, &str); 10] = [
        (
            FileKind::Units,
            "\"code\",name,level",
            "83,Tỉnh Bến Tre,province",
        ),
        (
            FileKind::Citizens,
            "\"id\",full_name,birth_date,sex,unit_code",
            "083190000002,A,1990-07-01,F,28756",
        ),
        (
            FileKind::Events,
            "event_id,citizen_id,kind,level,at",
            "e1,083190000002,collected,1,20/08/2023 19:30",
        ),
        (
            FileKind::Status,
            "citizen_id;level;collected_at;approved_at;activated_at;used_at",
            "083190000002;1;20/08/2023;;;",
        ),
        (
            FileKind::Targets,
            "unit_code,metric,value,deadline",
            "83,used,5,15/12/2023",
        ),
        (
            FileKind::Contacts,
            "\"unit_code\",name,title,phone",
            "28756,Nguyễn Văn A,Trưởng Công an xã,0900 000 123",
        ),
        (
            FileKind::Users,
            "username,full_name,role,\"unit_code\"",
            "ca.phukhuong,Nguyễn Văn A,team,28756",
        ),
        (
            FileKind::Teams,
            "team_id;name;\"unit_code\";police",
            "T1;Tổ 1;28756;2",
        ),
        (
            FileKind::Sessions,
            "session_id,team_id,unit_code,place,kind,start,end",
            "S1,T1,28756,Trụ sở,office,09/09/2023 19:00,09/09/2023 21:00",
        ),
        (
            FileKind::Visits,
            "visit_id;citizen_id;outcome;\"at\"",
            "v1;083190000002;not-home;09/09/2023 20:10",
        ),
    ];
    for (kind, header, row) in cases {
        let p = dir.path().join(format!("{}.csv", kind.name()));
        std::fs::write(&p, format!("\u{feff}{header}\r\n{row}\r\n")).unwrap();
        let lines: Vec<(u64, bool)> = match kind {
            FileKind::Units => read_all(&p, kind, parse_unit)
                .0
                .iter()
                .map(|r| (r.0, r.1.is_ok()))
                .collect(),
            FileKind::Citizens => read_all(&p, kind, parse_citizen)
                .0
                .iter()
                .map(|r| (r.0, r.1.is_ok()))
                .collect(),
            FileKind::Events => read_all(&p, kind, parse_event)
                .0
                .iter()
                .map(|r| (r.0, r.1.is_ok()))
                .collect(),
            FileKind::Status => read_all(&p, kind, parse_status)
                .0
                .iter()
                .map(|r| (r.0, r.1.is_ok()))
                .collect(),
            FileKind::Targets => read_all(&p, kind, parse_target)
                .0
                .iter()
                .map(|r| (r.0, r.1.is_ok()))
                .collect(),
            FileKind::Contacts => read_all(&p, kind, parse_contact)
                .0
                .iter()
                .map(|r| (r.0, r.1.is_ok()))
                .collect(),
            FileKind::Users => read_all(&p, kind, parse_user)
                .0
                .iter()
                .map(|r| (r.0, r.1.is_ok()))
                .collect(),
            FileKind::Teams => read_all(&p, kind, parse_team)
                .0
                .iter()
                .map(|r| (r.0, r.1.is_ok()))
                .collect(),
            FileKind::Sessions => read_all(&p, kind, parse_session)
                .0
                .iter()
                .map(|r| (r.0, r.1.is_ok()))
                .collect(),
            FileKind::Visits => read_all(&p, kind, parse_visit)
                .0
                .iter()
                .map(|r| (r.0, r.1.is_ok()))
                .collect(),
        };
        assert_eq!(lines, vec![(2, true)], "{kind:?}");
    }
    // A BOM before a title row, the header below it.
    let p = dir.path().join("titled.csv");
    std::fs::write(
        &p,
        "\u{feff}DANH SÁCH\nunit_code,metric,value,deadline\n83,used,5,2023-12-15\n",
    )
    .unwrap();
    assert_eq!(read_all(&p, FileKind::Targets, parse_target).0[0].0, 3);
}

#[test]
fn quoted_fields_over_several_lines_keep_the_line_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("c.csv");
    std::fs::write(
        &p,
        "id,full_name,birth_date,sex,unit_code,address\r\n\
         083190000002,A,1990-07-01,F,28756,\"one\r\ntwo\r\nthree\"\r\n\
         083190000003,B,1990-07-01,F,28756,\r\n\
         08319000000x,C,1990-07-01,F,28756,\"x\ny\"\n\
         083190000004,,1990-07-01,F,28756,\n",
    )
    .unwrap();
    let (rows, _) = read_all(&p, FileKind::Citizens, parse_citizen);
    let lines: Vec<u64> = rows.iter().map(|r| r.0).collect();
    assert_eq!(lines, vec![2, 5, 6, 8]);
    // A quoted last field keeps its newlines, and loses the CR of the CRLF.
    assert_eq!(
        rows[0].1.as_ref().unwrap().address.as_deref(),
        Some("one\r\ntwo\r\nthree")
    );
    assert!(rows[2].1.as_ref().unwrap_err().contains("08319000000x"));
    // A quote left open at the end of the file (found by the property
    // test): its record still starts on its own line.
    let open = dir.path().join("open.csv");
    std::fs::write(&open, "id,full_name,birth_date,sex,unit_code\n;\n\"\"\"\n").unwrap();
    let (open_rows, _) = read_all(&open, FileKind::Citizens, parse_citizen);
    assert_eq!(open_rows.iter().map(|r| r.0).collect::<Vec<_>>(), [2, 3]);
    assert_eq!(rows[3].1.as_ref().unwrap_err(), "full_name is empty");
}

#[test]
fn blank_rows_are_skipped_wherever_they_are() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("c.csv");
    std::fs::write(
        &p,
        "id,full_name,birth_date,sex,unit_code,,\n\
         \n\
         083190000002,A,1990-07-01,F,28756,,\n\
         ,,,,,,\n\
         \u{a0} , ,\t,,,,\n\
         083190000003,B,1990-07-01,F,28756,,\n\
         ,,,,,,\n\n\n",
    )
    .unwrap();
    let (rows, _) = read_all(&p, FileKind::Citizens, parse_citizen);
    let lines: Vec<(u64, bool)> = rows.iter().map(|r| (r.0, r.1.is_ok())).collect();
    assert_eq!(lines, vec![(3, true), (6, true)]);
}

/// The first data row of the hand-made roster, in `encoding`.
fn encoded(utf16: Option<(bool, bool)>) -> Vec<u8> {
    let text = "id,full_name,birth_date,sex,unit_code\r\n083190000002,Trần Thị Bình,01/07/1990,F,28756\r\n";
    match utf16 {
        None => text.as_bytes().to_vec(),
        Some((little, bom)) => {
            let mut out = Vec::new();
            let units = bom.then_some(0xFEFF).into_iter().chain(text.encode_utf16());
            for u in units {
                out.extend_from_slice(&if little {
                    u.to_le_bytes()
                } else {
                    u.to_be_bytes()
                });
            }
            out
        }
    }
}

#[test]
fn files_that_are_not_utf8_are_refused_whole_with_how_to_save_them() {
    let dir = tempfile::tempdir().unwrap();
    let save = "Open it in Excel and choose File → Save As → \"CSV UTF-8 (Comma delimited) (*.csv)\", then import the new file";
    let utf16le = "the file is not UTF-8 text: it looks like UTF-16 LE (what Excel saves as \"Unicode Text\")";
    let cases: Vec<(&str, Vec<u8>, String)> = vec![
        ("utf16le-bom", encoded(Some((true, true))), format!("{utf16le}. {save}")),
        ("utf16le", encoded(Some((true, false))), format!("{utf16le}. {save}")),
        (
            "utf16be-bom",
            encoded(Some((false, true))),
            format!("the file is not UTF-8 text: it looks like UTF-16 BE. {save}"),
        ),
        (
            "utf16be",
            encoded(Some((false, false))),
            format!("the file is not UTF-8 text: it looks like UTF-16 BE. {save}"),
        ),
        (
            // "Trần Thị Bình" in Windows-1258: â is E2, ầ is â with a
            // combining grave (CC), ị is i with a dot below (F2), ì is EC.
            "windows-1258",
            b"id,full_name,birth_date,sex,unit_code\r\n083190000002,Tr\xE2\xCCn Thi\xF2 Bi\xECnh,01/07/1990,F,28756\r\n".to_vec(),
            format!("the file is not UTF-8 text: it looks like an 8-bit encoding, probably Windows-1258 (Vietnamese Windows), TCVN3 or VNI. {save}"),
        ),
        (
            "garbage",
            (0..4096u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect(),
            "is not a text file: it holds binary data".into(),
        ),
        (
            "workbook",
            b"PK\x03\x04\x14\x00\x06\x00rest of a zip".to_vec(),
            "is an XLSX workbook (or another zip archive), not a CSV file: give it an .xlsx name".into(),
        ),
        (
            "old-excel",
            b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\0\0\0\0".to_vec(),
            "is an Excel 97–2003 workbook (.xls): open it in Excel and save it as an Excel Workbook (*.xlsx) or as CSV UTF-8 (Comma delimited) (*.csv)".into(),
        ),
    ];
    for (name, bytes, want) in cases {
        let p = dir.path().join(format!("{name}.csv"));
        std::fs::write(&p, bytes).unwrap();
        assert_eq!(open_error(&p, FileKind::Citizens), want, "{name}");
    }
    // The same text as UTF-8 is read.
    let p = dir.path().join("utf8.csv");
    std::fs::write(&p, encoded(None)).unwrap();
    assert!(
        read_all(&p, FileKind::Citizens, parse_citizen).0[0]
            .1
            .is_ok()
    );
}

#[test]
fn empty_and_header_only_files() {
    assert_eq!(
        open_error(&quirk("empty.csv"), FileKind::Status),
        "the file is empty (it needs a header row)"
    );
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("blank.csv");
    std::fs::write(&p, "\u{feff}\r\n\r\n  \n").unwrap();
    assert_eq!(
        open_error(&p, FileKind::Status),
        "the file is empty (it needs a header row)"
    );
    // A header alone is a file of no rows, not an error.
    let (rows, warnings) = read_all(&quirk("header_only.csv"), FileKind::Status, parse_status);
    assert!(rows.is_empty() && warnings.is_empty());
    // A header that is not one names what is missing, from the row that
    // came closest.
    let p = dir.path().join("wrong.csv");
    std::fs::write(&p, "DANH SÁCH\ncitizen_id;level;collected_at\n").unwrap();
    assert_eq!(
        open_error(&p, FileKind::Status),
        "missing column(s) approved_at, activated_at, used_at; a status file needs the columns citizen_id,level,collected_at,approved_at,activated_at,used_at"
    );
}

#[test]
fn a_csv_cannot_hold_spreadsheet_date_serials() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("e.csv");
    std::fs::write(
        &p,
        "event_id,citizen_id,kind,level,at\ne1,083190000002,collected,1,45234.8125\n",
    )
    .unwrap();
    let (rows, _) = read_all(&p, FileKind::Events, parse_event);
    assert_eq!(
        rows[0].1.as_ref().unwrap_err(),
        "at: '45234.8125' is not a date: write dd/mm/yyyy (day first) or YYYY-MM-DD (a bare number may be a spreadsheet's date serial: format the column as a date)"
    );
}

#[test]
fn the_refused_rows_file_keeps_the_separator_and_the_header() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("refused.csv");
    let refused = [Refusal {
        line: 7,
        reason: "because".into(),
    }];
    phuxanh_ingest::write_refused(
        &quirk("citizens_excel_vn.csv"),
        FileKind::Citizens,
        &refused,
        &out,
    )
    .unwrap();
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        "id,full_name,birth_date,sex,unit_code,household_id,address,phone,refused_line,refused_reason\n\
         083201000003,Lê Văn Cường,01/01/2001,M,28903,H3,,,7,because\n"
    );
}

/// A request body, not a file, keeps the API's formats: a repair has no
/// one to be reported to and is refused, and times are not day first.
#[test]
fn records_not_from_a_file_are_read_strictly() {
    let positions: Vec<Option<usize>> = (0..8).map(Some).collect();
    let event = |id: &str, at: &str| {
        let cells: Vec<String> = ["e1", id, "collected", "1", at, "", "", ""]
            .map(String::from)
            .to_vec();
        parse_event(&Record::from_cells(&positions, &cells), today()).map(|_| ())
    };
    assert_eq!(
        event("83190000002", "2023-08-20 19:30").unwrap_err(),
        "citizen_id: ID '83190000002' is not a 12-digit personal identification number (a leading zero may have been lost: format the column as text)"
    );
    assert!(
        event("083190000002", "20/08/2023 19:30")
            .unwrap_err()
            .starts_with("at: ")
    );
    assert_eq!(event("083190000002", "2023-08-20 19:30"), Ok(()));
}

mod xlsx {
    use super::*;
    use rust_xlsxwriter::{ExcelDateTime, Format, Formula, Workbook, Worksheet};

    const EVENTS: [&str; 5] = ["event_id", "citizen_id", "kind", "level", "at"];

    fn header(sheet: &mut Worksheet, row: u32, names: &[&str]) {
        for (c, h) in names.iter().enumerate() {
            sheet.write_string(row, c as u16, *h).unwrap();
        }
    }

    fn save(book: &mut Workbook, dir: &Path, name: &str) -> PathBuf {
        let p = dir.join(name);
        book.save(&p).unwrap();
        p
    }

    #[test]
    fn the_first_visible_sheet_is_the_data() {
        let dir = tempfile::tempdir().unwrap();
        let mut book = Workbook::new();
        let lookup = book.add_worksheet().set_name("DanhMuc").unwrap();
        lookup.write_string(0, 0, "code").unwrap();
        lookup.set_hidden(true);
        let data = book.add_worksheet().set_name("DuLieu").unwrap();
        // Excel cannot hide the active sheet.
        data.set_active(true);
        header(data, 0, &EVENTS);
        for (c, v) in ["e1", "083190000002", "collected", "1", "2023-08-20 19:30"]
            .iter()
            .enumerate()
        {
            data.write_string(1, c as u16, *v).unwrap();
        }
        let p = save(&mut book, dir.path(), "e.xlsx");
        let (rows, _) = read_all(&p, FileKind::Events, parse_event);
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].0, 2);
        assert!(rows[0].1.is_ok());
    }

    #[test]
    fn title_rows_merged_headers_and_merged_data_cells() {
        let dir = tempfile::tempdir().unwrap();
        let mut book = Workbook::new();
        let s = book.add_worksheet();
        let plain = Format::new();
        // A title merged across the sheet, a blank row, then a two-row
        // header: `citizen_id` and `level` merged over both rows, the
        // stages under a merged "Thời gian" (times).
        s.merge_range(0, 0, 0, 5, "DANH SÁCH THU NHẬN HỒ SƠ", &plain)
            .unwrap();
        s.merge_range(2, 0, 3, 0, "citizen_id", &plain).unwrap();
        s.merge_range(2, 1, 3, 1, "Level", &plain).unwrap();
        s.merge_range(2, 2, 2, 5, "Thời gian", &plain).unwrap();
        header_at(
            s,
            3,
            2,
            &["collected_at", "approved_at", "activated_at", "used_at"],
        );
        // The level merged over the two rows of one citizen.
        s.write_string(4, 0, "083190000002").unwrap();
        s.write_string(5, 0, "083190000003").unwrap();
        s.merge_range(4, 1, 5, 1, "", &plain).unwrap();
        s.write_number(4, 1, 2).unwrap();
        s.write_string(4, 2, "20/08/2023 19:30").unwrap();
        s.write_string(5, 2, "21/08/2023 08:00").unwrap();
        let p = save(&mut book, dir.path(), "s.xlsx");
        let (rows, warnings) = read_all(&p, FileKind::Status, parse_status);
        assert!(warnings.is_empty());
        let seen: Vec<(u64, String, u8)> = rows
            .iter()
            .map(|(l, v)| {
                let e = &v.as_ref().unwrap()[0];
                (*l, e.citizen.to_string(), e.level.number())
            })
            .collect();
        assert_eq!(
            seen,
            vec![(5, "083190000002".into(), 2), (6, "083190000003".into(), 2)]
        );
    }

    #[test]
    fn a_contact_phone_stored_as_a_number_gets_its_zero_back() {
        let dir = tempfile::tempdir().unwrap();
        let mut book = Workbook::new();
        let s = book.add_worksheet();
        header(s, 0, &["unit_code", "name", "title", "phone"]);
        s.write_string(1, 0, "28756").unwrap();
        s.write_string(1, 1, "Nguyễn Văn A").unwrap();
        s.write_string(1, 2, "Trưởng Công an xã").unwrap();
        // 0900000123 typed into a General cell: Excel keeps 900000123.
        s.write_number(1, 3, 900_000_123).unwrap();
        s.write_string(2, 0, "28756").unwrap();
        s.write_string(2, 1, "Trần Thị B").unwrap();
        s.write_string(2, 2, "Phó Công an xã").unwrap();
        s.write_string(2, 3, "0900.000.124").unwrap();
        let p = save(&mut book, dir.path(), "c.xlsx");
        let (rows, warnings) = read_all(&p, FileKind::Contacts, parse_contact);
        let phones: Vec<(u64, String)> = rows
            .iter()
            .map(|(l, v)| (*l, v.as_ref().unwrap().phone.tel()))
            .collect();
        assert_eq!(
            phones,
            vec![(2, "+84900000123".into()), (3, "+84900000124".into())]
        );
        assert_eq!(warnings.len(), 1);
        assert!(
            warnings[0]
                .starts_with("2: phone lost its leading zeros, put back (900000123 → 0900000123)"),
            "{warnings:?}"
        );
    }

    fn header_at(sheet: &mut Worksheet, row: u32, col: u16, names: &[&str]) {
        for (c, h) in names.iter().enumerate() {
            sheet.write_string(row, col + c as u16, *h).unwrap();
        }
    }

    #[test]
    fn formulas_give_their_cached_values_and_errors_say_so() {
        let dir = tempfile::tempdir().unwrap();
        let mut book = Workbook::new();
        let s = book.add_worksheet();
        header(s, 0, &EVENTS);
        for row in 1..=2 {
            s.write_string(row, 0, format!("e{row}")).unwrap();
            s.write_string(row, 2, "collected").unwrap();
            s.write_number(row, 3, 1).unwrap();
            s.write_string(row, 4, "2023-08-20 19:30").unwrap();
        }
        s.write_formula(
            1,
            1,
            Formula::new("=\"0831\"&\"90000002\"").set_result("083190000002"),
        )
        .unwrap();
        s.write_formula(
            2,
            1,
            Formula::new("=VLOOKUP(A3,X:Y,2,0)").set_result("#N/A"),
        )
        .unwrap();
        let p = save(&mut book, dir.path(), "e.xlsx");
        let (rows, _) = read_all(&p, FileKind::Events, parse_event);
        assert_eq!(
            rows[0].1.as_ref().unwrap()[0].citizen.to_string(),
            "083190000002"
        );
        assert!(
            rows[1].1.as_ref().unwrap_err().contains("#N/A"),
            "{:?}",
            rows[1].1
        );
    }

    #[test]
    fn dates_keep_their_seconds_and_never_round_into_the_next_day() {
        let dir = tempfile::tempdir().unwrap();
        let mut book = Workbook::new();
        let s = book.add_worksheet();
        header(s, 0, &EVENTS);
        let fmt = Format::new().set_num_format("dd/mm/yyyy hh:mm:ss");
        let times = [
            ExcelDateTime::from_ymd(2023, 8, 20)
                .unwrap()
                .and_hms(23, 59, 59)
                .unwrap(),
            ExcelDateTime::from_ymd(2023, 8, 20)
                .unwrap()
                .and_hms_milli(23, 59, 59, 999)
                .unwrap(),
            ExcelDateTime::from_ymd(2023, 8, 20)
                .unwrap()
                .and_hms(0, 0, 1)
                .unwrap(),
            ExcelDateTime::from_ymd(2023, 8, 20)
                .unwrap()
                .and_hms(19, 30, 0)
                .unwrap(),
        ];
        for (i, t) in times.iter().enumerate() {
            let row = i as u32 + 1;
            s.write_string(row, 0, format!("e{row}")).unwrap();
            s.write_string(row, 1, "083190000002").unwrap();
            s.write_string(row, 2, "collected").unwrap();
            s.write_number(row, 3, 1).unwrap();
            s.write_datetime_with_format(row, 4, t, &fmt).unwrap();
        }
        let p = save(&mut book, dir.path(), "e.xlsx");
        let (rows, warnings) = read_all(&p, FileKind::Events, parse_event);
        assert!(warnings.is_empty());
        let at: Vec<String> = rows
            .iter()
            .map(|(_, v)| v.as_ref().unwrap()[0].at.to_rfc3339())
            .collect();
        assert_eq!(
            at,
            [
                "2023-08-20T23:59:59+07:00",
                "2023-08-20T23:59:59+07:00",
                "2023-08-20T00:00:01+07:00",
                "2023-08-20T19:30:00+07:00",
            ]
        );
    }

    #[test]
    fn numbers_in_date_columns_are_date_serials_with_a_warning() {
        let dir = tempfile::tempdir().unwrap();
        let mut book = Workbook::new();
        let s = book.add_worksheet();
        header(s, 0, &["id", "full_name", "birth_date", "sex", "unit_code"]);
        let rows = [
            // 31120 is 14/03/1985; a serial with a fraction carries a time.
            ("083085000001", 31120.0),
            ("083085000002", 31120.25),
            // Out of Excel's range of dates: left as a number, refused.
            ("083085000003", 20231104.0),
        ];
        for (i, (id, serial)) in rows.iter().enumerate() {
            let r = i as u32 + 1;
            s.write_string(r, 0, *id).unwrap();
            s.write_string(r, 1, "Nguyễn Văn An").unwrap();
            s.write_number(r, 2, *serial).unwrap();
            s.write_string(r, 3, "M").unwrap();
            // A commune code typed as a number, a text cell with spaces.
            s.write_number(r, 4, 28900).unwrap();
        }
        s.write_string(3, 3, "\u{a0}M ").unwrap();
        let p = save(&mut book, dir.path(), "c.xlsx");
        let (rows, warnings) = read_all(&p, FileKind::Citizens, parse_citizen);
        assert_eq!(
            rows[0].1.as_ref().unwrap().birth_date.to_string(),
            "1985-03-14"
        );
        assert_eq!(
            rows[1].1.as_ref().unwrap_err(),
            "birth_date: '1985-03-14 06:00:00' has a time of day: a date is expected"
        );
        assert!(
            rows[2]
                .1
                .as_ref()
                .unwrap_err()
                .contains("'20231104' is not a date")
        );
        assert_eq!(
            warnings,
            vec![
                "2: lines 2 and 3: birth_date holds a number, read as a spreadsheet date serial (31120 → 1985-03-14): format the column as a date"
            ]
        );
    }

    #[test]
    fn trailing_empty_rows_and_columns_and_numbers_as_text() {
        let dir = tempfile::tempdir().unwrap();
        let mut book = Workbook::new();
        let s = book.add_worksheet();
        // The header starts in B3: nothing in column A or rows 1-2.
        header_at(s, 2, 1, &EVENTS);
        s.write_string(2, 7, "").unwrap();
        let row = [
            "e1",
            "83190000002",
            "collected",
            "2",
            " 20/08/2023 19:30\u{a0}",
        ];
        for (c, v) in row.iter().enumerate() {
            s.write_string(3, 1 + c as u16, *v).unwrap();
        }
        // Rows of empty strings and spaces, and a formatted empty cell far
        // below and to the right.
        s.write_string(4, 1, "").unwrap();
        s.write_string(5, 2, "   ").unwrap();
        s.write_blank(40, 20, &Format::new().set_bold()).unwrap();
        let p = save(&mut book, dir.path(), "e.xlsx");
        let (rows, warnings) = read_all(&p, FileKind::Events, parse_event);
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].0, 4);
        let e = &rows[0].1.as_ref().unwrap()[0];
        assert_eq!(e.citizen.to_string(), "083190000002");
        assert_eq!(e.at.to_rfc3339(), "2023-08-20T19:30:00+07:00");
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].starts_with("4: citizen_id lost its leading zeros"));
    }

    #[test]
    fn workbooks_that_cannot_be_read_say_why() {
        let dir = tempfile::tempdir().unwrap();
        let mut book = Workbook::new();
        book.add_worksheet();
        let p = save(&mut book, dir.path(), "empty.xlsx");
        assert_eq!(
            open_error(&p, FileKind::Citizens),
            "the file is empty (it needs a header row)"
        );
        let p = dir.path().join("text.xlsx");
        std::fs::write(&p, "id,full_name\n").unwrap();
        assert_eq!(
            open_error(&p, FileKind::Citizens),
            "is not an XLSX workbook: it is text, perhaps CSV; give a CSV file a .csv name"
        );
        let p = dir.path().join("empty0.xlsx");
        std::fs::write(&p, "").unwrap();
        assert_eq!(
            open_error(&p, FileKind::Citizens),
            "the file is empty (it needs a header row)"
        );
    }

    #[test]
    fn header_rows_only_is_no_rows() {
        let dir = tempfile::tempdir().unwrap();
        let mut book = Workbook::new();
        header(book.add_worksheet(), 0, &EVENTS);
        let p = save(&mut book, dir.path(), "e.xlsx");
        let (rows, _) = read_all(&p, FileKind::Events, parse_event);
        assert!(rows.is_empty());
    }

    #[test]
    fn the_refused_rows_file_of_a_workbook_uses_its_rows() {
        let dir = tempfile::tempdir().unwrap();
        let mut book = Workbook::new();
        let s = book.add_worksheet();
        s.write_string(0, 0, "DANH SÁCH").unwrap();
        header(s, 1, &EVENTS);
        for (c, v) in ["e1", "x", "collected", "1", "2023-08-20 19:30"]
            .iter()
            .enumerate()
        {
            s.write_string(2, c as u16, *v).unwrap();
        }
        let p = save(&mut book, dir.path(), "e.xlsx");
        let out = dir.path().join("refused.csv");
        let refused = [Refusal {
            line: 3,
            reason: "bad".into(),
        }];
        phuxanh_ingest::write_refused(&p, FileKind::Events, &refused, &out).unwrap();
        assert_eq!(
            std::fs::read_to_string(&out).unwrap(),
            "event_id,citizen_id,kind,level,at,refused_line,refused_reason\n\
             e1,x,collected,1,2023-08-20 19:30,3,bad\n"
        );
    }
}

/// `kind` and the checks that a warning's quirk is public API.
#[test]
fn warnings_are_typed() {
    let (_, warnings) = {
        let mut reader = read(
            &quirk("status_excel_vn.csv"),
            FileKind::Status,
            parse_status,
            today(),
        )
        .unwrap();
        let n = reader.by_ref().count();
        (n, reader.warnings().to_vec())
    };
    assert_eq!(warnings[0].quirk(), Quirk::ZerosRestored);
    assert_eq!(warnings[0].column(), "citizen_id");
    assert_eq!(warnings[0].count(), 3);
}

#[test]
fn open_errors_are_ingest_errors() {
    assert!(matches!(
        read(&quirk("empty.csv"), FileKind::Units, parse_unit, today()),
        Err(IngestError::Empty { .. })
    ));
}

/// A parser that panics on the second row.
fn panics_on_the_second_row(rec: &Record<'_>, _today: Day) -> Result<(), String> {
    assert_ne!(rec.get(0), "e2", "a bug in a parser");
    Ok(())
}

#[test]
fn a_panic_on_the_reader_thread_is_not_the_end_of_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("e.csv");
    std::fs::write(
        &p,
        "event_id,citizen_id,kind,level,at\ne1,x,x,x,x\ne2,x,x,x,x\ne3,x,x,x,x\n",
    )
    .unwrap();
    let reader = read(&p, FileKind::Events, panics_on_the_second_row, today()).unwrap();
    // Were it taken for the end of the file, an import would commit the
    // first row alone.
    let counted = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| reader.count()));
    assert!(counted.is_err());
}
