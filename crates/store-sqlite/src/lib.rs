//! The embedded SQLite backend: one database file, opened by the command
//! line or the server, holding units, roster, events, live counters,
//! targets and each unit's contacts. See `schema.sql` for the tables and `counters.rs` for how the
//! counters stay equal to what the events say.

mod access;
mod backup;
mod check;
mod contacts;
mod counters;
mod erase;
mod field;
mod import;
mod intake;
mod issued;
mod migrate;
mod pending;
mod reorganise;
mod settings;
mod state;
mod tree;
mod visits;

pub use backup::{BackupInfo, inspect as inspect_backup, open_for_verify};
pub use migrate::{Upgrade, VERSION as SCHEMA_VERSION, free_name};

use std::path::Path;
use std::time::Duration;

use phuxanh_domain::{Day, Instant, TargetMetric, TargetValue, Transition, UnitCode, UnitLevel};
use phuxanh_store::{
    Campaign, CheckReport, ContactsReport, Freshness, History, ImportMode, ImportReport,
    PendingList, PendingQuery, Reorganisation, ReorganiseReport, Result, Rows, Scope, Store,
    StoreError, Target, TargetRecord, Unit, UnitFigures,
};
use rusqlite::{Connection, OptionalExtension, params};

use phuxanh_domain::{Citizen, Contact, Event};

const SCHEMA: &str = include_str!("schema.sql");
/// How long a statement waits for another connection's lock, unless the
/// caller sets another time ([`SqliteStore::set_busy_timeout`]).
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// A Phủ Xanh database in one SQLite file.
pub struct SqliteStore {
    conn: Connection,
    /// Known once seen: a database does not become uninitialised.
    initialised: std::cell::Cell<bool>,
    /// The schema upgrade made when this connection opened, if one was.
    upgraded: Option<Upgrade>,
}

/// A SQLite error as the store reports it: another connection's lock not
/// freed in time is [`StoreError::Busy`], which callers may retry.
pub(crate) fn backend(e: rusqlite::Error) -> StoreError {
    match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) => {
            StoreError::Busy
        }
        _ => StoreError::Backend(Box::new(e)),
    }
}

/// Begins a write transaction that takes the write lock at once (waiting
/// for it up to the busy timeout). A deferred transaction would take it at
/// its first write instead, and in WAL mode fail there at once, without
/// waiting, if another writer had committed since it began reading.
pub(crate) fn write_transaction(conn: &mut Connection) -> Result<rusqlite::Transaction<'_>> {
    conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(backend)
}

/// Writes `rows` by `insert VALUES (…), (…), …` statements of
/// `per_statement` rows each, and one of the rest; `values` gives a row's
/// N columns. The full-size statement is cached; the last one, of any
/// size, is not, so that it does not push the hot statements out of the
/// cache.
pub(crate) fn write_rows<T, V: rusqlite::ToSql, const N: usize>(
    conn: &Connection,
    insert: &str,
    per_statement: usize,
    rows: &[T],
    values: impl Fn(&T) -> [V; N],
) -> Result<()> {
    let tuple = format!("({})", vec!["?"; N].join(", "));
    let sql = |n: usize| format!("{insert} VALUES {}", vec![tuple.as_str(); n].join(", "));
    let chunks = rows.chunks_exact(per_statement);
    let rest = chunks.remainder();
    if chunks.len() > 0 {
        let mut full = conn.prepare_cached(&sql(per_statement)).map_err(backend)?;
        for chunk in chunks {
            full.execute(rusqlite::params_from_iter(chunk.iter().flat_map(&values)))
                .map_err(backend)?;
        }
    }
    if !rest.is_empty() {
        conn.prepare(&sql(rest.len()))
            .map_err(backend)?
            .execute(rusqlite::params_from_iter(rest.iter().flat_map(&values)))
            .map_err(backend)?;
    }
    Ok(())
}

