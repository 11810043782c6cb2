//! The report settings through the router: `GET`/`PUT /api/v1/settings`,
//! the `/settings` page and its form, and the PDF they end up in.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use phuxanh_domain::Day;
use phuxanh_ingest::{FileKind, parse_unit};
use phuxanh_store::{ImportMode, Scope, Store};
use phuxanh_store_sqlite::SqliteStore;
use serde_json::{Value, json};
use tower::ServiceExt;

/// A database with the fixture's units only, and the router on it.
fn app() -> (tempfile::TempDir, axum::Router) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("settings.db");
    let mut store = SqliteStore::open(&db).unwrap();
    store.init(&[], 14).unwrap();
    let units = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/units.csv");
    let mut rows = phuxanh_ingest::read(&units, FileKind::Units, parse_unit, Day::today()).unwrap();
    store
        .import_units(&Scope::everything(), &mut rows, ImportMode::Atomic)
        .unwrap();
    drop(store);
    let app = common::as_admin(&db);
    (dir, app)
}

async fn call(
    app: &axum::Router,
    method: &str,
    uri: &str,
    kind: &str,
    body: &str,
) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let request = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::CONTENT_TYPE, kind)
        .body(Body::from(body.to_string()))
        .unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, headers, bytes.to_vec())
}

async fn json_call(app: &axum::Router, method: &str, body: &str) -> (StatusCode, Value) {
    let (status, _, bytes) = call(app, method, "/api/v1/settings", "application/json", body).await;
    (status, serde_json::from_slice(&bytes).unwrap())
}

#[tokio::test]
async fn settings_are_read_and_replaced_as_json() {
    let (_dir, app) = app();
    let (status, v) = json_call(&app, "GET", "").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        v,
        json!({
            "superior_agency": null, "agency": null, "symbol": null, "place": null,
            "signer_authority": null, "signer_title": null, "signer_name": null,
            "recipients": [],
        })
    );
    let (status, v) = json_call(
        &app,
        "PUT",
        r#"{"agency": "  CÔNG AN TỈNH BẾN TRE ", "symbol": "BC-CAT",
            "signer_name": "Nguye\u0302\u0303n Văn An",
            "recipients": ["Bộ Công an (C06)", "  ", "UBND tỉnh Bến Tre"]}"#,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    // Trimmed, NFC (the decomposed "ễ" precomposed), blank lines dropped.
    assert_eq!(v["agency"], "CÔNG AN TỈNH BẾN TRE");
    assert_eq!(v["signer_name"], "Nguyễn Văn An");
    assert_eq!(
        v["recipients"],
        json!(["Bộ Công an (C06)", "UBND tỉnh Bến Tre"])
    );
    assert_eq!(v["place"], Value::Null);
    assert_eq!(json_call(&app, "GET", "").await.1, v);
    // PUT replaces the whole set: what is absent is unset.
    let (status, v) = json_call(&app, "PUT", r#"{"place": "Châu Thành", "agency": ""}"#).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(v["place"], "Châu Thành");
    assert_eq!(v["agency"], Value::Null);
    assert_eq!(v["recipients"], json!([]));
}

