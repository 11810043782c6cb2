//! Targets as a leader handles them: the list of a unit's targets (with
//! their history, and a warning where its children's targets do not add up
//! to its own), and the allocation of a unit's target to its children.

use phuxanh_domain::{Day, Metric, TargetMetric, TargetValue, UnitCode, allocate};
use phuxanh_store::{Result, Scope, Store, Target, Unit};
use serde::Serialize;

use crate::progress::UnitRef;
use crate::render::{Cell, Report, Sheet, columns};
use crate::vi;

#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct TargetRow {
    pub unit: UnitRef,
    #[schema(value_type = String)]
    pub metric: Metric,
    /// As set: `930767` or `50%`.
    pub value: String,
    #[schema(value_type = String, format = Date)]
    pub deadline: Day,
    pub set_at: String,
    pub set_by: String,
    /// When a newer version replaced it (history only).
    pub superseded_at: Option<String>,
}

impl TargetRow {
    fn new(unit: &Unit, t: &Target) -> TargetRow {
        TargetRow {
            unit: UnitRef::from(unit),
            metric: t.metric.metric(),
            value: t.value.to_string(),
            deadline: t.deadline,
            set_at: t.set_at.to_rfc3339(),
            set_by: t.set_by.clone(),
            superseded_at: t.superseded_at.map(|i| i.to_rfc3339()),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct TargetList {
    pub unit: UnitRef,
    pub targets: Vec<TargetRow>,
    /// Where the children's absolute targets do not add up to the unit's.
    pub warnings: Vec<String>,
}

/// A unit's targets (every version with `history`) and its children's
/// current ones.
pub fn list(
    store: &dyn Store,
    scope: &Scope,
    code: &UnitCode,
    history: bool,
) -> Result<TargetList> {
    let unit = store.unit(scope, code)?;
    let own = if history {
        store.target_history(scope, code)?
    } else {
        store
            .target_history(scope, code)?
            .into_iter()
            .filter(|t| t.superseded_at.is_none())
            .collect()
    };
    let mut targets: Vec<TargetRow> = own.iter().map(|t| TargetRow::new(&unit, t)).collect();
    let children = store.children(scope, code)?;
    let mut child_targets: Vec<(Unit, Target)> = Vec::new();
    for c in &children {
        for t in store.target_history(scope, &c.code)? {
            if t.superseded_at.is_none() {
                child_targets.push((c.clone(), t));
            }
        }
    }
    targets.extend(child_targets.iter().map(|(c, t)| TargetRow::new(c, t)));
    let mut warnings = Vec::new();
    for t in own.iter().filter(|t| t.superseded_at.is_none()) {
        let TargetValue::Absolute(parent) = t.value else {
            continue;
        };
        let of_metric: Vec<&Target> = child_targets
            .iter()
            .filter(|(_, c)| c.metric == t.metric)
            .map(|(_, c)| c)
            .collect();
        if of_metric.is_empty() {
            continue;
        }
        let sum: i64 = of_metric
            .iter()
            .filter_map(|c| match c.value {
                TargetValue::Absolute(n) => Some(n),
                TargetValue::PercentOfEligible(_) => None,
            })
            .sum();
        if of_metric.len() < children.len() || sum != parent {
            warnings.push(format!(
                "Chỉ tiêu {} của {} đơn vị trực thuộc ({}/{} đơn vị có chỉ tiêu) cộng lại {}, khác chỉ tiêu của {} ({}).",
                t.metric.metric().vietnamese().to_lowercase(),
                children.len(),
                of_metric.len(),
                children.len(),
                vi::number(sum),
                unit.name,
                vi::number(parent)
            ));
        }
    }
    Ok(TargetList {
        unit: UnitRef::from(&unit),
        targets,
        warnings,
    })
}

impl Report for TargetList {
    fn sheet(&self) -> Sheet {
        Sheet {
            title: format!("{} — chỉ tiêu", self.unit.name),
            columns: columns(&[
                ("code", "Mã"),
                ("name", "Đơn vị"),
                ("metric", "Chỉ tiêu"),
                ("value", "Giá trị"),
                ("deadline", "Hạn"),
                ("set_at", "Đặt lúc"),
                ("set_by", "Người đặt"),
                ("superseded_at", "Thay thế lúc"),
            ]),
            rows: self
                .targets
                .iter()
                .map(|t| {
                    vec![
                        Cell::Text(t.unit.code.clone()),
                        Cell::Text(t.unit.name.clone()),
                        Cell::Text(t.metric.vietnamese().to_string()),
                        Cell::Text(t.value.clone()),
                        Cell::Date(t.deadline),
                        Cell::Text(t.set_at.clone()),
                        Cell::Text(t.set_by.clone()),
                        t.superseded_at.clone().map_or(Cell::Empty, Cell::Text),
                    ]
                })
                .collect(),
        }
    }

    fn notes(&self) -> Vec<String> {
        self.warnings
            .iter()
            .map(|w| format!("Cảnh báo: {w}"))
            .collect()
    }
}

/// What a target is split by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Basis {
    /// Citizens eligible as of the day.
    Eligible,
    /// Every citizen on the roster, of any age.
    Population,
    /// The same share each.
    Equal,
}

impl std::str::FromStr for Basis {
    type Err = String;
    fn from_str(s: &str) -> Result<Basis, String> {
        match s {
            "eligible" => Ok(Basis::Eligible),
            "population" => Ok(Basis::Population),
            "equal" => Ok(Basis::Equal),
            other => Err(format!(
                "'{other}' is not one of eligible, population, equal"
            )),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Share {
    pub unit: UnitRef,
    pub weight: i64,
    /// The child's target: a count, or the parent's percentage; `None`
    /// for a share of zero, which sets no target.
    #[serde(serialize_with = "as_text")]
    #[schema(value_type = Option<String>)]
    pub value: Option<TargetValue>,
    /// The child's current target for the metric, if it has one.
    pub current: Option<String>,
}

fn as_text<S: serde::Serializer>(v: &Option<TargetValue>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(v) => s.serialize_str(&v.to_string()),
        None => s.serialize_none(),
    }
}

/// A unit's target split among its children.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Allocation {
    pub unit: UnitRef,
    #[schema(value_type = String)]
    pub metric: Metric,
    pub value: String,
    #[schema(value_type = String, format = Date)]
    pub deadline: Day,
    pub by: Basis,
    pub shares: Vec<Share>,
}

impl Allocation {
    /// The children that already have a target for the metric.
    pub fn overwritten(&self) -> Vec<&Share> {
        self.shares.iter().filter(|s| s.current.is_some()).collect()
    }
}

/// Splits `value` among the children of `code` by `by` (weights as of
/// `as_of`). An absolute target is split by the largest remainder method, so
/// the shares sum exactly to it; a percentage target gives every child the
/// same percentage.
#[allow(clippy::too_many_arguments)]
pub fn plan(
    store: &dyn Store,
    scope: &Scope,
    code: &UnitCode,
    metric: TargetMetric,
    value: TargetValue,
    deadline: Day,
    by: Basis,
    as_of: Day,
) -> Result<Allocation> {
    let unit = store.unit(scope, code)?;
    let children = store.children(scope, code)?;
    // Everyone on the roster becomes eligible one day: the eligible count
    // at the end of time is the population.
    let weigh_on = match by {
        Basis::Population => Day::new(jiff::civil::Date::MAX),
        _ => as_of,
    };
    let mut weights = Vec::with_capacity(children.len());
    let mut current = Vec::with_capacity(children.len());
    for c in &children {
        let f = store.figures(scope, &c.code, weigh_on)?;
        weights.push(match by {
            Basis::Equal => 1,
            _ => f.counts[Metric::Eligible],
        });
        current.push(
            f.targets
                .iter()
                .find(|t| t.metric == metric)
                .map(|t| t.value.to_string()),
        );
    }
    let values: Vec<Option<TargetValue>> = match value {
        TargetValue::Absolute(total) => allocate(total, &weights)
            .into_iter()
            .map(|n| (n > 0).then_some(TargetValue::Absolute(n)))
            .collect(),
        TargetValue::PercentOfEligible(_) => vec![Some(value); children.len()],
    };
    Ok(Allocation {
        unit: UnitRef::from(&unit),
        metric: metric.metric(),
        value: value.to_string(),
        deadline,
        by,
        shares: children
            .iter()
            .zip(weights)
            .zip(values)
            .zip(current)
            .map(|(((c, weight), value), current)| Share {
                unit: UnitRef::from(c),
                weight,
                value,
                current,
            })
            .collect(),
    })
}

impl Report for Allocation {
    fn sheet(&self) -> Sheet {
        let basis = match self.by {
            Basis::Eligible => "số công dân đủ điều kiện",
            Basis::Population => "dân số",
            Basis::Equal => "chia đều",
        };
        Sheet {
            title: format!(
                "{} — giao chỉ tiêu {} {} (hạn {}) cho {} đơn vị trực thuộc, theo {}",
                self.unit.name,
                self.metric.vietnamese().to_lowercase(),
                self.value,
                vi::date(self.deadline),
                self.shares.len(),
                basis
            ),
            columns: columns(&[
                ("code", "Mã"),
                ("name", "Đơn vị"),
                ("weight", "Trọng số"),
                ("value", "Chỉ tiêu giao"),
                ("current", "Chỉ tiêu hiện tại"),
            ]),
            rows: self
                .shares
                .iter()
                .map(|s| {
                    vec![
                        Cell::Text(s.unit.code.clone()),
                        Cell::Text(s.unit.name.clone()),
                        Cell::Int(s.weight),
                        s.value
                            .map_or(Cell::Text("0".into()), |v| Cell::Text(v.to_string())),
                        s.current.clone().map_or(Cell::Empty, Cell::Text),
                    ]
                })
                .collect(),
        }
    }
}
