//! `phuxanh serve`: the dashboard pages (`/units/{code}`), the JSON API
//! under `/api/v1/` with the same shapes as the command line's `--format
//! json` (both build the same `phuxanh_report` structures from the live
//! counters), report downloads, and `/healthz`.
//!
//! SQLite calls block, so handlers run them on tokio's blocking pool, each
//! with a read connection from a small [`Pool`].

mod api;
mod cache;
mod error;
mod events;
mod lang;
mod map;
mod pages;
mod pool;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use axum::Router;
use axum::routing::get;

pub use error::ApiError;
pub use pool::Pool;

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
        api::campaigns,
        api::version,
        events::record
    )
)]
pub struct ApiDoc;

/// What every handler shares: read connections, and the one connection
/// that writes.
pub struct AppState {
    pub pool: Pool,
    pub writer: std::sync::Mutex<phuxanh_store_sqlite::SqliteStore>,
    /// Reads the data's generation, for the cache, and nothing else.
    generation: std::sync::Mutex<phuxanh_store_sqlite::SqliteStore>,
    cache: cache::Cache,
    /// Requests answered, by status class 1xx … 5xx.
    requests: [std::sync::atomic::AtomicU64; 5],
}

impl AppState {
    /// Connections to the database at `db`, which must exist.
    pub fn open(db: &Path) -> phuxanh_store::Result<AppState> {
        let pool = Pool::open(db, 4)?;
        let writer = phuxanh_store_sqlite::SqliteStore::open(db)?;
        let generation = phuxanh_store_sqlite::SqliteStore::open(db)?;
        Ok(AppState {
            pool,
            writer: std::sync::Mutex::new(writer),
            generation: std::sync::Mutex::new(generation),
            cache: cache::Cache::default(),
            requests: Default::default(),
        })
    }

    /// The data's current generation.
    pub fn generation(&self) -> phuxanh_store::Result<u64> {
        use phuxanh_store::Store;
        match self.generation.try_lock() {
            Ok(conn) => conn.generation(),
            // Busy: any pooled connection answers as well.
            Err(_) => self.pool.get().generation(),
        }
    }
}

/// The whole router, on a database.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/metrics", get(metrics))
        .merge(pages::routes())
        .nest(
            "/api/v1",
            api::routes()
                .layer(axum::middleware::from_fn_with_state(
                    state.clone(),
                    cache::layer,
                ))
                .route("/events", axum::routing::post(events::record))
                .route("/version", get(api::version))
                .route(
                    "/openapi.json",
                    get(|| async { axum::Json(<ApiDoc as utoipa::OpenApi>::openapi()) }),
                ),
        )
        .layer(axum::middleware::from_fn_with_state(state.clone(), count))
        .layer(
            tower_http::trace::TraceLayer::new_for_http()
                .make_span_with(
                    tower_http::trace::DefaultMakeSpan::new().level(tracing::Level::INFO),
                )
                .on_response(
                    tower_http::trace::DefaultOnResponse::new().level(tracing::Level::INFO),
                ),
        )
        .with_state(state)
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
         phuxanh_cache_misses_total {}\n",
        state.cache.hits.load(Relaxed),
        state.cache.misses.load(Relaxed)
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

/// Serves the database at `db` on `addr` until Ctrl-C or SIGTERM, then lets
/// the requests in flight finish.
pub async fn serve(db: &Path, addr: SocketAddr) -> Result<(), Box<dyn std::error::Error>> {
    let app = router(Arc::new(AppState::open(db)?));
    let listener = tokio::net::TcpListener::bind(addr).await?;
    tracing::info!(
        "serving {} on http://{}",
        db.display(),
        listener.local_addr()?
    );
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    tracing::info!("stopped");
    Ok(())
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
