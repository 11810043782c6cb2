//! The morning briefing: for each unit listed (a unit's children, or the
//! provinces), what the as-of day brought and what needs attention.
//!
//! The rules (docs/rules.md, "Cần chú ý"):
//!
//! - **overdue**: a target's deadline has passed and the count is short;
//! - **behind pace**: a target still open whose 7-day pace is below the
//!   required pace (what is left over the days left), worst ratio first;
//! - **unusual day**: the as-of day's increase is at least
//!   [`UNUSUAL_TIMES`] times the unit's mean daily increase over the
//!   [`USUAL_DAYS`] days before it, and at least [`UNUSUAL_MIN`] citizens
//!   (a file imported twice under new IDs, a day's data put on one day);
//! - **more than eligible**: more collected or activated than eligible
//!   citizens (a roster that is missing people, or events on the wrong unit);
//! - **silent**: a unit with a target still open (not reached, not yet
//!   due) whose counts have not
//!   moved for `silent_after` days or more up to the as-of day, though they
//!   moved in the [`USUAL_DAYS`] before.

use phuxanh_domain::{Counts, Day, Metric};
use phuxanh_store::{History, Result, Scope, Store};

use crate::progress::{Progress, UnitRef};

/// The days before the as-of day that say what is usual for a unit.
pub const USUAL_DAYS: i32 = 28;
/// How many times its usual daily increase makes a day unusual.
pub const UNUSUAL_TIMES: f64 = 5.0;
/// The smallest increase that can be unusual: below it, noise.
pub const UNUSUAL_MIN: i64 = 50;
/// The attention list's longest length.
pub const ATTENTION_MAX: usize = 10;

const WATCHED: [Metric; 2] = [Metric::Collected, Metric::Activated];

/// What needs a leader's attention about one unit.
#[derive(Clone, Debug, PartialEq)]
pub enum Concern {
    Overdue {
        metric: Metric,
        deadline: Day,
        days: i32,
        short_by: i64,
    },
    BehindPace {
        metric: Metric,
        pace: f64,
        required: f64,
    },
    UnusualDay {
        metric: Metric,
        increase: i64,
        usual: f64,
    },
    MoreThanEligible {
        metric: Metric,
        count: i64,
        eligible: i64,
    },
    Silent {
        /// The last day the counts moved.
        since: Day,
        days: i32,
    },
}

impl Concern {
    /// Lower is more urgent: the kind first, then how bad within it.
    fn urgency(&self) -> (u8, f64) {
        match self {
            Concern::Overdue { short_by, .. } => (0, -(*short_by as f64)),
            Concern::BehindPace { pace, required, .. } => (1, pace / required),
            Concern::Silent { days, .. } => (2, -f64::from(*days)),
            Concern::MoreThanEligible { .. } => (3, 0.0),
            Concern::UnusualDay {
                increase, usual, ..
            } => (4, -(*increase as f64) / usual.max(1.0)),
        }
    }
}

/// One listed unit's line in the briefing.
#[derive(Clone, Debug, PartialEq)]
pub struct Brief {
    /// The increase on the as-of day itself.
    pub day: Counts,
    pub concerns: Vec<Concern>,
}

/// An entry of the attention list.
#[derive(Clone, Debug, PartialEq)]
pub struct Attention {
    pub unit: UnitRef,
    pub concern: Concern,
}

/// The briefing of `units` (their progress on one day): a [`Brief`] each,
/// in their order.
pub fn briefing(
    store: &dyn Store,
    scope: &Scope,
    units: &[Progress],
    silent_after: i32,
) -> Result<Vec<Brief>> {
    units
        .iter()
        .map(|p| {
            let code = phuxanh_domain::UnitCode::parse(&p.unit.code)
                .expect("a unit's code read from the store parses");
            let from = p.as_of.plus_days(-USUAL_DAYS);
            let history = store.history(scope, &code, from, p.as_of)?;
            Ok(assess(p, &history, silent_after))
        })
        .collect()
}

