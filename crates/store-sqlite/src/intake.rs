//! What phones send (the field page's sync): each entry logged once with
//! the phone's time and the server's, so that a retry gets the same answer
//! and a wrong clock is seen; and each phone's last sync, for field health.

use phuxanh_domain::{CitizenId, Firsts, Instant, UnitCode};
use phuxanh_store::{DeviceRow, DeviceSync, IntakeEntry, Result, Scope, StoreError};
use rusqlite::{Connection, OptionalExtension, params};

use crate::tree::UnitIndex;
use crate::{backend, parse_stored, state};

pub(crate) fn firsts_of(
    conn: &Connection,
    scope: &Scope,
    ids: &[CitizenId],
) -> Result<Vec<(CitizenId, UnitCode, Firsts)>> {
    let index = UnitIndex::load(conn, scope)?;
    let mut keys: Vec<i64> = ids.iter().map(|c| c.as_u64() as i64).collect();
    keys.sort_unstable();
    keys.dedup();
    let found = state::load(conn, &keys)?;
    let mut out = Vec::new();
    for id in ids {
        if let Some(s) = found
            .get(&(id.as_u64() as i64))
            .filter(|s| index.in_scope(s.unit_id))
        {
            out.push((
                *id,
                crate::tree::unit_by_id(conn, s.unit_id)?.code,
                s.firsts,
            ));
        }
    }
    Ok(out)
}

pub(crate) fn seen(conn: &Connection, ids: &[String]) -> Result<Vec<IntakeEntry>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT kind, citizen_id, body, phone_at, status, reason FROM intake WHERE entry_id = ?1",
        )
        .map_err(backend)?;
    let mut out = Vec::new();
    for id in ids {
        let row = stmt
            .query_row([id], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, Option<String>>(5)?,
                ))
            })
            .optional()
            .map_err(backend)?;
        if let Some((kind, citizen, body, at, status, reason)) = row {
            out.push(IntakeEntry {
                id: id.clone(),
                kind: if kind == "visit" { "visit" } else { "event" },
                citizen: CitizenId::from_u64(citizen as u64)
                    .map_err(|e| StoreError::Backend(e.into()))?,
                body,
                phone_at: Instant::from_unix_seconds(at),
                status,
                reason,
            });
        }
    }
    Ok(out)
}

pub(crate) fn log(
    conn: &mut Connection,
    device: &DeviceSync,
    entries: &[IntakeEntry],
) -> Result<()> {
    let tx = crate::write_transaction(conn)?;
    for e in entries {
        tx.prepare_cached(
            "INSERT INTO intake (entry_id, kind, citizen_id, body, phone_at, received_at, skew,
                                 device, username, status, reason)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
             ON CONFLICT (entry_id) DO NOTHING",
        )
        .map_err(backend)?
        .execute(params![
            e.id,
            e.kind,
            e.citizen.as_u64() as i64,
            e.body,
            e.phone_at.unix_seconds(),
            device.at.unix_seconds(),
            device.skew,
            device.device,
            device.username,
            e.status,
            e.reason,
        ])
        .map_err(backend)?;
    }
    tx.execute(
        "INSERT INTO devices (device, username, team, last_sync, skew, pending)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (device) DO UPDATE SET username = excluded.username, team = excluded.team,
             last_sync = excluded.last_sync, skew = excluded.skew, pending = excluded.pending",
        params![
            device.device,
            device.username,
            device.team,
            device.at.unix_seconds(),
            device.skew,
            device.pending as i64
        ],
    )
    .map_err(backend)?;
    tx.commit().map_err(backend)
}

pub(crate) fn devices(
    conn: &Connection,
    scope: &Scope,
    unit: Option<&UnitCode>,
) -> Result<Vec<DeviceRow>> {
    let index = UnitIndex::load(conn, scope)?;
    let root = index.root(unit)?;
    let mut stmt = conn
        .prepare(
            "SELECT d.device, d.username, d.team, d.last_sync, d.skew, d.pending, u.unit_id, un.code
             FROM devices d LEFT JOIN users u ON u.username = d.username
             LEFT JOIN units un ON un.id = u.unit_id
             ORDER BY d.last_sync DESC",
        )
        .map_err(backend)?;
    let mut rows = stmt.query([]).map_err(backend)?;
    let mut out = Vec::new();
    while let Some(r) = rows.next().map_err(backend)? {
        let unit_id: Option<i64> = r.get(6).map_err(backend)?;
        // A phone of an administrator of everything is listed only to
        // those who see everything.
        let visible = match unit_id {
            Some(u) => index.within(u, root),
            None => index.sees_everything() && root.is_none(),
        };
        if !visible {
            continue;
        }
        out.push(DeviceRow {
            sync: DeviceSync {
                device: r.get(0).map_err(backend)?,
                username: r.get(1).map_err(backend)?,
                team: r.get(2).map_err(backend)?,
                at: Instant::from_unix_seconds(r.get(3).map_err(backend)?),
                skew: r.get(4).map_err(backend)?,
                pending: r.get::<_, i64>(5).map_err(backend)? as u64,
            },
            unit: r
                .get::<_, Option<String>>(7)
                .map_err(backend)?
                .map(|c| parse_stored(&c))
                .transpose()?,
        });
    }
    Ok(out)
}

pub(crate) fn citizens_by_row(
    conn: &Connection,
    scope: &Scope,
    rows: &[i64],
) -> Result<Vec<(i64, CitizenId)>> {
    let index = UnitIndex::load(conn, scope)?;
    let mut stmt = conn
        .prepare_cached(
            "SELECT i.id, i.unit_id FROM citizens c JOIN citizen_ids i ON i.id = c.id WHERE c.row_id = ?1",
        )
        .map_err(backend)?;
    let mut out = Vec::new();
    for row in rows {
        let found: Option<(i64, i64)> = stmt
            .query_row([row], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()
            .map_err(backend)?;
        if let Some((id, unit)) = found.filter(|(_, unit)| index.in_scope(*unit)) {
            let _ = unit;
            out.push((
                *row,
                CitizenId::from_u64(id as u64).map_err(|e| StoreError::Backend(e.into()))?,
            ));
        }
    }
    Ok(out)
}
