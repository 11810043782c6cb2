//! `users`, `tokens` and `audit`: who may sign in to `serve`, machine
//! clients' tokens, and the audit log. The command line itself is the
//! administrator's (whoever can open the database file); what it changes
//! here is audited under `cli:$USER`.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use phuxanh_domain::{Day, Instant, Password, Role, UnitCode, Username};
use phuxanh_ingest::{FileKind, parse_user};
use phuxanh_report::access::{AuditList, AuditView, TokenList, UserList, UserView};
use phuxanh_store::access::{
    AccessStore, AuditCheck, AuditQuery, AuditRecord, NewUser, UserRecord, hash_password,
    one_time_password,
};
use phuxanh_store::{Scope, Store};
use phuxanh_store_sqlite::SqliteStore;

use crate::cli::{AuditArgs, OutputArgs, UsersCommand};
use crate::commands::import::cli_user;

/// Appends to the audit log what the command line did.
pub fn audit(store: &mut SqliteStore, record: AuditRecord) -> Result<()> {
    store
        .audit(&record)
        .context("writing the audit log entry for what was just done")?;
    Ok(())
}

pub fn record(action: &str) -> AuditRecord {
    AuditRecord::new(cli_user(), action)
}

/// The first line of a password file.
fn read_password(file: &Path) -> Result<Password> {
    let text = std::fs::read_to_string(file)
        .with_context(|| format!("cannot read the password file {}", file.display()))?;
    let line = text.lines().next().unwrap_or("");
    line.parse::<Password>()
        .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))
}

/// A password from a file (chosen: no change asked), or a one-time one.
fn password_from(file: Option<&Path>) -> Result<(Password, bool)> {
    match file {
        Some(f) => Ok((read_password(f)?, false)),
        None => Ok((one_time_password(), true)),
    }
}

fn check_unit(store: &SqliteStore, role: Role, unit: Option<&UnitCode>) -> Result<()> {
    match (role, unit) {
        (Role::Admin, None) => Ok(()),
        (_, None) => bail!("a {role} is scoped to a unit: give it with --unit (e.g. --unit 83)"),
        (_, Some(code)) => {
            store.unit(&Scope::everything(), code)?;
            Ok(())
        }
    }
}

