//! The dashboard's pages, rendered on the server from the same reports as
//! the API (so a page's figures are the command line's), in Vietnamese with
//! an English switch (`?lang=en`). The unit is in the path and the day in
//! the query, so a link can be shared.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use minijinja::{Environment, context};
use phuxanh_domain::{Day, Metric};
use phuxanh_report::briefing::{attention, briefing};
use phuxanh_report::contacts::ContactView;
use phuxanh_report::progress::{Progress, gather};
use phuxanh_store::{Scope, Store};
use serde::Serialize;

use crate::api::unit_code;
use crate::auth::Caller;
use crate::briefing::{attention_view, calls, children_table, status_class};
use crate::contract::{Rule, shifted};
use crate::dated::When;
use crate::lang::Lang;
use crate::map;
use crate::routes::Table;
use crate::{ApiError, AppState};

pub(crate) fn routes(t: Table) -> Table {
    use crate::auth::Access::{Public, Signed};
    t.get("/", Signed, home)
        .get("/search", Signed, search)
        .get("/units/{code}", Signed, overview)
        .get("/units/{code}/report", Signed, report)
        .get("/units/{code}/{view}", Signed, crate::views::view)
        .get("/static/{file}", Public, static_file)
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
            (
                "attention.html",
                include_str!("../templates/attention.html"),
            ),
            ("cards.html", include_str!("../templates/cards.html")),
            ("contacts.html", include_str!("../templates/contacts.html")),
            ("search.html", include_str!("../templates/search.html")),
            ("settings.html", include_str!("../templates/settings.html")),
            ("login.html", include_str!("../templates/login.html")),
            ("password.html", include_str!("../templates/password.html")),
            ("admin.html", include_str!("../templates/admin.html")),
            ("issued.html", include_str!("../templates/issued.html")),
            ("field.html", include_str!("../templates/field.html")),
            (
                "field_phone.html",
                include_str!("../templates/field_phone.html"),
            ),
            (
                "issued_list.html",
                include_str!("../templates/issued_list.html"),
            ),
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
        "field.js" => (
            include_str!("../static/field.js"),
            "text/javascript; charset=utf-8",
        ),
        "icon-192.png" | "icon-512.png" => {
            let png: &'static [u8] = if file == "icon-192.png" {
                include_bytes!("../static/icon-192.png")
            } else {
                include_bytes!("../static/icon-512.png")
            };
            return (
                [
                    (header::CONTENT_TYPE, "image/png"),
                    (header::CACHE_CONTROL, "max-age=86400"),
                ],
                png,
            )
                .into_response();
        }
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
pub(crate) struct Tab {
    href: String,
    label: String,
    current: bool,
}

/// The views of a unit, the current one marked.
pub(crate) fn tabs(code: &str, as_of: Day, lang: Lang, current: &str) -> Vec<Tab> {
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
        ("teams", format!("/units/{code}/teams?lang={l}")),
        (
            "worklist",
            format!("/units/{code}/worklist?kind=not-applied&as_of={as_of}&lang={l}"),
        ),
    ]
    .into_iter()
    // The lists name citizens: only for the roles that see them.
    .filter(|(name, _)| {
        *name != "worklist" || crate::auth::signed_in().is_some_and(|c| c.role().sees_persons())
    })
    .map(|(name, href)| Tab {
        href,
        label: lang.word(&format!("tab_{name}")),
        current: name == current,
    })
    .collect()
}

#[derive(Serialize)]
pub(crate) struct Crumb {
    pub code: String,
    pub name: String,
    /// Whether its page is the caller's to see (a unit above the caller's
    /// own is named, not linked).
    pub link: bool,
}

