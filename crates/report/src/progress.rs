//! The figures of one unit on one day, computed from its counters as
//! docs/rules.md's counting rules say:
//!
//! - target percentage = count / target × 100; coverage = count / eligible × 100,
//!   both rounded half-up to two decimals;
//! - pace = mean daily increase over the last 7 days;
//! - projection at the deadline = count + pace × days left; required pace =
//!   (target − count) / days left; projected completion = the as-of day +
//!   ⌈(target − count) / pace⌉ days;
//! - status: `done` once the count has reached the target; `on-track` when
//!   the projection reaches it by the deadline; `at-risk` when the
//!   projection falls short by less than a tenth of the target (and the
//!   deadline has not passed); `behind` otherwise.

use phuxanh_domain::{Counts, Day, Metric, Percent, UnitLevel};
use phuxanh_store::UnitFigures;
use serde::Serialize;
use serde::ser::SerializeMap;

/// Values keyed by metric, serialised as a JSON object in metric order.
#[derive(Clone, Debug, PartialEq)]
pub struct ByMetric<T>(pub Vec<(Metric, T)>);

impl<T> ByMetric<T> {
    pub fn get(&self, m: Metric) -> Option<&T> {
        self.0.iter().find(|(k, _)| *k == m).map(|(_, v)| v)
    }
}

impl<T: Serialize> Serialize for ByMetric<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k.as_str(), v)?;
        }
        map.end()
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct UnitRef {
    pub code: String,
    pub name: String,
    #[schema(value_type = String)]
    pub level: UnitLevel,
}

#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct TargetView {
    /// The number to reach (a percentage target resolved against eligible).
    pub value: i64,
    /// The target as it was set: `930767` or `50%`.
    pub given: String,
    #[schema(value_type = String, format = Date)]
    pub deadline: Day,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct CountsView {
    pub collected: i64,
    pub collected_l2: i64,
    pub approved: i64,
    pub rejected: i64,
    pub activated: i64,
    pub activated_l2: i64,
    pub used: i64,
}

impl From<&phuxanh_store::Unit> for UnitRef {
    fn from(u: &phuxanh_store::Unit) -> UnitRef {
        UnitRef {
            code: u.code.to_string(),
            name: u.name.clone(),
            level: u.level,
        }
    }
}

impl CountsView {
    /// One metric's value (eligible is not among them: zero).
    pub fn get(&self, m: Metric) -> i64 {
        match m {
            Metric::Eligible => 0,
            Metric::Collected => self.collected,
            Metric::CollectedL2 => self.collected_l2,
            Metric::Approved => self.approved,
            Metric::Rejected => self.rejected,
            Metric::Activated => self.activated,
            Metric::ActivatedL2 => self.activated_l2,
            Metric::Used => self.used,
        }
    }
}

impl From<&Counts> for CountsView {
    fn from(c: &Counts) -> CountsView {
        CountsView {
            collected: c[Metric::Collected],
            collected_l2: c[Metric::CollectedL2],
            approved: c[Metric::Approved],
            rejected: c[Metric::Rejected],
            activated: c[Metric::Activated],
            activated_l2: c[Metric::ActivatedL2],
            used: c[Metric::Used],
        }
    }
}

/// How a target stands, by the rule in the module's docs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Done,
    OnTrack,
    AtRisk,
    Behind,
}

impl Status {
    pub fn judge(count: i64, target: i64, projected: i64, days_left: i32) -> Status {
        if count >= target {
            Status::Done
        } else if projected >= target && days_left > 0 {
            Status::OnTrack
        } else if days_left > 0 && (target - projected) * 10 < target {
            Status::AtRisk
        } else {
            Status::Behind
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Done => "done",
            Status::OnTrack => "on-track",
            Status::AtRisk => "at-risk",
            Status::Behind => "behind",
        }
    }

    pub fn vietnamese(self) -> &'static str {
        match self {
            Status::Done => "Đã hoàn thành",
            Status::OnTrack => "Đúng tiến độ",
            Status::AtRisk => "Có nguy cơ chậm",
            Status::Behind => "Chậm tiến độ",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Projection {
    #[schema(value_type = String, format = Date)]
    pub deadline: Day,
    pub days_left: i32,
    /// Citizens a day still needed to reach the target; `None` once the
    /// deadline has come.
    #[serde(serialize_with = "two_places_opt")]
    pub required_pace: Option<f64>,
    /// Count expected at the deadline at the current 7-day pace.
    pub projected: i64,
    /// The day the target would be reached at the current pace; `None`
    /// once reached, or while the pace is zero.
    #[schema(value_type = Option<String>, format = Date)]
    pub completion: Option<Day>,
    pub status: Status,
}

/// A deadline the as-of day is past ([`Progress::overdue`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Overdue {
    pub days: i32,
    pub short_by: i64,
}

/// A unit a reorganisation retired: its figures stand as they were then.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct RetiredView {
    /// The first day of the new structure.
    #[schema(value_type = String, format = Date)]
    pub on: Day,
    /// The codes of the units it went into.
    pub into: Vec<String>,
}

