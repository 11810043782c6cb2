//! Generated garbage fed to the readers: no panic (a panic on the reader
//! thread is passed on to the consumer, so it fails here), every refusal a
//! reason, and the line numbers of a file's rows in order.

use phuxanh_domain::Day;
use phuxanh_ingest::{FileKind, parse_citizen, parse_event, parse_status, read};
use proptest::prelude::*;

/// Bytes that look like CSV more often than not: separators, quotes,
/// newlines, digits, dates and Vietnamese letters among random bytes.
fn csvish() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        Just(b",".to_vec()),
        Just(b";".to_vec()),
        Just(b"\"".to_vec()),
        Just(b"\n".to_vec()),
        Just(b"\r\n".to_vec()),
        Just("Đặng Thị Hoa".as_bytes().to_vec()),
        Just(b"083190000002".to_vec()),
        Just(b"83190000002".to_vec()),
        Just(b"31/02/2023 08:00".to_vec()),
        Just(b"2023-08-20 19:30".to_vec()),
        Just(b"\xEF\xBB\xBF".to_vec()),
        "[0-9A-Za-z /:.+-]{1,6}".prop_map(String::into_bytes),
        proptest::collection::vec(any::<u8>(), 1..4),
    ];
    proptest::collection::vec(piece, 0..60).prop_map(|p| p.concat())
}

/// Each row's line and reason, if refused.
type Lines = Vec<(u64, Option<String>)>;

const HEADERS: [&str; 4] = [
    "",
    "id,full_name,birth_date,sex,unit_code\n",
    "event_id;citizen_id;kind;level;at\r\n",
    "citizen_id,level,collected_at,approved_at,activated_at,used_at\n",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn garbage_csv_is_refused_with_reasons_never_a_panic(
        header in proptest::sample::select(&HEADERS[..]),
        body in csvish(),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.csv");
        let mut bytes = header.as_bytes().to_vec();
        bytes.extend_from_slice(&body);
        std::fs::write(&path, &bytes).unwrap();
        let today: Day = "2026-01-01".parse().unwrap();
        let results: Vec<Result<Lines, String>> = vec![
            read(&path, FileKind::Citizens, parse_citizen, today)
                .map(|r| r.map(|row| (row.line, row.value.err())).collect())
                .map_err(|e| e.to_string()),
            read(&path, FileKind::Events, parse_event, today)
                .map(|r| r.map(|row| (row.line, row.value.err())).collect())
                .map_err(|e| e.to_string()),
            read(&path, FileKind::Status, parse_status, today)
                .map(|r| r.map(|row| (row.line, row.value.err())).collect())
                .map_err(|e| e.to_string()),
        ];
        let lines = bytes.iter().filter(|&&b| b == b'\n').count() as u64 + 1;
        for result in results {
            match result {
                Err(e) => prop_assert!(e.starts_with(&path.display().to_string()) && e.len() > path.display().to_string().len() + 10, "{}", e),
                Ok(rows) => {
                    for w in rows.windows(2) {
                        prop_assert!(w[0].0 < w[1].0, "lines out of order: {:?}", rows);
                    }
                    for (line, reason) in rows {
                        prop_assert!((2..=lines).contains(&line), "line {} of {}", line, lines);
                        if let Some(reason) = reason {
                            prop_assert!(reason.len() > 5, "{}", reason);
                        }
                    }
                }
            }
        }
    }
}