/// The units above `code`, the province first, for the breadcrumbs.
pub(crate) fn crumbs(
    store: &dyn Store,
    scope: &Scope,
    code: &phuxanh_domain::UnitCode,
) -> Result<Vec<Crumb>, phuxanh_store::StoreError> {
    let mut mine = false;
    Ok(store
        .ancestors(scope, code)?
        .into_iter()
        .map(|u| {
            mine = mine || scope.root().is_none_or(|r| *r == u.code);
            Crumb {
                code: u.code.to_string(),
                name: u.name,
                link: mine,
            }
        })
        .collect())
}

#[derive(Serialize)]
struct Card {
    label: String,
    value: String,
    target: Option<String>,
    pct: Option<String>,
    width: i64,
    status: &'static str,
    /// What is left to the target.
    gap: Option<String>,
    note: Option<String>,
}

#[derive(Serialize)]
struct ProjectionView {
    status: &'static str,
    status_text: &'static str,
    text: String,
}

/// A page's parameter, checked like the API's; empty means none (a form's
/// empty field), and so does absent.
pub(crate) fn param<T: std::str::FromStr<Err = String>>(
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

/// The day a request asks for, if any ([`When::read`] fills it in).
pub(crate) fn day(
    q: &HashMap<String, String>,
    name: &'static str,
) -> Result<Option<Day>, ApiError> {
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
        429 => (
            lang.pick("Đã đến giới hạn trong ngày", "Daily limit reached"),
            lang.pick(
                "Mỗi người dùng chỉ được xem hoặc tải một số lượng hồ sơ cá nhân nhất định mỗi ngày. Hãy chọn đơn vị nhỏ hơn, hoặc liên hệ quản trị viên (đã được thông báo).",
                "Each user may view or export only so many personal records a day. Choose a smaller unit, or contact an administrator (they have been told).",
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
            me => me(),
            lang => lang.code(),
            other_lang => lang.other().code(),
            t => words,
            crumbs => Vec::<Crumb>::new(),
            page_name => heading,
            as_of => Day::today().to_string(),
            map_params => Vec::<(String, String)>::new(),
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

/// Jump to a unit by name, diacritics optional: `/search?q=vinh hoa`.
async fn search(
    State(s): State<Arc<AppState>>,
    caller: Caller,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let lang = Lang::from_query(&q);
    let words = q.get("q").map(|w| w.trim().to_string()).unwrap_or_default();
    if let Err(e) = (Rule::Text { min: 0, max: 100 }).check(&words) {
        return error_page_in(lang, ApiError::invalid("q", e));
    }
    let asked = words.clone();
    let data = tokio::task::spawn_blocking(move || {
        let store = s.pool.get();
        let found = store.search_units(&caller.scope(), &asked, crate::api::SEARCH_LIMIT)?;
        Ok::<_, phuxanh_store::StoreError>((found, When::read(&*store, &caller.scope(), None)?))
    })
    .await;
    let (found, when) = match data {
        Ok(Ok(x)) => x,
        Ok(Err(e)) => return error_page_in(lang, e.into()),
        Err(e) => return error_page_in(lang, ApiError::from_join(e)),
    };
    let words_map = lang.words();
    let summary = match (found.len(), lang) {
        (0, Lang::Vi) => format!("Không tìm thấy đơn vị nào với «{words}»."),
        (0, Lang::En) => format!("No unit matches «{words}»."),
        (n, Lang::Vi) => format!("{n} đơn vị với «{words}»:"),
        (n, Lang::En) => format!("{n} units match «{words}»:"),
    };
    render(
        "search.html",
        context! {
            lang => lang.code(),
            other_lang => lang.other().code(),
            page_name => words_map["search_title"],
            t => words_map,
            crumbs => Vec::<Crumb>::new(),
            as_of => when.day.to_string(),
            map_params => Vec::<(String, String)>::new(),
            dated => None::<()>,
            q => words,
            summary => summary,
            found => found.iter().map(|f| context! {
                href => format!("/units/{}?lang={}", f.unit.code, lang.code()),
                name => f.unit.name.clone(),
                parent => f.parent_name.clone(),
                code => f.unit.code.to_string(),
                level => capitalised(match lang {
                    Lang::Vi => f.unit.level.vietnamese(),
                    Lang::En => f.unit.level.as_str(),
                }),
            }).collect::<Vec<_>>(),
        },
    )
}

/// "xã" → "Xã".
fn capitalised(word: &str) -> String {
    let mut c = word.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

/// The whole country: the green map of the provinces and their table; or
/// straight to the province when the database has only one.
async fn home(
    State(s): State<Arc<AppState>>,
    caller: Caller,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let lang = Lang::from_query(&q);
    let map_choice = map::choice(&q);
    let asked = match day(&q, "as_of") {
        Ok(d) => d,
        Err(e) => return error_page_in(lang, e),
    };
    // A user of one unit starts at their unit: the country is not theirs.
    if let Some(unit) = &caller.user.unit {
        let mut href = format!("/units/{unit}?lang={}", lang.code());
        if let Some(d) = asked {
            href.push_str(&format!("&as_of={d}"));
        }
        href.push_str(&map_choice.query());
        return Redirect::to(&href).into_response();
    }
    let stale_days = s.stale_days;
    let data = tokio::task::spawn_blocking(move || {
        let store = s.pool.get();
        let scope = caller.scope();
        let when = When::read(&*store, &scope, asked)?;
        let as_of = when.day;
        let roots = store.roots(&scope)?;
        let provinces = roots
            .iter()
            .map(|u| Ok(gather(&*store, &scope, &u.code, as_of, false)?.unit))
            .collect::<Result<Vec<Progress>, phuxanh_store::StoreError>>()?;
        let briefs = briefing(
            &*store,
            &scope,
            &provinces,
            i32::try_from(stale_days).unwrap_or(i32::MAX),
        )?;
        // Whom to call in each province: one short read each.
        let mut contacts = Vec::new();
        for u in &roots {
            contacts.extend(store.contacts(&scope, &u.code)?);
        }
        let calls = calls(&contacts);
        Ok::<_, phuxanh_store::StoreError>((provinces, briefs, store.generation()?, when, calls))
    })
    .await;
    let (provinces, briefs, generation, when, calls) = match data {
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
            href.push_str(&map_choice.query());
            return Redirect::to(&href).into_response();
        }
        _ => {}
    }
    let as_of = when.day;
    let link = |code: &str| unit_link(code, as_of, lang, map_choice);
    let (headers, children) = children_table(lang, None, &provinces, &briefs, as_of, &link, &calls);
    let attention = attention_view(lang, &attention(&provinces, &briefs), as_of, &link, &calls);
    let total = Progress::total(
        phuxanh_report::progress::UnitRef {
            code: String::new(),
            name: lang.word("country"),
            level: phuxanh_domain::UnitLevel::Province,
        },
        &provinces,
    );
    let map = map::draw(&provinces, map_choice, lang, link, |m| {
        format!("/?as_of={as_of}&lang={}{}#map", lang.code(), m.query())
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
            map_params => map_choice.params(),
            map => map,
            headers => headers,
            children => children,
            table_caption => lang.word("provinces_caption"),
            attention => attention,
            cards => total.as_ref().map(|t| cards(lang, t)).unwrap_or_default(),
            dated => when.said(lang, stale_days),
        },
    )
}

/// A page from its template, or the reason it could not be drawn.
pub(crate) fn render(template: &str, ctx: minijinja::Value) -> Response {
    let ctx = context! { me => me(), ..ctx };
    match templates()
        .get_template(template)
        .and_then(|t| t.render(ctx))
    {
        Ok(html) => Html(html).into_response(),
        Err(e) => error_page(ApiError::bug(format_args!("rendering the page: {e}"))),
    }
}

/// Who is signed in, for the page header: their name and role, whether
/// they administer, and the sign-out form's CSRF token.
fn me() -> Option<minijinja::Value> {
    crate::auth::signed_in().map(|c| {
        context! {
            name => c.user.full_name.clone(),
            username => c.user.username.to_string(),
            role => c.role().vietnamese(),
            admin => c.role() == phuxanh_domain::Role::Admin,
            manages => c.role().manages(),
            intake => c.role().records_events(),
            csrf => c.csrf().map(str::to_string),
        }
    })
}

/// How often a page asks whether the data changed (ms), `?poll=` for tests.
pub(crate) fn poll(q: &HashMap<String, String>) -> u64 {
    q.get("poll")
        .and_then(|p| p.parse::<u64>().ok())
        .map_or(15_000, |p| p.max(1_000))
}

async fn overview(
    State(s): State<Arc<AppState>>,
    caller: Caller,
    Path(code): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let lang = Lang::from_query(&q);
    let map_choice = map::choice(&q);
    let parsed = (|| Ok((unit_code(&code)?, day(&q, "as_of")?)))();
    let (code, asked) = match parsed {
        Ok(x) => x,
        Err(e) => return error_page_in(lang, e),
    };
    let stale_days = s.stale_days;
    let data = tokio::task::spawn_blocking(move || {
        let store = s.pool.get();
        let scope = caller.scope();
        let when = When::read(&*store, &scope, asked)?;
        let report = gather(&*store, &scope, &code, when.day, true)?;
        let briefs = briefing(
            &*store,
            &scope,
            &report.children,
            i32::try_from(stale_days).unwrap_or(i32::MAX),
        )?;
        let crumbs = crumbs(&*store, &scope, &code)?;
        let generation = store.generation()?;
        let contacts = store.contacts(&scope, &code)?;
        let calls = calls(&store.children_contacts(&scope, &code)?);
        Ok::<_, phuxanh_store::StoreError>((
            report,
            briefs,
            crumbs,
            generation,
            when,
            (contacts, calls),
        ))
    })
    .await;
    let (report, briefs, crumbs, generation, when, (contacts, calls)) = match data {
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
    let cards = cards(lang, p);
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
    let link = |code: &str| unit_link(code, as_of, lang, map_choice);
    let (headers, children) = children_table(
        lang,
        Some(p),
        &report.children,
        &briefs,
        as_of,
        &link,
        &calls,
    );
    let attention = attention_view(
        lang,
        &attention(&report.children, &briefs),
        as_of,
        &link,
        &calls,
    );
    let contacts: Vec<ContactView> = contacts
        .iter()
        .map(|c| ContactView::new(c, &p.unit.name))
        .collect();
    let map = map::draw(&report.children, map_choice, lang, link, |m| {
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
            chart_labels => {
                let c = lang.metric(Metric::Collected).to_lowercase();
                let a = lang.metric(Metric::Activated).to_lowercase();
                let (target, projection, needed, per_day) = match lang {
                    Lang::Vi => ("Chỉ tiêu", "Dự báo", "Cần đạt", "cần mỗi ngày"),
                    Lang::En => ("Target,", "Projected", "Needed,", "needed a day"),
                };
                serde_json::json!({
                    "collected": lang.metric(Metric::Collected),
                    "activated": lang.metric(Metric::Activated),
                    "target_collected": format!("{target} {c}"),
                    "target_activated": format!("{target} {a}"),
                    "projection_collected": format!("{projection} {c}"),
                    "projection_activated": format!("{projection} {a}"),
                    "needed_collected": format!("{needed} {c}"),
                    "needed_activated": format!("{needed} {a}"),
                    "needed_collected_day": format!("{} {per_day}", lang.metric(Metric::Collected)),
                    "needed_activated_day": format!("{} {per_day}", lang.metric(Metric::Activated)),
                    "day": if lang == Lang::Vi { "Ngày" } else { "Day" },
                })
                .to_string()
            },
            cards => cards,
            projections => projections,
            headers => headers,
            children => children,
            map => map,
            map_params => map_choice.params(),
            page_name => p.unit.name.clone(),
            table_caption => lang.word("children_caption"),
            attention => attention,
            contacts => contacts,
            retired => p.retired.as_ref().map(|r| context! {
                on => lang.date(r.on),
                into => r.into.iter().map(|code| context! { code, href => link(code) }).collect::<Vec<_>>(),
            }),
            dated => when.said(lang, stale_days),
        },
    )
}

/// The headline cards of a unit (or the country's total): collected,
/// activated and used against their targets, and the eligible citizens.
fn cards(lang: Lang, p: &Progress) -> Vec<Card> {
    let words = lang.words();
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
            gap: target
                .map(|t| t.value - p.count(m))
                .filter(|g| *g > 0)
                .map(|g| format!("{}: {}", words["gap"], lang.number(g))),
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
        gap: None,
        // The eligible citizens no application has reached yet (what is
        // left of the target is on the collection card's gap).
        note: Some(format!(
            "{}: {}",
            words["not_collected"],
            lang.number((p.eligible - p.count(Metric::Collected)).max(0))
        )),
    });
    cards
}

/// A unit's overview page, keeping the day, the language and the map's
/// metric.
fn unit_link(code: &str, as_of: Day, lang: Lang, map: map::Choice) -> String {
    format!(
        "/units/{code}?as_of={as_of}&lang={}{}",
        lang.code(),
        map.query()
    )
}

/// The period report of the unit as of the day, as a download.
async fn report(
    State(s): State<Arc<AppState>>,
    caller: Caller,
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
        let built = Built::new(&*store, &caller.scope(), &code, as_of, &q, pdf)?;
        Ok::<_, ApiError>((built.bytes, code, built.as_of))
    })
    .await;
    let (bytes, code, as_of) = match built {
        Ok(Ok(x)) => x,
        Ok(Err(e)) => return error_page_in(lang, e),
        Err(e) => return error_page_in(lang, ApiError::from_join(e)),
    };
    download(&format!("bao-cao-{code}-{as_of}"), pdf, bytes)
}

/// A period report drawn for a page: the unit's as of the day (the last
/// with data when none is asked), over the period the query chooses.
pub(crate) struct Built {
    pub summary: phuxanh_report::summary::Summary,
    pub chosen: phuxanh_report::period::Chosen,
    pub as_of: Day,
    pub bytes: Vec<u8>,
}

impl Built {
    pub(crate) fn new(
        store: &dyn Store,
        scope: &Scope,
        code: &phuxanh_domain::UnitCode,
        as_of: Option<Day>,
        q: &HashMap<String, String>,
        pdf: bool,
    ) -> Result<Built, ApiError> {
        let as_of = When::read(store, scope, as_of)?.day;
        let chosen = crate::views::period(q, as_of)?
            .unwrap_or_default()
            .resolve(&store.campaigns(scope)?, as_of)
            .map_err(crate::views::period_error)?;
        let summary = phuxanh_report::summary::summary(store, scope, code, as_of, &chosen)
            .map_err(ApiError::from)?;
        let bytes = if pdf {
            summary.to_pdf(&store.settings().map_err(ApiError::from)?)
        } else {
            summary.to_xlsx()
        }
        .map_err(|e| ApiError::bug(format_args!("writing a report: {e}")))?;
        Ok(Built {
            summary,
            chosen,
            as_of,
            bytes,
        })
    }
}

/// A report's file as a download named `{name}.pdf` or `.xlsx`.
pub(crate) fn download(name: &str, pdf: bool, bytes: Vec<u8>) -> Response {
    let (kind, ext) = if pdf {
        ("application/pdf", "pdf")
    } else {
        (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        )
    };
    let disposition = format!("attachment; filename=\"{name}.{ext}\"");
    (
        [
            (header::CONTENT_TYPE, kind.to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response()
}
