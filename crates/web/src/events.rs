//! `POST /api/v1/events`: lifecycle events recorded one by one (or a few at
//! a time) by field teams' devices. The body is one event or an array, with
//! the columns of the events file; each is checked against the document's
//! schema (written here from the same rules: `contract`), parsed by the
//! same code as a file row, and imported atomically: all of the request's
//! events, or none.
//!
//! A body that breaks the schema is a 400 naming the field; one that keeps
//! to it but is refused (an unknown citizen, out of lifecycle order, an id
//! used with other content, a time in the future) is a 422. Bodies are at
//! most [`MAX_BODY_BYTES`] (413 past it), [`MAX_EVENTS`] events, and must
//! arrive within [`BODY_TIMEOUT`] (408).

use std::borrow::Cow;
use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::StatusCode;
use phuxanh_domain::{Day, Event, Instant};
use phuxanh_ingest::{Record, parse_event};
use phuxanh_store::access::AccessStore;
use phuxanh_store::{ImportMode, Row, Store, StoreError};
use serde::Serialize;
use serde_json::Value;
use utoipa::openapi::extensions::Extensions;
use utoipa::openapi::schema::{
    AdditionalProperties, ArrayBuilder, ObjectBuilder, OneOfBuilder, Schema, SchemaType, Type,
};
use utoipa::openapi::{Ref, RefOr};

use crate::auth::Caller;
use crate::contract::{CITIZEN_ID_RE, EVENT_ID_RE, NOT_BLANK_RE, Rule, SNAPSHOT_PREFIX, TIME_RE};
use crate::{ApiError, AppState};

/// The most bytes a request body may hold: 1 MiB.
pub const MAX_BODY_BYTES: usize = 1 << 20;
/// The most events one request may carry. With the fields' limits, that
/// many events written as JSON (even with every character escaped) stay
/// under [`MAX_BODY_BYTES`].
pub const MAX_EVENTS: usize = 200;
/// How long a client may take to send the body.
pub const BODY_TIMEOUT: Duration = Duration::from_secs(10);
/// The longest `team_id` and `session_id`, in characters.
const MAX_ID: usize = 64;
/// The longest `reason`, in characters.
const MAX_REASON: usize = 200;

/// The columns of the events file, in the order `parse_event` reads them.
const COLUMNS: [&str; 8] = [
    "event_id",
    "citizen_id",
    "kind",
    "level",
    "at",
    "team_id",
    "session_id",
    "reason",
];

/// The kinds of event but a rejection, which alone needs a reason.
const OTHER_KINDS: [&str; 4] = ["collected", "approved", "activated", "used"];

#[derive(Serialize, utoipa::ToSchema)]
pub struct Recorded {
    /// Events recorded.
    pub applied: u64,
    /// Events received before, identically.
    pub unchanged: u64,
    /// Events held until their predecessors arrive (`GET /api/v1/pending`).
    pub held: Vec<WaitingEvent>,
    /// Events held before that this request let through.
    pub released: u64,
}

/// An event of the request that waits for its predecessors.
#[derive(Serialize, utoipa::ToSchema)]
pub struct WaitingEvent {
    /// Its place in the request's array, from 0.
    pub event: u64,
    pub waiting_for: String,
}

/// Says which event of an array an error is about.
fn at(index: usize, mut e: ApiError) -> ApiError {
    e.message = format!("event {index}: {}", e.message);
    e
}

/// The static name of a column.
fn field_name(name: &str) -> &'static str {
    COLUMNS
        .iter()
        .find(|c| **c == name)
        .copied()
        .unwrap_or("body")
}

