//! The two file formats behind one interface: records with their line
//! numbers and fields found by column name.

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use calamine::{Data, Reader as _};

use crate::IngestError;
use crate::kinds::FileKind;

/// One data row, its fields addressed by the position of the column in the
/// kind's column list.
pub struct Record<'a> {
    positions: &'a [Option<usize>],
    values: Values<'a>,
}

enum Values<'a> {
    Csv(&'a csv::StringRecord),
    Cells(&'a [String]),
}

impl<'a> Record<'a> {
    /// The trimmed value of column `col` ("" when absent).
    pub fn get(&self, col: usize) -> &'a str {
        let Some(pos) = self.positions.get(col).copied().flatten() else {
            return "";
        };
        match self.values {
            Values::Csv(r) => r.get(pos).unwrap_or(""),
            Values::Cells(c) => c.get(pos).map_or("", String::as_str),
        }
        .trim()
    }

    /// The value of column `col`, or `None` when empty.
    pub fn optional(&self, col: usize) -> Option<&'a str> {
        Some(self.get(col)).filter(|s| !s.is_empty())
    }

    /// A record over plain strings (tests, API bodies).
    pub fn from_cells(positions: &'a [Option<usize>], cells: &'a [String]) -> Record<'a> {
        Record {
            positions,
            values: Values::Cells(cells),
        }
    }
}

pub(crate) enum Source {
    Csv {
        reader: csv::Reader<BufReader<File>>,
        positions: Vec<Option<usize>>,
        size: u64,
    },
    Xlsx {
        rows: Vec<Vec<String>>,
        positions: Vec<Option<usize>>,
    },
}

/// Where each of the kind's columns is in the header, or the missing ones.
fn locate(
    path: &Path,
    kind: FileKind,
    header: impl Iterator<Item = String>,
) -> Result<Vec<Option<usize>>, IngestError> {
    let header: Vec<String> = header
        .map(|h| h.trim_start_matches('\u{feff}').trim().to_ascii_lowercase())
        .collect();
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
    if !missing.is_empty() {
        return Err(IngestError::MissingColumns {
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
        });
    }
    Ok(positions)
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
        let open_err = |source| IngestError::Open {
            path: path.to_owned(),
            source,
        };
        let file = File::open(path).map_err(open_err)?;
        let size = file.metadata().map_err(open_err)?.len();
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .from_reader(BufReader::with_capacity(1 << 20, file));
        let header = reader.byte_headers().map_err(|e| IngestError::Open {
            path: path.to_owned(),
            source: std::io::Error::other(e.to_string()),
        })?;
        if header.is_empty() {
            return Err(IngestError::Empty {
                path: path.to_owned(),
            });
        }
        let names = header
            .iter()
            .map(|h| String::from_utf8_lossy(h).into_owned());
        let positions = locate(path, kind, names)?;
        Ok(Source::Csv {
            reader,
            positions,
            size,
        })
    }

    fn open_xlsx(path: &Path, kind: FileKind) -> Result<Source, IngestError> {
        let bad = |reason: String| IngestError::Spreadsheet {
            path: PathBuf::from(path),
            reason,
        };
        let mut book = calamine::open_workbook_auto(path).map_err(|e| bad(e.to_string()))?;
        let range = book
            .worksheet_range_at(0)
            .ok_or_else(|| bad("it has no sheet".into()))?
            .map_err(|e| bad(e.to_string()))?;
        let mut rows = range
            .rows()
            .map(|r| r.iter().map(cell_text).collect::<Vec<_>>());
        let header = rows.next().ok_or_else(|| IngestError::Empty {
            path: path.to_owned(),
        })?;
        let positions = locate(path, kind, header.into_iter())?;
        Ok(Source::Xlsx {
            rows: rows.collect(),
            positions,
        })
    }

    /// Bytes (CSV) or rows (XLSX) to read.
    pub(crate) fn total(&self) -> u64 {
        match self {
            Source::Csv { size, .. } => *size,
            Source::Xlsx { rows, .. } => rows.len() as u64,
        }
    }

    /// Calls `f` with each data row's line number and record, until it
    /// returns false.
    pub(crate) fn for_each(
        &mut self,
        mut f: impl FnMut(u64, Result<Record<'_>, String>) -> bool,
        progress: &AtomicU64,
    ) {
        match self {
            Source::Csv {
                reader, positions, ..
            } => {
                let mut record = csv::StringRecord::new();
                let mut n = 0u64;
                loop {
                    let line = reader.position().line();
                    match reader.read_record(&mut record) {
                        Ok(false) => break,
                        Ok(true) => {
                            let line = record.position().map_or(line, |p| p.line());
                            let r = Record {
                                positions,
                                values: Values::Csv(&record),
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
            Source::Xlsx { rows, positions } => {
                for (i, cells) in rows.iter().enumerate() {
                    if cells.iter().all(String::is_empty) {
                        continue;
                    }
                    let r = Record {
                        positions,
                        values: Values::Cells(cells),
                    };
                    // Spreadsheet rows count from 1 and the header is row 1.
                    if !f(i as u64 + 2, Ok(r)) {
                        break;
                    }
                    progress.store(i as u64 + 1, Ordering::Relaxed);
                }
            }
        }
    }
}

/// A spreadsheet cell as text. Whole numbers lose their `.0`; twelve-digit
/// citizen IDs typed as numbers get back their leading zeros later, where the
/// column is known to hold IDs. Dates become `YYYY-MM-DD` (with ` HH:MM` if
/// they carry a time).
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) => excel_datetime(dt.as_f64()),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#ERROR {e:?}"),
    }
}

/// Excel's serial date (days since 1899-12-30) as local text.
fn excel_datetime(serial: f64) -> String {
    let days = serial.floor() as i64;
    let seconds = ((serial - serial.floor()) * 86_400.0).round() as i64;
    let base = jiff::civil::date(1899, 12, 30);
    let Ok(date) = base.checked_add(jiff::Span::new().days(days)) else {
        return serial.to_string();
    };
    if seconds == 0 {
        date.to_string()
    } else {
        format!("{date} {:02}:{:02}", seconds / 3600, (seconds % 3600) / 60)
    }
}
