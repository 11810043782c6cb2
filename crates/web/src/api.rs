//! The read endpoints: the command line's reports, as JSON of the same
//! shape, for a unit named in the path and the parameters in the query.

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::routing::get;
use axum::{Json, Router};
use phuxanh_domain::{Day, TargetMetric, UnitCode, UnitLevel};
use phuxanh_report::compare::{CampaignList, Window};
use phuxanh_report::progress::{Progress, WithChildren};
use phuxanh_report::ranking::Show;
use phuxanh_report::{compare, daily, funnel, progress, ranking, targets};
use phuxanh_store::{Scope, Store, Unit};
use serde::Serialize;

use crate::{ApiError, AppState};

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/campaigns", get(campaigns))
        .route("/units", get(roots))
        .route("/units/{code}", get(unit))
        .route("/units/{code}/progress", get(progress))
        .route("/units/{code}/compare", get(compare))
        .route("/units/{code}/daily", get(daily))
        .route("/units/{code}/ranking", get(ranking))
        .route("/units/{code}/completed", get(completed))
        .route("/units/{code}/funnel", get(funnel))
        .route("/units/{code}/targets", get(targets))
        .route("/units/{code}/history", get(history))
}

type Params = Query<HashMap<String, String>>;
type Reply<T> = Result<Json<T>, ApiError>;

/// Runs a read on a pooled connection, off the async threads.
async fn read<T, F>(state: Arc<AppState>, f: F) -> Reply<T>
where
    T: Send + 'static,
    F: FnOnce(&dyn Store) -> Result<T, ApiError> + Send + 'static,
{
    tokio::task::spawn_blocking(move || {
        let store = state.pool.get();
        f(&*store)
    })
    .await
    .map_err(|e| ApiError::internal(format!("the read failed: {e}")))?
    .map(Json)
}

/// A query parameter parsed, or a 400 naming it.
pub(crate) fn param<T: FromStr<Err = String>>(
    q: &HashMap<String, String>,
    name: &'static str,
) -> Result<Option<T>, ApiError> {
    q.get(name)
        .filter(|v| !v.is_empty())
        .map(|v| v.parse::<T>().map_err(|e| ApiError::invalid(name, e)))
        .transpose()
}

fn required<T: FromStr<Err = String>>(
    q: &HashMap<String, String>,
    name: &'static str,
) -> Result<T, ApiError> {
    param(q, name)?.ok_or_else(|| ApiError::invalid(name, format!("'{name}' is required")))
}

fn flag(q: &HashMap<String, String>, name: &'static str) -> Result<bool, ApiError> {
    match q.get(name).map(String::as_str) {
        None | Some("" | "false" | "0") => Ok(false),
        Some("true" | "1") => Ok(true),
        Some(other) => Err(ApiError::invalid(
            name,
            format!("'{other}' is not true or false"),
        )),
    }
}

fn count(q: &HashMap<String, String>, name: &'static str) -> Result<Option<usize>, ApiError> {
    q.get(name)
        .map(|v| {
            v.parse::<usize>()
                .map_err(|_| ApiError::invalid(name, format!("'{v}' is not a count")))
        })
        .transpose()
}

pub(crate) fn unit_code(code: &str) -> Result<UnitCode, ApiError> {
    UnitCode::parse(code).map_err(|e| ApiError::invalid("code", e))
}

fn as_of(q: &HashMap<String, String>, name: &'static str) -> Result<Day, ApiError> {
    Ok(param(q, name)?.unwrap_or_else(Day::today))
}

/// The command line runs with every unit in scope; users and their scopes
/// come with authentication.
fn scope() -> Scope {
    Scope::everything()
}

#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct UnitView {
    code: String,
    name: String,
    #[schema(value_type = String)]
    level: UnitLevel,
    parent: Option<String>,
}