/// The briefing of one unit from its progress and its history over the
/// [`USUAL_DAYS`] before the as-of day and the day itself.
pub fn assess(p: &Progress, history: &History, silent_after: i32) -> Brief {
    let as_of = p.as_of;
    let now = history.as_of(as_of);
    let day_before = history.as_of(as_of.plus_days(-1));
    let mut day = Counts::ZERO;
    for m in Metric::FROM_EVENTS {
        day[m] = now[m] - day_before[m];
    }
    let mut concerns = Vec::new();
    for m in WATCHED {
        if let Some(o) = p.overdue(m) {
            if o.short_by > 0 {
                let deadline = p.targets.get(m).map(|t| t.deadline).unwrap_or(as_of);
                concerns.push(Concern::Overdue {
                    metric: m,
                    deadline,
                    days: o.days,
                    short_by: o.short_by,
                });
            }
        } else if let Some(required) = p.projection.get(m).and_then(|x| x.required_pace) {
            let pace = p.pace.get(m).copied().unwrap_or(0.0);
            if required > 0.0 && pace < required {
                concerns.push(Concern::BehindPace {
                    metric: m,
                    pace,
                    required,
                });
            }
        }
    }
    for m in WATCHED {
        let usual = (day_before[m] - history.before[m]) as f64 / f64::from(USUAL_DAYS);
        if day[m] >= UNUSUAL_MIN && day[m] as f64 >= UNUSUAL_TIMES * usual {
            concerns.push(Concern::UnusualDay {
                metric: m,
                increase: day[m],
                usual,
            });
        }
    }
    for m in WATCHED {
        if p.eligible > 0 && p.count(m) > p.eligible {
            concerns.push(Concern::MoreThanEligible {
                metric: m,
                count: p.count(m),
                eligible: p.eligible,
            });
        }
    }
    // A target not yet reached and not yet due: its unit should be moving.
    let open = p
        .targets
        .0
        .iter()
        .any(|(m, t)| t.deadline >= as_of && p.count(*m) < t.value);
    let moved = |c: &Counts, d: &Counts| WATCHED.iter().any(|m| c[*m] != d[*m]);
    if open && silent_after > 0 {
        // The last day in the span on which the counts moved.
        let mut last = None;
        let mut previous = history.before;
        for (d, c) in &history.changes {
            if moved(c, &previous) {
                last = Some(*d);
            }
            previous = *c;
        }
        if let Some(since) = last {
            let days = as_of.days_since(since);
            if days >= silent_after {
                concerns.push(Concern::Silent { since, days });
            }
        }
    }
    Brief { day, concerns }
}

/// The attention list of `units` with their briefs: the most urgent
/// concerns first, at most [`ATTENTION_MAX`].
pub fn attention(units: &[Progress], briefs: &[Brief]) -> Vec<Attention> {
    let mut all: Vec<Attention> = units
        .iter()
        .zip(briefs)
        .flat_map(|(p, b)| {
            b.concerns.iter().map(|c| Attention {
                unit: p.unit.clone(),
                concern: c.clone(),
            })
        })
        .collect();
    all.sort_by(|a, b| {
        let (ka, xa) = a.concern.urgency();
        let (kb, xb) = b.concern.urgency();
        ka.cmp(&kb)
            .then(xa.total_cmp(&xb))
            .then_with(|| a.unit.code.cmp(&b.unit.code))
    });
    all.truncate(ATTENTION_MAX);
    all
}

#[cfg(test)]
mod tests {
    use super::*;
    use phuxanh_domain::{Instant, UnitCode, UnitLevel};
    use phuxanh_store::{Target, Unit, UnitFigures};

    fn day(s: &str) -> Day {
        s.parse().unwrap()
    }

    fn counts(collected: i64, activated: i64) -> Counts {
        let mut c = Counts::ZERO;
        c[Metric::Collected] = collected;
        c[Metric::Activated] = activated;
        c
    }

    /// A commune on `as_of` with 1,000 eligible and a target of 900
    /// collected due on `deadline`, its counts from `history`.
    fn commune(as_of: &str, deadline: &str, history: &History) -> Progress {
        let as_of = day(as_of);
        let mut now = history.as_of(as_of);
        now[Metric::Eligible] = 1_000;
        Progress::from_figures(&UnitFigures {
            unit: Unit {
                code: UnitCode::parse("28756").unwrap(),
                name: "Xã Vĩnh Hòa".into(),
                level: UnitLevel::Commune,
                parent: None,
            },
            retired: None,
            as_of,
            counts: now,
            week_before: history.as_of(as_of.plus_days(-7)),
            targets: vec![Target {
                metric: "collected".parse().unwrap(),
                value: "900".parse().unwrap(),
                deadline: day(deadline),
                set_at: Instant::from_unix_seconds(0),
                set_by: "test".into(),
                superseded_at: None,
            }],
        })
    }

