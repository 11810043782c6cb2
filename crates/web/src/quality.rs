//! Data quality (`/data-quality`): the events held until their
//! predecessors arrive, by unit and one by one, and the list as a
//! watermarked XLSX or PDF for those who may export it. Each event names a
//! citizen, so every showing and every file goes through
//! [`crate::personal::disclose`], and the ID numbers are masked for the
//! roles that do not need them whole.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::response::Response;
use minijinja::context;
use phuxanh_domain::{Instant, UnitCode};
use phuxanh_report::Report;
use phuxanh_store::Store;

use crate::auth::{Access, Caller};
use crate::contract::Rule;
use crate::dated::When;
use crate::lang::Lang;
use crate::pages::{Crumb, error_page_in, param, poll, render};
use crate::personal::{Disclosure, File, Use, disclose, watermark};
use crate::routes::Table;
use crate::{ApiError, AppState};

pub(crate) fn routes(t: Table) -> Table {
    t.get("/data-quality", Access::Persons, page)
        .get("/data-quality/held.xlsx", Access::Export, |s, c, q| {
            export(s, c, q, File::Xlsx)
        })
        .get("/data-quality/held.pdf", Access::Export, |s, c, q| {
            export(s, c, q, File::Pdf)
        })
}

/// Held events shown on the data-quality page at most.
const HELD_SHOWN: usize = 500;

/// `?unit=` and `?older_than_days=`, both optional.
fn asked(q: &HashMap<String, String>) -> Result<(Option<UnitCode>, Option<u32>), ApiError> {
    let unit = param::<UnitCode>(q, "unit", Rule::UnitCode)?;
    let older_than = match q.get("older_than_days").filter(|v| !v.is_empty()) {
        None => None,
        Some(v) => {
            Rule::Count
                .check(v)
                .map_err(|e| ApiError::invalid("older_than_days", e))?;
            // A checked count parses.
            v.parse::<u32>().ok()
        }
    };
    Ok((unit, older_than))
}

async fn page(
    State(s): State<Arc<AppState>>,
    caller: Caller,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let lang = Lang::from_query(&q);
    match shown(&s, &caller, &q, lang).await {
        Ok(page) => page,
        Err(e) => error_page_in(lang, e),
    }
}

async fn shown(
    s: &Arc<AppState>,
    caller: &Caller,
    q: &HashMap<String, String>,
    lang: Lang,
) -> Result<Response, ApiError> {
    let (code, older_than) = asked(q)?;
    let mut held = crate::api::held(s, caller, code.clone(), older_than).await?;
    let scope = caller.scope();
    let state = s.clone();
    let (generation, when) = tokio::task::spawn_blocking(move || {
        let store = state.pool.get();
        let when = When::read(&*store, &scope, None)?;
        Ok::<_, phuxanh_store::StoreError>((store.generation()?, when))
    })
    .await
    .map_err(ApiError::from_join)??;
    let mut by_unit: Vec<(String, i64)> = Vec::new();
    for e in &held.events {
        match by_unit.iter_mut().find(|(u, _)| *u == e.unit) {
            Some((_, n)) => *n += 1,
            None => by_unit.push((e.unit.clone(), 1)),
        }
    }
    by_unit.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    held.events.truncate(HELD_SHOWN);
    disclose(
        s,
        Disclosure {
            caller,
            how: Use::View,
            list: "data-quality",
            unit: code.as_ref(),
            count: held.events.len(),
        },
    )
    .await?;
    let words = lang.words();
    // The files take the same filter as the page.
    let filter: String = [
        code.as_ref().map(|c| format!("unit={c}")),
        older_than.map(|d| format!("older_than_days={d}")),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join("&");
    Ok(render(
        "quality.html",
        context! {
            lang => lang.code(),
            other_lang => lang.other().code(),
            page_name => words["quality"],
            t => words,
            crumbs => Vec::<Crumb>::new(),
            as_of => when.day.to_string(),
            dated => when.said(lang, s.stale_days),
            generation => generation,
            poll => poll(q),
            map_params => Vec::<(String, String)>::new(),
            unit => code.as_ref().map(|c| c.to_string()).unwrap_or_default(),
            older_than => older_than,
            total => lang.number(held.total as i64),
            by_unit => by_unit
                .iter()
                .map(|(code, n)| context! { code => code, count => lang.number(*n) })
                .collect::<Vec<_>>(),
            shown => format!(
                "{} {} / {}",
                words["held_shown"],
                lang.number(held.events.len() as i64),
                lang.number(held.total as i64)
            ),
            events => &held.events,
            exports => caller.role().exports_persons() && !held.events.is_empty(),
            filter => filter,
        },
    ))
}

async fn export(
    State(s): State<Arc<AppState>>,
    caller: Caller,
    Query(q): Query<HashMap<String, String>>,
    file: File,
) -> Response {
    let lang = Lang::from_query(&q);
    match exported(&s, &caller, &q, file).await {
        Ok(r) => r,
        Err(e) => error_page_in(lang, e),
    }
}

async fn exported(
    s: &Arc<AppState>,
    caller: &Caller,
    q: &HashMap<String, String>,
    file: File,
) -> Result<Response, ApiError> {
    let (code, older_than) = asked(q)?;
    let held = crate::api::held(s, caller, code.clone(), older_than).await?;
    disclose(
        s,
        Disclosure {
            caller,
            how: Use::Export,
            list: "data-quality",
            unit: code.as_ref(),
            count: held.events.len(),
        },
    )
    .await?;
    let now = Instant::now();
    let name = format!(
        "su-kien-cho-{}-{}",
        code.map_or_else(|| "tat-ca".to_string(), |c| c.to_string()),
        now.day()
    );
    crate::personal::attachment(
        held.sheet(),
        held.print_sheet(),
        watermark(caller, now),
        file,
        &name,
    )
    .await
}
