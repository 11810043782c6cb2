//! What a file is, from its first bytes: UTF-8 text, or something to refuse
//! as a whole with one message — UTF-16 (Excel's "Unicode Text"), an 8-bit
//! encoding such as Windows-1258, a workbook under a `.csv` name, binary
//! data — rather than one refused row per line.

use std::io::Read as _;
use std::path::Path;

use crate::IngestError;

const ZIP: &[u8] = b"PK\x03\x04";
const OLE: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";

/// Checks the start of a CSV file, `head`; `truncated` when the file goes
/// on after it.
pub(crate) fn check_text(path: &Path, head: &[u8], truncated: bool) -> Result<(), IngestError> {
    let not_text = |reason: &str| IngestError::NotText {
        path: path.to_owned(),
        reason: reason.to_owned(),
    };
    let encoding = |found: &'static str| IngestError::Encoding {
        path: path.to_owned(),
        found,
    };
    let text = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    if !truncated && text.iter().all(u8::is_ascii_whitespace) {
        return Err(IngestError::Empty {
            path: path.to_owned(),
        });
    }
    if head.starts_with(b"\xFF\xFE\0\0") || head.starts_with(b"\0\0\xFE\xFF") {
        return Err(encoding("UTF-32"));
    }
    if head.starts_with(b"\xFF\xFE") {
        return Err(encoding("UTF-16 LE (what Excel saves as \"Unicode Text\")"));
    }
    if head.starts_with(b"\xFE\xFF") {
        return Err(encoding("UTF-16 BE"));
    }
    if head.starts_with(ZIP) {
        return Err(not_text(
            "is an XLSX workbook (or another zip archive), not a CSV file: give it an .xlsx name",
        ));
    }
    if head.starts_with(OLE) {
        return Err(not_text(OLD_EXCEL));
    }
    // UTF-16 without a byte-order mark: text in the Latin range has a zero
    // byte beside every character, after it (LE) or before it (BE).
    let zeros = |parity: usize| {
        head.iter()
            .skip(parity)
            .step_by(2)
            .filter(|&&b| b == 0)
            .count()
    };
    let (even, odd) = (zeros(0), zeros(1));
    let half = head.len() / 2;
    if odd * 2 > half && even * 8 < half {
        return Err(encoding("UTF-16 LE (what Excel saves as \"Unicode Text\")"));
    }
    if even * 2 > half && odd * 8 < half {
        return Err(encoding("UTF-16 BE"));
    }
    let control = text
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0C | 0x1A))
        .count();
    if control > 0 && control * 100 >= text.len().max(1) {
        return Err(not_text("is not a text file: it holds binary data"));
    }
    if text.contains(&b'\r') && !text.contains(&b'\n') {
        return Err(not_text(
            "ends its lines with CR alone (CSV for classic Mac OS): save it as CSV UTF-8 (Comma delimited) (*.csv)",
        ));
    }
    match std::str::from_utf8(text) {
        Ok(_) => Ok(()),
        // A character cut by the end of what was read.
        Err(e) if e.error_len().is_none() && truncated => Ok(()),
        Err(_) => Err(encoding(
            "an 8-bit encoding, probably Windows-1258 (Vietnamese Windows), TCVN3 or VNI",
        )),
    }
}

const OLD_EXCEL: &str = "is an Excel 97–2003 workbook (.xls): open it in Excel and save it as an Excel Workbook (*.xlsx) or as CSV UTF-8 (Comma delimited) (*.csv)";

/// Checks that an `.xlsx` file is a zip archive before calamine reads it,
/// to say what it is instead.
pub(crate) fn check_workbook(path: &Path) -> Result<(), IngestError> {
    let mut head = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(512).read_to_end(&mut head))
        .map_err(|source| IngestError::Open {
            path: path.to_owned(),
            source,
        })?;
    let not_text = |reason: &str| IngestError::NotText {
        path: path.to_owned(),
        reason: reason.to_owned(),
    };
    if head.is_empty() {
        Err(IngestError::Empty {
            path: path.to_owned(),
        })
    } else if head.starts_with(ZIP) {
        Ok(())
    } else if head.starts_with(OLE) {
        Err(not_text(OLD_EXCEL))
    } else if std::str::from_utf8(&head).is_ok() {
        Err(not_text(
            "is not an XLSX workbook: it is text, perhaps CSV; give a CSV file a .csv name",
        ))
    } else {
        Err(not_text("is not an XLSX workbook"))
    }
}
