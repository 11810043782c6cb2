//! `phuxanh serve`: the dashboard pages (`/units/{code}`), the JSON API
//! under `/api/v1/` with the same shapes as the command line's `--format
//! json` (both build the same `phuxanh_report` structures from the live
//! counters), report downloads, and `/healthz`.
//!
//! SQLite calls block, so handlers run them on tokio's blocking pool, each
//! with a read connection from a small [`Pool`].
//!
//! Limits: request headers must arrive within [`HEADER_READ_TIMEOUT`] (a
//! connection idle that long is closed too), a request is answered within
//! [`REQUEST_TIMEOUT`] or gets a 503, and the events body has its own limits
//! (events.rs). A panic in a handler is logged and answered with a plain
//! 500; it never takes a worker down or shows its message.

mod admin;
mod api;
mod auth;
mod briefing;
mod cache;
mod contract;
mod dated;
mod error;
mod events;
mod field;
mod intake;
mod issued;
mod lang;
mod map;
mod pages;
mod personal;
mod pool;
mod quality;
mod routes;
mod settings;
mod signin;
mod views;

use std::any::Any;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use tower_http::catch_panic::CatchPanicLayer;
use utoipa::openapi::{OpenApi, RefOr, ResponseBuilder};

pub use auth::Access;
pub use error::ApiError;
pub use personal::DAILY_LIMIT;
pub use pool::Pool;
pub use routes::RouteInfo;

/// The API's OpenAPI document, generated from the handlers' annotations.
#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "Phủ Xanh API",
        description = "The reads of the command line as JSON, and lifecycle events recorded one by one."
    ),
    paths(
        api::roots,
        api::unit,
        api::progress,
        api::compare,
        api::daily,
        api::ranking,
        api::completed,
        api::funnel,
        api::targets,
        api::history,
        api::contacts,
        field::teams_api,
        field::results_api,
        field::health_api,
        field::sessions_api,
        field::worklist_api,
        api::campaigns,
        api::pending,
        api::search,
        api::version,
        events::record,
        intake::sync,
        api::issued_reports,
        api::issued_report,
        settings::get_settings,
        settings::put_settings
    ),
    components(schemas(error::ErrorBody, settings::SettingsBody)),
    modifiers(&CommonResponses)
)]
pub struct ApiDoc;

/// Adds the answers every operation may give to the document: 400 where
/// it takes anything, 404 where it names a unit (in the path or a `unit`
/// parameter), 500 (a bug) and 503 (the
/// database is not ready, or the answer took longer than
/// [`REQUEST_TIMEOUT`]) everywhere; each with the error body.
struct CommonResponses;

