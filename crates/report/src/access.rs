//! `users list`, `tokens list` and `audit`: who may sign in, the machine
//! clients' tokens (never their secrets) and the audit log, as reports the
//! command line and the administrator's pages print alike.

use phuxanh_domain::Instant;
use phuxanh_store::access::{AuditEntry, TokenInfo, User};
use serde::Serialize;

use crate::render::{Cell, Report, Sheet, columns};

fn time(at: Instant) -> String {
    at.to_rfc3339()
}

#[derive(Clone, Debug, Serialize)]
pub struct UserView {
    pub username: String,
    pub full_name: String,
    pub role: String,
    /// The unit the user is scoped to; none for an administrator of everything.
    pub unit: Option<String>,
    pub team: Option<String>,
    pub phone: Option<String>,
    /// `active`, `disabled`, `locked` or `must-change-password`.
    pub state: String,
    pub created_at: String,
}

impl UserView {
    pub fn new(u: &User, now: Instant) -> UserView {
        let state = if u.disabled {
            "disabled"
        } else if u.locked_until.is_some_and(|t| t > now) {
            "locked"
        } else if u.must_change {
            "must-change-password"
        } else {
            "active"
        };
        UserView {
            username: u.username.to_string(),
            full_name: u.full_name.clone(),
            role: u.role.to_string(),
            unit: u.unit.as_ref().map(ToString::to_string),
            team: u.team.clone(),
            phone: u.phone.clone(),
            state: state.to_string(),
            created_at: time(u.created_at),
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct UserList {
    pub users: Vec<UserView>,
}

impl Report for UserList {
    fn sheet(&self) -> Sheet {
        let opt = |s: &Option<String>| s.clone().map_or(Cell::Empty, Cell::Text);
        Sheet {
            title: format!("Người dùng: {}", crate::vi::number(self.users.len() as i64)),
            columns: columns(&[
                ("username", "Tên đăng nhập"),
                ("full_name", "Họ và tên"),
                ("role", "Vai trò"),
                ("unit", "Đơn vị"),
                ("team", "Tổ"),
                ("phone", "Điện thoại"),
                ("state", "Trạng thái"),
                ("created_at", "Tạo lúc"),
            ]),
            rows: self
                .users
                .iter()
                .map(|u| {
                    vec![
                        Cell::Text(u.username.clone()),
                        Cell::Text(u.full_name.clone()),
                        Cell::Text(u.role.clone()),
                        opt(&u.unit),
                        opt(&u.team),
                        opt(&u.phone),
                        Cell::Text(u.state.clone()),
                        Cell::Text(u.created_at.clone()),
                    ]
                })
                .collect(),
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct TokenView {
    pub id: i64,
    pub user: String,
    /// The secret's first characters, to recognise it.
    pub prefix: String,
    pub read_only: bool,
    /// `active`, `expired` or `revoked`.
    pub state: String,
    pub created_at: String,
    pub expires_at: Option<String>,
    pub last_used_at: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct TokenList {
    pub tokens: Vec<TokenView>,
}

impl TokenList {
    pub fn new(tokens: &[TokenInfo], now: Instant) -> TokenList {
        TokenList {
            tokens: tokens
                .iter()
                .map(|t| TokenView {
                    id: t.id,
                    user: t.username.to_string(),
                    prefix: format!("{}…", t.prefix),
                    read_only: t.read_only,
                    state: if t.revoked_at.is_some() {
                        "revoked"
                    } else if t.usable_at(now) {
                        "active"
                    } else {
                        "expired"
                    }
                    .to_string(),
                    created_at: time(t.created_at),
                    expires_at: t.expires_at.map(time),
                    last_used_at: t.last_used_at.map(time),
                })
                .collect(),
        }
    }
}

impl Report for TokenList {
    fn sheet(&self) -> Sheet {
        let opt = |s: &Option<String>| s.clone().map_or(Cell::Empty, Cell::Text);
        Sheet {
            title: format!(
                "Mã truy cập API: {}",
                crate::vi::number(self.tokens.len() as i64)
            ),
            columns: columns(&[
                ("id", "Số"),
                ("user", "Người dùng"),
                ("prefix", "Mở đầu"),
                ("read_only", "Chỉ đọc"),
                ("state", "Trạng thái"),
                ("created_at", "Tạo lúc"),
                ("expires_at", "Hết hạn"),
                ("last_used_at", "Dùng lần cuối"),
            ]),
            rows: self
                .tokens
                .iter()
                .map(|t| {
                    vec![
                        Cell::Int(t.id),
                        Cell::Text(t.user.clone()),
                        Cell::Text(t.prefix.clone()),
                        Cell::Text(if t.read_only { "có" } else { "không" }.into()),
                        Cell::Text(t.state.clone()),
                        Cell::Text(t.created_at.clone()),
                        opt(&t.expires_at),
                        opt(&t.last_used_at),
                    ]
                })
                .collect(),
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct AuditView {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub unit: Option<String>,
    pub subject: String,
    pub count: Option<i64>,
    pub address: Option<String>,
}

impl From<&AuditEntry> for AuditView {
    fn from(e: &AuditEntry) -> AuditView {
        AuditView {
            seq: e.seq,
            at: time(e.at),
            actor: e.record.actor.clone(),
            action: e.record.action.clone(),
            unit: e.record.unit.as_ref().map(ToString::to_string),
            subject: e.record.subject.clone(),
            count: e.record.count,
            address: e.record.address.clone(),
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct AuditList {
    pub entries: Vec<AuditView>,
}

impl Report for AuditList {
    fn sheet(&self) -> Sheet {
        let opt = |s: &Option<String>| s.clone().map_or(Cell::Empty, Cell::Text);
        Sheet {
            title: format!(
                "Nhật ký truy cập: {} mục",
                crate::vi::number(self.entries.len() as i64)
            ),
            columns: columns(&[
                ("seq", "Số"),
                ("at", "Lúc"),
                ("actor", "Người thực hiện"),
                ("action", "Việc"),
                ("unit", "Đơn vị"),
                ("subject", "Đối tượng"),
                ("count", "Số lượng"),
                ("address", "Địa chỉ mạng"),
            ]),
            rows: self
                .entries
                .iter()
                .map(|e| {
                    vec![
                        Cell::Int(e.seq),
                        Cell::Text(e.at.clone()),
                        Cell::Text(e.actor.clone()),
                        Cell::Text(e.action.clone()),
                        opt(&e.unit),
                        Cell::Text(e.subject.clone()),
                        e.count.map_or(Cell::Empty, Cell::Int),
                        opt(&e.address),
                    ]
                })
                .collect(),
        }
    }
}
