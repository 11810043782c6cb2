//! `POST /api/v1/sync`: what a team member's phone recorded, sent when it
//! has network. Every entry carries the phone's own id, so a retry — the
//! server applied a batch and the answer was lost — changes nothing and
//! gets the same answer; the phone's clock is compared with the server's
//! at that moment, and entries of a phone whose clock is off, or timed in
//! the future, are kept and flagged instead of counted on a wrong day; an
//! entry for a stage someone else recorded meanwhile is a conflict, shown
//! and not overwritten. Every entry is answered: recorded, unchanged, held
//! (waiting for its predecessor), conflict, refused or flagged.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use phuxanh_domain::field::{CLOCK_SKEW_SECS, Outcome, Visit};
use phuxanh_domain::{CitizenId, Event, EventId, EventKind, Firsts, Instant, Level, Metric};
use phuxanh_store::access::AccessStore;
use phuxanh_store::{DeviceSync, ImportMode, IntakeEntry, Row, Store, VisitsFrom};
use serde::{Deserialize, Serialize};

use crate::auth::Caller;
use crate::{ApiError, AppState};

/// The most entries one sync may carry.
pub const MAX_ENTRIES: usize = 500;

/// A phone's sync.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SyncBody {
    /// The phone's own id (made once, kept in the browser).
    #[schema(min_length = 1, max_length = 64)]
    pub device: String,
    /// The phone's clock when it sent the batch (RFC 3339): compared with
    /// the server's to tell a wrong clock.
    pub sent_at: String,
    /// Entries the phone still holds after this batch.
    #[schema(value_type = u64, minimum = 0, maximum = 1000000)]
    #[serde(deserialize_with = "whole")]
    pub pending: u64,
    #[schema(max_items = 500)]
    pub entries: Vec<SyncEntry>,
}

/// One entry: an event (`kind`, `level`) or a visit (`outcome`).
#[derive(Deserialize, Serialize, utoipa::ToSchema, Clone)]
#[serde(deny_unknown_fields)]
pub struct SyncEntry {
    /// The phone's id for the entry: the event's or the visit's id.
    #[schema(min_length = 1, max_length = 64)]
    pub id: String,
    /// `event` or `visit`.
    #[serde(rename = "type")]
    #[schema(rename = "type", max_length = 16)]
    pub kind_of: String,
    /// The citizen's 12-digit ID, or instead `citizen_ref` (the `ref` a
    /// list gives, for those who see ID numbers masked).
    #[schema(max_length = 16)]
    pub citizen_id: Option<String>,
    #[schema(value_type = Option<u64>, minimum = 1, maximum = 9000000000000000i64)]
    #[serde(default, deserialize_with = "whole_opt")]
    pub citizen_ref: Option<u64>,
    /// For an event: `collected`, `activated` or `used`.
    #[schema(max_length = 16)]
    pub kind: Option<String>,
    /// For an event: 1 or 2.
    #[schema(value_type = Option<u8>, minimum = 1, maximum = 2)]
    #[serde(default, deserialize_with = "whole_opt")]
    pub level: Option<u64>,
    /// For a visit: `not-home`, `refused`, `no-smartphone`, `moved-away`…
    #[schema(max_length = 32)]
    pub outcome: Option<String>,
    /// When, by the phone's clock (RFC 3339).
    #[schema(max_length = 40)]
    pub at: String,
    /// The session it was recorded in.
    #[schema(max_length = 64)]
    pub session_id: Option<String>,
}

/// A whole number as JSON may write it (`2` or `2.0`, which JSON Schema
/// counts as the same integer).
fn to_whole(n: &serde_json::Number) -> Option<u64> {
    n.as_u64().or_else(|| {
        n.as_f64()
            .filter(|x| x.fract() == 0.0 && (0.0..=9.0e15).contains(x))
            .map(|x| x as u64)
    })
}

fn whole<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    let n = serde_json::Number::deserialize(d)?;
    to_whole(&n).ok_or_else(|| serde::de::Error::custom(format!("{n} is not a whole number")))
}

fn whole_opt<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    match Option::<serde_json::Number>::deserialize(d)? {
        None => Ok(None),
        Some(n) => to_whole(&n)
            .map(Some)
            .ok_or_else(|| serde::de::Error::custom(format!("{n} is not a whole number"))),
    }
}

