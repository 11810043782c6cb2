//! Personal data leaving the server. Every list of persons a page or the
//! API shows, and every export of one, goes through [`disclose`]: it is
//! audited (who, which unit, which list, how many people) and counted
//! against the user's daily limit, so that a stolen account cannot scrape
//! a province. The first refusal of a day alerts the administrators (an
//! audit entry the administrator's pages show). The command line is the
//! administrator's, on the machine that holds the database: it is not
//! limited.

use phuxanh_domain::{Day, Instant, UnitCode};
use phuxanh_store::access::{AccessStore, AuditQuery};
use phuxanh_store_sqlite::SqliteStore;

use crate::auth::Caller;
use crate::{ApiError, AppState};

/// Personal records a user may view or export in a day (Vietnam time),
/// unless `serve --personal-limit` says otherwise: a commune's worklists
/// several times over, not a district's roster.
pub const DAILY_LIMIT: i64 = 20_000;

/// How the persons leave: shown on a page or an API answer, or exported
/// to a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Use {
    View,
    Export,
}

impl Use {
    fn action(self) -> &'static str {
        match self {
            Use::View => "personal.view",
            Use::Export => "personal.export",
        }
    }
}

/// A list of persons about to be shown to a caller.
pub(crate) struct Disclosure<'a> {
    pub caller: &'a Caller,
    pub how: Use,
    /// The list's name, as the audit log records it (`pending`).
    pub list: &'a str,
    pub unit: Option<&'a UnitCode>,
    pub count: usize,
}

/// Audits the disclosure, or refuses it (429) when it would take the
/// caller past their daily limit. An empty list shows nobody and is not
/// recorded.
pub(crate) async fn disclose(
    s: &std::sync::Arc<AppState>,
    d: Disclosure<'_>,
) -> Result<(), ApiError> {
    if d.count == 0 {
        return Ok(());
    }
    let caller = d.caller.clone();
    let (how, list, unit, count) = (d.how, d.list.to_string(), d.unit.cloned(), d.count);
    let state = s.clone();
    tokio::task::spawn_blocking(move || {
        let mut w = state.writer.lock().unwrap_or_else(|p| p.into_inner());
        check_and_record(
            &mut w,
            state.personal_limit,
            &caller,
            how,
            &list,
            unit.as_ref(),
            count,
        )
    })
    .await
    .map_err(ApiError::from_join)?
}

fn check_and_record(
    w: &mut SqliteStore,
    limit: i64,
    caller: &Caller,
    how: Use,
    list: &str,
    unit: Option<&UnitCode>,
    count: usize,
) -> Result<(), ApiError> {
    let actor = caller.user.username.as_str();
    let count = i64::try_from(count).unwrap_or(i64::MAX);
    let today = Day::today();
    let used = w.personal_records_since(actor, Instant::start_of(today))?;
    let with_unit = |r: phuxanh_store::access::AuditRecord| match unit {
        Some(u) => r.unit(u),
        None => r,
    };
    if used.saturating_add(count) > limit {
        // The first refusal of the day is the administrators' alert; the
        // later ones are recorded too, as refusals.
        let alerted = !w
            .audit_entries(&AuditQuery {
                from: Some(today),
                to: Some(today),
                actor: Some(actor.to_string()),
                action: Some(LIMIT_ACTION.into()),
                limit: Some(1),
                ..AuditQuery::default()
            })?
            .is_empty();
        let action = if alerted {
            "personal.refused"
        } else {
            LIMIT_ACTION
        };
        w.audit(
            &with_unit(caller.record(action))
                .subject(format!("{list}: {used} of {limit} used today"))
                .count(count),
        )?;
        return Err(ApiError {
            status: axum::http::StatusCode::TOO_MANY_REQUESTS,
            code: "personal_limit",
            message: format!(
                "this list names {count} people, and you have seen {used} of the {limit} \
                 a user may see in a day; narrow it to a smaller unit, or ask an \
                 administrator (they have been told)"
            ),
            field: None,
        });
    }
    w.audit(
        &with_unit(caller.record(how.action()))
            .subject(list)
            .count(count),
    )?;
    Ok(())
}

/// The audit action of a user's first refusal in a day: the alert.
pub(crate) const LIMIT_ACTION: &str = "personal.limit";

/// The users who reached their daily limit today, for the administrator's
/// pages: one sentence each.
pub(crate) fn alerts(store: &SqliteStore) -> phuxanh_store::Result<Vec<String>> {
    let today = Day::today();
    let entries = store.audit_entries(&AuditQuery {
        from: Some(today),
        to: Some(today),
        action: Some(LIMIT_ACTION.into()),
        ..AuditQuery::default()
    })?;
    Ok(entries
        .iter()
        .map(|e| {
            format!(
                "{} đã chạm giới hạn dữ liệu cá nhân trong ngày lúc {} ({}): kiểm tra xem có phải chính người đó không.",
                e.record.actor,
                e.at.clock(),
                e.record.subject
            )
        })
        .collect())
}

/// The files a list of persons is exported as.
#[derive(Clone, Copy, Debug)]
pub(crate) enum File {
    Xlsx,
    Pdf,
}

/// Who exported a list and when ([`phuxanh_report::render::watermark`]).
pub(crate) fn watermark(caller: &Caller, at: Instant) -> String {
    let who = format!(
        "{} ({}, {})",
        caller.user.username,
        caller.user.full_name,
        caller.role().vietnamese()
    );
    phuxanh_report::render::watermark(&who, at)
}

/// A list of persons as a file to download, `name` without its
/// extension: the sheet with `mark` on every page (the XLSX's header, the
/// PDF's foot), `print` the one that fits a portrait page. The caller has
/// disclosed it first.
pub(crate) async fn attachment(
    sheet: phuxanh_report::render::Sheet,
    print: phuxanh_report::render::Sheet,
    mark: String,
    file: File,
    name: &str,
) -> Result<axum::response::Response, ApiError> {
    use axum::http::header;
    use axum::response::IntoResponse;
    let (bytes, kind, ext) = tokio::task::spawn_blocking(move || {
        Ok::<_, phuxanh_report::RenderError>(match file {
            File::Xlsx => (
                sheet.to_xlsx_marked(&mark)?,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "xlsx",
            ),
            File::Pdf => (
                phuxanh_report::list_pdf(&print, &mark)?,
                "application/pdf",
                "pdf",
            ),
        })
    })
    .await
    .map_err(ApiError::from_join)?
    .map_err(|e| ApiError::internal(e.to_string()))?;
    Ok((
        [
            (header::CONTENT_TYPE, kind.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}.{ext}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}
