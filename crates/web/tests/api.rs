//! Every API route driven through the real router (`oneshot`), on the
//! hand-made Bến Tre fixture of `tests/data` (see the figures checked by
//! hand in crates/phuxanh/tests/cli.rs and analytics.rs). The JSON must be
//! what the command line prints.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use phuxanh_domain::Day;
use phuxanh_ingest::{FileKind, parse_contact};
use phuxanh_store::{Scope, Store};
use phuxanh_store_sqlite::SqliteStore;
use serde_json::Value;
use tower::ServiceExt;

use common::data;

/// The fixture in a database file, and the router on it.
fn app() -> (tempfile::TempDir, axum::Router) {
    app_with_units("")
}

/// The fixture with more units (CSV rows without the header) imported
/// before it.
fn app_with_units(more: &str) -> (tempfile::TempDir, axum::Router) {
    let dir = tempfile::tempdir().unwrap();
    let db = common::fixture(dir.path(), more);
    let app = common::as_admin(&db);
    (dir, app)
}

async fn get(app: &axum::Router, uri: &str) -> (StatusCode, Value) {
    let response = app
        .clone()
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let body = serde_json::from_slice(&bytes)
        .unwrap_or(Value::String(String::from_utf8_lossy(&bytes).into_owned()));
    (status, body)
}

#[tokio::test]
async fn healthz_answers() {
    let (_dir, app) = app();
    assert_eq!(
        get(&app, "/healthz").await,
        (StatusCode::OK, Value::String("ok".into()))
    );
}

