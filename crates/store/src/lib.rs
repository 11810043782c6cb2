//! The storage boundary. Every backend (SQLite now, PostgreSQL later)
//! implements [`Store`]; nothing outside a backend crate writes SQL.
//!
//! Two rules hold for every method:
//! - **Scoped**: each call takes the caller's [`Scope`], the unit subtree it
//!   may see or change. A unit outside it is [`StoreError::OutOfScope`]; a
//!   row outside it is refused.
//! - **Counters, not scans**: reads of figures come from the live counters
//!   (one row per unit and day); no read scans citizens or events. Only
//!   [`Store::check`] does, on purpose.

pub mod access;

use std::fmt;

use phuxanh_domain::field::{
    FieldCode, Outcome, Session, Team, Visit, VisitFlag, VisitId, WorklistKind,
};
use phuxanh_domain::{
    Citizen, CitizenId, Contact, Counts, Day, Event, Firsts, Instant, Sex, TargetMetric,
    TargetValue, Transition, UnitCode, UnitLevel,
};
pub use phuxanh_domain::{ReportSettings, SettingKey};

/// The unit subtree a caller may see and change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scope {
    root: Option<UnitCode>,
}

impl Scope {
    /// The whole tree: the command line runs as the administrator.
    pub fn everything() -> Scope {
        Scope { root: None }
    }

    /// A unit and everything under it.
    pub fn subtree(root: UnitCode) -> Scope {
        Scope { root: Some(root) }
    }

    /// The subtree's root, or `None` for the whole tree.
    pub fn root(&self) -> Option<&UnitCode> {
        self.root.as_ref()
    }
}

/// A node of the administrative tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unit {
    pub code: UnitCode,
    pub name: String,
    pub level: UnitLevel,
    pub parent: Option<UnitCode>,
}

/// One row of an input file: its line number and what parsing made of it.
/// Rows that failed to parse still go to the store, so that an atomic import
/// refuses the whole file and every refusal is reported in one pass.
#[derive(Clone, Debug)]
pub struct Row<T> {
    pub line: u64,
    pub value: Result<T, String>,
}

/// A refused row and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    pub line: u64,
    pub reason: String,
}

/// Whether a file with refused rows is applied in part.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImportMode {
    /// All rows or none.
    Atomic,
    /// The valid rows; the refused ones are reported.
    SkipInvalid,
}

/// A row some of whose events are held, and what they wait for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeldRow {
    pub line: u64,
    pub waiting_for: String,
}

/// What an import did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub read: u64,
    /// Rows whose new events were all recorded.
    pub applied: u64,
    pub unchanged: u64,
    /// Rows with events held until their predecessors arrive (events
    /// imports only); their other events, if any, are recorded.
    pub held: Vec<HeldRow>,
    /// Events held before that this import's rows let through.
    pub released: u64,
    /// Recorded events that wait again: an incoming event showed one
    /// missing before them (a second collection before the recorded
    /// approval waits for the first one's rejection).
    pub withdrawn: u64,
    pub refused: Vec<Refusal>,
    /// False when an atomic import was rolled back.
    pub committed: bool,
}

impl ImportReport {
    pub fn refuse(&mut self, line: u64, reason: impl Into<String>) {
        self.refused.push(Refusal {
            line,
            reason: reason.into(),
        });
    }

    pub fn hold(&mut self, line: u64, waiting_for: impl Into<String>) {
        self.held.push(HeldRow {
            line,
            waiting_for: waiting_for.into(),
        });
    }
}

/// An event held until its predecessors arrive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingEvent {
    pub event: Event,
    /// The unit the citizen lives in.
    pub unit: UnitCode,
    /// What it waits for, in words.
    pub waiting_for: String,
    /// When it was received.
    pub received_at: Instant,
    /// Which import or request brought it (`events.csv`, `api`).
    pub source: String,
}

/// How fresh the data is: the days its recorded events span, and the last
/// write that recorded events.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Freshness {
    /// The local day of the earliest recorded event.
    pub first_day: Option<Day>,
    /// The local day of the latest recorded event.
    pub last_day: Option<Day>,
    /// When events were last recorded (unknown for those recorded before
    /// schema 7).
    pub updated_at: Option<Instant>,
    /// Where they came from: a file's name, or `api`.
    pub updated_by: Option<String>,
}

