//! What we count. Every metric counts distinct citizens; a citizen adds one
//! to a metric from the first day it became true of them (their first
//! collected application, their first activation, the day they reached the
//! minimum age…). That first day per metric is a citizen's [`Contribution`]:
//! counters are the sums of contributions, so any change to a citizen — a
//! late event, a move to another unit — is "take the old contribution away,
//! add the new one".

use std::fmt;
use std::ops::{AddAssign, Index, IndexMut, Neg, SubAssign};
use std::str::FromStr;

use crate::lifecycle::{EventKind, Level};
use crate::time::Day;

/// A counted metric. `Eligible` comes from the roster, the others from events.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub enum Metric {
    Eligible,
    Collected,
    CollectedL2,
    Approved,
    Rejected,
    Activated,
    ActivatedL2,
    Used,
}

impl Metric {
    pub const COUNT: usize = 8;

    pub const ALL: [Metric; Metric::COUNT] = [
        Metric::Eligible,
        Metric::Collected,
        Metric::CollectedL2,
        Metric::Approved,
        Metric::Rejected,
        Metric::Activated,
        Metric::ActivatedL2,
        Metric::Used,
    ];

    /// The metrics events drive, in the order of [`Firsts`].
    pub const FROM_EVENTS: [Metric; 7] = [
        Metric::Collected,
        Metric::CollectedL2,
        Metric::Approved,
        Metric::Rejected,
        Metric::Activated,
        Metric::ActivatedL2,
        Metric::Used,
    ];

    pub fn index(self) -> usize {
        self as usize
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Metric::Eligible => "eligible",
            Metric::Collected => "collected",
            Metric::CollectedL2 => "collected_l2",
            Metric::Approved => "approved",
            Metric::Rejected => "rejected",
            Metric::Activated => "activated",
            Metric::ActivatedL2 => "activated_l2",
            Metric::Used => "used",
        }
    }

    /// The Vietnamese name used in reports.
    pub fn vietnamese(self) -> &'static str {
        match self {
            Metric::Eligible => "Đủ điều kiện",
            Metric::Collected => "Thu nhận",
            Metric::CollectedL2 => "Thu nhận mức 2",
            Metric::Approved => "Phê duyệt",
            Metric::Rejected => "Từ chối",
            Metric::Activated => "Kích hoạt",
            Metric::ActivatedL2 => "Kích hoạt mức 2",
            Metric::Used => "Sử dụng",
        }
    }

    /// The metrics an event of `kind` at `level` can make true.
    pub fn driven_by(kind: EventKind, level: Level) -> &'static [Metric] {
        match (kind, level) {
            (EventKind::Collected, Level::One) => &[Metric::Collected],
            (EventKind::Collected, Level::Two) => &[Metric::Collected, Metric::CollectedL2],
            (EventKind::Approved, _) => &[Metric::Approved],
            (EventKind::Rejected, _) => &[Metric::Rejected],
            (EventKind::Activated, Level::One) => &[Metric::Activated],
            (EventKind::Activated, Level::Two) => &[Metric::Activated, Metric::ActivatedL2],
            (EventKind::Used, _) => &[Metric::Used],
        }
    }
}

impl FromStr for Metric {
    type Err = String;
    fn from_str(s: &str) -> Result<Metric, String> {
        Metric::ALL
            .into_iter()
            .find(|m| m.as_str() == s.trim())
            .ok_or_else(|| {
                format!(
                    "metric '{}' is not one of {}",
                    s.trim(),
                    Metric::ALL.map(Metric::as_str).join(", ")
                )
            })
    }
}

impl serde::Serialize for Metric {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl fmt::Display for Metric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One number per metric.
#[derive(Clone, Copy, PartialEq, Eq, Default, Debug, Hash)]
pub struct Counts(pub [i64; Metric::COUNT]);

impl Counts {
    pub const ZERO: Counts = Counts([0; Metric::COUNT]);

