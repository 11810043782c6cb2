//! `events import` and `status import`: lifecycle events, checked against
//! each citizen's timeline; all events of one row stand or fall together.
//!
//! Rows are taken in batches. A batch's citizens are read in one sweep in
//! id order; its rows are checked one after another against what the
//! database and the batch's earlier rows hold; at the end of the batch the
//! accepted events are written by multi-row inserts, in citizen order, and
//! each citizen's first days once.
//!
//! A first load (no events yet) builds the by-citizen index once, at the
//! end. Until then a status-snapshot row whose citizen already has events
//! from earlier in the file waits, and is checked after the others, once the
//! index exists: snapshot ids belong to one citizen, so the outcome is the
//! one file order gives. Rows with explicit ids are never put off.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use phuxanh_domain::{
    CitizenId, Day, Event, EventId, EventKind, Firsts, Instant, Level, lifecycle,
};
use phuxanh_store::{ImportMode, ImportReport, Result, Row, Rows, Scope, StoreError};
use rusqlite::{Connection, ToSql};

use super::finish;
use crate::backend;
use crate::counters::Deltas;
use crate::state;
use crate::tree::UnitIndex;

/// Rows checked between two writes.
const BATCH: usize = 4096;
/// Events per multi-row insert (8 parameters each).
const INSERT_ROWS: usize = 64;

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
        .ok_or_else(|| corrupt(format!("corrupt event kind {code}")))
}

fn corrupt(e: String) -> StoreError {
    StoreError::Backend(e.into())
}

const EVENT_COLUMNS: &str = "event_id, citizen_id, kind, level, at, team_id, session_id, reason";

/// An event as `SELECT {EVENT_COLUMNS}` returns it.
fn event_from(r: &rusqlite::Row<'_>) -> Result<Event> {
    let get = |e: rusqlite::Error| backend(e);
    let citizen = CitizenId::from_u64(r.get::<_, i64>(1).map_err(get)? as u64).map_err(corrupt)?;
    let kind = kind_from_code(r.get(2).map_err(get)?)?;
    let level = Level::from_number(r.get(3).map_err(get)?).map_err(corrupt)?;
    let id = match r.get::<_, Option<String>>(0).map_err(get)? {
        Some(id) => EventId::parse(&id).map_err(corrupt)?,
        None => Event::snapshot_id(citizen, level, kind),
    };
    Ok(Event {
        id,
        citizen,
        kind,
        level,
        at: Instant::from_unix_seconds(r.get(4).map_err(get)?),
        team_id: r.get(5).map_err(get)?,
        session_id: r.get(6).map_err(get)?,
        reason: r.get(7).map_err(get)?,
    })
}

/// The event recorded under an explicit (not snapshot) id, if any.
fn event_by_id(conn: &Connection, id: &EventId) -> Result<Option<Event>> {
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT {EVENT_COLUMNS} FROM events WHERE event_id = ?1"
        ))
        .map_err(backend)?;
    let mut rows = stmt.query([id.as_str()]).map_err(backend)?;
    rows.next().map_err(backend)?.map(event_from).transpose()
}

/// Every event recorded for a citizen.
fn events_of(conn: &Connection, citizen: CitizenId) -> Result<Vec<Event>> {
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT {EVENT_COLUMNS} FROM events WHERE citizen_id = ?1"
        ))
        .map_err(backend)?;
    let mut rows = stmt.query([citizen.as_u64() as i64]).map_err(backend)?;
    let mut out = Vec::new();
    while let Some(r) = rows.next().map_err(backend)? {
        out.push(event_from(r)?);
    }
    Ok(out)
}

/// What the import needs to know of a citizen.
struct Known {
    row_id: i64,
    unit_id: i64,
    /// First days as the database holds them.
    stored: Firsts,
    /// First days with the batch's accepted events.
    firsts: Firsts,
}

/// The citizens named by a batch, read in ID order.
fn load_citizens(
    conn: &Connection,
    ids: impl Iterator<Item = CitizenId>,
) -> Result<HashMap<CitizenId, Known>> {
    let mut ids: Vec<i64> = ids.map(|id| id.as_u64() as i64).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut known = HashMap::with_capacity_and_hasher(ids.len(), Default::default());
    for (id, s) in state::load(conn, &ids)? {
        let id = CitizenId::from_u64(id as u64).map_err(corrupt)?;
        let k = Known {
            row_id: s.row_id,
            unit_id: s.unit_id,
            stored: s.firsts,
            firsts: s.firsts,
        };
        known.insert(id, k);
    }
    Ok(known)
}

