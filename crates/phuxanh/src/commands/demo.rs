//! `phuxanh demo`: a fresh database with a generated province and a whole
//! campaign, imported through the same paths as real files, then its
//! progress.

use std::process::ExitCode;

use anyhow::{Context, Result};
use phuxanh_domain::Day;
use phuxanh_domain::{Metric, Password, Role, UnitCode, Username};
use phuxanh_ingest::{
    FileKind, parse_citizen, parse_contact, parse_event, parse_session, parse_target, parse_team,
    parse_unit, parse_visit,
};
use phuxanh_report::Format;
use phuxanh_store::Store;
use phuxanh_store_sqlite::SqliteStore;
use phuxanh_units::UnitSet;

use super::{generate, import, progress};
use crate::cli::{DemoArgs, GenArgs};

pub fn run(args: &DemoArgs) -> Result<ExitCode> {
    let dir = tempfile_dir()?;
    let gen_args = GenArgs {
        province: Some(args.province.clone()),
        citizens: args.citizens,
        seed: args.seed,
        units: UnitSet::Vn2024.name().into(),
        out: dir.clone(),
    };
    eprintln!(
        "Generating {} citizens of province {}…",
        args.citizens, args.province
    );
    let summary = generate::generate(&gen_args)?;

    for suffix in ["", "-wal", "-shm"] {
        let mut p = args.demo_db.clone().into_os_string();
        p.push(suffix);
        let _ = std::fs::remove_file(p);
    }
    let mut store = SqliteStore::open(&args.demo_db)
        .with_context(|| format!("cannot create {}", args.demo_db.display()))?;
    store.init(&UnitSet::Vn2024.units(), 14)?;
    let reports = [
        import::import_file(
            &mut store,
            &dir.join("villages.csv"),
            FileKind::Units,
            parse_unit,
            false,
            import::units,
        )?
        .0,
        import::import_file(
            &mut store,
            &dir.join("citizens.csv"),
            FileKind::Citizens,
            parse_citizen,
            false,
            import::citizens,
        )?
        .0,
        import::import_file(
            &mut store,
            &dir.join("events.csv"),
            FileKind::Events,
            parse_event,
            false,
            import::events,
        )?
        .0,
        import::import_file(
            &mut store,
            &dir.join("targets.csv"),
            FileKind::Targets,
            parse_target,
            false,
            import::targets,
        )?
        .0,
        import::import_file(
            &mut store,
            &dir.join("contacts.csv"),
            FileKind::Contacts,
            parse_contact,
            false,
            |store: &mut SqliteStore, scope: &_, rows, _: _, _: &str| {
                Ok(store.import_contacts(scope, rows)?.import)
            },
        )?
        .0,
        import::import_file(
            &mut store,
            &dir.join("teams.csv"),
            FileKind::Teams,
            parse_team,
            false,
            |store: &mut SqliteStore, scope: &_, rows, mode, _: &str| {
                store.import_teams(scope, rows, mode)
            },
        )?
        .0,
        import::import_file(
            &mut store,
            &dir.join("sessions.csv"),
            FileKind::Sessions,
            parse_session,
            false,
            |store: &mut SqliteStore, scope: &_, rows, mode, _: &str| {
                store.import_sessions(scope, rows, mode)
            },
        )?
        .0,
        import::import_file(
            &mut store,
            &dir.join("visits.csv"),
            FileKind::Visits,
            parse_visit,
            false,
            |store: &mut SqliteStore, scope: &_, rows, mode, source: &str| {
                let from = phuxanh_store::VisitsFrom {
                    by: source.to_string(),
                    now: phuxanh_domain::Instant::now(),
                    skew: None,
                };
                Ok(store.import_visits(scope, rows, mode, &from)?.import)
            },
        )?
        .0,
    ];
    if let Some(r) = reports.iter().find_map(|r| r.refused.first()) {
        anyhow::bail!("a generated file had a refused row (a bug in the generator): {r}");
    }
    let _ = std::fs::remove_dir_all(&dir);
    // The generated timeline's peak: the "60 ngày đêm" of the articles.
    let timeline = phuxanh_gen::Timeline::default();
    store.add_campaign(
        &phuxanh_store::Scope::everything(),
        &phuxanh_store::Campaign {
            name: "60 ngày đêm".to_string(),
            from: timeline.peak_start,
            to: timeline.peak_start.plus_days(timeline.peak_days as i32 - 1),
            unit: Some(args.province.clone()),
        },
    )?;

    let as_of: Day = "2023-11-14".parse().map_err(anyhow::Error::msg)?;
    let report = progress::progress(
        &store,
        &phuxanh_store::Scope::everything(),
        &args.province,
        as_of,
        true,
    )?;
    println!(
        "{}",
        String::from_utf8_lossy(&progress::render(&report, Format::Table, true)?)
    );
    let db = args.demo_db.display();
    println!(
        "Demo: {} citizens, {} events in {db}. Try:\n  phuxanh --db {db} progress --unit {p} --children --as-of 2023-10-18\n  phuxanh --db {db} compare --campaign \"60 ngày đêm\"\n  phuxanh --db {db} ranking --unit {p} --metric collected --level commune --as-of 2023-11-14 --top 10\n  phuxanh --db {db} report --campaign \"60 ngày đêm\" --as-of 2023-11-14 --out report.pdf\n  phuxanh --db {db} check",
        summary.citizens,
        summary.events,
        p = args.province
    );
    let users = demo_users(&mut store, &args.province, as_of)?;
    println!("\nNgười dùng mẫu (sample users; passwords for this demo only):");
    for (name, role, unit, password) in &users {
        println!(
            "  {name:<14} {:<16} {:<6} mật khẩu: {}",
            role.vietnamese(),
            unit.as_ref().map_or("-".to_string(), ToString::to_string),
            password.expose()
        );
    }
    drop(store);
    if args.no_serve {
        return Ok(ExitCode::SUCCESS);
    }
    let url = format!(
        "http://{}/units/{}?as_of=2023-11-14",
        args.addr, args.province
    );
    println!("\nDashboard: {url}\n(Ctrl-C stops the server.)");
    if !args.no_open {
        open_browser(&url);
    }
    super::serve(&db.to_string(), phuxanh_web::ServeOptions::on(args.addr))
}

