//! `ranking` and `completed`: the units under a unit, at one level, against
//! their targets for one metric.
//!
//! Ranking order: units with a target first, by target percentage (highest
//! first), ties broken by count (highest first), then by code; units without
//! a target after them, by count. Every unit gets its own rank; the rank the
//! day before is computed the same way, with the same targets, from the
//! counts (and, for percentage targets, the eligible) of that day.
//!
//! Completed: a unit whose count has reached its target as of the day; the
//! day it first did is the first day on which its counters met the target.

use std::cmp::Reverse;

use phuxanh_domain::{Day, Metric, Percent, TargetMetric, UnitCode, UnitLevel};
use phuxanh_store::{Result, Scope, Store, Unit};
use serde::Serialize;

use crate::progress::UnitRef;
use crate::render::{Cell, Report, Sheet, columns};
use crate::vi;

/// The units under `root` at `level` (its children when `None`), in code
/// order within each parent.
pub fn units_at(
    store: &dyn Store,
    scope: &Scope,
    root: &UnitCode,
    level: Option<UnitLevel>,
) -> Result<Vec<Unit>> {
    let mut out = Vec::new();
    let mut frontier = store.children(scope, root)?;
    while !frontier.is_empty() {
        let mut next = Vec::new();
        for u in frontier {
            match level {
                None => out.push(u),
                Some(l) if u.level == l => out.push(u),
                Some(_) => next.extend(store.children(scope, &u.code)?),
            }
        }
        frontier = next;
    }
    Ok(out)
}

/// The names of the parents of `units`, by the units' codes, when they
/// come from a level below the root's children (so from several parents:
/// "Xã Vĩnh Hòa" of two districts must be told apart); empty otherwise.
fn parent_names(
    store: &dyn Store,
    scope: &Scope,
    units: &[Unit],
    level: Option<UnitLevel>,
) -> Result<std::collections::HashMap<UnitCode, String>> {
    let mut names = std::collections::HashMap::new();
    if level.is_none() {
        return Ok(names);
    }
    let mut cache: std::collections::HashMap<UnitCode, String> = std::collections::HashMap::new();
    for u in units {
        if let Some(p) = &u.parent {
            if !cache.contains_key(p) {
                cache.insert(p.clone(), store.unit(scope, p)?.name);
            }
            names.insert(u.code.clone(), cache[p].clone());
        }
    }
    Ok(names)
}

/// A unit's standing on one day.
struct Standing {
    unit: Unit,
    count: i64,
    target: Option<i64>,
    pct: Option<Percent>,
}

/// Each unit's standing on `day` and on the day before: one read of the
/// unit's counters over the two days and one of its targets.
fn standings(
    store: &dyn Store,
    scope: &Scope,
    units: &[Unit],
    metric: TargetMetric,
    day: Day,
) -> Result<(Vec<Standing>, Vec<Standing>)> {
    let m = metric.metric();
    let (mut today, mut before) = (Vec::new(), Vec::new());
    for u in units {
        let history = store.history(scope, &u.code, day.plus_days(-1), day)?;
        let targets = store.target_history(scope, &u.code)?;
        let target = targets
            .iter()
            .find(|t| t.superseded_at.is_none() && t.metric == metric);
        for (d, out) in [(day, &mut today), (day.plus_days(-1), &mut before)] {
            let counts = history.as_of(d);
            let value = target.map(|t| t.value.resolve(counts[Metric::Eligible]));
            out.push(Standing {
                unit: u.clone(),
                count: counts[m],
                target: value,
                pct: value.and_then(|t| Percent::of(counts[m], t)),
            });
        }
    }
    Ok((today, before))
}

/// Sorts standings into ranking order.
fn rank(standings: &mut [Standing]) {
    standings.sort_by(|a, b| {
        let key = |s: &Standing| (s.pct.is_none(), Reverse(s.pct), Reverse(s.count));
        key(a)
            .cmp(&key(b))
            .then_with(|| a.unit.code.cmp(&b.unit.code))
    });
}

