//! Issued reports in the dashboard: the button on a unit's page that
//! issues its period report (`POST /units/{code}/report/issue`, the same
//! report as the download, kept with its figures), the unit's archive
//! (`/units/{code}/reports`), one report as sent beside today's figures
//! (`/reports/{id}`) and its file as it was sent (`/reports/{id}/file`).
//! The JSON of the last two is in `api.rs`.
//!
//! There is no sign-in yet: anyone who reaches the server may issue
//! (issue 12's roles will keep the button to managers).

use std::collections::HashMap;
use std::sync::Arc;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use phuxanh_store::access::AccessStore;

use crate::auth::{Access, Caller};
use crate::routes::Table;
use minijinja::context;
use phuxanh_domain::UnitCode;
use phuxanh_report::issued::{self, Compared, Entry};
use phuxanh_store::{Scope, Store};

use crate::api::unit_code;
use crate::lang::Lang;
use crate::pages::{Built, Crumb, download, error_page_in, render};
use crate::{ApiError, AppState};

pub(crate) fn routes(t: Table) -> Table {
    t.post("/units/{code}/report/issue", Access::Manage, issue)
        .get("/units/{code}/reports", Access::Signed, archive)
        .get("/reports/{id}", Access::Signed, one)
        .get("/reports/{id}/file", Access::Signed, file)
}

/// A report's number in a path.
pub(crate) fn report_id(id: &str) -> Result<i64, ApiError> {
    id.parse::<i64>()
        .ok()
        .filter(|&n| n > 0 && id.bytes().all(|b| b.is_ascii_digit()))
        .ok_or_else(|| ApiError::not_found(format!("'{id}' is not the number of an issued report")))
}

/// The page's own words: key, Vietnamese, English.
const WORDS: &[(&str, &str, &str)] = &[
    ("archive", "Báo cáo đã ban hành", "Issued reports"),
    (
        "archive_intro",
        "Mỗi báo cáo được lưu nguyên như khi gửi, cùng số liệu của nó. Mở một báo cáo để xem số liệu khi ban hành bên cạnh số liệu hiện nay: dữ liệu đến sau có thể làm thay đổi số liệu của những ngày đã báo cáo.",
        "Each report is kept exactly as it was sent, with its figures. Open one to see its figures beside today's: data that arrived late can change the figures of days already reported.",
    ),
    (
        "none",
        "Chưa ban hành báo cáo nào cho đơn vị này.",
        "No report has been issued for this unit yet.",
    ),
    ("number", "Số", "No."),
    ("issued_at", "Ban hành lúc", "Issued at"),
    ("issued_by", "Người ban hành", "Issued by"),
    ("as_of", "Số liệu đến hết ngày", "Figures to the end of"),
    ("period", "Kỳ báo cáo", "Period"),
    ("file", "Tệp", "File"),
    ("report", "Báo cáo số", "Report no."),
    ("part", "Phần", "Part"),
    ("figure", "Chỉ số", "Figure"),
    ("sent", "Khi ban hành", "As sent"),
    ("now", "Hiện nay", "Now"),
    ("difference", "Chênh lệch", "Difference"),
    (
        "changed",
        "chỉ số đã thay đổi do dữ liệu đến sau hoặc chỉ tiêu thay đổi",
        "figures have changed since, by late data or changed targets",
    ),
    (
        "only_changed",
        "Chỉ hiện chỉ số thay đổi",
        "Only the figures that changed",
    ),
    ("all", "Hiện tất cả chỉ số", "Every figure"),
    (
        "download",
        "Tải tệp như khi gửi",
        "Download the file as sent",
    ),
    (
        "back",
        "Các báo cáo đã ban hành của đơn vị",
        "The unit's issued reports",
    ),
];

fn words(lang: Lang) -> HashMap<&'static str, &'static str> {
    WORDS
        .iter()
        .map(|&(k, v, e)| (k, lang.pick(v, e)))
        .collect()
}

/// The unit's ancestors and itself, for the breadcrumbs.
fn crumbs(store: &dyn Store, scope: &Scope, code: &UnitCode) -> Result<Vec<Crumb>, ApiError> {
    let mut out = crate::pages::crumbs(store, scope, code)?;
    let unit = store.unit(scope, code)?;
    out.push(Crumb {
        code: unit.code.to_string(),
        name: unit.name,
        link: true,
    });
    Ok(out)
}

fn page(
    template: &str,
    lang: Lang,
    title: &str,
    crumbs: Vec<Crumb>,
    href: &str,
    rest: minijinja::Value,
) -> Response {
    let sep = if href.contains('?') { '&' } else { '?' };
    render(
        template,
        context! {
            lang => lang.code(),
            other_lang => lang.other().code(),
            page_name => title,
            t => lang.words(),
            w => words(lang),
            crumbs => crumbs,
            as_of => "",
            map_params => Vec::<(String, String)>::new(),
            dated => None::<()>,
            lang_href => format!("{href}{sep}lang={}", lang.other().code()),
            ..rest
        },
    )
}

fn entry_view(e: &Entry, lang: Lang) -> minijinja::Value {
    let period = match &e.campaign {
        Some(c) => format!(
            "{} «{c}» ({}–{})",
            lang.pick("Đợt", "Campaign"),
            lang.date(e.period_from),
            lang.date(e.period_to)
        ),
        None => format!("{}–{}", lang.date(e.period_from), lang.date(e.period_to)),
    };
    context! {
        id => e.id,
        href => format!("/reports/{}?lang={}", e.id, lang.code()),
        issued_at => e.issued_at.replace('T', " ").chars().take(16).collect::<String>(),
        issued_by => e.issued_by.clone(),
        as_of => lang.date(e.as_of),
        period => period,
        format => e.format.to_uppercase(),
    }
}