    pub fn is_zero(&self) -> bool {
        self.0.iter().all(|&n| n == 0)
    }

    /// The increase from `earlier` to `self`.
    pub fn minus(&self, earlier: &Counts) -> Counts {
        let mut out = *self;
        out -= *earlier;
        out
    }
}

impl Index<Metric> for Counts {
    type Output = i64;
    fn index(&self, m: Metric) -> &i64 {
        &self.0[m.index()]
    }
}

impl IndexMut<Metric> for Counts {
    fn index_mut(&mut self, m: Metric) -> &mut i64 {
        &mut self.0[m.index()]
    }
}

impl AddAssign for Counts {
    fn add_assign(&mut self, rhs: Counts) {
        for (a, b) in self.0.iter_mut().zip(rhs.0) {
            *a += b;
        }
    }
}

impl SubAssign for Counts {
    fn sub_assign(&mut self, rhs: Counts) {
        for (a, b) in self.0.iter_mut().zip(rhs.0) {
            *a -= b;
        }
    }
}

impl Neg for Counts {
    type Output = Counts;
    fn neg(self) -> Counts {
        Counts(self.0.map(|n| -n))
    }
}

/// For each event-driven metric, the first day it became true of a citizen.
#[derive(Clone, Copy, PartialEq, Eq, Default, Debug)]
pub struct Firsts(pub [Option<Day>; 7]);

impl Firsts {
    fn slot(metric: Metric) -> usize {
        debug_assert!(metric != Metric::Eligible);
        metric.index() - 1
    }

    pub fn get(&self, metric: Metric) -> Option<Day> {
        self.0[Firsts::slot(metric)]
    }

    /// The first days on or before `day`: the citizen as they stood at its
    /// end.
    pub fn as_of(&self, day: Day) -> Firsts {
        Firsts(self.0.map(|d| d.filter(|d| *d <= day)))
    }

    /// Whether the citizen has any event at all.
    pub fn is_empty(&self) -> bool {
        self.0.iter().all(Option::is_none)
    }

    /// Takes an event into account; events may arrive in any order, so the
    /// first day is the earliest seen.
    pub fn record(&mut self, kind: EventKind, level: Level, day: Day) {
        for &m in Metric::driven_by(kind, level) {
            let slot = &mut self.0[Firsts::slot(m)];
            *slot = Some(slot.map_or(day, |d| d.min(day)));
        }
    }
}

/// A step of the funnel between two stages of a citizen's application.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub enum Transition {
    CollectedToApproved,
    ApprovedToActivated,
    ActivatedToUsed,
}

impl Transition {
    pub const ALL: [Transition; 3] = [
        Transition::CollectedToApproved,
        Transition::ApprovedToActivated,
        Transition::ActivatedToUsed,
    ];

    /// The metrics of the stage it leaves and the stage it reaches.
    pub fn stages(self) -> (Metric, Metric) {
        match self {
            Transition::CollectedToApproved => (Metric::Collected, Metric::Approved),
            Transition::ApprovedToActivated => (Metric::Approved, Metric::Activated),
            Transition::ActivatedToUsed => (Metric::Activated, Metric::Used),
        }
    }

    pub fn code(self) -> u8 {
        self as u8
    }

    pub fn from_code(code: u8) -> Option<Transition> {
        Transition::ALL.into_iter().find(|t| t.code() == code)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Transition::CollectedToApproved => "collected_to_approved",
            Transition::ApprovedToActivated => "approved_to_activated",
            Transition::ActivatedToUsed => "activated_to_used",
        }
    }
}

impl Firsts {
    /// Days the citizen took over each step they have made: from the first
    /// day of one stage to the first day of the next.
    pub fn gaps(&self) -> impl Iterator<Item = (Transition, i32)> + '_ {
        Transition::ALL.into_iter().filter_map(|t| {
            let (from, to) = t.stages();
            Some((t, self.get(to)?.days_since(self.get(from)?).max(0)))
        })
    }
}

