//! The four `… import FILE` commands: read the file on a parsing thread,
//! hand the rows to the store in one transaction, show a progress bar when
//! it takes more than a second, and close with a summary. Refused rows are
//! listed with file and line; `--skip-invalid` writes them to a file.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant as Clock};

use anyhow::{Context, Result, bail};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use phuxanh_domain::{Citizen, Day, Event, Instant};
use phuxanh_ingest::{FileKind, Record, Warning};
use phuxanh_report::vi;
use phuxanh_store::{ImportMode, ImportReport, Row, Rows, Scope, Store, TargetRecord, Unit};
use phuxanh_store_sqlite::SqliteStore;

use crate::cli::ImportArgs;

/// Who the command line acts as when it records who set a target: the
/// system user running it.
pub fn cli_user() -> String {
    match std::env::var("USER") {
        Ok(user) if !user.is_empty() => format!("cli:{user}"),
        _ => "cli".to_string(),
    }
}

/// How the rows of one kind of file are applied to the store; the last
/// argument names the file, for what the store keeps of where rows came
/// from (held events).
pub trait Apply<T>:
    FnOnce(&mut SqliteStore, &Scope, Rows<T>, ImportMode, &str) -> phuxanh_store::Result<ImportReport>
{
}

impl<T, F> Apply<T> for F where
    F: FnOnce(
        &mut SqliteStore,
        &Scope,
        Rows<T>,
        ImportMode,
        &str,
    ) -> phuxanh_store::Result<ImportReport>
{
}

pub fn units(
    store: &mut SqliteStore,
    scope: &Scope,
    rows: Rows<Unit>,
    mode: ImportMode,
    _source: &str,
) -> phuxanh_store::Result<ImportReport> {
    store.import_units(scope, rows, mode)
}

pub fn citizens(
    store: &mut SqliteStore,
    scope: &Scope,
    rows: Rows<Citizen>,
    mode: ImportMode,
    _source: &str,
) -> phuxanh_store::Result<ImportReport> {
    store.import_citizens(scope, rows, mode)
}

pub fn events(
    store: &mut SqliteStore,
    scope: &Scope,
    rows: Rows<Vec<Event>>,
    mode: ImportMode,
    source: &str,
) -> phuxanh_store::Result<ImportReport> {
    store.import_events(scope, rows, mode, Instant::now(), source)
}

pub fn targets(
    store: &mut SqliteStore,
    scope: &Scope,
    rows: Rows<TargetRecord>,
    mode: ImportMode,
    _source: &str,
) -> phuxanh_store::Result<ImportReport> {
    store.import_targets(scope, rows, mode, &cli_user(), Instant::now())
}

/// Imports one file and reports; the exit code is a failure when an atomic
/// import was refused.
pub fn run<T: Send + 'static>(
    store: &mut SqliteStore,
    args: &ImportArgs,
    kind: FileKind,
    parse: fn(&Record<'_>, Day) -> Result<T, String>,
    apply: impl Apply<T>,
) -> Result<ExitCode> {
    let (report, warnings) = import_file(store, &args.file, kind, parse, args.skip_invalid, apply)?;
    for w in &warnings {
        eprintln!("{}:{}: warning: {w}", args.file.display(), w.first_line());
    }
    print_summary(&args.file, &report);
    if report.refused.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    if args.skip_invalid {
        let out = args
            .refused_out
            .clone()
            .unwrap_or_else(|| refused_path(&args.file));
        phuxanh_ingest::write_refused(&args.file, kind, &report.refused, &out)
            .with_context(|| format!("writing refused rows to {}", out.display()))?;
        eprintln!(
            "{} refused rows, with their reasons, written to {}",
            vi::number(report.refused.len() as i64),
            out.display()
        );
        return Ok(ExitCode::SUCCESS);
    }
    for r in &report.refused {
        eprintln!("{}:{}: {}", args.file.display(), r.line, r.reason);
    }
    bail!(
        "nothing was imported from {}: {} rows refused. Fix them, or apply the valid rows with --skip-invalid",
        args.file.display(),
        report.refused.len()
    )
}

/// `roster.csv` → `roster.csv.refused.csv`, beside the input.
fn refused_path(input: &Path) -> PathBuf {
    let mut name = input.file_name().unwrap_or_default().to_os_string();
    name.push(".refused.csv");
    input.with_file_name(name)
}

