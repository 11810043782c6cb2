//! Personal data by role: ID numbers masked for team members and whole for
//! managers, every showing and export audited with its count, the daily
//! limit refusing past it and alerting the administrators, and the
//! managers' exports watermarked with who made them and when.
//!
//! The persons shown are the held events' citizens (tests/data: 079188000008
//! lives in 28900, under Huyện Thạnh Phú 837; 083309000004 in 28800, under
//! Huyện Ba Tri 836).

mod common;

use std::io::Read;
use std::sync::Arc;

use axum::http::StatusCode;
use common::{Answer, call};
use phuxanh_domain::Role;
use phuxanh_store::access::{AccessStore, AuditQuery};
use phuxanh_store_sqlite::SqliteStore;
use phuxanh_web::{AppState, router};

struct Fixture {
    _dir: tempfile::TempDir,
    db: std::path::PathBuf,
    app: axum::Router,
}

/// The shared fixture with its held events (`common::hold_events`), served with a daily limit of
/// `limit` personal records.
fn fixture(limit: i64) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let db = common::fixture(dir.path(), "");
    common::hold_events(dir.path(), &db);
    let mut state = AppState::open(&db).unwrap();
    state.personal_limit = limit;
    Fixture {
        app: router(Arc::new(state)),
        db,
        _dir: dir,
    }
}

impl Fixture {
    async fn get(&self, uri: &str, token: &str) -> Answer {
        let bearer = format!("Bearer {token}");
        call(&self.app, "GET", uri, &[("authorization", &bearer)], "").await
    }

    fn token(&self, name: &str, role: Role, unit: Option<&str>) -> String {
        common::user_token(&self.db, name, role, unit)
    }

    fn audit(&self, action: &str) -> Vec<phuxanh_store::access::AuditEntry> {
        SqliteStore::open(&self.db)
            .unwrap()
            .audit_entries(&AuditQuery {
                action: Some(action.into()),
                ..AuditQuery::default()
            })
            .unwrap()
    }
}