/// What the document says of the body's shape, checked: a body that keeps
/// to it is answered entry by entry, one that does not is a 400.
fn check_shape(body: &SyncBody) -> Result<(), ApiError> {
    let length = |field: &str, value: &str, min: usize, max: usize| {
        let n = value.chars().count();
        if (min..=max).contains(&n) {
            Ok(())
        } else {
            Err(ApiError::invalid(
                field.to_string(),
                format!("{min} to {max} characters, not {n}"),
            ))
        }
    };
    length("device", &body.device, 1, 64)?;
    for e in &body.entries {
        length("entries.id", &e.id, 1, 64)?;
        length("entries.type", &e.kind_of, 0, 16)?;
        length(
            "entries.citizen_id",
            e.citizen_id.as_deref().unwrap_or(""),
            0,
            16,
        )?;
        if e.citizen_ref
            .is_some_and(|r| !(1..=9_000_000_000_000_000).contains(&r))
        {
            return Err(ApiError::invalid(
                "entries.citizen_ref",
                "1 to 9,000,000,000,000,000",
            ));
        }
        length("entries.kind", e.kind.as_deref().unwrap_or(""), 0, 16)?;
        length("entries.outcome", e.outcome.as_deref().unwrap_or(""), 0, 32)?;
        length("entries.at", &e.at, 0, 40)?;
        length(
            "entries.session_id",
            e.session_id.as_deref().unwrap_or(""),
            0,
            64,
        )?;
        if e.level.is_some_and(|l| !(1..=2).contains(&l)) {
            return Err(ApiError::invalid("entries.level", "1 or 2"));
        }
    }
    Ok(())
}

/// What became of one entry.
#[derive(Serialize, utoipa::ToSchema)]
pub struct EntryResult {
    pub id: String,
    /// `recorded`, `unchanged`, `held`, `conflict`, `refused` or `flagged`.
    pub status: String,
    pub reason: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Synced {
    /// The server's clock when the batch arrived.
    pub server_time: String,
    /// The phone's clock minus the server's, seconds; none when `sent_at`
    /// could not be read.
    pub skew_seconds: Option<i64>,
    /// The phone's clock is more than 10 minutes off: its entries are
    /// kept, flagged, and not counted until someone looks at them.
    pub clock_off: bool,
    pub results: Vec<EntryResult>,
}

/// An entry read, or why not.
enum Read {
    Event(Event),
    Visit(Visit),
}

fn read_entry(
    e: &SyncEntry,
    team: Option<&str>,
    by_ref: &HashMap<i64, CitizenId>,
) -> Result<Read, String> {
    let citizen = match (&e.citizen_id, e.citizen_ref) {
        (Some(id), None) => CitizenId::parse(id)?,
        (None, Some(r)) => *by_ref
            .get(&(r as i64))
            .ok_or_else(|| format!("citizen_ref {r} is not a citizen of your units"))?,
        _ => return Err("give citizen_id or citizen_ref, one of them".into()),
    };
    let at: Instant = e.at.parse().map_err(|err| format!("at: {err}"))?;
    let session = e
        .session_id
        .as_deref()
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().map_err(|err| format!("session_id: {err}")))
        .transpose()?;
    match e.kind_of.as_str() {
        "event" => {
            let kind: EventKind = e
                .kind
                .as_deref()
                .ok_or("kind is missing")?
                .parse()
                .map_err(|err| format!("kind: {err}"))?;
            if !matches!(
                kind,
                EventKind::Collected | EventKind::Activated | EventKind::Used
            ) {
                return Err(format!(
                    "kind: a phone records collections, activations and uses, not '{kind}'"
                ));
            }
            let level = e
                .level
                .ok_or("level is missing")
                .map(|n| u8::try_from(n).unwrap_or(0))
                .map(Level::from_number)??;
            let mut event = Event::new(EventId::parse(&e.id)?, citizen, kind, level, at);
            event.team_id = team.map(ToString::to_string);
            event.session_id = session.map(|s: phuxanh_domain::field::FieldCode| s.to_string());
            Ok(Read::Event(event))
        }
        "visit" => Ok(Read::Visit(Visit {
            id: e.id.parse()?,
            citizen,
            outcome: e
                .outcome
                .as_deref()
                .ok_or("outcome is missing")?
                .parse::<Outcome>()?,
            at,
            team: team.and_then(|t| t.parse().ok()),
            session,
            note: None,
        })),
        other => Err(format!("type '{other}' is not event or visit")),
    }
}

/// Whether the stage `event` records is already recorded for a citizen of
/// these first days (by someone else: the same event would be unchanged).
fn already(firsts: &Firsts, event: &Event) -> bool {
    let metric = match (event.kind, event.level) {
        (EventKind::Collected, Level::Two) => Metric::CollectedL2,
        (EventKind::Collected, Level::One) => Metric::Collected,
        (EventKind::Activated, Level::Two) => Metric::ActivatedL2,
        (EventKind::Activated, Level::One) => Metric::Activated,
        (EventKind::Used, _) => Metric::Used,
        _ => return false,
    };
    firsts.get(metric).is_some()
}

