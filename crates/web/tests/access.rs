//! Every route of the router's own list (`phuxanh_web::route_list`, so a
//! route added later is tried too), as every role, on units inside and
//! outside its subtree, and with every kind of bad credential: nothing
//! outside the caller's scope may show in any body, header or cached
//! answer.
//!
//! The fixture (tests/data): Tỉnh Bến Tre (83) with Huyện Thạnh Phú (837:
//! communes 28900, 28903) and Huyện Ba Tri (836: commune 28800).

mod common;

use axum::http::{StatusCode, header};
use common::{Answer, call};
use phuxanh_domain::{Instant, Role};
use phuxanh_store::access::AccessStore;
use phuxanh_store_sqlite::SqliteStore;
use phuxanh_web::{Access, RouteInfo, route_list};

/// The units of the fixture: code, name, and the units above it.
const UNITS: &[(&str, &str, &[&str])] = &[
    ("83", "Tỉnh Bến Tre", &[]),
    ("837", "Huyện Thạnh Phú", &["83"]),
    ("836", "Huyện Ba Tri", &["83"]),
    ("28900", "Thị trấn Thạnh Phú", &["83", "837"]),
    ("28903", "Xã Phú Khánh", &["83", "837"]),
    ("28800", "Thị trấn Ba Tri", &["83", "836"]),
    ("28900-K1", "Khu phố 1", &["83", "837", "28900"]),
];

/// Whether unit `code` is `root` or under it.
fn under(code: &str, root: &str) -> bool {
    code == root
        || UNITS
            .iter()
            .any(|(c, _, above)| *c == code && above.contains(&root))
}

/// The citizens of tests/data/citizens.csv: ID, name, unit.
fn citizens() -> Vec<(String, String, String)> {
    std::fs::read_to_string(common::data("citizens.csv"))
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[0].to_string(), f[1].to_string(), f[4].to_string())
        })
        .collect()
}

/// What a caller of `role` scoped to `root` (all when `None`) must never
/// be shown: the names of units neither in their subtree nor above it, the
/// IDs and names of citizens outside it (all of them, for a viewer), and
/// whole ID numbers to a role that sees them masked.
fn forbidden(root: Option<&str>, role: Role) -> Vec<String> {
    let Some(root) = root else {
        return Vec::new();
    };
    let sees_persons = role.sees_persons();
    let above: &[&str] = UNITS.iter().find(|u| u.0 == root).unwrap().2;
    let mut out: Vec<String> = UNITS
        .iter()
        .filter(|(c, _, _)| !under(c, root) && !above.contains(c))
        .map(|(_, name, _)| name.to_string())
        .collect();
    for (id, name, unit) in citizens() {
        if !sees_persons || !under(&unit, root) {
            out.push(id);
            out.push(name);
        } else if !role.sees_full_ids() {
            out.push(id);
        }
    }
    out
}

fn assert_no_leak(what: &str, answer: &Answer, forbidden: &[String]) {
    let headers = format!("{:?}", answer.headers);
    for f in forbidden {
        assert!(
            !answer.body.contains(f.as_str()) && !headers.contains(f.as_str()),
            "{what} ({}) shows {f:?}:\n{}",
            answer.status,
            answer.body.chars().take(600).collect::<String>()
        );
    }
}

/// A route's path with its parameters filled: `unit` for `{code}`, and a
/// query each route needs.
fn uri(route: &RouteInfo, unit: &str) -> String {
    let path = route
        .path
        .replace("{code}", unit)
        .replace("{id}", "1")
        .replace("{view}", "ranking")
        .replace("{file}", "style.css")
        .replace("{name}", "to.xa")
        .replace("{action}", "enable");
    let query = match route.path.as_str() {
        "/api/v1/units/{code}/ranking" | "/api/v1/units/{code}/completed" => {
            "?metric=collected&as_of=2023-09-30"
        }
        "/api/v1/search" | "/search" => "?q=ba+tri",
        "/api/v1/pending"
        | "/data-quality"
        | "/data-quality/held.xlsx"
        | "/data-quality/held.pdf" => &format!("?unit={unit}"),
        "/units/{code}/{view}" => "?metric=collected&as_of=2023-09-30",
        "/api/v1/units/{code}/worklist"
        | "/units/{code}/worklist"
        | "/units/{code}/worklist.xlsx"
        | "/units/{code}/worklist.pdf" => "?kind=not-applied&as_of=2023-09-30",
        _ => "",
    };
    format!("{path}{query}")
}