impl SqliteStore {
    /// Opens (creating if need be) the database file at `path`, upgrading
    /// its schema first if it is older than this binary's
    /// ([`SqliteStore::upgraded`] says so).
    pub fn open(path: &Path) -> Result<SqliteStore> {
        let conn = Connection::open(path).map_err(backend)?;
        let mut store = Self::with_connection(conn)?;
        if store.is_initialised()? {
            store.upgraded = migrate::upgrade(&mut store.conn, path)?;
        }
        Ok(store)
    }

    /// A database in memory, for tests.
    pub fn in_memory() -> Result<SqliteStore> {
        Self::with_connection(Connection::open_in_memory().map_err(backend)?)
    }

    /// The schema upgrade made when the database was opened, if any.
    pub fn upgraded(&self) -> Option<&Upgrade> {
        self.upgraded.as_ref()
    }

    /// How long a write waits for another writer's lock before it gives up
    /// with [`StoreError::Busy`]: the server answers within seconds, the
    /// command line may wait for another import to end.
    pub fn set_busy_timeout(&mut self, timeout: Duration) -> Result<()> {
        self.conn.busy_timeout(timeout).map_err(backend)
    }

    /// Settings for one writer and many readers: WAL, a page cache of up to
    /// 1 GiB (it grows only as used; imports at 10 M citizens need it) and
    /// memory-mapped reads.
    pub(crate) fn with_connection(conn: Connection) -> Result<SqliteStore> {
        // First, so that the settings below wait for a writer's lock too.
        conn.busy_timeout(BUSY_TIMEOUT).map_err(backend)?;
        conn.execute_batch(
            "PRAGMA synchronous = NORMAL;
             PRAGMA temp_store = MEMORY;
             PRAGMA cache_size = -1048576;
             PRAGMA mmap_size = 17179869184;",
        )
        .map_err(backend)?;
        // WAL is kept in the file; it is set once, when the file is new
        // (or if an old version of Phủ Xanh left it in another mode).
        let mode: String = conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .map_err(backend)?;
        let read_only = conn.is_readonly(rusqlite::MAIN_DB).map_err(backend)?;
        if !read_only && !mode.eq_ignore_ascii_case("wal") && !mode.eq_ignore_ascii_case("memory") {
            conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get::<_, String>(0))
                .map_err(backend)?;
        }
        // Room for every statement a report prepares, so none is parsed twice.
        conn.set_prepared_statement_cache_capacity(64);
        // Plans that do not depend on bound values. Without this, SQLite
        // marks a statement with ORDER BY and parameters to be re-planned
        // when its parameters change, and the statement cache clearing
        // them on every return made each use parse the SQL again: 57% of a
        // commune ranking's time. Our queries are seeks with fixed plans.
        conn.set_db_config(
            rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
            true,
        )
        .map_err(backend)?;
        Ok(SqliteStore {
            conn,
            initialised: std::cell::Cell::new(false),
            upgraded: None,
        })
    }

    /// Starts a read snapshot: until [`SqliteStore::end_snapshot`], every
    /// read sees the same committed state, and the file's locks are taken
    /// once instead of once per statement. For a connection that only
    /// reads (the server's read pool, one request at a time).
    pub fn begin_snapshot(&self) -> Result<()> {
        self.conn.execute_batch("BEGIN DEFERRED").map_err(backend)
    }

    /// Ends the read snapshot [`SqliteStore::begin_snapshot`] started.
    pub fn end_snapshot(&self) -> Result<()> {
        if self.conn.is_autocommit() {
            return Ok(());
        }
        self.conn.execute_batch("COMMIT").map_err(backend)
    }

    fn is_initialised(&self) -> Result<bool> {
        if self.initialised.get() {
            return Ok(true);
        }
        let n: i64 = self
            .conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'meta'",
                [],
                |r| r.get(0),
            )
            .map_err(backend)?;
        self.initialised.set(n > 0);
        Ok(n > 0)
    }

    fn require_initialised(&self) -> Result<()> {
        if self.is_initialised()? {
            Ok(())
        } else {
            Err(StoreError::NotInitialised)
        }
    }

    /// The unit's row id, checking that `scope` may see it.
    fn scoped_unit_id(&self, scope: &Scope, code: &UnitCode) -> Result<i64> {
        self.require_initialised()?;
        let id = tree::unit_id(&self.conn, code)?
            .ok_or_else(|| StoreError::UnknownUnit(code.clone()))?;
        if !tree::in_scope(&self.conn, scope, id)? {
            return Err(StoreError::OutOfScope(code.clone()));
        }
        Ok(id)
    }

    /// A unit's targets: the current ones, or every version (oldest first).
    fn targets_of(&self, unit_id: i64, history: bool) -> Result<Vec<Target>> {
        let mut stmt = self
            .conn
            .prepare_cached(if history {
                "SELECT metric, value, deadline, set_at, set_by, superseded_at FROM targets
                 WHERE unit_id = ?1 ORDER BY id"
            } else {
                "SELECT metric, value, deadline, set_at, set_by, superseded_at FROM targets
                 WHERE unit_id = ?1 AND superseded_at IS NULL"
            })
            .map_err(backend)?;
        let rows = stmt
            .query_map([unit_id], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i32>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, Option<i64>>(5)?,
                ))
            })
            .map_err(backend)?;
        let mut targets = Vec::new();
        for row in rows {
            let (metric, value, deadline, set_at, set_by, superseded_at) = row.map_err(backend)?;
            targets.push(Target {
                metric: parse_stored::<TargetMetric>(&metric)?,
                value: parse_stored::<TargetValue>(&value)?,
                deadline: Day::from_number(deadline),
                set_at: Instant::from_unix_seconds(set_at),
                set_by,
                superseded_at: superseded_at.map(Instant::from_unix_seconds),
            });
        }
        // Order as TargetMetric::ALL lists them (a stable sort keeps each
        // metric's versions oldest first).
        targets.sort_by_key(|t| t.metric.metric());
        Ok(targets)
    }
}

