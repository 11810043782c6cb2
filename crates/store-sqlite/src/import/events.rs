//! `events import` and `status import`: lifecycle events, checked against
//! each citizen's timeline; all events of one row stand or fall together.

use phuxanh_domain::{
    CitizenId, Day, Event, EventId, EventKind, Firsts, Instant, Level, Metric, lifecycle,
};
use phuxanh_store::{ImportMode, ImportReport, Result, Rows, Scope};
use rusqlite::{Connection, OptionalExtension, params};

use super::citizens::{Stored, load_citizen};
use super::finish;
use crate::backend;
use crate::counters::Deltas;
use crate::tree::UnitIndex;

fn kind_code(kind: EventKind) -> i64 {
    match kind {
        EventKind::Collected => 0,
        EventKind::Approved => 1,
        EventKind::Rejected => 2,
        EventKind::Activated => 3,
        EventKind::Used => 4,
    }
}

pub(crate) fn kind_from_code(code: i64) -> Result<EventKind> {
    EventKind::ALL
        .into_iter()
        .find(|&k| kind_code(k) == code)
        .ok_or_else(|| {
            phuxanh_store::StoreError::Backend(format!("corrupt event kind {code}").into())
        })
}

fn load_event(conn: &Connection, id: &EventId) -> Result<Option<Event>> {
    let row = conn
        .prepare_cached(
            "SELECT citizen_id, kind, level, at, team_id, session_id, reason FROM events WHERE event_id = ?1",
        )
        .map_err(backend)?
        .query_row([id.as_str()], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, u8>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, Option<String>>(4)?,
                r.get::<_, Option<String>>(5)?,
                r.get::<_, Option<String>>(6)?,
            ))
        })
        .optional()
        .map_err(backend)?;
    let Some((citizen, kind, level, at, team_id, session_id, reason)) = row else {
        return Ok(None);
    };
    let corrupt = |e: String| phuxanh_store::StoreError::Backend(e.into());
    Ok(Some(Event {
        id: id.clone(),
        citizen: CitizenId::from_u64(citizen as u64).map_err(corrupt)?,
        kind: kind_from_code(kind)?,
        level: Level::from_number(level).map_err(corrupt)?,
        at: Instant::from_unix_seconds(at),
        team_id,
        session_id,
        reason,
    }))
}

fn timeline(
    conn: &Connection,
    citizen: CitizenId,
    level: Level,
) -> Result<Vec<(Instant, EventKind)>> {
    let mut stmt = conn
        .prepare_cached("SELECT at, kind FROM events WHERE citizen_id = ?1 AND level = ?2")
        .map_err(backend)?;
    let rows = stmt
        .query_map(params![citizen.as_u64() as i64, level.number()], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?))
        })
        .map_err(backend)?;
    let mut out = Vec::new();
    for row in rows {
        let (at, kind) = row.map_err(backend)?;
        out.push((Instant::from_unix_seconds(at), kind_from_code(kind)?));
    }
    Ok(out)
}

fn describe(e: &Event) -> String {
    format!(
        "{} {} at level {} on {}",
        e.citizen,
        e.kind,
        e.level,
        e.at.to_rfc3339()
    )
}

/// What one row of events comes to.
enum Checked {
    /// Every event was recorded before, identically.
    Unchanged,
    /// These events are new and fit the citizen's lifecycle.
    Apply {
        fresh: Vec<Event>,
        citizen: Stored,
    },
    Refused(String),
}

/// Checks one row's events against the database.
fn check_events(
    conn: &Connection,
    index: &UnitIndex,
    events: Vec<Event>,
    now: Instant,
) -> Result<Checked> {
    let Some(first) = events.first() else {
        return Ok(Checked::Unchanged);
    };
    let citizen_id = first.citizen;
    for ev in &events {
        if ev.citizen != citizen_id {
            return Ok(Checked::Refused(
                "a row's events must all be about one citizen".into(),
            ));
        }
        if ev.at > now {
            return Ok(Checked::Refused(format!(
                "{} is in the future",
                ev.at.to_rfc3339()
            )));
        }
        if ev.at.day() < Day::EPOCH {
            return Ok(Checked::Refused(format!(
                "{} is before {}, when Phủ Xanh starts counting",
                ev.at.to_rfc3339(),
                Day::EPOCH
            )));
        }
    }
    let Some(citizen) = load_citizen(conn, citizen_id)? else {
        return Ok(Checked::Refused(format!(
            "unknown citizen {citizen_id}: import the roster first (`phuxanh citizens import`)"
        )));
    };
    if !index.in_scope(citizen.unit_id) {
        return Ok(Checked::Refused(format!(
            "citizen {citizen_id} lives in a unit outside your units"
        )));
    }
    // A citizen with nothing recorded yet cannot be sent an event twice, and
    // their events need only fit among themselves: no look-ups. (An id used
    // by another citizen is caught when the insert fails.)
    let fresh = if citizen.firsts.is_empty() {
        events
    } else {
        let mut fresh = Vec::with_capacity(events.len());
        for ev in events {
            match load_event(conn, &ev.id)? {
                None => fresh.push(ev),
                Some(stored) if stored == ev => {}
                Some(stored) => return Ok(Checked::Refused(id_reused(&ev.id, &stored))),
            }
        }
        fresh
    };
    if fresh.is_empty() {
        return Ok(Checked::Unchanged);
    }
    for level in [Level::One, Level::Two] {
        let mut events: Vec<(Instant, EventKind)> = fresh
            .iter()
            .filter(|e| e.level == level)
            .map(|e| (e.at, e.kind))
            .collect();
        if events.is_empty() {
            continue;
        }
        if !citizen.firsts.is_empty() {
            events.extend(timeline(conn, citizen_id, level)?);
        }
        if let Err((at, e)) = lifecycle::replay(&mut events) {
            return Ok(Checked::Refused(format!(
                "out of lifecycle order for citizen {citizen_id} at level {level}: {e} (event on {})",
                at.to_rfc3339()
            )));
        }
    }
    Ok(Checked::Apply { fresh, citizen })
}

