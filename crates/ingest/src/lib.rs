//! Input files: units, roster, events, status snapshots, targets and
//! contacts, as CSV
//! (UTF-8, header row, `,` or `;`) or XLSX (first visible sheet, header
//! row). Columns are found by name, in any order; extra columns are
//! ignored. The header may sit below a few title rows.
//!
//! What real offices send is accepted where it can be read unambiguously
//! (day-first dates, IDs that lost their leading zeros, dates as spreadsheet
//! serials…); each such repair is a [`Warning`] naming its lines, reported
//! by [`Reader::warnings`]. A file that is not UTF-8 text is refused whole.
//!
//! A file is read on its own thread and parsed into [`Row`]s in batches, so
//! that parsing and the database writer use both cores. A row that does not
//! parse is not an error here: it travels on as a refused row with its line
//! number and reason, and the store decides (atomic or `--skip-invalid`).

mod encoding;
mod kinds;
mod refused;
mod source;
mod warnings;

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, sync_channel};

pub use kinds::{
    FileKind, parse_citizen, parse_contact, parse_event, parse_session, parse_status, parse_target,
    parse_team, parse_unit, parse_user, parse_visit,
};
pub use refused::write_refused;
pub use source::Record;
pub use warnings::{Quirk, Warning};

use phuxanh_domain::Day;
use phuxanh_store::Row;

/// A file that cannot be read at all (as opposed to rows that are refused).
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("{path}: cannot open: {source}")]
    Open {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: is not a CSV or XLSX file (use a .csv or .xlsx name)")]
    UnknownFormat { path: PathBuf },
    #[error("{path}: cannot read the spreadsheet: {reason}")]
    Spreadsheet { path: PathBuf, reason: String },
    #[error("{path}: missing column(s) {missing}; a {kind} file needs the columns {expected}")]
    MissingColumns {
        path: PathBuf,
        kind: &'static str,
        missing: String,
        expected: String,
    },
    #[error("{path}: the file is empty (it needs a header row)")]
    Empty { path: PathBuf },
    #[error(
        "{path}: the file is not UTF-8 text: it looks like {found}. Open it in Excel and choose File → Save As → \"CSV UTF-8 (Comma delimited) (*.csv)\", then import the new file"
    )]
    Encoding { path: PathBuf, found: &'static str },
    #[error("{path}: {reason}")]
    NotText { path: PathBuf, reason: String },
}

const BATCH: usize = 4096;

enum Message<T> {
    Rows(Vec<Row<T>>),
    Done(Vec<Warning>),
}

/// Rows of one file, parsed on a background thread.
pub struct Reader<T> {
    batches: Receiver<Message<T>>,
    current: std::vec::IntoIter<Row<T>>,
    done: Arc<AtomicU64>,
    total: u64,
    warnings: Vec<Warning>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl<T> Reader<T> {
    /// How far the reader has got, and of how much (bytes for CSV, rows for
    /// XLSX), for a progress bar.
    pub fn progress(&self) -> (u64, u64) {
        (self.done.load(Ordering::Relaxed), self.total)
    }

    /// A shared handle on the progress counter.
    pub fn progress_handle(&self) -> (Arc<AtomicU64>, u64) {
        (self.done.clone(), self.total)
    }

    /// The repairs made while reading, grouped; complete once the rows are
    /// all read (the iterator has returned `None`).
    pub fn warnings(&self) -> &[Warning] {
        &self.warnings
    }
}

impl<T> Iterator for Reader<T> {
    type Item = Row<T>;

    fn next(&mut self) -> Option<Row<T>> {
        loop {
            if let Some(row) = self.current.next() {
                return Some(row);
            }
            match self.batches.recv() {
                Ok(Message::Rows(rows)) => self.current = rows.into_iter(),
                Ok(Message::Done(warnings)) => self.warnings = warnings,
                Err(_) => {
                    // A reader thread that panicked must not look like the
                    // end of the file: an import would commit half of it.
                    if let Some(Err(panic)) = self.thread.take().map(|t| t.join()) {
                        std::panic::resume_unwind(panic);
                    }
                    return None;
                }
            }
        }
    }
}

/// Opens `path` as a file of `kind` and starts parsing it.
/// `today` bounds birth dates.
pub fn read<T: Send + 'static>(
    path: &Path,
    kind: FileKind,
    parse: fn(&Record<'_>, Day) -> Result<T, String>,
    today: Day,
) -> Result<Reader<T>, IngestError> {
    let mut source = source::Source::open(path, kind)?;
    let total = source.total();
    let done = Arc::new(AtomicU64::new(0));
    let progress = done.clone();
    let (tx, rx) = sync_channel::<Message<T>>(8);
    let thread = std::thread::spawn(move || {
        let warnings = RefCell::new(warnings::Warnings::new(kind));
        let mut batch = Vec::with_capacity(BATCH);
        source.for_each(
            |line, record| {
                let value = record.and_then(|r| parse(&r, today));
                batch.push(Row { line, value });
                if batch.len() == BATCH {
                    let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
                    if tx.send(Message::Rows(full)).is_err() {
                        return false;
                    }
                }
                true
            },
            &warnings,
            &progress,
        );
        if !batch.is_empty() {
            let _ = tx.send(Message::Rows(batch));
        }
        let _ = tx.send(Message::Done(warnings.into_inner().into_vec()));
        progress.store(total, Ordering::Relaxed);
    });
    Ok(Reader {
        batches: rx,
        current: Vec::new().into_iter(),
        done,
        total,
        warnings: Vec::new(),
        thread: Some(thread),
    })
}
