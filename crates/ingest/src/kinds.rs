//! The six kinds of input file, their columns (docs/formats.md, "Input files") and the
//! parsers that turn one record into domain values.

use phuxanh_domain::field::{Force, Session, SessionTimes, Team, Visit};
use phuxanh_domain::{
    Citizen, CitizenId, Contact, Day, Email, Event, EventId, EventKind, Instant, Level, OneLine,
    Padded, Phone, Sex, TargetMetric, TargetValue, UnitCode, UnitLevel, text::normalize,
};
use phuxanh_store::access::UserRecord;
use phuxanh_store::{TargetRecord, Unit};

use crate::source::Record;
use crate::warnings::Quirk;

/// What a file holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    Units,
    Citizens,
    Events,
    Status,
    Targets,
    Contacts,
    Users,
    Teams,
    Sessions,
    Visits,
}

impl FileKind {
    pub fn name(self) -> &'static str {
        match self {
            FileKind::Units => "units",
            FileKind::Citizens => "citizens",
            FileKind::Events => "events",
            FileKind::Status => "status",
            FileKind::Targets => "targets",
            FileKind::Contacts => "contacts",
            FileKind::Users => "users",
            FileKind::Teams => "teams",
            FileKind::Sessions => "sessions",
            FileKind::Visits => "visits",
        }
    }

    /// Whether column `col` holds dates or times (which a spreadsheet may
    /// give as date serials).
    pub fn is_date(self, col: usize) -> bool {
        matches!(
            (self, col),
            (FileKind::Citizens, 2)
                | (FileKind::Events, 4)
                | (FileKind::Status, 2..=5)
                | (FileKind::Targets, 3)
                | (FileKind::Sessions, 5..=6)
                | (FileKind::Visits, 3)
        )
    }

    /// The columns, in the order the parsers address them, and whether each
    /// is required.
    pub fn columns(self) -> &'static [(&'static str, bool)] {
        match self {
            FileKind::Units => &[
                ("code", true),
                ("name", true),
                ("level", true),
                ("parent_code", false),
            ],
            FileKind::Citizens => &[
                ("id", true),
                ("full_name", true),
                ("birth_date", true),
                ("sex", true),
                ("unit_code", true),
                ("household_id", false),
                ("address", false),
                ("phone", false),
            ],
            FileKind::Events => &[
                ("event_id", true),
                ("citizen_id", true),
                ("kind", true),
                ("level", true),
                ("at", true),
                ("team_id", false),
                ("session_id", false),
                ("reason", false),
            ],
            FileKind::Status => &[
                ("citizen_id", true),
                ("level", true),
                ("collected_at", true),
                ("approved_at", true),
                ("activated_at", true),
                ("used_at", true),
            ],
            FileKind::Targets => &[
                ("unit_code", true),
                ("metric", true),
                ("value", true),
                ("deadline", true),
            ],
            FileKind::Contacts => &[
                ("unit_code", true),
                ("name", true),
                ("title", true),
                ("phone", true),
                ("email", false),
                ("note", false),
            ],
            FileKind::Users => &[
                ("username", true),
                ("full_name", true),
                ("role", true),
                ("unit_code", false),
                ("team_id", false),
                ("phone", false),
            ],
            FileKind::Teams => &[
                ("team_id", true),
                ("name", true),
                ("unit_code", true),
                ("covers", false),
                ("leader", false),
                ("leader_phone", false),
                ("deputy", false),
                ("police", false),
                ("youth_union", false),
                ("womens_union", false),
                ("veterans", false),
                ("students", false),
                ("other", false),
            ],
            FileKind::Sessions => &[
                ("session_id", true),
                ("team_id", true),
                ("unit_code", true),
                ("place", true),
                ("kind", true),
                ("start", true),
                ("end", true),
            ],
            FileKind::Visits => &[
                ("visit_id", true),
                ("citizen_id", true),
                ("outcome", true),
                ("at", true),
                ("team_id", false),
                ("session_id", false),
                ("note", false),
            ],
        }
    }
}

/// Prefixes a field's error with the column it came from.
fn field<T>(column: &str, r: Result<T, String>) -> Result<T, String> {
    r.map_err(|e| format!("{column}: {e}"))
}

