//! Imports: every row is checked against the database inside one
//! transaction; refused rows are collected with their line and reason, and
//! an atomic import with any refusal is rolled back whole. Counter changes
//! are gathered as deltas and merged once, at the end.

use std::collections::{HashMap, HashSet};

use phuxanh_domain::{
    Citizen, CitizenId, Contribution, Day, Event, EventId, EventKind, Firsts, Instant, Level,
    Metric, Sex, UnitLevel, citizen::eligible_from, lifecycle,
};
use phuxanh_store::{ImportMode, ImportReport, Result, Rows, Scope, TargetRecord, Unit};
use rusqlite::{Connection, OptionalExtension, Transaction, params};

use crate::counters::Deltas;
use crate::tree::{Node, UnitIndex};
use crate::{backend, parse_stored};

/// Commits, or rolls back an atomic import that refused rows.
fn finish(
    tx: Transaction<'_>,
    mut report: ImportReport,
    mode: ImportMode,
    deltas: Deltas,
    units: &UnitIndex,
) -> Result<ImportReport> {
    if mode == ImportMode::Atomic && !report.refused.is_empty() {
        tx.rollback().map_err(backend)?;
        report.applied = 0;
        report.unchanged = 0;
        report.committed = false;
        return Ok(report);
    }
    deltas.flush(&tx, units)?;
    tx.commit().map_err(backend)?;
    report.committed = true;
    Ok(report)
}

pub(crate) fn units(
    conn: &mut Connection,
    scope: &Scope,
    rows: Rows<Unit>,
    mode: ImportMode,
) -> Result<ImportReport> {
    let tx = conn.transaction().map_err(backend)?;
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
                };
                index.add(&unit.code, node);
                report.applied += 1;
            }
        }
    }
    finish(tx, report, mode, Deltas::default(), &index)
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
        Some(p) => match index.get(p) {
            Some(node) => Some(node),
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

/// A citizen as the database holds them.
struct Stored {
    unit_id: i64,
    birth: Day,
    firsts: Firsts,
    full_name: String,
    sex: Sex,
    household_id: Option<String>,
    address: Option<String>,
    phone: Option<String>,
}

const FIRSTS: &str =
    "f_collected, f_collected_l2, f_approved, f_rejected, f_activated, f_activated_l2, f_used";

fn firsts_from(r: &rusqlite::Row<'_>, first: usize) -> rusqlite::Result<Firsts> {
    let mut f = Firsts::default();
    for (i, slot) in f.0.iter_mut().enumerate() {
        *slot = r.get::<_, Option<i32>>(first + i)?.map(Day::from_number);
    }
    Ok(f)
}

fn load_citizen(conn: &Connection, id: CitizenId) -> Result<Option<Stored>> {
    conn.prepare_cached(&format!(
        "SELECT unit_id, birth_date, full_name, sex, household_id, address, phone, {FIRSTS}
         FROM citizens WHERE id = ?1"
    ))
    .map_err(backend)?
    .query_row([id.as_u64() as i64], |r| {
        Ok(Stored {
            unit_id: r.get(0)?,
            birth: Day::from_number(r.get(1)?),
            full_name: r.get(2)?,
            sex: if r.get::<_, String>(3)? == "F" {
                Sex::Female
            } else {
                Sex::Male
            },
            household_id: r.get(4)?,
            address: r.get(5)?,
            phone: r.get(6)?,
            firsts: firsts_from(r, 7)?,
        })
    })
    .optional()
    .map_err(backend)
}

fn residence_problem(index: &UnitIndex, unit: &phuxanh_domain::UnitCode) -> Result<Node, String> {
    let node = index.get(unit).ok_or_else(|| {
        format!("unknown unit '{unit}': import it first (`phuxanh units import`)")
    })?;
    if !index.in_scope(node.id) {
        return Err(format!("unit '{unit}' is outside your units"));
    }
    if !matches!(node.level, UnitLevel::Commune | UnitLevel::Village) {
        return Err(format!(
            "unit '{unit}' is a {}: a citizen lives in a commune or a village",
            node.level
        ));
    }
    Ok(node)
}

/// Citizens are written in chunks: one multi-row insert, in id order, adds
/// the new ones; only those already on the roster take the slower
/// compare-and-update path.
const CITIZEN_CHUNK: usize = 256;

/// A roster row that passed the checks that need no database.
struct Pending {
    line: u64,
    citizen: Citizen,
    unit: Node,
}

pub(crate) fn citizens(
    conn: &mut Connection,
    scope: &Scope,
    rows: Rows<Citizen>,
    mode: ImportMode,
    min_age: u8,
) -> Result<ImportReport> {
    let tx = conn.transaction().map_err(backend)?;
    let index = UnitIndex::load(&tx, scope)?;
    // A first load into an empty roster builds the id index once, at the
    // end, by sorting: far cheaper than a million random index inserts.
    // The drop is part of the transaction, so a rollback restores it.
    let first_load: bool = tx
        .query_row("SELECT NOT EXISTS (SELECT 1 FROM citizens)", [], |r| {
            r.get(0)
        })
        .map_err(backend)?;
    if first_load {
        tx.execute_batch("DROP INDEX citizens_by_id")
            .map_err(backend)?;
    }
    let mut roster = Roster {
        conn: &tx,
        index: &index,
        min_age,
        first_load,
        report: ImportReport::default(),
        deltas: Deltas::default(),
    };
    let mut seen: HashMap<u64, u64> = HashMap::new();
    let mut chunk: Vec<Pending> = Vec::with_capacity(CITIZEN_CHUNK);
    for row in rows {
        roster.report.read += 1;
        let c = match row.value {
            Ok(c) => c,
            Err(reason) => {
                roster.report.refuse(row.line, reason);
                continue;
            }
        };
        if let Some(first) = seen.insert(c.id.as_u64(), row.line) {
            roster.report.refuse(
                row.line,
                format!(
                    "citizen {} appears twice in this file (first at line {first})",
                    c.id
                ),
            );
            continue;
        }
        match residence_problem(&index, &c.unit) {
            Ok(unit) => chunk.push(Pending {
                line: row.line,
                citizen: c,
                unit,
            }),
            Err(reason) => roster.report.refuse(row.line, reason),
        }
        if chunk.len() == CITIZEN_CHUNK {
            roster.apply(&mut chunk)?;
        }
    }
    roster.apply(&mut chunk)?;
    let Roster { report, deltas, .. } = roster;
    if first_load {
        tx.execute_batch("CREATE UNIQUE INDEX citizens_by_id ON citizens (id)")
            .map_err(backend)?;
    }
    finish(tx, report, mode, deltas, &index)
}

/// The state of a roster import between chunks.
struct Roster<'a> {
    conn: &'a Connection,
    index: &'a UnitIndex,
    min_age: u8,
    first_load: bool,
    report: ImportReport,
    deltas: Deltas,
}

