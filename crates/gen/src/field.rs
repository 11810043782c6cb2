//! The field operations of a generated campaign, from a generator of their
//! own so that adding them changed no citizen or event of a seed:
//!
//! - three teams a commune, the `team_id`s its events already carry: TCT1
//!   of the commune police and the youth union, TCT2 of the women's union
//!   with veterans, TCT3 of students with their teachers and the youth
//!   union; each covers its whole commune;
//! - a session for each team, day of the peak and part of the day (morning,
//!   afternoon, evening) its events name: TCT1 at the office by day and
//!   door to door in the evening, TCT2 door to door, TCT3 at the school on
//!   weekdays and door to door otherwise;
//! - visits in the evening sessions of the peak to a third of the eligible
//!   who never applied (nobody at home, refusals, moved away, living
//!   elsewhere, deceased among the very old) and to half of those who
//!   applied and never activated (mostly no smartphone).

use std::collections::BTreeSet;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use phuxanh_domain::Day;

use crate::timeline::{Calendar, GenEvent, MINUTES_A_DAY, Minute};
use crate::write::Files;
use crate::{Commune, GenError};

/// Someone a team goes to see.
#[derive(Clone, Copy)]
pub(crate) struct Candidate {
    pub citizen: u64,
    pub commune: u32,
    pub need: Need,
}

#[derive(Clone, Copy)]
pub(crate) enum Need {
    /// Eligible from this day, never applied; `old` when 80 or more.
    NotApplied { from: Day, old: bool },
    /// Applied on this day, never activated.
    NotActivated { applied: Day },
}

/// A session's key: commune, team number, day, part of the day (0 morning,
/// 1 afternoon, 2 evening).
type Key = (u32, u8, i32, u8);

fn part_of(at: Minute) -> u8 {
    match (at % MINUTES_A_DAY) / 60 {
        0..=11 => 0,
        12..=17 => 1,
        _ => 2,
    }
}

const PARTS: [(&str, &str, &str); 3] = [
    ("am", "07:30", "12:00"),
    ("pm", "13:00", "18:00"),
    ("eve", "18:00", "22:00"),
];

/// What was written.
#[derive(Default)]
pub(crate) struct Written {
    pub teams: u64,
    pub sessions: u64,
    pub visits: u64,
}

pub(crate) fn write(
    seed: u64,
    calendar: &Calendar,
    communes: &[Commune<'_>],
    events: &[GenEvent],
    candidates: &[Candidate],
    files: &mut Files,
) -> Result<Written, GenError> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0xf1e1d);
    let (peak_start, peak_end) = calendar.peak();
    let peak_days = peak_end.days_since(peak_start) + 1;
    let mut sessions: BTreeSet<Key> = events
        .iter()
        .filter(|e| calendar.in_peak(Day::from_number((e.at / MINUTES_A_DAY) as i32)))
        .map(|e| {
            (
                e.commune,
                e.team,
                (e.at / MINUTES_A_DAY) as i32,
                part_of(e.at),
            )
        })
        .collect();
    let mut written = Written::default();

    // Visits, in the commune's women's union evening sessions of the peak.
    let mut visits = Vec::new();
    for c in candidates {
        let (chance, after) = match c.need {
            Need::NotApplied { from, .. } => (0.35, from.max(peak_start)),
            Need::NotActivated { applied } => (0.5, applied.plus_days(1).max(peak_start)),
        };
        if after > peak_end || !rng.random_bool(chance) {
            continue;
        }
        let span = peak_end.days_since(after) + 1;
        let day = after.plus_days(rng.random_range(0..span.min(peak_days)));
        let roll: f64 = rng.random();
        let outcome = match c.need {
            Need::NotApplied { old: true, .. } if roll < 0.15 => "deceased",
            Need::NotApplied { .. } => match roll {
                r if r < 0.45 => "not-home",
                r if r < 0.70 => "refused",
                r if r < 0.80 => "no-smartphone",
                r if r < 0.90 => "moved-away",
                _ => "lives-elsewhere",
            },
            Need::NotActivated { .. } => match roll {
                r if r < 0.6 => "no-smartphone",
                r if r < 0.9 => "not-home",
                _ => "refused",
            },
        };
        let minute = i64::from(day.number()) * MINUTES_A_DAY + rng.random_range(18 * 60..22 * 60);
        sessions.insert((c.commune, 2, day.number(), 2));
        visits.push((c.citizen, c.commune, minute, outcome));
    }

    // Teams: every commune with a session, three teams each.
    let with_sessions: BTreeSet<u32> = sessions.iter().map(|k| k.0).collect();
    for &i in &with_sessions {
        let commune = &communes[i as usize];
        for team in 1..=3u8 {
            files.team(&mut rng, &commune.unit.code, &commune.unit.name, team)?;
            written.teams += 1;
        }
    }
    for &(commune, team, day, part) in &sessions {
        let code = &communes[commune as usize].unit.code;
        let day = Day::from_number(day);
        let (name, start, end) = PARTS[part as usize];
        let kind = match (team, part) {
            (1, 0 | 1) => "office",
            (3, 0 | 1) if !day.is_weekend() => "school",
            _ => "door-to-door",
        };
        let place = match kind {
            "office" => "Trụ sở Công an",
            "school" => "Trường học",
            _ => "Các hộ trên địa bàn",
        };
        files.session(code, team, day, name, place, kind, start, end)?;
        written.sessions += 1;
    }
    for (n, (citizen, commune, at, outcome)) in visits.iter().enumerate() {
        let code = &communes[*commune as usize].unit.code;
        files.visit(n + 1, *citizen, *at, outcome, code)?;
        written.visits += 1;
    }
    Ok(written)
}
