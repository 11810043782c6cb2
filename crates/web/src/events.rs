//! `POST /api/v1/events`: lifecycle events recorded one by one (or a few at
//! a time) by field teams' devices. The body is one event or an array, with
//! the columns of the events file; each is parsed by the same code as a file
//! row and imported atomically: all of the request's events, or none.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use phuxanh_domain::{Day, Event, Instant};
use phuxanh_ingest::{Record, parse_event};
use phuxanh_store::{ImportMode, Row, Scope, Store};
use serde::Serialize;
use serde_json::Value;

use crate::{ApiError, AppState};

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

#[derive(Serialize, utoipa::ToSchema)]
pub struct Recorded {
    pub applied: u64,
    pub unchanged: u64,
}

/// One event object's cells, in column order; numbers are taken as text.
fn cells(index: usize, v: &Value) -> Result<Vec<String>, ApiError> {
    let Value::Object(map) = v else {
        return Err(at(
            index,
            ApiError::invalid("body", "an event must be a JSON object"),
        ));
    };
    if let Some(unknown) = map.keys().find(|k| !COLUMNS.contains(&k.as_str())) {
        return Err(at(
            index,
            ApiError::invalid(
                "body",
                format!(
                    "unknown field '{unknown}'; the fields are {}",
                    COLUMNS.join(", ")
                ),
            ),
        ));
    }
    COLUMNS
        .iter()
        .map(|&name| match map.get(name) {
            None | Some(Value::Null) => Ok(String::new()),
            Some(Value::String(s)) => Ok(s.clone()),
            Some(Value::Number(n)) => Ok(n.to_string()),
            Some(_) => Err(at(
                index,
                ApiError::invalid(field_name(name), format!("{name} must be a string")),
            )),
        })
        .collect()
}

/// The static name of a column.
fn field_name(name: &str) -> &'static str {
    COLUMNS
        .iter()
        .find(|c| **c == name)
        .copied()
        .unwrap_or("body")
}

/// Says which event of an array an error is about.
fn at(index: usize, mut e: ApiError) -> ApiError {
    e.message = format!("event {index}: {}", e.message);
    e
}

/// A parse error `"column: reason"` as a 400 naming the column.
fn parse_error(index: usize, message: String) -> ApiError {
    let field = message
        .split_once(": ")
        .map(|(f, _)| field_name(f))
        .filter(|f| *f != "body")
        .unwrap_or("body");
    at(index, ApiError::invalid(field, message))
}

/// One event as `POST /api/v1/events` takes it (or an array of them).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // a description: the body is read as JSON and parsed like a file row
pub struct EventIn {
    event_id: String,
    /// The 12-digit personal identification number.
    citizen_id: String,
    /// collected, approved, rejected, activated or used.
    kind: String,
    /// 1 or 2.
    level: u8,
    /// RFC 3339, or local `YYYY-MM-DD HH:MM`.
    at: String,
    team_id: Option<String>,
    session_id: Option<String>,
    /// Required for a rejection.
    reason: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/events",
    request_body(content = Vec<EventIn>, description = "One event object or an array of them"),
    responses(
        (status = 200, description = "Recorded (an event sent before is unchanged)", body = Recorded),
        (status = 400, description = "A malformed event: the body names the field", body = crate::error::ErrorBody),
        (status = 422, description = "An event does not fit the lifecycle; none was recorded", body = crate::error::ErrorBody),
    ))]
pub async fn record(
    State(state): State<Arc<AppState>>,
    body: Bytes,
) -> Result<(StatusCode, Json<Recorded>), ApiError> {
    let value: Value = serde_json::from_slice(&body)
        .map_err(|e| ApiError::invalid("body", format!("the body is not JSON: {e}")))?;
    let items = match value {
        Value::Array(items) => items,
        one => vec![one],
    };
    if items.is_empty() {
        return Err(ApiError::invalid("body", "no events given"));
    }
    let positions: Vec<Option<usize>> = (0..COLUMNS.len()).map(Some).collect();
    let mut parsed: Vec<Vec<Event>> = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let cells = cells(i, item)?;
        let record = Record::from_cells(&positions, &cells);
        parsed.push(parse_event(&record, Day::today()).map_err(|e| parse_error(i, e))?);
    }
    let report = tokio::task::spawn_blocking(move || {
        let mut store = state.writer.lock().unwrap_or_else(|p| p.into_inner());
        let mut rows = parsed.into_iter().enumerate().map(|(i, events)| Row {
            line: i as u64,
            value: Ok(events),
        });
        store.import_events(
            &Scope::everything(),
            &mut rows,
            ImportMode::Atomic,
            Instant::now(),
        )
    })
    .await
    .map_err(|e| ApiError::internal(format!("recording failed: {e}")))??;
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
        }),
    ))
}