/// Which held events to list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingQuery {
    /// Only citizens of this unit and below.
    pub unit: Option<UnitCode>,
    /// Only events received before this instant (`--older-than 7d`).
    pub received_before: Option<Instant>,
    /// At most this many events (the total is counted in full).
    pub limit: usize,
}

/// Held events, oldest received first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PendingList {
    /// How many match, of which `events` holds the first `limit`.
    pub total: u64,
    pub events: Vec<PendingEvent>,
}

/// A target as a file or a command sets it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TargetRecord {
    pub unit: UnitCode,
    pub metric: TargetMetric,
    pub value: TargetValue,
    pub deadline: Day,
}

/// A unit's target for a metric, who set it and when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub metric: TargetMetric,
    pub value: TargetValue,
    pub deadline: Day,
    pub set_at: Instant,
    pub set_by: String,
    /// When a newer version replaced it; `None` for a current target.
    pub superseded_at: Option<Instant>,
}

/// What a contacts import did. Its `import` counts rows: `applied` those
/// new to their unit, `unchanged` those it had already.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ContactsReport {
    pub import: ImportReport,
    /// The units the file named, whose contacts are now the file's.
    pub units: u64,
    /// Contacts those units had that the file no longer lists.
    pub removed: u64,
}

/// A unit a reorganisation ended: its figures are kept as they were on
/// that day, for past reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Retired {
    /// The first day of the new structure.
    pub on: Day,
    /// The units it went into: one when it went whole, several when it was
    /// split (a commune among new communes), the province for a district.
    pub into: Vec<UnitCode>,
}

/// What the counters say of one unit on one day: all a progress report needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnitFigures {
    pub unit: Unit,
    /// Set when a reorganisation retired the unit.
    pub retired: Option<Retired>,
    pub as_of: Day,
    /// Counts at the end of `as_of`.
    pub counts: Counts,
    /// Counts at the end of the day a week before, for the 7-day pace.
    pub week_before: Counts,
    pub targets: Vec<Target>,
}

/// A named window of days, e.g. the "60 ngày đêm" peak from 2023-08-20 to
/// 2023-10-18, optionally for one unit (the default unit of its reports).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Campaign {
    pub name: String,
    pub from: Day,
    pub to: Day,
    pub unit: Option<UnitCode>,
}

/// A unit's cumulative counts over a span of days: where they stood the day
/// before it, then each day within it on which they changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct History {
    pub before: Counts,
    pub changes: Vec<(Day, Counts)>,
}

impl History {
    /// The counts at the end of `day` (a day before the span gives `before`).
    pub fn as_of(&self, day: Day) -> Counts {
        let i = self.changes.partition_point(|(d, _)| *d <= day);
        if i == 0 {
            self.before
        } else {
            self.changes[i - 1].1
        }
    }
}

/// A move of the whole tree to a new structure (the July 2025 reform: 63
/// provinces with districts to 34 provinces of communes).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reorganisation {
    /// The new structure's name, `vn-2025`.
    pub name: String,
    /// Its first day: the old units are retired on it.
    pub effective: Day,
    /// Its units, parents first.
    pub units: Vec<Unit>,
    /// Each old province's new province.
    pub provinces: std::collections::BTreeMap<UnitCode, UnitCode>,
    /// Each old commune's new communes: one when it went whole, several
    /// when it was split among them.
    pub communes: std::collections::BTreeMap<UnitCode, Vec<UnitCode>>,
    /// The user's answers for what a split leaves open: a village's code, a
    /// citizen's ID, or a split commune's code (for the citizens who live
    /// directly in it), each to one of the new communes.
    pub map: std::collections::BTreeMap<String, UnitCode>,
}

/// Something a reorganisation cannot decide alone: where a village, or the
/// citizens of a commune, go when their old commune was split.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MapNeed {
    /// A village's code, or a split commune's code (for the citizens who
    /// live directly in it).
    pub code: String,
    pub name: String,
    /// The old commune that was split.
    pub commune: UnitCode,
    /// How many citizens follow the answer.
    pub citizens: u64,
    /// The new communes it may go to.
    pub candidates: Vec<UnitCode>,
}

