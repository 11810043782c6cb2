//! When things happen: a slow baseline, a "60 ngày đêm" peak several times
//! busier (weekends busier still, many sessions in the evening), then a
//! moderate tail; and one citizen's path through the lifecycle, with
//! rejections, re-applications and level-1 to level-2 upgrades.

use rand::Rng;

use phuxanh_domain::{Day, EventKind, Level};

use crate::Timeline;

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

/// The campaign's calendar with each day's relative busyness.
pub struct Calendar {
    start: Day,
    end: Day,
    peak_start: Day,
    peak_end: Day,
    /// Cumulative intensity up to and including each day from `start`.
    cumulative: Vec<f64>,
}

impl Calendar {
    pub fn new(t: &Timeline) -> Calendar {
        let mut c = Calendar {
            start: t.start,
            end: t.end,
            peak_start: t.peak_start,
            peak_end: t.peak_start.plus_days(t.peak_days as i32 - 1),
            cumulative: Vec::new(),
        };
        let mut sum = 0.0;
        for i in 0..=t.end.days_since(t.start) {
            sum += c.daily_intensity(t.start.plus_days(i));
            c.cumulative.push(sum);
        }
        c
    }

    pub fn in_peak(&self, day: Day) -> bool {
        (self.peak_start..=self.peak_end).contains(&day)
    }

    /// How busy a day is compared with an ordinary day before the peak.
    pub fn daily_intensity(&self, day: Day) -> f64 {
        if self.in_peak(day) {
            if day.is_weekend() { 9.0 } else { 5.0 }
        } else if day > self.peak_end {
            if day.is_weekend() { 2.2 } else { 1.6 }
        } else {
            1.0
        }
    }

    /// A day at or after `not_before`, drawn in proportion to busyness.
    pub fn draw_day(&self, rng: &mut impl Rng, not_before: Day) -> Option<Day> {
        let first = not_before.max(self.start).days_since(self.start);
        if first as usize >= self.cumulative.len() {
            return None;
        }
        let lo = if first == 0 {
            0.0
        } else {
            self.cumulative[first as usize - 1]
        };
        let hi = *self.cumulative.last()?;
        let x = rng.random_range(lo..hi);
        let i = self.cumulative.partition_point(|&c| c <= x);
        Some(self.start.plus_days(i as i32))
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

    /// A time some days (drawn from `lag_days`) after `after`, in office
    /// hours, strictly later; `None` past the end of the timeline.
    fn later(
        &self,
        rng: &mut impl Rng,
        after: Minute,
        lag_days: std::ops::Range<i32>,
    ) -> Option<Minute> {
        let lag_days = rng.random_range(lag_days);
        let day = Day::from_number((after / MINUTES_A_DAY) as i32).plus_days(lag_days);
        if day > self.end {
            return None;
        }
        let t = i64::from(day.number()) * MINUTES_A_DAY + rng.random_range(8 * 60..17 * 60);
        Some(t.max(after + 30)).filter(|&t| t < i64::from(self.end.number() + 1) * MINUTES_A_DAY)
    }
}

/// How one citizen's campaign goes.
pub struct Path<'a> {
    pub calendar: &'a Calendar,
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
    /// drawn from the calendar, not before `eligible_from`.
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
        let Some(day) = self.calendar.draw_day(rng, eligible_from) else {
            return;
        };
        let collected = self.calendar.time_on(rng, day);
        let level = if rng.random_bool(0.65) {
            Level::Two
        } else {
            Level::One
        };
        let activated = self.application(rng, collected, level, out);
        // Some level-1 accounts are upgraded to level 2 later.
        if let (Level::One, Some(at)) = (level, activated)
            && rng.random_bool(0.25)
            && let Some(t) = self.calendar.later(rng, at, 10..90)
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
            let rejected = self.calendar.later(rng, collected, 1..4)?;
            let reason = rng.random_range(0..crate::names::REJECTION_REASONS.len()) as u8;
            out.push(self.event(rejected, EventKind::Rejected, level, team, reason));
            if !rng.random_bool(0.8) {
                return None;
            }
            collected = self.calendar.later(rng, rejected, 3..21)?;
            out.push(self.event(collected, EventKind::Collected, level, team, 0));
        }
        let approved = self.calendar.later(rng, collected, 0..6)?;
        out.push(self.event(approved, EventKind::Approved, level, team, 0));
        if !rng.random_bool(0.8) {
            return None;
        }
        let activated = self.calendar.later(rng, approved, 0..31)?;
        out.push(self.event(activated, EventKind::Activated, level, team, 0));
        if rng.random_bool(0.55) {
            let mut used = activated;
            for _ in 0..if rng.random_bool(0.3) { 2 } else { 1 } {
                match self.calendar.later(rng, used, 0..61) {
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
