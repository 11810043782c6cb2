//! Who is asking, and what they may do. [`authenticate`] runs before every
//! route: it finds the caller from a bearer token (machine clients) or the
//! session cookie (people), and attaches a [`Caller`]. Each route is
//! declared with an [`Access`] (routes.rs), and [`require`] refuses a
//! request without the caller, the role or — for a change — the CSRF token
//! it needs. Handlers take the [`Caller`] and pass its scope to every store
//! call: [`Caller::scope`] is the only place the server makes a scope.
//!
//! Answers: 401 without a good session or token (pages: to the sign-in
//! page); 403 when the role does not allow the route, a read-only token
//! tries a change, the CSRF token is missing, or the unit asked for lies
//! outside the caller's subtree (unit codes are public, so saying "not
//! yours" leaks nothing); 404 for a report or a citizen outside it, as
//! for one that does not exist.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use phuxanh_domain::{Instant, Role};
use phuxanh_store::Scope;
use phuxanh_store::access::{AccessStore, AuditRecord, SessionLimits, TOKEN_PREFIX, User};

use crate::{ApiError, AppState};

/// The cookie that holds a session's secret.
pub const SESSION_COOKIE: &str = "phuxanh_session";
/// The header a script sends the CSRF token in; forms send a `csrf` field.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// A token's use is audited at most this often (seconds).
const TOKEN_USE_AUDIT_SECS: i64 = 3600;

/// What a route needs of its caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Access {
    /// Anyone: sign-in, static files, health, the API's document.
    Public,
    /// Anyone signed in: aggregate figures of their subtree.
    Signed,
    /// Roles that see persons (not viewers).
    Persons,
    /// Roles that record events (not viewers).
    Intake,
    /// Managers and administrators: targets, campaigns, reports.
    Manage,
    /// Roles that may export a personal list (managers, administrators).
    Export,
    /// Administrators: users, the audit log, the settings.
    Admin,
}

impl Access {
    pub fn allows(self, role: Role) -> bool {
        match self {
            Access::Public | Access::Signed => true,
            Access::Persons => role.sees_persons(),
            Access::Intake => role.records_events(),
            Access::Manage => role.manages(),
            Access::Export => role.exports_persons(),
            Access::Admin => role == Role::Admin,
        }
    }
}

/// How the caller proved who they are.
#[derive(Clone, Debug)]
pub enum Via {
    /// A browser's session; changes must carry `csrf`.
    Session { secret: String, csrf: String },
    /// An API token.
    Token { read_only: bool },
}

/// The signed-in user of a request.
#[derive(Clone, Debug)]
pub struct Caller {
    pub user: User,
    pub via: Via,
    /// The client's address, as the audit log records it.
    pub address: Option<String>,
}

impl Caller {
    /// The units this caller may see: their user's subtree.
    pub fn scope(&self) -> Scope {
        self.user.scope()
    }

    pub fn role(&self) -> Role {
        self.user.role
    }

    /// What answers depend on besides the request: the role and the
    /// subtree (the cache's key holds it).
    pub fn view(&self) -> String {
        match &self.user.unit {
            Some(u) => format!("{}@{u}", self.user.role),
            None => self.user.role.to_string(),
        }
    }

    /// An audit entry by this caller.
    pub fn record(&self, action: &str) -> AuditRecord {
        AuditRecord::new(self.user.username.as_str(), action).address(self.address.clone())
    }