/// A harmless body for a change.
fn body(route: &RouteInfo) -> (&'static str, &'static str) {
    match route.path.as_str() {
        "/api/v1/events" => (
            "application/json",
            r#"{"event_id": "acc-1", "citizen_id": "083000000099", "kind": "collected", "level": 1, "at": "2023-10-01 09:00"}"#,
        ),
        "/api/v1/settings" => ("application/json", r#"{"agency": "CÔNG AN TỈNH BẾN TRE"}"#),
        _ => (
            "application/x-www-form-urlencoded",
            "as_of=2023-09-30&username=x&password=y&current=a&new=b&again=b",
        ),
    }
}

struct Fixture {
    _dir: tempfile::TempDir,
    db: std::path::PathBuf,
    app: axum::Router,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let db = common::fixture(dir.path(), "");
    // Held events name citizens on the lists of persons.
    common::hold_events(dir.path(), &db);
    // `as_admin` makes `tester`; the others are made here.
    let app = common::as_admin(&db);
    Fixture { _dir: dir, db, app }
}

/// (name, role, unit) of the callers tried.
const CALLERS: &[(&str, Role, Option<&str>)] = &[
    ("tester", Role::Admin, None),
    ("ca.thanhphu", Role::Manager, Some("837")),
    ("to.xa", Role::Team, Some("28900")),
    ("xem.batri", Role::Viewer, Some("836")),
];

#[tokio::test]
async fn every_route_as_every_role_shows_only_its_scope() {
    let f = fixture();
    // Report 1, of unit 837, for the routes that name a report.
    let issued = call(
        &f.app,
        "POST",
        "/units/837/report/issue",
        &[("content-type", "application/x-www-form-urlencoded")],
        "as_of=2023-09-30",
    )
    .await;
    assert_eq!(issued.status, StatusCode::SEE_OTHER, "{}", issued.body);
    let routes = route_list();
    assert!(routes.len() > 30, "{routes:?}");
    for &(name, role, root) in CALLERS {
        let token = common::user_token(&f.db, name, role, root);
        let bearer = format!("Bearer {token}");
        let forbidden = forbidden(root, role);
        for route in &routes {
            // Inside the scope (the caller's own unit), and outside it.
            let units: Vec<(&str, bool)> = match root {
                None => vec![("83", true)],
                Some("837") => vec![("837", true), ("836", false)],
                Some("28900") => vec![("28900", true), ("28903", false)],
                Some(r) => vec![(r, true), ("837", false)],
            };
            for (unit, inside) in units {
                let uri = uri(route, unit);
                let (kind, content) = body(route);
                let a = call(
                    &f.app,
                    route.method,
                    &uri,
                    &[("authorization", &bearer), ("content-type", kind)],
                    content,
                )
                .await;
                let what = format!("{} {uri} as {name}", route.method);
                // The API's document is the same for all: its examples are
                // this fixture's citizens.
                if route.path != "/api/v1/openapi.json" {
                    assert_no_leak(&what, &a, &forbidden);
                }
                assert_ne!(
                    a.status,
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "{what}: {}",
                    a.body
                );
                if route.access == Access::Public {
                    continue;
                }
                let names_unit = route.path.contains("{code}") || uri.contains("?unit=");
                let names_report = route.path.contains("{id}");
                if !route.access.allows(role) {
                    assert_eq!(a.status, StatusCode::FORBIDDEN, "{what}: {}", a.body);
                } else if names_unit && !inside {
                    assert_eq!(a.status, StatusCode::FORBIDDEN, "{what}: {}", a.body);
                    assert!(a.body.contains("outside"), "{what}: {}", a.body);
                } else if names_report && !under("837", root.unwrap_or("83")) {
                    // Another unit's report: as if there were none.
                    assert_eq!(a.status, StatusCode::NOT_FOUND, "{what}: {}", a.body);
                } else {
                    assert!(
                        ![StatusCode::UNAUTHORIZED, StatusCode::FORBIDDEN].contains(&a.status),
                        "{what}: {} {}",
                        a.status,
                        a.body
                    );
                }
            }
        }
    }
}

#[tokio::test]
async fn bad_credentials_get_nothing_but_a_refusal() {
    let f = fixture();
    let mut store = SqliteStore::open(&f.db).unwrap();
    let manager = common::user_token(&f.db, "ca.thanhphu", Role::Manager, Some("837"));
    let name = "ca.thanhphu".parse().unwrap();
    let (revoked, info) = store.create_token(&name, None, false).unwrap();
    store.revoke_token(info.id, Instant::now()).unwrap();
    let past = Instant::from_unix_seconds(Instant::now().unix_seconds() - 60);
    let (expired, _) = store.create_token(&name, Some(past), false).unwrap();
    // A real token with one character changed.
    let mut forged = manager.clone();
    let last = forged.pop().unwrap();
    forged.push(if last == 'a' { 'b' } else { 'a' });
    let bad = [
        format!("Bearer {revoked}"),
        format!("Bearer {expired}"),
        format!("Bearer {forged}"),
        "Bearer pxt_0000".to_string(),
        "Bearer not-ours".to_string(),
        "Basic YWRtaW46YWRtaW4=".to_string(),
    ];
    let everything = forbidden(Some("837"), Role::Viewer)
        .into_iter()
        .chain(forbidden(Some("836"), Role::Viewer))
        .chain(UNITS.iter().map(|u| u.1.to_string()))
        .collect::<Vec<_>>();
    let app = f.app_anonymous();
    for route in route_list().iter().filter(|r| r.access != Access::Public) {
        let uri = uri(route, "837");
        let (kind, content) = body(route);
        let mut tries: Vec<Vec<(&str, &str)>> = bad
            .iter()
            .map(|b| vec![("authorization", b.as_str()), ("content-type", kind)])
            .collect();
        // No credentials; a session cookie that was never issued.
        tries.push(vec![("content-type", kind)]);
        tries.push(vec![
            ("cookie", "phuxanh_session=0123456789abcdef"),
            ("content-type", kind),
        ]);
        for headers in tries {
            let a = call(&app, route.method, &uri, &headers, content).await;
            let what = format!("{} {uri} with {headers:?}", route.method);
            assert_no_leak(&what, &a, &everything);
            let api = route.path.starts_with("/api/");
            let bearer = headers.iter().any(|(k, _)| *k == "authorization");
            if api || bearer {
                assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{what}: {}", a.body);
            } else {
                // A page: to the sign-in page.
                assert_eq!(a.status, StatusCode::SEE_OTHER, "{what}: {}", a.body);
                assert!(
                    a.headers[header::LOCATION]
                        .to_str()
                        .unwrap()
                        .starts_with("/login"),
                    "{what}"
                );
            }
        }
    }
}

impl Fixture {
    /// The router with no credentials added.
    fn app_anonymous(&self) -> axum::Router {
        phuxanh_web::router(std::sync::Arc::new(
            phuxanh_web::AppState::open(&self.db).unwrap(),
        ))
    }
}

#[tokio::test]
async fn a_browser_change_needs_the_sessions_csrf_token_and_a_read_only_token_changes_nothing() {
    let f = fixture();
    let app = f.app_anonymous();
    let mut store = SqliteStore::open(&f.db).unwrap();
    let tester = store.user(&"tester".parse().unwrap()).unwrap().unwrap();
    let (secret, csrf) = store.create_session(tester.id, Instant::now()).unwrap();
    let cookie = format!("phuxanh_session={secret}");
    let (read_only, _) = store
        .create_token(&"tester".parse().unwrap(), None, true)
        .unwrap();
    let read_only = format!("Bearer {read_only}");
    let changes: Vec<RouteInfo> = route_list()
        .into_iter()
        .filter(|r| r.method != "GET" && r.access != Access::Public)
        .collect();
    assert!(changes.len() >= 6, "{changes:?}");
    for route in &changes {
        let uri = uri(route, "837");
        let (kind, content) = body(route);
        let what = format!("{} {uri}", route.method);
        for headers in [
            vec![("cookie", cookie.as_str()), ("content-type", kind)],
            vec![
                ("cookie", cookie.as_str()),
                ("content-type", kind),
                ("x-csrf-token", "wrong"),
            ],
        ] {
            let a = call(&app, route.method, &uri, &headers, content).await;
            assert_eq!(
                a.status,
                StatusCode::FORBIDDEN,
                "{what} without CSRF: {}",
                a.body
            );
        }
        let a = call(
            &app,
            route.method,
            &uri,
            &[("authorization", &read_only), ("content-type", kind)],
            content,
        )
        .await;
        assert_eq!(
            a.status,
            StatusCode::FORBIDDEN,
            "{what} read-only: {}",
            a.body
        );
        assert!(a.body.contains("read-only"), "{what}: {}", a.body);
        // From another site's page, even with the token.
        let a = call(
            &app,
            route.method,
            &uri,
            &[
                ("cookie", cookie.as_str()),
                ("content-type", kind),
                ("x-csrf-token", &csrf),
                ("host", "phuxanh.local"),
                ("origin", "https://evil.example"),
            ],
            content,
        )
        .await;
        assert_eq!(
            a.status,
            StatusCode::FORBIDDEN,
            "{what} cross-site: {}",
            a.body
        );
    }
    // With the token, a form goes through: the settings are saved.
    let a = call(
        &app,
        "POST",
        "/settings",
        &[
            ("cookie", cookie.as_str()),
            ("content-type", "application/x-www-form-urlencoded"),
        ],
        &format!("csrf={csrf}&agency=C%C3%94NG+AN+T%E1%BB%88NH"),
    )
    .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.body);
    let a = call(&app, "GET", "/api/v1/settings", &[("cookie", &cookie)], "").await;
    assert!(a.body.contains("CÔNG AN TỈNH"), "{}", a.body);
}

