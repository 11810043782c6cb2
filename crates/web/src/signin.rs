//! Signing in and out, and choosing one's own password: `/login`,
//! `/logout`, `/password`. A sign-in checks the password with Argon2id off
//! the async threads, counts failures towards the account's lock-out
//! (`LOCK_AFTER` failures lock it for `LOCK_SECS`) and the address's
//! throttle, and audits each outcome.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Extension;
use axum::extract::{Form, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use phuxanh_domain::{Instant, Password, Username};
use phuxanh_store::access::{
    AccessStore, AuditRecord, SignInOutcome, hash_password, verify_password,
};
use serde::Deserialize;

use crate::auth::{Access, Caller, ClientAddress, Via, clear_cookie, session_cookie};
use crate::lang::Lang;
use crate::pages::render;
use crate::routes::Table;
use crate::{ApiError, AppState};

pub(crate) fn routes(t: Table) -> Table {
    t.get("/login", Access::Public, page)
        .post("/login", Access::Public, sign_in)
        .post("/logout", Access::Signed, sign_out)
        .get("/password", Access::Signed, password_page)
        .post("/password", Access::Signed, change_password)
}

/// A hash checked when the user does not exist, so that an unknown name
/// takes as long to refuse as a wrong password.
fn decoy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| hash_password(&"a decoy password nobody has".parse().expect("long enough")))
}

/// Only a path of this site: never `//elsewhere` or `https://…`.
fn local_path(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_string(),
        _ => "/".to_string(),
    }
}

fn login_page(lang: Lang, status: StatusCode, next: &str, error: Option<String>) -> Response {
    let mut page = render(
        "login.html",
        context! {
            lang => lang.code(),
            next => next,
            error => error,
            heading => lang.pick("Đăng nhập", "Sign in"),
            username => lang.pick("Tên đăng nhập", "User name"),
            password => lang.pick("Mật khẩu", "Password"),
            submit => lang.pick("Đăng nhập", "Sign in"),
            note => lang.pick(
                "Sai mật khẩu 5 lần liên tiếp, tài khoản bị tạm khoá 15 phút. Quên mật khẩu: liên hệ quản trị viên để được cấp mật khẩu dùng một lần.",
                "Five wrong passwords in a row lock the account for 15 minutes. Forgot your password: ask the administrator for a one-time password.",
            ),
        },
    );
    *page.status_mut() = status;
    page
}

async fn page(caller: Option<Caller>, Query(q): Query<HashMap<String, String>>) -> Response {
    let next = local_path(q.get("next").map(String::as_str));
    if caller.is_some() {
        return Redirect::to(&next).into_response();
    }
    login_page(Lang::from_query(&q), StatusCode::OK, &next, None)
}

#[derive(Deserialize)]
struct SignIn {
    username: String,
    password: String,
    #[serde(default)]
    next: Option<String>,
    #[serde(default)]
    lang: Option<String>,
}

