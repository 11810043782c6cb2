//! `contacts import`: who answers for each unit. The file's rows replace
//! the contacts of every unit it names, in file order, so that importing it
//! again changes nothing and a row taken out of it disappears; units it
//! does not name keep theirs. Always atomic: one refused row and nothing
//! is written.

use phuxanh_domain::Contact;
use phuxanh_store::{ContactsReport, ImportReport, Result, Rows, Scope};
use rusqlite::{Connection, params};
use rustc_hash::FxHashMap as HashMap;

use crate::backend;
use crate::contacts::of_unit;
use crate::tree::UnitIndex;

pub(crate) fn contacts(
    conn: &mut Connection,
    scope: &Scope,
    rows: Rows<Contact>,
) -> Result<ContactsReport> {
    let tx = crate::write_transaction(conn)?;
    let index = UnitIndex::load(&tx, scope)?;
    let mut report = ImportReport::default();
    // Each named unit's rows in file order, units in the order first named.
    let mut units: Vec<(i64, Vec<Contact>)> = Vec::new();
    let mut seen: HashMap<i64, usize> = HashMap::default();
    for row in rows {
        report.read += 1;
        let contact = match row.value {
            Ok(c) => c,
            Err(reason) => {
                report.refuse(row.line, reason);
                continue;
            }
        };
        let node = match index.current(&tx, &contact.unit)? {
            Some(Ok(node)) => node,
            Some(Err(retired)) => {
                report.refuse(row.line, retired);
                continue;
            }
            None => {
                report.refuse(
                    row.line,
                    format!(
                        "unknown unit '{}': check the code (`phuxanh units list`), or add the unit first (`phuxanh units import`)",
                        contact.unit
                    ),
                );
                continue;
            }
        };
        if !index.in_scope(node.id) {
            report.refuse(
                row.line,
                format!("unit '{}' is outside your units", contact.unit),
            );
            continue;
        }
        let slot = *seen.entry(node.id).or_insert_with(|| {
            units.push((node.id, Vec::new()));
            units.len() - 1
        });
        units[slot].1.push(contact);
    }
    let mut out = ContactsReport {
        units: units.len() as u64,
        ..ContactsReport::default()
    };
    if !report.refused.is_empty() {
        report.refused.sort_by_key(|r| r.line);
        tx.rollback().map_err(backend)?;
        out.import = report;
        return Ok(out);
    }
    let mut changed = false;
    for (unit_id, new) in &units {
        let stored = of_unit(&tx, *unit_id)?;
        if &stored == new {
            report.unchanged += new.len() as u64;
            continue;
        }
        changed = true;
        let kept = new.iter().filter(|c| stored.contains(c)).count() as u64;
        report.unchanged += kept;
        report.applied += new.len() as u64 - kept;
        out.removed += stored.iter().filter(|c| !new.contains(c)).count() as u64;
        tx.prepare_cached("DELETE FROM contacts WHERE unit_id = ?1")
            .map_err(backend)?
            .execute([unit_id])
            .map_err(backend)?;
        let mut insert = tx
            .prepare_cached(
                "INSERT INTO contacts (unit_id, position, name, title, phone, email, note)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )
            .map_err(backend)?;
        for (position, c) in new.iter().enumerate() {
            insert
                .execute(params![
                    unit_id,
                    position as i64,
                    c.name.as_str(),
                    c.title.as_str(),
                    c.phone.as_written(),
                    c.email.as_ref().map(|e| e.as_str()),
                    c.note.as_ref().map(|n| n.as_str()),
                ])
                .map_err(backend)?;
        }
    }
    // A change of order alone applies no row, and is still a change.
    if changed {
        crate::bump_generation(&tx)?;
    }
    tx.commit().map_err(backend)?;
    report.committed = true;
    out.import = report;
    Ok(out)
}
