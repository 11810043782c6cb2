//! When things happen: per commune, a slow baseline, a "60 ngày đêm" peak
//! as many times busier as the commune surges, weekends as its habit has
//! them (many sessions in the evening during the peak), a moderate tail and
//! perhaps a few silent days (see [`crate::spread`]); and one citizen's path
//! through the lifecycle, with rejections, re-applications and level-1 to
//! level-2 upgrades.

use rand::Rng;

use phuxanh_domain::{Day, EventKind, Level};

use crate::Timeline;
use crate::spread::Profile;

/// A local time, in minutes since 1970-01-01 00:00 in Vietnam.
pub type Minute = i64;

pub const MINUTES_A_DAY: i64 = 1440;

/// One generated event, before it gets its id.
#[derive(Clone, Copy, Debug)]
pub struct GenEvent {
    pub at: Minute,
    pub citizen: u64,
    pub commune: u32,
    pub team: u8,
    pub kind: EventKind,
    pub level: Level,
    pub reason: u8,
}

/// The campaign's days: the timeline's dates and which days are weekends,
/// shared by every commune.
pub struct Calendar {
    start: Day,
    end: Day,
    peak_start: Day,
    peak_end: Day,
    deadline: Day,
    weekend: Vec<bool>,
}

impl Calendar {
    pub fn new(t: &Timeline) -> Calendar {
        Calendar {
            start: t.start,
            end: t.end,
            peak_start: t.peak_start,
            peak_end: t.peak_start.plus_days(t.peak_days as i32 - 1),
            deadline: t.deadline,
            weekend: (0..=t.end.days_since(t.start))
                .map(|i| t.start.plus_days(i).is_weekend())
                .collect(),
        }
    }

    /// The peak's first and last days.
    pub fn peak(&self) -> (Day, Day) {
        (self.peak_start, self.peak_end)
    }

    pub fn in_peak(&self, day: Day) -> bool {
        (self.peak_start..=self.peak_end).contains(&day)
    }

    /// A time on `day` when a team works: during the peak, four sessions in
    /// ten are in the evening (18:00–22:00); otherwise office hours mostly.
    pub fn time_on(&self, rng: &mut impl Rng, day: Day) -> Minute {
        let evening_share = if self.in_peak(day) { 0.4 } else { 0.15 };
        let minute_of_day = if rng.random_bool(evening_share) {
            rng.random_range(18 * 60..22 * 60)
        } else {
            rng.random_range(7 * 60 + 30..17 * 60)
        };
        i64::from(day.number()) * MINUTES_A_DAY + minute_of_day
    }
}

/// One commune's calendar: how busy each of its days is (see
/// [`crate::spread`]) and when it reports nothing.
pub struct Local<'a> {
    pub calendar: &'a Calendar,
    /// Cumulative application rate up to and including each day from `start`.
    cumulative: Vec<f64>,
    /// Days with no data, first and last.
    gap: Option<(Day, Day)>,
}

/// The weekday intensity of an ordinary day before the peak, and of a day
/// after it.
const BASELINE: f64 = 0.2;
const TAIL: f64 = 1.0;

