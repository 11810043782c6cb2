//! The dashboard's pages, rendered on the server from the same reports as
//! the API (so a page's figures are the command line's), in Vietnamese with
//! an English switch (`?lang=en`). The unit is in the path and the day in
//! the query, so a link can be shared.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use minijinja::{Environment, context};
use phuxanh_domain::{Day, Metric};
use phuxanh_report::progress::{Progress, gather};
use phuxanh_store::{Scope, Store};
use serde::Serialize;

use crate::api::unit_code;
use crate::contract::{Rule, shifted};
use crate::dated::When;
use crate::lang::Lang;
use crate::map;
use crate::{ApiError, AppState};

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/", get(home))
        .route("/data-quality", get(quality))
        .route("/units/{code}", get(overview))
        .route("/units/{code}/report", get(report))
        .route("/units/{code}/{view}", get(view))
        .route("/static/{file}", get(static_file))
}

fn templates() -> &'static Environment<'static> {
    static ENV: std::sync::OnceLock<Environment<'static>> = std::sync::OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        // A variable the handler forgot is an error, not an empty string.
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
        // Strings are escaped for HTML without minijinja's `/` to `&#x2f;`,
        // so that links read as links in the page's source.
        env.set_formatter(|out, state, value| match value.as_str() {
            Some(s) if state.auto_escape() == minijinja::AutoEscape::Html && !value.is_safe() => {
                out.write_str(
                    &html_escape(s)
                        .replace('"', "&quot;")
                        .replace('\'', "&#x27;"),
                )
                .map_err(minijinja::Error::from)
            }
            _ => minijinja::escape_formatter(out, state, value),
        });
        for (name, source) in [
            ("overview.html", include_str!("../templates/overview.html")),
            ("report.html", include_str!("../templates/report.html")),
            ("tabs.html", include_str!("../templates/tabs.html")),
            ("header.html", include_str!("../templates/header.html")),
            ("children.html", include_str!("../templates/children.html")),
            ("map.html", include_str!("../templates/map.html")),
            ("country.html", include_str!("../templates/country.html")),
            ("quality.html", include_str!("../templates/quality.html")),
            ("error.html", include_str!("../templates/error.html")),
            ("settings.html", include_str!("../templates/settings.html")),
        ] {
            env.add_template(name, source).expect("the templates parse");
        }
        env
    })
}