/// Counts one more change to what the database holds, in the writer's
/// transaction: readers compare generations to know their figures are stale.
pub(crate) fn bump_generation(conn: &Connection) -> Result<()> {
    conn.execute(
        "INSERT INTO meta (key, value) VALUES ('generation', '1')
         ON CONFLICT (key) DO UPDATE SET value = CAST(value AS INTEGER) + 1",
        [],
    )
    .map_err(backend)?;
    Ok(())
}

pub(crate) fn parse_stored<T: std::str::FromStr<Err = String>>(s: &str) -> Result<T> {
    s.parse::<T>()
        .map_err(|e| StoreError::Backend(format!("corrupt value in database: {e}").into()))
}

impl Store for SqliteStore {
    fn init(&mut self, units: &[Unit], min_age: u8) -> Result<()> {
        if self.is_initialised()? {
            return Err(StoreError::AlreadyInitialised);
        }
        let tx = write_transaction(&mut self.conn)?;
        tx.execute_batch(SCHEMA).map_err(backend)?;
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('schema_version', ?1), ('min_age', ?2)",
            params![SCHEMA_VERSION.to_string(), min_age.to_string()],
        )
        .map_err(backend)?;
        tree::insert_units(&tx, units)?;
        tx.commit().map_err(backend)
    }

    fn min_age(&self) -> Result<u8> {
        self.require_initialised()?;
        let v: String = self
            .conn
            .query_row("SELECT value FROM meta WHERE key = 'min_age'", [], |r| {
                r.get(0)
            })
            .map_err(backend)?;
        v.parse()
            .map_err(|_| StoreError::Backend(format!("corrupt min_age '{v}'").into()))
    }

    fn unit(&self, scope: &Scope, code: &UnitCode) -> Result<Unit> {
        let id = self.scoped_unit_id(scope, code)?;
        tree::unit_by_id(&self.conn, id)
    }

    fn children(&self, scope: &Scope, code: &UnitCode) -> Result<Vec<Unit>> {
        let id = self.scoped_unit_id(scope, code)?;
        tree::children(&self.conn, id)
    }

    fn ancestors(&self, scope: &Scope, code: &UnitCode) -> Result<Vec<Unit>> {
        let id = self.scoped_unit_id(scope, code)?;
        let mut out = Vec::new();
        let mut next = tree::unit_by_id(&self.conn, id)?.parent;
        while let Some(parent) = next {
            let id = tree::unit_id(&self.conn, &parent)?
                .ok_or_else(|| StoreError::UnknownUnit(parent.clone()))?;
            let unit = tree::unit_by_id(&self.conn, id)?;
            next = unit.parent.clone();
            out.push(unit);
        }
        out.reverse();
        Ok(out)
    }

    fn roots(&self, scope: &Scope) -> Result<Vec<Unit>> {
        self.require_initialised()?;
        match scope.root() {
            Some(root) => Ok(vec![self.unit(scope, root)?]),
            None => tree::provinces(&self.conn),
        }
    }

    fn figures(&self, scope: &Scope, code: &UnitCode, as_of: Day) -> Result<UnitFigures> {
        let id = self.scoped_unit_id(scope, code)?;
        Ok(UnitFigures {
            unit: tree::unit_by_id(&self.conn, id)?,
            retired: tree::retired(&self.conn, id)?,
            as_of,
            counts: counters::as_of(&self.conn, id, as_of)?,
            week_before: counters::as_of(&self.conn, id, as_of.plus_days(-7))?,
            targets: self.targets_of(id, false)?,
        })
    }

    fn add_campaign(&mut self, scope: &Scope, c: &Campaign) -> Result<()> {
        let unit_id = match &c.unit {
            Some(code) => Some(self.scoped_unit_id(scope, code)?),
            None => {
                self.require_initialised()?;
                None
            }
        };
        let tx = write_transaction(&mut self.conn)?;
        let inserted = tx.execute(
            "INSERT INTO campaigns (name, from_day, to_day, unit_id) VALUES (?1, ?2, ?3, ?4)",
            params![c.name, c.from.number(), c.to.number(), unit_id],
        );
        match inserted {
            Ok(_) => {
                bump_generation(&tx)?;
                tx.commit().map_err(backend)
            }
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::ConstraintViolation =>
            {
                Err(StoreError::CampaignExists(c.name.clone()))
            }
            Err(e) => Err(backend(e)),
        }
    }

    fn search_units(
        &self,
        scope: &Scope,
        query: &str,
        limit: usize,
    ) -> Result<Vec<phuxanh_store::Found>> {
        self.require_initialised()?;
        let root = match scope.root() {
            Some(code) => Some(self.scoped_unit_id(scope, code)?),
            None => None,
        };
        tree::search(&self.conn, root, query, limit)
    }

    fn freshness(&self) -> Result<Freshness> {
        self.require_initialised()?;
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT key, value FROM meta
                 WHERE key IN ('first_event_at', 'last_event_at', 'updated_at', 'updated_by')",
            )
            .map_err(backend)?;
        let mut rows = stmt.query([]).map_err(backend)?;
        let mut out = Freshness::default();
        let instant = |v: &str| {
            v.parse()
                .map(Instant::from_unix_seconds)
                .map_err(|_| StoreError::Backend(format!("corrupt time '{v}' in meta").into()))
        };
        while let Some(r) = rows.next().map_err(backend)? {
            let key: String = r.get(0).map_err(backend)?;
            let value: String = r.get(1).map_err(backend)?;
            match key.as_str() {
                "first_event_at" => out.first_day = Some(instant(&value)?.day()),
                "last_event_at" => out.last_day = Some(instant(&value)?.day()),
                "updated_at" => out.updated_at = Some(instant(&value)?),
                _ => out.updated_by = Some(value),
            }
        }
        Ok(out)
    }

    fn settings(&self) -> Result<phuxanh_store::ReportSettings> {
        self.require_initialised()?;
        settings::read(&self.conn)
    }

    fn update_settings(
        &mut self,
        changes: &[(phuxanh_store::SettingKey, Option<String>)],
    ) -> Result<phuxanh_store::ReportSettings> {
        self.require_initialised()?;
        settings::update(&mut self.conn, changes)
    }

    fn issue_report(
        &mut self,
        scope: &Scope,
        report: &phuxanh_store::NewIssuedReport,
    ) -> Result<phuxanh_store::IssuedReport> {
        let unit_id = self.scoped_unit_id(scope, &report.unit)?;
        issued::issue(&mut self.conn, unit_id, report)
    }

    fn issued_reports(
        &self,
        scope: &Scope,
        unit: &UnitCode,
    ) -> Result<Vec<phuxanh_store::IssuedReport>> {
        issued::list(&self.conn, self.scoped_unit_id(scope, unit)?)
    }

    fn issued_report(
        &self,
        scope: &Scope,
        id: i64,
    ) -> Result<Option<(phuxanh_store::IssuedReport, Vec<u8>)>> {
        self.require_initialised()?;
        issued::get(&self.conn, scope, id)
    }

    fn generation(&self) -> Result<u64> {
        self.require_initialised()?;
        let value: Option<String> = self
            .conn
            .prepare_cached("SELECT value FROM meta WHERE key = 'generation'")
            .map_err(backend)?
            .query_row([], |r| r.get(0))
            .optional()
            .map_err(backend)?;
        value.map_or(Ok(0), |v| {
            v.parse()
                .map_err(|_| StoreError::Backend(format!("corrupt generation '{v}'").into()))
        })
    }

    fn campaigns(&self, scope: &Scope) -> Result<Vec<Campaign>> {
        self.require_initialised()?;
        // A scoped caller sees the country's campaigns, those of the units
        // above them (whose windows they work in) and their subtree's.
        let above: Vec<UnitCode> = match scope.root() {
            None => Vec::new(),
            Some(root) => self
                .ancestors(scope, root)?
                .into_iter()
                .map(|u| u.code)
                .collect(),
        };
        let mut stmt = self
            .conn
            .prepare(
                "SELECT c.name, c.from_day, c.to_day, u.code FROM campaigns c
                 LEFT JOIN units u ON u.id = c.unit_id ORDER BY c.from_day, c.name",
            )
            .map_err(backend)?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, i32>(1)?,
                    r.get::<_, i32>(2)?,
                    r.get::<_, Option<String>>(3)?,
                ))
            })
            .map_err(backend)?;
        let mut out = Vec::new();
        for row in rows {
            let (name, from, to, unit) = row.map_err(backend)?;
            let unit = unit.map(|u| parse_stored::<UnitCode>(&u)).transpose()?;
            if let Some(code) = &unit
                && scope.root().is_some()
                && !above.contains(code)
            {
                let id = tree::unit_id(&self.conn, code)?;
                if !id.is_some_and(|id| tree::in_scope(&self.conn, scope, id).unwrap_or(false)) {
                    continue;
                }
            }
            out.push(Campaign {
                name,
                from: Day::from_number(from),
                to: Day::from_number(to),
                unit,
            });
        }
        Ok(out)
    }

    fn funnel(&self, scope: &Scope, code: &UnitCode) -> Result<Vec<(Transition, i32, i64)>> {
        let id = self.scoped_unit_id(scope, code)?;
        counters::gaps_of_unit(&self.conn, id)?
            .into_iter()
            .map(|(t, days, n)| {
                let t = Transition::from_code(t).ok_or_else(|| {
                    StoreError::Backend(format!("corrupt funnel step {t}").into())
                })?;
                Ok((t, days, n))
            })
            .collect()
    }

    fn target_history(&self, scope: &Scope, code: &UnitCode) -> Result<Vec<Target>> {
        let id = self.scoped_unit_id(scope, code)?;
        self.targets_of(id, true)
    }

    fn history(&self, scope: &Scope, code: &UnitCode, from: Day, to: Day) -> Result<History> {
        let id = self.scoped_unit_id(scope, code)?;
        counters::history(&self.conn, id, from, to)
    }

    fn import_units(
        &mut self,
        scope: &Scope,
        rows: Rows<Unit>,
        mode: ImportMode,
    ) -> Result<ImportReport> {
        self.require_initialised()?;
        import::units(&mut self.conn, scope, rows, mode)
    }

    fn import_citizens(
        &mut self,
        scope: &Scope,
        rows: Rows<Citizen>,
        mode: ImportMode,
    ) -> Result<ImportReport> {
        let min_age = self.min_age()?;
        import::citizens(&mut self.conn, scope, rows, mode, min_age)
    }

    fn import_events(
        &mut self,
        scope: &Scope,
        rows: Rows<Vec<Event>>,
        mode: ImportMode,
        now: Instant,
        source: &str,
    ) -> Result<ImportReport> {
        self.require_initialised()?;
        import::events(&mut self.conn, scope, rows, mode, now, source)
    }

    fn pending(&self, scope: &Scope, query: &PendingQuery) -> Result<PendingList> {
        self.require_initialised()?;
        pending::list(&self.conn, scope, query)
    }

    fn import_targets(
        &mut self,
        scope: &Scope,
        rows: Rows<TargetRecord>,
        mode: ImportMode,
        set_by: &str,
        now: Instant,
    ) -> Result<ImportReport> {
        self.require_initialised()?;
        import::targets(&mut self.conn, scope, rows, mode, set_by, now)
    }

    fn import_teams(
        &mut self,
        scope: &Scope,
        rows: Rows<phuxanh_domain::field::Team>,
        mode: ImportMode,
    ) -> Result<ImportReport> {
        self.require_initialised()?;
        field::import_teams(&mut self.conn, scope, rows, mode)
    }

    fn teams(
        &self,
        scope: &Scope,
        under: Option<&UnitCode>,
    ) -> Result<Vec<phuxanh_store::TeamRow>> {
        self.require_initialised()?;
        field::teams(&self.conn, scope, under)
    }

    fn import_sessions(
        &mut self,
        scope: &Scope,
        rows: Rows<phuxanh_domain::field::Session>,
        mode: ImportMode,
    ) -> Result<ImportReport> {
        self.require_initialised()?;
        field::import_sessions(&mut self.conn, scope, rows, mode)
    }

    fn sessions(
        &self,
        scope: &Scope,
        query: &phuxanh_store::SessionQuery,
    ) -> Result<Vec<phuxanh_store::SessionRow>> {
        self.require_initialised()?;
        field::sessions(&self.conn, scope, query)
    }

    fn residents(
        &self,
        scope: &Scope,
        query: &phuxanh_store::ResidentsQuery,
    ) -> Result<phuxanh_store::Residents> {
        let min_age = self.min_age()?;
        field::residents(&self.conn, scope, query, min_age)
    }

    fn import_visits(
        &mut self,
        scope: &Scope,
        rows: Rows<phuxanh_domain::field::Visit>,
        mode: ImportMode,
        from: &phuxanh_store::VisitsFrom,
    ) -> Result<phuxanh_store::VisitsReport> {
        let min_age = self.min_age()?;
        visits::import(&mut self.conn, scope, rows, mode, from, min_age)
    }

    fn undo_visit(
        &mut self,
        scope: &Scope,
        id: &phuxanh_domain::field::VisitId,
        now: Instant,
    ) -> Result<(UnitCode, bool)> {
        let min_age = self.min_age()?;
        visits::undo(&mut self.conn, scope, id, now, min_age)
    }

    fn visits(
        &self,
        scope: &Scope,
        query: &phuxanh_store::VisitQuery,
    ) -> Result<Vec<phuxanh_store::VisitRow>> {
        self.require_initialised()?;
        visits::list(&self.conn, scope, query)
    }

    fn field_done(
        &self,
        scope: &Scope,
        unit: &UnitCode,
        from: Option<Day>,
        to: Option<Day>,
    ) -> Result<phuxanh_store::FieldDone> {
        self.require_initialised()?;
        field::field_done(&self.conn, scope, unit, from, to)
    }

    fn firsts_of(
        &self,
        scope: &Scope,
        ids: &[phuxanh_domain::CitizenId],
    ) -> Result<Vec<(phuxanh_domain::CitizenId, UnitCode, phuxanh_domain::Firsts)>> {
        self.require_initialised()?;
        intake::firsts_of(&self.conn, scope, ids)
    }

    fn citizens_by_row(
        &self,
        scope: &Scope,
        rows: &[i64],
    ) -> Result<Vec<(i64, phuxanh_domain::CitizenId)>> {
        self.require_initialised()?;
        intake::citizens_by_row(&self.conn, scope, rows)
    }

    fn intake_seen(&self, ids: &[String]) -> Result<Vec<phuxanh_store::IntakeEntry>> {
        self.require_initialised()?;
        intake::seen(&self.conn, ids)
    }

    fn log_intake(
        &mut self,
        device: &phuxanh_store::DeviceSync,
        entries: &[phuxanh_store::IntakeEntry],
    ) -> Result<()> {
        self.require_initialised()?;
        intake::log(&mut self.conn, device, entries)
    }

    fn devices(
        &self,
        scope: &Scope,
        unit: Option<&UnitCode>,
    ) -> Result<Vec<phuxanh_store::DeviceRow>> {
        self.require_initialised()?;
        intake::devices(&self.conn, scope, unit)
    }

    fn forget_citizen(
        &mut self,
        scope: &Scope,
        id: phuxanh_domain::CitizenId,
        audit: &phuxanh_store::access::AuditRecord,
    ) -> Result<phuxanh_store::Erasure> {
        self.require_initialised()?;
        erase::forget(&mut self.conn, scope, id, audit)
    }

    fn import_contacts(&mut self, scope: &Scope, rows: Rows<Contact>) -> Result<ContactsReport> {
        self.require_initialised()?;
        import::contacts(&mut self.conn, scope, rows)
    }

    fn contacts(&self, scope: &Scope, code: &UnitCode) -> Result<Vec<Contact>> {
        let id = self.scoped_unit_id(scope, code)?;
        contacts::of_unit(&self.conn, id)
    }

    fn children_contacts(&self, scope: &Scope, code: &UnitCode) -> Result<Vec<Contact>> {
        let id = self.scoped_unit_id(scope, code)?;
        contacts::of_children(&self.conn, id)
    }

    fn contacts_under(&self, scope: &Scope, code: Option<&UnitCode>) -> Result<Vec<Contact>> {
        let id = match code.or(scope.root()) {
            Some(code) => Some(self.scoped_unit_id(scope, code)?),
            None => {
                self.require_initialised()?;
                None
            }
        };
        contacts::under(&self.conn, id)
    }

    fn reorganise(&mut self, plan: &Reorganisation, apply: bool) -> Result<ReorganiseReport> {
        let min_age = self.min_age()?;
        reorganise::run(&mut self.conn, plan, apply, min_age, Instant::now())
    }

    fn check(&mut self, repair: bool) -> Result<CheckReport> {
        let min_age = self.min_age()?;
        check::run(&mut self.conn, min_age, repair)
    }
}

/// Level names as the schema stores them.
pub(crate) fn parse_level(s: &str) -> Result<UnitLevel> {
    parse_stored(s)
}
