//! The two file formats behind one interface: records with their line
//! numbers and fields found by column name, after the quirks of files as
//! offices send them (README, "Spreadsheet quirks that are accepted"):
//! the header found among the first rows, `,` or `;` as separator, a
//! byte-order mark, the first visible sheet, merged cells, numbers in date
//! columns. A file that is not UTF-8 text is refused as a whole.

use std::cell::RefCell;
use std::fs::File;
use std::io::{BufReader, Read as _, Seek as _, SeekFrom};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use calamine::{
    Data, DataType as _, ExcelDateTime, ExcelDateTimeType, Range, Reader as _, SheetType,
    SheetVisible, Xlsx,
};

use crate::IngestError;
use crate::kinds::FileKind;
use crate::warnings::{Quirk, Warnings};

/// How many rows from the top the header row may be (title rows above it).
const HEADER_SEARCH: usize = 10;

/// How much of a CSV file is looked at to tell its encoding and separator.
const SNIFF_BYTES: u64 = 64 * 1024;

/// The separators a CSV file may use: `,`, or `;` as Excel writes in a
/// Vietnamese locale.
const SEPARATORS: [u8; 2] = [b',', b';'];

/// One data row, its fields addressed by the position of the column in the
/// kind's column list.
pub struct Record<'a> {
    positions: &'a [Option<usize>],
    values: Values<'a>,
    line: u64,
    warnings: Option<&'a RefCell<Warnings>>,
}

enum Values<'a> {
    Csv(&'a csv::StringRecord),
    Cells(&'a [String]),
}

/// Trims spaces, non-breaking spaces, and the invisible characters that
/// copy and paste leaves (zero-width space, byte-order mark).
fn clean(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}' || c == '\u{200b}')
}

impl<'a> Record<'a> {
    /// The trimmed value of column `col` ("" when absent).
    pub fn get(&self, col: usize) -> &'a str {
        let Some(pos) = self.positions.get(col).copied().flatten() else {
            return "";
        };
        clean(match self.values {
            Values::Csv(r) => r.get(pos).unwrap_or(""),
            Values::Cells(c) => c.get(pos).map_or("", String::as_str),
        })
    }

    /// The value of column `col`, or `None` when empty.
    pub fn optional(&self, col: usize) -> Option<&'a str> {
        Some(self.get(col)).filter(|s| !s.is_empty())
    }

    /// A record over plain strings (tests, API bodies). It is not from a
    /// file, so it is read strictly — dates and times as the command line
    /// and the API take them — and has no line and no one to warn: repairs
    /// are refused.
    pub fn from_cells(positions: &'a [Option<usize>], cells: &'a [String]) -> Record<'a> {
        Record {
            positions,
            values: Values::Cells(cells),
            line: 0,
            warnings: None,
        }
    }

    /// Whether the record comes from a file (and so may hold what files
    /// hold: day-first dates, repairs reported as warnings).
    pub(crate) fn is_file(&self) -> bool {
        self.warnings.is_some()
    }

    /// Reports a repair of column `col` (an index into the kind's columns);
    /// `example` describes it and is called for the first of its kind only.
    /// Returns false when the record is not from a file, so the repair has
    /// no one to be reported to: the caller then refuses the value.
    pub(crate) fn warn(&self, col: usize, quirk: Quirk, example: impl FnOnce() -> String) -> bool {
        let Some(warnings) = self.warnings else {
            return false;
        };
        warnings.borrow_mut().note(self.line, col, quirk, example);
        true
    }
}

pub(crate) enum Source {
    Csv {
        reader: csv::Reader<BufReader<File>>,
        positions: Vec<Option<usize>>,
        lines: Lines,
        size: u64,
    },
    Xlsx {
        range: Range<Data>,
        /// The relative index of the first row after the header.
        first: usize,
        positions: Vec<Option<usize>>,
        /// (kind column, position) of the date columns.
        dates: Vec<(usize, usize)>,
        is_1904: bool,
    },
}

/// Why a row is not the header: how many of the kind's columns it has, and
/// which required ones it lacks.
struct NotHeader {
    found: usize,
    missing: Vec<&'static str>,
}