#[utoipa::path(post, path = "/api/v1/sync",
    request_body(content = SyncBody, description = "A phone's batch: at most 500 entries; the body is at most 1 MiB"),
    responses(
        (status = 200, description = "Every entry answered: recorded, unchanged (sent before), held (waiting for its predecessor), conflict (someone recorded that stage meanwhile: not overwritten), refused (with the reason), or flagged (timed in the future, or the phone's clock is off: kept, not counted). A retry of a batch changes nothing", body = Synced),
        (status = 400, description = "The body breaks this document's schema: the error names the field", body = crate::error::ErrorBody),
        (status = 408, description = "The body did not arrive within 10 s", body = crate::error::ErrorBody),
        (status = 413, description = "The body is larger than 1 MiB", body = crate::error::ErrorBody),
        (status = 503, description = "The database is busy with another writer (an import): retry after the seconds of Retry-After", body = crate::error::ErrorBody),
    ))]
pub async fn sync(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    body: Body,
) -> Result<Json<Synced>, ApiError> {
    let bytes = crate::events::read_body(body).await?;
    let body: SyncBody = serde_json::from_slice(&bytes)
        .map_err(|e| ApiError::invalid("body", format!("not a sync: {e}")))?;
    check_shape(&body)?;
    if body.pending > 1_000_000 {
        return Err(ApiError::invalid("pending", "at most 1,000,000"));
    }
    if body.entries.len() > MAX_ENTRIES {
        return Err(ApiError::invalid(
            "entries",
            format!("at most {MAX_ENTRIES} entries a sync"),
        ));
    }
    let now = Instant::now();
    let skew = body
        .sent_at
        .parse::<Instant>()
        .ok()
        .map(|t| t.unix_seconds() - now.unix_seconds());
    let clock_off = skew.is_none_or(|s| s.abs() > CLOCK_SKEW_SECS);
    let scope = caller.scope();
    let team = caller.user.team.clone();
    let username = caller.user.username.to_string();
    let results = tokio::task::spawn_blocking(move || {
        let mut store = state.writer.lock().unwrap_or_else(|p| p.into_inner());
        let ids: Vec<String> = body.entries.iter().map(|e| e.id.clone()).collect();
        let mut answers: HashMap<String, (String, Option<String>)> = store
            .intake_seen(&ids)?
            .into_iter()
            .map(|e| {
                let status = if e.status == "recorded" { "unchanged".into() } else { e.status };
                (e.id, (status, e.reason))
            })
            .collect();
        let mut logged = Vec::new();
        let mut events = Vec::new();
        let mut visits = Vec::new();
        let refs: Vec<i64> = body.entries.iter().filter_map(|e| e.citizen_ref).map(|r| r as i64).collect();
        let by_ref: HashMap<i64, CitizenId> = if refs.is_empty() {
            HashMap::new()
        } else {
            store.citizens_by_row(&scope, &refs)?.into_iter().collect()
        };
        let read: Vec<(usize, SyncEntry, Result<Read, String>)> = body
            .entries
            .iter()
            .enumerate()
            .filter(|(_, e)| !answers.contains_key(&e.id))
            .map(|(i, e)| (i, e.clone(), read_entry(e, team.as_deref(), &by_ref)))
            .collect();
        let citizens: Vec<CitizenId> = read
            .iter()
            .filter_map(|(_, _, r)| match r {
                Ok(Read::Event(e)) => Some(e.citizen),
                Ok(Read::Visit(v)) => Some(v.citizen),
                Err(_) => None,
            })
            .collect();
        let firsts: HashMap<CitizenId, Firsts> = store
            .firsts_of(&scope, &citizens)?
            .into_iter()
            .map(|(c, _, f)| (c, f))
            .collect();
        let mut status = |entry: &SyncEntry, citizen: Option<CitizenId>, at: Option<Instant>, s: &str, reason: Option<String>| {
            answers.insert(entry.id.clone(), (s.to_string(), reason.clone()));
            if let Some(citizen) = citizen {
                logged.push(IntakeEntry {
                    id: entry.id.clone(),
                    kind: if entry.kind_of == "visit" { "visit" } else { "event" },
                    citizen,
                    body: serde_json::to_string(entry).unwrap_or_default(),
                    phone_at: at.unwrap_or(now),
                    status: s.to_string(),
                    reason,
                });
            }
        };
        for (line, entry, r) in read {
            match r {
                Err(reason) => status(&entry, None, None, "refused", Some(reason)),
                Ok(Read::Event(e)) => match firsts.get(&e.citizen) {
                    None => status(&entry, None, None, "refused", Some(format!("citizen {} is not on the roster of your units", e.citizen))),
                    Some(_) if clock_off => status(&entry, Some(e.citizen), Some(e.at), "flagged", Some("clock".into())),
                    Some(_) if e.at.unix_seconds() > now.unix_seconds() + CLOCK_SKEW_SECS => {
                        status(&entry, Some(e.citizen), Some(e.at), "flagged", Some("future".into()))
                    }
                    Some(f) if already(f, &e) => status(
                        &entry,
                        Some(e.citizen),
                        Some(e.at),
                        "conflict",
                        Some(format!("{} was recorded for this citizen already, by another entry: nothing changed", e.kind)),
                    ),
                    Some(_) => events.push((line, entry, e)),
                },
                Ok(Read::Visit(v)) => visits.push((line, entry, v)),
            }
        }
        let source = format!("phone:{}", body.device);
        if !events.is_empty() {
            let mut rows = events.iter().map(|(line, _, e)| Row { line: *line as u64, value: Ok(vec![e.clone()]) });
            let report = store.import_events(&scope, &mut rows, ImportMode::SkipInvalid, now, &source)?;
            for (line, entry, e) in &events {
                let line = *line as u64;
                let (s, reason) = if let Some(r) = report.refused.iter().find(|r| r.line == line) {
                    ("refused", Some(r.reason.clone()))
                } else if let Some(h) = report.held.iter().find(|h| h.line == line) {
                    ("held", Some(h.waiting_for.clone()))
                } else {
                    ("recorded", None)
                };
                status(entry, Some(e.citizen), Some(e.at), s, reason);
            }
        }
        if !visits.is_empty() {
            let mut rows = visits.iter().map(|(line, _, v)| Row { line: *line as u64, value: Ok(v.clone()) });
            let from = VisitsFrom { by: username.clone(), now, skew: Some(skew.unwrap_or(i64::MAX / 2)) };
            let report = store.import_visits(&scope, &mut rows, ImportMode::SkipInvalid, &from)?;
            for (line, entry, v) in &visits {
                let line = *line as u64;
                let (s, reason) = if let Some(r) = report.import.refused.iter().find(|r| r.line == line) {
                    ("refused", Some(r.reason.clone()))
                } else if let Some((_, flag)) = report.flagged.iter().find(|(l, _)| *l == line) {
                    ("flagged", Some(flag.as_str().to_string()))
                } else {
                    ("recorded", None)
                };
                let citizen = (s != "refused" || firsts.contains_key(&v.citizen)).then_some(v.citizen);
                status(entry, citizen, Some(v.at), s, reason);
            }
        }
        let device = DeviceSync {
            device: body.device.clone(),
            username: username.clone(),
            team: team.clone(),
            at: now,
            skew: skew.unwrap_or(0),
            pending: body.pending,
        };
        let new = logged.len();
        store.log_intake(&device, &logged)?;
        if new > 0 {
            store.audit(&caller.record("intake.sync").subject(body.device.clone()).count(new as i64))?;
        }
        Ok::<_, phuxanh_store::StoreError>(
            body.entries
                .iter()
                .map(|e| {
                    let (status, reason) = answers.get(&e.id).cloned().unwrap_or(("refused".into(), None));
                    EntryResult { id: e.id.clone(), status, reason }
                })
                .collect::<Vec<_>>(),
        )
    })
    .await
    .map_err(ApiError::from_join)??;
    Ok(Json(Synced {
        server_time: now.to_rfc3339(),
        skew_seconds: skew,
        clock_off,
        results,
    }))
}