#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct RankRow {
    pub rank: usize,
    pub unit: UnitRef,
    /// The parent's name, when the rows come from several parents.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    pub count: i64,
    pub target: Option<i64>,
    #[schema(value_type = Option<f64>)]
    pub target_pct: Option<Percent>,
    /// The rank as of the day before.
    pub rank_before: usize,
    /// Places gained since the day before (negative: lost).
    pub change: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Ranking {
    pub unit: UnitRef,
    #[schema(value_type = String)]
    pub metric: Metric,
    #[schema(value_type = Option<String>)]
    pub level: Option<UnitLevel>,
    #[schema(value_type = String, format = Date)]
    pub as_of: Day,
    /// How many units were ranked (the rows may show only the top or bottom).
    pub ranked: usize,
    pub rows: Vec<RankRow>,
}

/// Which rows a ranking shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Show {
    All,
    Top(usize),
    /// The last N, worst first.
    Bottom(usize),
}

pub fn ranking(
    store: &dyn Store,
    scope: &Scope,
    root: &UnitCode,
    metric: TargetMetric,
    level: Option<UnitLevel>,
    as_of: Day,
    show: Show,
) -> Result<Ranking> {
    let root_unit = store.unit(scope, root)?;
    let units = units_at(store, scope, root, level)?;
    let parents = parent_names(store, scope, &units, level)?;
    let (mut today, mut before) = standings(store, scope, &units, metric, as_of)?;
    rank(&mut today);
    rank(&mut before);
    let mut rows: Vec<RankRow> = today
        .into_iter()
        .enumerate()
        .map(|(i, s)| {
            let rank_before = before
                .iter()
                .position(|b| b.unit.code == s.unit.code)
                .map_or(i, |p| p)
                + 1;
            RankRow {
                rank: i + 1,
                parent: parents.get(&s.unit.code).cloned(),
                unit: UnitRef::from(&s.unit),
                count: s.count,
                target: s.target,
                target_pct: s.pct,
                rank_before,
                change: rank_before as i64 - (i as i64 + 1),
            }
        })
        .collect();
    let ranked = rows.len();
    match show {
        Show::All => {}
        Show::Top(n) => rows.truncate(n),
        Show::Bottom(n) => {
            rows.reverse();
            rows.truncate(n);
        }
    }
    Ok(Ranking {
        unit: UnitRef::from(&root_unit),
        metric: metric.metric(),
        level,
        as_of,
        ranked,
        rows,
    })
}

/// The columns, with "Thuộc" (the parent) after the unit's name when the
/// rows come from several parents.
fn with_parent(several: bool, names: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut cols = columns(names);
    if several {
        let at = cols
            .iter()
            .position(|(m, _)| m == "name")
            .map_or(0, |i| i + 1);
        cols.insert(at, ("parent".into(), "Thuộc".into()));
    }
    cols
}

/// A row with its parent's name inserted at `at`, as [`with_parent`].
fn parent_cell(several: bool, parent: &Option<String>, at: usize, mut row: Vec<Cell>) -> Vec<Cell> {
    if several {
        row.insert(at, parent.clone().map_or(Cell::Empty, Cell::Text));
    }
    row
}

