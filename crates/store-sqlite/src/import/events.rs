//! `events import` and `status import`: lifecycle events, checked against
//! each citizen's timeline as a set (see `phuxanh_domain::timeline`); all
//! events of one row stand or fall together.
//!
//! Rows are taken in batches. A batch's citizens are read in one sweep in
//! id order. A row whose new events simply extend what the citizen has
//! recorded (the common case) is accepted at once; at the end of the batch
//! the accepted events are written by multi-row inserts, in citizen order,
//! and each citizen's first days once. Every other row — an event before
//! its predecessor, a conflict, a citizen with held events — puts its
//! citizen aside: their rows wait until the whole input has been read, and
//! are then resolved together, with the citizen's recorded and held events,
//! by `timeline::resolve`. So the order of rows never matters.
//!
//! A first load (no events yet) builds the by-citizen index once, at the
//! end. Until then a citizen whose recorded events would have to be read
//! back (rows far apart in the file) is put aside the same way.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use phuxanh_domain::timeline::{self, Incoming, Outcome};
use phuxanh_domain::{CitizenId, Day, Event, EventId, EventKind, Firsts, Instant, Level};
use phuxanh_store::{ImportMode, ImportReport, Result, Row, Rows, Scope, StoreError};
use rusqlite::{Connection, ToSql};

use super::finish;
use crate::backend;
use crate::counters::Deltas;
use crate::tree::UnitIndex;
use crate::{pending, state};

/// Rows checked between two writes.
const BATCH: usize = 4096;
/// Events per multi-row insert (8 parameters each).
const INSERT_ROWS: usize = 64;

pub(crate) fn kind_code(kind: EventKind) -> i64 {
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

pub(crate) const EVENT_COLUMNS: &str =
    "event_id, citizen_id, kind, level, at, team_id, session_id, reason";

/// An event as `SELECT {EVENT_COLUMNS}` returns it.
pub(crate) fn event_from(r: &rusqlite::Row<'_>) -> Result<Event> {
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

/// Where an event is kept: recorded (`events`, counted) or held
/// (`pending`, waiting for its predecessors).
#[derive(Clone, Copy, Debug)]
enum Ledger {
    Recorded,
    Held,
}

impl Ledger {
    fn table(self) -> &'static str {
        match self {
            Ledger::Recorded => "events",
            Ledger::Held => "pending",
        }
    }
}

/// The event kept under an explicit (not snapshot) id, if any.
fn event_by_id(conn: &Connection, ledger: Ledger, id: &EventId) -> Result<Option<Event>> {
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT {EVENT_COLUMNS} FROM {} WHERE event_id = ?1",
            ledger.table()
        ))
        .map_err(backend)?;
    let mut rows = stmt.query([id.as_str()]).map_err(backend)?;
    rows.next().map_err(backend)?.map(event_from).transpose()
}