impl Roster<'_> {
    fn contribution(&self, birth: Day, firsts: Firsts) -> Contribution {
        Contribution {
            eligible_from: eligible_from(birth, self.min_age),
            firsts,
        }
    }

    /// Writes a chunk: new citizens in one statement, the others compared
    /// and updated one by one.
    fn apply(&mut self, chunk: &mut Vec<Pending>) -> Result<()> {
        if chunk.is_empty() {
            return Ok(());
        }
        // In id order the inserts walk the id index forwards.
        chunk.sort_unstable_by_key(|p| p.citizen.id);
        let added = insert_new_citizens(self.conn, chunk, self.first_load)?;
        for Pending {
            line,
            citizen: c,
            unit,
        } in chunk.drain(..)
        {
            if added.contains(&c.id.as_u64()) {
                let new = self.contribution(c.birth_date, Firsts::default());
                self.deltas.contribution(unit.id, &new, 1);
                self.report.applied += 1;
            } else {
                self.update(line, c, unit)?;
            }
        }
        Ok(())
    }

    /// A citizen already on the roster: unchanged, or updated (their counts
    /// move with them if their unit or birth date changed).
    fn update(&mut self, line: u64, c: Citizen, unit: Node) -> Result<()> {
        let old = load_citizen(self.conn, c.id)?.ok_or_else(|| {
            phuxanh_store::StoreError::Backend(format!("citizen {} vanished", c.id).into())
        })?;
        let same = old.unit_id == unit.id
            && old.birth == c.birth_date
            && old.full_name == c.full_name
            && old.sex == c.sex
            && old.household_id == c.household_id
            && old.address == c.address
            && old.phone == c.phone;
        if same {
            self.report.unchanged += 1;
            return Ok(());
        }
        if !self.index.in_scope(old.unit_id) {
            self.report.refuse(
                line,
                format!("citizen {} lives in a unit outside your units", c.id),
            );
            return Ok(());
        }
        self.conn
            .prepare_cached(
                "UPDATE citizens SET full_name = ?2, birth_date = ?3, sex = ?4, unit_id = ?5,
                 household_id = ?6, address = ?7, phone = ?8 WHERE id = ?1",
            )
            .map_err(backend)?
            .execute(params![
                c.id.as_u64() as i64,
                c.full_name,
                c.birth_date.number(),
                c.sex.as_str(),
                unit.id,
                c.household_id,
                c.address,
                c.phone
            ])
            .map_err(backend)?;
        if old.unit_id != unit.id || old.birth != c.birth_date {
            let before = self.contribution(old.birth, old.firsts);
            let after = self.contribution(c.birth_date, old.firsts);
            self.deltas.contribution(old.unit_id, &before, -1);
            self.deltas.contribution(unit.id, &after, 1);
        }
        self.report.applied += 1;
        Ok(())
    }
}