impl utoipa::Modify for CommonResponses {
    fn modify(&self, doc: &mut OpenApi) {
        let error = |description: &str| {
            RefOr::T(
                ResponseBuilder::new()
                    .description(description)
                    .content(
                        "application/json",
                        utoipa::openapi::ContentBuilder::new()
                            .schema(Some(utoipa::openapi::Ref::from_schema_name("ErrorBody")))
                            .build(),
                    )
                    .build(),
            )
        };
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        doc.components
            .get_or_insert_with(Default::default)
            .add_security_scheme(
                "bearer",
                SecurityScheme::Http(
                    HttpBuilder::new()
                        .scheme(HttpAuthScheme::Bearer)
                        .description(Some(
                            "A token of `phuxanh tokens create` (`pxt_…`); browsers use the session cookie of /login instead",
                        ))
                        .build(),
                ),
            );
        let routes = route_list();
        for (path, item) in doc.paths.paths.iter_mut() {
            let ops = [
                ("GET", &mut item.get),
                ("POST", &mut item.post),
                ("PUT", &mut item.put),
            ];
            for (method, op) in ops {
                let Some(op) = op else { continue };
                let access = routes
                    .iter()
                    .find(|r| r.method == method && r.path == *path)
                    .map_or(Access::Signed, |r| r.access);
                if access != Access::Public {
                    op.security = Some(vec![utoipa::openapi::security::SecurityRequirement::new(
                        "bearer",
                        Vec::<String>::new(),
                    )]);
                    for (status, description) in [
                        (
                            "401",
                            "No token or session, or one that was revoked or has expired",
                        ),
                        (
                            "403",
                            "The caller's role, the unit subtree or a read-only token does not allow this",
                        ),
                    ] {
                        op.responses
                            .responses
                            .entry(status.to_string())
                            .or_insert_with(|| error(description));
                    }
                }
                let takes = op.parameters.as_ref().is_some_and(|p| !p.is_empty())
                    || op.request_body.is_some();
                let names_unit = path.contains("{code}")
                    || op.parameters.iter().flatten().any(|p| p.name == "unit");
                let mut add = |status: &str, description: &str, when: bool| {
                    if when {
                        op.responses
                            .responses
                            .entry(status.to_string())
                            .or_insert_with(|| error(description));
                    }
                };
                add(
                    "400",
                    "A parameter breaks this document (or is unknown): the error names it",
                    takes,
                );
                add("404", "No such unit (or campaign)", names_unit);
                add("500", "A bug: the server logged it", true);
                add(
                    "503",
                    "The database is not ready, or the answer took longer than 30 s",
                    true,
                );
            }
        }
    }
}

/// How long a client may take to send a request's headers, and how long a
/// kept-alive connection may stay idle.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a request may take to be answered.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// What every handler shares: read connections, and the one connection
/// that writes.
pub struct AppState {
    pub pool: Pool,
    pub writer: std::sync::Mutex<phuxanh_store_sqlite::SqliteStore>,
    /// Connections for one-row reads on the request's own thread: the
    /// data's generation (for the cache) and a bearer token's look-up
    /// ([`AppState::quick`]); as many as the runtime has worker threads.
    quick: Vec<std::sync::Mutex<phuxanh_store_sqlite::SqliteStore>>,
    cache: cache::Cache,
    /// Requests answered, by status class 1xx … 5xx.
    requests: [std::sync::atomic::AtomicU64; 5],
    /// Days without new data, while a campaign runs, before pages warn.
    pub stale_days: u32,
    /// Trust `X-Forwarded-For` and `X-Forwarded-Proto` (`--behind-proxy`).
    pub behind_proxy: bool,
    /// Mark the session cookie `Secure` (served over HTTPS).
    pub secure_cookies: bool,
    pub session_limits: phuxanh_store::access::SessionLimits,
    /// Personal records a user may view or export in a day.
    pub personal_limit: i64,
    /// Failed sign-ins per address.
    throttle: auth::Throttle,
    /// Notes the last use of sessions and tokens: best effort, on a
    /// connection of its own that never waits long for the database, so
    /// that an import holding it delays no request.
    notes: std::sync::Mutex<phuxanh_store_sqlite::SqliteStore>,
}

/// Days without new data during a campaign before the pages warn, unless
/// `serve --stale-days` says otherwise.
pub const STALE_DAYS: u32 = 3;

impl AppState {
    /// Connections to the database at `db`, which must exist.
    pub fn open(db: &Path) -> phuxanh_store::Result<AppState> {
        let pool = Pool::open(db, 4)?;
        let writer = phuxanh_store_sqlite::SqliteStore::open(db)?;
        let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
        let quick = (0..workers)
            .map(|_| phuxanh_store_sqlite::SqliteStore::open(db).map(std::sync::Mutex::new))
            .collect::<phuxanh_store::Result<_>>()?;
        let mut notes = phuxanh_store_sqlite::SqliteStore::open(db)?;
        notes.set_busy_timeout(Duration::from_millis(100))?;
        Ok(AppState {
            pool,
            writer: std::sync::Mutex::new(writer),
            quick,
            cache: cache::Cache::default(),
            requests: Default::default(),
            stale_days: STALE_DAYS,
            behind_proxy: false,
            secure_cookies: false,
            session_limits: Default::default(),
            personal_limit: personal::DAILY_LIMIT,
            throttle: Default::default(),
            notes: std::sync::Mutex::new(notes),
        })
    }

