//! The read endpoints: the command line's reports, as JSON of the same
//! shape, for a unit named in the path and the parameters in the query.
//! Each route declares its parameters once ([`route_params!`]): the handler
//! checks the request against them and the OpenAPI document is written
//! from them.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use phuxanh_domain::{Day, UnitCode, UnitLevel};
use phuxanh_report::compare::{CampaignList, Window};
use phuxanh_report::period::Period;
use phuxanh_report::progress::{Progress, WithChildren};
use phuxanh_report::ranking::Show;
use phuxanh_report::{compare, daily, funnel, progress, ranking, targets};
use phuxanh_store::{Store, Unit};
use serde::Serialize;

use crate::auth::Caller;
use crate::cache::Key;
use crate::contract::{Param, Query, Rule, Slot, route_params, shifted};
use crate::routes::Table;
use crate::{ApiError, AppState};

pub(crate) fn routes(t: Table) -> Table {
    use crate::auth::Access::{Persons, Signed};
    t.get("/campaigns", Signed, campaigns)
        .get("/pending", Persons, pending)
        .get("/search", Signed, search)
        .get("/units", Signed, roots)
        .get("/units/{code}", Signed, unit)
        .get("/units/{code}/progress", Signed, progress)
        .get("/units/{code}/compare", Signed, compare)
        .get("/units/{code}/daily", Signed, daily)
        .get("/units/{code}/ranking", Signed, ranking)
        .get("/units/{code}/completed", Signed, completed)
        .get("/units/{code}/funnel", Signed, funnel)
        .get("/units/{code}/targets", Signed, targets)
        .get("/units/{code}/history", Signed, history)
        .get("/units/{code}/reports", Signed, issued_reports)
        .get("/reports/{id}", Signed, issued_report)
        .get("/units/{code}/contacts", Signed, contacts)
}

/// The target metrics, as `TargetMetric` names them.
pub(crate) const METRICS: &[&str] = &[
    "collected",
    "activated",
    "collected_l2",
    "activated_l2",
    "used",
];
/// The unit levels, as `UnitLevel` names them.
pub(crate) const LEVELS: &[&str] = &["province", "district", "commune", "village"];

const CODE: Slot = Slot::Path(Param {
    name: "code",
    rule: Rule::UnitCode,
    required: true,
    description: "The unit's code: GSO code (`83`, `836`, `28756`) or a village's own code",
});
const AS_OF: Slot = Slot::Query(Param {
    name: "as_of",
    rule: Rule::Day,
    required: false,
    description: "Figures at the end of this day, YYYY-MM-DD from 2000-01-01 to 2100-12-31; when left out, today if today has events, else the last day that has",
});
const METRIC: Slot = Slot::Query(Param {
    name: "metric",
    rule: Rule::OneOf(METRICS),
    required: true,
    description: "The target metric units are ranked by",
});
const LEVEL: Slot = Slot::Query(Param {
    name: "level",
    rule: Rule::OneOf(LEVELS),
    required: false,
    description: "The units at this level under the unit; its children when left out",
});

