//! The lifecycle of one citizen's application at one level:
//!
//! ```text
//! (none) ─collected→ Collected ─approved→ Approved ─activated→ Activated ─used→ Used ─used→ Used
//!                        │                                                         
//!                        └─rejected→ Rejected ─collected→ Collected (applied again)
//! ```
//!
//! Events are replayed in time order; one that does not fit is refused with
//! a reason a commune officer can act on.

use std::fmt;
use std::str::FromStr;

use crate::time::Instant;

/// The level of an e-ID account (mức 1 or mức 2).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub enum Level {
    One,
    Two,
}

impl Level {
    pub fn number(self) -> u8 {
        match self {
            Level::One => 1,
            Level::Two => 2,
        }
    }

    pub fn from_number(n: u8) -> Result<Level, String> {
        match n {
            1 => Ok(Level::One),
            2 => Ok(Level::Two),
            other => Err(format!("level '{other}' is not 1 or 2")),
        }
    }
}

impl FromStr for Level {
    type Err = String;
    fn from_str(s: &str) -> Result<Level, String> {
        match s.trim() {
            "1" => Ok(Level::One),
            "2" => Ok(Level::Two),
            other => Err(format!("level '{other}' is not 1 or 2")),
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.number())
    }
}

/// What happened to an application.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub enum EventKind {
    Collected,
    Approved,
    Rejected,
    Activated,
    Used,
}

impl EventKind {
    pub const ALL: [EventKind; 5] = [
        EventKind::Collected,
        EventKind::Approved,
        EventKind::Rejected,
        EventKind::Activated,
        EventKind::Used,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Collected => "collected",
            EventKind::Approved => "approved",
            EventKind::Rejected => "rejected",
            EventKind::Activated => "activated",
            EventKind::Used => "used",
        }
    }

    /// Order among events at the same instant: a snapshot often stamps two
    /// stages with one time, and they then happened in lifecycle order.
    pub fn rank(self) -> u8 {
        match self {
            EventKind::Collected => 0,
            EventKind::Approved | EventKind::Rejected => 1,
            EventKind::Activated => 2,
            EventKind::Used => 3,
        }
    }
}

impl FromStr for EventKind {
    type Err = String;
    fn from_str(s: &str) -> Result<EventKind, String> {
        EventKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s.trim())
            .ok_or_else(|| {
                format!(
                    "kind '{}' is not one of collected, approved, rejected, activated, used",
                    s.trim()
                )
            })
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where one application stands.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Stage {
    None,
    Collected,
    Approved,
    Rejected,
    Activated,
    Used,
}

impl Stage {
    /// The stage after `kind` happens, or why it cannot happen now.
    pub fn after(self, kind: EventKind) -> Result<Stage, LifecycleError> {
        use EventKind as K;
        match (self, kind) {
            (Stage::None | Stage::Rejected, K::Collected) => Ok(Stage::Collected),
            (Stage::Collected, K::Approved) => Ok(Stage::Approved),
            (Stage::Collected, K::Rejected) => Ok(Stage::Rejected),
            (Stage::Approved, K::Activated) => Ok(Stage::Activated),
            (Stage::Activated | Stage::Used, K::Used) => Ok(Stage::Used),
            (stage, kind) => Err(LifecycleError { stage, kind }),
        }
    }

    /// The stage an event of `kind` leads to.
    pub fn reached_by(kind: EventKind) -> Stage {
        match kind {
            EventKind::Collected => Stage::Collected,
            EventKind::Approved => Stage::Approved,
            EventKind::Rejected => Stage::Rejected,
            EventKind::Activated => Stage::Activated,
            EventKind::Used => Stage::Used,
        }
    }