impl From<&Unit> for UnitView {
    fn from(u: &Unit) -> UnitView {
        UnitView {
            code: u.code.to_string(),
            name: u.name.clone(),
            level: u.level,
            parent: u.parent.as_ref().map(|p| p.to_string()),
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct UnitWithChildren {
    unit: UnitView,
    children: Vec<UnitView>,
}

#[utoipa::path(get, path = "/api/v1/units", responses((status = 200, description = "The provinces (the roots of the unit tree)", body = Vec<UnitView>)))]
async fn roots(State(s): State<Arc<AppState>>) -> Reply<Vec<UnitView>> {
    read(s, |store| {
        Ok(store.roots(&scope())?.iter().map(UnitView::from).collect())
    })
    .await
}

#[utoipa::path(get, path = "/api/v1/units/{code}", params(("code" = String, Path, description = "The unit's code: GSO code (`83`, `836`, `28756`) or a village's own code")), responses((status = 200, description = "A unit and the units directly under it", body = UnitWithChildren), (status = 400, description = "A parameter does not parse: the body names it", body = crate::error::ErrorBody), (status = 404, description = "No such unit", body = crate::error::ErrorBody)))]
async fn unit(State(s): State<Arc<AppState>>, Path(code): Path<String>) -> Reply<UnitWithChildren> {
    let code = unit_code(&code)?;
    read(s, move |store| {
        Ok(UnitWithChildren {
            unit: UnitView::from(&store.unit(&scope(), &code)?),
            children: store
                .children(&scope(), &code)?
                .iter()
                .map(UnitView::from)
                .collect(),
        })
    })
    .await
}

/// One unit's progress, or `{"unit", "children"}` with `children=true`:
/// the shapes of `progress --format json`.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(untagged)]
pub(crate) enum ProgressBody {
    One(Box<Progress>),
    WithChildren(Box<WithChildren>),
}

#[utoipa::path(get, path = "/api/v1/units/{code}/progress", params(("code" = String, Path, description = "The unit's code: GSO code (`83`, `836`, `28756`) or a village's own code"), ("as_of" = Option<String>, Query, description = "Figures at the end of this day, YYYY-MM-DD; today when left out"), ("children" = Option<bool>, Query, description = "Also every unit directly under it")), responses((status = 200, description = "Progress of a unit (and its children): the shape of `progress --format json`", body = ProgressBody), (status = 400, description = "A parameter does not parse: the body names it", body = crate::error::ErrorBody), (status = 404, description = "No such unit", body = crate::error::ErrorBody)))]
async fn progress(
    State(s): State<Arc<AppState>>,
    Path(code): Path<String>,
    Query(q): Params,
) -> Reply<ProgressBody> {
    let code = unit_code(&code)?;
    let day = as_of(&q, "as_of")?;
    let children = flag(&q, "children")?;
    read(s, move |store| {
        let report = progress::gather(store, &scope(), &code, day, children)?;
        Ok(if children {
            ProgressBody::WithChildren(Box::new(report))
        } else {
            ProgressBody::One(Box::new(report.unit))
        })
    })
    .await
}

#[utoipa::path(get, path = "/api/v1/units/{code}/compare", params(("code" = String, Path, description = "The unit's code: GSO code (`83`, `836`, `28756`) or a village's own code"), ("from" = Option<String>, Query, description = "The window's first day"), ("to" = Option<String>, Query, description = "The window's last day"), ("campaign" = Option<String>, Query, description = "A campaign's window instead of from/to")), responses((status = 200, description = "A window against the window of equal length before it", body = compare::Comparison), (status = 400, description = "A parameter does not parse: the body names it", body = crate::error::ErrorBody), (status = 404, description = "No such unit", body = crate::error::ErrorBody)))]
async fn compare(
    State(s): State<Arc<AppState>>,
    Path(code): Path<String>,
    Query(q): Params,
) -> Reply<compare::Comparison> {
    let code = unit_code(&code)?;
    let campaign = q.get("campaign").cloned();
    let (from, to): (Option<Day>, Option<Day>) = (param(&q, "from")?, param(&q, "to")?);
    read(s, move |store| {
        let (window, name) = match (campaign, from, to) {
            (Some(name), _, _) => {
                let c = store
                    .campaigns()?
                    .into_iter()
                    .find(|c| c.name == phuxanh_domain::text::normalize(&name))
                    .ok_or_else(|| ApiError::not_found(format!("no campaign named '{name}'")))?;
                let w = Window::new(c.from, c.to).map_err(|e| ApiError::invalid("campaign", e))?;
                (w, Some(c.name))
            }
            (None, Some(from), Some(to)) => (
                Window::new(from, to).map_err(|e| ApiError::invalid("to", e))?,
                None,
            ),
            (None, None, _) => {
                return Err(ApiError::invalid("from", "give from and to, or campaign"));
            }
            (None, Some(_), None) => {
                return Err(ApiError::invalid("to", "give from and to, or campaign"));
            }
        };
        Ok(compare::compare(store, &scope(), &code, window, name)?)
    })
    .await
}

#[utoipa::path(get, path = "/api/v1/units/{code}/daily", params(("code" = String, Path, description = "The unit's code: GSO code (`83`, `836`, `28756`) or a village's own code"), ("date" = Option<String>, Query, description = "The day; today when left out")), responses((status = 200, description = "The day's increase per metric for the unit and each child", body = daily::Daily), (status = 400, description = "A parameter does not parse: the body names it", body = crate::error::ErrorBody), (status = 404, description = "No such unit", body = crate::error::ErrorBody)))]
async fn daily(
    State(s): State<Arc<AppState>>,
    Path(code): Path<String>,
    Query(q): Params,
) -> Reply<daily::Daily> {
    let code = unit_code(&code)?;
    let date = as_of(&q, "date")?;
    read(s, move |store| {
        Ok(daily::daily(store, &scope(), &code, date)?)
    })
    .await
}

/// The parameters `ranking` and `completed` share.
fn against_target(
    q: &HashMap<String, String>,
) -> Result<(TargetMetric, Option<UnitLevel>, Day), ApiError> {
    Ok((
        required(q, "metric")?,
        param(q, "level")?,
        as_of(q, "as_of")?,
    ))
}

#[utoipa::path(get, path = "/api/v1/units/{code}/ranking", params(("code" = String, Path, description = "The unit's code: GSO code (`83`, `836`, `28756`) or a village's own code"), ("metric" = String, Query, description = "collected, collected_l2, activated, activated_l2 or used"), ("level" = Option<String>, Query, description = "district, commune or village; the children when left out"), ("as_of" = Option<String>, Query, description = "Figures at the end of this day, YYYY-MM-DD; today when left out"), ("top" = Option<usize>, Query, description = "Only the first N"), ("bottom" = Option<usize>, Query, description = "Only the last N, worst first")), responses((status = 200, description = "Units under the unit ranked by target percentage, with the rank the day before", body = ranking::Ranking), (status = 400, description = "A parameter does not parse: the body names it", body = crate::error::ErrorBody), (status = 404, description = "No such unit", body = crate::error::ErrorBody)))]
async fn ranking(
    State(s): State<Arc<AppState>>,
    Path(code): Path<String>,
    Query(q): Params,
) -> Reply<ranking::Ranking> {
    let code = unit_code(&code)?;
    let (metric, level, day) = against_target(&q)?;
    let show = match (count(&q, "top")?, count(&q, "bottom")?) {
        (Some(_), Some(_)) => {
            return Err(ApiError::invalid("bottom", "give top or bottom, not both"));
        }
        (Some(n), None) => Show::Top(n),
        (None, Some(n)) => Show::Bottom(n),
        (None, None) => Show::All,
    };
    read(s, move |store| {
        Ok(ranking::ranking(
            store,
            &scope(),
            &code,
            metric,
            level,
            day,
            show,
        )?)
    })
    .await
}

#[utoipa::path(get, path = "/api/v1/units/{code}/completed", params(("code" = String, Path, description = "The unit's code: GSO code (`83`, `836`, `28756`) or a village's own code"), ("metric" = String, Query, description = "collected, collected_l2, activated, activated_l2 or used"), ("level" = Option<String>, Query, description = "district, commune or village; the children when left out"), ("as_of" = Option<String>, Query, description = "Figures at the end of this day, YYYY-MM-DD; today when left out")), responses((status = 200, description = "Units that reached their target, with the day each first did", body = ranking::Completed), (status = 400, description = "A parameter does not parse: the body names it", body = crate::error::ErrorBody), (status = 404, description = "No such unit", body = crate::error::ErrorBody)))]
async fn completed(
    State(s): State<Arc<AppState>>,
    Path(code): Path<String>,
    Query(q): Params,
) -> Reply<ranking::Completed> {
    let code = unit_code(&code)?;
    let (metric, level, day) = against_target(&q)?;
    read(s, move |store| {
        Ok(ranking::completed(
            store,
            &scope(),
            &code,
            metric,
            level,
            day,
        )?)
    })
    .await
}

#[utoipa::path(get, path = "/api/v1/units/{code}/funnel", params(("code" = String, Path, description = "The unit's code: GSO code (`83`, `836`, `28756`) or a village's own code"), ("as_of" = Option<String>, Query, description = "Figures at the end of this day, YYYY-MM-DD; today when left out")), responses((status = 200, description = "Conversion between stages and median days per step", body = funnel::Funnel), (status = 400, description = "A parameter does not parse: the body names it", body = crate::error::ErrorBody), (status = 404, description = "No such unit", body = crate::error::ErrorBody)))]
async fn funnel(
    State(s): State<Arc<AppState>>,
    Path(code): Path<String>,
    Query(q): Params,
) -> Reply<funnel::Funnel> {
    let code = unit_code(&code)?;
    let day = as_of(&q, "as_of")?;
    read(s, move |store| {
        Ok(funnel::funnel(store, &scope(), &code, day)?)
    })
    .await
}

#[utoipa::path(get, path = "/api/v1/units/{code}/targets", params(("code" = String, Path, description = "The unit's code: GSO code (`83`, `836`, `28756`) or a village's own code"), ("history" = Option<bool>, Query, description = "Also the superseded versions")), responses((status = 200, description = "The unit's targets and its children's", body = targets::TargetList), (status = 400, description = "A parameter does not parse: the body names it", body = crate::error::ErrorBody), (status = 404, description = "No such unit", body = crate::error::ErrorBody)))]
async fn targets(
    State(s): State<Arc<AppState>>,
    Path(code): Path<String>,
    Query(q): Params,
) -> Reply<targets::TargetList> {
    let code = unit_code(&code)?;
    let history = flag(&q, "history")?;
    read(s, move |store| {
        Ok(targets::list(store, &scope(), &code, history)?)
    })
    .await
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Version {
    /// Grows with every change to the data; pages poll it to refresh.
    generation: u64,
}

#[utoipa::path(get, path = "/api/v1/version", responses((status = 200, description = "The data's generation: it grows with every committed change", body = Version)))]
pub async fn version(State(s): State<Arc<AppState>>) -> Reply<Version> {
    read(s, |store| {
        Ok(Version {
            generation: store.generation()?,
        })
    })
    .await
}

#[utoipa::path(get, path = "/api/v1/units/{code}/history", params(("code" = String, Path, description = "The unit's code: GSO code (`83`, `836`, `28756`) or a village's own code"), ("from" = Option<String>, Query, description = "The first day; 89 days before `to` when left out"), ("to" = Option<String>, Query, description = "The last day; today when left out")), responses((status = 200, description = "The unit's cumulative figures on each day", body = phuxanh_report::series::Series), (status = 400, description = "A parameter does not parse: the body names it", body = crate::error::ErrorBody), (status = 404, description = "No such unit", body = crate::error::ErrorBody)))]
async fn history(
    State(s): State<Arc<AppState>>,
    Path(code): Path<String>,
    Query(q): Params,
) -> Reply<phuxanh_report::series::Series> {
    let code = unit_code(&code)?;
    let to = as_of(&q, "to")?;
    let from = param(&q, "from")?.unwrap_or(to.plus_days(-89));
    if to < from {
        return Err(ApiError::invalid("to", format!("{to} is before {from}")));
    }
    read(s, move |store| {
        Ok(phuxanh_report::series::series(
            store,
            &scope(),
            &code,
            from,
            to,
        )?)
    })
    .await
}

#[utoipa::path(get, path = "/api/v1/campaigns", responses((status = 200, description = "Every campaign with its baseline window", body = CampaignList)))]
async fn campaigns(State(s): State<Arc<AppState>>) -> Reply<CampaignList> {
    read(s, |store| Ok(CampaignList::new(&store.campaigns()?))).await
}