#[tokio::test]
async fn a_cached_answer_is_never_served_to_a_caller_of_another_scope() {
    let f = fixture();
    let app = f.app_anonymous();
    let admin = format!(
        "Bearer {}",
        common::user_token(&f.db, "tester", Role::Admin, None)
    );
    let manager = format!(
        "Bearer {}",
        common::user_token(&f.db, "ca.batri", Role::Manager, Some("836"))
    );
    let viewer = format!(
        "Bearer {}",
        common::user_token(&f.db, "xem.thanhphu", Role::Viewer, Some("837"))
    );
    let progress = "/api/v1/units/837/progress?as_of=2023-09-30&children=true";
    for (a, status) in [(&admin, StatusCode::OK), (&manager, StatusCode::FORBIDDEN)] {
        let answer = call(&app, "GET", progress, &[("authorization", a)], "").await;
        assert_eq!(answer.status, status, "{}", answer.body);
    }
    for uri in [
        progress,
        "/api/v1/units",
        "/api/v1/search?q=thanh+phu",
        "/api/v1/campaigns",
    ] {
        let first = call(&app, "GET", uri, &[("authorization", &admin)], "").await;
        assert_eq!(first.status, StatusCode::OK, "{uri}");
        // Cached now; the manager of Ba Tri asks the same.
        let second = call(&app, "GET", uri, &[("authorization", &manager)], "").await;
        assert_no_leak(uri, &second, &forbidden(Some("836"), Role::Manager));
        let third = call(&app, "GET", uri, &[("authorization", &viewer)], "").await;
        assert_no_leak(uri, &third, &forbidden(Some("837"), Role::Viewer));
    }
}