/// One event object's cells, in column order, checked against the schema.
fn cells(v: &Value) -> Result<Vec<String>, ApiError> {
    let Value::Object(map) = v else {
        return Err(ApiError::invalid("body", "an event must be a JSON object"));
    };
    if let Some(unknown) = map.keys().find(|k| !COLUMNS.contains(&k.as_str())) {
        return Err(ApiError::invalid(
            Cow::Owned(unknown.clone()),
            format!(
                "unknown field '{unknown}'; the fields are {}",
                COLUMNS.join(", ")
            ),
        ));
    }
    let invalid =
        |name: &'static str, why: String| ApiError::invalid(name, format!("{name}: {why}"));
    let text = |name: &'static str,
                required: bool,
                check: &dyn Fn(&str) -> Result<(), String>|
     -> Result<String, ApiError> {
        match map.get(name) {
            None | Some(Value::Null) if required => Err(invalid(name, "is required".into())),
            None | Some(Value::Null) => Ok(String::new()),
            Some(Value::String(s)) => check(s).map(|()| s.clone()).map_err(|e| invalid(name, e)),
            Some(_) => Err(invalid(name, "must be a string".into())),
        }
    };
    let pattern = |re: &'static crate::contract::Pattern, what: &'static str| {
        move |s: &str| {
            if re.matches(s) {
                Ok(())
            } else {
                Err(format!("'{s}' is not {what}"))
            }
        }
    };
    let event_id = text("event_id", true, &|s| {
        pattern(
            &EVENT_ID_RE,
            "1 to 64 printable ASCII characters, not beginning or ending with a space",
        )(s)?;
        if s.starts_with(SNAPSHOT_PREFIX) {
            return Err(format!(
                "'{s}' begins with '{SNAPSHOT_PREFIX}', which is reserved for the events a status snapshot implies"
            ));
        }
        Ok(())
    })?;
    let citizen = text(
        "citizen_id",
        true,
        &pattern(&CITIZEN_ID_RE, "a 12-digit personal identification number"),
    )?;
    let kind = text("kind", true, &|s| {
        Rule::OneOf(&["collected", "approved", "rejected", "activated", "used"]).check(s)
    })?;
    let level = match map.get("level") {
        Some(Value::Number(n)) if n.as_f64() == Some(1.0) => "1",
        Some(Value::Number(n)) if n.as_f64() == Some(2.0) => "2",
        None | Some(Value::Null) => return Err(invalid("level", "is required".into())),
        Some(other) => return Err(invalid("level", format!("{other} is not 1 or 2"))),
    };
    let time = text(
        "at",
        true,
        &pattern(
            &TIME_RE,
            "a time of 2020–2100: RFC 3339, or local 'YYYY-MM-DD HH:MM'",
        ),
    )?;
    let id_text = Rule::Text {
        min: 0,
        max: MAX_ID,
    };
    let team = text("team_id", false, &|s| id_text.check(s))?;
    let session = text("session_id", false, &|s| id_text.check(s))?;
    let reason = if kind == "rejected" {
        text("reason", true, &|s| {
            Rule::Text {
                min: 1,
                max: MAX_REASON,
            }
            .check(s)?;
            pattern(&NOT_BLANK_RE, "a reason: a rejection needs one")(s)
        })?
    } else {
        text("reason", false, &|s| {
            Rule::Text {
                min: 0,
                max: MAX_REASON,
            }
            .check(s)
        })?
    };
    Ok(vec![
        event_id,
        citizen,
        kind,
        level.into(),
        time,
        team,
        session,
        reason,
    ])
}

/// The body's events, each checked and parsed, or the first error.
fn parse(body: &[u8]) -> Result<Vec<Vec<Event>>, ApiError> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::invalid("body", format!("the body is not JSON: {e}")))?;
    let items = match value {
        Value::Array(items) => items,
        one => vec![one],
    };
    if items.is_empty() {
        return Err(ApiError::invalid("body", "no events given"));
    }
    if items.len() > MAX_EVENTS {
        return Err(ApiError::invalid(
            "body",
            format!(
                "{} events: send at most {MAX_EVENTS} per request",
                items.len()
            ),
        ));
    }
    let positions: Vec<Option<usize>> = (0..COLUMNS.len()).map(Some).collect();
    let mut parsed = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let cells = cells(item).map_err(|e| at(i, e))?;
        let record = Record::from_cells(&positions, &cells);
        // What the schema lets through parses; should anything not, it is
        // refused as content (422), not blamed on the client's shape.
        let events = parse_event(&record, Day::today()).map_err(|message| {
            let field = message
                .split_once(": ")
                .map_or("body", |(f, _)| field_name(f));
            at(
                i,
                ApiError {
                    status: StatusCode::UNPROCESSABLE_ENTITY,
                    code: "refused",
                    message,
                    field: Some(field.into()),
                },
            )
        })?;
        parsed.push(events);
    }
    Ok(parsed)
}

