//! What the web tests share: the router on a database, called as an
//! administrator unless a request says who it is.

#![allow(dead_code)] // each test file uses its part

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::body::Body;
use axum::http::{HeaderValue, Request, StatusCode, header};
use http_body_util::BodyExt;
use phuxanh_domain::Role;
use phuxanh_domain::{Day, Instant};
use phuxanh_ingest::{
    FileKind, parse_citizen, parse_event, parse_session, parse_target, parse_team, parse_unit,
};
use phuxanh_store::access::{AccessStore, NewUser, hash_password};
use phuxanh_store::{Campaign, ImportMode, Scope, Store};
use phuxanh_store_sqlite::SqliteStore;
use phuxanh_web::{AppState, router};
use tower::ServiceExt;

/// A user `name` of `role` scoped to `unit`, and a token of theirs.
pub fn user_token(db: &Path, name: &str, role: Role, unit: Option<&str>) -> String {
    let mut store = SqliteStore::open(db).unwrap();
    let username = name.parse().unwrap();
    if store.user(&username).unwrap().is_none() {
        store
            .add_users(&[NewUser {
                username: username.clone(),
                full_name: format!("Người thử {name}"),
                role,
                unit: unit.map(|u| u.parse().unwrap()),
                team: None,
                phone: None,
                password_hash: hash_password(&"mật khẩu thử nghiệm".parse().unwrap()),
                must_change: false,
            }])
            .unwrap();
    }
    store.create_token(&username, None, false).unwrap().0
}

/// The router on `db`, each request without credentials of its own sent
/// with an administrator's token.
pub fn as_admin(db: &Path) -> axum::Router {
    let token = user_token(db, "tester", Role::Admin, None);
    let bearer = HeaderValue::from_str(&format!("Bearer {token}")).unwrap();
    router(Arc::new(AppState::open(db).unwrap())).layer(axum::middleware::map_request(
        move |mut request: Request<Body>| {
            let bearer = bearer.clone();
            async move {
                let h = request.headers_mut();
                if !h.contains_key(header::AUTHORIZATION) && !h.contains_key(header::COOKIE) {
                    h.insert(header::AUTHORIZATION, bearer);
                }
                request
            }
        },
    ))
}

pub fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/data")
        .join(name)
}

/// The hand-made Bến Tre of tests/data in `dir/api.db`, with more units
/// (CSV rows without the header) imported before it, its teams and
/// sessions, and a campaign.
pub fn fixture(dir: &Path, more: &str) -> PathBuf {
    let db = dir.join("api.db");
    let mut store = SqliteStore::open(&db).unwrap();
    store.init(&[], 14).unwrap();
    let today = Day::today();
    let all = Scope::everything();
    let units_file = dir.join("units.csv");
    std::fs::write(
        &units_file,
        std::fs::read_to_string(data("units.csv")).unwrap() + more,
    )
    .unwrap();
    let mut units = phuxanh_ingest::read(&units_file, FileKind::Units, parse_unit, today).unwrap();
    store
        .import_units(&all, &mut units, ImportMode::Atomic)
        .unwrap();
    let mut citizens = phuxanh_ingest::read(
        &data("citizens.csv"),
        FileKind::Citizens,
        parse_citizen,
        today,
    )
    .unwrap();
    store
        .import_citizens(&all, &mut citizens, ImportMode::Atomic)
        .unwrap();
    let mut events =
        phuxanh_ingest::read(&data("events.csv"), FileKind::Events, parse_event, today).unwrap();
    let r = store
        .import_events(
            &all,
            &mut events,
            ImportMode::Atomic,
            Instant::now(),
            "test",
        )
        .unwrap();
    assert!(r.committed, "{:?}", r.refused);
    let mut targets =
        phuxanh_ingest::read(&data("targets.csv"), FileKind::Targets, parse_target, today).unwrap();
    store
        .import_targets(
            &all,
            &mut targets,
            ImportMode::Atomic,
            "test",
            Instant::now(),
        )
        .unwrap();
    let mut teams =
        phuxanh_ingest::read(&data("teams.csv"), FileKind::Teams, parse_team, today).unwrap();
    store
        .import_teams(&all, &mut teams, ImportMode::Atomic)
        .unwrap();
    let mut sessions = phuxanh_ingest::read(
        &data("sessions.csv"),
        FileKind::Sessions,
        parse_session,
        today,
    )
    .unwrap();
    store
        .import_sessions(&all, &mut sessions, ImportMode::Atomic)
        .unwrap();
    store
        .add_campaign(
            &all,
            &Campaign {
                name: "Cao điểm".into(),
                from: "2023-09-01".parse().unwrap(),
                to: "2023-09-10".parse().unwrap(),
                unit: None,
            },
        )
        .unwrap();
    drop(store);
    db
}

/// Events held until their predecessors arrive (none has its collection):
/// an activation and a use (its id looks like a formula) for 079188000008,
/// of 28900 under Huyện Thạnh Phú, and an activation for 083309000004, of
/// 28800 under Huyện Ba Tri.
pub fn hold_events(dir: &Path, db: &Path) {
    let file = dir.join("held.csv");
    std::fs::write(
        &file,
        "event_id,citizen_id,kind,level,at\n\
         h1,079188000008,activated,1,2023-10-01 09:00\n\
         \"=HYPERLINK(\"\"http://x.example\"\",\"\"h2\"\")\",079188000008,used,1,2023-10-02 09:00\n\
         h3,083309000004,activated,1,2023-10-01 10:00\n",
    )
    .unwrap();
    let mut events =
        phuxanh_ingest::read(&file, FileKind::Events, parse_event, Day::today()).unwrap();
    let r = SqliteStore::open(db)
        .unwrap()
        .import_events(
            &Scope::everything(),
            &mut events,
            ImportMode::Atomic,
            Instant::now(),
            "held.csv",
        )
        .unwrap();
    assert!(r.committed && r.held.len() == 3, "{r:?}");
}

/// What a request got back, its body as text.
pub struct Answer {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
    pub bytes: Vec<u8>,
}

/// Sends `method uri` with `headers` and `body` to `app`.
pub async fn call(
    app: &axum::Router,
    method: &str,
    uri: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Answer {
    let mut request = Request::builder().method(method).uri(uri);
    for (k, v) in headers {
        request = request.header(*k, *v);
    }
    let response = app
        .clone()
        .oneshot(request.body(Body::from(body.to_string())).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    Answer {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
        bytes: bytes.to_vec(),
    }
}