#[tokio::test]
async fn progress_has_the_hand_checked_figures() {
    let (_dir, app) = app();
    let (status, v) = get(&app, "/api/v1/units/83/progress?as_of=2023-09-10").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(v["eligible"], 8);
    assert_eq!(v["counts"]["collected"], 6);
    assert_eq!(v["target_pct"]["collected"], 66.67);
    assert_eq!(v["projection"]["collected"]["status"], "on-track");
    let (_, v) = get(
        &app,
        "/api/v1/units/83/progress?as_of=2023-09-10&children=true",
    )
    .await;
    assert_eq!(v["unit"]["counts"]["collected"], 6);
    let children: Vec<&str> = v["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["unit"]["code"].as_str().unwrap())
        .collect();
    assert_eq!(children, ["836", "837"]);
}

#[tokio::test]
async fn units_list_the_tree() {
    let (_dir, app) = app();
    let (status, roots) = get(&app, "/api/v1/units").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(roots[0]["code"], "83");
    let (_, v) = get(&app, "/api/v1/units/837").await;
    assert_eq!(v["unit"]["name"], "Huyện Thạnh Phú");
    assert_eq!(v["unit"]["parent"], "83");
    assert_eq!(v["children"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn analytics_routes_answer_as_the_command_line() {
    let (_dir, app) = app();
    let (status, v) = get(
        &app,
        "/api/v1/units/83/compare?from=2023-09-01&to=2023-09-10",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(v["unit"]["growth_pct"]["collected"], 200.0);
    let (_, c) = get(
        &app,
        "/api/v1/units/83/compare?campaign=Cao%20%C4%91i%E1%BB%83m",
    )
    .await;
    assert_eq!(c["campaign"], "Cao điểm");
    assert_eq!(c["unit"], v["unit"]);
    let (_, v) = get(&app, "/api/v1/units/83/daily?date=2023-09-09").await;
    assert_eq!(
        (v["weekday"].as_str(), v["weekend"].as_bool()),
        (Some("Thứ Bảy"), Some(true))
    );
    let (_, v) = get(
        &app,
        "/api/v1/units/83/ranking?metric=collected&as_of=2023-08-26",
    )
    .await;
    assert_eq!(v["rows"][0]["unit"]["code"], "836");
    assert_eq!(v["rows"][0]["change"], 1);
    let (_, v) = get(
        &app,
        "/api/v1/units/83/ranking?metric=collected&as_of=2023-08-26&bottom=1",
    )
    .await;
    assert_eq!(v["rows"][0]["unit"]["code"], "837");
    let (_, v) = get(
        &app,
        "/api/v1/units/83/completed?metric=collected&as_of=2023-09-30",
    )
    .await;
    assert_eq!(v["rows"][0]["reached_on"], "2023-09-09");
    let (_, v) = get(&app, "/api/v1/units/83/funnel?as_of=2023-09-30").await;
    assert_eq!(v["unit"]["steps"]["activated_to_used"]["median_days"], 4.5);
    let (_, v) = get(&app, "/api/v1/units/83/targets").await;
    assert_eq!(v["targets"][0]["value"], "9");
    let (_, v) = get(&app, "/api/v1/campaigns").await;
    assert_eq!(v["campaigns"][0]["baseline"]["from"], "2023-08-22");
}

#[tokio::test]
async fn bad_requests_name_the_field_and_the_reason() {
    let (_dir, app) = app();
    let cases = [
        (
            "/api/v1/units/83/progress?as_of=2023-13-01",
            StatusCode::BAD_REQUEST,
            "as_of",
        ),
        (
            "/api/v1/units/83/progress?children=maybe",
            StatusCode::BAD_REQUEST,
            "children",
        ),
        (
            "/api/v1/units/83/ranking",
            StatusCode::BAD_REQUEST,
            "metric",
        ),
        (
            "/api/v1/units/83/ranking?metric=approved",
            StatusCode::BAD_REQUEST,
            "metric",
        ),
        (
            "/api/v1/units/83/ranking?metric=collected&level=hamlet",
            StatusCode::BAD_REQUEST,
            "level",
        ),
        (
            "/api/v1/units/83/ranking?metric=collected&top=3&bottom=2",
            StatusCode::BAD_REQUEST,
            "bottom",
        ),
        (
            "/api/v1/units/8%203/progress",
            StatusCode::BAD_REQUEST,
            "code",
        ),
        (
            "/api/v1/units/%2083/progress",
            StatusCode::BAD_REQUEST,
            "code",
        ),
        (
            "/api/v1/units/E%C3%A4/targets",
            StatusCode::BAD_REQUEST,
            "code",
        ),
        (
            "/api/v1/units/83/progress?as_of=2023-09-10&asof=2023-09-11",
            StatusCode::BAD_REQUEST,
            "asof",
        ),
        (
            "/api/v1/units/83/progress?as_of=2023-09-10&as_of=2023-09-11",
            StatusCode::BAD_REQUEST,
            "as_of",
        ),
        (
            "/api/v1/units/83/progress?as_of=",
            StatusCode::BAD_REQUEST,
            "as_of",
        ),
        (
            "/api/v1/units/83/progress?children=1",
            StatusCode::BAD_REQUEST,
            "children",
        ),
        (
            "/api/v1/units/83/ranking?metric=Collected",
            StatusCode::BAD_REQUEST,
            "metric",
        ),
        (
            "/api/v1/units/83/ranking?metric=collected&top=0",
            StatusCode::BAD_REQUEST,
            "top",
        ),
        (
            "/api/v1/units/83/compare?campaign=",
            StatusCode::BAD_REQUEST,
            "campaign",
        ),
        ("/api/v1/units?x=1", StatusCode::BAD_REQUEST, "x"),
    ];
    for (uri, status, field) in cases {
        let (got, v) = get(&app, uri).await;
        assert_eq!(got, status, "{uri}: {v}");
        assert_eq!(v["error"]["field"], field, "{uri}: {v}");
        assert!(!v["error"]["message"].as_str().unwrap().is_empty());
    }
    let (status, v) = get(&app, "/api/v1/units/99/progress").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(v["error"]["code"], "unknown_unit");
    let (status, v) = get(&app, "/api/v1/units/83/compare?campaign=none").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{v}");
    let (status, v) = get(&app, "/api/v1/no/such/route").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(v["error"]["code"], "not_found");
}

/// Every day a request names is checked, and so is every day computed from
/// one: out of range is a 400 naming the parameter, never a 500 (before,
/// `history?to=9999-12-31` panicked in the day arithmetic).
#[tokio::test]
async fn days_out_of_range_are_refused_naming_the_parameter() {
    let (_dir, app) = app();
    for (uri, field) in [
        ("/api/v1/units/83/history?to=9999-12-31", "to"),
        ("/api/v1/units/83/history?from=0000-01-01", "from"),
        (
            "/api/v1/units/83/history?from=1999-12-31&to=2000-01-10",
            "from",
        ),
        ("/api/v1/units/83/progress?as_of=2101-01-01", "as_of"),
        ("/api/v1/units/83/progress?as_of=2023-02-29", "as_of"),
        (
            "/api/v1/units/83/compare?from=1970-01-01&to=2100-12-31",
            "from",
        ),
        ("/api/v1/units/83/daily?date=9999-12-31", "date"),
        (
            "/api/v1/units/83/ranking?metric=used&as_of=9999-12-31",
            "as_of",
        ),
        (
            "/api/v1/units/83/completed?metric=used&as_of=0001-01-01",
            "as_of",
        ),
        ("/api/v1/units/83/funnel?as_of=%2B2023-01-01", "as_of"),
    ] {
        let (status, v) = get(&app, uri).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}: {v}");
        assert_eq!(v["error"]["code"], "invalid", "{uri}");
        assert_eq!(v["error"]["field"], field, "{uri}: {v}");
    }
    // The ends of the range themselves are answered, with the days computed
    // from them (a baseline of a century, 89 days of chart before 2000).
    for uri in [
        "/api/v1/units/83/history?to=2000-01-01",
        "/api/v1/units/83/history?from=2100-12-31",
        "/api/v1/units/83/compare?from=2000-01-01&to=2100-12-31",
        "/api/v1/units/83/progress?as_of=2100-12-31&children=true",
        "/api/v1/units/83/daily?date=2000-01-01",
        "/api/v1/units/83/ranking?metric=used&as_of=2000-01-01",
    ] {
        let (status, v) = get(&app, uri).await;
        assert_eq!(status, StatusCode::OK, "{uri}: {v}");
    }
    // The pages: a 400 page, not a 500.
    for uri in [
        "/units/83?as_of=9999-12-31",
        "/units/83/compare?as_of=9999-12-31",
        "/units/83/daily?date=0000-01-01",
        "/units/83/report?as_of=9999-12-31",
        "/?as_of=2101-01-01",
    ] {
        let (status, kind, body) = get_raw(&app, uri).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}");
        assert!(kind.starts_with("text/html"), "{uri}: {kind}");
        assert!(
            String::from_utf8(body).unwrap().contains("2100-12-31"),
            "{uri}"
        );
    }
    let (status, _, _) = get_raw(&app, "/units/83?as_of=2000-01-01").await;
    assert_eq!(status, StatusCode::OK);
}

/// Spans given the wrong way round are swapped, and left-out ends have
/// their defaults: the document cannot say "from before to", so the server
/// takes both orders.
#[tokio::test]
async fn spans_take_either_order_and_default_their_ends() {
    let (_dir, app) = app();
    let (_, forward) = get(
        &app,
        "/api/v1/units/83/compare?from=2023-09-01&to=2023-09-10",
    )
    .await;
    let (status, reversed) = get(
        &app,
        "/api/v1/units/83/compare?from=2023-09-10&to=2023-09-01",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(reversed, forward);
    let (_, v) = get(&app, "/api/v1/units/83/compare?to=2023-09-10").await;
    assert_eq!(v["window"]["from"], "2023-08-12");
    assert_eq!(v["window"]["days"], 30);
    // A campaign's window wins over from and to.
    let (_, v) = get(
        &app,
        "/api/v1/units/83/compare?campaign=Cao%20%C4%91i%E1%BB%83m&from=2023-01-01",
    )
    .await;
    assert_eq!(v["window"]["from"], "2023-09-01");
    let (_, v) = get(&app, "/api/v1/units/83/history?to=2023-09-10").await;
    assert_eq!(v["from"], "2023-06-13");
    assert_eq!(v["days"].as_array().unwrap().len(), 90);
}

async fn post(app: &axum::Router, uri: &str, body: &str) -> (StatusCode, Value) {
    let response = app
        .clone()
        .oneshot(
            Request::post(uri)
                .header("content-type", "application/json")
                .body(Body::from(body.to_string()))
                .unwrap(),
        )
        .await
        .unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, serde_json::from_slice(&bytes).unwrap())
}

#[tokio::test]
async fn events_are_recorded_once_and_show_in_progress() {
    let (_dir, app) = app();
    // Dung (083309000004, Ba Tri) applies on 01/10/2023.
    let event = r#"{"event_id": "web-1", "citizen_id": "083309000004", "kind": "collected",
                    "level": 1, "at": "2023-10-01 09:00", "team_id": "TCT9"}"#;
    let (status, v) = post(&app, "/api/v1/events", event).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(
        (v["applied"].as_u64(), v["unchanged"].as_u64()),
        (Some(1), Some(0))
    );
    let (_, p) = get(&app, "/api/v1/units/836/progress?as_of=2023-10-01").await;
    assert_eq!(p["counts"]["collected"], 3);
    // Sent again: nothing changes.
    let (status, v) = post(&app, "/api/v1/events", &format!("[{event}]")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(v["unchanged"], 1);
    let (_, p) = get(&app, "/api/v1/units/836/progress?as_of=2023-10-01").await;
    assert_eq!(p["counts"]["collected"], 3);
}

#[tokio::test]
async fn a_refused_event_leaves_the_whole_request_unapplied() {
    let (_dir, app) = app();
    // The first is fine; the second collects again an application of
    // Bình's that is approved already.
    let body = r#"[
        {"event_id": "web-2", "citizen_id": "083309000004", "kind": "collected", "level": 1, "at": "2023-10-01 09:00"},
        {"event_id": "web-3", "citizen_id": "083190000002", "kind": "collected", "level": 1, "at": "2023-10-02 09:00"}
    ]"#;
    let (status, v) = post(&app, "/api/v1/events", body).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["error"]["code"], "refused");
    let message = v["error"]["message"].as_str().unwrap();
    assert!(
        message.starts_with("event 1: out of lifecycle order"),
        "{message}"
    );
    let (_, p) = get(&app, "/api/v1/units/836/progress?as_of=2023-10-01").await;
    assert_eq!(
        p["counts"]["collected"], 2,
        "the first event was not applied either"
    );
}

#[tokio::test]
async fn malformed_events_name_the_field() {
    let (_dir, app) = app();
    let cases = [
        ("not json", "body"),
        ("[]", "body"),
        ("[1]", "body"),
        (r#"{"event_id": "x", "colour": "green"}"#, "colour"),
        ("null", "body"),
        (r#"[{"event_id": "x"}, 3]"#, "citizen_id"),
        (
            r#"{"event_id": "x", "citizen_id": "083309000004", "kind": "signed", "level": 1, "at": "2023-10-01 09:00"}"#,
            "kind",
        ),
        (
            r#"{"event_id": "x", "citizen_id": "12345", "kind": "collected", "level": 1, "at": "2023-10-01 09:00"}"#,
            "citizen_id",
        ),
        (
            r#"{"event_id": "x", "citizen_id": "083309000004", "kind": "collected", "level": 3, "at": "2023-10-01 09:00"}"#,
            "level",
        ),
        (
            r#"{"event_id": "x", "citizen_id": "083309000004", "kind": "collected", "level": 1, "at": "01/10/2023"}"#,
            "at",
        ),
        (
            r#"{"event_id": "x", "citizen_id": "083309000004", "kind": "rejected", "level": 1, "at": "2023-10-01 09:00"}"#,
            "reason",
        ),
        (
            r#"{"event_id": "x", "citizen_id": "083309000004", "kind": "collected", "level": [1], "at": "2023-10-01 09:00"}"#,
            "level",
        ),
        // What the document forbids, the server refuses, even where the
        // file format would take it (trimmed, as text, in any case).
        (
            r#"{"event_id": "x", "citizen_id": "083309000004", "kind": "collected", "level": "1", "at": "2023-10-01 09:00"}"#,
            "level",
        ),
        (
            r#"{"event_id": "x", "citizen_id": 83309000004, "kind": "collected", "level": 1, "at": "2023-10-01 09:00"}"#,
            "citizen_id",
        ),
        (
            r#"{"event_id": " x", "citizen_id": "083309000004", "kind": "collected", "level": 1, "at": "2023-10-01 09:00"}"#,
            "event_id",
        ),
        (
            r#"{"event_id": "snapshot:x", "citizen_id": "083309000004", "kind": "collected", "level": 1, "at": "2023-10-01 09:00"}"#,
            "event_id",
        ),
        (
            r#"{"event_id": "x", "citizen_id": "999309000004", "kind": "collected", "level": 1, "at": "2023-10-01 09:00"}"#,
            "citizen_id",
        ),
        (
            r#"{"event_id": "x", "citizen_id": "083309000004", "kind": "Collected", "level": 1, "at": "2023-10-01 09:00"}"#,
            "kind",
        ),
        (
            r#"{"event_id": "x", "citizen_id": "083309000004", "kind": "collected", "level": 1, "at": "9999-10-01 09:00"}"#,
            "at",
        ),
        (
            r#"{"event_id": "x", "citizen_id": "083309000004", "kind": "collected", "level": 1, "at": "2019-12-31"}"#,
            "at",
        ),
        (
            r#"{"event_id": "x", "citizen_id": "083309000004", "kind": "collected", "level": 1, "at": "2023-10-01 09:00", "team_id": 7}"#,
            "team_id",
        ),
        (
            r#"{"event_id": "x", "citizen_id": "083309000004", "kind": "rejected", "level": 1, "at": "2023-10-01 09:00", "reason": " 　 "}"#,
            "reason",
        ),
    ];
    let long_session = format!(
        r#"{{"event_id": "x", "citizen_id": "083309000004", "kind": "collected", "level": 1, "at": "2023-10-01 09:00", "session_id": "{}"}}"#,
        "s".repeat(65)
    );
    let one = r#"{"event_id": "x", "citizen_id": "083309000004", "kind": "collected", "level": 1, "at": "2023-10-01 09:00"}"#;
    let too_many = format!("[{}]", vec![one; 201].join(","));
    let computed = [
        (long_session.as_str(), "session_id"),
        (too_many.as_str(), "body"),
    ];
    for (body, field) in cases.into_iter().chain(computed) {
        let (status, v) = post(&app, "/api/v1/events", body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {v}");
        assert_eq!(v["error"]["field"], field, "{body}: {v}");
    }
}

/// A page: its status and HTML (which it must be).
async fn page(app: &axum::Router, uri: &str) -> (StatusCode, String) {
    let (status, kind, html) = get_raw(app, uri).await;
    assert!(kind.starts_with("text/html"), "{uri}: {kind}");
    (status, String::from_utf8(html).unwrap())
}

async fn get_raw(app: &axum::Router, uri: &str) -> (StatusCode, String, Vec<u8>) {
    let response = app
        .clone()
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let kind = response
        .headers()
        .get("content-type")
        .map_or(String::new(), |v| v.to_str().unwrap().to_string());
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, kind, bytes.to_vec())
}

#[tokio::test]
async fn the_overview_page_shows_the_apis_figures_and_drills_down() {
    let (_dir, app) = app();
    let (status, kind, body) = get_raw(&app, "/units/83?as_of=2023-09-10").await;
    assert_eq!(status, StatusCode::OK);
    assert!(kind.starts_with("text/html"));
    let html = String::from_utf8(body).unwrap();
    // Collected 6 of 9 (66,67%); activated 3 of 50% of 8 = 4 (75,00%).
    for expected in [
        "<h1>Tỉnh Bến Tre",
        "<p class=\"big\">6</p>",
        "Chỉ tiêu 9 · <strong>66,67%</strong>",
        "Chỉ tiêu 4 · <strong>75,00%</strong>",
        "href=\"/units/837?as_of=2023-09-10&amp;lang=vi\"",
        "Huyện Thạnh Phú",
        "value=\"2023-09-10\"",
        "/units/83/report?format=pdf&amp;as_of=2023-09-10",
    ] {
        assert!(
            html.contains(expected),
            "'{expected}' not in the page:\n{html}"
        );
    }
    // A village's page has its breadcrumbs up to the province.
    let (_, _, body) = get_raw(&app, "/units/28900-K1?as_of=2023-09-10").await;
    let html = String::from_utf8(body).unwrap();
    let crumbs = [
        "Tỉnh Bến Tre",
        "Huyện Thạnh Phú",
        "Thị trấn Thạnh Phú",
        "Khu phố 1",
    ];
    let nav = &html[html.find("<nav").unwrap()..html.find("</nav>").unwrap()];
    let positions: Vec<usize> = crumbs.iter().map(|c| nav.find(c).unwrap()).collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{nav}");
    // In English.
    let (_, _, body) = get_raw(&app, "/units/83?as_of=2023-09-10&lang=en").await;
    let html = String::from_utf8(body).unwrap();
    assert!(html.contains("<html lang=\"en\">"));
    assert!(
        html.contains("Target 9 · <strong>66.67%</strong>"),
        "{html}"
    );
}

/// The colour class of the shape drawn for `code` on a page's map.
fn band_on_map(html: &str, code: &str) -> String {
    let link = format!("<a href=\"/units/{code}?");
    let at = html[html.find("<section class=\"map\"").unwrap()..]
        .find(&link)
        .unwrap_or_else(|| panic!("no shape links to {code}"));
    let rest = &html[html.find("<section class=\"map\"").unwrap() + at..];
    let class = &rest[rest.find("class=\"").unwrap() + 7..];
    class[..class.find('"').unwrap()].to_string()
}

/// The band a target percentage falls in with `map_by=pct` (the legend).
fn band(pct: &Value) -> &'static str {
    match pct.as_f64() {
        None => "band-none",
        Some(p) if p >= 100.0 => "band-done",
        Some(p) if p >= 95.0 => "band-95",
        Some(p) if p >= 90.0 => "band-90",
        Some(p) if p >= 85.0 => "band-85",
        Some(p) if p >= 80.0 => "band-80",
        Some(p) if p >= 70.0 => "band-70",
        Some(p) if p >= 50.0 => "band-50",
        Some(_) => "band-0",
    }
}

#[tokio::test]
async fn the_green_map_colours_each_unit_by_status_or_by_five_point_bands() {
    // A second province, so that the home page is the country's map.
    let (_dir, app) = app_with_units("01,Thành phố Hà Nội,province,\n");
    let (_, api) = get(
        &app,
        "/api/v1/units/83/progress?as_of=2023-09-10&children=true",
    )
    .await;
    let (status, _, body) = get_raw(&app, "/units/83?as_of=2023-09-10&map_by=pct").await;
    assert_eq!(status, StatusCode::OK);
    let html = String::from_utf8(body).unwrap();
    // The districts have no boundaries: a treemap, one box per district.
    assert!(html.contains("<svg class=\"treemap\""), "{html}");
    let children = api["children"].as_array().unwrap();
    assert_eq!(html.matches("<rect class=\"band-").count(), children.len());
    for c in children {
        let code = c["unit"]["code"].as_str().unwrap();
        assert_eq!(
            band_on_map(&html, code),
            band(&c["target_pct"]["collected"]),
            "{code}"
        );
    }
    // By hand on 10/09: Ba Tri collected Em and Lan, 2 of 2, so it is
    // green; Thạnh Phú An, Bình, Phương and Cường, 4 of 7 (57,14%).
    assert_eq!(band_on_map(&html, "836"), "band-done");
    assert_eq!(band_on_map(&html, "837"), "band-50");
    assert!(html.contains("50% đến dưới 70%: 1"), "{html}");
    // By default, by status: Thạnh Phú collected 1 in the 7 days, 96 days
    // before the deadline: 4 + 96/7 ≈ 18 by then, past 7, so on track.
    let (_, _, body) = get_raw(&app, "/units/83?as_of=2023-09-10").await;
    let html = String::from_utf8(body).unwrap();
    assert_eq!(band_on_map(&html, "836"), "band-done");
    assert_eq!(band_on_map(&html, "837"), "status-on-track");
    assert!(html.contains("Đúng tiến độ: 1") && html.contains("Chậm tiến độ: 0"));
    assert!(html.contains("theo tiến độ thu nhận so với chỉ tiêu"));
    // Coloured by activation, where the districts have no target.
    let (_, _, body) = get_raw(&app, "/units/83?as_of=2023-09-10&map=activated").await;
    let html = String::from_utf8(body).unwrap();
    assert_eq!(band_on_map(&html, "837"), "band-none");
    assert!(html.contains("href=\"/units/837?as_of=2023-09-10&amp;lang=vi&amp;map=activated\""));

    // The country: the 63 provinces of vn-2024 (Bến Tre is one of them, and
    // not one of the 34 of vn-2025), the two in the database as links.
    let (status, _, body) = get_raw(&app, "/?as_of=2023-09-10&map_by=pct").await;
    assert_eq!(status, StatusCode::OK);
    let html = String::from_utf8(body).unwrap();
    assert!(html.contains("<svg class=\"provinces\""), "{html}");
    assert_eq!(html.matches("<path class=").count(), 63);
    assert_eq!(html.matches("<path class=\"band-absent\"").count(), 61);
    assert_eq!(
        band_on_map(&html, "83"),
        band(&api["unit"]["target_pct"]["collected"])
    );
    assert_eq!(band_on_map(&html, "01"), "band-none");
    assert!(html.contains("Quần đảo Hoàng Sa") && html.contains("Quần đảo Trường Sa"));
    // The provinces' table is there too, and the links keep the colouring.
    assert!(html.contains(
        "<a href=\"/units/01?as_of=2023-09-10&amp;lang=vi&amp;map_by=pct\">Thành phố Hà Nội</a>"
    ));
    // The national totals: the fixture's 83 is the only province with
    // citizens, 6 collected on 10/09; Hà Nội has no target, so no
    // national target.
    let cards = &html[html.find("<section class=\"cards\"").unwrap()..];
    let cards = &cards[..cards.find("</section>").unwrap()];
    assert!(cards.contains("<p class=\"big\">6</p>"), "{cards}");
    assert!(!cards.contains("Chỉ tiêu"), "{cards}");
}

#[tokio::test]
async fn pages_handle_bad_input_and_serve_their_files() {
    let (_dir, app) = app();
    let (status, _, body) = get_raw(&app, "/units/99").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(
        String::from_utf8(body)
            .unwrap()
            .contains("unit &#x27;99&#x27; does not exist")
    );
    let (status, _, _) = get_raw(&app, "/units/83?as_of=yesterday").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, kind, _) = get_raw(&app, "/static/style.css").await;
    assert_eq!(
        (status, kind.as_str()),
        (StatusCode::OK, "text/css; charset=utf-8")
    );
    let (status, _, _) = get_raw(&app, "/static/../../etc/passwd").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // The only province: the home page goes straight to it.
    let (status, _, _) = get_raw(&app, "/").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn reports_download_as_xlsx_and_pdf() {
    let (_dir, app) = app();
    let (status, kind, body) = get_raw(&app, "/units/83/report?format=pdf&as_of=2023-09-10").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(kind, "application/pdf");
    assert!(body.starts_with(b"%PDF-"));
    let (status, kind, body) = get_raw(&app, "/units/83/report?format=xlsx&as_of=2023-09-10").await;
    assert_eq!(status, StatusCode::OK);
    assert!(kind.contains("spreadsheetml"));
    assert!(body.starts_with(b"PK"), "an XLSX is a zip");
    let (status, _, _) = get_raw(&app, "/units/83/report?format=doc").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_cached_answer_is_never_stale() {
    let (_dir, app) = app();
    let uri = "/api/v1/units/836/progress?as_of=2023-10-01";
    let (_, before) = get(&app, uri).await;
    let (_, again) = get(&app, uri).await;
    assert_eq!(before, again);
    assert_eq!(before["counts"]["collected"], 2);
    let (_, v1) = get(&app, "/api/v1/version").await;
    let event = r#"{"event_id": "web-9", "citizen_id": "083309000004", "kind": "collected",
                    "level": 1, "at": "2023-10-01 09:00"}"#;
    assert_eq!(post(&app, "/api/v1/events", event).await.0, StatusCode::OK);
    let (_, v2) = get(&app, "/api/v1/version").await;
    assert!(
        v2["generation"].as_u64() > v1["generation"].as_u64(),
        "{v1} {v2}"
    );
    let (_, after) = get(&app, uri).await;
    assert_eq!(after["counts"]["collected"], 3);
    // An event sent again changes nothing, not even the generation.
    post(&app, "/api/v1/events", event).await;
    assert_eq!(get(&app, "/api/v1/version").await.1, v2);
}

#[tokio::test]
async fn metrics_count_requests_and_cache_hits() {
    let (_dir, app) = app();
    let uri = "/api/v1/units/83/progress?as_of=2023-09-10";
    get(&app, uri).await;
    get(&app, uri).await;
    get(&app, "/api/v1/units/99/progress").await;
    let (status, _, body) = get_raw(&app, "/metrics").await;
    assert_eq!(status, StatusCode::OK);
    let text = String::from_utf8(body).unwrap();
    for line in [
        "phuxanh_http_requests_total{status=\"2xx\"} 2",
        "phuxanh_http_requests_total{status=\"4xx\"} 1",
        "phuxanh_cache_hits_total 1",
        "phuxanh_data_generation ",
    ] {
        assert!(text.contains(line), "'{line}' not in:\n{text}");
    }
}

#[tokio::test]
async fn analytics_pages_show_the_reports() {
    let (_dir, app) = app();
    // 26/08: Ba Tri 1/2 = 50% first, up from second; Thạnh Phú 28,57%.
    let (status, _, body) =
        get_raw(&app, "/units/83/ranking?as_of=2023-08-26&metric=collected").await;
    assert_eq!(status, StatusCode::OK);
    let html = String::from_utf8(body).unwrap();
    let ba_tri = html.find("Huyện Ba Tri").unwrap();
    let thanh_phu = html.find("Huyện Thạnh Phú").unwrap();
    assert!(ba_tri < thanh_phu, "{html}");
    assert!(html.contains("50,00%") && html.contains("28,57%"), "{html}");
    assert!(html.contains("aria-current=\"page\">Xếp hạng"), "{html}");
    assert!(
        html.contains("<option value=\"collected\" selected>Thu nhận</option>"),
        "{html}"
    );
    assert!(
        html.contains("<option value=\"\" selected>Trực thuộc</option>"),
        "{html}"
    );
    let (status, _, body) = get_raw(&app, "/units/83/daily?date=2023-09-09&lang=en").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        String::from_utf8(body)
            .unwrap()
            .contains("<h1>Daily <small>Tỉnh Bến Tre</small></h1>")
    );
    for view in ["completed", "compare", "funnel"] {
        let (status, _, _) = get_raw(&app, &format!("/units/83/{view}?as_of=2023-09-30")).await;
        assert_eq!(status, StatusCode::OK, "{view}");
    }
    // The funnel page draws the unit's steps as bars, with the API's counts.
    let (_, api) = get(&app, "/api/v1/units/83/funnel?as_of=2023-09-30").await;
    let steps = &api["unit"]["steps"];
    let (_, _, body) = get_raw(&app, "/units/83/funnel?as_of=2023-09-30").await;
    let html = String::from_utf8(body).unwrap();
    let figure = &html[html
        .find("<figure class=\"funnel\">")
        .expect("a funnel chart")..];
    let values: Vec<&str> = figure
        .split("<span class=\"value\">")
        .skip(1)
        .map(|v| v.split([' ', '<']).next().unwrap())
        .collect();
    let want: Vec<String> = [
        &steps["collected_to_approved"]["from"],
        &steps["collected_to_approved"]["to"],
        &steps["approved_to_activated"]["to"],
        &steps["activated_to_used"]["to"],
    ]
    .iter()
    .map(|v| v.to_string())
    .collect();
    assert_eq!(values, want);
    assert_eq!(want[0], "7", "An, Bình, Em, Phương, Lan, Cường, Khánh");
    assert_eq!(
        get_raw(&app, "/units/83/nothing").await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get_raw(&app, "/units/83/ranking?metric=approved").await.0,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn history_gives_each_days_cumulative_figures() {
    let (_dir, app) = app();
    let (status, v) = get(
        &app,
        "/api/v1/units/83/history?from=2023-09-08&to=2023-09-10",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let days = v["days"].as_array().unwrap();
    let collected: Vec<i64> = days
        .iter()
        .map(|d| d["counts"]["collected"].as_i64().unwrap())
        .collect();
    // An, Bình, Em and Phương by 08/09; Lan on 09/09; Cường on 10/09.
    assert_eq!(collected, [4, 5, 6]);
    assert_eq!(days[2]["date"], "2023-09-10");
    assert_eq!(v["targets"]["collected"]["value"], 9);
    let (status, reversed) = get(
        &app,
        "/api/v1/units/83/history?from=2023-09-10&to=2023-09-08",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(reversed, v, "the ends are swapped");
    // The overview page carries what its charts need.
    let (_, _, body) = get_raw(&app, "/units/83?as_of=2023-09-10").await;
    let html = String::from_utf8(body).unwrap();
    assert!(
        html.contains("data-from=\"2023-06-13\" data-to=\"2023-09-10\""),
        "{html}"
    );
    assert!(html.contains("/static/uPlot.iife.min.js"));
    assert_eq!(
        get_raw(&app, "/static/uPlot.iife.min.js").await.0,
        StatusCode::OK
    );
}

/// The JSON a schema reference points to, from the document's components.
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(r) => {
            let name = r.rsplit('/').next().unwrap();
            &doc["components"]["schemas"][name]
        }
        None => schema,
    }
}

#[tokio::test]
async fn the_openapi_document_describes_the_live_router() {
    let (_dir, app) = app();
    // Report 1, for /api/v1/reports/{id}.
    let (status, _) = post_form(&app, "/units/83/report/issue", "as_of=2023-09-10").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, doc) = get(&app, "/api/v1/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."), "{doc}");
    let documented: std::collections::BTreeSet<String> =
        doc["paths"].as_object().unwrap().keys().cloned().collect();

    // Every API route the router serves is documented.
    let declared: std::collections::BTreeSet<String> = phuxanh_web::route_list()
        .into_iter()
        .map(|r| r.path)
        .filter(|p| p.starts_with("/api/v1/") && p != "/api/v1/openapi.json")
        .collect();
    assert!(!declared.is_empty());
    for path in declared
        .iter()
        .chain(["/api/v1/events".to_string(), "/api/v1/version".to_string()].iter())
    {
        assert!(
            documented.contains(path),
            "{path} is served but not documented"
        );
    }

    // Every documented GET answers 200 with the documented properties.
    for (path, item) in doc["paths"].as_object().unwrap() {
        let Some(op) = item.get("get") else { continue };
        // A value for each documented query parameter it can take.
        let mut query = Vec::new();
        for p in op["parameters"].as_array().into_iter().flatten() {
            if p["in"] != "query" {
                continue;
            }
            let name = p["name"].as_str().unwrap();
            let schema = &p["schema"];
            let value = match (name, schema["type"].as_str(), schema["format"].as_str()) {
                ("from", ..) => "2023-09-01".to_string(),
                (_, Some("string"), Some("date")) => "2023-09-10".to_string(),
                (_, Some("boolean"), _) => "true".to_string(),
                (_, Some("string"), _) if schema["enum"].is_array() => {
                    schema["enum"][0].as_str().unwrap().to_string()
                }
                ("campaign", ..) => "Cao điểm"
                    .replace(' ', "%20")
                    .replace('đ', "%C4%91")
                    .replace('ể', "%E1%BB%83"),
                ("show", Some("object"), _) => "top=1".to_string(),
                ("unit", Some("string"), _) => "83".to_string(),
                ("older_than_days", Some("integer"), _) => "1".to_string(),
                ("quiet_days", Some("integer"), _) => "7".to_string(),
                ("q", Some("string"), _) => "ba%20tri".to_string(),
                ("team", Some("string"), _) => "TCT1".to_string(),
                _ => panic!("{path}: a parameter this test does not know: {p}"),
            };
            query.push(if name == "show" {
                value
            } else {
                format!("{name}={value}")
            });
        }
        let uri = format!(
            "{}?{}",
            path.replace("{code}", "83").replace("{id}", "1"),
            query.join("&")
        );
        let (status, body) = get(&app, &uri).await;
        assert_eq!(status, StatusCode::OK, "{uri}: {body}");
        let schema = resolve(
            &doc,
            &op["responses"]["200"]["content"]["application/json"]["schema"],
        );
        if let (Some(props), Some(obj)) = (schema["properties"].as_object(), body.as_object()) {
            for key in obj.keys() {
                assert!(
                    props.contains_key(key),
                    "{uri}: '{key}' is not in the documented schema"
                );
            }
            for required in schema["required"].as_array().into_iter().flatten() {
                assert!(
                    obj.contains_key(required.as_str().unwrap()),
                    "{uri}: '{required}' missing"
                );
            }
        }
    }
    assert!(doc["paths"]["/api/v1/events"]["post"].is_object());
    // Two types of one name would share one schema, the last registered:
    // the held events of a list and of a request are told apart.
    let schemas = &doc["components"]["schemas"];
    assert!(schemas["HeldEvent"]["properties"]["citizen_id"].is_object());
    assert!(schemas["WaitingEvent"]["properties"]["event"].is_object());

    // Every answer a route can give is declared, with the error body, and
    // every parameter says what it takes.
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let mut statuses: Vec<&str> = vec!["200", "500", "503"];
            if path.contains("{code}") {
                statuses.extend(["400", "404"]);
            }
            if method == "post" {
                statuses.extend(["400", "408", "413"]);
            }
            // A sync answers each entry; the events route refuses a batch.
            if path == "/api/v1/events" {
                statuses.push("422");
            }
            for status in statuses {
                let response = &op["responses"][status];
                assert!(response.is_object(), "{method} {path}: no {status}");
                if status != "200" {
                    assert_eq!(
                        response["content"]["application/json"]["schema"]["$ref"],
                        "#/components/schemas/ErrorBody",
                        "{method} {path} {status}"
                    );
                }
            }
            for p in op["parameters"].as_array().into_iter().flatten() {
                let schema = &p["schema"];
                let constrained = ["pattern", "enum", "maximum", "maxLength", "properties"]
                    .iter()
                    .any(|k| !schema[k].is_null())
                    || schema["type"] == "boolean";
                assert!(constrained, "{method} {path}: {p} takes anything");
                if schema["format"] == "date" {
                    assert!(schema["pattern"].as_str().unwrap().contains("2100"));
                }
            }
        }
    }
    let event = &doc["components"]["schemas"]["EventIn"];
    assert_eq!(event["oneOf"].as_array().unwrap().len(), 2, "{event}");
    for branch in event["oneOf"].as_array().unwrap() {
        assert_eq!(branch["additionalProperties"], false);
        assert_eq!(
            branch["properties"]["event_id"]["not"]["pattern"],
            "^snapshot:"
        );
    }
}

