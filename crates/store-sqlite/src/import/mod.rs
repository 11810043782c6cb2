//! Imports: every row is checked against the database inside one
//! transaction; refused rows are collected with their line and reason, and
//! an atomic import with any refusal is rolled back whole. Counter changes
//! are gathered as deltas and merged once, at the end. One module per kind
//! of file.

mod citizens;
mod contacts;
mod events;
mod targets;
mod units;

pub(crate) use citizens::citizens;
pub(crate) use contacts::contacts;
pub(crate) use events::{EVENT_COLUMNS, event_from, events, kind_code, kind_from_code};
pub(crate) use targets::targets;
pub(crate) use units::units;

use phuxanh_store::{ImportMode, ImportReport, Result};
use rusqlite::Transaction;

use crate::backend;
use crate::counters::RolledUp;

/// Commits, or rolls back an atomic import that refused rows. Refusals are
/// reported in line order, whichever check found them.
pub(crate) fn finish(
    tx: Transaction<'_>,
    mut report: ImportReport,
    mode: ImportMode,
    changes: RolledUp,
) -> Result<ImportReport> {
    report.refused.sort_by_key(|r| r.line);
    report.held.sort_by_key(|h| h.line);
    if mode == ImportMode::Atomic && !report.refused.is_empty() {
        tx.rollback().map_err(backend)?;
        report.applied = 0;
        report.unchanged = 0;
        report.committed = false;
        return Ok(report);
    }
    changes.write(&tx)?;
    if report.applied > 0 {
        crate::bump_generation(&tx)?;
    }
    tx.commit().map_err(backend)?;
    report.committed = true;
    Ok(report)
}
