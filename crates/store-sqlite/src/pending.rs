//! Held events (`pending`): events received before their predecessors (an
//! activation loaded before its collection), kept with what they wait for
//! until an import or request brings it. They count in no figure.

use phuxanh_domain::{Event, Instant};
use phuxanh_store::{PendingEvent, PendingList, PendingQuery, Result, Scope};
use rusqlite::{Connection, params};

use crate::import::{EVENT_COLUMNS, event_from, kind_code};
use crate::tree::UnitIndex;
use crate::{backend, parse_stored};

/// Whether any event is held: imports skip every look-up here when none is.
pub(crate) fn any(conn: &Connection) -> Result<bool> {
    conn.query_row("SELECT EXISTS (SELECT 1 FROM pending)", [], |r| r.get(0))
        .map_err(backend)
}

/// The citizens among `ids` (sorted) who have held events.
pub(crate) fn citizens_among(conn: &Connection, ids: &[i64]) -> Result<Vec<i64>> {
    let mut stmt = conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM pending WHERE citizen_id = ?1)")
        .map_err(backend)?;
    let mut out = Vec::new();
    for &id in ids {
        if stmt.query_row([id], |r| r.get(0)).map_err(backend)? {
            out.push(id);
        }
    }
    Ok(out)
}

/// Holds `ev`: it waits for `waiting_for`.
pub(crate) fn hold(
    conn: &Connection,
    ev: &Event,
    waiting_for: &str,
    received_at: Instant,
    source: &str,
) -> Result<()> {
    conn.prepare_cached(&format!(
        "INSERT INTO pending ({EVENT_COLUMNS}, waiting_for, received_at, source)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
    ))
    .map_err(backend)?
    .execute(params![
        (!ev.id.is_snapshot()).then(|| ev.id.as_str()),
        ev.citizen.as_u64() as i64,
        kind_code(ev.kind),
        ev.level.number(),
        ev.at.unix_seconds(),
        ev.team_id,
        ev.session_id,
        ev.reason,
        waiting_for,
        received_at.unix_seconds(),
        source,
    ])
    .map_err(backend)?;
    Ok(())
}

/// Says what a held event waits for now.
pub(crate) fn rewait(conn: &Connection, ev: &Event, waiting_for: &str) -> Result<()> {
    if ev.id.is_snapshot() {
        conn.prepare_cached(
            "UPDATE pending SET waiting_for = ?4 WHERE citizen_id = ?1 AND level = ?2
             AND kind = ?3 AND event_id IS NULL",
        )
        .map_err(backend)?
        .execute(params![
            ev.citizen.as_u64() as i64,
            ev.level.number(),
            kind_code(ev.kind),
            waiting_for
        ])
    } else {
        conn.prepare_cached("UPDATE pending SET waiting_for = ?2 WHERE event_id = ?1")
            .map_err(backend)?
            .execute(params![ev.id.as_str(), waiting_for])
    }
    .map_err(backend)?;
    Ok(())
}

/// Deletes one event from `table` (`events` or `pending`): by its id, or
/// for a snapshot's event, by citizen, level and stage.
pub(crate) fn delete(conn: &Connection, table: &str, ev: &Event) -> Result<()> {
    if ev.id.is_snapshot() {
        conn.prepare_cached(&format!(
            "DELETE FROM {table} WHERE citizen_id = ?1 AND level = ?2 AND kind = ?3
             AND event_id IS NULL"
        ))
        .map_err(backend)?
        .execute(params![
            ev.citizen.as_u64() as i64,
            ev.level.number(),
            kind_code(ev.kind)
        ])
    } else {
        conn.prepare_cached(&format!("DELETE FROM {table} WHERE event_id = ?1"))
            .map_err(backend)?
            .execute([ev.id.as_str()])
    }
    .map_err(backend)?;
    Ok(())
}

/// The held events in `scope` (and under `query.unit`), oldest received
/// first.
pub(crate) fn list(conn: &Connection, scope: &Scope, query: &PendingQuery) -> Result<PendingList> {
    let index = UnitIndex::load(conn, scope)?;
    let under = match &query.unit {
        Some(code) => {
            let node = index
                .get(code)
                .ok_or_else(|| phuxanh_store::StoreError::UnknownUnit(code.clone()))?;
            if !index.in_scope(node.id) {
                return Err(phuxanh_store::StoreError::OutOfScope(code.clone()));
            }
            Some(node.id)
        }
        None => None,
    };
    let mut stmt = conn
        .prepare(&format!(
            "SELECT {}, p.waiting_for, p.received_at, p.source, u.code
             FROM pending p JOIN citizen_ids i ON i.id = p.citizen_id
             JOIN units u ON u.id = i.unit_id
             WHERE p.received_at < ?1
             ORDER BY p.received_at, p.citizen_id, p.level, p.at, p.kind",
            EVENT_COLUMNS
                .split(", ")
                .map(|c| format!("p.{c}"))
                .collect::<Vec<_>>()
                .join(", ")
        ))
        .map_err(backend)?;
    let before = query
        .received_before
        .map_or(i64::MAX, Instant::unix_seconds);
    let mut rows = stmt.query([before]).map_err(backend)?;
    let mut list = PendingList::default();
    let mut unit_ids: std::collections::HashMap<String, i64> = Default::default();
    while let Some(r) = rows.next().map_err(backend)? {
        let code: String = r.get(11).map_err(backend)?;
        let unit_id = match unit_ids.get(&code) {
            Some(id) => *id,
            None => {
                let unit = parse_stored(&code)?;
                let id = index.get(&unit).map_or(-1, |n| n.id);
                unit_ids.insert(code.clone(), id);
                id
            }
        };
        let visible =
            index.in_scope(unit_id) && under.is_none_or(|u| index.lineage(unit_id).any(|a| a == u));
        if !visible {
            continue;
        }
        list.total += 1;
        if list.events.len() < query.limit {
            list.events.push(PendingEvent {
                event: event_from(r)?,
                unit: parse_stored(&code)?,
                waiting_for: r.get(8).map_err(backend)?,
                received_at: Instant::from_unix_seconds(r.get(9).map_err(backend)?),
                source: r.get(10).map_err(backend)?,
            });
        }
    }
    Ok(list)
}
