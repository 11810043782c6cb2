//! The administrator's pages: `/admin/users` (who may sign in: add,
//! disable, enable, give a one-time password) and `/admin/audit` (the
//! audit log, filtered, with the state of its hash chain). The command
//! line's `users` and `audit` do the same; both are audited alike.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use phuxanh_domain::{Day, Instant, Role, UnitCode, Username};
use phuxanh_report::access::{AuditView, UserView};
use phuxanh_store::access::{
    AccessStore, AuditCheck, AuditQuery, NewUser, hash_password, one_time_password,
};
use serde::Deserialize;

use crate::auth::{Access, Caller};
use crate::pages::render;
use crate::routes::Table;
use crate::{ApiError, AppState};

/// The most audit entries the page lists (the newest).
const AUDIT_SHOWN: usize = 500;

pub(crate) fn routes(t: Table) -> Table {
    t.get("/admin/users", Access::Admin, users)
        .post("/admin/users", Access::Admin, add)
        .post("/admin/users/{name}/{action}", Access::Admin, change)
        .get("/admin/audit", Access::Admin, audit)
}

fn frame(title: &str, rest: minijinja::Value) -> Response {
    render(
        "admin.html",
        context! {
            lang => "vi",
            other_lang => "en",
            t => crate::lang::Lang::Vi.words(),
            page_name => title,
            title => title,
            crumbs => Vec::<()>::new(),
            as_of => Day::today().to_string(),
            map_params => Vec::<(String, String)>::new(),
            dated => None::<()>,
            lang_href => "",
            ..rest
        },
    )
}

const STATES: &[(&str, &str)] = &[
    ("active", "Đang dùng"),
    ("disabled", "Đã khoá"),
    ("locked", "Tạm khoá (sai mật khẩu)"),
    ("must-change-password", "Chờ đổi mật khẩu"),
];

fn users_page(
    s: &Arc<AppState>,
    notice: Option<String>,
    password: Option<(String, String)>,
    status: StatusCode,
) -> Response {
    let listed = {
        let store = s.pool.get();
        store
            .users()
            .and_then(|u| Ok((u, crate::personal::alerts(&store)?)))
    };
    let (users, alerts) = match listed {
        Ok(x) => x,
        Err(e) => return crate::pages::error_page(e.into()),
    };
    let now = Instant::now();
    let rows: Vec<_> = users
        .iter()
        .map(|u| {
            let v = UserView::new(u, now);
            let state = STATES
                .iter()
                .find(|(k, _)| *k == v.state)
                .map_or(v.state.as_str(), |(_, t)| t);
            context! {
                username => v.username,
                full_name => v.full_name,
                role => u.role.vietnamese(),
                unit => v.unit.unwrap_or_else(|| "cả nước".into()),
                team => v.team,
                state => state,
                disabled => u.disabled,
            }
        })
        .collect();
    let roles: Vec<_> = [Role::Manager, Role::Team, Role::Viewer, Role::Admin]
        .iter()
        .map(|r| context! { value => r.as_str(), label => r.vietnamese() })
        .collect();
    let mut page = frame(
        "Người dùng",
        context! {
            users => rows, roles => roles, notice => notice, password => password, alerts => alerts,
        },
    );
    *page.status_mut() = status;
    page
}

async fn users(State(s): State<Arc<AppState>>) -> Response {
    tokio::task::spawn_blocking(move || users_page(&s, None, None, StatusCode::OK))
        .await
        .unwrap_or_else(|e| crate::pages::error_page(ApiError::from_join(e)))
}

#[derive(Deserialize)]
struct Added {
    username: String,
    full_name: String,
    role: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    team: String,
    #[serde(default)]
    phone: String,
}

/// An optional text field: blank is none.
fn given(s: &str) -> Option<String> {
    Some(s.trim().to_string()).filter(|s| !s.is_empty())
}

async fn add(State(s): State<Arc<AppState>>, caller: Caller, Form(f): Form<Added>) -> Response {
    tokio::task::spawn_blocking(move || {
        let refuse = |why: String| users_page(&s, Some(why), None, StatusCode::BAD_REQUEST);
        let username = match f.username.trim().parse::<Username>() {
            Ok(u) => u,
            Err(e) => return refuse(format!("Tên đăng nhập: {e}")),
        };
        let role = match f.role.parse::<Role>() {
            Ok(r) => r,
            Err(e) => return refuse(format!("Vai trò: {e}")),
        };
        let unit = match given(&f.unit).map(|u| UnitCode::parse(&u)).transpose() {
            Ok(u) => u,
            Err(e) => return refuse(format!("Đơn vị: {e}")),
        };
        let full_name = f.full_name.trim().to_string();
        if full_name.is_empty() || full_name.chars().count() > 200 {
            return refuse("Họ và tên: cần từ 1 đến 200 ký tự".into());
        }
        if role != Role::Admin && unit.is_none() {
            return refuse(format!(
                "{} cần một đơn vị: ghi mã đơn vị (ví dụ 83, 837, 28900)",
                role.vietnamese()
            ));
        }
        let password = one_time_password();
        let new = NewUser {
            username: username.clone(),
            full_name,
            role,
            unit: unit.clone(),
            team: given(&f.team),
            phone: given(&f.phone),
            password_hash: hash_password(&password),
            must_change: true,
        };
        let mut record = caller
            .record("user.add")
            .subject(format!("{username} ({role})"));
        if let Some(u) = &unit {
            record = record.unit(u);
        }
        let added = {
            let mut w = s.writer.lock().unwrap_or_else(|p| p.into_inner());
            w.add_users(&[new]).and_then(|_| w.audit(&record))
        };
        match added {
            Ok(_) => users_page(
                &s,
                Some(format!("Đã tạo người dùng {username}.")),
                Some((username.to_string(), password.expose().to_string())),
                StatusCode::OK,
            ),
            Err(
                e @ (phuxanh_store::StoreError::UserExists(_)
                | phuxanh_store::StoreError::UnknownUnit(_)),
            ) => refuse(e.to_string()),
            Err(e) => crate::pages::error_page(e.into()),
        }
    })
    .await
    .unwrap_or_else(|e| crate::pages::error_page(ApiError::from_join(e)))
}