/// Every event of a citizen kept there.
fn events_of(conn: &Connection, ledger: Ledger, citizen: CitizenId) -> Result<Vec<Event>> {
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT {EVENT_COLUMNS} FROM {} WHERE citizen_id = ?1",
            ledger.table()
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

fn id_reused(id: &EventId, known: &Event) -> String {
    format!(
        "event id '{id}' was recorded before with different content ({}); give a new event its own id",
        known.describe()
    )
}

/// What one row of events comes to, checked on its own.
enum Checked {
    /// Every event was recorded before, identically.
    Unchanged,
    /// These events are new and extend the citizen's lifecycle.
    Apply(Vec<Event>),
    /// To be resolved with the citizen's other rows at the end.
    Aside,
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
        widen_span(conn, &events)?;
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

/// Widens the span of time the recorded events cover (`meta`'s
/// `first_event_at` and `last_event_at`, Unix seconds) to take in `events`.
fn widen_span(conn: &Connection, events: &[Event]) -> Result<()> {
    let ats = events.iter().map(|e| e.at.unix_seconds());
    let (Some(first), Some(last)) = (ats.clone().min(), ats.max()) else {
        return Ok(());
    };
    for (key, at, keep) in [
        ("first_event_at", first, "min"),
        ("last_event_at", last, "max"),
    ] {
        conn.prepare_cached(&format!(
            "INSERT INTO meta (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE
             SET value = {keep}(CAST(value AS INTEGER), CAST(excluded.value AS INTEGER))"
        ))
        .map_err(backend)?
        .execute(rusqlite::params![key, at])
        .map_err(backend)?;
    }
    Ok(())
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

/// Rows put aside until the whole input is read: those of citizens whose
/// rows do not simply extend what they have recorded.
#[derive(Default)]
struct Aside {
    citizens: HashSet<CitizenId>,
    rows: Vec<Incoming>,
    /// Explicit ids among them, with the citizen and line of each.
    ids: HashMap<EventId, (CitizenId, u64)>,
}

/// The state of an events import between batches.
struct Import<'a> {
    conn: &'a Connection,
    index: &'a UnitIndex,
    now: Instant,
    source: &'a str,
    report: ImportReport,
    deltas: Deltas,
    /// Whether `events_by_citizen` exists: a first load drops it and builds
    /// it at the end.
    by_citizen: bool,
    /// Whether any event was held when the import began.
    any_held: bool,
    aside: Aside,
}

impl Import<'_> {
    /// Builds `events_by_citizen` if a first load dropped it — by sorting
    /// the events once, far cheaper than millions of inserts at random keys.
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
        Ok(())
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

    /// Checks rows that passed [`precheck`]: accepts those that extend what
    /// their citizen has recorded and writes them; puts the others aside.
    fn apply(&mut self, valid: Vec<(u64, Vec<Event>)>) -> Result<()> {
        let mut citizens = load_citizens(self.conn, valid.iter().map(|(_, e)| e[0].citizen))?;
        if self.any_held {
            let mut ids: Vec<i64> = citizens.keys().map(|c| c.as_u64() as i64).collect();
            ids.sort_unstable();
            for id in pending::citizens_among(self.conn, &ids)? {
                let citizen = CitizenId::from_u64(id as u64).map_err(corrupt)?;
                self.aside.citizens.insert(citizen);
            }
        }
        let mut accepted = Accepted::default();
        for (line, events) in valid {
            let citizen = events[0].citizen;
            match self.check(&citizens, &accepted, &events)? {
                Checked::Unchanged => self.report.unchanged += 1,
                Checked::Refused(reason) => self.report.refuse(line, reason),
                Checked::Aside => self.put_aside(line, events),
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

    fn put_aside(&mut self, line: u64, events: Vec<Event>) {
        let citizen = events[0].citizen;
        for ev in events.iter().filter(|e| !e.id.is_snapshot()) {
            self.aside.ids.insert(ev.id.clone(), (citizen, line));
        }
        self.aside.citizens.insert(citizen);
        self.aside.rows.push(Incoming { line, events });
    }

    /// Checks one row's events against the database and the batch so far.
    fn check(
        &self,
        citizens: &HashMap<CitizenId, Known>,
        accepted: &Accepted,
        events: &[Event],
    ) -> Result<Checked> {
        let citizen_id = events[0].citizen;
        // A scoped caller learns nothing of citizens outside their units:
        // not on the roster and elsewhere read alike.
        let not_yours = || {
            Checked::Refused(format!(
                "citizen {citizen_id} is not on the roster of your units"
            ))
        };
        let Some(citizen) = citizens.get(&citizen_id) else {
            if !self.index.sees_everything() {
                return Ok(not_yours());
            }
            return Ok(Checked::Refused(format!(
                "unknown citizen {citizen_id}: import the roster first (`phuxanh citizens import`)"
            )));
        };
        if !self.index.in_scope(citizen.unit_id) {
            return Ok(not_yours());
        }
        // An explicit id may be another citizen's: recorded, held, or
        // given earlier in this input.
        for ev in events.iter().filter(|e| !e.id.is_snapshot()) {
            if let Some((other, other_line)) = self.aside.ids.get(&ev.id)
                && *other != citizen_id
            {
                return Ok(Checked::Refused(format!(
                    "event id '{}' is given on line {other_line} to an event of citizen {other}; give each event its own id",
                    ev.id
                )));
            }
            let other = match accepted.with_id(&ev.id) {
                Some(e) => Some(e.clone()),
                None => match event_by_id(self.conn, Ledger::Recorded, &ev.id)? {
                    Some(e) => Some(e),
                    None if self.any_held => event_by_id(self.conn, Ledger::Held, &ev.id)?,
                    None => None,
                },
            };
            if let Some(other) = other
                && other.citizen != citizen_id
            {
                // Another citizen's event: said in full only to whoever
                // sees every unit.
                return Ok(Checked::Refused(if self.index.sees_everything() {
                    id_reused(&ev.id, &other)
                } else {
                    format!(
                        "event id '{}' is taken by another event; give each event its own id",
                        ev.id
                    )
                }));
            }
        }
        // Citizens put aside stay aside; so do those whose recorded events
        // cannot be read back yet (a first load, before the index).
        let reads_back = !citizen.stored.is_empty();
        if self.aside.citizens.contains(&citizen_id) || (reads_back && !self.by_citizen) {
            return Ok(Checked::Aside);
        }
        // Every event sets a first day: a citizen without any has no events
        // recorded, and needs no look-up.
        let mut recorded = if reads_back {
            events_of(self.conn, Ledger::Recorded, citizen_id)?
        } else {
            Vec::new()
        };
        recorded.extend_from_slice(accepted.of(citizen_id));
        let mut fresh = Vec::with_capacity(events.len());
        for ev in events {
            match recorded.iter().find(|r| r.id == ev.id) {
                Some(r) if r == ev => continue,
                Some(_) => return Ok(Checked::Aside), // refused with the reasons of resolve
                None => fresh.push(ev.clone()),
            }
        }
        if fresh.is_empty() {
            return Ok(Checked::Unchanged);
        }
        let all: Vec<&Event> = recorded.iter().chain(&fresh).collect();
        Ok(if timeline::extends(&all) {
            Checked::Apply(fresh)
        } else {
            Checked::Aside
        })
    }

    /// Resolves the rows put aside, citizen by citizen, with each one's
    /// recorded and held events, once everything has been read.
    fn resolve_aside(&mut self) -> Result<()> {
        let Aside { rows, .. } = std::mem::take(&mut self.aside);
        let mut by_citizen: HashMap<CitizenId, Vec<Incoming>> = HashMap::default();
        for row in rows {
            by_citizen
                .entry(row.events[0].citizen)
                .or_default()
                .push(row);
        }
        let mut citizens: Vec<(CitizenId, Vec<Incoming>)> = by_citizen.into_iter().collect();
        citizens.sort_unstable_by_key(|(id, _)| *id);
        for chunk in citizens.chunks_mut(BATCH) {
            let known = load_citizens(self.conn, chunk.iter().map(|(id, _)| *id))?;
            let mut record = Accepted::default();
            let mut changed: Vec<(i64, Firsts)> = Vec::with_capacity(chunk.len());
            for (citizen, rows) in chunk.iter_mut() {
                let k = &known[citizen];
                let recorded = events_of(self.conn, Ledger::Recorded, *citizen)?;
                let held = events_of(self.conn, Ledger::Held, *citizen)?;
                let r = timeline::resolve(&recorded, &held, std::mem::take(rows));
                for (line, outcome) in r.rows {
                    match outcome {
                        Outcome::Unchanged => self.report.unchanged += 1,
                        Outcome::Applied => self.report.applied += 1,
                        Outcome::Held(reason) => self.report.hold(line, reason),
                        Outcome::Refused(reason) => self.report.refuse(line, reason),
                    }
                }
                for ev in &r.released {
                    pending::delete(self.conn, "pending", ev)?;
                }
                for (ev, waiting_for) in &r.still_held {
                    pending::rewait(self.conn, ev, waiting_for)?;
                }
                for (ev, waiting_for) in r.withdrawn.iter().chain(&r.hold) {
                    if r.withdrawn.iter().any(|(w, _)| w == ev) {
                        pending::delete(self.conn, "events", ev)?;
                    }
                    pending::hold(self.conn, ev, waiting_for, self.now, self.source)?;
                }
                self.report.released += r.released.len() as u64;
                self.report.withdrawn += r.withdrawn.len() as u64;
                // First days from what is recorded now.
                let mut firsts = Firsts::default();
                let still = |e: &&Event| !r.withdrawn.iter().any(|(w, _)| w == *e);
                for ev in recorded.iter().filter(still).chain(&r.record) {
                    firsts.record(ev.kind, ev.level, ev.at.day());
                }
                if firsts != k.stored {
                    changed.push((k.row_id, firsts));
                    self.deltas.firsts_changed(k.unit_id, &k.stored, &firsts);
                }
                record.add(r.record);
            }
            record.write(self.conn)?;
            changed.sort_unstable_by_key(|(row_id, _)| *row_id);
            state::set_firsts(self.conn, &changed)?;
        }
        Ok(())
    }
}

pub(crate) fn events(
    conn: &mut Connection,
    scope: &Scope,
    rows: Rows<Vec<Event>>,
    mode: ImportMode,
    now: Instant,
    source: &str,
) -> Result<ImportReport> {
    let tx = crate::write_transaction(conn)?;
    let index = UnitIndex::load(&tx, scope)?;
    // A first load into an empty events table builds the by-citizen index
    // once, at the end. The drop is part of the transaction, so a rollback
    // restores it.
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
        source,
        report: ImportReport::default(),
        deltas: Deltas::default(),
        by_citizen: !first_load,
        any_held: pending::any(&tx)?,
        aside: Aside::default(),
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
    import.resolve_aside()?;
    let Import { report, deltas, .. } = import;
    if report.applied > 0 || report.released > 0 {
        // When events were last recorded, and from where.
        let mut set = tx
            .prepare_cached("INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)")
            .map_err(backend)?;
        set.execute(rusqlite::params!["updated_at", now.unix_seconds()])
            .map_err(backend)?;
        set.execute(rusqlite::params!["updated_by", source])
            .map_err(backend)?;
    }
    finish(tx, report, mode, deltas.roll_up(&index))
}