/// One unit's progress, in the JSON shape of docs/formats.md.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Progress {
    pub unit: UnitRef,
    /// Only for a unit a reorganisation retired (`units reorganise`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retired: Option<RetiredView>,
    #[schema(value_type = String, format = Date)]
    pub as_of: Day,
    pub eligible: i64,
    #[schema(value_type = HashMap<String, TargetView>)]
    pub targets: ByMetric<TargetView>,
    pub counts: CountsView,
    #[schema(value_type = HashMap<String, f64>)]
    pub target_pct: ByMetric<Percent>,
    #[schema(value_type = HashMap<String, f64>)]
    pub coverage_pct: ByMetric<Percent>,
    #[serde(serialize_with = "two_places_map")]
    #[schema(value_type = HashMap<String, f64>)]
    pub pace: ByMetric<f64>,
    #[schema(value_type = HashMap<String, Projection>)]
    pub projection: ByMetric<Projection>,
}

fn two_places(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn two_places_opt<S: serde::Serializer>(x: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
    match x {
        Some(x) => s.serialize_f64(two_places(*x)),
        None => s.serialize_none(),
    }
}

fn two_places_map<S: serde::Serializer>(m: &ByMetric<f64>, s: S) -> Result<S::Ok, S::Error> {
    ByMetric(m.0.iter().map(|&(k, v)| (k, two_places(v))).collect()).serialize(s)
}

/// The daily mean increase over the 7 days ending on the as-of day.
pub fn pace_last_7_days(now: &Counts, week_before: &Counts, metric: Metric) -> f64 {
    (now[metric] - week_before[metric]) as f64 / 7.0
}

/// The target percentages and the coverage of `counts`.
fn percentages(
    counts: &Counts,
    targets: &ByMetric<TargetView>,
    eligible: i64,
) -> (ByMetric<Percent>, ByMetric<Percent>) {
    let target_pct = ByMetric(
        targets
            .0
            .iter()
            .filter_map(|(m, t)| Some((*m, Percent::of(counts[*m], t.value)?)))
            .collect(),
    );
    let coverage_pct = ByMetric(
        Metric::FROM_EVENTS
            .into_iter()
            .filter_map(|m| Some((m, Percent::of(counts[m], eligible)?)))
            .collect(),
    );
    (target_pct, coverage_pct)
}

impl Progress {
    pub fn from_figures(f: &UnitFigures) -> Progress {
        let counts = &f.counts;
        let eligible = counts[Metric::Eligible];
        let targets = ByMetric(
            f.targets
                .iter()
                .map(|t| {
                    (
                        t.metric.metric(),
                        TargetView {
                            value: t.value.resolve(eligible),
                            given: t.value.to_string(),
                            deadline: t.deadline,
                        },
                    )
                })
                .collect(),
        );
        let (target_pct, coverage_pct) = percentages(counts, &targets, eligible);
        let pace = ByMetric(
            Metric::FROM_EVENTS
                .into_iter()
                .map(|m| (m, pace_last_7_days(counts, &f.week_before, m)))
                .collect(),
        );
        let projection = ByMetric(
            targets
                .0
                .iter()
                .map(|(m, t)| {
                    let days_left = t.deadline.days_since(f.as_of).max(0);
                    let rate = pace.get(*m).copied().unwrap_or(0.0);
                    // The pace's numerator: the increase over the 7 days.
                    let week = counts[*m] - f.week_before[*m];
                    let remaining = (t.value - counts[*m]).max(0);
                    let projected = counts[*m] + (rate * f64::from(days_left)).round() as i64;
                    (
                        *m,
                        Projection {
                            deadline: t.deadline,
                            days_left,
                            required_pace: (days_left > 0)
                                .then(|| remaining as f64 / f64::from(days_left)),
                            projected,
                            // None too when the day is past the calendar's
                            // end (a pace of a few a week, millions to go).
                            completion: (remaining > 0 && week > 0)
                                .then(|| {
                                    // ⌈remaining / (week / 7)⌉ in integers: in
                                    // floating point 17 / (17 / 7) is a hair over 7,
                                    // a day late. Past i32::MAX days is off the
                                    // calendar.
                                    let days =
                                        (remaining as u64).saturating_mul(7).div_ceil(week as u64);
                                    f.as_of.checked_plus_days(i32::try_from(days).ok()?)
                                })
                                .flatten(),
                            status: Status::judge(counts[*m], t.value, projected, days_left),
                        },
                    )
                })
                .collect(),
        );
        Progress {
            unit: UnitRef::from(&f.unit),
            retired: f.retired.as_ref().map(|r| RetiredView {
                on: r.on,
                into: r.into.iter().map(ToString::to_string).collect(),
            }),
            as_of: f.as_of,
            eligible,
            targets,
            counts: CountsView::from(counts),
            target_pct,
            coverage_pct,
            pace,
            projection,
        }
    }

    /// The target of `m` whose deadline had passed by the as-of day: how
    /// many days before, and how far short of the target the count was
    /// (0 when it was reached).
    pub fn overdue(&self, m: Metric) -> Option<Overdue> {
        let t = self.targets.get(m)?;
        (self.as_of > t.deadline).then(|| Overdue {
            days: self.as_of.days_since(t.deadline),
            short_by: (t.value - self.count(m)).max(0),
        })
    }

    /// The units' figures added up as one `unit` (the whole country from
    /// its provinces): counts, eligible and paces add; a target adds only
    /// when every unit has one for the metric, due on the latest deadline;
    /// no projection, since the units' deadlines need not agree.
    pub fn total(unit: UnitRef, units: &[Progress]) -> Option<Progress> {
        let first = units.first()?;
        let mut counts = Counts::ZERO;
        let mut eligible = 0;
        for u in units {
            eligible += u.eligible;
            for m in Metric::FROM_EVENTS {
                counts[m] += u.counts.get(m);
            }
        }
        let targets = ByMetric(
            first
                .targets
                .0
                .iter()
                .filter_map(|(m, _)| {
                    let each: Option<Vec<&TargetView>> =
                        units.iter().map(|u| u.targets.get(*m)).collect();
                    let each = each?;
                    let value = each.iter().map(|t| t.value).sum::<i64>();
                    Some((
                        *m,
                        TargetView {
                            value,
                            given: value.to_string(),
                            deadline: each.iter().map(|t| t.deadline).max()?,
                        },
                    ))
                })
                .collect(),
        );
        let (target_pct, coverage_pct) = percentages(&counts, &targets, eligible);
        let pace = ByMetric(
            Metric::FROM_EVENTS
                .into_iter()
                .map(|m| (m, units.iter().filter_map(|u| u.pace.get(m)).sum()))
                .collect(),
        );
        Some(Progress {
            unit,
            retired: None,
            as_of: first.as_of,
            eligible,
            targets,
            counts: CountsView::from(&counts),
            target_pct,
            coverage_pct,
            pace,
            projection: ByMetric(Vec::new()),
        })
    }

    pub fn count(&self, m: Metric) -> i64 {
        match m {
            Metric::Eligible => self.eligible,
            m => self.counts.get(m),
        }
    }
}

/// A unit with its children, as `progress --children` prints it.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct WithChildren {
    pub unit: Progress,
    pub children: Vec<Progress>,
}

