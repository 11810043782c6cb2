//! `targets import`: targets per unit and metric, keeping their history.

use phuxanh_domain::{Instant, TargetValue};
use phuxanh_store::{ImportMode, ImportReport, Result, Rows, Scope, TargetRecord};
use rusqlite::{Connection, OptionalExtension, params};

use super::finish;
use crate::counters::RolledUp;
use crate::tree::UnitIndex;
use crate::{backend, parse_stored};

pub(crate) fn targets(
    conn: &mut Connection,
    scope: &Scope,
    rows: Rows<TargetRecord>,
    mode: ImportMode,
    set_by: &str,
    now: Instant,
) -> Result<ImportReport> {
    let tx = crate::write_transaction(conn)?;
    let index = UnitIndex::load(&tx, scope)?;
    let mut report = ImportReport::default();
    for row in rows {
        report.read += 1;
        let t = match row.value {
            Ok(t) => t,
            Err(reason) => {
                report.refuse(row.line, reason);
                continue;
            }
        };
        let node = match index.current(&tx, &t.unit)? {
            Some(Ok(node)) => node,
            Some(Err(retired)) => {
                report.refuse(row.line, retired);
                continue;
            }
            None => {
                report.refuse(row.line, format!("unknown unit '{}'", t.unit));
                continue;
            }
        };
        if !index.in_scope(node.id) {
            report.refuse(row.line, format!("unit '{}' is outside your units", t.unit));
            continue;
        }
        let metric = t.metric.to_string();
        let current: Option<(i64, String, i32)> = tx
            .prepare_cached(
                "SELECT id, value, deadline FROM targets
                 WHERE unit_id = ?1 AND metric = ?2 AND superseded_at IS NULL",
            )
            .map_err(backend)?
            .query_row(params![node.id, metric], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .optional()
            .map_err(backend)?;
        if let Some((id, value, deadline)) = current {
            if parse_stored::<TargetValue>(&value)? == t.value && deadline == t.deadline.number() {
                report.unchanged += 1;
                continue;
            }
            tx.prepare_cached("UPDATE targets SET superseded_at = ?2 WHERE id = ?1")
                .map_err(backend)?
                .execute(params![id, now.unix_seconds()])
                .map_err(backend)?;
        }
        tx.prepare_cached(
            "INSERT INTO targets (unit_id, metric, value, deadline, set_at, set_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )
        .map_err(backend)?
        .execute(params![
            node.id,
            metric,
            t.value.to_string(),
            t.deadline.number(),
            now.unix_seconds(),
            set_by
        ])
        .map_err(backend)?;
        report.applied += 1;
    }
    finish(tx, report, mode, RolledUp::default())
}
