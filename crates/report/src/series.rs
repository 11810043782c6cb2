//! `history`: a unit's cumulative figures day by day over a span, for the
//! dashboard's charts, with its targets. One range read of the unit's
//! counters, whatever the number of citizens.

use phuxanh_domain::{Day, Metric, UnitCode};
use phuxanh_store::{Result, Scope, Store};
use serde::Serialize;

use crate::progress::{ByMetric, CountsView, TargetView, UnitRef};

#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct SeriesDay {
    #[schema(value_type = String, format = Date)]
    pub date: Day,
    pub eligible: i64,
    pub counts: CountsView,
}

#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Series {
    pub unit: UnitRef,
    #[schema(value_type = String, format = Date)]
    pub from: Day,
    #[schema(value_type = String, format = Date)]
    pub to: Day,
    /// The targets as of `to` (a percentage target resolved then).
    #[schema(value_type = HashMap<String, TargetView>)]
    pub targets: ByMetric<TargetView>,
    pub days: Vec<SeriesDay>,
}

/// The unit's figures at the end of each day of `from..=to` (at most
/// 3,660 days).
pub fn series(
    store: &dyn Store,
    scope: &Scope,
    code: &UnitCode,
    from: Day,
    to: Day,
) -> Result<Series> {
    let to = from
        .checked_plus_days(3_659)
        .map_or(to, |last| to.min(last));
    let history = store.history(scope, code, from, to)?;
    let now = crate::Progress::from_figures(&store.figures(scope, code, to)?);
    let mut days = Vec::new();
    let mut day = from;
    while day <= to {
        let c = history.as_of(day);
        days.push(SeriesDay {
            date: day,
            eligible: c[Metric::Eligible],
            counts: CountsView::from(&c),
        });
        let Some(next) = day.checked_plus_days(1) else {
            break; // the calendar's last day
        };
        day = next;
    }
    Ok(Series {
        unit: now.unit,
        from,
        to,
        targets: now.targets,
        days,
    })
}