/// The field page's words: key, Vietnamese, English.
const WORDS: &[(&str, &str, &str)] = &[
    ("title", "Rà soát tại nhà", "Door to door"),
    ("people", "người", "people"),
    (
        "offline",
        "không có mạng: danh sách lưu trên máy",
        "offline: the list kept on the phone",
    ),
    ("online", "có mạng", "online"),
    (
        "no_list",
        "Chưa có danh sách trên máy: cần mạng để tải lần đầu.",
        "No list on the phone yet: it needs the network once.",
    ),
    ("sending", "Đang gửi…", "Sending…"),
    ("sent", "Đã gửi lúc", "Sent at"),
    (
        "waiting",
        "Chưa gửi được: sẽ gửi khi có mạng.",
        "Not sent yet: it will be when the network is back.",
    ),
    (
        "conflict",
        "Đã có người ghi trước",
        "Recorded by someone else",
    ),
    ("refused", "Không nhận", "Refused"),
    ("flagged", "Cần xem lại thời gian", "Time to check"),
    (
        "clock",
        "Đồng hồ điện thoại đang sai giờ: các mục vừa gửi được lưu nhưng chưa tính. Hãy chỉnh lại ngày giờ của máy.",
        "The phone's clock is wrong: the entries just sent are kept but not counted. Set the phone's date and time.",
    ),
    (
        "sign_in",
        "Phiên đăng nhập đã hết: đăng nhập lại để gửi (các mục vẫn được giữ trên máy).",
        "Signed out: sign in again to send (the entries stay on the phone).",
    ),
    ("pending", "Chờ gửi", "Waiting to be sent"),
    ("sync", "Gửi ngay", "Send now"),
    ("list", "Danh sách", "List"),
    (
        "find",
        "Tìm theo số định danh, tên hoặc hộ",
        "Find by ID, name or household",
    ),
    ("queue", "Các mục chờ gửi", "Entries waiting"),
    ("answers", "Cần chú ý", "To look at"),
    ("collected2", "Thu nhận mức 2", "Applied, level 2"),
    ("collected1", "Thu nhận mức 1", "Applied, level 1"),
    ("activated", "Đã kích hoạt", "Activated"),
    ("used", "Đã sử dụng", "Used"),
    ("dashboard", "Về trang đơn vị", "The unit's page"),
];