route_params! {
    NoParams = [];
    PendingParams = [
        Slot::Query(Param {
            name: "unit",
            rule: Rule::UnitCode,
            required: false,
            description: "Only citizens of this unit and below",
        }),
        Slot::Query(Param {
            name: "older_than_days",
            rule: Rule::Count,
            required: false,
            description: "Only events received at least this many days ago",
        }),
    ];
    UnitParams = [CODE];
    IssuedParams = [
        Slot::Path(Param {
            name: "id",
            rule: Rule::Count,
            required: true,
            description: "The issued report's number (`reports list`, `/api/v1/units/{code}/reports`)",
        }),
        Slot::Query(Param {
            name: "changed",
            rule: Rule::Flag,
            required: false,
            description: "Only the figures that changed since the report was issued",
        }),
    ];
    SearchParams = [
        Slot::Query(Param {
            name: "q",
            rule: Rule::Text { min: 1, max: 100 },
            required: true,
            description: "Words of the unit's name, with or without diacritics (`vinh hoa` finds `Xã Vĩnh Hòa`), or the start of its code",
        }),
    ];
    ProgressParams = [
        CODE,
        AS_OF,
        Slot::Query(Param {
            name: "children",
            rule: Rule::Flag,
            required: false,
            description: "Also every unit directly under it",
        }),
    ];
    CompareParams = [
        CODE,
        Slot::Query(Param {
            name: "from",
            rule: Rule::Day,
            required: false,
            description: "The window's first day; 29 days before `to` when left out. Given after `to`, the two are swapped",
        }),
        Slot::Query(Param {
            name: "to",
            rule: Rule::Day,
            required: false,
            description: "The window's last day; when left out, today if today has events, else the last day that has",
        }),
        Slot::Query(Param {
            name: "campaign",
            rule: Rule::Text { min: 1, max: 200 },
            required: false,
            description: "A campaign's name: its window instead of from and to, cut at `to` when given and inside it (404 when `to` is before the campaign starts)",
        }),
    ];
    DailyParams = [
        CODE,
        Slot::Query(Param {
            name: "date",
            rule: Rule::Day,
            required: false,
            description: "The day, YYYY-MM-DD from 2000-01-01 to 2100-12-31; when left out, today if today has events, else the last day that has",
        }),
    ];
    RankingParams = [
        CODE,
        METRIC,
        LEVEL,
        AS_OF,
        Slot::AtMostOne {
            name: "show",
            description: "`top=N`: only the first N; `bottom=N`: only the last N, worst first (at most one of them)",
            params: &[
                Param {
                    name: "top",
                    rule: Rule::Count,
                    required: false,
                    description: "Only the first N",
                },
                Param {
                    name: "bottom",
                    rule: Rule::Count,
                    required: false,
                    description: "Only the last N, worst first",
                },
            ],
        },
    ];
    CompletedParams = [CODE, METRIC, LEVEL, AS_OF];
    FunnelParams = [CODE, AS_OF];
    TargetsParams = [
        CODE,
        Slot::Query(Param {
            name: "history",
            rule: Rule::Flag,
            required: false,
            description: "Also the superseded versions",
        }),
    ];
    ContactsParams = [
        CODE,
        Slot::Query(Param {
            name: "below",
            rule: Rule::Flag,
            required: false,
            description: "Also the contacts of every unit under it",
        }),
    ];
    HistoryParams = [
        CODE,
        Slot::Query(Param {
            name: "from",
            rule: Rule::Day,
            required: false,
            description: "The first day; 89 days before `to` when left out. Given after `to`, the two are swapped; at most 3,660 days are given",
        }),
        Slot::Query(Param {
            name: "to",
            rule: Rule::Day,
            required: false,
            description: "The last day; when left out, today if today has events, else the last day that has",
        }),
    ];
}

type Path1 = Result<Path<String>, PathRejection>;
type Reply = Result<Response, ApiError>;

/// Runs a read on a pooled connection, off the async threads.
async fn read<T, F>(state: Arc<AppState>, f: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&dyn Store) -> Result<T, ApiError> + Send + 'static,
{
    tokio::task::spawn_blocking(move || {
        let store = state.pool.get();
        f(&*store)
    })
    .await
    .map_err(ApiError::from_join)?
}

fn json(body: Bytes) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// Answers a read: from the cache while the data has not changed since the
/// same request (by [`Key`]) was answered, else computed by `f` and kept.
async fn answer<T, F>(state: Arc<AppState>, key: Key, f: F) -> Result<Response, ApiError>
where
    T: Serialize + Send + 'static,
    F: FnOnce(&dyn Store) -> Result<T, ApiError> + Send + 'static,
{
    // A one-row read on a connection of its own: microseconds, so it runs
    // here rather than on the blocking pool.
    let generation = state.generation().ok();
    if let Some(body) = generation.and_then(|g| state.cache.get(&key, g)) {
        return Ok(json(body));
    }
    let body = read(state.clone(), move |store| {
        let value = f(store)?;
        serde_json::to_vec(&value)
            .map(Bytes::from)
            .map_err(|e| ApiError::bug(format_args!("writing an answer: {e}")))
    })
    .await?;
    if let Some(g) = generation {
        state.cache.put(key, g, body.clone());
    }
    Ok(json(body))
}