#[tokio::test]
async fn well_formed_events_that_do_not_fit_are_422() {
    let (dir, app) = app();
    let before = ledger(&dir);
    for (event, reason) in [
        // Nobody on the roster has this ID.
        (
            r#"{"event_id": "w-1", "citizen_id": "083309999999", "kind": "collected", "level": 1, "at": "2023-10-01 09:00"}"#,
            "083309999999",
        ),
        (
            r#"{"event_id": "w-2", "citizen_id": "083309000004", "kind": "collected", "level": 1, "at": "2099-10-01T09:00:00Z"}"#,
            "future",
        ),
        // e01 is An's collection of 20/08/2023.
        (
            r#"{"event_id": "e01", "citizen_id": "083309000004", "kind": "collected", "level": 1, "at": "2023-10-01 09:00"}"#,
            "e01",
        ),
    ] {
        let (status, v) = post(&app, "/api/v1/events", event).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{event}: {v}");
        assert_eq!(v["error"]["code"], "refused");
        let message = v["error"]["message"].as_str().unwrap();
        assert!(message.contains(reason), "{message}");
    }
    assert_eq!(ledger(&dir), before);
}

/// What the ledger holds: the data's generation and the province's counts
/// on the last day a request may name, read from the file itself.
fn ledger(dir: &tempfile::TempDir) -> (u64, String) {
    let store = SqliteStore::open(&dir.path().join("api.db")).unwrap();
    let figures = store
        .figures(
            &Scope::everything(),
            &phuxanh_domain::UnitCode::parse("83").unwrap(),
            "2100-12-31".parse().unwrap(),
        )
        .unwrap();
    (store.generation().unwrap(), format!("{:?}", figures.counts))
}