/// What a reorganisation did, or what it needs first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReorganiseReport {
    /// What the map must answer: when not empty, nothing was changed.
    pub needs: Vec<MapNeed>,
    /// Map entries that cannot be used, and why: nothing was changed.
    pub bad_map: Vec<String>,
    /// Old units retired (provinces, districts, communes).
    pub retired: [u64; 3],
    /// New units added.
    pub added: u64,
    /// Old units whose code a new unit took: they now read `{code}.2024`.
    pub renamed: u64,
    pub villages_moved: u64,
    pub citizens_moved: u64,
    /// Targets carried to the new units, in words.
    pub targets_carried: Vec<String>,
    /// Targets that could not be carried and need setting again.
    pub targets_to_set: Vec<String>,
    /// Campaigns whose unit moved to its successor.
    pub campaigns_moved: Vec<String>,
    pub applied: bool,
}

/// A recomputation of every counter from the raw events and roster.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CheckReport {
    pub citizens: u64,
    pub events: u64,
    /// Citizens whose kept first days disagree with their events.
    pub firsts_wrong: u64,
    /// Counter rows (unit and day) that disagree with the recomputation.
    pub counters_wrong: u64,
    /// Citizens whose kept departure from the eligible population (a
    /// visit found them moved away or deceased) disagrees with the visits.
    pub departures_wrong: u64,
    /// A few of the disagreements, described.
    pub examples: Vec<String>,
    pub repaired: bool,
}

impl CheckReport {
    pub fn is_clean(&self) -> bool {
        self.firsts_wrong == 0 && self.counters_wrong == 0 && self.departures_wrong == 0
    }
}

/// What can go wrong talking to a store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("unit '{0}' does not exist: check the code (e.g. `phuxanh units list`)")]
    UnknownUnit(UnitCode),
    #[error("unit '{0}' is outside the units you may see")]
    OutOfScope(UnitCode),
    #[error("the database is not initialised: run `phuxanh init` first")]
    NotInitialised,
    #[error("the database is already initialised with units; use a new file or `units import`")]
    AlreadyInitialised,
    #[error(
        "the database has schema version {found}, made by an early development version of \
         Phủ Xanh that no release could open; create a new database with `phuxanh init` and \
         import the files again"
    )]
    SchemaVersion { found: String },
    #[error(
        "the database is newer than this Phủ Xanh (schema version {found}, this one reads up to \
         {supported}): use a newer phuxanh"
    )]
    NewerSchema { found: u32, supported: u32 },
    #[error("unit '{code}' was merged into {} on {on}: use the new unit's code", .into.join(", "))]
    RetiredUnit {
        code: UnitCode,
        on: Day,
        into: Vec<String>,
    },
    #[error("{0}")]
    Reorganise(String),
    #[error("a campaign named '{0}' exists already: choose another name")]
    CampaignExists(String),
    #[error(
        "the database is busy: another writer (an import, `check --repair`) did not let go of \
         it in time; try again when it is done"
    )]
    Busy,
    /// A report setting's value that [`SettingKey::check`] refuses.
    #[error("{0}")]
    InvalidSetting(String),
    #[error("a user named '{0}' exists already: choose another name")]
    UserExists(String),
    #[error("there is no user named '{0}': see `phuxanh users list`")]
    UnknownUser(String),
    #[error("there is no team '{0}' among your units: see `phuxanh teams list`")]
    UnknownTeam(String),
    #[error("there is no visit '{0}' among your units: see `phuxanh visits list`")]
    UnknownVisit(String),
    #[error("citizen {0} is not on the roster of your units")]
    UnknownCitizen(String),
    #[error("the audit log is append-only: {0}")]
    AuditAppendOnly(String),
    #[error("database error: {0}")]
    Backend(Box<dyn std::error::Error + Send + Sync>),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// A field team as listed: the team, its home unit's name, the users who
/// belong to it, and its sessions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TeamRow {
    pub team: Team,
    pub unit_name: String,
    /// Usernames whose team is this one (`users add --team`).
    pub users: Vec<String>,
    pub sessions: u64,
    /// When its latest session started.
    pub last_session: Option<Instant>,
}

/// A session as listed, with its unit's name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionRow {
    pub session: Session,
    pub unit_name: String,
}

/// Which sessions to list: under a unit, of a team, starting within days.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SessionQuery {
    pub unit: Option<UnitCode>,
    pub team: Option<FieldCode>,
    pub from: Option<Day>,
    pub to: Option<Day>,
}