impl Report for Ranking {
    fn sheet(&self) -> Sheet {
        let name = self.metric.vietnamese();
        Sheet {
            title: format!(
                "{} — xếp hạng {} theo tỷ lệ đạt chỉ tiêu, tính đến {} ({} đơn vị)",
                self.unit.name,
                name.to_lowercase(),
                vi::date(self.as_of),
                self.ranked
            ),
            columns: with_parent(
                self.level.is_some(),
                &[
                    ("rank", "Hạng"),
                    ("code", "Mã"),
                    ("name", "Đơn vị"),
                    ("count", name),
                    ("target", "Chỉ tiêu"),
                    ("target_pct", "Tỷ lệ đạt"),
                    ("rank_before", "Hạng hôm trước"),
                    ("change", "Thay đổi"),
                ],
            ),
            rows: self
                .rows
                .iter()
                .map(|r| {
                    parent_cell(
                        self.level.is_some(),
                        &r.parent,
                        3,
                        vec![
                            Cell::Int(r.rank as i64),
                            Cell::Text(r.unit.code.clone()),
                            Cell::Text(r.unit.name.clone()),
                            Cell::Int(r.count),
                            r.target.map_or(Cell::Empty, Cell::Int),
                            Cell::Pct(r.target_pct),
                            Cell::Int(r.rank_before as i64),
                            Cell::Int(r.change),
                        ],
                    )
                })
                .collect(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct CompletedRow {
    pub unit: UnitRef,
    /// The parent's name, when the rows come from several parents.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    pub count: i64,
    /// The target as of the day (a percentage target resolved then).
    pub target: i64,
    #[schema(value_type = Option<f64>)]
    pub target_pct: Option<Percent>,
    /// The first day the counters met the target.
    #[schema(value_type = String, format = Date)]
    pub reached_on: Day,
    #[schema(value_type = String, format = Date)]
    pub deadline: Day,
    pub on_time: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Completed {
    pub unit: UnitRef,
    #[schema(value_type = String)]
    pub metric: Metric,
    #[schema(value_type = Option<String>)]
    pub level: Option<UnitLevel>,
    #[schema(value_type = String, format = Date)]
    pub as_of: Day,
    /// Units considered, and how many of them have a target for the metric.
    pub units: usize,
    pub with_target: usize,
    pub rows: Vec<CompletedRow>,
}

pub fn completed(
    store: &dyn Store,
    scope: &Scope,
    root: &UnitCode,
    metric: TargetMetric,
    level: Option<UnitLevel>,
    as_of: Day,
) -> Result<Completed> {
    let root_unit = store.unit(scope, root)?;
    let units = units_at(store, scope, root, level)?;
    let parents = parent_names(store, scope, &units, level)?;
    let m = metric.metric();
    let mut with_target = 0;
    let mut rows = Vec::new();
    for u in &units {
        let f = store.figures(scope, &u.code, as_of)?;
        let Some(target) = f.targets.iter().find(|t| t.metric == metric) else {
            continue;
        };
        with_target += 1;
        let value = target.value.resolve(f.counts[Metric::Eligible]);
        if f.counts[m] < value {
            continue;
        }
        // The first day the counts met the target (resolved that day).
        let history = store.history(scope, &u.code, Day::EPOCH, as_of)?;
        let met = |c: &phuxanh_domain::Counts| c[m] >= target.value.resolve(c[Metric::Eligible]);
        let reached_on = if met(&history.before) {
            Day::EPOCH
        } else {
            history
                .changes
                .iter()
                .find(|(_, c)| met(c))
                .map_or(as_of, |(d, _)| *d)
        };
        rows.push(CompletedRow {
            parent: parents.get(&u.code).cloned(),
            unit: UnitRef::from(u),
            count: f.counts[m],
            target: value,
            target_pct: Percent::of(f.counts[m], value),
            reached_on,
            deadline: target.deadline,
            on_time: reached_on <= target.deadline,
        });
    }
    rows.sort_by(|a, b| (a.reached_on, &a.unit.code).cmp(&(b.reached_on, &b.unit.code)));
    Ok(Completed {
        unit: UnitRef::from(&root_unit),
        metric: m,
        level,
        as_of,
        units: units.len(),
        with_target,
        rows,
    })
}

impl Report for Completed {
    fn sheet(&self) -> Sheet {
        let name = self.metric.vietnamese();
        Sheet {
            title: format!(
                "{} — đơn vị hoàn thành chỉ tiêu {}, tính đến {}: {}/{} đơn vị có chỉ tiêu",
                self.unit.name,
                name.to_lowercase(),
                vi::date(self.as_of),
                self.rows.len(),
                self.with_target
            ),
            columns: with_parent(
                self.level.is_some(),
                &[
                    ("code", "Mã"),
                    ("name", "Đơn vị"),
                    ("count", name),
                    ("target", "Chỉ tiêu"),
                    ("target_pct", "Tỷ lệ đạt"),
                    ("reached_on", "Ngày hoàn thành"),
                    ("deadline", "Hạn"),
                    ("on_time", "Đúng hạn"),
                ],
            ),
            rows: self
                .rows
                .iter()
                .map(|r| {
                    parent_cell(
                        self.level.is_some(),
                        &r.parent,
                        2,
                        vec![
                            Cell::Text(r.unit.code.clone()),
                            Cell::Text(r.unit.name.clone()),
                            Cell::Int(r.count),
                            Cell::Int(r.target),
                            Cell::Pct(r.target_pct),
                            Cell::Date(r.reached_on),
                            Cell::Date(r.deadline),
                            Cell::Text(if r.on_time { "có" } else { "không" }.into()),
                        ],
                    )
                })
                .collect(),
        }
    }
}