impl<'a> Local<'a> {
    pub fn new(calendar: &'a Calendar, profile: &Profile) -> Local<'a> {
        let c = calendar;
        let gap = profile
            .gap
            .map(|(first, days)| (first, first.plus_days(days as i32 - 1)));
        let peak = (
            c.peak_start.days_since(c.start),
            c.peak_end.days_since(c.start),
        );
        let silent = gap.map(|(a, b)| (a.days_since(c.start), b.days_since(c.start)));
        let mut sum = 0.0;
        let mut cumulative: Vec<f64> = c
            .weekend
            .iter()
            .enumerate()
            .map(|(i, &weekend)| {
                let i = i as i32;
                let intensity = if silent.is_some_and(|(a, b)| (a..=b).contains(&i)) {
                    0.0
                } else if i < peak.0 {
                    if weekend { BASELINE / 2.0 } else { BASELINE }
                } else {
                    let day = if i <= peak.1 { profile.peak } else { TAIL };
                    if weekend { day * profile.weekend } else { day }
                };
                sum += intensity;
                sum
            })
            .collect();
        // Scale to the profile's cumulative rate at the deadline.
        let at_deadline = c
            .deadline
            .days_since(c.start)
            .clamp(0, cumulative.len() as i32 - 1);
        let scale = profile.pace / cumulative[at_deadline as usize].max(f64::MIN_POSITIVE);
        for x in &mut cumulative {
            *x *= scale;
        }
        Local {
            calendar,
            cumulative,
            gap,
        }
    }

    /// The day someone willing, eligible from `not_before`, applies: the
    /// first event of a Poisson process at the commune's daily rate, `None`
    /// if it comes after the end of the timeline.
    pub fn application_day(&self, rng: &mut impl Rng, not_before: Day) -> Option<Day> {
        let c = self.calendar;
        let first = not_before.max(c.start).days_since(c.start) as usize;
        if first >= self.cumulative.len() {
            return None;
        }
        let before = if first == 0 {
            0.0
        } else {
            self.cumulative[first - 1]
        };
        // An exponential waiting time, in units of cumulative rate.
        let wait = -(1.0 - rng.random::<f64>()).ln();
        let i = self.cumulative.partition_point(|&x| x < before + wait);
        (i < self.cumulative.len()).then(|| c.start.plus_days(i as i32))
    }

    /// `t`, or when it falls in the commune's gap, the same time of day (in
    /// office hours) on the day after the gap: what happened then is
    /// reported when the commune resumes.
    fn outside_gap(&self, t: Minute) -> Minute {
        let day = Day::from_number((t / MINUTES_A_DAY) as i32);
        match self.gap {
            Some((a, b)) if (a..=b).contains(&day) => {
                i64::from(b.plus_days(1).number()) * MINUTES_A_DAY
                    + (t % MINUTES_A_DAY).clamp(8 * 60, 17 * 60)
            }
            _ => t,
        }
    }

    /// A time some days (drawn from `lag_days`) after `after`, in office
    /// hours, strictly later and outside the gap; `None` past the end of the
    /// timeline.
    fn later(
        &self,
        rng: &mut impl Rng,
        after: Minute,
        lag_days: std::ops::Range<i32>,
    ) -> Option<Minute> {
        let end = self.calendar.end;
        let lag_days = rng.random_range(lag_days);
        let day = Day::from_number((after / MINUTES_A_DAY) as i32).plus_days(lag_days);
        if day > end {
            return None;
        }
        let t = i64::from(day.number()) * MINUTES_A_DAY + rng.random_range(8 * 60..17 * 60);
        Some(self.outside_gap(t.max(after + 30)))
            .filter(|&t| t < i64::from(end.number() + 1) * MINUTES_A_DAY)
    }
}

/// How one citizen's campaign goes.
pub struct Path<'a> {
    pub local: &'a Local<'a>,
    pub citizen: u64,
    pub commune: u32,
}

impl Path<'_> {
    fn event(&self, at: Minute, kind: EventKind, level: Level, team: u8, reason: u8) -> GenEvent {
        GenEvent {
            at,
            citizen: self.citizen,
            commune: self.commune,
            team,
            kind,
            level,
            reason,
        }
    }

    /// Generates the citizen's events: they apply (if they do) on a day
    /// drawn from the commune's calendar, not before `eligible_from`.
    pub fn generate(
        &self,
        rng: &mut impl Rng,
        eligible_from: Day,
        applies: bool,
        out: &mut Vec<GenEvent>,
    ) {
        if !applies {
            return;
        }
        let Some(day) = self.local.application_day(rng, eligible_from) else {
            return;
        };
        let collected = self.local.calendar.time_on(rng, day);
        let level = if rng.random_bool(0.65) {
            Level::Two
        } else {
            Level::One
        };
        let activated = self.application(rng, collected, level, out);
        // Some level-1 accounts are upgraded to level 2 later.
        if let (Level::One, Some(at)) = (level, activated)
            && rng.random_bool(0.25)
            && let Some(t) = self.local.later(rng, at, 10..90)
        {
            self.application(rng, t, Level::Two, out);
        }
    }

    /// One application from collection on; returns when it was activated.
    fn application(
        &self,
        rng: &mut impl Rng,
        mut collected: Minute,
        level: Level,
        out: &mut Vec<GenEvent>,
    ) -> Option<Minute> {
        let team = rng.random_range(1..=3);
        out.push(self.event(collected, EventKind::Collected, level, team, 0));
        // About 3.5% are rejected; most apply again a few days later.
        if rng.random_bool(0.035) {
            let rejected = self.local.later(rng, collected, 1..4)?;
            let reason = rng.random_range(0..crate::names::REJECTION_REASONS.len()) as u8;
            out.push(self.event(rejected, EventKind::Rejected, level, team, reason));
            if !rng.random_bool(0.8) {
                return None;
            }
            collected = self.local.later(rng, rejected, 3..21)?;
            out.push(self.event(collected, EventKind::Collected, level, team, 0));
        }
        let approved = self.local.later(rng, collected, 0..6)?;
        out.push(self.event(approved, EventKind::Approved, level, team, 0));
        if !rng.random_bool(0.8) {
            return None;
        }
        let activated = self.local.later(rng, approved, 0..31)?;
        out.push(self.event(activated, EventKind::Activated, level, team, 0));
        if rng.random_bool(0.55) {
            let mut used = activated;
            for _ in 0..if rng.random_bool(0.3) { 2 } else { 1 } {
                match self.local.later(rng, used, 0..61) {
                    Some(t) => {
                        used = t;
                        out.push(self.event(used, EventKind::Used, level, team, 0));
                    }
                    None => break,
                }
            }
        }
        Some(activated)
    }
}