async fn change(
    State(s): State<Arc<AppState>>,
    caller: Caller,
    Path((name, action)): Path<(String, String)>,
) -> Response {
    let Ok(name) = name.parse::<Username>() else {
        return crate::pages::error_page(ApiError::not_found("no such user"));
    };
    if !["disable", "enable", "reset-password"].contains(&action.as_str()) {
        return crate::pages::error_page(ApiError::not_found("no such action"));
    }
    if action == "disable" && name == caller.user.username {
        return crate::pages::error_page(ApiError::forbidden(
            "an administrator may not disable their own account",
        ));
    }
    tokio::task::spawn_blocking(move || {
        let record = caller
            .record(&format!("user.{action}"))
            .subject(name.to_string());
        let password = (action == "reset-password").then(one_time_password);
        let done = {
            let mut w = s.writer.lock().unwrap_or_else(|p| p.into_inner());
            match &password {
                Some(p) => w.set_password(&name, &hash_password(p), true),
                None => w.set_disabled(&name, action == "disable"),
            }
            .and_then(|_| w.audit(&record))
        };
        match done {
            Ok(_) => match password {
                Some(p) => users_page(
                    &s,
                    Some(format!("Đã cấp mật khẩu dùng một lần cho {name}.")),
                    Some((name.to_string(), p.expose().to_string())),
                    StatusCode::OK,
                ),
                None => Redirect::to("/admin/users").into_response(),
            },
            Err(phuxanh_store::StoreError::UnknownUser(_)) => {
                crate::pages::error_page(ApiError::not_found("no such user"))
            }
            Err(e) => crate::pages::error_page(e.into()),
        }
    })
    .await
    .unwrap_or_else(|e| crate::pages::error_page(ApiError::from_join(e)))
}

async fn audit(
    State(s): State<Arc<AppState>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let field = |k: &str| q.get(k).and_then(|v| given(v));
    let parsed = (|| {
        let unit = field("unit")
            .map(|u| UnitCode::parse(&u).map_err(|e| ApiError::invalid("unit", e)))
            .transpose()?;
        let day = |k: &'static str| {
            field(k)
                .map(|d| d.parse::<Day>().map_err(|e| ApiError::invalid(k, e)))
                .transpose()
        };
        Ok::<_, ApiError>(AuditQuery {
            unit,
            from: day("from")?,
            to: day("to")?,
            actor: field("user"),
            action: field("action"),
            limit: None,
        })
    })();
    let query = match parsed {
        Ok(q) => q,
        Err(e) => return crate::pages::error_page(e),
    };
    let read = tokio::task::spawn_blocking(move || {
        let store = s.pool.get();
        Ok::<_, phuxanh_store::StoreError>((
            store.audit_entries(&query)?,
            store.verify_audit()?,
            crate::personal::alerts(&store)?,
        ))
    })
    .await;
    let (entries, check, alerts) = match read {
        Ok(Ok(x)) => x,
        Ok(Err(e)) => return crate::pages::error_page(e.into()),
        Err(e) => return crate::pages::error_page(ApiError::from_join(e)),
    };
    let total = entries.len();
    let shown: Vec<AuditView> = entries
        .iter()
        .rev()
        .take(AUDIT_SHOWN)
        .map(AuditView::from)
        .collect();
    let chain = match check {
        AuditCheck::Intact { entries, head } => context! {
            intact => true,
            text => format!(
                "Chuỗi băm nguyên vẹn: {} mục, mã cuối {head}",
                crate::lang::Lang::Vi.number(entries)
            ),
        },
        AuditCheck::Broken { seq, reason } => context! {
            intact => false,
            text => format!("Chuỗi băm bị phá vỡ ở mục {seq}: {reason}"),
        },
    };
    let value = |k: &str| q.get(k).cloned().unwrap_or_default();
    frame(
        "Nhật ký truy cập",
        context! {
            audit => shown,
            alerts => alerts,
            total => crate::lang::Lang::Vi.number(total as i64),
            chain => chain,
            filter => context! {
                unit => value("unit"), from => value("from"), to => value("to"), user => value("user"),
                action => value("action"),
            },
        },
    )
}
