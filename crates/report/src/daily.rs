//! `daily`: one day's results — the increase over the day before, per
//! metric, for a unit and each of its children.

use phuxanh_domain::{Day, Metric, UnitCode};
use phuxanh_store::{Result, Scope, Store, Unit};
use serde::Serialize;

use crate::progress::{CountsView, UnitRef};
use crate::render::{Cell, Report, Sheet, columns};
use crate::vi;

#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct DailyRow {
    pub unit: UnitRef,
    /// The increase on the day.
    pub increase: CountsView,
    /// The totals at the end of the day.
    pub total: CountsView,
}

#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Daily {
    #[schema(value_type = String, format = Date)]
    pub date: Day,
    /// In Vietnamese: `Thứ Hai` … `Chủ nhật`.
    #[schema(value_type = String)]
    pub weekday: &'static str,
    pub weekend: bool,
    pub unit: DailyRow,
    pub children: Vec<DailyRow>,
}

fn row(store: &dyn Store, scope: &Scope, unit: &Unit, date: Day) -> Result<DailyRow> {
    let history = store.history(scope, &unit.code, date, date)?;
    let total = history.as_of(date);
    Ok(DailyRow {
        unit: UnitRef::from(unit),
        increase: CountsView::from(&total.minus(&history.before)),
        total: CountsView::from(&total),
    })
}

/// The day's results of the unit and each of its children.
pub fn daily(store: &dyn Store, scope: &Scope, unit: &UnitCode, date: Day) -> Result<Daily> {
    let (unit, children) =
        crate::unit_and_children(store, scope, unit, |u| row(store, scope, u, date))?;
    Ok(Daily {
        date,
        weekday: vi::weekday(date),
        weekend: date.is_weekend(),
        unit,
        children,
    })
}

impl Daily {
    fn sheet_of(&self, metrics: &[Metric], totals: bool) -> Sheet {
        let mut cols = columns(&[("code", "Mã"), ("name", "Đơn vị")]);
        for m in metrics {
            cols.push((
                format!("{m}_increase"),
                format!("{} trong ngày", m.vietnamese()),
            ));
            if totals {
                cols.push((format!("{m}_total"), format!("{} lũy kế", m.vietnamese())));
            }
        }
        let rows = std::iter::once(&self.unit)
            .chain(&self.children)
            .map(|r| {
                let mut row = vec![
                    Cell::Text(r.unit.code.clone()),
                    Cell::Text(r.unit.name.clone()),
                ];
                for &m in metrics {
                    row.push(Cell::Int(r.increase.get(m)));
                    if totals {
                        row.push(Cell::Int(r.total.get(m)));
                    }
                }
                row
            })
            .collect();
        Sheet {
            title: format!(
                "{} — kết quả ngày {}, {}{}",
                self.unit.unit.name,
                self.weekday,
                vi::date(self.date),
                if self.weekend { " (cuối tuần)" } else { "" }
            ),
            columns: cols,
            rows,
        }
    }
}

impl Report for Daily {
    fn sheet(&self) -> Sheet {
        self.sheet_of(&Metric::FROM_EVENTS, true)
    }

    fn table_sheet(&self) -> Sheet {
        self.sheet_of(&Metric::FROM_EVENTS, false)
    }
}