#[tokio::test]
async fn the_pages_say_who_is_signed_in_and_send_a_scoped_user_to_their_unit() {
    let f = fixture();
    let app = f.app_anonymous();
    let team = format!(
        "Bearer {}",
        common::user_token(&f.db, "to.xa", Role::Team, Some("28900"))
    );
    let home = call(&app, "GET", "/", &[("authorization", &team)], "").await;
    assert_eq!(home.status, StatusCode::SEE_OTHER);
    assert!(
        home.headers[header::LOCATION]
            .to_str()
            .unwrap()
            .starts_with("/units/28900"),
        "{:?}",
        home.headers
    );
    let page = call(&app, "GET", "/units/28900", &[("authorization", &team)], "").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("Người thử to.xa"),
        "the header names the user"
    );
    // The units above are named, not linked.
    assert!(
        page.body
            .contains("<span class=\"above\">Tỉnh Bến Tre</span>")
    );
    assert!(!page.body.contains("href=\"/units/83?"));
    for (k, v) in [
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        ("cache-control", "private, no-store"),
    ] {
        assert_eq!(page.headers[k], v, "{k}");
    }
    let csp = page.headers[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap();
    assert!(csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"));
}

#[test]
fn routes_are_declared_only_in_the_route_table() {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    for entry in std::fs::read_dir(src).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let code = text.split("#[cfg(test)]").next().unwrap();
        let file = path.file_name().unwrap().to_str().unwrap();
        if file != "routes.rs" {
            assert!(
                !code.contains(".route("),
                "{file} declares a route outside the route table (routes.rs)"
            );
        }
        if file != "auth.rs" {
            assert!(
                !code.contains("Scope::everything") && !code.contains("Scope::subtree"),
                "{file} makes a scope: only the signed-in caller's may be used"
            );
        }
    }
}