fn required<'a>(rec: &Record<'a>, col: usize, name: &str) -> Result<&'a str, String> {
    rec.optional(col).ok_or_else(|| format!("{name} is empty"))
}

/// The citizen ID in column `col` (named `name`), its lost leading zeros
/// put back with a warning. A record with no one to warn (an API body)
/// refuses it instead.
fn citizen_id(rec: &Record<'_>, col: usize, name: &str) -> Result<CitizenId, String> {
    let s = rec.get(col);
    match field(name, CitizenId::parse_file(s))? {
        Padded::AsWritten(id) => Ok(id),
        Padded::ZerosRestored(id) => {
            if rec.warn(col, Quirk::ZerosRestored, || format!("{s} → {id}")) {
                Ok(id)
            } else {
                Err(format!(
                    "{name}: ID '{s}' is not a 12-digit personal identification number (a leading zero may have been lost: format the column as text)"
                ))
            }
        }
    }
}

/// The day in column `col` (named `name`): as files write it, or strictly
/// `YYYY-MM-DD` for a record that is not from a file (an API body keeps
/// the API's formats).
fn day(rec: &Record<'_>, col: usize, name: &str) -> Result<Day, String> {
    let s = rec.get(col);
    field(
        name,
        if rec.is_file() {
            Day::parse_file(s)
        } else {
            s.parse()
        },
    )
}

/// The time in column `col`, as [`day`] reads days.
fn instant(rec: &Record<'_>, s: &str, name: &str) -> Result<Instant, String> {
    field(
        name,
        if rec.is_file() {
            Instant::parse_file(s)
        } else {
            s.parse()
        },
    )
}

/// How a column of unit codes is read when a value is all digits and
/// shorter than a commune code, as when a spreadsheet stored the column as
/// numbers. Zeros are put back only where the column fixes the width and
/// the digits as written can have no other meaning.
#[derive(Clone, Copy)]
enum Codes {
    /// A unit's own code, of the level its row gives: that level's width.
    Own(UnitLevel),
    /// The parent of a district (a province) or of a village (a commune):
    /// that level's width, unless the digits have the shape of another GSO
    /// level (a village's parent `837` is district 837, refused as such).
    Parent(UnitLevel),
    /// A commune's parent, a province (2 digits) or a district (3): one
    /// digit could be either, and is refused.
    CommuneParent,
    /// A citizen's unit or a target's: as written. One or four digits may
    /// be a village's own code as much as a GSO code that lost its zeros,
    /// and two or three a province or district written by mistake; the
    /// store says which units exist, and a warning what may have happened.
    Any,
}

/// The unit code in column `col` (named `name`), read as `codes` says.
fn unit_code(rec: &Record<'_>, col: usize, name: &str, codes: Codes) -> Result<UnitCode, String> {
    let s = rec.get(col);
    let short = !s.is_empty() && s.len() < 5 && s.bytes().all(|b| b.is_ascii_digit());
    let gso_shape = matches!(s.len(), 2 | 3);
    let level = match codes {
        Codes::Own(level) => level,
        Codes::Parent(level) if !gso_shape => level,
        Codes::CommuneParent if short && s.len() == 1 => {
            return Err(format!(
                "{name}: '{s}' has lost its leading zeros, and a commune's parent may be a province (0{s}) or a district (00{s}): format the column as text"
            ));
        }
        _ => {
            if short && !gso_shape {
                rec.warn(col, Quirk::MaybeZerosLost, || format!("'{s}'"));
            }
            return field(name, UnitCode::parse(s));
        }
    };
    match field(name, UnitCode::parse_file(s, level))? {
        Padded::AsWritten(code) => Ok(code),
        Padded::ZerosRestored(code) => {
            if rec.warn(col, Quirk::ZerosRestored, || format!("{s} → {code}")) {
                Ok(code)
            } else {
                field(name, UnitCode::parse(s))
            }
        }
    }
}

pub fn parse_unit(rec: &Record<'_>, _today: Day) -> Result<Unit, String> {
    let level: UnitLevel = field("level", rec.get(2).parse())?;
    let code = unit_code(rec, 0, "code", Codes::Own(level))?;
    let name = normalize(required(rec, 1, "name")?);
    let parent = match level {
        UnitLevel::District => Codes::Parent(UnitLevel::Province),
        UnitLevel::Village => Codes::Parent(UnitLevel::Commune),
        UnitLevel::Commune => Codes::CommuneParent,
        UnitLevel::Province => Codes::Any,
    };
    let parent = rec
        .optional(3)
        .map(|_| unit_code(rec, 3, "parent_code", parent))
        .transpose()?;
    Ok(Unit {
        code,
        name,
        level,
        parent,
    })
}

