//! `compare`: a window of days against its baseline, the window of equal
//! length just before it. Growth = (window − baseline) / baseline × 100,
//! rounded half-up to two decimals; none when the baseline is zero.

use phuxanh_domain::{Counts, Day, Metric, Percent};
use phuxanh_store::{Result, Scope, Store, Unit};
use serde::Serialize;

use crate::progress::{ByMetric, CountsView, UnitRef};
use crate::render::{Cell, Report, Sheet, columns};
use crate::vi;

/// The days `from..=to`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Window {
    #[schema(value_type = String, format = Date)]
    pub from: Day,
    #[schema(value_type = String, format = Date)]
    pub to: Day,
    pub days: i32,
}

impl Window {
    pub fn new(from: Day, to: Day) -> Result<Window, String> {
        if to < from {
            return Err(format!("the window ends ({to}) before it starts ({from})"));
        }
        let days = to.days_since(from) + 1;
        // The baseline, and the day before it that its increase starts from.
        if from.checked_plus_days(-days - 1).is_none() {
            return Err(format!(
                "the window {from}..{to} has no baseline: the {days} days before it are off the calendar"
            ));
        }
        Ok(Window { from, to, days })
    }

    /// The window of equal length just before this one.
    pub fn baseline(&self) -> Window {
        Window {
            from: self.from.plus_days(-self.days), // checked by `new`
            to: self.from.plus_days(-1),
            days: self.days,
        }
    }
}

/// One unit's increases in the window and in the baseline.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct CompareRow {
    pub unit: UnitRef,
    pub window: CountsView,
    pub baseline: CountsView,
    #[schema(value_type = HashMap<String, Option<f64>>)]
    pub growth_pct: ByMetric<Option<Percent>>,
}

#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Comparison {
    /// The campaign the window is, if it was named by one.
    pub campaign: Option<String>,
    pub window: Window,
    pub baseline: Window,
    pub unit: CompareRow,
    pub children: Vec<CompareRow>,
}

/// `(window − baseline) / baseline × 100`.
pub fn growth(window: i64, baseline: i64) -> Option<Percent> {
    Percent::of(window - baseline, baseline)
}

fn row(store: &dyn Store, scope: &Scope, unit: &Unit, window: Window) -> Result<CompareRow> {
    let baseline = window.baseline();
    let history = store.history(scope, &unit.code, baseline.from, window.to)?;
    let increase = |w: Window| -> Counts {
        history
            .as_of(w.to)
            .minus(&history.as_of(w.from.plus_days(-1)))
    };
    let (win, base) = (increase(window), increase(baseline));
    Ok(CompareRow {
        unit: UnitRef::from(unit),
        window: CountsView::from(&win),
        baseline: CountsView::from(&base),
        growth_pct: ByMetric(
            Metric::FROM_EVENTS
                .into_iter()
                .map(|m| (m, growth(win[m], base[m])))
                .collect(),
        ),
    })
}

/// The unit and each of its children, from their counters.
pub fn compare(
    store: &dyn Store,
    scope: &Scope,
    unit: &phuxanh_domain::UnitCode,
    window: Window,
    campaign: Option<String>,
) -> Result<Comparison> {
    let (unit, children) =
        crate::unit_and_children(store, scope, unit, |u| row(store, scope, u, window))?;
    Ok(Comparison {
        campaign,
        window,
        baseline: window.baseline(),
        unit,
        children,
    })
}

