//! `funnel`: how citizens move through the stages, per unit. Conversion of
//! a step = citizens at the later stage / citizens at the earlier stage, as
//! of the day, from the counters. Days spent on a step = from the first day
//! of one stage to the first day of the next, per citizen; the median is
//! taken over every citizen who has made the step so far, from the funnel
//! histograms kept with the counters (not as of a past day).

use phuxanh_domain::{Day, Metric, Percent, Transition, UnitCode};
use phuxanh_store::{Result, Scope, Store, Unit};
use serde::Serialize;
use serde::ser::SerializeMap;

use crate::progress::UnitRef;
use crate::render::{Cell, Report, Sheet, columns};

/// One step of one unit's funnel.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Step {
    pub from: i64,
    pub to: i64,
    #[schema(value_type = Option<f64>)]
    pub conversion_pct: Option<Percent>,
    /// Citizens the median is taken over.
    pub timed: i64,
    pub median_days: Option<f64>,
}

/// Steps keyed by name in JSON: `{"collected_to_approved": {…}, …}`.
#[derive(Clone, Debug, PartialEq)]
pub struct Steps(pub Vec<(Transition, Step)>);

impl Serialize for Steps {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (t, step) in &self.0 {
            map.serialize_entry(t.as_str(), step)?;
        }
        map.end()
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct FunnelRow {
    pub unit: UnitRef,
    #[schema(value_type = HashMap<String, Step>)]
    pub steps: Steps,
}

#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Funnel {
    #[schema(value_type = String, format = Date)]
    pub as_of: Day,
    pub unit: FunnelRow,
    pub children: Vec<FunnelRow>,
}

/// The median of a histogram given as `(value, count)` pairs in value
/// order; the mean of the two middle values when the total is even.
pub fn median(histogram: &[(i32, i64)]) -> Option<f64> {
    let total: i64 = histogram.iter().map(|&(_, n)| n).sum();
    if total <= 0 {
        return None;
    }
    // The 1-based positions of the middle value(s).
    let (lo, hi) = ((total + 1) / 2, total / 2 + 1);
    let at = |pos: i64| {
        let mut seen = 0;
        histogram.iter().find_map(|&(v, n)| {
            seen += n;
            (seen >= pos).then_some(v)
        })
    };
    Some((f64::from(at(lo)?) + f64::from(at(hi)?)) / 2.0)
}

fn row(store: &dyn Store, scope: &Scope, unit: &Unit, as_of: Day) -> Result<FunnelRow> {
    let counts = store.figures(scope, &unit.code, as_of)?.counts;
    let histograms = store.funnel(scope, &unit.code)?;
    let steps = Transition::ALL
        .into_iter()
        .map(|t| {
            let (from, to) = t.stages();
            let hist: Vec<(i32, i64)> = histograms
                .iter()
                .filter(|(s, _, _)| *s == t)
                .map(|&(_, days, n)| (days, n))
                .collect();
            (
                t,
                Step {
                    from: counts[from],
                    to: counts[to],
                    conversion_pct: Percent::of(counts[to], counts[from]),
                    timed: hist.iter().map(|&(_, n)| n).sum(),
                    median_days: median(&hist),
                },
            )
        })
        .collect();
    Ok(FunnelRow {
        unit: UnitRef::from(unit),
        steps: Steps(steps),
    })
}

/// The funnel of a unit and each of its children.
pub fn funnel(store: &dyn Store, scope: &Scope, code: &UnitCode, as_of: Day) -> Result<Funnel> {
    let (unit, children) =
        crate::unit_and_children(store, scope, code, |u| row(store, scope, u, as_of))?;
    Ok(Funnel {
        as_of,
        unit,
        children,
    })
}

fn step_name(t: Transition) -> String {
    let (from, to) = t.stages();
    format!("{} → {}", from.vietnamese(), to.vietnamese().to_lowercase())
}

impl Report for Funnel {
    fn sheet(&self) -> Sheet {
        let mut cols = columns(&[("code", "Mã"), ("name", "Đơn vị")]);
        for m in [
            Metric::Collected,
            Metric::Approved,
            Metric::Activated,
            Metric::Used,
        ] {
            cols.push((m.as_str().to_string(), m.vietnamese().to_string()));
        }
        for t in Transition::ALL {
            cols.push((
                format!("{}_pct", t.as_str()),
                format!("Tỷ lệ {}", step_name(t)),
            ));
            cols.push((
                format!("{}_median_days", t.as_str()),
                format!("Số ngày (trung vị) {}", step_name(t)),
            ));
        }
        let rows = std::iter::once(&self.unit)
            .chain(&self.children)
            .map(|r| {
                let mut row = vec![
                    Cell::Text(r.unit.code.clone()),
                    Cell::Text(r.unit.name.clone()),
                ];
                let steps = &r.steps.0;
                row.push(Cell::Int(steps[0].1.from));
                row.extend(steps.iter().map(|(_, s)| Cell::Int(s.to)));
                for (_, s) in steps {
                    row.push(Cell::Pct(s.conversion_pct));
                    row.push(s.median_days.map_or(Cell::Empty, |d| {
                        Cell::Text(crate::vi::decimal(d).trim_end_matches(",00").to_string())
                    }));
                }
                row
            })
            .collect();
        Sheet {
            title: format!(
                "{} — chuyển đổi giữa các bước, tính đến {}",
                self.unit.unit.name,
                crate::vi::date(self.as_of)
            ),
            columns: cols,
            rows,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::median;

    #[test]
    fn medians_of_histograms() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[(3, 1)]), Some(3.0));
        // 1, 2, 2, 9 → (2 + 2) / 2
        assert_eq!(median(&[(1, 1), (2, 2), (9, 1)]), Some(2.0));
        // 1, 4 → 2.5
        assert_eq!(median(&[(1, 1), (4, 1)]), Some(2.5));
        // 0, 0, 0, 5, 7 → 0
        assert_eq!(median(&[(0, 3), (5, 1), (7, 1)]), Some(0.0));
    }
}