#[tokio::test]
async fn a_body_past_one_mib_is_413_and_changes_nothing() {
    let (dir, app) = app();
    let before = ledger(&dir);
    let event = r#"{"event_id": "big", "citizen_id": "083309000004", "kind": "collected", "level": 1, "at": "2023-10-01 09:00"}"#;
    let body = format!("[{event}{}]", " ".repeat(1 << 20));
    let (status, v) = post(&app, "/api/v1/events", &body).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{v}");
    assert_eq!(v["error"]["code"], "too_large");
    assert!(v["error"]["message"].as_str().unwrap().contains("1 MiB"));
    assert_eq!(ledger(&dir), before);
}

/// A body that never comes.
struct Stalled;

impl http_body::Body for Stalled {
    type Data = axum::body::Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        std::task::Poll::Pending
    }
}

#[tokio::test(start_paused = true)]
async fn a_body_that_does_not_arrive_is_408() {
    let (_dir, app) = app();
    let response = app
        .oneshot(
            Request::post("/api/v1/events")
                .header("content-type", "application/json")
                .body(Body::new(Stalled))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::REQUEST_TIMEOUT);
}

#[tokio::test]
async fn the_cache_keys_on_the_checked_query_alone() {
    let (_dir, app) = app();
    let metric = |text: &str, name: &str| -> u64 {
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("{name} ")))
            .unwrap()
            .parse()
            .unwrap()
    };
    let metrics = || async { String::from_utf8(get_raw(&app, "/metrics").await.2).unwrap() };
    let (_, a) = get(
        &app,
        "/api/v1/units/83/progress?as_of=2023-09-10&children=true",
    )
    .await;
    let (_, b) = get(
        &app,
        "/api/v1/units/83/progress?children=true&as_of=2023-09-10",
    )
    .await;
    assert_eq!(a, b);
    let m = metrics().await;
    assert_eq!(metric(&m, "phuxanh_cache_hits_total"), 1, "{m}");
    let bytes = metric(&m, "phuxanh_cache_bytes");
    assert!(bytes > 0);
    // Unknown parameters are refused before they reach the cache.
    for junk in 0..20 {
        let uri = format!("/api/v1/units/83/progress?as_of=2023-09-10&x={junk}");
        assert_eq!(get(&app, &uri).await.0, StatusCode::BAD_REQUEST);
    }
    assert_eq!(metric(&metrics().await, "phuxanh_cache_bytes"), bytes);
}

