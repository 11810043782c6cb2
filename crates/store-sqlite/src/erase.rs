//! `citizens forget`: a citizen's personal data erased on a lawful request
//! (Decree 13/2023/NĐ-CP). The roster row keeps only what the counts need —
//! the ID the national system's files name the citizen by, the birth date
//! that makes them eligible, the sex their ID encodes — so every figure
//! stays as it was, and `erased` remembers the erasure so that a later
//! roster import does not bring the rest back.

use phuxanh_domain::{CitizenId, Instant};
use phuxanh_store::access::AuditRecord;
use phuxanh_store::{Erasure, Result, Scope, StoreError};
use rusqlite::{Connection, OptionalExtension, params};

use crate::{backend, bump_generation, tree, write_transaction};

pub(crate) fn forget(
    conn: &mut Connection,
    scope: &Scope,
    id: CitizenId,
    audit: &AuditRecord,
) -> Result<Erasure> {
    let now = Instant::now();
    // The erased text is overwritten in the file, not left in free space.
    conn.pragma_update(None, "secure_delete", true)
        .map_err(backend)?;
    let erased = erase(conn, scope, id, audit, now);
    conn.pragma_update(None, "secure_delete", false)
        .map_err(backend)?;
    let erased = erased?;
    if !erased.already {
        // Nor left in the write-ahead log's old page images: best effort,
        // since a reader may hold part of the log until it is done.
        let _ = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
    }
    Ok(erased)
}

fn erase(
    conn: &mut Connection,
    scope: &Scope,
    id: CitizenId,
    audit: &AuditRecord,
    now: Instant,
) -> Result<Erasure> {
    let tx = write_transaction(conn)?;
    let unknown = || StoreError::UnknownCitizen(id.to_string());
    let (row_id, unit_id): (i64, i64) = tx
        .query_row(
            "SELECT row_id, unit_id FROM citizen_ids WHERE id = ?1",
            [id.as_u64() as i64],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()
        .map_err(backend)?
        .ok_or_else(unknown)?;
    if !tree::in_scope(&tx, scope, unit_id)? {
        return Err(unknown());
    }
    let unit = tree::unit_by_id(&tx, unit_id)?.code;
    let before: Option<i64> = tx
        .query_row("SELECT at FROM erased WHERE row_id = ?1", [row_id], |r| {
            r.get(0)
        })
        .optional()
        .map_err(backend)?;
    if let Some(at) = before {
        return Ok(Erasure {
            unit,
            at: Instant::from_unix_seconds(at),
            already: true,
        });
    }
    tx.execute(
        "UPDATE citizens SET full_name = '', household_id = NULL, address = NULL, phone = NULL
         WHERE row_id = ?1",
        [row_id],
    )
    .map_err(backend)?;
    // A visit's note is free text about the person.
    tx.execute(
        "UPDATE visits SET note = NULL WHERE citizen_id = ?1",
        [id.as_u64() as i64],
    )
    .map_err(backend)?;
    tx.execute(
        "INSERT INTO erased (row_id, at) VALUES (?1, ?2)",
        params![row_id, now.unix_seconds()],
    )
    .map_err(backend)?;
    crate::access::append(&tx, &audit.clone().unit(&unit), now)?;
    bump_generation(&tx)?;
    tx.commit().map_err(backend)?;
    Ok(Erasure {
        unit,
        at: now,
        already: false,
    })
}

/// Whether the citizen of roster row `row_id` had their personal data
/// erased: a roster import then keeps it erased.
pub(crate) fn is_erased(conn: &Connection, row_id: i64) -> Result<bool> {
    conn.prepare_cached("SELECT 1 FROM erased WHERE row_id = ?1")
        .map_err(backend)?
        .exists([row_id])
        .map_err(backend)
}