/// A sample user: name, role, unit, password.
type DemoUser = (Username, Role, Option<UnitCode>, Password);

/// One user per role, so that a newcomer can sign in as each and see what
/// it sees: an administrator, the province's manager, the manager of its
/// district with the most citizens, a team member of that district's
/// commune with the most, and a viewer of the province. Their passwords
/// are generated and printed; none must be changed (a demo).
fn demo_users(store: &mut SqliteStore, province: &UnitCode, as_of: Day) -> Result<Vec<DemoUser>> {
    use phuxanh_store::access::{AccessStore, NewUser, hash_password, one_time_password};
    let scope = phuxanh_store::Scope::everything();
    let largest = |store: &SqliteStore, parent: &UnitCode| -> Result<UnitCode> {
        let mut best = None;
        for child in store.children(&scope, parent)? {
            let eligible = store.figures(&scope, &child.code, as_of)?.counts[Metric::Eligible];
            if best.as_ref().is_none_or(|(n, _)| eligible > *n) {
                best = Some((eligible, child.code));
            }
        }
        best.map(|(_, c)| c)
            .ok_or_else(|| anyhow::anyhow!("unit {parent} has no units under it"))
    };
    let district = largest(store, province)?;
    let commune = largest(store, &district)?;
    let plan: [(&str, &str, Role, Option<UnitCode>); 5] = [
        ("admin", "Quản trị hệ thống", Role::Admin, None),
        (
            "ca.tinh",
            "Cán bộ Công an tỉnh",
            Role::Manager,
            Some(province.clone()),
        ),
        (
            "ca.huyen",
            "Cán bộ Công an huyện",
            Role::Manager,
            Some(district.clone()),
        ),
        (
            "to.xa",
            "Thành viên tổ Đề án 06",
            Role::Team,
            Some(commune.clone()),
        ),
        (
            "xem.tinh",
            "Lãnh đạo xem số liệu",
            Role::Viewer,
            Some(province.clone()),
        ),
    ];
    let mut users = Vec::new();
    let mut new = Vec::new();
    for (name, full_name, role, unit) in plan {
        let username: Username = name.parse().map_err(anyhow::Error::msg)?;
        let password = one_time_password();
        new.push(NewUser {
            username: username.clone(),
            full_name: full_name.to_string(),
            role,
            unit: unit.clone(),
            // The team member is in their commune's women's union team
            // (gen's TCT2), which covers the commune.
            team: (role == Role::Team)
                .then(|| unit.as_ref().map(|u| format!("{u}-TCT2")))
                .flatten(),
            phone: None,
            password_hash: hash_password(&password),
            must_change: false,
        });
        users.push((username, role, unit, password));
    }
    store.add_users(&new)?;
    Ok(users)
}

/// Asks the desktop to open `url`; on a machine without one, says so.
fn open_browser(url: &str) {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(windows) {
        "explorer"
    } else {
        "xdg-open"
    };
    let launched = std::process::Command::new(opener)
        .arg(url)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    if launched.is_err() {
        println!(
            "(No browser could be opened here: open the address above yourself, or pass --no-open.)"
        );
    }
}

fn tempfile_dir() -> Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("phuxanh-demo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    Ok(dir)
}