/// Where each of the kind's columns is in a candidate header row.
fn locate(
    kind: FileKind,
    header: impl Iterator<Item = String>,
) -> Result<Vec<Option<usize>>, NotHeader> {
    let header: Vec<String> = header.map(|h| clean(&h).to_ascii_lowercase()).collect();
    let columns = kind.columns();
    let positions: Vec<Option<usize>> = columns
        .iter()
        .map(|(name, _)| header.iter().position(|h| h == name))
        .collect();
    let missing: Vec<&str> = columns
        .iter()
        .zip(&positions)
        .filter(|((_, required), pos)| *required && pos.is_none())
        .map(|((name, _), _)| *name)
        .collect();
    if missing.is_empty() {
        Ok(positions)
    } else {
        Err(NotHeader {
            found: positions.iter().flatten().count(),
            missing,
        })
    }
}

/// Keeps the candidate header row that has most of the kind's columns
/// (the first of equals), for the message when none has them all.
fn keep_best(best: &mut Option<NotHeader>, candidate: NotHeader) {
    if best.as_ref().is_none_or(|b| candidate.found > b.found) {
        *best = Some(candidate);
    }
}

fn missing_columns(path: &Path, kind: FileKind, best: Option<NotHeader>) -> IngestError {
    let columns = kind.columns();
    let missing = best.map_or_else(
        || columns.iter().filter(|c| c.1).map(|c| c.0).collect(),
        |b| b.missing,
    );
    IngestError::MissingColumns {
        path: path.to_owned(),
        kind: kind.name(),
        missing: missing.join(", "),
        expected: columns
            .iter()
            .map(|(n, req)| {
                if *req {
                    n.to_string()
                } else {
                    format!("[{n}]")
                }
            })
            .collect::<Vec<_>>()
            .join(","),
    }
}

/// The separator of a CSV file, how many records come before its header,
/// and what it takes to number its lines.
pub(crate) struct Dialect {
    pub separator: u8,
    pub skip: usize,
    pub positions: Vec<Option<usize>>,
    pub lines: Lines,
}

/// Numbers the lines of a CSV file's records. Lines end with `\n` (a `\r`
/// before it is trimmed with the field), so a record's last line is the
/// one before the reader's position after it — unless it is the file's
/// last and has no newline — and its first is that less the newlines
/// quoted inside it. (The csv crate's record positions are taken before
/// the blank lines it skips, so they are not used.) A last record whose
/// final newline was inside an unclosed quote would come out a line early:
/// it cannot start before the reader's position before it.
#[derive(Clone, Copy)]
pub(crate) struct Lines {
    size: u64,
    ends_with_newline: bool,
}

impl Lines {
    /// The line a record starts on, given the reader's line before it,
    /// its position after it and the record's bytes.
    pub(crate) fn start(&self, before: u64, after: &csv::Position, content: &[u8]) -> u64 {
        let terminated = after.byte() < self.size || self.ends_with_newline;
        // Rare, and `contains` is a fast search: count only when needed.
        let inside = if content.contains(&b'\n') {
            content.iter().filter(|&&b| b == b'\n').count() as u64
        } else {
            0
        };
        (after.line() - u64::from(terminated) - inside).max(before)
    }
}

impl Dialect {
    /// Reads the start of a CSV file: refuses it if it is not UTF-8 text,
    /// and finds the separator and the header row — the first of the first
    /// rows that, split by `,` or else `;`, names every required column.
    pub(crate) fn sniff(path: &Path, kind: FileKind) -> Result<Dialect, IngestError> {
        let open_err = |source| IngestError::Open {
            path: path.to_owned(),
            source,
        };
        let mut head = Vec::new();
        let mut file = File::open(path).map_err(open_err)?;
        let size = file.metadata().map_err(open_err)?.len();
        (&mut file)
            .take(SNIFF_BYTES)
            .read_to_end(&mut head)
            .map_err(open_err)?;
        crate::encoding::check_text(path, &head, size > head.len() as u64)?;
        let mut last = [0u8];
        file.seek(SeekFrom::End(-1))
            .and_then(|_| file.read_exact(&mut last))
            .map_err(open_err)?;
        let lines = Lines {
            size,
            ends_with_newline: last[0] == b'\n',
        };
        let mut best = None;
        for separator in SEPARATORS {
            let mut reader = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .delimiter(separator)
                .terminator(csv::Terminator::Any(b'\n'))
                .from_reader(head.as_slice());
            for (skip, record) in reader.byte_records().take(HEADER_SEARCH).enumerate() {
                let Ok(record) = record else { break };
                let names = record
                    .iter()
                    .map(|h| String::from_utf8_lossy(h).into_owned());
                match locate(kind, names) {
                    Ok(positions) => {
                        return Ok(Dialect {
                            separator,
                            skip,
                            positions,
                            lines,
                        });
                    }
                    Err(not) => keep_best(&mut best, not),
                }
            }
        }
        Err(missing_columns(path, kind, best))
    }