/// `/field`: the door-to-door page for a phone.
pub(crate) async fn page(
    State(s): State<Arc<AppState>>,
    caller: Caller,
    axum::extract::Query(q): axum::extract::Query<HashMap<String, String>>,
) -> axum::response::Response {
    use phuxanh_domain::field::WorklistKind;
    let lang = crate::lang::Lang::from_query(&q);
    // The caller's own unit; an administrator of everything picks one.
    let unit = match (&caller.user.unit, q.get("unit")) {
        (Some(u), _) => u.to_string(),
        (None, Some(u)) => u.clone(),
        (None, None) => {
            return crate::pages::error_page_in(
                lang,
                ApiError::invalid("unit", "an administrator opens /field?unit=CODE"),
            );
        }
    };
    let code = match crate::api::unit_code(&unit) {
        Ok(c) => c,
        Err(e) => return crate::pages::error_page_in(lang, e),
    };
    let scope = caller.scope();
    let named =
        tokio::task::spawn_blocking(move || s.pool.get().unit(&scope, &code).map(|u| u.name)).await;
    let unit_name = match named {
        Ok(Ok(n)) => n,
        Ok(Err(e)) => return crate::pages::error_page_in(lang, e.into()),
        Err(e) => return crate::pages::error_page_in(lang, ApiError::from_join(e)),
    };
    let w: HashMap<&str, &str> = WORDS
        .iter()
        .map(|&(k, v, e)| (k, lang.pick(v, e)))
        .collect();
    crate::pages::render(
        "field_phone.html",
        minijinja::context! {
            lang => lang.code(),
            w => w,
            unit => unit,
            unit_name => unit_name,
            team => caller.user.team.clone(),
            user => caller.user.username.to_string(),
            csrf => caller.csrf().unwrap_or_default(),
            kinds => WorklistKind::ALL.iter().map(|k| minijinja::context! {
                value => k.as_str(), name => lang.pick(k.vietnamese(), k.as_str()),
            }).collect::<Vec<_>>(),
            outcomes => Outcome::ALL.iter()
                .filter(|o| !matches!(o, Outcome::HelpedApply | Outcome::HelpedActivate | Outcome::HelpedUse))
                .map(|o| minijinja::context! {
                    value => o.as_str(), name => lang.pick(o.vietnamese(), o.as_str()),
                }).collect::<Vec<_>>(),
        },
    )
}

/// The field page as an installable app.
pub(crate) async fn manifest() -> axum::response::Response {
    use axum::response::IntoResponse;
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "application/manifest+json",
        )],
        include_str!("../static/field.webmanifest"),
    )
        .into_response()
}

/// The field page's service worker, at the site's root so that it may
/// look after `/field`.
pub(crate) async fn service_worker() -> axum::response::Response {
    use axum::response::IntoResponse;
    (
        [
            (
                axum::http::header::CONTENT_TYPE,
                "text/javascript; charset=utf-8",
            ),
            (axum::http::header::CACHE_CONTROL, "no-cache"),
        ],
        include_str!("../static/field-sw.js"),
    )
        .into_response()
}