/// The unit in the path, checked as the document says.
pub(crate) fn unit_code(code: &str) -> Result<UnitCode, ApiError> {
    Rule::UnitCode
        .check(code)
        .and_then(|()| UnitCode::parse(code))
        .map_err(|e| ApiError::invalid("code", e))
}

/// The unit in the path and the query, checked against the route's
/// parameters, and the cache key they make.
fn checked(
    route: &'static str,
    caller: &Caller,
    path: Result<Path<String>, PathRejection>,
    raw: Option<String>,
    slots: &'static [Slot],
) -> Result<(UnitCode, Query, Key), ApiError> {
    let Path(code) = path.map_err(|e| ApiError::invalid("code", e.body_text()))?;
    let code = unit_code(&code)?;
    let (q, key) = query(route, caller, code.as_str(), raw, slots)?;
    Ok((code, q, key))
}

/// The query alone, for the routes without a unit.
fn query(
    route: &'static str,
    caller: &Caller,
    unit: &str,
    raw: Option<String>,
    slots: &'static [Slot],
) -> Result<(Query, Key), ApiError> {
    let q = Query::parse(raw.as_deref(), slots)?;
    let key = Key {
        route,
        unit: unit.to_string(),
        query: q.canonical(),
        today: Day::today(),
        view: caller.view(),
    };
    Ok((q, key))
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

#[utoipa::path(get, path = "/api/v1/units", params(NoParams), responses((status = 200, description = "The provinces (the roots of the unit tree)", body = Vec<UnitView>)))]
async fn roots(State(s): State<Arc<AppState>>, caller: Caller, RawQuery(raw): RawQuery) -> Reply {
    let scope = caller.scope();
    let (_, key) = query("units", &caller, "", raw, NoParams::SLOTS)?;
    answer(s, key, move |store| {
        Ok(store
            .roots(&scope)?
            .iter()
            .map(UnitView::from)
            .collect::<Vec<_>>())
    })
    .await
}

#[utoipa::path(get, path = "/api/v1/units/{code}", params(UnitParams), responses((status = 200, description = "A unit and the units directly under it", body = UnitWithChildren)))]
async fn unit(
    State(s): State<Arc<AppState>>,
    caller: Caller,
    path: Path1,
    RawQuery(raw): RawQuery,
) -> Reply {
    let scope = caller.scope();
    let (code, _, key) = checked("unit", &caller, path, raw, UnitParams::SLOTS)?;
    answer(s, key, move |store| {
        Ok(UnitWithChildren {
            unit: UnitView::from(&store.unit(&scope, &code)?),
            children: store
                .children(&scope, &code)?
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

#[utoipa::path(get, path = "/api/v1/units/{code}/progress", params(ProgressParams), responses((status = 200, description = "Progress of a unit (and its children): the shape of `progress --format json`", body = ProgressBody)))]
async fn progress(
    State(s): State<Arc<AppState>>,
    caller: Caller,
    path: Path1,
    RawQuery(raw): RawQuery,
) -> Reply {
    let scope = caller.scope();
    let (code, q, key) = checked("progress", &caller, path, raw, ProgressParams::SLOTS)?;
    let asked = q.parsed("as_of")?;
    let children = q.flag("children");
    answer(s, key, move |store| {
        let day = data_day(store, asked)?;
        let report = progress::gather(store, &scope, &code, day, children)?;
        Ok(if children {
            ProgressBody::WithChildren(Box::new(report))
        } else {
            ProgressBody::One(Box::new(report.unit))
        })
    })
    .await
}

/// The day a request asks for, else the pages' default: today when today
/// has events, else the last day that has (see `dated`).
fn data_day(store: &dyn Store, asked: Option<Day>) -> Result<Day, ApiError> {
    Ok(crate::dated::day(asked, &store.freshness()?, Day::today()))
}

/// The `from` and `to` a request asks for, checked; [`span`] fills them in.
type Asked = (Option<Day>, Option<Day>);

fn asked_span(q: &Query) -> Result<Asked, ApiError> {
    Ok((q.parsed("from")?, q.parsed("to")?))
}

/// `from..=to` with its defaults (`to` as [`data_day`], `from`
/// `default_days` before it), in order.
fn span(store: &dyn Store, (from, to): Asked, default_days: i32) -> Result<(Day, Day), ApiError> {
    let to = data_day(store, to)?;
    let from = match from {
        Some(from) => from,
        None => shifted(to, -default_days, "to")?,
    };
    Ok((from.min(to), from.max(to)))
}

#[utoipa::path(get, path = "/api/v1/units/{code}/compare", params(CompareParams), responses((status = 200, description = "A window against the window of equal length before it", body = compare::Comparison)))]
async fn compare(
    State(s): State<Arc<AppState>>,
    caller: Caller,
    path: Path1,
    RawQuery(raw): RawQuery,
) -> Reply {
    let scope = caller.scope();
    let (code, q, key) = checked("compare", &caller, path, raw, CompareParams::SLOTS)?;
    let campaign = q.get("campaign").map(str::to_owned);
    let asked = asked_span(&q)?;
    answer(s, key, move |store| {
        let (window, name) = match campaign {
            Some(name) => {
                // The campaign's days, cut at `to` when it falls inside them.
                let campaigns = store.campaigns(&scope)?;
                let day = match asked.1 {
                    Some(to) => to,
                    None => campaigns
                        .iter()
                        .find(|c| c.name == phuxanh_domain::text::normalize(&name))
                        .map_or(Day::EPOCH, |c| c.to),
                };
                let chosen = Period::Campaign(name)
                    .resolve(&campaigns, day)
                    .map_err(crate::views::period_error)?;
                (chosen.window, chosen.campaign)
            }
            None => {
                let (from, to) = span(store, asked, 29)?;
                (
                    Window::new(from, to).map_err(|e| ApiError::invalid("from", e))?,
                    None,
                )
            }
        };
        Ok(compare::compare(store, &scope, &code, window, name)?)
    })
    .await
}

#[utoipa::path(get, path = "/api/v1/units/{code}/daily", params(DailyParams), responses((status = 200, description = "The day's increase per metric for the unit and each child", body = daily::Daily)))]
async fn daily(
    State(s): State<Arc<AppState>>,
    caller: Caller,
    path: Path1,
    RawQuery(raw): RawQuery,
) -> Reply {
    let scope = caller.scope();
    let (code, q, key) = checked("daily", &caller, path, raw, DailyParams::SLOTS)?;
    let asked = q.parsed("date")?;
    answer(s, key, move |store| {
        let date = data_day(store, asked)?;
        Ok(daily::daily(store, &scope, &code, date)?)
    })
    .await
}

#[utoipa::path(get, path = "/api/v1/units/{code}/ranking", params(RankingParams), responses((status = 200, description = "Units under the unit ranked by target percentage, with the rank the day before", body = ranking::Ranking)))]
async fn ranking(
    State(s): State<Arc<AppState>>,
    caller: Caller,
    path: Path1,
    RawQuery(raw): RawQuery,
) -> Reply {
    let scope = caller.scope();
    let (code, q, key) = checked("ranking", &caller, path, raw, RankingParams::SLOTS)?;
    let (metric, level, day) = (
        q.parsed("metric")?
            .ok_or_else(|| ApiError::invalid("metric", "'metric' is required"))?,
        q.parsed("level")?,
        q.parsed("as_of")?,
    );
    // Checked counts: they parse.
    let count = |name| q.get(name).and_then(|v| v.parse::<usize>().ok());
    let show = match (count("top"), count("bottom")) {
        (Some(n), _) => Show::Top(n),
        (None, Some(n)) => Show::Bottom(n),
        (None, None) => Show::All,
    };
    answer(s, key, move |store| {
        Ok(ranking::ranking(
            store,
            &scope,
            &code,
            metric,
            level,
            data_day(store, day)?,
            show,
        )?)
    })
    .await
}

#[utoipa::path(get, path = "/api/v1/units/{code}/completed", params(CompletedParams), responses((status = 200, description = "Units that reached their target, with the day each first did", body = ranking::Completed)))]
async fn completed(
    State(s): State<Arc<AppState>>,
    caller: Caller,
    path: Path1,
    RawQuery(raw): RawQuery,
) -> Reply {
    let scope = caller.scope();
    let (code, q, key) = checked("completed", &caller, path, raw, CompletedParams::SLOTS)?;
    let (metric, level, day) = (
        q.parsed("metric")?
            .ok_or_else(|| ApiError::invalid("metric", "'metric' is required"))?,
        q.parsed("level")?,
        q.parsed("as_of")?,
    );
    answer(s, key, move |store| {
        Ok(ranking::completed(
            store,
            &scope,
            &code,
            metric,
            level,
            data_day(store, day)?,
        )?)
    })
    .await
}

#[utoipa::path(get, path = "/api/v1/units/{code}/funnel", params(FunnelParams), responses((status = 200, description = "Conversion between stages and median days per step", body = funnel::Funnel)))]
async fn funnel(
    State(s): State<Arc<AppState>>,
    caller: Caller,
    path: Path1,
    RawQuery(raw): RawQuery,
) -> Reply {
    let scope = caller.scope();
    let (code, q, key) = checked("funnel", &caller, path, raw, FunnelParams::SLOTS)?;
    let asked = q.parsed("as_of")?;
    answer(s, key, move |store| {
        Ok(funnel::funnel(
            store,
            &scope,
            &code,
            data_day(store, asked)?,
        )?)
    })
    .await
}

#[utoipa::path(get, path = "/api/v1/units/{code}/targets", params(TargetsParams), responses((status = 200, description = "The unit's targets and its children's", body = targets::TargetList)))]
async fn targets(
    State(s): State<Arc<AppState>>,
    caller: Caller,
    path: Path1,
    RawQuery(raw): RawQuery,
) -> Reply {
    let scope = caller.scope();
    let (code, q, key) = checked("targets", &caller, path, raw, TargetsParams::SLOTS)?;
    let history = q.flag("history");
    answer(s, key, move |store| {
        Ok(targets::list(store, &scope, &code, history)?)
    })
    .await
}

#[utoipa::path(get, path = "/api/v1/units/{code}/contacts", params(ContactsParams), responses((status = 200, description = "Who answers for the unit (and with `below=true` for every unit under it): name, title, phone as written and as a `tel:` number, by unit code and in the order of the file that set them; `contacts list --format json`", body = phuxanh_report::contacts::ContactList)))]
async fn contacts(
    State(s): State<Arc<AppState>>,
    caller: Caller,
    path: Path1,
    RawQuery(raw): RawQuery,
) -> Reply {
    let scope = caller.scope();
    let (code, q, key) = checked("contacts", &caller, path, raw, ContactsParams::SLOTS)?;
    let below = q.flag("below");
    answer(s, key, move |store| {
        Ok(phuxanh_report::contacts::list(
            store,
            &scope,
            Some(&code),
            below,
        )?)
    })
    .await
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Version {
    /// Grows with every change to the data; pages poll it to refresh.
    generation: u64,
}

#[utoipa::path(get, path = "/api/v1/version", params(NoParams), responses((status = 200, description = "The data's generation: it grows with every committed change", body = Version)))]
pub async fn version(
    State(s): State<Arc<AppState>>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Version>, ApiError> {
    Query::parse(raw.as_deref(), NoParams::SLOTS)?;
    read(s, |store| {
        Ok(Version {
            generation: store.generation()?,
        })
    })
    .await
    .map(Json)
}

#[utoipa::path(get, path = "/api/v1/units/{code}/history", params(HistoryParams), responses((status = 200, description = "The unit's cumulative figures on each day", body = phuxanh_report::series::Series)))]
async fn history(
    State(s): State<Arc<AppState>>,
    caller: Caller,
    path: Path1,
    RawQuery(raw): RawQuery,
) -> Reply {
    let scope = caller.scope();
    let (code, q, key) = checked("history", &caller, path, raw, HistoryParams::SLOTS)?;
    let asked = asked_span(&q)?;
    answer(s, key, move |store| {
        let (from, to) = span(store, asked, 89)?;
        Ok(phuxanh_report::series::series(
            store, &scope, &code, from, to,
        )?)
    })
    .await
}

#[utoipa::path(get, path = "/api/v1/campaigns", params(NoParams), responses((status = 200, description = "Every campaign with its baseline window", body = CampaignList)))]
async fn campaigns(
    State(s): State<Arc<AppState>>,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> Reply {
    let scope = caller.scope();
    let (_, key) = query("campaigns", &caller, "", raw, NoParams::SLOTS)?;
    answer(s, key, move |store| {
        Ok(CampaignList::new(&store.campaigns(&scope)?))
    })
    .await
}

#[utoipa::path(get, path = "/api/v1/pending", params(PendingParams), responses((status = 200, description = "Events held until their predecessors arrive, oldest received first (at most 10,000 listed; `total` counts them all). They name citizens, so the answer is never cached, each answer is audited with the number of people it names, ID numbers are masked (`083******789`) for team members, and past the caller's daily limit of personal records the answer is 429", body = phuxanh_report::pending::Pending), (status = 429, description = "The caller has seen their daily limit of personal records; administrators have been alerted", body = crate::error::ErrorBody)))]
async fn pending(State(s): State<Arc<AppState>>, caller: Caller, RawQuery(raw): RawQuery) -> Reply {
    let (q, _) = query("pending", &caller, "", raw, PendingParams::SLOTS)?;
    let unit = q.get("unit").map(unit_code).transpose()?;
    // Checked counts: they parse.
    let older_than = q.get("older_than_days").and_then(|v| v.parse::<u32>().ok());
    let list = held(&s, &caller, unit.clone(), older_than).await?;
    crate::personal::disclose(
        &s,
        crate::personal::Disclosure {
            caller: &caller,
            how: crate::personal::Use::View,
            list: "pending",
            unit: unit.as_ref(),
            count: list.events.len(),
        },
    )
    .await?;
    Ok(axum::Json(list).into_response())
}

/// The held events the caller may see, their ID numbers masked unless the
/// caller's role needs them whole. Not yet disclosed: the caller audits it
/// ([`crate::personal::disclose`]) before answering with it.
pub(crate) async fn held(
    s: &Arc<AppState>,
    caller: &Caller,
    unit: Option<phuxanh_domain::UnitCode>,
    older_than: Option<u32>,
) -> Result<phuxanh_report::pending::Pending, ApiError> {
    let scope = caller.scope();
    let whole_ids = caller.role().sees_full_ids();
    let list = read(s.clone(), move |store| {
        Ok(phuxanh_report::pending::pending(
            store,
            &scope,
            unit.as_ref(),
            older_than,
            phuxanh_domain::Instant::now(),
        )?)
    })
    .await?;
    Ok(if whole_ids { list } else { list.masked() })
}

/// A unit a search found, with its parent's name.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct FoundView {
    #[serde(flatten)]
    unit: UnitView,
    parent_name: Option<String>,
}

/// The most units a search answers with.
pub(crate) const SEARCH_LIMIT: usize = 20;

#[utoipa::path(get, path = "/api/v1/search", params(SearchParams), responses((status = 200, description = "Units in force whose name holds every word asked (without diacritics or case) or whose code starts with it, closest first, at most 20", body = Vec<FoundView>)))]
async fn search(State(s): State<Arc<AppState>>, caller: Caller, RawQuery(raw): RawQuery) -> Reply {
    let scope = caller.scope();
    let (q, key) = query("search", &caller, "", raw, SearchParams::SLOTS)?;
    let words = q.get("q").unwrap_or_default().to_string();
    answer(s, key, move |store| {
        Ok(found_views(&store.search_units(
            &scope,
            &words,
            SEARCH_LIMIT,
        )?))
    })
    .await
}

pub(crate) fn found_views(found: &[phuxanh_store::Found]) -> Vec<FoundView> {
    found
        .iter()
        .map(|f| FoundView {
            unit: UnitView::from(&f.unit),
            parent_name: f.parent_name.clone(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_read_that_panics_is_a_plain_500() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("t.db");
        phuxanh_store_sqlite::SqliteStore::open(&db)
            .unwrap()
            .init(&[], 14)
            .unwrap();
        let state = Arc::new(AppState::open(&db).unwrap());
        let e = read(state.clone(), |_| -> Result<(), ApiError> {
            panic!("the secret is 42")
        })
        .await
        .unwrap_err();
        assert_eq!(e.status, axum::http::StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!e.message.contains("42"), "{}", e.message);
        // The pool is still there for the next request.
        let v = read(state, |store| Ok(store.generation()?)).await;
        assert!(v.is_ok());
    }

    #[test]
    fn the_documented_words_are_the_domains() {
        let metrics: Vec<&str> = phuxanh_domain::TargetMetric::ALL
            .iter()
            .map(|m| m.as_str())
            .collect();
        assert_eq!(metrics, METRICS);
        let levels: Vec<&str> = UnitLevel::ALL.iter().map(|l| l.as_str()).collect();
        assert_eq!(levels, LEVELS);
    }
}

#[utoipa::path(get, path = "/api/v1/units/{code}/reports", params(UnitParams), responses((status = 200, description = "The period reports issued for the unit (`report --issue`, the dashboard's button), newest first. Issuing does not change the data's generation, so the answer is never cached", body = phuxanh_report::issued::Archive)))]
pub(crate) async fn issued_reports(
    State(s): State<Arc<AppState>>,
    caller: Caller,
    path: Path1,
    RawQuery(raw): RawQuery,
) -> Reply {
    let scope = caller.scope();
    let (code, _, _) = checked("issued_reports", &caller, path, raw, UnitParams::SLOTS)?;
    let archive = read(s, move |store| {
        let kept = store.issued_reports(&scope, &code)?;
        Ok(phuxanh_report::issued::Archive(
            kept.iter().map(Into::into).collect(),
        ))
    })
    .await?;
    Ok(axum::Json(archive).into_response())
}

#[utoipa::path(get, path = "/api/v1/reports/{id}", params(IssuedParams), responses((status = 200, description = "An issued report: each figure as it was sent, as the data gives it now for the same unit, day and period, and the difference", body = phuxanh_report::issued::Compared), (status = 404, description = "No issued report has this number", body = crate::error::ErrorBody)))]
pub(crate) async fn issued_report(
    State(s): State<Arc<AppState>>,
    caller: Caller,
    path: Path1,
    RawQuery(raw): RawQuery,
) -> Reply {
    let scope = caller.scope();
    let Path(id) = path.map_err(|e| ApiError::invalid("id", e.body_text()))?;
    let (q, _) = query("issued_report", &caller, "", raw, IssuedParams::SLOTS)?;
    let id = crate::issued::report_id(&id)?;
    let only_changed = q.get("changed").is_some_and(|v| v == "true");
    let compared = read(s, move |store| {
        let (report, _) = store
            .issued_report(&scope, id)?
            .ok_or_else(|| ApiError::not_found(format!("no issued report number {id}")))?;
        let mut c = phuxanh_report::issued::compared(store, &scope, &report)?;
        if only_changed {
            c.changes.retain(|c| c.changed);
        }
        Ok(c)
    })
    .await?;
    Ok(axum::Json(compared).into_response())
}