    /// The data's current generation.
    pub fn generation(&self) -> phuxanh_store::Result<u64> {
        use phuxanh_store::Store;
        self.quick(|conn| conn.generation())
            // All busy: any pooled connection answers as well.
            .unwrap_or_else(|| self.pool.get().generation())
    }

    /// `read` on a connection kept for one-row reads, here and now, when
    /// one is free: an indexed look-up takes microseconds, less than
    /// handing it to the blocking pool and back. `None` when all are busy.
    pub(crate) fn quick<T>(
        &self,
        read: impl FnOnce(&phuxanh_store_sqlite::SqliteStore) -> T,
    ) -> Option<T> {
        let conn = self.quick.iter().find_map(|c| c.try_lock().ok())?;
        Some(read(&conn))
    }
}

/// The route tables: the pages' and the API's, and what they list.
fn tables() -> (Router<Arc<AppState>>, Router<Arc<AppState>>, Vec<RouteInfo>) {
    use auth::Access::{Intake, Public, Signed};
    let pages = routes::Table::pages()
        .get("/healthz", Public, || async { "ok" })
        .get("/metrics", Public, metrics);
    let pages = pages::routes(pages);
    let pages = quality::routes(pages);
    let pages = settings::page_routes(pages);
    let pages = issued::routes(pages);
    let pages = field::page_routes(pages)
        .get("/field", Intake, intake::page)
        .get("/field.webmanifest", Public, intake::manifest)
        .get("/field-sw.js", Public, intake::service_worker);
    let pages = signin::routes(pages);
    let pages = admin::routes(pages);
    let api = api::routes(routes::Table::api("/api/v1"))
        .post("/events", Intake, events::record)
        .post("/sync", Intake, intake::sync)
        .get("/version", Signed, api::version)
        .get("/openapi.json", Public, openapi);
    let api = settings::api_routes(api);
    let api = field::api_routes(api);
    let (pages, mut list) = pages.into_parts();
    let (api, api_list) = api.into_parts();
    list.extend(api_list);
    (pages, api, list)
}

/// Every route the server answers, with the access it needs.
pub fn route_list() -> Vec<RouteInfo> {
    tables().2
}

/// The whole router, on a database.
pub fn router(state: Arc<AppState>) -> Router {
    let (pages, api, _) = tables();
    Router::new()
        .merge(guard_pages(pages))
        .fallback(pages::not_found)
        .nest("/api/v1", guard_api(api))
        .layer(axum::middleware::from_fn(auth::remember))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::authenticate,
        ))
        .layer(axum::middleware::from_fn(security_headers))
        .layer(axum::middleware::from_fn(deadline))
        .layer(axum::middleware::from_fn_with_state(state.clone(), count))
        .layer(
            tower_http::trace::TraceLayer::new_for_http()
                // The path, never the query: a search may name a person.
                .make_span_with(|request: &axum::extract::Request| {
                    tracing::info_span!(
                        "request",
                        method = %request.method(),
                        path = %request.uri().path(),
                    )
                })
                .on_response(
                    tower_http::trace::DefaultOnResponse::new().level(tracing::Level::INFO),
                ),
        )
        .with_state(state)
}

/// What every answer says about itself: scripts only from this site (the
/// pages have no inline script), never in a frame, no referrer to other
/// sites, no guessing of types; answers that depend on who asks are not
/// kept by browsers or proxies.
async fn security_headers(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    use axum::http::HeaderValue;
    // Outside authentication: whether the request carries credentials.
    let signed = request.headers().contains_key(header::AUTHORIZATION)
        || request.headers().contains_key(header::COOKIE);
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
             img-src 'self' data:; object-src 'none'; base-uri 'none'; \
             form-action 'self'; frame-ancestors 'none'",
        ),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    if signed && !h.contains_key(header::CACHE_CONTROL) {
        h.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("private, no-store"),
        );
    }
    response
}