/// The checks that need no database: one citizen per row, no event in the
/// future or before Phủ Xanh starts counting.
fn precheck(events: &[Event], now: Instant) -> Result<(), String> {
    let Some(first) = events.first() else {
        return Ok(());
    };
    for ev in events {
        if ev.citizen != first.citizen {
            return Err("a row's events must all be about one citizen".into());
        }
        if ev.at > now {
            return Err(format!("{} is in the future", ev.at.to_rfc3339()));
        }
        if ev.at.day() < Day::EPOCH {
            return Err(format!(
                "{} is before {}, when Phủ Xanh starts counting",
                ev.at.to_rfc3339(),
                Day::EPOCH
            ));
        }
    }
    Ok(())
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

fn id_reused(id: &EventId, stored: &Event) -> String {
    format!(
        "event id '{id}' was recorded before with different content ({}); give a new event its own id",
        describe(stored)
    )
}

/// What one row of events comes to.
enum Checked {
    /// Every event was recorded before, identically.
    Unchanged,
    /// These events are new and fit the citizen's lifecycle.
    Apply(Vec<Event>),
    Refused(String),
}

/// Events accepted in the current batch, not written yet.
#[derive(Default)]
struct Accepted {
    by_citizen: HashMap<CitizenId, Vec<Event>>,
    /// Explicit ids, to find one reused within the batch.
    ids: HashMap<EventId, CitizenId>,
}

impl Accepted {
    fn of(&self, citizen: CitizenId) -> &[Event] {
        self.by_citizen.get(&citizen).map_or(&[], Vec::as_slice)
    }

    fn with_id(&self, id: &EventId) -> Option<&Event> {
        let citizen = self.ids.get(id)?;
        self.of(*citizen).iter().find(|e| &e.id == id)
    }

    fn add(&mut self, events: Vec<Event>) {
        for ev in events {
            if !ev.id.is_snapshot() {
                self.ids.insert(ev.id.clone(), ev.citizen);
            }
            self.by_citizen.entry(ev.citizen).or_default().push(ev);
        }
    }

    /// Writes the events in citizen order; snapshot events without their
    /// derived id.
    fn write(self, conn: &Connection) -> Result<()> {
        let mut citizens: Vec<(CitizenId, Vec<Event>)> = self.by_citizen.into_iter().collect();
        citizens.sort_unstable_by_key(|(id, _)| *id);
        let events: Vec<Event> = citizens.into_iter().flat_map(|(_, e)| e).collect();
        let one = "(?, ?, ?, ?, ?, ?, ?, ?)";
        let insert = |n: usize| {
            conn.prepare_cached(&format!(
                "INSERT INTO events ({EVENT_COLUMNS}) VALUES {}",
                vec![one; n].join(", ")
            ))
            .map_err(backend)
        };
        let mut many = insert(INSERT_ROWS)?;
        let mut single = insert(1)?;
        let chunks = events.chunks_exact(INSERT_ROWS);
        let rest = chunks.remainder();
        for chunk in chunks {
            insert_events(&mut many, chunk)?;
        }
        for ev in rest {
            insert_events(&mut single, std::slice::from_ref(ev))?;
        }
        Ok(())
    }
}

/// Runs an insert of `events.len()` rows of [`EVENT_COLUMNS`].
fn insert_events(stmt: &mut rusqlite::CachedStatement<'_>, events: &[Event]) -> Result<()> {
    let keys: Vec<(Option<&str>, i64, i64, u8, i64)> = events
        .iter()
        .map(|ev| {
            (
                (!ev.id.is_snapshot()).then(|| ev.id.as_str()),
                ev.citizen.as_u64() as i64,
                kind_code(ev.kind),
                ev.level.number(),
                ev.at.unix_seconds(),
            )
        })
        .collect();
    let mut values: Vec<&dyn ToSql> = Vec::with_capacity(events.len() * 8);
    for ((id, citizen, kind, level, at), ev) in keys.iter().zip(events) {
        values.extend_from_slice(&[
            id,
            citizen,
            kind,
            level,
            at,
            &ev.team_id,
            &ev.session_id,
            &ev.reason,
        ]);
    }
    stmt.execute(values.as_slice()).map_err(backend)?;
    Ok(())
}

/// The state of an events import between batches.
struct Import<'a> {
    conn: &'a Connection,
    index: &'a UnitIndex,
    now: Instant,
    report: ImportReport,
    deltas: Deltas,
    /// Whether `events_by_citizen` exists: a first load drops it and builds
    /// it at the end, or when rows with explicit ids need it.
    by_citizen: bool,
    /// Until then, the rows of citizens whose recorded events must be read
    /// back (a citizen on rows far apart in the file) wait, in file order.
    waiting: Vec<(u64, Vec<Event>)>,
    waiting_citizens: HashSet<CitizenId>,
}

