//! The five kinds of input file, their columns (SPEC.md, "Formats") and the
//! parsers that turn one record into domain values.

use phuxanh_domain::{
    Citizen, CitizenId, Day, Event, EventId, EventKind, Instant, Level, Sex, TargetMetric,
    TargetValue, UnitCode, UnitLevel, text::normalize,
};
use phuxanh_store::{TargetRecord, Unit};

use crate::source::Record;

/// What a file holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    Units,
    Citizens,
    Events,
    Status,
    Targets,
}

impl FileKind {
    pub fn name(self) -> &'static str {
        match self {
            FileKind::Units => "units",
            FileKind::Citizens => "citizens",
            FileKind::Events => "events",
            FileKind::Status => "status",
            FileKind::Targets => "targets",
        }
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

fn citizen_id(s: &str) -> Result<CitizenId, String> {
    CitizenId::parse(s).map_err(|e| {
        if s.len() == 11 && !s.starts_with('0') && s.bytes().all(|b| b.is_ascii_digit()) {
            format!("{e} (a leading zero may have been lost: format the column as text)")
        } else {
            e
        }
    })
}

pub fn parse_unit(rec: &Record<'_>, _today: Day) -> Result<Unit, String> {
    let code = field("code", UnitCode::parse(rec.get(0)))?;
    let name = normalize(required(rec, 1, "name")?);
    let level: UnitLevel = field("level", rec.get(2).parse())?;
    let parent = rec
        .optional(3)
        .map(|p| field("parent_code", UnitCode::parse(p)))
        .transpose()?;
    Ok(Unit {
        code,
        name,
        level,
        parent,
    })
}

pub fn parse_citizen(rec: &Record<'_>, today: Day) -> Result<Citizen, String> {
    let id = field("id", citizen_id(rec.get(0)))?;
    let full_name = required(rec, 1, "full_name")?;
    let birth: Day = field("birth_date", rec.get(2).parse())?;
    let sex: Sex = field("sex", rec.get(3).parse())?;
    let unit = field("unit_code", UnitCode::parse(rec.get(4)))?;
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
    let citizen = field("citizen_id", citizen_id(rec.get(1)))?;
    let kind: EventKind = field("kind", rec.get(2).parse())?;
    let level: Level = field("level", rec.get(3).parse())?;
    let at: Instant = field("at", rec.get(4).parse())?;
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
    let citizen = field("citizen_id", citizen_id(rec.get(0)))?;
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
            let at: Instant = field(name, at.parse())?;
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
        unit: field("unit_code", UnitCode::parse(rec.get(0)))?,
        metric: field("metric", rec.get(1).parse::<TargetMetric>())?,
        value: field("value", rec.get(2).parse::<TargetValue>())?,
        deadline: field("deadline", rec.get(3).parse::<Day>())?,
    })
}
