//! The route table: every route is declared with the [`Access`] it needs,
//! and [`require`](crate::auth::require) enforces it before the handler
//! runs. The table also lists itself ([`RouteInfo`]), so that a test can
//! try every route as every role: a route added any other way is not
//! served (and `tests/access.rs` fails on a `.route(` outside this file).

use std::sync::Arc;

use axum::Router;
use axum::extract::Request;
use axum::handler::Handler;
use axum::middleware::Next;
use axum::routing::{MethodFilter, on};

use crate::AppState;
use crate::auth::{Access, require};

/// One route as the table declares it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct RouteInfo {
    pub method: &'static str,
    /// The full path pattern, `{code}` and the like for parameters.
    pub path: String,
    pub access: Access,
}

pub(crate) struct Table {
    router: Router<Arc<AppState>>,
    list: Vec<RouteInfo>,
    /// Where the table is nested (`/api/v1`), for the list.
    prefix: &'static str,
    /// Refusals as JSON (the API) or as pages.
    api: bool,
}

impl Table {
    pub fn pages() -> Table {
        Table {
            router: Router::new(),
            list: Vec::new(),
            prefix: "",
            api: false,
        }
    }

    pub fn api(prefix: &'static str) -> Table {
        Table {
            router: Router::new(),
            list: Vec::new(),
            prefix,
            api: true,
        }
    }

    fn add<H, T>(mut self, method: &'static str, path: &'static str, access: Access, h: H) -> Self
    where
        H: Handler<T, Arc<AppState>>,
        T: 'static,
    {
        let filter = match method {
            "GET" => MethodFilter::GET,
            "POST" => MethodFilter::POST,
            "PUT" => MethodFilter::PUT,
            other => unreachable!("no route uses {other}"),
        };
        let api = self.api;
        let route = on(filter, h).route_layer(axum::middleware::from_fn(
            move |request: Request, next: Next| require(access, api, request, next),
        ));
        self.router = self.router.route(path, route);
        self.list.push(RouteInfo {
            method,
            path: format!("{}{path}", self.prefix),
            access,
        });
        self
    }

    pub fn get<H: Handler<T, Arc<AppState>>, T: 'static>(
        self,
        path: &'static str,
        access: Access,
        h: H,
    ) -> Self {
        self.add("GET", path, access, h)
    }

    pub fn post<H: Handler<T, Arc<AppState>>, T: 'static>(
        self,
        path: &'static str,
        access: Access,
        h: H,
    ) -> Self {
        self.add("POST", path, access, h)
    }

    pub fn put<H: Handler<T, Arc<AppState>>, T: 'static>(
        self,
        path: &'static str,
        access: Access,
        h: H,
    ) -> Self {
        self.add("PUT", path, access, h)
    }

    pub fn into_parts(self) -> (Router<Arc<AppState>>, Vec<RouteInfo>) {
        (self.router, self.list)
    }
}