async fn blocking<T: Send + 'static>(
    state: Arc<AppState>,
    f: impl FnOnce(&dyn Store) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(move || f(&*state.pool.get()))
        .await
        .map_err(ApiError::from_join)?
}

async fn archive(
    State(s): State<Arc<AppState>>,
    caller: Caller,
    Path(code): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let lang = Lang::from_query(&q);
    let code = match unit_code(&code) {
        Ok(c) => c,
        Err(e) => return error_page_in(lang, e),
    };
    let href = format!("/units/{code}/reports");
    let read = blocking(s, move |store| {
        let scope = caller.scope();
        let kept = store.issued_reports(&scope, &code)?;
        Ok((crumbs(store, &scope, &code)?, kept))
    })
    .await;
    match read {
        Ok((crumbs, kept)) => {
            let w = words(lang);
            let entries: Vec<_> = kept.iter().map(|r| entry_view(&r.into(), lang)).collect();
            page(
                "issued_list.html",
                lang,
                w["archive"],
                crumbs,
                &href,
                context! { entries => entries },
            )
        }
        Err(e) => error_page_in(lang, e),
    }
}

async fn one(
    State(s): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let lang = Lang::from_query(&q);
    let only_changed = q.get("changed").is_some_and(|v| v == "1");
    let id = match report_id(&id) {
        Ok(id) => id,
        Err(e) => return error_page_in(lang, e),
    };
    let read = blocking(s, move |store| {
        let scope = caller.scope();
        let (report, _) = store
            .issued_report(&scope, id)?
            .ok_or_else(|| ApiError::not_found(format!("no issued report number {id}")))?;
        let compared: Compared = issued::compared(store, &scope, &report)?;
        Ok((crumbs(store, &scope, &report.unit)?, compared))
    })
    .await;
    let (crumbs, compared) = match read {
        Ok(x) => x,
        Err(e) => return error_page_in(lang, e),
    };
    let w = words(lang);
    let rows: Vec<_> = compared
        .changes
        .iter()
        .filter(|c| !only_changed || c.changed)
        .map(|c| {
            context! {
                part => lang.text(&c.part),
                label => lang.text(&c.label),
                sent => c.sent.clone().unwrap_or_default(),
                now => c.now.clone().unwrap_or_default(),
                difference => c.difference.clone().unwrap_or_default(),
                changed => c.changed,
            }
        })
        .collect();
    let title = format!("{} {}", w["report"], compared.report.id);
    let href = format!(
        "/reports/{id}{}",
        if only_changed { "?changed=1" } else { "" }
    );
    page(
        "issued.html",
        lang,
        &title,
        crumbs,
        &href,
        context! {
            entry => entry_view(&compared.report, lang),
            unit => compared.report.unit.clone(),
            changed => compared.changed,
            only_changed => only_changed,
            rows => rows,
        },
    )
}

async fn file(
    State(s): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let lang = Lang::from_query(&q);
    let read = async {
        let id = report_id(&id)?;
        blocking(s, move |store| {
            store
                .issued_report(&caller.scope(), id)?
                .ok_or_else(|| ApiError::not_found(format!("no issued report number {id}")))
        })
        .await
    };
    match read.await {
        Ok((r, bytes)) => download(
            &format!("bao-cao-so-{}-{}-{}", r.id, r.unit, r.as_of),
            r.format == "pdf",
            bytes,
        ),
        Err(e) => error_page_in(lang, e),
    }
}

/// The issue form: the report's day, period and format, and who issues.
async fn issue(
    State(s): State<Arc<AppState>>,
    caller: Caller,
    Path(code): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let lang = Lang::from_query(&form);
    let done = async {
        let code = unit_code(&code)?;
        let as_of = crate::pages::day(&form, "as_of")?;
        let (pdf, format) = match form.get("format").map(String::as_str) {
            Some("pdf") | None => (true, "pdf"),
            Some("xlsx") => (false, "xlsx"),
            Some(other) => {
                return Err(ApiError::invalid(
                    "format",
                    format!("'{other}' is not pdf or xlsx"),
                ));
            }
        };
        let by = form
            .get("by")
            .map(|b| b.trim().to_string())
            .filter(|b| !b.is_empty())
            .unwrap_or_else(|| caller.user.full_name.clone());
        if by.chars().count() > 200 || by.chars().any(char::is_control) {
            return Err(ApiError::invalid(
                "by",
                "one line of at most 200 characters",
            ));
        }
        let state = s.clone();
        tokio::task::spawn_blocking(move || {
            let mut store = state.writer.lock().unwrap_or_else(|p| p.into_inner());
            let scope = caller.scope();
            let built = Built::new(&*store, &scope, &code, as_of, &form, pdf)?;
            let keep = issued::to_keep(
                &code,
                &built.summary,
                &built.chosen,
                format,
                built.bytes,
                by,
            );
            let id = store.issue_report(&scope, &keep)?.id;
            store.audit(
                &caller
                    .record("report.issue")
                    .unit(&code)
                    .subject(format!("report {id} ({format})")),
            )?;
            Ok::<_, ApiError>(id)
        })
        .await
        .map_err(ApiError::from_join)?
    };
    match done.await {
        Ok(id) => (
            StatusCode::SEE_OTHER,
            [(
                header::LOCATION,
                format!("/reports/{id}?lang={}", lang.code()),
            )],
        )
            .into_response(),
        Err(e) => error_page_in(lang, e),
    }
}
