//! Errors as the API answers them: a status code and
//! `{"error": {"code", "message", "field"?}}`.

use std::borrow::Cow;

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use phuxanh_store::StoreError;
use serde::Serialize;

/// What a busy answer tells the client to wait, in seconds.
const RETRY_AFTER_SECS: &str = "2";

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// The request field the error is about, if one.
    pub field: Option<Cow<'static, str>>,
}

#[derive(Serialize)]
struct Body<'a> {
    error: Inner<'a>,
}

#[derive(Serialize)]
struct Inner<'a> {
    code: &'a str,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'a str>,
}

/// The body of every error, as the OpenAPI document describes it.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // a description, never built
pub struct ErrorBody {
    error: ErrorDetail,
}

#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct ErrorDetail {
    /// `invalid` (400: the request breaks the document; `field` names what),
    /// `unauthorized` (401: no session or token, or one no longer good),
    /// `forbidden` or `out_of_scope` (403: the role or the unit subtree does
    /// not allow it), `not_found` or `unknown_unit` (404), `too_large` (413), `refused`
    /// (422), `internal` (500), `database` or `timeout` (503), …
    code: String,
    message: String,
    /// The request field the error is about, if one.
    field: Option<String>,
}

impl ApiError {
    /// A request parameter that does not parse.
    pub fn invalid(field: impl Into<Cow<'static, str>>, message: impl Into<String>) -> ApiError {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            code: "invalid",
            message: message.into(),
            field: Some(field.into()),
        }
    }

    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError {
            status: StatusCode::NOT_FOUND,
            code: "not_found",
            message: message.into(),
            field: None,
        }
    }

    /// No session or token, or one that is no longer good.
    pub fn unauthorized(message: impl Into<String>) -> ApiError {
        ApiError {
            status: StatusCode::UNAUTHORIZED,
            code: "unauthorized",
            message: message.into(),
            field: None,
        }
    }

    /// Signed in, but the role or the scope does not allow this.
    pub fn forbidden(message: impl Into<String>) -> ApiError {
        ApiError {
            status: StatusCode::FORBIDDEN,
            code: "forbidden",
            message: message.into(),
            field: None,
        }
    }

    pub fn internal(message: impl Into<String>) -> ApiError {
        ApiError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            code: "internal",
            message: message.into(),
            field: None,
        }
    }

    /// A bug (a panic) answered without saying more than that: the details
    /// go to the log, not to the client.
    pub fn bug(what: impl std::fmt::Display) -> ApiError {
        tracing::error!("{what}");
        ApiError::internal("internal error: the server failed to answer this request")
    }

    /// What a blocking task that did not finish (it panicked) answers.
    pub fn from_join(e: tokio::task::JoinError) -> ApiError {
        ApiError::bug(format_args!("a request's task failed: {e}"))
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        let (status, code) = match &e {
            StoreError::UnknownUnit(_) => (StatusCode::NOT_FOUND, "unknown_unit"),
            StoreError::UnknownTeam(_) => (StatusCode::NOT_FOUND, "unknown_team"),
            StoreError::OutOfScope(_) => (StatusCode::FORBIDDEN, "out_of_scope"),
            StoreError::NotInitialised
            | StoreError::SchemaVersion { .. }
            | StoreError::NewerSchema { .. } => (StatusCode::SERVICE_UNAVAILABLE, "database"),
            StoreError::Busy => (StatusCode::SERVICE_UNAVAILABLE, "busy"),
            _ => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        };
        if status == StatusCode::INTERNAL_SERVER_ERROR {
            // What went wrong inside stays in the log: the client learns
            // only that it did.
            return ApiError::bug(e);
        }
        ApiError {
            status,
            code,
            message: e.to_string(),
            field: None,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Body {
            error: Inner {
                code: self.code,
                message: &self.message,
                field: self.field.as_deref(),
            },
        };
        let mut response = (self.status, Json(body)).into_response();
        if self.code == "busy" {
            // Another writer holds the database: an import takes seconds
            // to minutes, a recorded event milliseconds.
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from_static(RETRY_AFTER_SECS),
            );
        }
        response
    }
}