#[tokio::test]
async fn a_connection_that_does_not_send_its_headers_is_closed() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (_dir, app) = app();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let timeout = std::time::Duration::from_millis(300);
    tokio::spawn(phuxanh_web::serve_on(
        listener,
        None,
        app,
        timeout,
        std::future::pending(),
    ));
    // A whole request is answered.
    let mut client = tokio::net::TcpStream::connect(addr).await.unwrap();
    client
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut answer = String::new();
    client.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    // Half a request line, then nothing: the server hangs up.
    let mut slow = tokio::net::TcpStream::connect(addr).await.unwrap();
    slow.write_all(b"GET /healthz HT").await.unwrap();
    let started = std::time::Instant::now();
    let mut rest = Vec::new();
    let read = tokio::time::timeout(timeout * 10, slow.read_to_end(&mut rest)).await;
    assert!(read.is_ok(), "still open after {:?}", started.elapsed());
    assert!(started.elapsed() >= timeout / 2);
}

#[tokio::test]
async fn an_event_before_its_predecessor_is_held_listed_and_released() {
    let (_dir, app) = app();
    // Dung (083309000004) has nothing recorded: her approval comes first.
    let approval = r#"{"event_id": "web-a", "citizen_id": "083309000004", "kind": "approved", "level": 1, "at": "2023-10-02 09:00"}"#;
    let (status, v) = post(&app, "/api/v1/events", approval).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["applied"], 0);
    assert_eq!(v["held"][0]["event"], 0);
    let waiting = v["held"][0]["waiting_for"].as_str().unwrap();
    assert!(waiting.starts_with("waiting for 'collected'"), "{waiting}");
    let (status, list) = get(&app, "/api/v1/pending").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["total"], 1);
    assert_eq!(list["events"][0]["event_id"], "web-a");
    // The source names who sent it.
    assert_eq!(list["events"][0]["source"], "api:tester");
    let (_, p) = get(&app, "/api/v1/units/836/progress?as_of=2023-10-02").await;
    assert_eq!(p["counts"]["approved"], 1, "only the fixture's approval");
    // The page lists it.
    let (status, _, html) = get_raw(&app, "/data-quality").await;
    assert_eq!(status, StatusCode::OK);
    let html = String::from_utf8(html).unwrap();
    assert!(html.contains("083309000004") && html.contains("Chất lượng dữ liệu"));
    // The collection arrives: both are recorded, the approval on its day.
    let collection = r#"{"event_id": "web-c", "citizen_id": "083309000004", "kind": "collected", "level": 1, "at": "2023-10-01 09:00"}"#;
    let (status, v) = post(&app, "/api/v1/events", collection).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(
        (v["applied"].as_u64(), v["released"].as_u64()),
        (Some(1), Some(1))
    );
    let (_, list) = get(&app, "/api/v1/pending").await;
    assert_eq!(list["total"], 0);
    let (_, p) = get(&app, "/api/v1/units/836/progress?as_of=2023-10-02").await;
    assert_eq!(p["counts"]["approved"], 2);
    let (_, p) = get(&app, "/api/v1/units/836/progress?as_of=2023-10-01").await;
    assert_eq!(p["counts"]["approved"], 1);
    // Filters are checked like every query.
    let (status, v) = get(&app, "/api/v1/pending?older_than_days=0").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{v}");
    assert_eq!(v["error"]["field"], "older_than_days");
}