/// The session cookie a sign-in set, as `name=value`.
fn session_of(a: &Answer) -> Option<String> {
    a.headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("phuxanh_session=") && !v.starts_with("phuxanh_session=;"))
        .map(|v| v.split(';').next().unwrap().to_string())
}

/// The CSRF token a page's forms carry.
fn csrf_of(page: &Answer) -> String {
    page.body
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap()
        .to_string()
}

async fn sign_in(app: &axum::Router, user: &str, password: &str) -> Answer {
    let form: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("username", user)
        .append_pair("password", password)
        .append_pair("next", "/units/837")
        .finish();
    call(
        app,
        "POST",
        "/login",
        &[("content-type", "application/x-www-form-urlencoded")],
        &form,
    )
    .await
}

#[tokio::test]
async fn a_sign_in_starts_a_session_that_sign_out_ends_and_guessing_locks_the_account() {
    let f = fixture();
    let app = f.app_anonymous();
    common::user_token(&f.db, "ca.thanhphu", Role::Manager, Some("837"));
    let password = "mật khẩu thử nghiệm"; // common::user_token's
    let ok = sign_in(&app, "ca.thanhphu", password).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    assert_eq!(ok.headers[header::LOCATION], "/units/837");
    let set = ok.headers[header::SET_COOKIE].to_str().unwrap();
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Strict") && set.contains("Path=/"),
        "{set}"
    );
    let cookie = session_of(&ok).unwrap();
    let page = call(&app, "GET", "/units/837", &[("cookie", &cookie)], "").await;
    assert_eq!(page.status, StatusCode::OK);
    let csrf = csrf_of(&page);
    let out = call(
        &app,
        "POST",
        "/logout",
        &[("cookie", &cookie), ("x-csrf-token", &csrf)],
        "",
    )
    .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    // The old cookie no longer opens anything: the session ended on the server.
    let after = call(&app, "GET", "/api/v1/units/837", &[("cookie", &cookie)], "").await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED);

    // Five wrong passwords lock the account: the right one is refused too.
    for _ in 0..5 {
        let a = sign_in(&app, "ca.thanhphu", "guess guess guess").await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED);
        assert!(session_of(&a).is_none());
    }
    let locked = sign_in(&app, "ca.thanhphu", password).await;
    assert_eq!(locked.status, StatusCode::UNAUTHORIZED);
    assert!(locked.body.contains("tạm khoá"), "{}", locked.body);
    assert!(session_of(&locked).is_none());
    // An unknown name is refused in the same words as a wrong password.
    let unknown = sign_in(&app, "nobody", "guess guess guess").await;
    assert!(
        unknown
            .body
            .contains("Tên đăng nhập hoặc mật khẩu không đúng")
    );

    let store = SqliteStore::open(&f.db).unwrap();
    let actions: Vec<String> = store
        .audit_entries(&Default::default())
        .unwrap()
        .into_iter()
        .map(|e| e.record.action)
        .collect();
    let count = |a: &str| actions.iter().filter(|x| *x == a).count();
    assert_eq!(count("sign-in"), 1, "{actions:?}");
    assert_eq!(count("sign-out"), 1, "{actions:?}");
    assert_eq!(count("sign-in.failed"), 6, "{actions:?}");
    assert_eq!(count("sign-in.lockout"), 1, "{actions:?}");
    assert_eq!(count("sign-in.refused"), 1, "{actions:?}");
}