/// The progress of `unit` (and, with `children`, of each unit directly
/// under it) from the live counters.
pub fn gather(
    store: &dyn phuxanh_store::Store,
    scope: &phuxanh_store::Scope,
    unit: &phuxanh_domain::UnitCode,
    as_of: Day,
    children: bool,
) -> phuxanh_store::Result<WithChildren> {
    let figures = store.figures(scope, unit, as_of)?;
    let children = if children {
        store
            .children(scope, unit)?
            .iter()
            .map(|c| {
                Ok(Progress::from_figures(
                    &store.figures(scope, &c.code, as_of)?,
                ))
            })
            .collect::<phuxanh_store::Result<Vec<_>>>()?
    } else {
        Vec::new()
    };
    Ok(WithChildren {
        unit: Progress::from_figures(&figures),
        children,
    })
}

#[cfg(test)]
mod tests {
    use super::{Overdue, Progress, Status, UnitRef, WithChildren};
    use phuxanh_domain::{Counts, Instant, Metric, UnitCode, UnitLevel};
    use phuxanh_store::{Target, Unit, UnitFigures};

    /// Bến Tre as of `as_of`, `collected` collected (none in the week
    /// before), with one collection target.
    fn figures(as_of: &str, collected: i64, target: &str, deadline: &str) -> UnitFigures {
        let mut counts = Counts::default();
        counts[Metric::Collected] = collected;
        UnitFigures {
            retired: None,
            unit: Unit {
                code: UnitCode::parse("83").unwrap(),
                name: "Tỉnh Bến Tre".into(),
                level: UnitLevel::Province,
                parent: None,
            },
            as_of: as_of.parse().unwrap(),
            counts,
            week_before: Counts::default(),
            targets: vec![Target {
                metric: "collected".parse().unwrap(),
                value: target.parse().unwrap(),
                deadline: deadline.parse().unwrap(),
                set_at: Instant::from_unix_seconds(0),
                set_by: "test".into(),
                superseded_at: None,
            }],
        }
    }