#[tokio::test]
async fn pages_open_on_the_last_day_with_data_and_say_how_fresh_it_is() {
    // The fixture's events run from 20/08/2023 to 12/09/2023 (by hand:
    // tests/data/events.csv), imported from the source "test".
    let (_dir, app) = app();
    let ok_page = |uri: &'static str| {
        let app = app.clone();
        async move {
            let (status, html) = page(&app, uri).await;
            assert_eq!(status, StatusCode::OK, "{uri}");
            html
        }
    };
    let html = ok_page("/units/83").await;
    assert!(html.contains("data-as-of=\"2023-09-12\""), "{html}");
    assert!(html.contains("Số liệu tính đến hết ngày 12/09/2023"));
    assert!(
        html.contains(
            "Không có số liệu sau ngày 12/09/2023: trang mở ở ngày cuối cùng có số liệu."
        )
    );
    assert!(html.contains("Cập nhật lần cuối lúc") && html.contains(", từ test"));
    // Every view opens on that day too, and the report file is of it.
    let html = ok_page("/units/83/daily").await;
    assert!(html.contains("value=\"2023-09-12\""), "{html}");
    let response = app
        .clone()
        .oneshot(
            Request::get("/units/83/report")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let disposition = response.headers()["content-disposition"].to_str().unwrap();
    assert!(
        disposition.contains("bao-cao-83-2023-09-12.xlsx"),
        "{disposition}"
    );
    // The API defaults the same way.
    let (_, p) = get(&app, "/api/v1/units/83/progress").await;
    assert_eq!(p["as_of"], "2023-09-12");
    let (_, d) = get(&app, "/api/v1/units/83/daily").await;
    assert_eq!(d["date"], "2023-09-12", "{d}");
    let (_, h) = get(&app, "/api/v1/units/83/history").await;
    assert_eq!(h["to"], "2023-09-12", "{h}");
    // A chosen day inside the data says nothing more; outside it, why.
    let html = ok_page("/units/83?as_of=2023-09-01").await;
    assert!(!html.contains("class=\"notice\""), "{html}");
    let html = ok_page("/units/83?as_of=2023-08-01").await;
    assert!(html.contains("Ngày 01/08/2023 trước ngày đầu tiên có số liệu (20/08/2023)"));
    let html = ok_page("/units/83?as_of=2023-10-01&lang=en").await;
    assert!(html.contains(
        "No data after 2023-09-12: the figures of 2023-10-01 are those at the end of 2023-09-12."
    ));
    // A passed deadline says by how long and by how much: 8 collections in
    // events.csv by 7 citizens, against a target of 9 by 15/12/2023.
    let html = ok_page("/units/83?as_of=2023-12-20").await;
    assert!(
        html.contains("Chỉ tiêu thu nhận hạn 15/12/2023 đã quá hạn 5 ngày: đạt 7/9, còn thiếu 2"),
        "{html}"
    );
    let html = ok_page("/units/83?as_of=2099-01-01").await;
    assert!(html.contains("chưa đến: số liệu là số liệu hiện có đến nay, không phải dự báo."));
}

#[tokio::test]
async fn error_pages_are_in_the_sites_language_and_chrome_with_the_way_back() {
    let (_dir, app) = app();
    let (status, html) = page(&app, "/units/99999").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(
        html.contains("<h1>Không tìm thấy <small>(404)</small></h1>"),
        "{html}"
    );
    assert!(html.contains("<header>") && html.contains("Về trang chủ"));
    let (status, html) = page(&app, "/no/such/page?lang=en").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(
        html.contains("Not found") && html.contains("Back to the home page"),
        "{html}"
    );
    let (status, html) = page(&app, "/units/83?as_of=31/02/2023").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        html.contains("Yêu cầu không hợp lệ") && html.contains("as_of"),
        "{html}"
    );
    // The format the page itself writes is taken back.
    let (status, html) = page(&app, "/units/83?as_of=14/11/2023").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("data-as-of=\"2023-11-14\""), "{html}");
    // The API still answers JSON.
    let (status, body) = get(&app, "/api/v1/no-such-route").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["code"], "not_found");
}

/// The texts of the cells of the table row whose unit is `name`: the unit
/// cell first, tags stripped.
fn row_cells(html: &str, name: &str) -> Vec<String> {
    let body = html.find("<tbody").expect("a table");
    let at = body
        + html[body..]
            .find(&format!(">{name}</a>"))
            .unwrap_or_else(|| panic!("no row for {name}"));
    let start = html[..at].rfind("<tr").unwrap();
    let end = at + html[at..].find("</tr>").unwrap();
    let strip = |s: &str| {
        let mut out = String::new();
        let mut in_tag = false;
        for c in s.chars() {
            match c {
                '<' => in_tag = true,
                '>' => in_tag = false,
                c if !in_tag => out.push(c),
                _ => {}
            }
        }
        out.trim().to_string()
    };
    html[start..end]
        .split("</t")
        .filter_map(|cell| cell.rfind("<t").map(|i| &cell[i..]))
        .filter(|cell| cell.starts_with("<td") || cell.starts_with("<th"))
        .map(strip)
        .collect()
}

#[tokio::test]
async fn the_childrens_table_says_who_is_behind_and_the_attention_list_why() {
    // By hand from tests/data, on 12/09/2023 (the last day with events):
    // Thạnh Phú (837) has 6 eligible, 5 collected (citizens 1, 2, 3, 6, 9;
    // 9 on 12/09) of a target of 7 due 15/12/2023, 94 days away: 2 to go,
    // 2/94 = 0,02 a day needed; 2 collected in the 7 days (3 and 9), so
    // on track. Ba Tri (836): 2 eligible (citizens 5 and 10; 4 and 7 are
    // under 14), 2 collected of a target of 2: done, nothing on 12/09.
    let (_dir, app) = app();
    let (status, html) = page(&app, "/units/83").await;
    assert_eq!(status, StatusCode::OK);
    for h in ["Tiến độ", "Còn thiếu", "Cần/ngày", "Ngày 12/09"] {
        assert!(html.contains(&format!(">{h}</button>")), "{h}");
    }
    let thanh_phu = row_cells(&html, "Huyện Thạnh Phú");
    assert_eq!(
        thanh_phu[..8],
        [
            "Huyện Thạnh Phú",
            "Đúng tiến độ",
            "6",
            "5",
            "71,43%",
            "2",
            "0,02",
            "1"
        ],
        "{thanh_phu:?}"
    );
    let ba_tri = row_cells(&html, "Huyện Ba Tri");
    assert_eq!(
        ba_tri[..8],
        [
            "Huyện Ba Tri",
            "Đã hoàn thành",
            "2",
            "2",
            "100,00%",
            "0",
            "0,00",
            "0"
        ],
        "{ba_tri:?}"
    );
    // The status sorts worst first, with its words shown (not colour alone).
    assert!(html.contains("data-value=\"2\"><span class=\"badge on-track\">Đúng tiến độ</span>"));
    assert!(html.contains("Không có đơn vị nào cần chú ý."), "{html}");
    // Past the deadline, Thạnh Phú is 5 days late and 2 short: first to
    // call. The eligible card counts who has not applied: 9 eligible in
    // the province (citizen 4 turned 14 on 30/09/2023), 7 collected.
    let (_, html) = page(&app, "/units/83?as_of=2023-12-20").await;
    assert!(
        html.contains(
            "Huyện Thạnh Phú</a>: thu nhận quá hạn 5 ngày (hạn 15/12/2023), còn thiếu 2 so với chỉ tiêu"
        ),
        "{html}"
    );
    assert!(html.contains("Chưa thu nhận: 2"), "{html}");
    assert!(html.contains("Còn thiếu: 2"), "{html}");
    let (_, html) = page(&app, "/units/83?as_of=2023-12-20&lang=en").await;
    assert!(html.contains(
        "Huyện Thạnh Phú</a>: collected: deadline 2023-12-15 passed 5 days ago, 2 short of the target"
    ));
}