pub fn parse_citizen(rec: &Record<'_>, today: Day) -> Result<Citizen, String> {
    let id = citizen_id(rec, 0, "id")?;
    let full_name = required(rec, 1, "full_name")?;
    let birth = day(rec, 2, "birth_date")?;
    let sex: Sex = field("sex", rec.get(3).parse())?;
    let unit = unit_code(rec, 4, "unit_code", Codes::Any)?;
    Citizen::new(
        id,
        full_name,
        birth,
        sex,
        unit,
        rec.optional(5),
        rec.optional(6),
        rec.optional(7),
        today,
    )
    .map_err(|e| e.to_string())
}

pub fn parse_event(rec: &Record<'_>, _today: Day) -> Result<Vec<Event>, String> {
    let id = field("event_id", EventId::parse(rec.get(0)))?;
    let citizen = citizen_id(rec, 1, "citizen_id")?;
    let kind: EventKind = field("kind", rec.get(2).parse())?;
    let level: Level = field("level", rec.get(3).parse())?;
    let at = instant(rec, rec.get(4), "at")?;
    let reason = rec.optional(7);
    if kind == EventKind::Rejected && reason.is_none() {
        return Err("reason: a rejected application needs a reason".into());
    }
    Ok(vec![Event::new(id, citizen, kind, level, at).with_details(
        rec.optional(5),
        rec.optional(6),
        reason,
    )])
}

/// A snapshot row stands for the events it implies, one per filled stage.
pub fn parse_status(rec: &Record<'_>, _today: Day) -> Result<Vec<Event>, String> {
    let citizen = citizen_id(rec, 0, "citizen_id")?;
    let level: Level = field("level", rec.get(1).parse())?;
    let stages = [
        (2, "collected_at", EventKind::Collected),
        (3, "approved_at", EventKind::Approved),
        (4, "activated_at", EventKind::Activated),
        (5, "used_at", EventKind::Used),
    ];
    let mut events = Vec::with_capacity(4);
    for (col, name, kind) in stages {
        if let Some(at) = rec.optional(col) {
            let at = instant(rec, at, name)?;
            events.push(Event::new(
                Event::snapshot_id(citizen, level, kind),
                citizen,
                kind,
                level,
                at,
            ));
        }
    }
    if events.is_empty() {
        return Err("no stage has a date: an empty row says nothing".into());
    }
    Ok(events)
}

pub fn parse_target(rec: &Record<'_>, _today: Day) -> Result<TargetRecord, String> {
    Ok(TargetRecord {
        unit: unit_code(rec, 0, "unit_code", Codes::Any)?,
        metric: field("metric", rec.get(1).parse::<TargetMetric>())?,
        value: field("value", rec.get(2).parse::<TargetValue>())?,
        deadline: day(rec, 3, "deadline")?,
    })
}

/// The phone in column `col`: its lost leading zero put back with a
/// warning, like an ID's. A record with no one to warn refuses it instead.
/// (The phone's own messages name the column.)
fn phone(rec: &Record<'_>, col: usize) -> Result<Phone, String> {
    let s = rec.get(col);
    match Phone::parse_file(s)? {
        Padded::AsWritten(p) => Ok(p),
        Padded::ZerosRestored(p) => {
            if rec.warn(col, Quirk::ZerosRestored, || {
                format!("{s} → {}", p.national())
            }) {
                Ok(p)
            } else {
                Phone::parse(s)
            }
        }
    }
}

pub fn parse_contact(rec: &Record<'_>, _today: Day) -> Result<Contact, String> {
    Ok(Contact {
        unit: unit_code(rec, 0, "unit_code", Codes::Any)?,
        name: OneLine::parse(rec.get(1), "name")?,
        title: OneLine::parse(rec.get(2), "title")?,
        phone: phone(rec, 3)?,
        email: rec.optional(4).map(Email::parse).transpose()?,
        note: rec
            .optional(5)
            .map(|s| OneLine::parse(s, "note"))
            .transpose()?,
    })
}