    /// A CSV reader of `path` in this dialect, at the start of the file.
    pub(crate) fn reader(&self, path: &Path) -> Result<csv::Reader<BufReader<File>>, IngestError> {
        let file = File::open(path).map_err(|source| IngestError::Open {
            path: path.to_owned(),
            source,
        })?;
        Ok(csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(self.separator)
            .terminator(csv::Terminator::Any(b'\n'))
            .from_reader(BufReader::with_capacity(1 << 20, file)))
    }
}

/// The sheet of a workbook that holds the data, its merged cells filled
/// in, and whether the workbook counts dates from 1904 (old Mac Excel).
pub(crate) fn xlsx_sheet(path: &Path) -> Result<(Range<Data>, bool), IngestError> {
    let bad = |reason: String| IngestError::Spreadsheet {
        path: path.to_owned(),
        reason,
    };
    crate::encoding::check_workbook(path)?;
    let mut book: Xlsx<BufReader<File>> =
        calamine::open_workbook(path).map_err(|e: calamine::XlsxError| bad(e.to_string()))?;
    // The first sheet the user can see: a hidden sheet is usually a lookup
    // table or a leftover, never what was meant to be imported.
    let name = book
        .sheets_metadata()
        .iter()
        .find(|s| s.typ == SheetType::WorkSheet && s.visible == SheetVisible::Visible)
        .map(|s| s.name.clone())
        .ok_or_else(|| bad("it has no visible worksheet".into()))?;
    let mut range = book
        .worksheet_range(&name)
        .map_err(|e| bad(e.to_string()))?;
    let merged = book
        .merge_cells_by_sheet_name(&name)
        .map_err(|e| bad(e.to_string()))?;
    fill_merged(&mut range, &merged);
    Ok((range, book.has_1904_epoch()))
}

/// The spreadsheet row number (from 1) of a range's first row.
pub(crate) fn first_row(range: &Range<Data>) -> u64 {
    range.start().map_or(1, |(row, _)| u64::from(row) + 1)
}

/// Gives every cell of a merged region the value of its top-left cell, as
/// the user sees it (a commune's code merged over its citizens' rows).
fn fill_merged(range: &mut Range<Data>, merged: &[calamine::Dimensions]) {
    let (Some(start), Some(end)) = (range.start(), range.end()) else {
        return;
    };
    for m in merged {
        // A region larger than this is a formatting accident, not data.
        if m.len() > 1_000_000 {
            continue;
        }
        let Some(value) = range.get_value(m.start).filter(|v| !v.is_empty()).cloned() else {
            continue;
        };
        for row in m.start.0.max(start.0)..=m.end.0.min(end.0) {
            for col in m.start.1.max(start.1)..=m.end.1.min(end.1) {
                if (row, col) != m.start {
                    range.set_value((row, col), value.clone());
                }
            }
        }
    }
}

/// The header of a sheet: the first of the first rows that names every
/// required column, alone or with the row below it (a two-row header,
/// whose lower row names the columns under a merged title). Returns the
/// positions and the relative index of the first data row.
pub(crate) fn xlsx_header(
    path: &Path,
    kind: FileKind,
    range: &Range<Data>,
) -> Result<(Vec<Option<usize>>, usize), IngestError> {
    let rows: Vec<&[Data]> = range.rows().take(HEADER_SEARCH + 1).collect();
    let mut best = None;
    for r in 0..rows.len().min(HEADER_SEARCH) {
        let one = rows[r].iter().map(cell_text);
        match locate(kind, one) {
            Ok(positions) => return Ok((positions, r + 1)),
            Err(not) => keep_best(&mut best, not),
        }
        let Some(below) = rows.get(r + 1) else { break };
        let two = rows[r].iter().zip(below.iter()).map(|(up, down)| {
            let down = cell_text(down);
            if clean(&down).is_empty() {
                cell_text(up)
            } else {
                down
            }
        });
        if let Ok(positions) = locate(kind, two) {
            return Ok((positions, r + 2));
        }
    }
    if rows.is_empty() {
        return Err(IngestError::Empty {
            path: path.to_owned(),
        });
    }
    Err(missing_columns(path, kind, best))
}

