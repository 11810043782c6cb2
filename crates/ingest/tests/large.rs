//! A large CSV file streams: rows arrive while most of the file is still
//! unread, and memory stays bounded whatever the size. CI runs 50 MB; the
//! 1 GB variant is ignored by default:
//!
//! ```sh
//! cargo test --release -p phuxanh-ingest --test large -- --ignored
//! ```

use std::io::{BufWriter, Write as _};
use std::path::Path;
use std::time::Duration;

use phuxanh_domain::Day;
use phuxanh_ingest::{FileKind, Record, read};

const ROW: &str = "083190000002,Trần Thị Bình,1990-07-01,F,28756\n";

/// Writes a roster of about `size` bytes; returns its data rows.
fn write_roster(path: &Path, size: u64) -> u64 {
    let mut w = BufWriter::new(std::fs::File::create(path).unwrap());
    w.write_all(b"id,full_name,birth_date,sex,unit_code\n")
        .unwrap();
    let rows = size / ROW.len() as u64;
    for _ in 0..rows {
        w.write_all(ROW.as_bytes()).unwrap();
    }
    w.flush().unwrap();
    rows
}

/// A parser that only looks at the record, so that the test measures the
/// reading, not the parsing.
fn id_length(rec: &Record<'_>, _today: Day) -> Result<usize, String> {
    Ok(rec.get(0).len())
}

/// The process's peak resident memory, in bytes (Linux).
fn peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

fn streams(size: u64, max_rss: u64) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("roster.csv");
    let rows = write_roster(&path, size);
    let mut reader = read(&path, FileKind::Citizens, id_length, Day::today()).unwrap();
    let first = reader.next().unwrap();
    assert_eq!((first.line, first.value), (2, Ok(12)));
    // The reader thread may run ahead of its consumer by the channel's few
    // batches of rows, no more: given time, it has still read a few MB.
    std::thread::sleep(Duration::from_millis(300));
    let (done, total) = reader.progress();
    assert!(total >= size - ROW.len() as u64, "{total}");
    assert!(
        done < 8 << 20,
        "read {done} of {total} bytes before the first rows were taken"
    );
    let mut n = 1;
    let mut last = 0;
    for row in reader.by_ref() {
        assert_eq!(row.value, Ok(12));
        last = row.line;
        n += 1;
    }
    assert_eq!(n, rows);
    assert_eq!(last, rows + 1);
    assert!(reader.warnings().is_empty());
    if let Some(peak) = peak_rss() {
        assert!(
            peak < max_rss,
            "peak memory {peak} bytes for a {size}-byte file"
        );
    }
}

#[test]
fn a_50_mb_csv_streams_in_bounded_memory() {
    streams(50 << 20, 40 << 20);
}

#[test]
#[ignore = "writes and reads 1 GB; run with --release -- --ignored"]
fn a_1_gb_csv_streams_in_bounded_memory() {
    streams(1 << 30, 64 << 20);
}