/// A `users import` row: `username,full_name,role,unit_code[,team_id,phone]`.
pub fn parse_user(rec: &Record<'_>, _today: Day) -> Result<UserRecord, String> {
    UserRecord {
        username: field("username", required(rec, 0, "username")?.parse())?,
        full_name: OneLine::parse(rec.get(1), "full_name")?.to_string(),
        role: field("role", required(rec, 2, "role")?.parse())?,
        unit: match rec.optional(3) {
            Some(_) => Some(unit_code(rec, 3, "unit_code", Codes::Any)?),
            None => None,
        },
        team: rec
            .optional(4)
            .map(|s| OneLine::parse(s, "team_id").map(|t| t.to_string()))
            .transpose()?,
        phone: match rec.optional(5) {
            Some(_) => Some(phone(rec, 5)?.to_string()),
            None => None,
        },
    }
    .check()
}

/// A `teams import` row: `team_id,name,unit_code[,covers,leader,leader_phone,deputy,police,youth_union,womens_union,veterans,students,other]`;
/// `covers` lists unit codes separated by `;`, commas or spaces.
pub fn parse_team(rec: &Record<'_>, _today: Day) -> Result<Team, String> {
    let mut covers = Vec::new();
    for code in rec.get(3).split([';', ',', ' ']).filter(|c| !c.is_empty()) {
        let code = field("covers", UnitCode::parse(code))?;
        if !covers.contains(&code) {
            covers.push(code);
        }
    }
    let mut members = Vec::new();
    for (i, force) in Force::ALL.into_iter().enumerate() {
        let col = 7 + i;
        if let Some(n) = rec.optional(col) {
            let n: u32 = n
                .parse()
                .map_err(|_| format!("{}: '{n}' is not a number of members", force.as_str()))?;
            if n > 0 {
                members.push((force, n));
            }
        }
    }
    let text = |col: usize, what: &str| {
        rec.optional(col)
            .map(|s| OneLine::parse(s, what).map(|l| l.to_string()))
            .transpose()
    };
    Ok(Team {
        code: field("team_id", required(rec, 0, "team_id")?.parse())?,
        name: OneLine::parse(rec.get(1), "name")?.to_string(),
        unit: unit_code(rec, 2, "unit_code", Codes::Any)?,
        covers,
        leader: text(4, "leader")?,
        leader_phone: match rec.optional(5) {
            Some(_) => Some(field("leader_phone", phone(rec, 5))?),
            None => None,
        },
        deputy: text(6, "deputy")?,
        members,
    })
}

/// A `sessions import` row: `session_id,team_id,unit_code,place,kind,start,end`.
pub fn parse_session(rec: &Record<'_>, _today: Day) -> Result<Session, String> {
    let start = instant(rec, required(rec, 5, "start")?, "start")?;
    let end = instant(rec, required(rec, 6, "end")?, "end")?;
    Ok(Session {
        code: field("session_id", required(rec, 0, "session_id")?.parse())?,
        team: field("team_id", required(rec, 1, "team_id")?.parse())?,
        unit: unit_code(rec, 2, "unit_code", Codes::Any)?,
        place: OneLine::parse(rec.get(3), "place")?.to_string(),
        kind: field("kind", required(rec, 4, "kind")?.parse())?,
        times: SessionTimes::new(start, end)?,
    })
}

/// A `visits import` row: `visit_id,citizen_id,outcome,at[,team_id,session_id,note]`.
pub fn parse_visit(rec: &Record<'_>, _today: Day) -> Result<Visit, String> {
    let code = |col: usize, name: &str| {
        rec.optional(col)
            .map(|s| field(name, s.parse()))
            .transpose()
    };
    Ok(Visit {
        id: field("visit_id", required(rec, 0, "visit_id")?.parse())?,
        citizen: citizen_id(rec, 1, "citizen_id")?,
        outcome: field("outcome", required(rec, 2, "outcome")?.parse())?,
        at: instant(rec, required(rec, 3, "at")?, "at")?,
        team: code(4, "team_id")?,
        session: code(5, "session_id")?,
        note: rec
            .optional(6)
            .map(|s| OneLine::parse(s, "note").map(|l| l.to_string()))
            .transpose()?,
    })
}
