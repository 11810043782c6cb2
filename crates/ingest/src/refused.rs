//! `--skip-invalid` output: the refused rows as they were in the input,
//! with the line and the reason added, so they can be fixed and imported
//! again on their own.

use std::collections::HashMap;
use std::path::Path;

use calamine::Reader as _;
use phuxanh_store::Refusal;

use crate::IngestError;
use crate::kinds::FileKind;

fn io_err(path: &Path, e: impl ToString) -> IngestError {
    IngestError::Open {
        path: path.to_owned(),
        source: std::io::Error::other(e.to_string()),
    }
}

/// Writes `refused` rows of `input` to the CSV file `out`: the original
/// columns, then `refused_line` and `refused_reason`.
pub fn write_refused(
    input: &Path,
    _kind: FileKind,
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
        let mut book = calamine::open_workbook_auto(input).map_err(|e| io_err(input, e))?;
        let range = book
            .worksheet_range_at(0)
            .ok_or_else(|| io_err(input, "no sheet"))?
            .map_err(|e| io_err(input, e))?;
        for (i, row) in range.rows().enumerate() {
            let line = i as u64 + 1;
            let cells: Vec<String> = row.iter().map(|c| c.to_string()).collect();
            if i == 0 {
                write(cells, None, "refused_reason")?;
            } else if let Some(reason) = reasons.get(&line) {
                write(cells, Some(line), reason)?;
            }
        }
    } else {
        let mut r = csv::ReaderBuilder::new()
            .flexible(true)
            .has_headers(false)
            .from_path(input)
            .map_err(|e| io_err(input, e))?;
        let mut record = csv::ByteRecord::new();
        let mut first = true;
        while r
            .read_byte_record(&mut record)
            .map_err(|e| io_err(input, e))?
        {
            let line = record.position().map_or(0, |p| p.line());
            let cells: Vec<String> = record
                .iter()
                .map(|f| String::from_utf8_lossy(f).into_owned())
                .collect();
            if first {
                first = false;
                write(cells, None, "refused_reason")?;
            } else if let Some(reason) = reasons.get(&line) {
                write(cells, Some(line), reason)?;
            }
        }
    }
    w.flush().map_err(|e| io_err(out, e))?;
    Ok(())
}