fn id_reused(id: &EventId, stored: &Event) -> String {
    format!(
        "event id '{id}' was recorded before with different content ({}); give a new event its own id",
        describe(stored)
    )
}

/// Inserts a row's events; if one's id is taken (by another citizen's
/// event), takes back the ones inserted and returns that id.
fn insert_events(conn: &Connection, events: &[Event]) -> Result<Option<EventId>> {
    let mut insert = conn
        .prepare_cached(
            "INSERT INTO events (event_id, citizen_id, kind, level, at, team_id, session_id, reason)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )
        .map_err(backend)?;
    for (i, ev) in events.iter().enumerate() {
        let inserted = insert.execute(params![
            ev.id.as_str(),
            ev.citizen.as_u64() as i64,
            kind_code(ev.kind),
            ev.level.number(),
            ev.at.unix_seconds(),
            ev.team_id,
            ev.session_id,
            ev.reason
        ]);
        match inserted {
            Ok(_) => {}
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::ConstraintViolation =>
            {
                let mut undo = conn
                    .prepare_cached("DELETE FROM events WHERE event_id = ?1")
                    .map_err(backend)?;
                for done in &events[..i] {
                    undo.execute([done.id.as_str()]).map_err(backend)?;
                }
                return Ok(Some(ev.id.clone()));
            }
            Err(e) => return Err(backend(e)),
        }
    }
    Ok(None)
}

pub(crate) fn events(
    conn: &mut Connection,
    scope: &Scope,
    rows: Rows<Vec<Event>>,
    mode: ImportMode,
    now: Instant,
) -> Result<ImportReport> {
    let tx = conn.transaction().map_err(backend)?;
    let index = UnitIndex::load(&tx, scope)?;
    let mut report = ImportReport::default();
    let mut deltas = Deltas::default();
    for row in rows {
        report.read += 1;
        let events = match row.value {
            Ok(e) => e,
            Err(reason) => {
                report.refuse(row.line, reason);
                continue;
            }
        };
        let (fresh, citizen) = match check_events(&tx, &index, events, now)? {
            Checked::Apply { fresh, citizen } => (fresh, citizen),
            Checked::Unchanged => {
                report.unchanged += 1;
                continue;
            }
            Checked::Refused(reason) => {
                report.refuse(row.line, reason);
                continue;
            }
        };
        if let Some(id) = insert_events(&tx, &fresh)? {
            let stored = load_event(&tx, &id)?.ok_or_else(|| {
                phuxanh_store::StoreError::Backend(format!("event '{id}' vanished").into())
            })?;
            report.refuse(row.line, id_reused(&id, &stored));
            continue;
        }
        let mut firsts = citizen.firsts;
        for ev in &fresh {
            firsts.record(ev.kind, ev.level, ev.at.day());
        }
        if firsts != citizen.firsts {
            store_firsts(&tx, fresh[0].citizen, &firsts)?;
            deltas.firsts_changed(citizen.unit_id, &citizen.firsts, &firsts);
        }
        report.applied += 1;
    }
    finish(tx, report, mode, deltas, &index)
}

pub(crate) fn store_firsts(conn: &Connection, id: CitizenId, firsts: &Firsts) -> Result<()> {
    let d: Vec<Option<i32>> = Metric::FROM_EVENTS
        .iter()
        .map(|&m| firsts.get(m).map(Day::number))
        .collect();
    conn.prepare_cached(
        "UPDATE citizens SET f_collected = ?2, f_collected_l2 = ?3, f_approved = ?4, f_rejected = ?5,
         f_activated = ?6, f_activated_l2 = ?7, f_used = ?8 WHERE id = ?1",
    )
    .map_err(backend)?
    .execute(params![id.as_u64() as i64, d[0], d[1], d[2], d[3], d[4], d[5], d[6]])
    .map_err(backend)?;
    Ok(())
}