    pub fn csrf(&self) -> Option<&str> {
        match &self.via {
            Via::Session { csrf, .. } => Some(csrf),
            Via::Token { .. } => None,
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Caller, ApiError> {
        parts
            .extensions
            .get::<Caller>()
            .cloned()
            .ok_or_else(|| ApiError::unauthorized("sign in, or send `Authorization: Bearer TOKEN`"))
    }
}

impl<S: Send + Sync> axum::extract::OptionalFromRequestParts<S> for Caller {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        _: &S,
    ) -> Result<Option<Caller>, std::convert::Infallible> {
        Ok(parts.extensions.get::<Caller>().cloned())
    }
}

/// The client's address: the peer's, or with `--behind-proxy` the first
/// address of `X-Forwarded-For`.
pub fn client_address(request: &Request, behind_proxy: bool) -> Option<IpAddr> {
    if behind_proxy
        && let Some(ip) = request
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .and_then(|v| v.trim().parse().ok())
    {
        return Some(ip);
    }
    request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
}

/// A cookie's value from the `Cookie` headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The client's address, attached to every request (the sign-in's
/// throttle and the audit log use it).
#[derive(Clone, Debug)]
pub struct ClientAddress(pub Option<String>);

/// Why a credential was not accepted (said in the 401).
enum Refused {
    Token(&'static str),
    Session,
}

/// Finds the caller of every request and attaches it (or nothing).
pub async fn authenticate(
    State(state): State<Arc<AppState>>,
    mut request: Request,
    next: Next,
) -> Response {
    let address = client_address(&request, state.behind_proxy).map(|a| a.to_string());
    request
        .extensions_mut()
        .insert(ClientAddress(address.clone()));
    let bearer = request
        .headers()
        .get(header::AUTHORIZATION)
        .map(|v| v.to_str().unwrap_or("").to_string());
    let session = cookie(request.headers(), SESSION_COOKIE).map(str::to_string);
    let found = match (bearer, session) {
        (Some(auth), _) => token_caller(&state, &auth, address).await,
        (None, Some(secret)) => session_caller(&state, secret, address).await,
        (None, None) => Ok(None),
    };
    match found {
        Ok(Some(caller)) => {
            request.extensions_mut().insert(caller);
            next.run(request).await
        }
        Ok(None) => next.run(request).await,
        Err(Refused::Token(why)) => {
            ApiError::unauthorized(format!("the bearer token {why}")).into_response()
        }
        Err(Refused::Session) => {
            // An unknown, ended or expired session: go on as nobody, and
            // tell the browser to forget the cookie.
            let mut response = next.run(request).await;
            response
                .headers_mut()
                .append(header::SET_COOKIE, clear_cookie(state.secure_cookies));
            response
        }
    }
}

async fn token_caller(
    state: &Arc<AppState>,
    authorization: &str,
    address: Option<String>,
) -> Result<Option<Caller>, Refused> {
    let Some(secret) = authorization
        .strip_prefix("Bearer ")
        .map(str::trim)
        .filter(|s| s.starts_with(TOKEN_PREFIX))
    else {
        return Err(Refused::Token(
            "is not one of Phủ Xanh's: send `Authorization: Bearer pxt_…` (`phuxanh tokens create`)",
        ));
    };
    let found = match state.quick(|store| store.token(secret)) {
        Some(found) => found,
        None => {
            let (s, secret) = (state.clone(), secret.to_string());
            tokio::task::spawn_blocking(move || s.pool.get().token(&secret))
                .await
                .map_err(|_| Refused::Token("could not be checked"))?
        }
    }
    .map_err(|_| Refused::Token("could not be checked"))?;
    let Some((token, user)) = found else {
        return Err(Refused::Token("is unknown"));
    };
    let now = Instant::now();
    if token.revoked_at.is_some() {
        return Err(Refused::Token("was revoked"));
    }
    if !token.usable_at(now) {
        return Err(Refused::Token("has expired"));
    }
    if user.disabled {
        return Err(Refused::Token("belongs to a disabled user"));
    }
    let last = token.last_used_at.map_or(i64::MIN, Instant::unix_seconds);
    if now.unix_seconds().saturating_sub(last) >= phuxanh_store::access::TOUCH_SECS {
        let audit = now.unix_seconds().saturating_sub(last) >= TOKEN_USE_AUDIT_SECS;
        let record = AuditRecord::new(user.username.as_str(), "token.use")
            .subject(format!("token {} ({}…)", token.id, token.prefix))
            .address(address.clone());
        let s = state.clone();
        let id = token.id;
        // Noted off the request's path: a busy writer only delays it.
        tokio::task::spawn_blocking(move || {
            let Ok(mut w) = s.notes.try_lock() else {
                return; // noted by a request in a moment
            };
            match w.touch_token(id, now) {
                // Busy: the next request notes it.
                Err(e) => tracing::debug!("noting a token's use: {e}"),
                Ok(()) => {
                    if audit && let Err(e) = w.audit(&record) {
                        tracing::warn!("auditing a token's use: {e}");
                    }
                }
            }
        });
    }
    Ok(Some(Caller {
        user,
        via: Via::Token {
            read_only: token.read_only,
        },
        address,
    }))
}

async fn session_caller(
    state: &Arc<AppState>,
    secret: String,
    address: Option<String>,
) -> Result<Option<Caller>, Refused> {
    let now = Instant::now();
    let limits = state.session_limits;
    let found = match state.quick(|store| store.session(&secret, now, limits)) {
        Some(found) => found.ok(),
        None => {
            let (s, looked) = (state.clone(), secret.clone());
            tokio::task::spawn_blocking(move || s.pool.get().session(&looked, now, limits))
                .await
                .ok()
                .and_then(Result::ok)
        }
    }
    .flatten();
    let Some(session) = found else {
        return Err(Refused::Session);
    };
    if session.needs_touch(now) {
        let s = state.clone();
        let touched = secret.clone();
        tokio::task::spawn_blocking(move || {
            if let Ok(mut w) = s.notes.try_lock()
                && let Err(e) = w.touch_session(&touched, now)
            {
                tracing::debug!("noting a session's use: {e}");
            }
        });
    }
    Ok(Some(Caller {
        user: session.user,
        via: Via::Session {
            secret,
            csrf: session.csrf,
        },
        address,
    }))
}

/// The `Set-Cookie` of a new session.
pub fn session_cookie(secret: &str, secure: bool, limits: SessionLimits) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={secret}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{secure}",
        limits.absolute_secs
    ))
    .expect("a secret is URL-safe text")
}