/// The API's last resorts: a JSON 404 for a route it does not have, and a
/// plain JSON 500 for a handler's panic (logged with its message).
fn guard_api<S: Clone + Send + Sync + 'static>(api: Router<S>) -> Router<S> {
    api.fallback(|| async { ApiError::not_found("no such route") })
        .layer(CatchPanicLayer::custom(|panic: Box<dyn Any + Send>| {
            api_bug(&*panic).into_response()
        }))
}

/// A page's panic is a plain 500 page.
fn guard_pages<S: Clone + Send + Sync + 'static>(pages: Router<S>) -> Router<S> {
    pages.layer(CatchPanicLayer::custom(|panic: Box<dyn Any + Send>| {
        pages::error_page(api_bug(&*panic))
    }))
}

/// The OpenAPI document, written once.
async fn openapi() -> Response {
    static DOC: OnceLock<Bytes> = OnceLock::new();
    let doc = DOC.get_or_init(|| {
        let doc = <ApiDoc as utoipa::OpenApi>::openapi();
        Bytes::from(serde_json::to_vec(&doc).expect("the document serialises"))
    });
    ([(header::CONTENT_TYPE, "application/json")], doc.clone()).into_response()
}

/// A handler's panic, logged with its message, as the error answered.
fn api_bug(panic: &(dyn Any + Send)) -> ApiError {
    let message = panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(no message)");
    ApiError::bug(format_args!("a request panicked: {message}"))
}

/// Answers 503 when a request takes longer than [`REQUEST_TIMEOUT`].
async fn deadline(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    match tokio::time::timeout(REQUEST_TIMEOUT, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError {
            status: StatusCode::SERVICE_UNAVAILABLE,
            code: "timeout",
            message: format!(
                "the answer took longer than {} s",
                REQUEST_TIMEOUT.as_secs()
            ),
            field: None,
        }
        .into_response(),
    }
}

/// Counts requests by status class, for `/metrics`.
async fn count(
    axum::extract::State(state): axum::extract::State<Arc<AppState>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let response = next.run(request).await;
    let class = (response.status().as_u16() / 100).clamp(1, 5) as usize;
    state.requests[class - 1].fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    response
}

/// Prometheus text exposition of the server's counters.
async fn metrics(axum::extract::State(state): axum::extract::State<Arc<AppState>>) -> String {
    use std::fmt::Write;
    use std::sync::atomic::Ordering::Relaxed;
    let mut out = String::from(
        "# HELP phuxanh_http_requests_total HTTP requests answered, by status class.\n\
         # TYPE phuxanh_http_requests_total counter\n",
    );
    for (i, n) in state.requests.iter().enumerate() {
        let _ = writeln!(
            out,
            "phuxanh_http_requests_total{{status=\"{}xx\"}} {}",
            i + 1,
            n.load(Relaxed)
        );
    }
    let _ = write!(
        out,
        "# HELP phuxanh_cache_hits_total API answers served from the cache.\n\
         # TYPE phuxanh_cache_hits_total counter\n\
         phuxanh_cache_hits_total {}\n\
         # HELP phuxanh_cache_misses_total API answers computed.\n\
         # TYPE phuxanh_cache_misses_total counter\n\
         phuxanh_cache_misses_total {}\n\
         # HELP phuxanh_cache_bytes What the kept answers weigh, keys included.\n\
         # TYPE phuxanh_cache_bytes gauge\n\
         phuxanh_cache_bytes {}\n",
        state.cache.hits.load(Relaxed),
        state.cache.misses.load(Relaxed),
        state.cache.bytes()
    );
    if let Ok(g) = state.generation() {
        let _ = write!(
            out,
            "# HELP phuxanh_data_generation Committed changes to the data so far.\n\
             # TYPE phuxanh_data_generation gauge\n\
             phuxanh_data_generation {g}\n"
        );
    }
    out
}