    /// How far along the application is: a rejection stands between "no
    /// application" and a collected one, since it must be collected again.
    fn progress(self) -> u8 {
        match self {
            Stage::None => 0,
            Stage::Rejected => 1,
            Stage::Collected => 2,
            Stage::Approved => 3,
            Stage::Activated => 4,
            Stage::Used => 5,
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Stage::None => "no application yet",
            Stage::Collected => "an application waiting for approval",
            Stage::Approved => "an approved application not yet activated",
            Stage::Rejected => "a rejected application (it must be collected again)",
            Stage::Activated => "an activated account",
            Stage::Used => "an account already in use",
        }
    }
}

/// An event that does not fit where the application stands.
#[derive(Clone, Copy, PartialEq, Eq, Debug, thiserror::Error)]
#[error("'{kind}' cannot follow {}", .stage.describe())]
pub struct LifecycleError {
    pub stage: Stage,
    pub kind: EventKind,
}

impl LifecycleError {
    /// The events that would make this one fit had they come first, in
    /// lifecycle order — an activation that arrives before its collection
    /// and approval; a second collection before the rejection of the
    /// first — or `None` when nothing could: the event goes back (an
    /// approval after an activation, a collection after an approval).
    pub fn missing(&self) -> Option<Vec<EventKind>> {
        use EventKind as K;
        // The stage the event needs, and the steps that lead to it.
        let (needs, path): (Stage, &[EventKind]) = match self.kind {
            // It needs no application, or a rejected one.
            K::Collected if self.stage == Stage::Collected => return Some(vec![K::Rejected]),
            K::Collected => return None,
            K::Approved | K::Rejected => (Stage::Collected, &[K::Collected]),
            K::Activated => (Stage::Approved, &[K::Collected, K::Approved]),
            K::Used => (Stage::Activated, &[K::Collected, K::Approved, K::Activated]),
        };
        if self.stage.progress() >= needs.progress() {
            return None;
        }
        // From where the application stands, the steps still to take.
        let done = match self.stage {
            Stage::None | Stage::Rejected => 0,
            Stage::Collected => 1,
            Stage::Approved => 2,
            Stage::Activated | Stage::Used => 3,
        };
        Some(path[done..].to_vec())
    }
}

/// Replays the events of one citizen at one level in time order (ties in
/// lifecycle order) and returns the final stage, or the first event that
/// breaks the order with the time it happened.
pub fn replay(events: &mut [(Instant, EventKind)]) -> Result<Stage, (Instant, LifecycleError)> {
    events.sort_by_key(|&(at, kind)| (at, kind.rank()));
    let mut stage = Stage::None;
    for &(at, kind) in events.iter() {
        stage = stage.after(kind).map_err(|e| (at, e))?;
    }
    Ok(stage)
}

#[cfg(test)]
mod tests {
    use super::*;
    use EventKind as K;

    #[test]
    fn every_allowed_transition() {
        let allowed = [
            (Stage::None, K::Collected, Stage::Collected),
            (Stage::Collected, K::Approved, Stage::Approved),
            (Stage::Collected, K::Rejected, Stage::Rejected),
            (Stage::Rejected, K::Collected, Stage::Collected),
            (Stage::Approved, K::Activated, Stage::Activated),
            (Stage::Activated, K::Used, Stage::Used),
            (Stage::Used, K::Used, Stage::Used),
        ];
        for (from, kind, to) in allowed {
            assert_eq!(from.after(kind), Ok(to), "{from:?} + {kind}");
        }
    }

    #[test]
    fn every_other_transition_is_refused() {
        let stages = [
            Stage::None,
            Stage::Collected,
            Stage::Approved,
            Stage::Rejected,
            Stage::Activated,
            Stage::Used,
        ];
        let mut refused = 0;
        for from in stages {
            for kind in EventKind::ALL {
                let allowed = matches!(
                    (from, kind),
                    (Stage::None | Stage::Rejected, K::Collected)
                        | (Stage::Collected, K::Approved | K::Rejected)
                        | (Stage::Approved, K::Activated)
                        | (Stage::Activated | Stage::Used, K::Used)
                );
                if !allowed {
                    assert_eq!(from.after(kind), Err(LifecycleError { stage: from, kind }));
                    refused += 1;
                }
            }
        }
        // 6 stages x 5 kinds, 7 allowed.
        assert_eq!(refused, 23);
    }