/// The `Set-Cookie` that makes a browser forget its session.
pub fn clear_cookie(secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{secure}"
    ))
    .expect("fixed text")
}

/// Whether a method changes something.
pub fn changes(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// The largest form a page posts (the CSRF field is looked for in it).
const FORM_LIMIT: usize = 64 * 1024;

/// Refuses a request to a route of `access` that its caller may not make.
/// `api` says how to refuse: JSON, or a page (to the sign-in page when
/// nobody is signed in).
pub async fn require(access: Access, api: bool, request: Request, next: Next) -> Response {
    let refuse = |e: ApiError| {
        if api {
            e.into_response()
        } else {
            crate::pages::error_page(e)
        }
    };
    if changes(request.method()) && !same_origin(request.headers()) {
        return refuse(ApiError::forbidden(
            "this change comes from another site's page: it was refused",
        ));
    }
    if access == Access::Public {
        return next.run(request).await;
    }
    let Some(caller) = request.extensions().get::<Caller>().cloned() else {
        if api {
            return ApiError::unauthorized("sign in, or send `Authorization: Bearer TOKEN`")
                .into_response();
        }
        return to_sign_in(&request);
    };
    // A one-time password is changed before anything else in a browser
    // (a token was given on purpose, and asks nothing).
    if !api
        && caller.user.must_change
        && matches!(caller.via, Via::Session { .. })
        && request.uri().path() != "/password"
        && request.uri().path() != "/logout"
    {
        return Redirect::to("/password").into_response();
    }
    if !access.allows(caller.role()) {
        return refuse(ApiError::forbidden(format!(
            "a {} may not do this",
            caller.role()
        )));
    }
    if !changes(request.method()) {
        return next.run(request).await;
    }
    match &caller.via {
        Via::Token {
            read_only: true, ..
        } => refuse(ApiError::forbidden(
            "this token is read-only: changes need a token made without --read-only",
        )),
        Via::Token { .. } => next.run(request).await,
        Via::Session { csrf, .. } => match with_csrf(request, csrf).await {
            Ok(request) => next.run(request).await,
            Err(e) => refuse(e),
        },
    }
}

/// A change's `Origin` (or `Referer`), when sent, must be this server.
fn same_origin(headers: &HeaderMap) -> bool {
    let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) else {
        return true;
    };
    let from = headers
        .get(header::ORIGIN)
        .or_else(|| headers.get(header::REFERER))
        .and_then(|v| v.to_str().ok());
    match from {
        None => true,
        Some(from) => {
            let rest = from.split_once("://").map_or("", |(_, r)| r);
            rest.split('/').next() == Some(host)
        }
    }
}

/// The request, if it carries the session's CSRF token in the header or
/// in a form's `csrf` field (the body is read and put back).
async fn with_csrf(request: Request, csrf: &str) -> Result<Request, ApiError> {
    let missing =
        || ApiError::forbidden("the CSRF token is missing or wrong: reload the page and try again");
    if let Some(sent) = request.headers().get(CSRF_HEADER) {
        return if constant_eq(sent.as_bytes(), csrf.as_bytes()) {
            Ok(request)
        } else {
            Err(missing())
        };
    }
    let is_form = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Err(missing());
    }
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, FORM_LIMIT)
        .await
        .map_err(|_| ApiError {
            status: StatusCode::PAYLOAD_TOO_LARGE,
            code: "too_large",
            message: format!("a form may hold at most {} KiB", FORM_LIMIT / 1024),
            field: None,
        })?;
    let sent = form_urlencoded::parse(&bytes)
        .find(|(k, _)| k == "csrf")
        .map(|(_, v)| v.into_owned());
    match sent {
        Some(sent) if constant_eq(sent.as_bytes(), csrf.as_bytes()) => {
            Ok(Request::from_parts(parts, Body::from(bytes)))
        }
        _ => Err(missing()),
    }
}