#[tokio::test]
async fn team_members_see_id_numbers_masked_managers_whole_viewers_none() {
    let f = fixture(phuxanh_web::DAILY_LIMIT);
    let team = f.token("to.xa", Role::Team, Some("28900"));
    let manager = f.token("ca.thanhphu", Role::Manager, Some("837"));
    let viewer = f.token("xem.thanhphu", Role::Viewer, Some("837"));
    for uri in ["/api/v1/pending", "/data-quality"] {
        let a = f.get(uri, &team).await;
        assert_eq!(a.status, StatusCode::OK, "{uri}: {}", a.body);
        assert!(a.body.contains("079******008"), "{uri}: {}", a.body);
        for never in ["079188000008", "083309000004", "083******004"] {
            assert!(
                !a.body.contains(never),
                "{uri} shows {never} to a team member"
            );
        }
        let a = f.get(uri, &manager).await;
        assert_eq!(a.status, StatusCode::OK, "{uri}: {}", a.body);
        assert!(a.body.contains("079188000008"), "{uri}: {}", a.body);
        assert!(!a.body.contains("083309000004"), "{uri}: another district");
        let a = f.get(uri, &viewer).await;
        assert_eq!(a.status, StatusCode::FORBIDDEN, "{uri}: {}", a.body);
        assert!(!a.body.contains("079"), "{uri}: {}", a.body);
    }
    // The page offers the files to the manager only, and the files are
    // refused to the team member.
    let page = f.get("/data-quality", &manager).await;
    assert!(
        page.body.contains("/data-quality/held.xlsx"),
        "{}",
        page.body
    );
    let page = f.get("/data-quality", &team).await;
    assert!(
        !page.body.contains("/data-quality/held.xlsx"),
        "{}",
        page.body
    );
    for file in ["/data-quality/held.xlsx", "/data-quality/held.pdf"] {
        assert_eq!(f.get(file, &team).await.status, StatusCode::FORBIDDEN);
        assert_eq!(f.get(file, &viewer).await.status, StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn every_showing_is_audited_and_the_daily_limit_refuses_and_alerts() {
    let f = fixture(3);
    let team = f.token("to.xa", Role::Team, Some("28900"));
    // Two people in the list: 2 of 3.
    let a = f.get("/api/v1/pending?unit=28900", &team).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    let views = f.audit("personal.view");
    assert_eq!(views.len(), 1, "{views:?}");
    let v = &views[0].record;
    assert_eq!(v.actor, "to.xa");
    assert_eq!(v.count, Some(2));
    assert_eq!(v.unit.as_ref().map(|u| u.as_str()), Some("28900"));
    assert_eq!(v.subject, "pending");
    // Two more would be 4: refused, and the administrators told once.
    let a = f.get("/api/v1/pending?unit=28900", &team).await;
    assert_eq!(a.status, StatusCode::TOO_MANY_REQUESTS, "{}", a.body);
    assert!(
        !a.body.contains("079"),
        "a refusal shows nobody: {}",
        a.body
    );
    assert!(a.body.contains("2 of the 3"), "{}", a.body);
    let page = f.get("/data-quality", &team).await;
    assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(page.body.contains("giới hạn"), "{}", page.body);
    assert!(!page.body.contains("079"), "{}", page.body);
    assert_eq!(f.audit("personal.limit").len(), 1);
    assert_eq!(f.audit("personal.refused").len(), 1);
    assert_eq!(f.audit("personal.view").len(), 1, "refusals are not views");
    // The administrator's pages say who reached the limit.
    let admin = f.token("quan.tri", Role::Admin, None);
    for page in ["/admin/users", "/admin/audit"] {
        let a = f.get(page, &admin).await;
        assert_eq!(a.status, StatusCode::OK);
        assert!(
            a.body.contains("to.xa đã chạm giới hạn dữ liệu cá nhân"),
            "{page}: {}",
            a.body
        );
    }
    // Another user has a limit of their own; an empty list costs nothing.
    let other = f.token("to.xa2", Role::Team, Some("28903"));
    let a = f.get("/api/v1/pending", &other).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(f.audit("personal.view").len(), 1, "nobody was shown");
}

fn unzip(xlsx: &[u8], name: &str) -> String {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(xlsx)).unwrap();
    let mut out = String::new();
    zip.by_name(name).unwrap().read_to_string(&mut out).unwrap();
    out
}

fn pdftotext(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("list.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .args(["-layout"])
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext is missing: install Debian's poppler-utils (scripts/test does)");
    assert!(out.status.success(), "{out:?}");
    String::from_utf8(out.stdout).unwrap()
}

#[tokio::test]
async fn a_managers_export_is_audited_and_says_who_made_it_and_when() {
    let f = fixture(phuxanh_web::DAILY_LIMIT);
    let manager = f.token("ca.thanhphu", Role::Manager, Some("837"));
    let today = phuxanh_domain::Day::today().date();
    let date = format!("{:02}/{:02}/{}", today.day(), today.month(), today.year());

    let xlsx = f.get("/data-quality/held.xlsx?unit=837", &manager).await;
    assert_eq!(xlsx.status, StatusCode::OK, "{}", xlsx.body);
    let disposition = xlsx.headers["content-disposition"].to_str().unwrap();
    assert!(disposition.contains("su-kien-cho-837-"), "{disposition}");
    let strings = unzip(&xlsx.bytes, "xl/sharedStrings.xml");
    assert!(strings.contains("079188000008"), "{strings}");
    assert!(
        !strings.contains("083309000004"),
        "another district's citizen"
    );
    assert!(
        strings.contains("Xuất bởi ca.thanhphu (Người thử ca.thanhphu, Quản lý đơn vị)"),
        "{strings}"
    );
    assert!(strings.contains(&date), "{strings}");
    // On every printed page too.
    let sheet = unzip(&xlsx.bytes, "xl/worksheets/sheet1.xml");
    let header = sheet
        .split("<oddHeader>")
        .nth(1)
        .and_then(|h| h.split("</oddHeader>").next())
        .unwrap_or_else(|| panic!("no page header: {sheet}"));
    assert!(header.contains("&amp;LXuất bởi ca.thanhphu"), "{header}");
    // The formula-looking event id stays text (Excel's quote prefix).
    assert!(strings.contains("=HYPERLINK("), "{strings}");
    let styles = unzip(&xlsx.bytes, "xl/styles.xml");
    assert!(styles.contains("quotePrefix=\"1\""), "{styles}");

    let pdf = f.get("/data-quality/held.pdf?unit=837", &manager).await;
    assert_eq!(pdf.status, StatusCode::OK, "{}", pdf.body);
    assert_eq!(pdf.headers["content-type"], "application/pdf");
    let text = pdftotext(&pdf.bytes);
    assert!(text.contains("079188000008"), "{text}");
    assert!(text.contains("Xuất bởi ca.thanhphu"), "{text}");
    assert!(text.contains(&date), "{text}");

    let exports = f.audit("personal.export");
    assert_eq!(exports.len(), 2, "{exports:?}");
    for e in &exports {
        assert_eq!(e.record.actor, "ca.thanhphu");
        assert_eq!(e.record.count, Some(2));
        assert_eq!(e.record.unit.as_ref().map(|u| u.as_str()), Some("837"));
    }
}
