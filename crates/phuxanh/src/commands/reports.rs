//! `report --issue` and `reports`: period reports kept as they were sent
//! (`phuxanh_report::issued`), listed per unit, each shown beside what
//! the data says now, and its file written back byte for byte.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use phuxanh_domain::UnitCode;
use phuxanh_report::issued::{self, Archive};
use phuxanh_report::period::Chosen;
use phuxanh_report::summary::Summary;
use phuxanh_store::{Scope, Store};

use crate::cli::OutputArgs;

/// Keeps a report just written: its file, what it covered, its figures.
pub fn issue(
    store: &mut dyn Store,
    unit: &UnitCode,
    report: &Summary,
    chosen: &Chosen,
    format: &str,
    file: Vec<u8>,
    by: Option<&str>,
) -> Result<i64> {
    let issued_by = match by {
        Some(by) => by.trim().to_string(),
        None => std::env::var("USER").unwrap_or_else(|_| "phuxanh".into()),
    };
    if issued_by.is_empty() || issued_by.chars().any(char::is_control) || issued_by.len() > 200 {
        bail!("--by: give who issues the report, one line of at most 200 characters");
    }
    let kept = store.issue_report(
        &Scope::everything(),
        &issued::to_keep(unit, report, chosen, format, file, issued_by),
    )?;
    Ok(kept.id)
}

pub fn list(store: &dyn Store, unit: &UnitCode, output: &OutputArgs) -> Result<ExitCode> {
    output.check()?;
    let kept = store.issued_reports(&Scope::everything(), unit)?;
    output.emit(&Archive(kept.iter().map(Into::into).collect()))
}

fn find(store: &dyn Store, id: i64) -> Result<(phuxanh_store::IssuedReport, Vec<u8>)> {
    store
        .issued_report(&Scope::everything(), id)?
        .with_context(|| {
            format!("no issued report number {id}: see `phuxanh reports list --unit CODE`")
        })
}

pub fn show(
    store: &dyn Store,
    id: i64,
    only_changed: bool,
    output: &OutputArgs,
) -> Result<ExitCode> {
    output.check()?;
    let (report, _) = find(store, id)?;
    let mut compared = issued::compared(store, &Scope::everything(), &report)?;
    if only_changed {
        compared.changes.retain(|c| c.changed);
    }
    output.emit(&compared)
}

pub fn file(store: &dyn Store, id: i64, out: &Path) -> Result<ExitCode> {
    let (report, bytes) = find(store, id)?;
    let ext = out
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    if ext.as_deref() != Some(report.format.as_str()) {
        bail!(
            "--out {}: report {id} is a .{} file; name the file so",
            out.display(),
            report.format
        );
    }
    std::fs::write(out, bytes).with_context(|| format!("cannot write {}", out.display()))?;
    println!("Đã ghi báo cáo số {id} như khi ban hành: {}", out.display());
    Ok(ExitCode::SUCCESS)
}