impl Source {
    pub(crate) fn open(path: &Path, kind: FileKind) -> Result<Source, IngestError> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match ext.as_deref() {
            Some("csv") => Self::open_csv(path, kind),
            Some("xlsx") => Self::open_xlsx(path, kind),
            _ => Err(IngestError::UnknownFormat {
                path: path.to_owned(),
            }),
        }
    }

    fn open_csv(path: &Path, kind: FileKind) -> Result<Source, IngestError> {
        let dialect = Dialect::sniff(path, kind)?;
        let mut reader = dialect.reader(path)?;
        let size = reader.get_ref().get_ref().metadata().map_or(0, |m| m.len());
        let mut skipped = csv::ByteRecord::new();
        for _ in 0..=dialect.skip {
            // The sniffed rows read again; an error here would have stopped
            // the sniffing first.
            let _ = reader.read_byte_record(&mut skipped);
        }
        Ok(Source::Csv {
            reader,
            positions: dialect.positions,
            lines: dialect.lines,
            size,
        })
    }

    fn open_xlsx(path: &Path, kind: FileKind) -> Result<Source, IngestError> {
        let (range, is_1904) = xlsx_sheet(path)?;
        let (positions, first) = xlsx_header(path, kind, &range)?;
        let dates = (0..kind.columns().len())
            .filter(|&col| kind.is_date(col))
            .filter_map(|col| positions[col].map(|pos| (col, pos)))
            .collect();
        Ok(Source::Xlsx {
            range,
            first,
            positions,
            dates,
            is_1904,
        })
    }

    /// Bytes (CSV) or rows (XLSX) to read.
    pub(crate) fn total(&self) -> u64 {
        match self {
            Source::Csv { size, .. } => *size,
            Source::Xlsx { range, first, .. } => range.height().saturating_sub(*first) as u64,
        }
    }

    /// Calls `f` with each data row's line number and record, until it
    /// returns false. Blank rows (every cell empty or spaces) are skipped.
    pub(crate) fn for_each(
        &mut self,
        mut f: impl FnMut(u64, Result<Record<'_>, String>) -> bool,
        warnings: &RefCell<Warnings>,
        progress: &AtomicU64,
    ) {
        match self {
            Source::Csv {
                reader,
                positions,
                lines,
                ..
            } => {
                let mut record = csv::StringRecord::new();
                let mut n = 0u64;
                loop {
                    let line = reader.position().line();
                    match reader.read_record(&mut record) {
                        Ok(false) => break,
                        Ok(true) => {
                            let line =
                                lines.start(line, reader.position(), record.as_slice().as_bytes());
                            if record.iter().all(|f| clean(f).is_empty()) {
                                continue;
                            }
                            let r = Record {
                                positions,
                                values: Values::Csv(&record),
                                line,
                                warnings: Some(warnings),
                            };
                            if !f(line, Ok(r)) {
                                break;
                            }
                        }
                        Err(e) => {
                            let line = e.position().map_or(line, |p| p.line());
                            let reason = match e.kind() {
                                csv::ErrorKind::Utf8 { .. } => {
                                    "not valid UTF-8: save the file as CSV UTF-8".to_string()
                                }
                                _ => format!("cannot read the row: {e}"),
                            };
                            let fatal = matches!(e.kind(), csv::ErrorKind::Io(_));
                            if !f(line, Err(reason)) || fatal {
                                break;
                            }
                        }
                    }
                    n += 1;
                    if n.is_multiple_of(1024) {
                        progress.store(reader.position().byte(), Ordering::Relaxed);
                    }
                }
            }
            Source::Xlsx {
                range,
                first,
                positions,
                dates,
                is_1904,
            } => {
                let row0 = first_row(range);
                let mut cells: Vec<String> = Vec::new();
                for (i, row) in range.rows().enumerate().skip(*first) {
                    cells.clear();
                    cells.extend(row.iter().map(cell_text));
                    if cells.iter().all(|c| clean(c).is_empty()) {
                        continue;
                    }
                    // Line numbers are the spreadsheet's row numbers.
                    let line = row0 + i as u64;
                    for &(col, pos) in dates.iter() {
                        if let Some(date) = row.get(pos).and_then(|c| serial_date(c, *is_1904)) {
                            let number = std::mem::replace(&mut cells[pos], date);
                            warnings
                                .borrow_mut()
                                .note(line, col, Quirk::DateSerial, || {
                                    format!("{number} → {}", cells[pos])
                                });
                        }
                    }
                    let r = Record {
                        positions,
                        values: Values::Cells(&cells),
                        line,
                        warnings: Some(warnings),
                    };
                    if !f(line, Ok(r)) {
                        break;
                    }
                    progress.store((i - *first) as u64 + 1, Ordering::Relaxed);
                }
            }
        }
    }
}