/// The body, at most [`MAX_BODY_BYTES`], within [`BODY_TIMEOUT`].
pub(crate) async fn read_body(body: Body) -> Result<Bytes, ApiError> {
    let read = tokio::time::timeout(BODY_TIMEOUT, axum::body::to_bytes(body, MAX_BODY_BYTES));
    match read.await {
        Ok(Ok(bytes)) => Ok(bytes),
        Ok(Err(e)) if too_long(&e) => Err(ApiError {
            status: StatusCode::PAYLOAD_TOO_LARGE,
            code: "too_large",
            message: format!(
                "the body is larger than 1 MiB ({MAX_BODY_BYTES} bytes): send at most {MAX_EVENTS} events per request"
            ),
            field: Some("body".into()),
        }),
        Ok(Err(e)) => Err(ApiError::invalid(
            "body",
            format!("the body could not be read: {e}"),
        )),
        Err(_) => Err(ApiError {
            status: StatusCode::REQUEST_TIMEOUT,
            code: "timeout",
            message: format!(
                "the body did not arrive within {} s",
                BODY_TIMEOUT.as_secs()
            ),
            field: Some("body".into()),
        }),
    }
}

/// Whether reading a body failed on its length limit.
fn too_long(e: &axum::Error) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(c) = cause {
        if c.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        cause = c.source();
    }
    false
}

/// One event as `POST /api/v1/events` takes it: a rejection (which needs a
/// reason) or another kind of event. The schema is built from the rules
/// [`cells`] checks.
pub struct EventIn;

impl utoipa::PartialSchema for EventIn {
    fn schema() -> RefOr<Schema> {
        let string = |pattern: &str, description: &str| {
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some(pattern))
                .description(Some(description))
        };
        let optional = |max: usize, description: &str| {
            ObjectBuilder::new()
                .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
                .max_length(Some(max))
                .description(Some(description))
        };
        let event = |title: &str, kinds: &[&str], reason: ObjectBuilder, needs_reason: bool| {
            let mut o = ObjectBuilder::new()
                .schema_type(Type::Object)
                .title(Some(title))
                .property(
                    "event_id",
                    string(
                        crate::contract::EVENT_ID,
                        "Unique across the campaign: 1 to 64 printable ASCII characters, not beginning with `snapshot:`",
                    )
                    .extensions(Some(Extensions::from_iter([(
                        "not",
                        serde_json::json!({ "pattern": format!("^{SNAPSHOT_PREFIX}") }),
                    )]))),
                )
                .property(
                    "citizen_id",
                    string(
                        &crate::contract::CITIZEN_ID,
                        "The 12-digit personal identification number: province-of-birth code, sex/century digit 0–5, 8 digits",
                    ),
                )
                .property(
                    "kind",
                    ObjectBuilder::new()
                        .schema_type(Type::String)
                        .enum_values(Some(kinds.iter().copied())),
                )
                .property(
                    "level",
                    ObjectBuilder::new()
                        .schema_type(Type::Integer)
                        .enum_values(Some([1, 2])),
                )
                .property(
                    "at",
                    string(
                        crate::contract::TIME,
                        "RFC 3339 (`2023-10-01T09:00:00+07:00`), or local `YYYY-MM-DD HH:MM[:SS]`, or a local day (midnight), in 2020–2100",
                    ),
                )
                .property("team_id", optional(MAX_ID, "The team that collected it"))
                .property("session_id", optional(MAX_ID, "The session it was collected at"))
                .property("reason", reason)
                .additional_properties(Some(AdditionalProperties::FreeForm(false)));
            for name in ["event_id", "citizen_id", "kind", "level", "at"] {
                o = o.required(name);
            }
            if needs_reason {
                o = o.required("reason");
            }
            o
        };
        OneOfBuilder::new()
            .item(event(
                "A rejection",
                &["rejected"],
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .min_length(Some(1))
                    .max_length(Some(MAX_REASON))
                    .pattern(Some(crate::contract::NOT_BLANK))
                    .description(Some("Why it was refused: required, not blank")),
                true,
            ))
            .item(event(
                "Another event",
                &OTHER_KINDS,
                optional(MAX_REASON, "A note"),
                false,
            ))
            .into()
    }
}

impl utoipa::ToSchema for EventIn {}

/// The body: one event, or an array of 1 to [`MAX_EVENTS`].
pub struct EventsBody;