fn constant_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// To the sign-in page, coming back here after.
fn to_sign_in(request: &Request) -> Response {
    let here = request
        .uri()
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_string();
    let next: String = form_urlencoded::byte_serialize(here.as_bytes()).collect();
    Redirect::to(&format!("/login?next={next}")).into_response()
}

/// Failed sign-ins per address: more than [`ADDRESS_FAILURES`] within
/// [`ADDRESS_WINDOW_SECS`] and the address must wait out the window.
#[derive(Default)]
pub struct Throttle {
    failures: Mutex<HashMap<String, (i64, u32)>>,
}

pub const ADDRESS_FAILURES: u32 = 20;
pub const ADDRESS_WINDOW_SECS: i64 = 15 * 60;

impl Throttle {
    /// Seconds the address must still wait, if it is held back.
    pub fn held(&self, address: &str, now: Instant) -> Option<i64> {
        let map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let &(since, n) = map.get(address)?;
        let left = since + ADDRESS_WINDOW_SECS - now.unix_seconds();
        (n >= ADDRESS_FAILURES && left > 0).then_some(left)
    }

    pub fn failed(&self, address: &str, now: Instant) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let t = now.unix_seconds();
        // Forget windows that ran out, so the map stays small.
        if map.len() > 10_000 {
            map.retain(|_, (since, _)| *since + ADDRESS_WINDOW_SECS > t);
        }
        let entry = map.entry(address.to_string()).or_insert((t, 0));
        if entry.0 + ADDRESS_WINDOW_SECS <= t {
            *entry = (t, 0);
        }
        entry.1 += 1;
    }

    pub fn succeeded(&self, address: &str) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        map.remove(address);
    }
}

tokio::task_local! {
    /// The caller of the request being answered, for the page header
    /// (who is signed in, the sign-out form's CSRF token). Data is never
    /// read from here: handlers take [`Caller`].
    pub static SIGNED_IN: Option<Caller>;
}

/// Runs the rest of the request with [`SIGNED_IN`] set.
pub async fn remember(request: Request, next: Next) -> Response {
    let caller = request.extensions().get::<Caller>().cloned();
    SIGNED_IN.scope(caller, next.run(request)).await
}

/// The signed-in caller, for the page header.
pub fn signed_in() -> Option<Caller> {
    SIGNED_IN.try_with(Clone::clone).ok().flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_reach_the_routes_their_access_allows() {
        assert!(Access::Signed.allows(Role::Viewer));
        assert!(!Access::Persons.allows(Role::Viewer));
        assert!(Access::Persons.allows(Role::Team));
        assert!(!Access::Manage.allows(Role::Team));
        assert!(Access::Manage.allows(Role::Manager));
        assert!(!Access::Admin.allows(Role::Manager));
        assert!(Access::Admin.allows(Role::Admin));
    }

    #[test]
    fn cookies_are_found_among_others() {
        let mut h = HeaderMap::new();
        h.append(
            header::COOKIE,
            HeaderValue::from_static("a=1; phuxanh_session=abc"),
        );
        assert_eq!(cookie(&h, SESSION_COOKIE), Some("abc"));
        assert_eq!(cookie(&h, "b"), None);
    }

    #[test]
    fn a_change_from_another_site_is_told_apart() {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static("phuxanh.local:8080"));
        assert!(same_origin(&h));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://phuxanh.local:8080"),
        );
        assert!(same_origin(&h));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("https://evil.example"),
        );
        assert!(!same_origin(&h));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://phuxanh.local:8080.evil"),
        );
        assert!(!same_origin(&h));
    }

    #[test]
    fn an_address_is_held_back_after_many_failures() {
        let t = Throttle::default();
        let now = Instant::from_unix_seconds(1_000_000);
        for _ in 0..ADDRESS_FAILURES {
            assert_eq!(t.held("1.2.3.4", now), None);
            t.failed("1.2.3.4", now);
        }
        assert!(t.held("1.2.3.4", now).is_some());
        assert_eq!(t.held("5.6.7.8", now), None);
        let later = Instant::from_unix_seconds(1_000_000 + ADDRESS_WINDOW_SECS);
        assert_eq!(t.held("1.2.3.4", later), None);
    }
}
