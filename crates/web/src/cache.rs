//! Answers to API reads, kept until the data changes. Every committed
//! change bumps the database's generation; a cached answer is served only
//! while the generation it was computed under is still current, so a cached
//! figure is never stale. The key is the whole request URI and today's date
//! (reads without `as_of` mean today).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body_util::BodyExt;
use phuxanh_domain::Day;

use crate::AppState;

/// At most this many answers are kept; past it the cache starts afresh.
const CAPACITY: usize = 4096;

#[derive(Default)]
pub struct Cache {
    entries: Mutex<HashMap<String, (u64, Bytes)>>,
    pub hits: AtomicU64,
    pub misses: AtomicU64,
}

impl Cache {
    fn get(&self, key: &str, generation: u64) -> Option<Bytes> {
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries
            .get(key)
            .filter(|(g, _)| *g == generation)
            .map(|(_, b)| b.clone())
    }

    fn put(&self, key: String, generation: u64, body: Bytes) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if entries.len() >= CAPACITY {
            entries.clear();
        }
        entries.insert(key, (generation, body));
    }
}

fn json(body: Bytes) -> Response {
    let mut response = Response::new(Body::from(body));
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// Serves a GET from the cache when it can, and fills the cache otherwise.
pub async fn layer(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    if request.method() != Method::GET {
        return next.run(request).await;
    }
    let key = format!("{} {}", Day::today(), request.uri());
    // A one-row read on a connection of its own: microseconds, so it runs
    // here rather than on the blocking pool.
    let generation = match state.generation() {
        Ok(g) => g,
        Err(_) => return next.run(request).await, // the handler reports the error
    };
    if let Some(body) = state.cache.get(&key, generation) {
        state.cache.hits.fetch_add(1, Ordering::Relaxed);
        return json(body);
    }
    state.cache.misses.fetch_add(1, Ordering::Relaxed);
    let response = next.run(request).await;
    if response.status() != StatusCode::OK {
        return response;
    }
    let (parts, body) = response.into_parts();
    match body.collect().await {
        Ok(collected) => {
            let bytes = collected.to_bytes();
            state.cache.put(key, generation, bytes.clone());
            Response::from_parts(parts, Body::from(bytes))
        }
        Err(e) => {
            tracing::error!("reading a response body: {e}");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}
