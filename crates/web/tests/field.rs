//! The door-to-door lists and the teams through the router, as each role
//! sees them, on the hand-made fixture (tests/data; the lists' figures are
//! worked out in crates/phuxanh/tests/field.rs): An (083085000001) lives in
//! Khu phố 1 (28900-K1) with an address and a phone, activated on 25/8 and
//! used the account on 1/9; team TKP1 covers Khu phố 1 only.

mod common;

use std::sync::Arc;

use axum::http::StatusCode;
use common::{Answer, call};
use phuxanh_domain::Role;
use phuxanh_store::access::{AccessStore, AuditQuery, NewUser, hash_password};
use phuxanh_store_sqlite::SqliteStore;
use phuxanh_web::{AppState, router};

struct Fixture {
    _dir: tempfile::TempDir,
    db: std::path::PathBuf,
    app: axum::Router,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let db = common::fixture(dir.path(), "");
    Fixture {
        app: router(Arc::new(AppState::open(&db).unwrap())),
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

    /// A team member of `team`, scoped to `unit`.
    fn member(&self, name: &str, unit: &str, team: &str) -> String {
        let mut store = SqliteStore::open(&self.db).unwrap();
        store
            .add_users(&[NewUser {
                username: name.parse().unwrap(),
                full_name: format!("Người thử {name}"),
                role: Role::Team,
                unit: Some(unit.parse().unwrap()),
                team: Some(team.to_string()),
                phone: None,
                password_hash: hash_password(&"mật khẩu thử nghiệm".parse().unwrap()),
                must_change: false,
            }])
            .unwrap();
        store
            .create_token(&name.parse().unwrap(), None, false)
            .unwrap()
            .0
    }

    fn audited(&self, action: &str) -> Vec<phuxanh_store::access::AuditEntry> {
        SqliteStore::open(&self.db)
            .unwrap()
            .audit_entries(&AuditQuery {
                action: Some(action.into()),
                ..AuditQuery::default()
            })
            .unwrap()
    }
}

const NOT_USED: &str = "/api/v1/units/28900/worklist?kind=not-used&as_of=2023-08-30";

#[tokio::test]
async fn a_team_member_sees_their_teams_units_with_ids_masked() {
    let f = fixture();
    let member = f.member("to.kp1", "28900", "TKP1");
    let a = f.get(NOT_USED, &member).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    let v: serde_json::Value = serde_json::from_str(&a.body).unwrap();
    assert_eq!(v["team"], "TKP1");
    assert_eq!(v["listed"], 1);
    let household = &v["places"][0]["list"][0];
    assert_eq!(household["members"][0]["citizen_id"], "083******001");
    // The team works the door: the address and the phone are theirs.
    assert_eq!(household["address"], "Số 1, Khu phố 1");
    assert_eq!(household["members"][0]["phone"], "0912345678");
    assert!(!a.body.contains("083085000001"));
    // The not-applied list of the town names Hoa, who lives outside the
    // team's village: the member does not see her.
    let a = f
        .get(
            "/api/v1/units/28900/worklist?kind=not-applied&as_of=2023-09-30",
            &member,
        )
        .await;
    assert!(!a.body.contains("079"), "{}", a.body);
    // Another team's list is refused, the page as well.
    let a = f.get(&format!("{NOT_USED}&team=TCT1"), &member).await;
    assert_eq!(a.status, StatusCode::FORBIDDEN, "{}", a.body);
    let page = f
        .get(
            "/units/28900/worklist?kind=not-used&as_of=2023-08-30",
            &member,
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("083******001"), "{}", page.body);
    assert!(page.body.contains("tel:+84912345678"), "{}", page.body);
    assert!(
        !page.body.contains("worklist.xlsx"),
        "no export for a team member"
    );
    assert_eq!(
        f.get(
            "/units/28900/worklist.xlsx?kind=not-used&as_of=2023-08-30",
            &member
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    // Two showings of one person each, audited as such.
    let views = f.audited("personal.view");
    assert_eq!(views.len(), 2, "{views:?}");
    assert!(
        views
            .iter()
            .all(|v| v.record.count == Some(1) && v.record.subject == "worklist")
    );
}

#[tokio::test]
async fn managers_see_whole_ids_and_export_viewers_and_other_districts_are_refused() {
    let f = fixture();
    let manager = f.token("ca.thanhphu", Role::Manager, Some("837"));
    let other = f.token("ca.batri", Role::Manager, Some("836"));
    let viewer = f.token("xem.thanhphu", Role::Viewer, Some("837"));
    let team = f.token("to.thitran", Role::Team, Some("28900"));

    let a = f.get(NOT_USED, &manager).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert!(a.body.contains("083085000001"), "{}", a.body);
    // A team member without a team: their whole unit, IDs masked.
    let a = f
        .get(
            "/api/v1/units/28900/worklist?kind=not-applied&as_of=2023-09-30",
            &team,
        )
        .await;
    assert!(a.body.contains("079******008"), "{}", a.body);
    assert_eq!(f.get(NOT_USED, &other).await.status, StatusCode::FORBIDDEN);
    let refused = f.get(NOT_USED, &viewer).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(!refused.body.contains("083"), "{}", refused.body);
    // An unknown team is said to be unknown.
    let a = f.get(&format!("{NOT_USED}&team=T404"), &manager).await;
    assert_eq!(a.status, StatusCode::NOT_FOUND, "{}", a.body);

    let page = f
        .get(
            "/units/28900/worklist?kind=not-used&as_of=2023-08-30",
            &manager,
        )
        .await;
    assert!(
        page.body
            .contains("/units/28900/worklist.xlsx?kind=not-used&amp;as_of=2023-08-30"),
        "{}",
        page.body
    );
    let xlsx = f
        .get(
            "/units/28900/worklist.xlsx?kind=not-used&as_of=2023-08-30",
            &manager,
        )
        .await;
    assert_eq!(xlsx.status, StatusCode::OK);
    assert!(
        xlsx.headers["content-disposition"]
            .to_str()
            .unwrap()
            .contains("ra-soat-28900-not-used-2023-08-30.xlsx")
    );
    let pdf = f
        .get(
            "/units/28900/worklist.pdf?kind=not-used&as_of=2023-08-30",
            &manager,
        )
        .await;
    assert_eq!(pdf.status, StatusCode::OK);
    assert_eq!(pdf.headers["content-type"], "application/pdf");
    let exports = f.audited("personal.export");
    assert_eq!(exports.len(), 2);
    assert!(exports.iter().all(|e| e.record.actor == "ca.thanhphu"));

    // Teams are about officers: anyone signed in to the unit sees them.
    let teams = f.get("/api/v1/units/837/teams", &viewer).await;
    assert_eq!(teams.status, StatusCode::OK);
    let v: serde_json::Value = serde_json::from_str(&teams.body).unwrap();
    let codes: Vec<&str> = v["teams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["TCT1", "TKP1", "TCT2"]);
    assert_eq!(
        f.get("/api/v1/units/836/teams", &viewer).await.status,
        StatusCode::FORBIDDEN
    );
    let sessions = f
        .get("/api/v1/units/28900/sessions?from=2023-08-21", &viewer)
        .await;
    let v: serde_json::Value = serde_json::from_str(&sessions.body).unwrap();
    let codes: Vec<&str> = v["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["S2", "S3"]);
    let page = f.get("/units/837/teams", &viewer).await;
    assert_eq!(page.status, StatusCode::OK);
    for text in [
        "Tổ công tác thị trấn Thạnh Phú",
        "Đêm muộn (sau 22:00)",
        "Cách làm hiệu quả",
    ] {
        assert!(page.body.contains(text), "{text}: {}", page.body);
    }
    // Field health is the managers'.
    assert!(!page.body.contains("Tình hình các tổ"));
    let page = f.get("/units/837/teams", &manager).await;
    assert!(page.body.contains("Tình hình các tổ"), "{}", page.body);
    assert!(
        page.body.contains("Tổ không có buổi nào trong 7 ngày"),
        "{}",
        page.body
    );
    // What works, figures only: S1 (An) and S4 (Cường) door to door, S2
    // (Bình) at the office, S3 (Bình again) at the school.
    let results = f.get("/api/v1/units/837/results", &viewer).await;
    assert_eq!(results.status, StatusCode::OK, "{}", results.body);
    let v: serde_json::Value = serde_json::from_str(&results.body).unwrap();
    let door = v["by_kind"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["key"] == "door-to-door")
        .unwrap();
    assert_eq!(
        (door["sessions"].as_u64(), door["collected"].as_u64()),
        (Some(2), Some(2))
    );
    assert_eq!(v["sessions"]["helped"], 4);
    assert!(
        !results.body.contains("0830"),
        "no person in the results: {}",
        results.body
    );
}

async fn sync(f: &Fixture, token: &str, body: &serde_json::Value) -> serde_json::Value {
    let bearer = format!("Bearer {token}");
    let a = call(
        &f.app,
        "POST",
        "/api/v1/sync",
        &[
            ("authorization", &bearer),
            ("content-type", "application/json"),
        ],
        &body.to_string(),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    serde_json::from_str(&a.body).unwrap()
}

fn statuses(answer: &serde_json::Value) -> Vec<(String, String)> {
    answer["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["id"].as_str().unwrap().to_string(),
                r["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

async fn collected(f: &Fixture, token: &str, unit: &str) -> i64 {
    let a = f
        .get(
            &format!("/api/v1/units/{unit}/progress?as_of=2023-10-01"),
            token,
        )
        .await;
    let v: serde_json::Value = serde_json::from_str(&a.body).unwrap();
    v["counts"]["collected"].as_i64().unwrap()
}

#[tokio::test]
async fn a_phones_sync_records_once_flags_a_wrong_clock_and_shows_conflicts() {
    let f = fixture();
    let member = f.member("to.tt", "28900", "TCT1");
    let manager = f.token("ca.thanhphu", Role::Manager, Some("837"));
    let now = phuxanh_domain::Instant::now().to_rfc3339();
    let before = collected(&f, &manager, "28900").await;
    let batch = serde_json::json!({
        "device": "phone-1", "sent_at": now, "pending": 0,
        "entries": [
            // Hoa applies at the door.
            {"id": "p1", "type": "event", "citizen_id": "079188000008", "kind": "collected", "level": 2, "at": "2023-09-30T20:00:00+07:00", "session_id": "S1"},
            // Nobody at home at An's.
            {"id": "p2", "type": "visit", "citizen_id": "083085000001", "outcome": "not-home", "at": "2023-09-30T20:10:00+07:00"},
            // Bình applied long ago: someone else recorded it.
            {"id": "p3", "type": "event", "citizen_id": "083190000002", "kind": "collected", "level": 1, "at": "2023-09-30T20:20:00+07:00"},
            // Another district's citizen: not theirs.
            {"id": "p4", "type": "event", "citizen_id": "083309000004", "kind": "collected", "level": 1, "at": "2023-09-30T20:30:00+07:00"},
        ]
    });
    let first = sync(&f, &member, &batch).await;
    assert_eq!(first["clock_off"], false);
    assert_eq!(
        statuses(&first),
        [
            ("p1".into(), "recorded".into()),
            ("p2".into(), "recorded".into()),
            ("p3".into(), "conflict".into()),
            ("p4".into(), "refused".into()),
        ]
    );
    assert!(!first.to_string().contains("Phạm Thị Dung"));
    assert_eq!(collected(&f, &manager, "28900").await, before + 1);
    // The answer was lost: the phone sends the same batch again.
    let again = sync(&f, &member, &batch).await;
    assert_eq!(
        statuses(&again),
        [
            ("p1".into(), "unchanged".into()),
            ("p2".into(), "unchanged".into()),
            ("p3".into(), "conflict".into()),
            ("p4".into(), "refused".into()),
        ]
    );
    assert_eq!(collected(&f, &manager, "28900").await, before + 1);

    // A team member sees ID numbers masked: they record by the list's ref.
    let a = f
        .get(
            "/api/v1/units/28900/worklist?kind=not-used&as_of=2023-08-30",
            &member,
        )
        .await;
    let list: serde_json::Value = serde_json::from_str(&a.body).unwrap();
    let an = &list["places"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["code"] == "28900-K1")
        .unwrap()["list"][0]["members"][0];
    assert_eq!(an["citizen_id"], "083******001");
    let by_ref = serde_json::json!({
        "device": "phone-1", "sent_at": phuxanh_domain::Instant::now().to_rfc3339(), "pending": 0,
        "entries": [
            {"id": "r1", "type": "visit", "citizen_ref": an["ref"], "outcome": "no-smartphone", "at": "2023-09-30T20:40:00+07:00"},
            {"id": "r2", "type": "visit", "citizen_ref": 999999, "outcome": "refused", "at": "2023-09-30T20:40:00+07:00"},
            {"id": "r3", "type": "visit", "citizen_ref": an["ref"], "citizen_id": "083085000001", "outcome": "refused", "at": "2023-09-30T20:40:00+07:00"},
        ]
    });
    let answer = sync(&f, &member, &by_ref).await;
    assert_eq!(
        statuses(&answer),
        [
            ("r1".into(), "recorded".into()),
            ("r2".into(), "refused".into()),
            ("r3".into(), "refused".into())
        ]
    );

    // A phone a day behind: kept, flagged, not counted.
    let yesterday = phuxanh_domain::Instant::from_unix_seconds(
        phuxanh_domain::Instant::now().unix_seconds() - 86_400,
    )
    .to_rfc3339();
    let late = serde_json::json!({
        "device": "phone-2", "sent_at": yesterday, "pending": 3,
        "entries": [
            {"id": "q1", "type": "event", "citizen_id": "083201000003", "kind": "activated", "level": 1, "at": yesterday},
            {"id": "q2", "type": "visit", "citizen_id": "083180000006", "outcome": "moved-away", "at": yesterday},
        ]
    });
    let flagged = sync(&f, &f.member("to.pk", "28903", "TCT2"), &late).await;
    assert_eq!(flagged["clock_off"], true);
    assert!(flagged["skew_seconds"].as_i64().unwrap() < -86_000);
    assert_eq!(
        statuses(&flagged),
        [
            ("q1".into(), "flagged".into()),
            ("q2".into(), "flagged".into())
        ]
    );
    let a = f
        .get("/api/v1/units/28903/progress?as_of=2023-12-31", &manager)
        .await;
    let v: serde_json::Value = serde_json::from_str(&a.body).unwrap();
    assert_eq!(v["eligible"], 3, "the moved-away visit is not counted");
    // Field health, for the managers: the two phones, their clocks.
    let health = f
        .get("/api/v1/units/837/health?as_of=2023-09-30", &manager)
        .await;
    assert_eq!(health.status, StatusCode::OK, "{}", health.body);
    let v: serde_json::Value = serde_json::from_str(&health.body).unwrap();
    let phones: Vec<(&str, &str, i64)> = v["phones"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["device"].as_str().unwrap(),
                p["user"].as_str().unwrap(),
                p["pending"].as_i64().unwrap(),
            )
        })
        .collect();
    assert!(phones.contains(&("phone-1", "to.tt", 0)), "{phones:?}");
    assert!(phones.contains(&("phone-2", "to.pk", 3)), "{phones:?}");
    assert_eq!(
        f.get("/api/v1/units/837/health", &member).await.status,
        StatusCode::FORBIDDEN
    );
    let audit = f.audited("intake.sync");
    assert_eq!(audit.len(), 3, "{audit:?}");
}