/// How `serve` runs.
#[derive(Clone, Debug)]
pub struct ServeOptions {
    pub addr: SocketAddr,
    pub stale_days: u32,
    /// Behind a reverse proxy that terminates TLS: trust its
    /// `X-Forwarded-For` (the client's address) and mark cookies `Secure`.
    pub behind_proxy: bool,
    /// Personal records a user may view or export in a day.
    pub personal_limit: i64,
    /// HTTPS with this certificate chain and key (PEM files).
    pub tls: Option<Tls>,
}

impl ServeOptions {
    /// Plain HTTP on `addr`, with the defaults of `serve`.
    pub fn on(addr: SocketAddr) -> ServeOptions {
        ServeOptions {
            addr,
            stale_days: STALE_DAYS,
            behind_proxy: false,
            personal_limit: personal::DAILY_LIMIT,
            tls: None,
        }
    }
}

/// The certificate chain and private key `serve --tls-cert/--tls-key`
/// reads (PEM).
#[derive(Clone, Debug)]
pub struct Tls {
    pub cert: std::path::PathBuf,
    pub key: std::path::PathBuf,
}

impl Tls {
    /// The server's TLS setup (TLS 1.2 and 1.3, HTTP/1.1), or what is
    /// wrong with the files.
    pub fn acceptor(&self) -> Result<tokio_rustls::TlsAcceptor, String> {
        use tokio_rustls::rustls;
        use tokio_rustls::rustls::pki_types::pem::PemObject;
        use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
        let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&self.cert)
            .and_then(|c| c.collect())
            .map_err(|e| {
                format!(
                    "{}: not a PEM certificate chain ({e}); give the file your certificate authority issued, e.g. fullchain.pem",
                    self.cert.display()
                )
            })?;
        if certs.is_empty() {
            return Err(format!(
                "{}: holds no certificate (-----BEGIN CERTIFICATE-----)",
                self.cert.display()
            ));
        }
        let key = PrivateKeyDer::from_pem_file(&self.key).map_err(|e| {
            format!(
                "{}: not a PEM private key ({e}); give the key that goes with the certificate, e.g. privkey.pem",
                self.key.display()
            )
        })?;
        // aws-lc-rs: TLS 1.3 with the post-quantum hybrid key exchange
        // (X25519MLKEM768) first, the classic groups after it.
        let provider = std::sync::Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| e.to_string())?
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .map_err(|e| {
                format!(
                    "{} and {}: the key does not fit the certificate ({e})",
                    self.cert.display(),
                    self.key.display()
                )
            })?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(tokio_rustls::TlsAcceptor::from(std::sync::Arc::new(config)))
    }
}

/// Serves the database at `db` until Ctrl-C or SIGTERM, then lets the
/// requests in flight finish. An address other than the loopback is
/// refused while the database has no user: nobody could sign in, and the
/// server would be a door with no lock to fit.
pub async fn serve(db: &Path, options: ServeOptions) -> Result<(), Box<dyn std::error::Error>> {
    use phuxanh_store::access::AccessStore;
    let tls = options.tls.as_ref().map(Tls::acceptor).transpose()?;
    let state = AppState {
        stale_days: options.stale_days,
        behind_proxy: options.behind_proxy,
        secure_cookies: options.behind_proxy || tls.is_some(),
        personal_limit: options.personal_limit,
        ..AppState::open(db)?
    };
    if !options.addr.ip().is_loopback() && !state.pool.get().has_users()? {
        return Err(
            "the database has no users, so nobody could sign in: create an \
             administrator with `phuxanh users add NAME --role admin`, or serve on 127.0.0.1 only"
                .into(),
        );
    }
    let app = router(Arc::new(state));
    let listener = tokio::net::TcpListener::bind(options.addr).await?;
    tracing::info!(
        "serving {} on {}://{}",
        db.display(),
        if tls.is_some() { "https" } else { "http" },
        listener.local_addr()?
    );
    serve_on(listener, tls, app, HEADER_READ_TIMEOUT, shutdown_signal()).await;
    tracing::info!("stopped");
    Ok(())
}