async fn static_file(Path(file): Path<String>) -> Response {
    let (body, kind) = match file.as_str() {
        "style.css" => (
            include_str!("../static/style.css"),
            "text/css; charset=utf-8",
        ),
        "dashboard.js" => (
            include_str!("../static/dashboard.js"),
            "text/javascript; charset=utf-8",
        ),
        "uPlot.iife.min.js" => (
            include_str!("../static/vendor/uplot/uPlot.iife.min.js"),
            "text/javascript; charset=utf-8",
        ),
        "uPlot.min.css" => (
            include_str!("../static/vendor/uplot/uPlot.min.css"),
            "text/css; charset=utf-8",
        ),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    (
        [
            (header::CONTENT_TYPE, kind),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        body,
    )
        .into_response()
}

#[derive(Serialize)]
struct Tab {
    href: String,
    label: String,
    current: bool,
}

/// The views of a unit, the current one marked.
fn tabs(code: &str, as_of: Day, lang: Lang, current: &str) -> Vec<Tab> {
    let l = lang.code();
    [
        ("overview", format!("/units/{code}?as_of={as_of}&lang={l}")),
        (
            "ranking",
            format!("/units/{code}/ranking?as_of={as_of}&lang={l}"),
        ),
        (
            "completed",
            format!("/units/{code}/completed?as_of={as_of}&lang={l}"),
        ),
        (
            "compare",
            format!("/units/{code}/compare?as_of={as_of}&lang={l}"),
        ),
        (
            "daily",
            format!("/units/{code}/daily?date={as_of}&lang={l}"),
        ),
        (
            "funnel",
            format!("/units/{code}/funnel?as_of={as_of}&lang={l}"),
        ),
    ]
    .into_iter()
    .map(|(name, href)| Tab {
        href,
        label: lang.word(&format!("tab_{name}")),
        current: name == current,
    })
    .collect()
}

#[derive(Serialize)]
struct Crumb {
    code: String,
    name: String,
}

#[derive(Serialize)]
struct Card {
    label: String,
    value: String,
    target: Option<String>,
    pct: Option<String>,
    width: i64,
    status: &'static str,
    note: Option<String>,
}

#[derive(Serialize)]
struct Header {
    label: String,
    numeric: bool,
}

#[derive(Serialize)]
struct CellView {
    text: String,
    sort: String,
}

#[derive(Serialize)]
struct ChildRow {
    href: String,
    name: String,
    status: &'static str,
    cells: Vec<CellView>,
}

#[derive(Serialize)]
struct ProjectionView {
    status: &'static str,
    status_text: &'static str,
    text: String,
}

/// A page's parameter, checked like the API's; empty means none (a form's
/// empty field), and so does absent.
fn param<T: std::str::FromStr<Err = String>>(
    q: &HashMap<String, String>,
    name: &'static str,
    rule: Rule,
) -> Result<Option<T>, ApiError> {
    match q.get(name).map(String::as_str) {
        None | Some("") => Ok(None),
        Some(v) => rule
            .check(v)
            .and_then(|()| v.parse())
            .map(Some)
            .map_err(|e| ApiError::invalid(name, e)),
    }
}

/// The day a query names in `name`, today when it names none.
/// The day a request asks for, if any ([`When::read`] fills it in).
fn day(q: &HashMap<String, String>, name: &'static str) -> Result<Option<Day>, ApiError> {
    // The page writes days as 14/11/2023: take them back that way too.
    if let Some(v) = q.get(name).filter(|v| v.contains('/')) {
        let d = Day::parse_file(v).map_err(|e| ApiError::invalid(name, e))?;
        Rule::Day
            .check(&d.to_string())
            .map_err(|e| ApiError::invalid(name, e))?;
        return Ok(Some(d));
    }
    param(q, name, Rule::Day)
}

/// An error as a page of the site, in Vietnamese (the language of a panic's
/// page, which has no request to ask).
pub(crate) fn error_page(e: ApiError) -> Response {
    error_page_in(Lang::Vi, e)
}

/// An error as a page of the site in `lang`, with its status: what went
/// wrong in words, the server's own message, and the way back.
pub(crate) fn error_page_in(lang: Lang, e: ApiError) -> Response {
    let status = e.status;
    let (heading, explanation) = match status.as_u16() {
        404 => (
            lang.pick("Không tìm thấy", "Not found"),
            lang.pick(
                "Không có trang hoặc đơn vị này. Kiểm tra lại mã đơn vị trong địa chỉ, hoặc về trang chủ để chọn đơn vị.",
                "There is no such page or unit. Check the unit's code in the address, or go back to the home page to choose one.",
            ),
        ),
        400 => (
            lang.pick("Yêu cầu không hợp lệ", "Bad request"),
            lang.pick(
                "Một tham số trong địa chỉ không đúng. Ngày viết dạng 14/11/2023 hoặc 2023-11-14, trong khoảng 2000–2100.",
                "A parameter in the address is wrong. Days are written 14/11/2023 or 2023-11-14, between 2000 and 2100.",
            ),
        ),
        503 => (
            lang.pick("Máy chủ đang bận", "The server is busy"),
            lang.pick(
                "Cơ sở dữ liệu đang bận hoặc câu trả lời quá lâu. Vui lòng thử lại sau ít phút.",
                "The database is busy or the answer took too long. Please try again in a few minutes.",
            ),
        ),
        _ => (
            lang.pick("Lỗi máy chủ", "Server error"),
            lang.pick(
                "Máy chủ gặp lỗi và đã ghi lại. Vui lòng thử lại hoặc báo cho quản trị viên.",
                "The server hit an error and logged it. Please try again or tell the administrator.",
            ),
        ),
    };
    let words = lang.words();
    let page = templates().get_template("error.html").and_then(|t| {
        t.render(context! {
            lang => lang.code(),
            other_lang => lang.other().code(),
            t => words,
            crumbs => Vec::<Crumb>::new(),
            page_name => heading,
            as_of => Day::today().to_string(),
            map_param => None::<String>,
            dated => None::<()>,
            heading => heading,
            status => status.as_u16(),
            explanation => explanation,
            detail => e.message.clone(),
            home => lang.pick("Về trang chủ", "Back to the home page"),
        })
    });
    match page {
        Ok(html) => (status, Html(html)).into_response(),
        // The template itself failed: the plainest page that still says it.
        Err(_) => (
            status,
            Html(format!(
                "<!doctype html><meta charset=utf-8><title>{status}</title><p>{}</p><p><a href=\"/\">Phủ Xanh</a></p>",
                html_escape(&e.message)
            )),
        )
            .into_response(),
    }
}

/// A path the site does not have.
pub(crate) async fn not_found(Query(q): Query<HashMap<String, String>>) -> Response {
    error_page_in(Lang::from_query(&q), ApiError::not_found("no such page"))
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Held events shown on the data-quality page at most.
const HELD_SHOWN: usize = 500;

/// Data quality: the events held until their predecessors arrive, by unit
/// and one by one (`?unit=`, `?older_than_days=`).
async fn quality(
    State(s): State<Arc<AppState>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let lang = Lang::from_query(&q);
    let code = match param::<phuxanh_domain::UnitCode>(&q, "unit", Rule::UnitCode) {
        Ok(c) => c,
        Err(e) => return error_page_in(lang, e),
    };
    let older_than = match q.get("older_than_days").filter(|v| !v.is_empty()) {
        None => None,
        Some(v) => match Rule::Count.check(v) {
            // A checked count parses.
            Ok(()) => v.parse::<u32>().ok(),
            Err(e) => return error_page_in(lang, ApiError::invalid("older_than_days", e)),
        },
    };
    let unit = code.as_ref().map(|c| c.to_string());
    let stale_days = s.stale_days;
    let data = tokio::task::spawn_blocking(move || {
        let store = s.pool.get();
        let held = phuxanh_report::pending::pending(
            &*store,
            &Scope::everything(),
            code.as_ref(),
            older_than,
            phuxanh_domain::Instant::now(),
        )?;
        let when = When::read(&*store, None)?;
        Ok::<_, phuxanh_store::StoreError>((held, store.generation()?, when))
    })
    .await;
    let (held, generation, when) = match data {
        Ok(Ok(x)) => x,
        Ok(Err(e)) => return error_page_in(lang, e.into()),
        Err(e) => return error_page_in(lang, ApiError::from_join(e)),
    };
    let mut by_unit: Vec<(String, i64)> = Vec::new();
    for e in &held.events {
        match by_unit.iter_mut().find(|(u, _)| *u == e.unit) {
            Some((_, n)) => *n += 1,
            None => by_unit.push((e.unit.clone(), 1)),
        }
    }
    by_unit.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let words = lang.words();
    let shown = held.events.len().min(HELD_SHOWN);
    render(
        "quality.html",
        context! {
            lang => lang.code(),
            other_lang => lang.other().code(),
            page_name => words["quality"],
            t => words,
            crumbs => Vec::<Crumb>::new(),
            as_of => when.day.to_string(),
            dated => when.said(lang, stale_days),
            generation => generation,
            poll => poll(&q),
            map_param => None::<String>,
            unit => unit.unwrap_or_default(),
            older_than => older_than,
            total => lang.number(held.total as i64),
            by_unit => by_unit
                .iter()
                .map(|(code, n)| context! { code => code, count => lang.number(*n) })
                .collect::<Vec<_>>(),
            shown => format!(
                "{} {} / {}",
                words["held_shown"],
                lang.number(shown as i64),
                lang.number(held.total as i64)
            ),
            events => &held.events[..shown],
        },
    )
}

/// The whole country: the green map of the provinces and their table; or
/// straight to the province when the database has only one.
async fn home(
    State(s): State<Arc<AppState>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let lang = Lang::from_query(&q);
    let map_metric = map::metric(&q);
    let asked = match day(&q, "as_of") {
        Ok(d) => d,
        Err(e) => return error_page_in(lang, e),
    };
    let stale_days = s.stale_days;
    let data = tokio::task::spawn_blocking(move || {
        let store = s.pool.get();
        let scope = Scope::everything();
        let when = When::read(&*store, asked)?;
        let as_of = when.day;
        let provinces = store
            .roots(&scope)?
            .iter()
            .map(|u| Ok(gather(&*store, &scope, &u.code, as_of, false)?.unit))
            .collect::<Result<Vec<Progress>, phuxanh_store::StoreError>>()?;
        Ok::<_, phuxanh_store::StoreError>((provinces, store.generation()?, when))
    })
    .await;
    let (provinces, generation, when) = match data {
        Ok(Ok(x)) => x,
        Ok(Err(e)) => return error_page_in(lang, e.into()),
        Err(e) => return error_page_in(lang, ApiError::from_join(e)),
    };
    match provinces.as_slice() {
        [] => {
            return error_page_in(
                lang,
                ApiError::not_found("the database has no units yet: run `phuxanh init`"),
            );
        }
        [only] => {
            let as_of = asked.map_or(String::new(), |d| d.to_string());
            let mut href = format!("/units/{}?lang={}", only.unit.code, lang.code());
            if !as_of.is_empty() {
                href.push_str(&format!("&as_of={as_of}"));
            }
            if let Some(m) = map_param(map_metric) {
                href.push_str(&format!("&map={m}"));
            }
            return Redirect::to(&href).into_response();
        }
        _ => {}
    }
    let as_of = when.day;
    let link = |code: &str| unit_link(code, as_of, lang, map_metric);
    let (headers, children) = children_table(lang, None, &provinces, &link);
    let map = map::draw(&provinces, map_metric, lang, link, |m| {
        format!("/?as_of={as_of}&lang={}&map={m}#map", lang.code())
    });
    let words = lang.words();
    render(
        "country.html",
        context! {
            lang => lang.code(),
            other_lang => lang.other().code(),
            page_name => words["country"],
            t => words,
            crumbs => Vec::<Crumb>::new(),
            as_of => as_of.to_string(),
            as_of_text => lang.date(as_of),
            generation => generation,
            poll => poll(&q),
            map_param => map_param(map_metric),
            map => map,
            headers => headers,
            children => children,
            table_caption => lang.word("provinces_caption"),
            dated => when.said(lang, stale_days),
        },
    )
}

/// A page from its template, or the reason it could not be drawn.
pub(crate) fn render(template: &str, ctx: minijinja::Value) -> Response {
    match templates()
        .get_template(template)
        .and_then(|t| t.render(ctx))
    {
        Ok(html) => Html(html).into_response(),
        Err(e) => error_page(ApiError::bug(format_args!("rendering the page: {e}"))),
    }
}

/// How often a page asks whether the data changed (ms), `?poll=` for tests.
fn poll(q: &HashMap<String, String>) -> u64 {
    q.get("poll")
        .and_then(|p| p.parse::<u64>().ok())
        .map_or(15_000, |p| p.max(1_000))
}

/// The `map` parameter to carry along, none for the default metric.
fn map_param(m: Metric) -> Option<String> {
    (m != map::METRICS[0]).then(|| m.to_string())
}

fn status_class(p: &Progress, m: Metric) -> &'static str {
    p.projection.get(m).map_or("", |x| x.status.as_str())
}

async fn overview(
    State(s): State<Arc<AppState>>,
    Path(code): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let lang = Lang::from_query(&q);
    let map_metric = map::metric(&q);
    let parsed = (|| Ok((unit_code(&code)?, day(&q, "as_of")?)))();
    let (code, asked) = match parsed {
        Ok(x) => x,
        Err(e) => return error_page_in(lang, e),
    };
    let stale_days = s.stale_days;
    let data = tokio::task::spawn_blocking(move || {
        let store = s.pool.get();
        let scope = Scope::everything();
        let when = When::read(&*store, asked)?;
        let report = gather(&*store, &scope, &code, when.day, true)?;
        let mut crumbs = Vec::new();
        let mut parent = store.unit(&scope, &code)?.parent;
        while let Some(p) = parent {
            let u = store.unit(&scope, &p)?;
            crumbs.push(Crumb {
                code: u.code.to_string(),
                name: u.name.clone(),
            });
            parent = u.parent;
        }
        crumbs.reverse();
        let generation = store.generation()?;
        Ok::<_, phuxanh_store::StoreError>((report, crumbs, generation, when))
    })
    .await;
    let (report, crumbs, generation, when) = match data {
        Ok(Ok(x)) => x,
        Ok(Err(e)) => return error_page_in(lang, e.into()),
        Err(e) => return error_page_in(lang, ApiError::from_join(e)),
    };
    let as_of = when.day;
    let chart_from = match shifted(as_of, -89, "as_of") {
        Ok(d) => d,
        Err(e) => return error_page_in(lang, e),
    };
    let words = lang.words();
    let p = &report.unit;
    let mut cards = Vec::new();
    for m in [Metric::Collected, Metric::Activated, Metric::Used] {
        let target = p.targets.get(m);
        let pct = p.target_pct.get(m).copied();
        cards.push(Card {
            label: lang.metric(m).to_string(),
            value: lang.number(p.count(m)),
            target: target.map(|t| lang.number(t.value)),
            pct: pct.map(|x| lang.percent(x)),
            width: pct.map_or(0, |x| (x.hundredths() / 100).clamp(0, 100)),
            status: status_class(p, m),
            note: p.coverage_pct.get(m).map(|c| {
                format!(
                    "{} {} {}",
                    words["coverage"],
                    lang.percent(*c),
                    words["eligible_of"]
                )
            }),
        });
    }
    cards.push(Card {
        label: lang.metric(Metric::Eligible).to_string(),
        value: lang.number(p.eligible),
        target: None,
        pct: None,
        width: 0,
        status: "",
        note: p.targets.get(Metric::Collected).map(|t| {
            format!(
                "{}: {}",
                words["remaining"],
                lang.number((t.value - p.count(Metric::Collected)).max(0))
            )
        }),
    });
    let projections: Vec<ProjectionView> = p
        .projection
        .0
        .iter()
        .map(|(m, x)| {
            if let Some(o) = p.overdue(*m) {
                let target = p.targets.get(*m).map_or(0, |t| t.value);
                let outcome = if o.short_by == 0 {
                    lang.pick("đã đạt chỉ tiêu", "reached").to_string()
                } else {
                    format!(
                        "{} {}",
                        lang.pick("còn thiếu", "short by"),
                        lang.number(o.short_by)
                    )
                };
                let text = format!(
                    "{} {} {} {} {} {} {}: {} {}/{}, {outcome}",
                    words["target"],
                    lang.metric(*m).to_lowercase(),
                    lang.pick("hạn", "due"),
                    lang.date(x.deadline),
                    lang.pick("đã quá hạn", "passed"),
                    lang.number(i64::from(o.days)),
                    lang.pick("ngày", "days ago"),
                    lang.pick("đạt", "at"),
                    lang.number(p.count(*m)),
                    lang.number(target),
                );
                return ProjectionView {
                    status: x.status.as_str(),
                    status_text: lang.status(x.status),
                    text,
                };
            }
            let mut text = format!(
                "{} {} {}: {} → {}",
                words["target"],
                lang.metric(*m).to_lowercase(),
                lang.date(x.deadline),
                lang.number(p.count(*m)),
                lang.number(x.projected),
            );
            if let Some(day) = x.completion {
                text.push_str(&format!(" ({})", lang.date(day)));
            }
            ProjectionView {
                status: x.status.as_str(),
                status_text: lang.status(x.status),
                text,
            }
        })
        .collect();
    let link = |code: &str| unit_link(code, as_of, lang, map_metric);
    let (headers, children) = children_table(lang, Some(p), &report.children, &link);
    let map = map::draw(&report.children, map_metric, lang, link, |m| {
        format!("{}#map", unit_link(&p.unit.code, as_of, lang, m))
    });
    render(
        "overview.html",
        context! {
            lang => lang.code(),
            other_lang => lang.other().code(),
            t => words,
            unit => context! { code => p.unit.code.clone(), name => p.unit.name.clone() },
            crumbs => crumbs,
            as_of => as_of.to_string(),
            generation => generation,
            as_of_text => lang.date(as_of),
            tabs => tabs(&p.unit.code, as_of, lang, "overview"),
            poll => poll(&q),
            chart_from => chart_from.to_string(),
            chart_labels => serde_json::json!({
                "collected": lang.metric(Metric::Collected),
                "activated": lang.metric(Metric::Activated),
                "target": lang.word("target"),
                "projection": lang.word("projection"),
                "day": if lang == Lang::Vi { "Ngày" } else { "Day" },
            })
            .to_string(),
            cards => cards,
            projections => projections,
            headers => headers,
            children => children,
            map => map,
            map_param => map_param(map_metric),
            page_name => p.unit.name.clone(),
            table_caption => lang.word("children_caption"),
            retired => p.retired.as_ref().map(|r| context! {
                on => lang.date(r.on),
                into => r.into.iter().map(|code| context! { code, href => link(code) }).collect::<Vec<_>>(),
            }),
            dated => when.said(lang, stale_days),
        },
    )
}

/// A unit's overview page, keeping the day, the language and the map's
/// metric.
fn unit_link(code: &str, as_of: Day, lang: Lang, map_metric: Metric) -> String {
    let mut href = format!("/units/{code}?as_of={as_of}&lang={}", lang.code());
    if let Some(m) = map_param(map_metric) {
        href.push_str(&format!("&map={m}"));
    }
    href
}

/// The table of `children` (with `parent`'s targets deciding, with theirs,
/// which target columns to show): its headers and its rows.
fn children_table(
    lang: Lang,
    parent: Option<&Progress>,
    children: &[Progress],
    link: &dyn Fn(&str) -> String,
) -> (Vec<Header>, Vec<ChildRow>) {
    let words = lang.words();
    let shown = [
        Metric::Eligible,
        Metric::Collected,
        Metric::CollectedL2,
        Metric::Approved,
        Metric::Activated,
        Metric::ActivatedL2,
        Metric::Used,
    ];
    let has_target = |m: Metric| {
        parent.is_some_and(|p| p.targets.get(m).is_some())
            || children.iter().any(|c| c.targets.get(m).is_some())
    };
    let mut headers = vec![Header {
        label: words["units"].to_string(),
        numeric: false,
    }];
    for m in shown {
        headers.push(Header {
            label: lang.metric(m).to_string(),
            numeric: true,
        });
        if has_target(m) {
            headers.push(Header {
                label: format!("% {}", words["target"]),
                numeric: true,
            });
        }
    }
    let children: Vec<ChildRow> = children
        .iter()
        .map(|c| {
            let mut cells = Vec::new();
            for m in shown {
                cells.push(CellView {
                    text: lang.number(c.count(m)),
                    sort: c.count(m).to_string(),
                });
                if has_target(m) {
                    let pct = c.target_pct.get(m).copied();
                    cells.push(CellView {
                        text: pct.map_or("–".into(), |x| lang.percent(x)),
                        sort: pct.map_or(String::new(), |x| x.hundredths().to_string()),
                    });
                }
            }
            ChildRow {
                href: link(&c.unit.code),
                name: c.unit.name.clone(),
                status: status_class(c, Metric::Collected),
                cells,
            }
        })
        .collect();
    (headers, children)
}

/// The period report of the unit as of the day, as a download.
async fn report(
    State(s): State<Arc<AppState>>,
    Path(code): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let lang = Lang::from_query(&q);
    let result = (|| {
        let code = unit_code(&code)?;
        let as_of = day(&q, "as_of")?;
        let pdf = match q.get("format").map(String::as_str) {
            Some("pdf") => true,
            Some("xlsx") | None => false,
            Some(other) => {
                return Err(ApiError::invalid(
                    "format",
                    format!("'{other}' is not xlsx or pdf"),
                ));
            }
        };
        Ok((code, as_of, pdf))
    })();
    let (code, as_of, pdf) = match result {
        Ok(x) => x,
        Err(e) => return error_page_in(lang, e),
    };
    let built = tokio::task::spawn_blocking(move || {
        let store = s.pool.get();
        let as_of = When::read(&*store, as_of)?.day;
        let summary =
            phuxanh_report::summary::summary(&*store, &Scope::everything(), &code, as_of, None)
                .map_err(ApiError::from)?;
        let bytes = if pdf {
            summary.to_pdf(&store.settings().map_err(ApiError::from)?)
        } else {
            summary.to_xlsx()
        }
        .map_err(|e| ApiError::bug(format_args!("writing a report: {e}")))?;
        Ok::<_, ApiError>((bytes, code, as_of))
    })
    .await;
    let (bytes, code, as_of) = match built {
        Ok(Ok(x)) => x,
        Ok(Err(e)) => return error_page_in(lang, e),
        Err(e) => return error_page_in(lang, ApiError::from_join(e)),
    };
    let (kind, ext) = if pdf {
        ("application/pdf", "pdf")
    } else {
        (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        )
    };
    let disposition = format!("attachment; filename=\"bao-cao-{code}-{as_of}.{ext}\"");
    (
        [
            (header::CONTENT_TYPE, kind.to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response()
}

#[derive(Serialize)]
struct ColumnView {
    label: String,
    numeric: bool,
}

#[derive(Serialize)]
struct ReportCell {
    text: String,
    sort: String,
    numeric: bool,
    link: Option<String>,
}

/// A report's sheet as the page's table: numbers in the page's language,
/// unit names linked to their overview.
fn table_of(
    sheet: &phuxanh_report::render::Sheet,
    lang: Lang,
    as_of: Day,
) -> (Vec<ColumnView>, Vec<Vec<ReportCell>>) {
    use phuxanh_report::render::Cell;
    let code_col = sheet.columns.iter().position(|(m, _)| m == "code");
    let columns = sheet
        .columns
        .iter()
        .enumerate()
        .map(|(i, (_, label))| ColumnView {
            label: label.clone(),
            numeric: sheet
                .rows
                .iter()
                .any(|r| matches!(r.get(i), Some(Cell::Int(_) | Cell::Pct(_)))),
        })
        .collect();
    let rows = sheet
        .rows
        .iter()
        .map(|row| {
            let code = code_col.and_then(|i| match row.get(i) {
                Some(Cell::Text(c)) => Some(c.clone()),
                _ => None,
            });
            row.iter()
                .enumerate()
                .map(|(i, cell)| {
                    let (text, sort, numeric) = match cell {
                        Cell::Text(s) => (s.clone(), s.clone(), false),
                        Cell::Int(n) => (lang.number(*n), n.to_string(), true),
                        Cell::Pct(Some(p)) => (lang.percent(*p), p.hundredths().to_string(), true),
                        Cell::Pct(None) => ("–".into(), String::new(), true),
                        Cell::Date(d) => (lang.date(*d), d.to_string(), false),
                        Cell::Level(l) => (
                            lang.pick(phuxanh_report::vi::level(*l), l.as_str())
                                .to_string(),
                            l.as_str().to_string(),
                            false,
                        ),
                        Cell::Decimal(x) => (
                            match lang {
                                Lang::Vi => phuxanh_report::vi::decimal(*x),
                                Lang::En => format!("{x:.2}"),
                            },
                            format!("{x}"),
                            true,
                        ),
                        Cell::Empty => (String::new(), String::new(), false),
                    };
                    let is_name = sheet.columns.get(i).is_some_and(|(m, _)| m == "name");
                    ReportCell {
                        link: code
                            .as_ref()
                            .filter(|_| is_name)
                            .map(|c| format!("/units/{c}?as_of={as_of}&lang={}", lang.code())),
                        text,
                        sort,
                        numeric,
                    }
                })
                .collect()
        })
        .collect();
    (columns, rows)
}

/// One of a unit's analytics as a page: ranking, completed, compare, daily,
/// funnel. The parameters are the API's, with the same defaults.
async fn view(
    State(s): State<Arc<AppState>>,
    Path((code, view)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    use phuxanh_report::Report;
    use phuxanh_report::compare::Window;
    use phuxanh_report::ranking::Show;
    let lang = Lang::from_query(&q);
    if !["ranking", "completed", "compare", "daily", "funnel"].contains(&view.as_str()) {
        return error_page_in(
            lang,
            ApiError::not_found(format!("no page '{view}' for a unit")),
        );
    }
    let day_param = if view == "daily" { "date" } else { "as_of" };
    let parsed = (|| {
        let metric = param(&q, "metric", Rule::OneOf(crate::api::METRICS))?.unwrap_or(
            phuxanh_domain::TargetMetric::new(Metric::Collected).expect("a target metric"),
        );
        Ok((
            unit_code(&code)?,
            day(&q, day_param)?,
            metric,
            param::<phuxanh_domain::UnitLevel>(&q, "level", Rule::OneOf(crate::api::LEVELS))?,
        ))
    })();
    let (code, asked, metric, level) = match parsed {
        Ok(x) => x,
        Err(e) => return error_page_in(lang, e),
    };
    let stale_days = s.stale_days;
    let campaign = q.get("campaign").filter(|c| !c.is_empty()).cloned();
    let view_name = view.clone();
    let built = tokio::task::spawn_blocking(move || -> Result<_, ApiError> {
        let store = s.pool.get();
        let scope = Scope::everything();
        let unit = store.unit(&scope, &code)?;
        let generation = store.generation()?;
        let when = When::read(&*store, asked)?;
        let day = when.day;
        let mut stages = None;
        // The API's request for the same figures, for the page's JSON link.
        let mut api_query = vec![(day_param, day.to_string())];
        if matches!(view_name.as_str(), "ranking" | "completed") {
            api_query.push(("metric", metric.to_string()));
            api_query.extend(level.map(|l: phuxanh_domain::UnitLevel| ("level", l.to_string())));
        }
        let (sheet, notes) = match view_name.as_str() {
            "ranking" => {
                let r = phuxanh_report::ranking::ranking(
                    &*store,
                    &scope,
                    &code,
                    metric,
                    level,
                    day,
                    Show::All,
                )?;
                (r.table_sheet(), r.notes())
            }
            "completed" => {
                let r =
                    phuxanh_report::ranking::completed(&*store, &scope, &code, metric, level, day)?;
                (r.table_sheet(), r.notes())
            }
            "compare" => {
                let campaigns = store.campaigns()?;
                let chosen = match &campaign {
                    Some(name) => Some(
                        campaigns
                            .iter()
                            .find(|c| c.name == phuxanh_domain::text::normalize(name))
                            .ok_or_else(|| {
                                ApiError::not_found(format!("no campaign named '{name}'"))
                            })?,
                    ),
                    None => campaigns
                        .iter()
                        .find(|c| c.unit.as_ref().is_none_or(|u| *u == code)),
                };
                let (window, name) = match chosen {
                    Some(c) => (
                        Window::new(c.from, c.to).map_err(|e| ApiError::invalid("campaign", e))?,
                        Some(c.name.clone()),
                    ),
                    None => (
                        Window::new(shifted(day, -29, day_param)?, day)
                            .map_err(|e| ApiError::invalid(day_param, e))?,
                        None,
                    ),
                };
                api_query = match &name {
                    Some(n) => vec![("campaign", n.clone())],
                    None => vec![
                        ("from", window.from.to_string()),
                        ("to", window.to.to_string()),
                    ],
                };
                let r = phuxanh_report::compare::compare(&*store, &scope, &code, window, name)?;
                (r.table_sheet(), r.notes())
            }
            "daily" => {
                let r = phuxanh_report::daily::daily(&*store, &scope, &code, day)?;
                (r.table_sheet(), r.notes())
            }
            _ => {
                let r = phuxanh_report::funnel::funnel(&*store, &scope, &code, day)?;
                stages = Some(r.unit.steps.clone());
                (r.table_sheet(), r.notes())
            }
        };
        Ok((unit, generation, sheet, notes, stages, api_query, when))
    })
    .await;
    let (unit, generation, sheet, notes, stages, api_query, when) = match built {
        Ok(Ok(x)) => x,
        Ok(Err(e)) => return error_page_in(lang, e),
        Err(e) => return error_page_in(lang, ApiError::from_join(e)),
    };
    let day = when.day;
    let words = lang.words();
    let (columns, rows) = table_of(&sheet, lang, day);
    let selects = if matches!(view.as_str(), "ranking" | "completed") {
        selects(lang, metric, level)
    } else {
        Vec::new()
    };
    let mut hidden: Vec<(String, String)> = q
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "as_of" | "date" | "lang" | "metric" | "level"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    hidden.sort();
    let query = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(api_query)
        .finish();
    let json = format!("/api/v1/units/{}/{view}?{query}", unit.code);
    render(
        "report.html",
        context! {
            lang => lang.code(),
            t => words,
            heading => lang.word(&format!("tab_{view}")),
            title => sheet.title.clone(),
            notes => notes,
            unit => context! { code => unit.code.to_string(), name => unit.name.clone() },
            as_of => day.to_string(),
            day_param => day_param,
            hidden => hidden,
            selects => selects,
            generation => generation,
            tabs => tabs(unit.code.as_str(), day, lang, &view),
            columns => columns,
            rows => rows,
            json => json,
            funnel => stages.map(|s| funnel_bars(&s, lang)),
            dated => when.said(lang, stale_days),
        },
    )
}

/// A bar of the funnel chart: a stage, its citizens, and the share of the
/// stage before it that reached it.
#[derive(Serialize)]
struct FunnelBar {
    label: &'static str,
    value: String,
    /// Of the widest bar, in percent.
    width: f64,
    conversion: Option<String>,
}

/// The funnel of the unit's own steps, collected to used, as bars.
fn funnel_bars(steps: &phuxanh_report::funnel::Steps, lang: Lang) -> Vec<FunnelBar> {
    let mut stages: Vec<(Metric, i64, Option<phuxanh_domain::Percent>)> = Vec::new();
    for (t, step) in &steps.0 {
        let (from, to) = t.stages();
        if stages.is_empty() {
            stages.push((from, step.from, None));
        }
        stages.push((to, step.to, step.conversion_pct));
    }
    let widest = stages.iter().map(|s| s.1).max().unwrap_or(0).max(1) as f64;
    stages
        .into_iter()
        .map(|(m, n, pct)| FunnelBar {
            label: lang.metric(m),
            value: lang.number(n),
            width: (n as f64 / widest * 1000.0).round() / 10.0,
            conversion: pct.map(|p| lang.percent(p)),
        })
        .collect()
}

#[derive(Serialize)]
struct Choice {
    value: String,
    label: String,
    selected: bool,
}

#[derive(Serialize)]
struct Select {
    name: &'static str,
    label: String,
    options: Vec<Choice>,
}

/// The metric and level pickers of the ranking and completed pages.
fn selects(
    lang: Lang,
    metric: phuxanh_domain::TargetMetric,
    level: Option<phuxanh_domain::UnitLevel>,
) -> Vec<Select> {
    use phuxanh_domain::UnitLevel;
    let metrics = phuxanh_domain::TargetMetric::ALL
        .into_iter()
        .map(|m| Choice {
            value: m.as_str().to_string(),
            label: lang.metric(m).to_string(),
            selected: m == metric.metric(),
        })
        .collect();
    let (children, level_word) = match lang {
        Lang::Vi => ("Trực thuộc", "Cấp"),
        Lang::En => ("Children", "Level"),
    };
    let mut levels = vec![Choice {
        value: String::new(),
        label: children.to_string(),
        selected: level.is_none(),
    }];
    for l in [UnitLevel::District, UnitLevel::Commune, UnitLevel::Village] {
        levels.push(Choice {
            value: l.as_str().to_string(),
            label: match lang {
                Lang::Vi => l.vietnamese().to_string(),
                Lang::En => l.as_str().to_string(),
            },
            selected: level == Some(l),
        });
    }
    vec![
        Select {
            name: "metric",
            label: lang.word("target"),
            options: metrics,
        },
        Select {
            name: "level",
            label: level_word.to_string(),
            options: levels,
        },
    ]
}