impl Import<'_> {
    /// Builds `events_by_citizen` if a first load dropped it — by sorting
    /// the events once, far cheaper than millions of inserts at random
    /// keys — and checks the rows that were waiting for it.
    fn index_by_citizen(&mut self) -> Result<()> {
        if self.by_citizen {
            return Ok(());
        }
        self.conn
            .execute_batch(
                "PRAGMA threads = 2;
                 CREATE INDEX events_by_citizen ON events (citizen_id, level);
                 PRAGMA threads = 0;",
            )
            .map_err(backend)?;
        self.by_citizen = true;
        self.waiting_citizens.clear();
        let waiting = std::mem::take(&mut self.waiting);
        if waiting.is_empty() {
            return Ok(());
        }
        self.apply(waiting)
    }

    fn batch(&mut self, rows: Vec<Row<Vec<Event>>>) -> Result<()> {
        self.report.read += rows.len() as u64;
        let mut valid = Vec::with_capacity(rows.len());
        for row in rows {
            match row
                .value
                .and_then(|events| precheck(&events, self.now).map(|()| events))
            {
                Ok(events) if events.is_empty() => self.report.unchanged += 1,
                Ok(events) => valid.push((row.line, events)),
                Err(reason) => self.report.refuse(row.line, reason),
            }
        }
        self.apply(valid)
    }

    /// Checks rows that passed [`precheck`] and writes what they add.
    fn apply(&mut self, valid: Vec<(u64, Vec<Event>)>) -> Result<()> {
        let load = |valid: &[(u64, Vec<Event>)]| {
            load_citizens(self.conn, valid.iter().map(|(_, e)| e[0].citizen))
        };
        let mut citizens = load(&valid)?;
        // Rows with explicit ids are checked in file order (which of two
        // rows with one id comes second decides which is refused): if one
        // of this batch's citizens needs events read back, the index is
        // built, and the waiting rows are checked, now.
        if !self.by_citizen
            && valid
                .iter()
                .flat_map(|(_, e)| e)
                .any(|e| !e.id.is_snapshot())
            && valid
                .iter()
                .any(|(_, e)| self.reads_back(&citizens, e[0].citizen))
        {
            self.index_by_citizen()?;
            citizens = load(&valid)?;
        }
        let mut accepted = Accepted::default();
        for (line, events) in valid {
            let citizen = events[0].citizen;
            if !self.by_citizen && self.reads_back(&citizens, citizen) {
                self.waiting_citizens.insert(citizen);
                self.waiting.push((line, events));
                continue;
            }
            match self.check(&citizens, &accepted, events)? {
                Checked::Unchanged => self.report.unchanged += 1,
                Checked::Refused(reason) => self.report.refuse(line, reason),
                Checked::Apply(fresh) => {
                    let known = citizens
                        .get_mut(&citizen)
                        .expect("check refuses unknown citizens");
                    for ev in &fresh {
                        known.firsts.record(ev.kind, ev.level, ev.at.day());
                    }
                    accepted.add(fresh);
                    self.report.applied += 1;
                }
            }
        }
        accepted.write(self.conn)?;
        let mut changed: Vec<(i64, Firsts)> = Vec::with_capacity(citizens.len());
        for k in citizens.values().filter(|k| k.firsts != k.stored) {
            changed.push((k.row_id, k.firsts));
            self.deltas.firsts_changed(k.unit_id, &k.stored, &k.firsts);
        }
        changed.sort_unstable_by_key(|(row_id, _)| *row_id);
        state::set_firsts(self.conn, &changed)
    }

    /// Whether checking a row of `citizen` needs their recorded events read
    /// back: they have some, or rows of theirs are waiting.
    fn reads_back(&self, citizens: &HashMap<CitizenId, Known>, citizen: CitizenId) -> bool {
        self.waiting_citizens.contains(&citizen)
            || citizens.get(&citizen).is_some_and(|k| !k.stored.is_empty())
    }

    /// Checks one row's events against the database and the batch so far.
    fn check(
        &self,
        citizens: &HashMap<CitizenId, Known>,
        accepted: &Accepted,
        events: Vec<Event>,
    ) -> Result<Checked> {
        let citizen_id = events[0].citizen;
        let Some(citizen) = citizens.get(&citizen_id) else {
            return Ok(Checked::Refused(format!(
                "unknown citizen {citizen_id}: import the roster first (`phuxanh citizens import`)"
            )));
        };
        if !self.index.in_scope(citizen.unit_id) {
            return Ok(Checked::Refused(format!(
                "citizen {citizen_id} lives in a unit outside your units"
            )));
        }
        // Every event sets a first day: a citizen without any has no events
        // recorded, and needs no look-up.
        let mut recorded = if citizen.stored.is_empty() {
            Vec::new()
        } else {
            events_of(self.conn, citizen_id)?
        };
        recorded.extend_from_slice(accepted.of(citizen_id));
        let mut fresh = Vec::with_capacity(events.len());
        for ev in events {
            match recorded.iter().find(|r| r.id == ev.id) {
                Some(r) if *r == ev => continue,
                Some(r) => return Ok(Checked::Refused(id_reused(&ev.id, r))),
                None => {}
            }
            // An explicit id may be another citizen's.
            if !ev.id.is_snapshot() {
                let other = match accepted.with_id(&ev.id) {
                    Some(e) => Some(e.clone()),
                    None => event_by_id(self.conn, &ev.id)?,
                };
                if let Some(other) = other {
                    return Ok(Checked::Refused(id_reused(&ev.id, &other)));
                }
            }
            fresh.push(ev);
        }
        if fresh.is_empty() {
            return Ok(Checked::Unchanged);
        }
        for level in [Level::One, Level::Two] {
            let mut timeline: Vec<(Instant, EventKind)> = fresh
                .iter()
                .chain(&recorded)
                .filter(|e| e.level == level)
                .map(|e| (e.at, e.kind))
                .collect();
            if let Err((at, e)) = lifecycle::replay(&mut timeline) {
                return Ok(Checked::Refused(format!(
                    "out of lifecycle order for citizen {citizen_id} at level {level}: {e} (event on {})",
                    at.to_rfc3339()
                )));
            }
        }
        Ok(Checked::Apply(fresh))
    }
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
    // A first load into an empty events table builds the by-citizen index
    // once, at the end (see `Import::apply` for when it is needed sooner).
    // The drop is part of the transaction, so a rollback restores it.
    let first_load: bool = tx
        .query_row("SELECT NOT EXISTS (SELECT 1 FROM events)", [], |r| r.get(0))
        .map_err(backend)?;
    if first_load {
        tx.execute_batch("DROP INDEX events_by_citizen")
            .map_err(backend)?;
    }
    let mut import = Import {
        conn: &tx,
        index: &index,
        now,
        report: ImportReport::default(),
        deltas: Deltas::default(),
        by_citizen: !first_load,
        waiting: Vec::new(),
        waiting_citizens: HashSet::default(),
    };
    let mut batch = Vec::with_capacity(BATCH);
    for row in rows {
        batch.push(row);
        if batch.len() == BATCH {
            import.batch(std::mem::replace(&mut batch, Vec::with_capacity(BATCH)))?;
        }
    }
    import.batch(batch)?;
    import.index_by_citizen()?;
    let Import { report, deltas, .. } = import;
    finish(tx, report, mode, deltas.roll_up(&index))
}