/// What one citizen adds to the counters of their unit: one per metric, from
/// the day given; eligible until the day they left the unit's population
/// (moved away, deceased: a visit said so), if they did.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Contribution {
    pub eligible_from: Day,
    /// The first day they no longer count as eligible.
    pub eligible_until: Option<Day>,
    pub firsts: Firsts,
}

impl Contribution {
    /// `(metric, day, change)` for each change this citizen makes to their
    /// unit's cumulative counts: +1 to each metric from its first day, and
    /// −1 to the eligible from the day they left.
    pub fn entries(&self) -> impl Iterator<Item = (Metric, Day, i64)> + '_ {
        let eligible = match self.eligible_until {
            // Left before they were ever eligible: never counted.
            Some(until) if until <= self.eligible_from => None,
            until => Some(
                std::iter::once((Metric::Eligible, self.eligible_from, 1))
                    .chain(until.map(|d| (Metric::Eligible, d, -1))),
            ),
        };
        eligible.into_iter().flatten().chain(
            Metric::FROM_EVENTS
                .into_iter()
                .filter_map(|m| self.firsts.get(m).map(|d| (m, d, 1))),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> Day {
        s.parse().unwrap()
    }

    #[test]
    fn gaps_are_days_between_first_days() {
        let mut f = Firsts::default();
        f.record(EventKind::Collected, Level::Two, day("2023-08-20"));
        f.record(EventKind::Approved, Level::Two, day("2023-08-22"));
        f.record(EventKind::Activated, Level::Two, day("2023-08-25"));
        let gaps: Vec<_> = f.gaps().collect();
        assert_eq!(
            gaps,
            [
                (Transition::CollectedToApproved, 2),
                (Transition::ApprovedToActivated, 3)
            ]
        );
    }

    #[test]
    fn firsts_keep_the_earliest_day() {
        let mut f = Firsts::default();
        assert!(f.is_empty());
        f.record(EventKind::Collected, Level::One, day("2023-09-10"));
        f.record(EventKind::Collected, Level::Two, day("2023-09-12"));
        f.record(EventKind::Collected, Level::One, day("2023-09-01"));
        assert_eq!(f.get(Metric::Collected), Some(day("2023-09-01")));
        assert_eq!(f.get(Metric::CollectedL2), Some(day("2023-09-12")));
        assert_eq!(f.get(Metric::Activated), None);
    }

    #[test]
    fn contribution_lists_eligible_and_every_first() {
        let mut firsts = Firsts::default();
        firsts.record(EventKind::Activated, Level::Two, day("2023-09-03"));
        let c = Contribution {
            eligible_from: day("2020-01-01"),
            eligible_until: None,
            firsts,
        };
        let entries: Vec<_> = c.entries().collect();
        assert_eq!(
            entries,
            vec![
                (Metric::Eligible, day("2020-01-01"), 1),
                (Metric::Activated, day("2023-09-03"), 1),
                (Metric::ActivatedL2, day("2023-09-03"), 1),
            ]
        );
        // Gone from the population on 20/9: eligible until then.
        let left = Contribution {
            eligible_until: Some(day("2023-09-20")),
            ..c
        };
        let entries: Vec<_> = left.entries().collect();
        assert_eq!(
            entries[..2],
            [
                (Metric::Eligible, day("2020-01-01"), 1),
                (Metric::Eligible, day("2023-09-20"), -1)
            ]
        );
        // Gone before they were old enough: never eligible.
        let never = Contribution {
            eligible_from: day("2023-09-30"),
            eligible_until: Some(day("2023-09-15")),
            firsts: Firsts::default(),
        };
        assert_eq!(never.entries().count(), 0);
    }

    #[test]
    fn metric_names_round_trip() {
        for m in Metric::ALL {
            assert_eq!(m.as_str().parse::<Metric>(), Ok(m));
        }
        assert!(
            "kich_hoat"
                .parse::<Metric>()
                .unwrap_err()
                .contains("collected")
        );
    }
}