/// Serves `app` on `listener` over HTTP/1 (inside TLS when `tls` is given)
/// until `shutdown`, then waits (up to 10 s) for the connections in
/// flight. Unlike `axum::serve`, it gives hyper a timer, so that a
/// connection that does not send its headers within `header_timeout` (or
/// stays idle that long, or does not finish its TLS handshake in that
/// time) is closed.
pub async fn serve_on(
    listener: tokio::net::TcpListener,
    tls: Option<tokio_rustls::TlsAcceptor>,
    app: Router,
    header_timeout: Duration,
    shutdown: impl std::future::Future<Output = ()>,
) {
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors, say: wait rather than spin.
                    tracing::warn!("accepting a connection: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let (stream, peer) = stream;
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let watcher = graceful.watcher();
        let tls = tls.clone();
        tokio::spawn(async move {
            match tls {
                None => connection(stream, peer, app, header_timeout, watcher).await,
                Some(tls) => match tokio::time::timeout(header_timeout, tls.accept(stream)).await {
                    Ok(Ok(stream)) => connection(stream, peer, app, header_timeout, watcher).await,
                    Ok(Err(e)) => tracing::debug!("a TLS handshake from {peer} failed: {e}"),
                    Err(_) => tracing::debug!("a TLS handshake from {peer} took too long"),
                },
            }
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(Duration::from_secs(10)) => {
            tracing::warn!("stopping with connections still open");
        }
    }
}

/// One client's connection, HTTP/1, until it closes or the server stops.
async fn connection<S>(
    stream: S,
    peer: SocketAddr,
    app: Router,
    header_timeout: Duration,
    watcher: hyper_util::server::graceful::Watcher,
) where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    use hyper_util::rt::{TokioIo, TokioTimer};
    // Each request knows its peer's address (sign-in throttle, audit).
    let service =
        hyper::service::service_fn(move |mut request: hyper::Request<hyper::body::Incoming>| {
            request
                .extensions_mut()
                .insert(axum::extract::ConnectInfo(peer));
            tower::ServiceExt::oneshot(app.clone(), request)
        });
    let connection = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout)
        .serve_connection(TokioIo::new(stream), service);
    if let Err(e) = watcher.watch(connection).await {
        tracing::debug!("a connection ended: {e}");
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down");
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::Request;
    use axum::routing::get;
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    async fn call(app: Router, uri: &str) -> (StatusCode, String, String) {
        let response = app
            .oneshot(Request::get(uri).body(Body::empty()).unwrap())
            .await
            .unwrap();
        let status = response.status();
        let kind = response.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .to_string();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        (status, kind, String::from_utf8(body.to_vec()).unwrap())
    }

    async fn boom() -> &'static str {
        panic!("the secret is 42")
    }

    #[tokio::test]
    async fn a_panic_is_a_plain_500_that_keeps_its_message_to_itself() {
        let api = guard_api(Router::new().route("/boom", get(boom)));
        let (status, kind, body) = call(api, "/boom").await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(kind, "application/json");
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["error"]["code"], "internal");
        assert!(!body.contains("42"), "{body}");
        let pages = guard_pages(Router::new().route("/boom", get(boom)));
        let (status, kind, body) = call(pages, "/boom").await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(kind.starts_with("text/html"), "{kind}");
        assert!(!body.contains("42"), "{body}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_request_that_takes_too_long_is_a_503() {
        let slow = Router::new()
            .route(
                "/slow",
                get(|| async {
                    tokio::time::sleep(REQUEST_TIMEOUT * 2).await;
                    "late"
                }),
            )
            .layer(axum::middleware::from_fn(deadline));
        let (status, _, body) = call(slow, "/slow").await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(body.contains("\"timeout\""), "{body}");
    }
}