/// Reads and applies a file, and says what was repaired on the way;
/// shared with `demo`.
pub fn import_file<T: Send + 'static>(
    store: &mut SqliteStore,
    file: &Path,
    kind: FileKind,
    parse: fn(&Record<'_>, Day) -> Result<T, String>,
    skip_invalid: bool,
    apply: impl Apply<T>,
) -> Result<(ImportReport, Vec<Warning>)> {
    let reader = phuxanh_ingest::read(file, kind, parse, Day::today())?;
    let (done, total) = reader.progress_handle();
    let mut rows = WithProgressBar::new(reader, done, total, file);
    let mode = if skip_invalid {
        ImportMode::SkipInvalid
    } else {
        ImportMode::Atomic
    };
    let source = file.display().to_string();
    let report = apply(store, &Scope::everything(), &mut rows, mode, &source)
        .with_context(|| format!("importing {}", file.display()))?;
    rows.bar.finish_and_clear();
    if report.committed {
        crate::commands::access::audit(
            store,
            crate::commands::access::record(&format!("import.{}", kind.name()))
                .subject(source)
                .count(report.applied as i64),
        )?;
    }
    Ok((report, rows.inner.warnings().to_vec()))
}

/// Held rows listed one by one after an import; the rest are counted.
const HELD_SHOWN: usize = 20;

pub(crate) fn print_summary(file: &Path, r: &ImportReport) {
    let n = |x: u64| vi::number(x as i64);
    let held = if r.held.is_empty() {
        String::new()
    } else {
        format!(", {} chờ (held)", n(r.held.len() as u64))
    };
    println!(
        "{}: {} dòng đọc (read), {} áp dụng (applied){held}, {} không đổi (unchanged), {} từ chối (refused){}",
        file.display(),
        n(r.read),
        n(r.applied),
        n(r.unchanged),
        n(r.refused.len() as u64),
        if r.committed {
            ""
        } else {
            " — không có gì được ghi (nothing written)"
        }
    );
    if !r.committed {
        return;
    }
    if r.released > 0 {
        println!(
            "{} sự kiện đang chờ đã được áp dụng vì sự kiện trước đó đã đến (held events released)",
            n(r.released)
        );
    }
    if r.withdrawn > 0 {
        println!(
            "{} sự kiện đã ghi chuyển sang chờ vì thiếu sự kiện trước đó (recorded events now held)",
            n(r.withdrawn)
        );
    }
    for h in r.held.iter().take(HELD_SHOWN) {
        eprintln!("{}:{}: held: {}", file.display(), h.line, h.waiting_for);
    }
    if r.held.len() > HELD_SHOWN {
        eprintln!("… and {} more held rows", r.held.len() - HELD_SHOWN);
    }
    if !r.held.is_empty() || r.withdrawn > 0 {
        eprintln!(
            "Held events are applied, at their own day, when an import brings what they wait for; `phuxanh pending list` shows them."
        );
    }
}

/// Passes rows through, drawing a progress bar once the import has taken
/// more than a second (short imports stay quiet).
struct WithProgressBar<I> {
    inner: I,
    bar: ProgressBar,
    done: Arc<AtomicU64>,
    started: Clock,
    shown: bool,
    seen: u64,
}

impl<I> WithProgressBar<I> {
    fn new(inner: I, done: Arc<AtomicU64>, total: u64, file: &Path) -> Self {
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::hidden());
        bar.set_style(
            ProgressStyle::with_template("{msg} [{bar:30}] {percent}% {elapsed} (còn {eta})")
                .expect("valid template")
                .progress_chars("=> "),
        );
        bar.set_message(file.display().to_string());
        WithProgressBar {
            inner,
            bar,
            done,
            started: Clock::now(),
            shown: false,
            seen: 0,
        }
    }
}

impl<T, I: Iterator<Item = Row<T>>> Iterator for WithProgressBar<I> {
    type Item = Row<T>;

    fn next(&mut self) -> Option<Row<T>> {
        self.seen += 1;
        if self.seen.is_multiple_of(4096) {
            if !self.shown && self.started.elapsed() > Duration::from_secs(1) {
                self.bar.set_draw_target(ProgressDrawTarget::stderr());
                self.shown = true;
            }
            self.bar.set_position(self.done.load(Ordering::Relaxed));
        }
        self.inner.next()
    }
}