impl utoipa::PartialSchema for EventsBody {
    fn schema() -> RefOr<Schema> {
        OneOfBuilder::new()
            .item(Ref::from_schema_name("EventIn"))
            .item(
                ArrayBuilder::new()
                    .items(Ref::from_schema_name("EventIn"))
                    .min_items(Some(1))
                    .max_items(Some(MAX_EVENTS)),
            )
            .examples([serde_json::json!({
                "event_id": "web-1",
                "citizen_id": "083309000004",
                "kind": "collected",
                "level": 1,
                "at": "2023-10-01 09:00",
                "team_id": "TCT9",
            })])
            .into()
    }
}

impl utoipa::ToSchema for EventsBody {
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        use utoipa::PartialSchema;
        schemas.push(("EventIn".into(), EventIn::schema()));
    }
}

#[utoipa::path(post, path = "/api/v1/events",
    request_body(content = EventsBody, description = "One event object or an array of 1 to 200; the body is at most 1 MiB"),
    responses(
        (status = 200, description = "Recorded, or held until the events before it arrive (an event sent before is unchanged)", body = Recorded),
        (status = 400, description = "The body breaks this document's schema: the error names the field", body = crate::error::ErrorBody),
        (status = 408, description = "The body did not arrive within 10 s", body = crate::error::ErrorBody),
        (status = 413, description = "The body is larger than 1 MiB", body = crate::error::ErrorBody),
        (status = 422, description = "An event is refused (unknown citizen, out of lifecycle order, an id used with other content, a time in the future); none was recorded", body = crate::error::ErrorBody),
        (status = 503, description = "The database is busy with another writer (an import); nothing was recorded: retry after the seconds of Retry-After", body = crate::error::ErrorBody),
    ))]
pub async fn record(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    body: Body,
) -> Result<(StatusCode, Json<Recorded>), ApiError> {
    let parsed = parse(&read_body(body).await?)?;
    let scope = caller.scope();
    let source = format!("api:{}", caller.user.username);
    let report = tokio::task::spawn_blocking(move || {
        let mut store = state.writer.lock().unwrap_or_else(|p| p.into_inner());
        let mut rows = parsed.into_iter().enumerate().map(|(i, events)| Row {
            line: i as u64,
            value: Ok(events),
        });
        let report = store.import_events(
            &scope,
            &mut rows,
            ImportMode::Atomic,
            Instant::now(),
            &source,
        )?;
        let recorded = report.applied + report.held.len() as u64;
        if recorded > 0 {
            store.audit(
                &caller
                    .record("events.record")
                    .count(i64::try_from(recorded).unwrap_or(i64::MAX)),
            )?;
        }
        Ok::<_, StoreError>(report)
    })
    .await
    .map_err(ApiError::from_join)??;
    if let Some(refusal) = report.refused.first() {
        return Err(ApiError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: "refused",
            message: format!("event {}: {}", refusal.line, refusal.reason),
            field: None,
        });
    }
    Ok((
        StatusCode::OK,
        Json(Recorded {
            applied: report.applied,
            unchanged: report.unchanged,
            held: report
                .held
                .into_iter()
                .map(|h| WaitingEvent {
                    event: h.line,
                    waiting_for: h.waiting_for,
                })
                .collect(),
            released: report.released,
        }),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The longest event the schema allows, written the longest way a
    /// JSON writer would (every non-ASCII character escaped, as Python's
    /// does: 12 bytes for one outside the BMP), times [`MAX_EVENTS`], fits
    /// in [`MAX_BODY_BYTES`]: a schema-valid body is never a 413.
    #[test]
    fn the_most_events_the_schema_allows_fit_in_the_body_limit() {
        let wide = |n: usize| "\u{1F600}".repeat(n);
        let event = serde_json::json!({
            "event_id": "\"".repeat(64),
            "citizen_id": "083309000004",
            "kind": "collected",
            "level": 1,
            "at": "2023-10-01T09:00:00.123456789+07:00",
            "team_id": wide(MAX_ID),
            "session_id": wide(MAX_ID),
            "reason": wide(MAX_REASON),
        });
        let escaped: usize = event
            .to_string()
            .chars()
            .map(|c| match c.len_utf16() {
                _ if c.is_ascii() => 1,
                1 => 6,
                _ => 12,
            })
            .sum();
        let body = MAX_EVENTS * (escaped + 1) + 1;
        assert!(body <= MAX_BODY_BYTES, "{body} bytes");
        // And the checks take that event.
        let cells = cells(&event).unwrap();
        assert_eq!(cells[0], "\"".repeat(64));
    }
}