/// Whose door a list is for: the citizens eligible at the end of `as_of`
/// (old enough, and not gone from the population by then) living in
/// `unit` or under it — only in the units `team` covers, when
/// one is named.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResidentsQuery {
    pub unit: UnitCode,
    pub team: Option<FieldCode>,
    pub as_of: Day,
    /// With a list, only the residents on it carry their name, address
    /// and phone; the others come with what the list's counts need.
    pub list: Option<WorklistKind>,
}

/// An eligible citizen at their door, as the lists need them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resident {
    pub id: CitizenId,
    /// Their roster row: a reference to them that says nothing of who they
    /// are, for the roles that see ID numbers masked to record them by.
    pub row: i64,
    /// Empty once erased (`citizens forget`).
    pub full_name: String,
    pub birth_date: Day,
    pub sex: Sex,
    /// The unit they live in (a village, or the commune itself).
    pub unit: UnitCode,
    pub household: Option<String>,
    pub address: Option<String>,
    pub phone: Option<String>,
    /// Their first days, as of the list's day.
    pub firsts: Firsts,
    /// Their last application (as of the day) was refused and they have
    /// not applied again.
    pub rejected_last: bool,
    /// Their last counted visit up to the day: what happened, and when
    /// (only for those on the list, when one is asked).
    pub last_visit: Option<(Outcome, Instant)>,
}

/// The eligible residents of a unit, and the names of the units they live
/// in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Residents {
    pub unit: Unit,
    /// Every unit a resident lives in, by code, with its name.
    pub places: Vec<Unit>,
    pub residents: Vec<Resident>,
}

/// Who recorded visits and how: the user or file (as the audit log names
/// them), the server's time when they arrived, and how far the sending
/// phone's clock was from it (seconds, phone minus server), when known.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VisitsFrom {
    pub by: String,
    pub now: Instant,
    pub skew: Option<i64>,
}

/// What a visits import did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VisitsReport {
    pub import: ImportReport,
    /// Rows recorded but not counted until their time is looked at: the
    /// line and why (`future`, `outside-session`, `clock`).
    pub flagged: Vec<(u64, VisitFlag)>,
    /// Citizens taken out of their unit's eligible population.
    pub departed: u64,
}

/// A visit as listed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VisitRow {
    pub visit: Visit,
    pub unit: UnitCode,
    pub received_at: Instant,
    pub recorded_by: String,
    pub flag: Option<VisitFlag>,
    pub undone_at: Option<Instant>,
}

/// Which visits to list.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VisitQuery {
    pub unit: Option<UnitCode>,
    pub citizen: Option<CitizenId>,
    pub team: Option<FieldCode>,
    pub session: Option<FieldCode>,
    pub from: Option<Day>,
    pub to: Option<Day>,
    /// Only those flagged and not undone.
    pub flagged: bool,
}

/// What a team or a session did: the citizens its events name, per kind
/// of event (collected, approved, rejected, activated, used; distinct
/// citizens), those it helped (an application, an activation or a first
/// use: the work at the door, not the approval at the office), and its
/// counted visits by outcome.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Done {
    pub helped: [u64; 5],
    pub helped_any: u64,
    pub visits: Vec<(Outcome, u64)>,
}

/// A session and what it did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionDone {
    pub session: Session,
    pub done: Done,
}

/// A team, its members, and what it did in the window.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TeamDone {
    pub team: Team,
    pub unit_name: String,
    pub done: Done,
}

/// What the field teams of a unit did: the teams whose home unit is the
/// unit or under it (their events naming them, in the window) and the
/// sessions held at the unit or under it (starting in the window).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FieldDone {
    pub teams: Vec<TeamDone>,
    pub sessions: Vec<SessionDone>,
}

/// One entry a phone sent, and what became of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IntakeEntry {
    /// The phone's id for it: the event's or the visit's id.
    pub id: String,
    /// `event` or `visit`.
    pub kind: &'static str,
    pub citizen: CitizenId,
    /// The entry as sent (JSON).
    pub body: String,
    /// Its time by the phone's clock.
    pub phone_at: Instant,
    /// `recorded`, `unchanged`, `held`, `conflict`, `refused` or `flagged`.
    pub status: String,
    pub reason: Option<String>,
}

/// A phone's sync: which phone, whose, when, its clock's difference from
/// the server's (seconds, phone minus server) and what it still holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceSync {
    pub device: String,
    pub username: String,
    pub team: Option<String>,
    pub at: Instant,
    pub skew: i64,
    pub pending: u64,
}