    #[test]
    fn a_completion_past_the_calendars_end_is_none() {
        // One collection a week and a million to go: 7 million days, far
        // past the year 9999. Before, this request panicked.
        let figures = figures("2023-11-14", 1, "1000000", "2023-12-31");
        let p = Progress::from_figures(&figures);
        let projection = p.projection.get(Metric::Collected).unwrap();
        assert_eq!(projection.completion, None);
        assert_eq!(projection.projected, 1 + 7);
    }

    #[test]
    fn a_completion_a_whole_number_of_days_away_is_that_day() {
        // 17 collected in the week, 17 to go: at 17/7 a day, exactly 7
        // days. In floating point 17 / (17 / 7) is 7.000000000000001,
        // whose ceiling made it 8.
        let figures = figures("2024-02-26", 17, "34", "2024-03-31");
        let p = Progress::from_figures(&figures);
        let projection = p.projection.get(Metric::Collected).unwrap();
        // 26/02 + 7 days, across 29 February.
        assert_eq!(projection.completion, Some("2024-03-04".parse().unwrap()));
        // One more to go is a day more.
        let mut one_more = figures.clone();
        one_more.targets[0].value = "35".parse().unwrap();
        let p = Progress::from_figures(&one_more);
        let projection = p.projection.get(Metric::Collected).unwrap();
        assert_eq!(projection.completion, Some("2024-03-05".parse().unwrap()));
    }

    #[test]
    fn status_follows_the_documented_rule() {
        assert_eq!(Status::judge(100, 100, 100, 5), Status::Done);
        assert_eq!(Status::judge(120, 100, 120, 0), Status::Done);
        assert_eq!(Status::judge(50, 100, 100, 5), Status::OnTrack);
        // Short by 9 of 100: at risk; by 10: behind.
        assert_eq!(Status::judge(50, 100, 91, 5), Status::AtRisk);
        assert_eq!(Status::judge(50, 100, 90, 5), Status::Behind);
        // The deadline has passed: not done is behind.
        assert_eq!(Status::judge(99, 100, 99, 0), Status::Behind);
    }

    #[test]
    fn a_passed_deadline_says_how_long_ago_and_how_far_short() {
        // 17 of 34 collected by 31/12/2023, seen on 10/01/2024: 10 days
        // past the deadline, 17 short.
        let figures = figures("2024-01-10", 17, "34", "2023-12-31");
        let p = Progress::from_figures(&figures);
        assert_eq!(
            p.overdue(Metric::Collected),
            Some(Overdue {
                days: 10,
                short_by: 17
            })
        );
        assert_eq!(p.overdue(Metric::Activated), None, "no target");
        let table = crate::render::progress_table(&WithChildren {
            unit: p,
            children: Vec::new(),
        });
        assert!(
            table.contains(
                "Chỉ tiêu thu nhận hạn 31/12/2023 đã quá hạn 10 ngày: đạt 17/34, còn thiếu 17 so với chỉ tiêu — Chậm tiến độ"
            ),
            "{table}"
        );
        // On the deadline itself it has not passed.
        let on_the_day = UnitFigures {
            as_of: "2023-12-31".parse().unwrap(),
            ..figures
        };
        assert_eq!(
            Progress::from_figures(&on_the_day).overdue(Metric::Collected),
            None
        );
    }

    #[test]
    fn a_total_adds_counts_and_targets_only_when_every_unit_has_one() {
        let a = Progress::from_figures(&figures("2023-11-14", 70, "100", "2023-12-15"));
        let b = Progress::from_figures(&figures("2023-11-14", 20, "50", "2023-12-31"));
        let country = UnitRef {
            code: "VN".into(),
            name: "Toàn quốc".into(),
            level: UnitLevel::Province,
        };
        let t = Progress::total(country.clone(), &[a.clone(), b]).unwrap();
        assert_eq!(t.count(Metric::Collected), 90);
        let target = t.targets.get(Metric::Collected).unwrap();
        assert_eq!(
            (target.value, target.deadline.to_string().as_str()),
            (150, "2023-12-31")
        );
        // 90 / 150 = 60%.
        assert_eq!(
            t.target_pct.get(Metric::Collected).unwrap().hundredths(),
            6000
        );
        assert!(t.projection.0.is_empty());
        let mut none = a.clone();
        none.targets.0.clear();
        let t = Progress::total(country, &[a, none]).unwrap();
        assert!(t.targets.get(Metric::Collected).is_none());
    }
}