#[tokio::test]
async fn a_one_time_password_must_be_changed_before_anything_else() {
    let f = fixture();
    let app = f.app_anonymous();
    let mut store = SqliteStore::open(&f.db).unwrap();
    let first = "mot lan thoi 123";
    let hash = phuxanh_store::access::hash_password(&first.parse().unwrap());
    common::user_token(&f.db, "moi", Role::Viewer, Some("836"));
    store
        .set_password(&"moi".parse().unwrap(), &hash, true)
        .unwrap();
    let a = sign_in(&app, "moi", first).await;
    assert_eq!(a.headers[header::LOCATION], "/password");
    let cookie = session_of(&a).unwrap();
    let page = call(&app, "GET", "/units/836", &[("cookie", &cookie)], "").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.headers[header::LOCATION], "/password");
    let form = call(&app, "GET", "/password", &[("cookie", &cookie)], "").await;
    let csrf = csrf_of(&form);
    let changed = call(
        &app,
        "POST",
        "/password",
        &[
            ("cookie", &cookie),
            ("content-type", "application/x-www-form-urlencoded"),
        ],
        &format!(
            "csrf={csrf}&current=mot+lan+thoi+123&new=cua+rieng+toi+456&again=cua+rieng+toi+456"
        ),
    )
    .await;
    assert_eq!(changed.status, StatusCode::SEE_OTHER, "{}", changed.body);
    let cookie = session_of(&changed).unwrap();
    let page = call(&app, "GET", "/units/836", &[("cookie", &cookie)], "").await;
    assert_eq!(page.status, StatusCode::OK);
}

#[tokio::test]
async fn injection_and_traversal_strings_in_every_parameter_are_refused_cleanly() {
    let f = fixture();
    let nasty = [
        "' OR 1=1 --",
        "83'; DROP TABLE citizens; --",
        "../../../../etc/passwd",
        "..%2F..%2Fetc%2Fpasswd",
        "%00",
        "<script>alert(1)</script>",
    ];
    for route in route_list().iter().filter(|r| r.method == "GET") {
        for n in nasty {
            let value: String = form_urlencoded::byte_serialize(n.as_bytes()).collect();
            let path = route
                .path
                .replace("{code}", &value)
                .replace("{id}", &value)
                .replace("{view}", &value)
                .replace("{file}", &value)
                .replace("{name}", &value)
                .replace("{action}", &value);
            // The value in every parameter a route might read, too.
            let uri = format!(
                "{path}?unit={value}&q={value}&as_of={value}&metric={value}&level={value}&from={value}&to={value}&user={value}"
            );
            let a = call(&f.app, "GET", &uri, &[], "").await;
            let what = format!("GET {uri}");
            assert!(
                a.status.is_client_error() || a.status.is_success() || a.status.is_redirection(),
                "{what}: {} {}",
                a.status,
                a.body
            );
            let lower = a.body.to_lowercase();
            for tell in ["sqlite", "syntax error", "root:x:0"] {
                assert!(!lower.contains(tell), "{what} shows {tell:?}: {}", a.body);
            }
            // A page escapes what it echoes (JSON is JSON, sent nosniff).
            let html = a
                .headers
                .get(header::CONTENT_TYPE)
                .is_some_and(|t| t.to_str().unwrap_or("").starts_with("text/html"));
            assert!(
                !(html && a.body.contains("<script>alert")),
                "{what}: {}",
                a.body
            );
        }
    }
    // Nothing was dropped.
    let after = call(&f.app, "GET", "/api/v1/units/83/progress", &[], "").await;
    assert_eq!(after.status, StatusCode::OK);
}