/// A phone as field health lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceRow {
    pub sync: DeviceSync,
    /// The unit of its user.
    pub unit: Option<UnitCode>,
}

/// What `citizens forget` did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Erasure {
    /// The unit the citizen lives in (and counts in).
    pub unit: UnitCode,
    /// When the personal data was erased: now, or on an earlier request.
    pub at: Instant,
    /// It had been erased already; nothing changed now.
    pub already: bool,
}

/// Something that can be imported row by row.
pub type Rows<'a, T> = &'a mut dyn Iterator<Item = Row<T>>;

/// The one storage interface.
pub trait Store {
    /// Creates the schema, the settings and the units of a fresh database.
    fn init(&mut self, units: &[Unit], min_age: u8) -> Result<()>;

    /// The minimum age of an eligible citizen, fixed at `init`.
    fn min_age(&self) -> Result<u8>;

    /// One unit.
    fn unit(&self, scope: &Scope, code: &UnitCode) -> Result<Unit>;

    /// The units directly under `code`, by code.
    fn children(&self, scope: &Scope, code: &UnitCode) -> Result<Vec<Unit>>;

    /// The roots of what `scope` may see: every province, or the scope's root.
    fn roots(&self, scope: &Scope) -> Result<Vec<Unit>>;
    /// The units above `code` (which `scope` must hold), the province
    /// first: a page's breadcrumbs. Their names and codes are public, as
    /// the administrative units are; nothing else of them is given.
    fn ancestors(&self, scope: &Scope, code: &UnitCode) -> Result<Vec<Unit>>;

    /// The counters and targets of a unit as of the end of `as_of`.
    fn figures(&self, scope: &Scope, code: &UnitCode, as_of: Day) -> Result<UnitFigures>;

    /// The unit's funnel histograms: for each step, how many citizens took
    /// how many days over it, as `(step, days, citizens)` by step and days.
    fn funnel(&self, scope: &Scope, code: &UnitCode) -> Result<Vec<(Transition, i32, i64)>>;

    /// Every version of a unit's targets, current and superseded, per
    /// metric oldest first.
    fn target_history(&self, scope: &Scope, code: &UnitCode) -> Result<Vec<Target>>;

    /// A unit's counts day by day over `from..=to`, from its counters.
    fn history(&self, scope: &Scope, code: &UnitCode, from: Day, to: Day) -> Result<History>;

    /// Adds units (villages, …) or renames existing ones.
    fn import_units(
        &mut self,
        scope: &Scope,
        rows: Rows<Unit>,
        mode: ImportMode,
    ) -> Result<ImportReport>;

    /// Adds or updates citizens; a citizen whose unit changes takes their
    /// counts along.
    fn import_citizens(
        &mut self,
        scope: &Scope,
        rows: Rows<Citizen>,
        mode: ImportMode,
    ) -> Result<ImportReport>;

    /// Applies lifecycle events; all events of one row stand or fall together
    /// (a status-snapshot row implies several). The rows are a set: each
    /// citizen's events are checked in time order with those recorded and
    /// held before, whatever the rows' order; events whose predecessors have
    /// not arrived are held (see `phuxanh_domain::timeline`). Events after
    /// `now` are refused. `source` names the input for the held events
    /// (a file name, `api`).
    fn import_events(
        &mut self,
        scope: &Scope,
        rows: Rows<Vec<Event>>,
        mode: ImportMode,
        now: Instant,
        source: &str,
    ) -> Result<ImportReport>;

    /// The events held until their predecessors arrive.
    fn pending(&self, scope: &Scope, query: &PendingQuery) -> Result<PendingList>;

    /// Sets targets, keeping earlier values as history.
    fn import_targets(
        &mut self,
        scope: &Scope,
        rows: Rows<TargetRecord>,
        mode: ImportMode,
        set_by: &str,
        now: Instant,
    ) -> Result<ImportReport>;

    /// Replaces the contacts of every unit the rows name with the rows
    /// given for it, in their order; units not named keep theirs. Atomic:
    /// a refused row (unknown, retired or out-of-scope unit, or one that
    /// did not parse) refuses the whole file, and nothing is written.
    /// Importing the same rows again changes nothing.
    fn import_contacts(&mut self, scope: &Scope, rows: Rows<Contact>) -> Result<ContactsReport>;

    /// The unit's own contacts, in the order they were imported.
    fn contacts(&self, scope: &Scope, code: &UnitCode) -> Result<Vec<Contact>>;