#[tokio::test]
async fn bad_settings_are_refused_naming_the_field_and_nothing_is_saved() {
    let (_dir, app) = app();
    json_call(&app, "PUT", r#"{"agency": "CÔNG AN TỈNH BẾN TRE"}"#).await;
    let long = "x".repeat(201);
    for (body, field, words) in [
        (
            r#"{"agencyy": "X"}"#.to_string(),
            "body",
            "unknown field `agencyy`",
        ),
        (r#"["X"]"#.to_string(), "body", "settings object"),
        (r#"{"agency": 5}"#.to_string(), "body", "invalid type"),
        (
            format!(r#"{{"signer_name": "{long}"}}"#),
            "signer_name",
            "at most 200 characters",
        ),
        (
            r#"{"agency": "A\tB"}"#.to_string(),
            "agency",
            "no control characters",
        ),
        (
            r#"{"symbol": "12/BC"}"#.to_string(),
            "symbol",
            "letters A–Z",
        ),
        (
            format!(
                r#"{{"recipients": {}}}"#,
                serde_json::to_string(&vec!["a"; 21]).unwrap()
            ),
            "recipients",
            "21 lines, at most 20",
        ),
    ] {
        let (status, v) = json_call(&app, "PUT", &body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {v}");
        assert_eq!(v["error"]["field"], field, "{body}: {v}");
        let message = v["error"]["message"].as_str().unwrap();
        assert!(message.contains(words), "{body}: {message}");
    }
    assert_eq!(
        json_call(&app, "GET", "").await.1["agency"],
        "CÔNG AN TỈNH BẾN TRE"
    );
}

#[tokio::test]
async fn the_settings_page_shows_and_saves_the_form() {
    let (_dir, app) = app();
    let (status, _, html) = call(&app, "GET", "/settings", "text/html", "").await;
    let html = String::from_utf8(html).unwrap();
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<h1>Cài đặt báo cáo</h1>"), "{html}");
    assert!(
        html.contains(r#"<form method="post" action="/settings""#),
        "{html}"
    );
    assert!(
        html.contains(r#"<input id="agency" name="agency" value="""#),
        "{html}"
    );
    assert!(html.contains("Cơ quan ban hành"), "{html}");
    assert!(
        html.contains(r#"<textarea id="recipients" name="recipients""#),
        "{html}"
    );

    // A plain form post, as a browser without JavaScript sends it.
    let form = "lang=vi&agency=C%C3%94NG+AN+T%E1%BB%88NH+B%E1%BA%BEN+TRE&symbol=BC-CAT\
                &signer_name=Nguy%E1%BB%85n+V%C4%83n+An&recipients=B%E1%BB%99+C%C3%B4ng+an%0D%0AUBND+t%E1%BB%89nh";
    let (status, headers, _) = call(
        &app,
        "POST",
        "/settings",
        "application/x-www-form-urlencoded",
        form,
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers[header::LOCATION], "/settings?saved=1&lang=vi");
    let v = json_call(&app, "GET", "").await.1;
    assert_eq!(v["agency"], "CÔNG AN TỈNH BẾN TRE");
    assert_eq!(v["signer_name"], "Nguyễn Văn An");
    assert_eq!(v["recipients"], json!(["Bộ Công an", "UBND tỉnh"]));
    assert_eq!(v["superior_agency"], Value::Null);

    let (_, _, html) = call(&app, "GET", "/settings?saved=1", "text/html", "").await;
    let html = String::from_utf8(html).unwrap();
    assert!(html.contains("Đã lưu cài đặt báo cáo."), "{html}");
    assert!(html.contains(r#"value="CÔNG AN TỈNH BẾN TRE""#), "{html}");
    assert!(html.contains(">Bộ Công an\nUBND tỉnh</textarea>"), "{html}");

    // A bad value: the page again, with the reason and what was typed.
    let (status, _, html) = call(
        &app,
        "POST",
        "/settings",
        "application/x-www-form-urlencoded",
        "lang=en&agency=X&symbol=BC%2FCAT",
    )
    .await;
    let html = String::from_utf8(html).unwrap();
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(html.contains("<h1>Report settings</h1>"), "{html}");
    assert!(
        html.contains("Not saved: symbol: &#x27;BC/CAT&#x27; must be"),
        "{html}"
    );
    assert!(html.contains(r#"value="BC/CAT""#), "{html}");
    assert_eq!(
        json_call(&app, "GET", "").await.1["agency"],
        "CÔNG AN TỈNH BẾN TRE"
    );
}

#[tokio::test]
async fn the_openapi_document_declares_the_settings() {
    let (_dir, app) = app();
    let (_, _, bytes) = call(&app, "GET", "/api/v1/openapi.json", "application/json", "").await;
    let doc: Value = serde_json::from_slice(&bytes).unwrap();
    let path = &doc["paths"]["/api/v1/settings"];
    for status in ["200", "500", "503"] {
        assert!(
            path["get"]["responses"][status].is_object(),
            "GET {status}: {path}"
        );
    }
    for status in ["200", "400", "408", "413", "500", "503"] {
        assert!(
            path["put"]["responses"][status].is_object(),
            "PUT {status}: {path}"
        );
    }
    let schema = &doc["components"]["schemas"]["SettingsBody"];
    assert_eq!(schema["additionalProperties"], false);
    assert_eq!(schema["properties"]["recipients"]["maxItems"], 20);
    assert_eq!(schema["properties"]["agency"]["maxLength"], 200);
}