impl Comparison {
    fn sheet_of(&self, metrics: &[Metric]) -> Sheet {
        let mut cols = columns(&[("code", "Mã"), ("name", "Đơn vị")]);
        for m in metrics {
            let name = m.vietnamese();
            cols.push((format!("{m}_window"), format!("{name} trong kỳ")));
            cols.push((format!("{m}_baseline"), format!("{name} kỳ trước")));
            cols.push((format!("{m}_growth_pct"), format!("{name} tăng/giảm")));
        }
        let rows = std::iter::once(&self.unit)
            .chain(&self.children)
            .map(|r| {
                let mut row = vec![
                    Cell::Text(r.unit.code.clone()),
                    Cell::Text(r.unit.name.clone()),
                ];
                for &m in metrics {
                    row.push(Cell::Int(r.window.get(m)));
                    row.push(Cell::Int(r.baseline.get(m)));
                    row.push(Cell::Pct(r.growth_pct.get(m).copied().flatten()));
                }
                row
            })
            .collect();
        let name = self
            .campaign
            .as_ref()
            .map_or(String::new(), |c| format!("đợt «{c}» "));
        Sheet {
            title: format!(
                "{} — {name}từ {} đến {} ({} ngày), so với {} đến {}",
                self.unit.unit.name,
                vi::date(self.window.from),
                vi::date(self.window.to),
                self.window.days,
                vi::date(self.baseline.from),
                vi::date(self.baseline.to),
            ),
            columns: cols,
            rows,
        }
    }
}

impl Report for Comparison {
    fn sheet(&self) -> Sheet {
        self.sheet_of(&Metric::FROM_EVENTS)
    }

    fn table_sheet(&self) -> Sheet {
        self.sheet_of(&[Metric::Collected, Metric::Activated])
    }
}

/// A campaign with its window and the baseline before it.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct CampaignRow {
    pub name: String,
    pub unit: Option<String>,
    pub window: Window,
    pub baseline: Window,
}

#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct CampaignList {
    pub campaigns: Vec<CampaignRow>,
}

impl CampaignList {
    pub fn new(campaigns: &[phuxanh_store::Campaign]) -> CampaignList {
        CampaignList {
            campaigns: campaigns
                .iter()
                .filter_map(|c| {
                    let window = Window::new(c.from, c.to).ok()?;
                    Some(CampaignRow {
                        name: c.name.clone(),
                        unit: c.unit.as_ref().map(|u| u.to_string()),
                        window,
                        baseline: window.baseline(),
                    })
                })
                .collect(),
        }
    }
}

impl Report for CampaignList {
    fn sheet(&self) -> Sheet {
        Sheet {
            title: "Các đợt cao điểm".to_string(),
            columns: columns(&[
                ("name", "Đợt"),
                ("unit", "Đơn vị"),
                ("from", "Từ ngày"),
                ("to", "Đến ngày"),
                ("days", "Số ngày"),
                ("baseline_from", "Kỳ so sánh từ"),
                ("baseline_to", "Kỳ so sánh đến"),
            ]),
            rows: self
                .campaigns
                .iter()
                .map(|c| {
                    vec![
                        Cell::Text(c.name.clone()),
                        c.unit.clone().map_or(Cell::Empty, Cell::Text),
                        Cell::Date(c.window.from),
                        Cell::Date(c.window.to),
                        Cell::Int(i64::from(c.window.days)),
                        Cell::Date(c.baseline.from),
                        Cell::Date(c.baseline.to),
                    ]
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> Day {
        s.parse().unwrap()
    }

    #[test]
    fn the_baseline_is_the_window_of_equal_length_before() {
        // The "60 ngày đêm" peak: 20/08–18/10/2023.
        let w = Window::new(day("2023-08-20"), day("2023-10-18")).unwrap();
        assert_eq!(w.days, 60);
        let b = w.baseline();
        assert_eq!(
            (b.from, b.to, b.days),
            (day("2023-06-21"), day("2023-08-19"), 60)
        );
        assert!(Window::new(day("2023-08-20"), day("2023-08-19")).is_err());
    }

    #[test]
    fn a_window_whose_baseline_is_off_the_calendar_is_refused() {
        let err = Window::new(day("0000-01-01"), day("9999-12-31")).unwrap_err();
        assert!(err.contains("no baseline"), "{err}");
    }

    #[test]
    fn growth_is_relative_to_the_baseline() {
        assert_eq!(growth(150, 100), Some(Percent(5000)));
        assert_eq!(growth(50, 100), Some(Percent(-5000)));
        assert_eq!(growth(1, 3), Some(Percent(-6667)));
        assert_eq!(growth(5, 0), None);
    }
}