    /// The contacts of the units directly under `code`, by unit code, each
    /// unit's in the order they were imported.
    fn children_contacts(&self, scope: &Scope, code: &UnitCode) -> Result<Vec<Contact>>;

    /// The contacts of `code` and every unit under it (of every unit in
    /// scope when `None`), by unit code, each unit's in imported order.
    fn contacts_under(&self, scope: &Scope, code: Option<&UnitCode>) -> Result<Vec<Contact>>;

    /// Moves the whole tree to a new structure: old units retired (their
    /// figures kept as they were, for past reports), new ones added,
    /// villages and citizens moved with their whole history, targets and
    /// campaigns carried where they can be. With `apply` false, or when the
    /// report lists needs or bad map entries, nothing changes.
    fn reorganise(&mut self, plan: &Reorganisation, apply: bool) -> Result<ReorganiseReport>;

    /// Adds or replaces teams by code (`teams import`, `teams add`): each
    /// with its home unit, the units it covers (in the home unit's subtree)
    /// and its members by force. A row equal to the team stored is
    /// unchanged.
    fn import_teams(
        &mut self,
        scope: &Scope,
        rows: Rows<Team>,
        mode: ImportMode,
    ) -> Result<ImportReport>;

    /// The teams whose home unit is `under` or below it (every team in
    /// scope when `None`), by home unit and code.
    fn teams(&self, scope: &Scope, under: Option<&UnitCode>) -> Result<Vec<TeamRow>>;

    /// Adds or replaces sessions by code: each of a known team, at a unit
    /// in the team's home subtree.
    fn import_sessions(
        &mut self,
        scope: &Scope,
        rows: Rows<Session>,
        mode: ImportMode,
    ) -> Result<ImportReport>;

    /// Sessions as `query` says, by start.
    fn sessions(&self, scope: &Scope, query: &SessionQuery) -> Result<Vec<SessionRow>>;

    /// The citizens eligible at the end of the query's day who live in its
    /// unit or under it (in the units its team covers, when it names one),
    /// with their first days as of that day: what the door-to-door lists
    /// are drawn from.
    fn residents(&self, scope: &Scope, query: &ResidentsQuery) -> Result<Residents>;

    /// Records visits (`visits import`, the phone page): each of a citizen
    /// in scope, idempotent by visit id. A visit timed in the future, outside
    /// its session or sent from a phone whose clock is off is recorded and
    /// flagged, and counts for nothing until it is looked at; one that finds
    /// the citizen moved away, deceased or living elsewhere takes them out
    /// of their unit's eligible population from its day.
    fn import_visits(
        &mut self,
        scope: &Scope,
        rows: Rows<Visit>,
        mode: ImportMode,
        from: &VisitsFrom,
    ) -> Result<VisitsReport>;

    /// Takes a visit back (a mistake): it counts no more, and a departure it
    /// made is undone (or moved to the next leaving visit). Returns the
    /// citizen's unit; `false` when it was undone already.
    fn undo_visit(&mut self, scope: &Scope, id: &VisitId, now: Instant)
    -> Result<(UnitCode, bool)>;

    /// Visits as `query` says, by time.
    fn visits(&self, scope: &Scope, query: &VisitQuery) -> Result<Vec<VisitRow>>;

    /// What the teams of `unit` and its sessions did between two days
    /// (each end open when `None`): the raw counts "what works" is drawn
    /// from.
    fn field_done(
        &self,
        scope: &Scope,
        unit: &UnitCode,
        from: Option<Day>,
        to: Option<Day>,
    ) -> Result<FieldDone>;

    /// The first days of the citizens among `ids` who are in scope, with
    /// their unit; the others are left out.
    fn firsts_of(
        &self,
        scope: &Scope,
        ids: &[CitizenId],
    ) -> Result<Vec<(CitizenId, UnitCode, Firsts)>>;

    /// The citizens of the roster rows among `rows` who are in scope.
    fn citizens_by_row(&self, scope: &Scope, rows: &[i64]) -> Result<Vec<(i64, CitizenId)>>;

    /// What became of entries a phone sent before, by id.
    fn intake_seen(&self, ids: &[String]) -> Result<Vec<IntakeEntry>>;

    /// Logs what a sync brought and what became of each entry (an entry
    /// already logged keeps its first answer), and the phone's sync.
    fn log_intake(&mut self, device: &DeviceSync, entries: &[IntakeEntry]) -> Result<()>;

