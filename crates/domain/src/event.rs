//! Lifecycle events as they arrive from the field or the national system.

use std::fmt;

use crate::citizen::CitizenId;
use crate::lifecycle::{EventKind, Level};
use crate::text::normalize;
use crate::time::Instant;

/// An event's id: unique across the campaign, 1 to 64 printable characters.
/// Re-sending an event with the same id and content changes nothing. Ids
/// beginning with `snapshot:` are reserved for the events a status snapshot
/// implies ([`Event::snapshot_id`]): they are derived from the event itself.
const SNAPSHOT_PREFIX: &str = "snapshot:";

#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct EventId(String);

impl EventId {
    pub fn parse(s: &str) -> Result<EventId, String> {
        let s = s.trim();
        if s.is_empty() {
            return Err("event_id is empty".into());
        }
        if s.len() > 64 || s.chars().any(char::is_control) {
            return Err(format!(
                "event_id '{s}' must be at most 64 printable characters"
            ));
        }
        if s.starts_with(SNAPSHOT_PREFIX) {
            return Err(format!(
                "event_id '{s}' begins with '{SNAPSHOT_PREFIX}', which is reserved for the events a status snapshot implies: give the event another id"
            ));
        }
        Ok(EventId(s.to_owned()))
    }

    /// Whether this is the id a status snapshot gives an event.
    pub fn is_snapshot(&self) -> bool {
        self.0.starts_with(SNAPSHOT_PREFIX)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Something that happened to one citizen's application at one level.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Event {
    pub id: EventId,
    pub citizen: CitizenId,
    pub kind: EventKind,
    pub level: Level,
    pub at: Instant,
    pub team_id: Option<String>,
    pub session_id: Option<String>,
    pub reason: Option<String>,
}

impl Event {
    pub fn new(
        id: EventId,
        citizen: CitizenId,
        kind: EventKind,
        level: Level,
        at: Instant,
    ) -> Event {
        Event {
            id,
            citizen,
            kind,
            level,
            at,
            team_id: None,
            session_id: None,
            reason: None,
        }
    }

    /// Sets the optional fields, normalised; empty strings mean "none".
    pub fn with_details(
        mut self,
        team_id: Option<&str>,
        session_id: Option<&str>,
        reason: Option<&str>,
    ) -> Event {
        let optional = |s: Option<&str>| s.map(normalize).filter(|s| !s.is_empty());
        self.team_id = optional(team_id);
        self.session_id = optional(session_id);
        self.reason = optional(reason);
        self
    }

    /// The event in words, for messages: `083085000001 activated at level
    /// 1 on 2023-09-05T08:00:00+07:00`.
    pub fn describe(&self) -> String {
        format!(
            "{} {} at level {} on {}",
            self.citizen,
            self.kind,
            self.level,
            self.at.to_rfc3339()
        )
    }

    /// The id a status-snapshot row gives the event it implies: one per
    /// citizen, level and stage, so a re-exported snapshot repeats it.
    pub fn snapshot_id(citizen: CitizenId, level: Level, kind: EventKind) -> EventId {
        EventId(format!("{SNAPSHOT_PREFIX}{citizen}:{level}:{kind}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_trimmed_and_bounded() {
        assert_eq!(EventId::parse("  ev-1 ").unwrap().as_str(), "ev-1");
        assert!(EventId::parse("").is_err());
        assert!(EventId::parse(&"x".repeat(65)).is_err());
        assert!(EventId::parse("a\tb").is_err());
    }

    #[test]
    fn the_snapshot_prefix_is_reserved() {
        let err = EventId::parse("snapshot:083073199514:1:collected").unwrap_err();
        assert!(err.contains("reserved"), "{err}");
        let citizen = CitizenId::parse("083073199514").unwrap();
        let id = Event::snapshot_id(citizen, Level::Two, EventKind::Approved);
        assert_eq!(id.as_str(), "snapshot:083073199514:2:approved");
        assert!(id.is_snapshot());
        assert!(!EventId::parse("ev-1").unwrap().is_snapshot());
    }
}
