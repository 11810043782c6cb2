//! `units import`: add villages and other units, or rename existing ones.

use phuxanh_domain::UnitLevel;
use phuxanh_store::{ImportMode, ImportReport, Result, Rows, Scope, Unit};
use rusqlite::{Connection, params};

use super::finish;
use crate::backend;
use crate::counters::RolledUp;
use crate::tree::{Node, UnitIndex};

pub(crate) fn units(
    conn: &mut Connection,
    scope: &Scope,
    rows: Rows<Unit>,
    mode: ImportMode,
) -> Result<ImportReport> {
    let tx = crate::write_transaction(conn)?;
    let mut index = UnitIndex::load(&tx, scope)?;
    let mut report = ImportReport::default();
    for row in rows {
        report.read += 1;
        let unit = match row.value {
            Ok(u) => u,
            Err(reason) => {
                report.refuse(row.line, reason);
                continue;
            }
        };
        match check_unit(&tx, &index, scope, &unit)? {
            UnitChange::Refused(reason) => report.refuse(row.line, reason),
            UnitChange::Unchanged => report.unchanged += 1,
            UnitChange::Rename(id) => {
                tx.prepare_cached("UPDATE units SET name = ?1 WHERE id = ?2")
                    .map_err(backend)?
                    .execute(params![unit.name, id])
                    .map_err(backend)?;
                report.applied += 1;
            }
            UnitChange::Add(parent) => {
                tx.prepare_cached(
                    "INSERT INTO units (code, name, level, parent_id) VALUES (?1, ?2, ?3, ?4)",
                )
                .map_err(backend)?
                .execute(params![
                    unit.code.as_str(),
                    unit.name,
                    unit.level.as_str(),
                    parent
                ])
                .map_err(backend)?;
                let node = Node {
                    id: tx.last_insert_rowid(),
                    level: unit.level,
                    parent,
                    retired: false,
                };
                index.add(&unit.code, node);
                report.applied += 1;
            }
        }
    }
    finish(tx, report, mode, RolledUp::default())
}

/// What one row of units comes to.
enum UnitChange {
    Unchanged,
    Refused(String),
    Rename(i64),
    Add(Option<i64>),
}

fn check_unit(
    conn: &Connection,
    index: &UnitIndex,
    scope: &Scope,
    unit: &Unit,
) -> Result<UnitChange> {
    let code = &unit.code;
    match (unit.level, code.gso_level()) {
        (UnitLevel::Village, Some(shape)) => {
            return Ok(UnitChange::Refused(format!(
                "code '{code}' has the shape of a GSO {shape} code; give villages codes of their own, such as '{}-T01'",
                unit.parent.as_ref().map_or("XXXXX", |p| p.as_str())
            )));
        }
        (UnitLevel::Village, None) => {}
        (level, shape) if shape != Some(level) => {
            return Ok(UnitChange::Refused(format!(
                "code '{code}' is not a GSO {level} code ({} digits)",
                match level {
                    UnitLevel::Province => 2,
                    UnitLevel::District => 3,
                    _ => 5,
                }
            )));
        }
        _ => {}
    }
    let parent = match &unit.parent {
        None => None,
        Some(p) => match index.current(conn, p)? {
            Some(Ok(node)) => Some(node),
            Some(Err(retired)) => return Ok(UnitChange::Refused(retired)),
            None => {
                return Ok(UnitChange::Refused(format!(
                    "parent unit '{p}' does not exist"
                )));
            }
        },
    };
    if !unit.level.may_sit_under(parent.map(|p| p.level)) {
        return Ok(UnitChange::Refused(match parent {
            Some(p) => format!("a {} cannot sit under a {}", unit.level, p.level),
            None => format!("a {} needs a parent_code", unit.level),
        }));
    }
    if let Some(existing) = index.get(code) {
        if let Some(Err(retired)) = index.current(conn, code)? {
            return Ok(UnitChange::Refused(retired));
        }
        if !index.in_scope(existing.id) {
            return Ok(UnitChange::Refused(format!(
                "unit '{code}' is outside your units"
            )));
        }
        if existing.level != unit.level || existing.parent != parent.map(|p| p.id) {
            return Ok(UnitChange::Refused(format!(
                "unit '{code}' already exists at another place in the tree; moving units is not supported"
            )));
        }
        let name: String = conn
            .prepare_cached("SELECT name FROM units WHERE id = ?1")
            .map_err(backend)?
            .query_row([existing.id], |r| r.get(0))
            .map_err(backend)?;
        return Ok(if name == unit.name {
            UnitChange::Unchanged
        } else {
            UnitChange::Rename(existing.id)
        });
    }
    match parent {
        Some(p) if index.in_scope(p.id) => Ok(UnitChange::Add(Some(p.id))),
        None if scope.root().is_none() => Ok(UnitChange::Add(None)),
        _ => Ok(UnitChange::Refused(format!(
            "unit '{code}' would be outside your units"
        ))),
    }
}