    #[test]
    fn refusals_say_why() {
        let err = Stage::None.after(K::Activated).unwrap_err();
        assert_eq!(
            err.to_string(),
            "'activated' cannot follow no application yet"
        );
        let err = Stage::Collected.after(K::Collected).unwrap_err();
        assert_eq!(
            err.to_string(),
            "'collected' cannot follow an application waiting for approval"
        );
    }

    fn at(s: &str) -> Instant {
        s.parse().unwrap()
    }

    #[test]
    fn replay_sorts_by_time_so_late_events_fit() {
        let mut events = vec![
            (at("2023-09-03 10:00"), K::Activated),
            (at("2023-09-01 10:00"), K::Collected),
            (at("2023-09-02 10:00"), K::Approved),
        ];
        assert_eq!(replay(&mut events), Ok(Stage::Activated));
    }

    #[test]
    fn replay_orders_ties_by_lifecycle() {
        let t = at("2023-09-01 10:00");
        let mut events = vec![
            (t, K::Used),
            (t, K::Activated),
            (t, K::Approved),
            (t, K::Collected),
        ];
        assert_eq!(replay(&mut events), Ok(Stage::Used));
    }

    #[test]
    fn replay_reports_the_first_bad_event() {
        let mut events = vec![
            (at("2023-09-01 10:00"), K::Collected),
            (at("2023-09-02 10:00"), K::Rejected),
            (at("2023-09-03 10:00"), K::Activated),
        ];
        let (when, err) = replay(&mut events).unwrap_err();
        assert_eq!(when, at("2023-09-03 10:00"));
        assert_eq!(err.stage, Stage::Rejected);
    }

    #[test]
    fn a_refusal_says_whether_missing_events_would_make_it_fit() {
        let missing = |stage: Stage, kind| stage.after(kind).unwrap_err().missing();
        assert_eq!(
            missing(Stage::None, K::Activated),
            Some(vec![K::Collected, K::Approved])
        );
        assert_eq!(
            missing(Stage::Collected, K::Used),
            Some(vec![K::Approved, K::Activated])
        );
        assert_eq!(missing(Stage::Approved, K::Used), Some(vec![K::Activated]));
        assert_eq!(
            missing(Stage::Rejected, K::Approved),
            Some(vec![K::Collected])
        );
        assert_eq!(missing(Stage::None, K::Rejected), Some(vec![K::Collected]));
        // A second collection waits for the first one's rejection.
        assert_eq!(
            missing(Stage::Collected, K::Collected),
            Some(vec![K::Rejected])
        );
        // Going back can never be mended by what is missing.
        assert_eq!(missing(Stage::Approved, K::Approved), None);
        assert_eq!(missing(Stage::Approved, K::Rejected), None);
        assert_eq!(missing(Stage::Activated, K::Collected), None);
        assert_eq!(missing(Stage::Used, K::Activated), None);
    }

    #[test]
    fn every_refusal_is_either_a_gap_or_a_step_back() {
        // A gap (something missing) only where the event lies ahead.
        let stages = [
            Stage::None,
            Stage::Collected,
            Stage::Approved,
            Stage::Rejected,
            Stage::Activated,
            Stage::Used,
        ];
        let mut gaps = 0;
        for from in stages {
            for kind in EventKind::ALL {
                let Err(e) = from.after(kind) else { continue };
                if let Some(path) = e.missing() {
                    gaps += 1;
                    // Replaying the missing events first makes it fit.
                    let mut stage = from;
                    for k in path {
                        stage = stage.after(k).unwrap();
                    }
                    assert!(stage.after(kind).is_ok(), "{from:?} + {kind}");
                }
            }
        }
        // None: 4 (all but collected), Rejected: 4, Collected: 3, Approved: 1.
        assert_eq!(gaps, 12);
    }

    #[test]
    fn rejected_then_collected_again() {
        let mut events = vec![
            (at("2023-09-01 10:00"), K::Collected),
            (at("2023-09-02 10:00"), K::Rejected),
            (at("2023-09-05 10:00"), K::Collected),
            (at("2023-09-06 10:00"), K::Approved),
        ];
        assert_eq!(replay(&mut events), Ok(Stage::Approved));
    }
}