    /// The phones of users of `unit` or under it (every phone in scope when
    /// `None`), latest sync first.
    fn devices(&self, scope: &Scope, unit: Option<&UnitCode>) -> Result<Vec<DeviceRow>>;

    /// Erases a citizen's personal data on a lawful request: name,
    /// household, address and phone are removed for good (a later roster
    /// import does not bring them back), while the ID, birth date and sex
    /// stay, so that every count the citizen contributed stays as it was.
    /// `audit` (its unit filled in here) is written in the same
    /// transaction. An unknown citizen and one outside `scope` are alike
    /// [`StoreError::UnknownCitizen`].
    fn forget_citizen(
        &mut self,
        scope: &Scope,
        id: CitizenId,
        audit: &access::AuditRecord,
    ) -> Result<Erasure>;

    /// Recomputes every counter from the roster and events and compares; with
    /// `repair`, replaces what disagrees.
    fn check(&mut self, repair: bool) -> Result<CheckReport>;

    /// Records a named campaign window; its unit, if any, must be in scope.
    fn add_campaign(&mut self, scope: &Scope, campaign: &Campaign) -> Result<()>;

    /// The campaigns `scope` may see, by start day: the country's, those of
    /// the units above its root, and those of its subtree.
    fn campaigns(&self, scope: &Scope) -> Result<Vec<Campaign>>;

    /// A number that grows with every committed change to the data: two
    /// reads under the same generation see the same figures.
    fn generation(&self) -> Result<u64>;

    /// The days the recorded events span, and when and from where events
    /// were last recorded.
    fn freshness(&self) -> Result<Freshness>;

    /// Units in force and in scope whose name holds every word of `query`
    /// (without diacritics or case: "vinh hoa" finds "Xã Vĩnh Hòa"), or
    /// whose code starts with it; the closest first (the name itself, then
    /// a name that starts so, then higher levels), at most `limit`.
    fn search_units(&self, scope: &Scope, query: &str, limit: usize) -> Result<Vec<Found>>;

    /// The report settings (`phuxanh settings`): who issues and signs the
    /// period report. Unset ones are `None`.
    fn settings(&self) -> Result<ReportSettings>;

    /// Sets (`Some`) or clears (`None`) report settings, all in one write
    /// transaction; each value is checked with [`SettingKey::check`] and
    /// stored as it returns it. Returns the settings as they now are.
    fn update_settings(
        &mut self,
        changes: &[(SettingKey, Option<String>)],
    ) -> Result<ReportSettings>;
    /// Keeps an issued report (one write transaction) and returns it with
    /// its number and the time it was kept.
    fn issue_report(&mut self, scope: &Scope, report: &NewIssuedReport) -> Result<IssuedReport>;

    /// The reports issued for `unit`, newest first (without their files).
    fn issued_reports(&self, scope: &Scope, unit: &UnitCode) -> Result<Vec<IssuedReport>>;

    /// One issued report and its file, if it exists and is in scope.
    fn issued_report(&self, scope: &Scope, id: i64) -> Result<Option<(IssuedReport, Vec<u8>)>>;
}

/// A period report as issued: what it was of, when and by whom, and what
/// it said. The figures are the report's own (JSON written and read by
/// `phuxanh_report::issued`); the store keeps them as they came.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IssuedReport {
    pub id: i64,
    pub unit: UnitCode,
    pub as_of: Day,
    pub period_from: Day,
    pub period_to: Day,
    /// The campaign the period is, if it is one.
    pub campaign: Option<String>,
    /// A campaign cut at `as_of`, which fell inside it.
    pub cut: bool,
    pub issued_at: Instant,
    pub issued_by: String,
    /// `pdf` or `xlsx`.
    pub format: String,
    pub figures: String,
}

/// A report to keep: [`IssuedReport`] without its number, and the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewIssuedReport {
    pub unit: UnitCode,
    pub as_of: Day,
    pub period_from: Day,
    pub period_to: Day,
    pub campaign: Option<String>,
    pub cut: bool,
    pub issued_by: String,
    pub format: String,
    pub file: Vec<u8>,
    pub figures: String,
}

/// A unit a search found, with its parent's name to tell apart units of
/// the same name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    pub unit: Unit,
    pub parent_name: Option<String>,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.reason)
    }
}