async fn sign_in(
    State(s): State<Arc<AppState>>,
    Extension(ClientAddress(address)): Extension<ClientAddress>,
    Form(form): Form<SignIn>,
) -> Response {
    let lang = Lang::from_code(form.lang.as_deref());
    let next = local_path(form.next.as_deref());
    let now = Instant::now();
    let refused = |why: String| login_page(lang, StatusCode::UNAUTHORIZED, &next, Some(why));
    let key = address.clone().unwrap_or_default();
    if let Some(wait) = s.throttle.held(&key, now) {
        return login_page(
            lang,
            StatusCode::TOO_MANY_REQUESTS,
            &next,
            Some(format!(
                "{} {} {}",
                lang.pick(
                    "Quá nhiều lần đăng nhập sai từ máy này. Thử lại sau",
                    "Too many failed sign-ins from this address. Try again in"
                ),
                (wait + 59) / 60,
                lang.pick("phút.", "minutes.")
            )),
        );
    }
    let wrong = lang
        .pick(
            "Tên đăng nhập hoặc mật khẩu không đúng.",
            "The user name or the password is wrong.",
        )
        .to_string();
    let name = form.username.trim().parse::<Username>().ok();
    let state = s.clone();
    let looked = name.clone();
    let found = tokio::task::spawn_blocking(move || match looked {
        Some(n) => state.pool.get().credentials(&n).ok().flatten(),
        None => None,
    })
    .await
    .ok()
    .flatten();
    // The password is checked even for an unknown name (same time taken).
    let hash = found
        .as_ref()
        .map_or_else(|| decoy_hash().to_string(), |c| c.password_hash.clone());
    let password = form.password;
    let matches = tokio::task::spawn_blocking(move || verify_password(&hash, &password))
        .await
        .unwrap_or(false);
    let audit = |action: &str, subject: String| {
        AuditRecord::new(name.as_ref().map_or("-", |n| n.as_str()), action)
            .subject(subject)
            .address(address.clone())
    };
    let Some(credentials) = found else {
        s.throttle.failed(&key, now);
        let record = audit("sign-in.failed", "unknown user".into());
        write(&s, move |w| w.audit(&record).map(drop)).await.ok();
        return refused(wrong);
    };
    let user = credentials.user;
    if let Some(until) = user.locked_until.filter(|u| *u > now) {
        s.throttle.failed(&key, now);
        let record = audit("sign-in.refused", "account locked".into());
        write(&s, move |w| w.audit(&record).map(drop)).await.ok();
        return refused(format!(
            "{} {}.",
            lang.pick(
                "Tài khoản đang tạm khoá vì nhập sai mật khẩu nhiều lần, đến",
                "The account is locked after repeated wrong passwords, until"
            ),
            until.clock()
        ));
    }
    if user.disabled {
        s.throttle.failed(&key, now);
        let record = audit("sign-in.refused", "user disabled".into());
        write(&s, move |w| w.audit(&record).map(drop)).await.ok();
        return refused(wrong);
    }
    let user_id = user.id;
    if !matches {
        s.throttle.failed(&key, now);
        let failed = audit("sign-in.failed", "wrong password".into());
        let locked = audit("sign-in.lockout", String::new());
        let outcome = write(&s, move |w| {
            let outcome = w.record_sign_in(user_id, false, now)?;
            w.audit(&failed)?;
            if let SignInOutcome::Refused {
                locked_until: Some(until),
            } = outcome
            {
                w.audit(&locked.subject(format!("locked until {}", until.to_rfc3339())))?;
            }
            Ok(outcome)
        })
        .await;
        return match outcome {
            Ok(SignInOutcome::Refused {
                locked_until: Some(until),
            }) => refused(format!(
                "{} {} {}.",
                wrong,
                lang.pick("Tài khoản bị tạm khoá đến", "The account is locked until"),
                until.clock()
            )),
            _ => refused(wrong),
        };
    }
    s.throttle.succeeded(&key);
    let record = audit("sign-in", String::new());
    let started = write(&s, move |w| {
        w.record_sign_in(user_id, true, now)?;
        let session = w.create_session(user_id, now)?;
        w.audit(&record)?;
        Ok(session)
    })
    .await;
    match started {
        Ok((secret, _csrf)) => {
            let to = if user.must_change {
                "/password".to_string()
            } else {
                next
            };
            let mut response = Redirect::to(&to).into_response();
            response.headers_mut().append(
                header::SET_COOKIE,
                session_cookie(&secret, s.secure_cookies, s.session_limits),
            );
            response
        }
        Err(e) => crate::pages::error_page_in(lang, e),
    }
}

/// Runs `f` on the writer, off the async threads.
async fn write<T: Send + 'static>(
    s: &Arc<AppState>,
    f: impl FnOnce(&mut phuxanh_store_sqlite::SqliteStore) -> phuxanh_store::Result<T> + Send + 'static,
) -> Result<T, ApiError> {
    let state = s.clone();
    tokio::task::spawn_blocking(move || {
        let mut w = state.writer.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut w)
    })
    .await
    .map_err(ApiError::from_join)?
    .map_err(ApiError::from)
}