    /// 10 collected a day from 17/10 to 14/11/2023 (400 before), then what
    /// `last` adds on 14/11.
    fn steady(last: i64) -> History {
        let mut changes = Vec::new();
        let mut c = 400;
        let mut d = day("2023-10-17");
        while d < day("2023-11-14") {
            c += 10;
            changes.push((d, counts(c, 0)));
            d = d.plus_days(1);
        }
        changes.push((d, counts(c + last, 0)));
        History {
            before: counts(400, 0),
            changes,
        }
    }

    #[test]
    fn a_pace_below_the_required_one_is_behind() {
        // 14/11: 400 + 28×10 + 10 = 690 collected, 210 to go in 31 days:
        // 6,77 a day required, the pace is 10: not behind.
        let h = steady(10);
        let p = commune("2023-11-14", "2023-12-15", &h);
        assert_eq!(p.count(Metric::Collected), 690);
        let b = assess(&p, &h, 3);
        assert_eq!(b.day[Metric::Collected], 10);
        assert!(b.concerns.is_empty(), "{:?}", b.concerns);
        // Due on 20/11 instead: 210 in 6 days is 35 a day, the pace 10.
        let p = commune("2023-11-14", "2023-11-20", &h);
        match &assess(&p, &h, 3).concerns[..] {
            [
                Concern::BehindPace {
                    metric,
                    pace,
                    required,
                },
            ] => {
                assert_eq!(*metric, Metric::Collected);
                assert_eq!(*pace, 10.0);
                assert_eq!(*required, 35.0);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_passed_deadline_short_of_the_target_is_overdue() {
        let h = steady(10);
        let p = commune("2023-11-14", "2023-11-04", &h);
        assert_eq!(
            assess(&p, &h, 3).concerns,
            vec![Concern::Overdue {
                metric: Metric::Collected,
                deadline: day("2023-11-04"),
                days: 10,
                short_by: 210,
            }]
        );
    }

    #[test]
    fn a_day_five_times_the_usual_is_unusual_unless_below_the_minimum() {
        // The 28 days before 14/11 brought 280: 10 a day.
        let h = steady(50);
        let p = commune("2023-11-14", "2023-12-15", &h);
        assert_eq!(
            assess(&p, &h, 3).concerns,
            vec![Concern::UnusualDay {
                metric: Metric::Collected,
                increase: 50,
                usual: 10.0
            }]
        );
        let h = steady(49);
        let p = commune("2023-11-14", "2023-12-15", &h);
        assert!(assess(&p, &h, 3).concerns.is_empty());
    }

    #[test]
    fn a_unit_whose_counts_stopped_is_silent() {
        // Nothing after 10/11: four days without a change by 14/11.
        let mut h = steady(0);
        h.changes.retain(|(d, _)| *d <= day("2023-11-10"));
        let p = commune("2023-11-14", "2024-06-30", &h);
        let concerns = assess(&p, &h, 3).concerns;
        assert!(
            concerns.contains(&Concern::Silent {
                since: day("2023-11-10"),
                days: 4
            }),
            "{concerns:?}"
        );
        // Five days is not yet silent.
        assert!(
            !assess(&p, &h, 5)
                .concerns
                .iter()
                .any(|c| matches!(c, Concern::Silent { .. }))
        );
    }

    #[test]
    fn more_activated_than_eligible_is_flagged() {
        let h = History {
            before: counts(900, 1_001),
            changes: vec![],
        };
        let p = commune("2023-11-14", "2023-12-15", &h);
        assert!(
            assess(&p, &h, 0)
                .concerns
                .contains(&Concern::MoreThanEligible {
                    metric: Metric::Activated,
                    count: 1_001,
                    eligible: 1_000
                })
        );
    }

    #[test]
    fn the_attention_list_puts_overdue_first_then_the_worst_pace() {
        let h = steady(10);
        let late = commune("2023-11-14", "2023-11-04", &h);
        let slow = commune("2023-11-14", "2023-11-20", &h);
        let fine = commune("2023-11-14", "2023-12-15", &h);
        let units = [fine.clone(), slow.clone(), late.clone()];
        let briefs: Vec<Brief> = units.iter().map(|p| assess(p, &h, 3)).collect();
        let list = attention(&units, &briefs);
        assert_eq!(list.len(), 2);
        assert!(matches!(list[0].concern, Concern::Overdue { .. }));
        assert!(matches!(list[1].concern, Concern::BehindPace { .. }));
    }
}