/// Inserts the chunk's citizens that are not on the roster yet; returns
/// their ids. One query finds those already there (none on a first load),
/// one statement inserts the others.
fn insert_new_citizens(
    conn: &Connection,
    chunk: &[Pending],
    first_load: bool,
) -> Result<HashSet<u64>> {
    let ids: Vec<i64> = chunk.iter().map(|p| p.citizen.id.as_u64() as i64).collect();
    let existing: HashSet<i64> = if first_load {
        HashSet::new()
    } else {
        let marks = vec!["?"; ids.len()].join(", ");
        let mut stmt = conn
            .prepare_cached(&format!("SELECT id FROM citizens WHERE id IN ({marks})"))
            .map_err(backend)?;
        let found = stmt
            .query_map(rusqlite::params_from_iter(&ids), |r| r.get::<_, i64>(0))
            .map_err(backend)?;
        found.collect::<rusqlite::Result<_>>().map_err(backend)?
    };
    let new: Vec<(&Pending, i64, i32)> = chunk
        .iter()
        .zip(&ids)
        .filter(|(_, id)| !existing.contains(id))
        .map(|(p, id)| (p, *id, p.citizen.birth_date.number()))
        .collect();
    if new.is_empty() {
        return Ok(HashSet::new());
    }
    let tuples = vec!["(?, ?, ?, ?, ?, ?, ?, ?)"; new.len()].join(", ");
    let mut values: Vec<&dyn rusqlite::ToSql> = Vec::with_capacity(new.len() * 8);
    for (p, id, birth) in &new {
        let c = &p.citizen;
        values.extend_from_slice(&[
            id,
            &c.full_name,
            birth,
            match c.sex {
                Sex::Male => &"M",
                Sex::Female => &"F",
            },
            &p.unit.id,
            &c.household_id,
            &c.address,
            &c.phone,
        ]);
    }
    conn.prepare_cached(&format!(
        "INSERT INTO citizens (id, full_name, birth_date, sex, unit_id, household_id, address, phone)
         VALUES {tuples}"
    ))
    .map_err(backend)?
    .execute(values.as_slice())
    .map_err(backend)?;
    Ok(new.iter().map(|(_, id, _)| *id as u64).collect())
}

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

pub(crate) fn targets(
    conn: &mut Connection,
    scope: &Scope,
    rows: Rows<TargetRecord>,
    mode: ImportMode,
    set_by: &str,
    now: Instant,
) -> Result<ImportReport> {
    let tx = conn.transaction().map_err(backend)?;
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
        let Some(node) = index.get(&t.unit) else {
            report.refuse(row.line, format!("unknown unit '{}'", t.unit));
            continue;
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
            if parse_stored::<phuxanh_domain::TargetValue>(&value)? == t.value
                && deadline == t.deadline.number()
            {
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
    finish(tx, report, mode, Deltas::default(), &index)
}