pub fn run(store: &mut SqliteStore, command: UsersCommand) -> Result<ExitCode> {
    match command {
        UsersCommand::Add {
            name,
            role,
            unit,
            team,
            full_name,
            phone,
            password_file,
        } => {
            check_unit(store, role, unit.as_ref())?;
            let (password, must_change) = password_from(password_file.as_deref())?;
            let user = NewUser {
                full_name: full_name.unwrap_or_else(|| name.to_string()),
                username: name,
                role,
                unit,
                team,
                phone,
                password_hash: hash_password(&password),
                must_change,
            };
            let created = store.add_users(std::slice::from_ref(&user))?;
            let u = &created[0];
            let mut entry = record("user.add").subject(format!("{} ({})", u.username, u.role));
            if let Some(unit) = &u.unit {
                entry = entry.unit(unit);
            }
            audit(store, entry)?;
            println!(
                "Đã tạo người dùng (created) {} — {}, {}",
                u.username,
                u.role,
                u.unit
                    .as_ref()
                    .map_or("toàn quốc (everything)".to_string(), |c| format!(
                        "đơn vị {c}"
                    ))
            );
            if must_change {
                print_one_time(&u.username, &password);
            }
            Ok(ExitCode::SUCCESS)
        }
        UsersCommand::Import {
            file,
            passwords_out,
        } => import(store, &file, passwords_out.as_deref()),
        UsersCommand::List { output } => list(store, &output),
        UsersCommand::Disable { name } => {
            let u = store.set_disabled(&name, true)?;
            audit(
                store,
                record("user.disable").subject(u.username.to_string()),
            )?;
            println!(
                "{} đã bị khoá (disabled): không đăng nhập được, phiên đã kết thúc",
                u.username
            );
            Ok(ExitCode::SUCCESS)
        }
        UsersCommand::Enable { name } => {
            let u = store.set_disabled(&name, false)?;
            audit(store, record("user.enable").subject(u.username.to_string()))?;
            println!("{} đã được mở lại (enabled)", u.username);
            Ok(ExitCode::SUCCESS)
        }
        UsersCommand::ResetPassword {
            name,
            password_file,
        } => {
            let (password, must_change) = password_from(password_file.as_deref())?;
            let u = store.set_password(&name, &hash_password(&password), must_change)?;
            audit(
                store,
                record("user.reset-password").subject(u.username.to_string()),
            )?;
            println!(
                "Đã đặt lại mật khẩu của {} (password reset); các phiên cũ đã kết thúc",
                u.username
            );
            if must_change {
                print_one_time(&u.username, &password);
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `init`'s administrator: with the password of a file, or a generated
/// one printed once (to be changed at first sign-in).
pub fn first_admin(store: &mut SqliteStore, name: &Username, file: Option<&Path>) -> Result<()> {
    let (password, must_change) = password_from(file)?;
    store.add_users(&[NewUser {
        username: name.clone(),
        full_name: "Quản trị hệ thống".to_string(),
        role: Role::Admin,
        unit: None,
        team: None,
        phone: None,
        password_hash: hash_password(&password),
        must_change,
    }])?;
    audit(store, record("user.add").subject(format!("{name} (admin)")))?;
    println!("Quản trị viên (administrator): {name}");
    if must_change {
        print_one_time(name, &password);
    }
    Ok(())
}

fn print_one_time(name: &Username, password: &Password) {
    println!(
        "Mật khẩu dùng một lần (one-time password) của {name}: {}\n\
         Phải đổi khi đăng nhập lần đầu (must be changed at first sign-in); nó không được hiển thị lại.",
        password.expose()
    );
}

/// `users import FILE`: every row checked first (unit, name free, no name
/// twice), then all created in one transaction, or none.
fn import(store: &mut SqliteStore, file: &Path, passwords_out: Option<&Path>) -> Result<ExitCode> {
    if let Some(out) = passwords_out
        && out.exists()
    {
        bail!(
            "{} exists already: choose a new file for the passwords",
            out.display()
        );
    }
    let reader = phuxanh_ingest::read(file, FileKind::Users, parse_user, Day::today())?;
    let existing: Vec<Username> = store.users()?.into_iter().map(|u| u.username).collect();
    let mut rows: Vec<(u64, UserRecord)> = Vec::new();
    let mut refused: Vec<(u64, String)> = Vec::new();
    for row in reader {
        let checked = row.value.and_then(|r| {
            if existing.contains(&r.username) || rows.iter().any(|(_, x)| x.username == r.username)
            {
                return Err(format!("username: '{}' is taken already", r.username));
            }
            if let Some(unit) = &r.unit
                && let Err(e) = store.unit(&Scope::everything(), unit)
            {
                return Err(format!("unit_code: {e}"));
            }
            Ok(r)
        });
        match checked {
            Ok(r) => rows.push((row.line, r)),
            Err(e) => refused.push((row.line, e)),
        }
    }
    if !refused.is_empty() {
        for (line, reason) in &refused {
            eprintln!("{}:{line}: {reason}", file.display());
        }
        bail!(
            "nobody was created from {}: {} rows refused. Fix them and import the file again",
            file.display(),
            refused.len()
        );
    }
    // Argon2 takes tens of milliseconds a password: on every core.
    let passwords: Vec<Password> = rows.iter().map(|_| one_time_password()).collect();
    let hashes = hash_all(&passwords);
    let users: Vec<NewUser> = rows
        .iter()
        .zip(hashes)
        .map(|((_, r), password_hash)| NewUser {
            username: r.username.clone(),
            full_name: r.full_name.clone(),
            role: r.role,
            unit: r.unit.clone(),
            team: r.team.clone(),
            phone: r.phone.clone(),
            password_hash,
            must_change: true,
        })
        .collect();
    let created = store.add_users(&users)?;
    audit(
        store,
        record("user.import")
            .subject(file.display().to_string())
            .count(created.len() as i64),
    )?;
    let mut csv = csv::Writer::from_writer(Vec::new());
    csv.write_record(["username", "password"])?;
    for (u, p) in created.iter().zip(&passwords) {
        csv.write_record([u.username.as_str(), p.expose()])?;
    }
    let bytes = csv.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?;
    match passwords_out {
        Some(out) => {
            write_private(out, &bytes)?;
            println!(
                "Đã tạo {} người dùng (users created); mật khẩu dùng một lần ghi ở {} — trao tận tay, rồi xoá tệp",
                created.len(),
                out.display()
            );
        }
        None => {
            println!(
                "Đã tạo {} người dùng (users created); mật khẩu dùng một lần:",
                created.len()
            );
            std::io::stdout().write_all(&bytes)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Hashes passwords on every core.
fn hash_all(passwords: &[Password]) -> Vec<String> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let per = passwords.len().div_ceil(threads).max(1);
    std::thread::scope(|s| {
        let handles: Vec<_> = passwords
            .chunks(per)
            .map(|chunk| s.spawn(move || chunk.iter().map(hash_password).collect::<Vec<_>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("hashing does not panic"))
            .collect()
    })
}

/// Writes a file only its owner may read.
fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    f.write_all(bytes)?;
    Ok(())
}

fn list(store: &SqliteStore, output: &OutputArgs) -> Result<ExitCode> {
    output.check()?;
    let now = Instant::now();
    let users = store.users()?;
    output.emit(&UserList {
        users: users.iter().map(|u| UserView::new(u, now)).collect(),
    })
}

pub fn token_create(
    store: &mut SqliteStore,
    user: &Username,
    expires: Option<Day>,
    read_only: bool,
) -> Result<ExitCode> {
    if let Some(d) = expires
        && d < Day::today()
    {
        bail!("--expires {d} is in the past: give the last day the token should work");
    }
    // The token works through the whole of its last day.
    let expires_at = expires.map(|d| Instant::start_of(d.plus_days(1)));
    let (secret, info) = store.create_token(user, expires_at, read_only)?;
    audit(
        store,
        record("token.create").subject(format!(
            "token {} of {}{}",
            info.id,
            info.username,
            if read_only { " (read-only)" } else { "" }
        )),
    )?;
    println!("{secret}");
    eprintln!(
        "Mã truy cập số {} cho {} (token {} for {}): gửi trong tiêu đề `Authorization: Bearer …`. \
         Nó không được hiển thị lại (it is not shown again).",
        info.id, info.username, info.id, info.username
    );
    Ok(ExitCode::SUCCESS)
}

pub fn token_list(store: &SqliteStore, output: &OutputArgs) -> Result<ExitCode> {
    output.check()?;
    output.emit(&TokenList::new(&store.tokens()?, Instant::now()))
}

pub fn token_revoke(store: &mut SqliteStore, id: i64) -> Result<ExitCode> {
    if !store.revoke_token(id, Instant::now())? {
        bail!("there is no token number {id}: see `phuxanh tokens list`");
    }
    audit(store, record("token.revoke").subject(format!("token {id}")))?;
    println!("Đã thu hồi mã truy cập số {id} (revoked)");
    Ok(ExitCode::SUCCESS)
}

pub fn audit_list(store: &SqliteStore, args: &AuditArgs) -> Result<ExitCode> {
    args.output.check()?;
    let entries = store.audit_entries(&AuditQuery {
        unit: args.unit.clone(),
        from: args.from,
        to: args.to,
        actor: args.user.clone(),
        action: args.action.clone(),
        limit: None,
    })?;
    args.output.emit(&AuditList {
        entries: entries.iter().map(AuditView::from).collect(),
    })
}

pub fn audit_verify(store: &SqliteStore) -> Result<ExitCode> {
    match store.verify_audit()? {
        AuditCheck::Intact { entries, head } => {
            println!(
                "Nhật ký nguyên vẹn (intact): {} mục; mã băm cuối (head) {head}",
                phuxanh_report::vi::number(entries)
            );
            println!(
                "Ghi lại mã băm cuối ở nơi khác: xoá các mục cuối chỉ phát hiện được khi so với nó."
            );
            Ok(ExitCode::SUCCESS)
        }
        AuditCheck::Broken { seq, reason } => {
            eprintln!("Nhật ký đã bị sửa (tampered): mục {seq}: {reason}");
            Ok(ExitCode::FAILURE)
        }
    }
}

/// `citizens forget ID --reason …`: erases the citizen's personal data,
/// keeps their counts, and audits it (the ID masked: the log outlives the
/// erasure).
pub fn forget(
    store: &mut SqliteStore,
    id: phuxanh_domain::CitizenId,
    reason: &str,
) -> Result<ExitCode> {
    let record = record("citizen.forget").subject(format!("{}: {reason}", id.masked()));
    let erased = store.forget_citizen(&Scope::everything(), id, &record)?;
    let when = format!("{} {}", erased.at.clock(), erased.at.day());
    if erased.already {
        println!(
            "Thông tin cá nhân của công dân {} đã được xoá từ {when} (already erased); không thay đổi gì",
            id.masked()
        );
    } else {
        println!(
            "Đã xoá thông tin cá nhân của công dân {} (đơn vị {}): họ tên, hộ, địa chỉ, số điện thoại (erased). \
             Các số liệu thống kê giữ nguyên; bản sao lưu cũ vẫn còn thông tin cho đến khi bị xoá.",
            id.masked(),
            erased.unit
        );
    }
    Ok(ExitCode::SUCCESS)
}