/// Imports tests/data/contacts.csv into the database the router reads.
fn import_contacts(dir: &tempfile::TempDir) {
    let mut store = SqliteStore::open(&dir.path().join("api.db")).unwrap();
    let mut rows = phuxanh_ingest::read(
        &data("contacts.csv"),
        FileKind::Contacts,
        parse_contact,
        Day::today(),
    )
    .unwrap();
    let r = store
        .import_contacts(&Scope::everything(), &mut rows)
        .unwrap();
    assert!(r.import.committed, "{:?}", r.import.refused);
}

#[tokio::test]
async fn a_units_contacts_show_on_its_page_with_tel_links_and_in_the_api() {
    let (dir, app) = app();
    // No contacts yet: a hint, and no empty box.
    let (_, html) = page(&app, "/units/837").await;
    assert!(
        html.contains("Chưa có liên hệ — nhập bằng <code>phuxanh contacts import</code>"),
        "{html}"
    );
    assert!(!html.contains("class=\"contacts\""));
    import_contacts(&dir);

    // tests/data/contacts.csv gives district 837 one contact, whose
    // landline (0275) 3870 104 dials as +84 275 3870104.
    let (status, html) = page(&app, "/units/837").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("<h2 id=\"contacts-h\">Liên hệ</h2>"),
        "{html}"
    );
    assert!(html.contains(
        "<strong>Phạm Thị Dung</strong> — Phó Chủ tịch UBND huyện</span>\n      <a class=\"tel\" href=\"tel:+842753870104\">(0275) 3870 104</a>"
    ), "{html}");
    assert!(html.contains("Phụ trách Đề án 06"));
    // Thị trấn Thạnh Phú's two, in file order, the chief with an email.
    let (_, html) = page(&app, "/units/28900").await;
    let chief = html.find("Nguyễn Văn An").unwrap();
    let deputy = html.find("Trần Thị Bình").unwrap();
    assert!(chief < deputy);
    assert!(html.contains("href=\"tel:+84900000101\">0900 000 101</a>"));
    assert!(html.contains("href=\"tel:+84900000102\">0900.000.102</a>"));
    assert!(html.contains(
        "<a class=\"mail\" href=\"mailto:an.nv@congan.example.vn\">an.nv@congan.example.vn</a>"
    ));
    // In English.
    let (_, html) = page(&app, "/units/837?lang=en").await;
    assert!(html.contains("<html lang=\"en\">"));
    assert!(
        html.contains("<h2 id=\"contacts-h\">Contacts</h2>"),
        "{html}"
    );

    // The API: the unit's own, or with below=true every unit's under it,
    // by unit code.
    let (status, v) = get(&app, "/api/v1/units/837/contacts").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        v,
        serde_json::json!({
            "unit": "837",
            "below": false,
            "contacts": [{
                "unit": "837",
                "unit_name": "Huyện Thạnh Phú",
                "name": "Phạm Thị Dung",
                "title": "Phó Chủ tịch UBND huyện",
                "phone": "(0275) 3870 104",
                "tel": "+842753870104",
                "email": null,
                "note": "Phụ trách Đề án 06",
            }],
        })
    );
    let (_, v) = get(&app, "/api/v1/units/837/contacts?below=true").await;
    let seen: Vec<(&str, &str)> = v["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["unit"].as_str().unwrap(), c["tel"].as_str().unwrap()))
        .collect();
    assert_eq!(
        seen,
        [
            ("837", "+842753870104"),
            ("28900", "+84900000101"),
            ("28900", "+84900000102"),
            ("28903", "+84900000103"),
        ]
    );
    let (status, v) = get(&app, "/api/v1/units/836/contacts").await;
    assert_eq!(
        (status, &v["contacts"]),
        (StatusCode::OK, &serde_json::json!([]))
    );
    let (status, _) = get(&app, "/api/v1/units/99999/contacts").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_unit_that_is_behind_shows_whom_to_call() {
    // On 20/12/2023 Thạnh Phú (837) is past its deadline of 15/12 and 2
    // short (the_childrens_table_says_who_is_behind…): behind. Ba Tri (836)
    // is done, and has no contact anyway.
    let (dir, app) = app();
    import_contacts(&dir);
    let (_, html) = page(&app, "/units/83?as_of=2023-12-20").await;
    assert!(
        html.contains(
            "còn thiếu 2 so với chỉ tiêu — <a class=\"tel\" href=\"tel:+842753870104\" title=\"Phạm Thị Dung, Phó Chủ tịch UBND huyện\">Gọi Phạm Thị Dung (0275) 3870 104</a></li>"
        ),
        "{html}"
    );
    let thanh_phu = row_cells(&html, "Huyện Thạnh Phú");
    assert_eq!(thanh_phu[0], "Huyện Thạnh Phú (0275) 3870 104");
    assert_eq!(row_cells(&html, "Huyện Ba Tri")[0], "Huyện Ba Tri");
    // On 12/09 Thạnh Phú is on track: no phone in its row.
    let (_, html) = page(&app, "/units/83?as_of=2023-09-12").await;
    assert_eq!(row_cells(&html, "Huyện Thạnh Phú")[0], "Huyện Thạnh Phú");
    // In English, the same link.
    let (_, html) = page(&app, "/units/83?as_of=2023-12-20&lang=en").await;
    assert!(
        html.contains(">Call Phạm Thị Dung (0275) 3870 104</a>"),
        "{html}"
    );
}

#[tokio::test]
async fn compare_and_daily_take_the_chosen_day_and_period() {
    let (_dir, app) = app();
    // The campaign "Cao điểm" runs 01/09–10/09/2023; looked at on 05/09 it
    // is cut there: 5 days against the 5 before (27/08–31/08). By hand from
    // tests/data: in the window citizen 6 was collected (02/09) and
    // citizen 5 activated (05/09); before it nobody was activated.
    let uri = "/units/83/compare?as_of=2023-09-05&period=campaign:Cao%20%C4%91i%E1%BB%83m";
    let (status, html) = page(&app, uri).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains(
        "Tỉnh Bến Tre — đợt «Cao điểm» từ 01/09/2023 đến 05/09/2023 (5 ngày), so với 5 ngày trước đó, từ 27/08/2023 đến 31/08/2023"
    ), "{html}");
    assert!(html.contains("Đợt chưa kết thúc vào ngày đang xem"));
    assert!(html.contains("<option value=\"campaign:Cao điểm\" selected>"));
    let row = row_cells(&html, "Tỉnh Bến Tre");
    // code, name, then the period, the one before and the change, for
    // collected and activated; no change from nothing (no dash either).
    assert_eq!(row[2], "1", "{row:?}");
    assert_eq!(
        (row[5].as_str(), row[6].as_str(), row[7].as_str()),
        ("1", "0", ""),
        "{row:?}"
    );
    // The JSON link asks the API for the same days, and it agrees.
    let json = html
        .split("href=\"/api/v1/units/83/compare?")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap()
        .replace("&amp;", "&");
    let (status, api) = get(&app, &format!("/api/v1/units/83/compare?{json}")).await;
    assert_eq!(status, StatusCode::OK, "{json}");
    assert_eq!(api["window"]["to"], "2023-09-05");
    assert_eq!(api["unit"]["window"]["activated"], 1);
    // The last 7 days end on the chosen day: 30/08–05/09.
    let (_, html) = page(&app, "/units/83/compare?as_of=2023-09-05&period=7").await;
    assert!(
        html.contains("từ 30/08/2023 đến 05/09/2023 (7 ngày)"),
        "{html}"
    );
    // From a chosen day to the day looked at.
    let (_, html) = page(
        &app,
        "/units/83/compare?as_of=2023-09-05&period=from&from=2023-09-03",
    )
    .await;
    assert!(
        html.contains("từ 03/09/2023 đến 05/09/2023 (3 ngày)"),
        "{html}"
    );
    // Without a period: the 30 days to the day, as the period report.
    let (_, html) = page(&app, "/units/83/compare?as_of=2023-09-05").await;
    assert!(
        html.contains("từ 07/08/2023 đến 05/09/2023 (30 ngày)"),
        "{html}"
    );
    let (status, _) = page(&app, "/units/83/compare?period=campaign:nope").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // The report download takes the same period.
    let (status, kind, _) = get_raw(&app, "/units/83/report?as_of=2023-09-05&campaign=nope").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{kind}");

    // The daily page steps a day either way and sets the day against the
    // week before: on 09/09 Lan was collected; on 02/09 Phương.
    let (_, html) = page(&app, "/units/83/daily?date=2023-09-09").await;
    assert!(html.contains("rel=\"prev\">← 08/09/2023</a>"), "{html}");
    assert!(html.contains("rel=\"next\">10/09/2023 →</a>"));
    assert!(
        html.contains("So với thứ Bảy tuần trước (02/09/2023): thu nhận 1 (+0,00%)"),
        "{html}"
    );
    let (_, html) = page(&app, "/units/83/daily?date=2023-09-09&lang=en").await;
    assert!(
        html.contains("results of Saturday, 2023-09-09 (weekend)"),
        "{html}"
    );
    assert!(html.contains("Collected, on the day"), "{html}");
}