async fn sign_out(State(s): State<Arc<AppState>>, caller: Caller) -> Response {
    if let Via::Session { secret, .. } = &caller.via {
        let secret = secret.clone();
        let record = caller.record("sign-out");
        if let Err(e) = write(&s, move |w| {
            w.end_session(&secret)?;
            w.audit(&record).map(drop)
        })
        .await
        {
            return crate::pages::error_page(e);
        }
    }
    let mut response = Redirect::to("/login").into_response();
    response
        .headers_mut()
        .append(header::SET_COOKIE, clear_cookie(s.secure_cookies));
    response
}

fn password_form(
    lang: Lang,
    caller: &Caller,
    status: StatusCode,
    error: Option<String>,
) -> Response {
    let mut page = render(
        "password.html",
        context! {
            lang => lang.code(),
            csrf => caller.csrf(),
            error => error,
            must_change => caller.user.must_change,
            heading => lang.pick("Đổi mật khẩu", "Change the password"),
            first => lang.pick(
                "Bạn đang dùng mật khẩu dùng một lần: hãy chọn mật khẩu của riêng mình để tiếp tục.",
                "You signed in with a one-time password: choose your own to go on.",
            ),
            current => lang.pick("Mật khẩu hiện tại", "Current password"),
            new => lang.pick("Mật khẩu mới (ít nhất 10 ký tự)", "New password (at least 10 characters)"),
            again => lang.pick("Nhập lại mật khẩu mới", "The new password again"),
            submit => lang.pick("Lưu mật khẩu", "Save the password"),
        },
    );
    *page.status_mut() = status;
    page
}

async fn password_page(caller: Caller, Query(q): Query<HashMap<String, String>>) -> Response {
    password_form(Lang::from_query(&q), &caller, StatusCode::OK, None)
}

#[derive(Deserialize)]
struct Change {
    current: String,
    new: String,
    again: String,
    #[serde(default)]
    lang: Option<String>,
}

async fn change_password(
    State(s): State<Arc<AppState>>,
    caller: Caller,
    Form(form): Form<Change>,
) -> Response {
    let lang = Lang::from_code(form.lang.as_deref());
    let bad = |why: &str| password_form(lang, &caller, StatusCode::BAD_REQUEST, Some(why.into()));
    if form.new != form.again {
        return bad(lang.pick(
            "Hai lần nhập mật khẩu mới không giống nhau.",
            "The two new passwords differ.",
        ));
    }
    let Ok(new) = form.new.parse::<Password>() else {
        return bad(lang.pick(
            "Mật khẩu mới cần ít nhất 10 ký tự.",
            "The new password needs at least 10 characters.",
        ));
    };
    if form.new == form.current {
        return bad(lang.pick(
            "Mật khẩu mới phải khác mật khẩu hiện tại.",
            "The new password must differ from the current one.",
        ));
    }
    let state = s.clone();
    let name = caller.user.username.clone();
    let current = form.current;
    let checked = tokio::task::spawn_blocking(move || {
        let found = state.pool.get().credentials(&name).ok().flatten();
        found
            .is_some_and(|c| verify_password(&c.password_hash, &current))
            .then(|| hash_password(&new))
    })
    .await
    .ok()
    .flatten();
    let Some(hash) = checked else {
        return bad(lang.pick(
            "Mật khẩu hiện tại không đúng.",
            "The current password is wrong.",
        ));
    };
    let name = caller.user.username.clone();
    let user_id = caller.user.id;
    let record = caller.record("user.password").subject(name.to_string());
    // A new password ends every session of the user; this one starts anew.
    let started = write(&s, move |w| {
        w.set_password(&name, &hash, false)?;
        let session = w.create_session(user_id, Instant::now())?;
        w.audit(&record)?;
        Ok(session)
    })
    .await;
    match started {
        Ok((secret, _)) => {
            let mut response = Redirect::to("/").into_response();
            response.headers_mut().append(
                header::SET_COOKIE,
                session_cookie(&secret, s.secure_cookies, s.session_limits),
            );
            response
        }
        Err(e) => crate::pages::error_page_in(lang, e),
    }
}
