//! `--skip-invalid` output: the refused rows as they were in the input,
//! with the line and the reason added, so they can be fixed and imported
//! again on their own.

use std::collections::HashMap;
use std::path::Path;

use phuxanh_store::Refusal;

use crate::kinds::FileKind;
use crate::{IngestError, source};

fn io_err(path: &Path, e: impl ToString) -> IngestError {
    IngestError::Open {
        path: path.to_owned(),
        source: std::io::Error::other(e.to_string()),
    }
}

/// Writes `refused` rows of `input` to the CSV file `out`: the header row
/// and the refused rows as the input has them (found as the reader found
/// them: same separator, sheet and header row), then `refused_line` and
/// `refused_reason`.
pub fn write_refused(
    input: &Path,
    kind: FileKind,
    refused: &[Refusal],
    out: &Path,
) -> Result<(), IngestError> {
    let reasons: HashMap<u64, &str> = refused
        .iter()
        .map(|r| (r.line, r.reason.as_str()))
        .collect();
    let mut w = csv::Writer::from_path(out).map_err(|e| io_err(out, e))?;
    let is_xlsx = input
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"));
    let mut write = |mut cells: Vec<String>, line: Option<u64>, reason: &str| {
        cells.push(line.map_or("refused_line".into(), |l| l.to_string()));
        cells.push(reason.to_owned());
        w.write_record(&cells).map_err(|e| io_err(out, e))
    };
    if is_xlsx {
        let (range, _) = source::xlsx_sheet(input)?;
        let (_, first) = source::xlsx_header(input, kind, &range)?;
        let row0 = source::first_row(&range);
        for (i, row) in range.rows().enumerate() {
            let line = row0 + i as u64;
            let cells = || row.iter().map(source::cell_text).collect();
            if i + 1 == first {
                write(cells(), None, "refused_reason")?;
            } else if let Some(reason) = reasons.get(&line).filter(|_| i >= first) {
                write(cells(), Some(line), reason)?;
            }
        }
    } else {
        let dialect = source::Dialect::sniff(input, kind)?;
        let mut r = dialect.reader(input)?;
        let mut record = csv::ByteRecord::new();
        let mut index = 0;
        loop {
            let before = r.position().line();
            if !r
                .read_byte_record(&mut record)
                .map_err(|e| io_err(input, e))?
            {
                break;
            }
            let line = dialect.lines.start(before, r.position(), record.as_slice());
            let cells = || {
                let mut cells: Vec<String> = record
                    .iter()
                    .map(|f| String::from_utf8_lossy(f).into_owned())
                    .collect();
                // The CR of a CRLF line ending stays with the last field.
                if let Some(last) = cells.last_mut().filter(|c| c.ends_with('\r')) {
                    last.pop();
                }
                cells
            };
            if index == dialect.skip {
                write(cells(), None, "refused_reason")?;
            } else if let Some(reason) = reasons.get(&line).filter(|_| index > dialect.skip) {
                write(cells(), Some(line), reason)?;
            }
            index += 1;
        }
    }
    w.flush().map_err(|e| io_err(out, e))?;
    Ok(())
}