#[tokio::test]
async fn a_unit_is_found_by_name_without_diacritics_and_told_apart_by_its_parent() {
    // Two communes of one name in the two districts.
    let (_dir, app) =
        app_with_units("28756,Xã Vĩnh Hòa,commune,836\n28757,Xã Vĩnh Hòa,commune,837\n");
    let (status, found) = get(&app, "/api/v1/search?q=vinh%20hoa").await;
    assert_eq!(status, StatusCode::OK);
    let found = found.as_array().unwrap();
    assert_eq!(found.len(), 2, "{found:?}");
    assert_eq!(found[0]["name"], "Xã Vĩnh Hòa");
    assert_eq!(found[0]["parent_name"], "Huyện Ba Tri");
    assert_eq!(found[1]["parent_name"], "Huyện Thạnh Phú");
    // The district before the commune of the same name; codes too.
    let (_, found) = get(&app, "/api/v1/search?q=THANH%20PHU").await;
    let names: Vec<&str> = found
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Huyện Thạnh Phú", "Thị trấn Thạnh Phú"]);
    let (_, found) = get(&app, "/api/v1/search?q=2875").await;
    assert_eq!(found.as_array().unwrap().len(), 2);
    let (status, _) = get(&app, "/api/v1/search").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // The page lists them with their parents and links.
    let (status, html) = page(&app, "/search?q=vinh+hoa").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("2 đơn vị với «vinh hoa»"), "{html}");
    assert!(html.contains(
        "<a href=\"/units/28756?lang=vi\">Xã Vĩnh Hòa</a> <span class=\"parent\">— Huyện Ba Tri</span>"
    ), "{html}");
    let (_, html) = page(&app, "/search?q=nowhere&lang=en").await;
    assert!(html.contains("No unit matches «nowhere»."));
    // Every page has the box.
    let (_, html) = page(&app, "/units/83").await;
    assert!(
        html.contains("<form method=\"get\" action=\"/search\" class=\"search\" role=\"search\">")
    );
    // A commune ranking of the province names each commune's district.
    let (_, html) = page(&app, "/units/83/ranking?level=commune&as_of=2023-09-12").await;
    let row = row_cells(&html, "Xã Vĩnh Hòa");
    assert!(row.contains(&"Huyện Ba Tri".to_string()), "{row:?}");
    assert!(html.contains(">Thuộc</button>"));
}

/// A form posted as the issue button does; the redirect's location.
async fn post_form(app: &axum::Router, uri: &str, body: &str) -> (StatusCode, String) {
    let response = app
        .clone()
        .oneshot(
            Request::post(uri)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(Body::from(body.to_string()))
                .unwrap(),
        )
        .await
        .unwrap();
    let location = response
        .headers()
        .get("location")
        .map_or(String::new(), |v| v.to_str().unwrap().to_string());
    (response.status(), location)
}

#[tokio::test]
async fn an_issued_report_is_kept_as_sent_and_shown_beside_late_data() {
    let (_dir, app) = app();
    let (_, archive) = get(&app, "/api/v1/units/837/reports").await;
    assert_eq!(archive, serde_json::json!([]));
    // Thạnh Phú's report to 12/09/2023 over 01–12/09, issued from the
    // overview's button; the day written as the page writes it.
    let (status, location) = post_form(
        &app,
        "/units/837/report/issue",
        "as_of=12%2F09%2F2023&period=from&from=2023-09-01&format=pdf&by=%C4%90%E1%BA%A1i+%C3%BAy+L%C3%AA&lang=vi",
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location, "/reports/1?lang=vi");
    let (_, archive) = get(&app, "/api/v1/units/837/reports").await;
    assert_eq!(archive[0]["id"], 1);
    assert_eq!(archive[0]["issued_by"], "Đại úy Lê");
    assert_eq!(archive[0]["as_of"], "2023-09-12");
    assert_eq!(archive[0]["period_from"], "2023-09-01");
    assert_eq!(archive[0]["format"], "pdf");
    // Nothing has changed yet.
    let (status, v) = get(&app, "/api/v1/reports/1").await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["changed"], 0);
    // Hoa (079188000008, Thị trấn Thạnh Phú) applied on 05/09; it arrives late.
    let event = r#"{"event_id": "late-1", "citizen_id": "079188000008", "kind": "collected",
                    "level": 1, "at": "2023-09-05 09:00"}"#;
    let (status, _) = post(&app, "/api/v1/events", event).await;
    assert_eq!(status, StatusCode::OK);
    let (_, v) = get(&app, "/api/v1/reports/1?changed=true").await;
    let find = |label: &str| {
        v["changes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["label"] == label)
            .unwrap_or_else(|| panic!("no '{label}' in {v}"))
            .clone()
    };
    // Sent 5 of 7 (71,43%); now 6 of 7 (85,71%).
    let collected = find("Thu nhận");
    assert_eq!(
        (collected["sent"].as_str(), collected["now"].as_str()),
        (Some("5"), Some("6"))
    );
    assert_eq!(collected["difference"], "+1");
    let pct = find("Tỷ lệ đạt chỉ tiêu thu nhận");
    assert_eq!(
        (
            pct["sent"].as_str(),
            pct["now"].as_str(),
            pct["difference"].as_str()
        ),
        (Some("71,43%"), Some("85,71%"), Some("+14,28 điểm %"))
    );
    assert_eq!(find("Thị trấn Thạnh Phú — Thu nhận")["difference"], "+1");
    assert_eq!(find("05/09/2023 — Thu nhận")["now"], "1");
    assert!(
        v["changes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["changed"] == true),
        "{v}"
    );
    // The page shows the same, the changed figures marked.
    let (status, html) = page(&app, "/reports/1").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Báo cáo số 1"), "{html}");
    assert!(html.contains("Đại úy Lê"));
    assert!(html.contains(
        r#"<tr class="changed"><td>Tổng hợp</td><td>Thu nhận</td><td class="num">5</td><td class="num">6</td><td class="num">+1</td></tr>"#
    ), "{html}");
    let (_, english) = page(&app, "/reports/1?lang=en").await;
    assert!(english.contains("As sent") && english.contains("Report no. 1"));
    // The file is the one sent: still 5 collected, while a new download says 6.
    let (status, kind, sent) = get_raw(&app, "/reports/1/file").await;
    assert_eq!((status, kind.as_str()), (StatusCode::OK, "application/pdf"));
    let (_, _, fresh) = get_raw(
        &app,
        "/units/837/report?format=pdf&as_of=2023-09-12&period=from&from=2023-09-01",
    )
    .await;
    assert!(sent.starts_with(b"%PDF-") && fresh.starts_with(b"%PDF-"));
    assert_ne!(sent, fresh);
    // The archive page links it; unknown numbers are not found.
    let (_, html) = page(&app, "/units/837/reports").await;
    assert!(
        html.contains(r#"<a href="/reports/1?lang=vi">1</a>"#),
        "{html}"
    );
    assert_eq!(page(&app, "/reports/2").await.0, StatusCode::NOT_FOUND);
    assert_eq!(page(&app, "/reports/abc").await.0, StatusCode::NOT_FOUND);
    assert_eq!(
        get(&app, "/api/v1/reports/2").await.0,
        StatusCode::NOT_FOUND
    );
    // A bad form issues nothing.
    let (status, _) = post_form(&app, "/units/837/report/issue", "format=doc").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (_, archive) = get(&app, "/api/v1/units/837/reports").await;
    assert_eq!(archive.as_array().unwrap().len(), 1);
}