/// A number typed in a date column, as the date it is the serial of in the
/// workbook's date system, or `None` if it is no number or out of Excel's
/// range of dates.
fn serial_date(cell: &Data, is_1904: bool) -> Option<String> {
    let serial = match cell {
        Data::Float(f) => *f,
        Data::Int(i) => *i as f64,
        _ => return None,
    };
    (1.0..2_958_466.0).contains(&serial).then(|| {
        excel_datetime(&ExcelDateTime::new(
            serial,
            ExcelDateTimeType::DateTime,
            is_1904,
        ))
    })
}

/// A spreadsheet cell as text. Whole numbers lose their `.0`; IDs and codes
/// typed as numbers get back their leading zeros later, where the column is
/// known. Dates become `YYYY-MM-DD` (with ` HH:MM:SS` if they carry a time).
pub(crate) fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) => excel_datetime(dt),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("{e} (a formula error in the cell)"),
    }
}

/// A spreadsheet date and time as local text, to the second. calamine
/// rounds to Excel's millisecond and handles the 1904 date system and
/// Excel's 29 February 1900; the milliseconds are then dropped, so
/// 23:59:59.999 stays on its day.
fn excel_datetime(dt: &ExcelDateTime) -> String {
    let (y, mo, d, h, mi, s, _ms) = dt.to_ymd_hms_milli();
    if (h, mi, s) == (0, 0, 0) {
        format!("{y:04}-{mo:02}-{d:02}")
    } else {
        format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use phuxanh_domain::{Day, Instant};
    use proptest::prelude::*;

    fn any_cell() -> impl Strategy<Value = Data> {
        prop_oneof![
            Just(Data::Empty),
            "\\PC{0,20}".prop_map(Data::String),
            any::<i64>().prop_map(Data::Int),
            any::<f64>().prop_map(Data::Float),
            any::<bool>().prop_map(Data::Bool),
            (any::<f64>(), any::<bool>()).prop_map(|(f, is_1904)| {
                Data::DateTime(ExcelDateTime::new(f, ExcelDateTimeType::DateTime, is_1904))
            }),
            Just(Data::Error(calamine::CellErrorType::NA)),
        ]
    }

    proptest! {
        #[test]
        fn any_cell_becomes_text_and_any_date_cell_parses_or_says_why(cell in any_cell(), is_1904 in any::<bool>()) {
            let text = cell_text(&cell);
            if let (Data::DateTime(_), Err(e)) = (&cell, Instant::parse_file(&text)) {
                prop_assert!(e.contains(&format!("'{text}'")), "{}", e);
            }
            if let Some(date) = serial_date(&cell, is_1904) {
                prop_assert!(Instant::parse_file(&date).is_ok(), "{}", date);
            }
        }

        /// A time written as an Excel serial (days since 1899-12-30, the
        /// time a fraction of the day) comes back to the second, on its day.
        #[test]
        fn a_date_cell_reads_back_to_the_second(day in 0i32..40_000, ms in 0u32..86_400_000) {
            let day = Day::from_number(day);
            let serial = f64::from(day.days_since(Day::from_ymd(1899, 12, 30).unwrap()))
                + f64::from(ms) / 86_400_000.0;
            let cell = Data::DateTime(ExcelDateTime::new(serial, ExcelDateTimeType::DateTime, false));
            let at = Instant::parse_file(&cell_text(&cell)).unwrap();
            prop_assert_eq!(at.day(), day);
            let secs = at.unix_seconds() - Instant::start_of(day).unix_seconds();
            prop_assert_eq!(secs, i64::from(ms / 1000));
        }
    }
}
