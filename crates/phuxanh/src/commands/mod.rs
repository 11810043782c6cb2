//! One module per command family; [`run`] dispatches.

mod access;
mod analytics;
mod backup;
mod contacts;
mod demo;
mod field;
mod generate;
mod import;
mod progress;
mod reports;
mod settings;
mod targets;
mod units;

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use phuxanh_store::Store;
use phuxanh_store_sqlite::SqliteStore;

use crate::cli::{
    AuditCommand, CampaignsCommand, CitizensCommand, Cli, Command, ContactsCommand, ImportOnly,
    PendingCommand, ReportsCommand, SettingsCommand, TargetsCommand, TokensCommand, UnitsCommand,
};
use phuxanh_ingest::{
    FileKind, parse_citizen, parse_event, parse_status, parse_target, parse_unit,
};

pub fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Init {
            units,
            min_age,
            admin,
            admin_password_file,
        } => units::init(
            &cli.db,
            &units,
            min_age,
            &admin,
            admin_password_file.as_deref(),
        ),
        Command::Units(UnitsCommand::Import(args)) => import::run(
            &mut open(&cli.db)?,
            &args,
            FileKind::Units,
            parse_unit,
            import::units,
        ),
        Command::Units(UnitsCommand::Reorganise { to, map, dry_run }) => {
            units::reorganise(&mut open(&cli.db)?, &cli.db, to, map.as_deref(), dry_run)
        }
        Command::Units(UnitsCommand::List { parent }) => units::list(&open(&cli.db)?, parent),
        Command::Citizens(CitizensCommand::Forget { id, reason }) => {
            access::forget(&mut open(&cli.db)?, id, &reason)
        }
        Command::Citizens(CitizensCommand::Import(args)) => import::run(
            &mut open(&cli.db)?,
            &args,
            FileKind::Citizens,
            parse_citizen,
            import::citizens,
        ),
        Command::Events(ImportOnly::Import(args)) => import::run(
            &mut open(&cli.db)?,
            &args,
            FileKind::Events,
            parse_event,
            import::events,
        ),
        Command::Status(ImportOnly::Import(args)) => import::run(
            &mut open(&cli.db)?,
            &args,
            FileKind::Status,
            parse_status,
            import::events,
        ),
        Command::Targets(TargetsCommand::Set(args)) => targets::set(&mut open(&cli.db)?, &args),
        Command::Targets(TargetsCommand::List {
            unit,
            history,
            output,
        }) => targets::list(&open(&cli.db)?, &unit, history, &output),
        Command::Targets(TargetsCommand::Allocate {
            target,
            by,
            as_of,
            replace,
            output,
        }) => targets::allocate(&mut open(&cli.db)?, &target, by, as_of, replace, &output),
        Command::Targets(TargetsCommand::Import(args)) => import::run(
            &mut open(&cli.db)?,
            &args,
            FileKind::Targets,
            parse_target,
            import::targets,
        ),
        Command::Contacts(ContactsCommand::Import { file }) => {
            contacts::import(&mut open(&cli.db)?, &file)
        }
        Command::Contacts(ContactsCommand::List { unit, output }) => {
            contacts::list(&open(&cli.db)?, unit.as_ref(), &output)
        }
        Command::Progress(args) => progress::run(&open(&cli.db)?, &args),
        Command::Campaigns(CampaignsCommand::Add {
            name,
            from,
            to,
            unit,
        }) => analytics::campaigns_add(&mut open(&cli.db)?, &name, from, to, unit),
        Command::Campaigns(CampaignsCommand::List { output }) => {
            analytics::campaigns_list(&open(&cli.db)?, &output)
        }
        Command::Compare(args) => analytics::compare_cmd(&open(&cli.db)?, &args),
        Command::Daily(args) => analytics::daily_cmd(&open(&cli.db)?, &args),
        Command::Ranking(args) => analytics::ranking_cmd(&open(&cli.db)?, &args),
        Command::Completed(args) => analytics::completed_cmd(&open(&cli.db)?, &args),
        Command::Funnel(args) => analytics::funnel_cmd(&open(&cli.db)?, &args),
        Command::Report(args) => analytics::report_cmd(&mut open(&cli.db)?, &args),
        Command::Reports(ReportsCommand::List { unit, output }) => {
            reports::list(&open(&cli.db)?, &unit, &output)
        }
        Command::Reports(ReportsCommand::Show {
            id,
            changed,
            output,
        }) => reports::show(&open(&cli.db)?, id, changed, &output),
        Command::Reports(ReportsCommand::File { id, out }) => {
            reports::file(&open(&cli.db)?, id, &out)
        }
        Command::Pending(PendingCommand::List {
            unit,
            older_than,
            output,
        }) => analytics::pending_cmd(&mut open(&cli.db)?, unit.as_ref(), older_than, &output),
        Command::Backup { out: Some(out), .. } => backup::write(&cli.db, &out),
        Command::Backup {
            verify: Some(file), ..
        } => backup::verify(&file),
        Command::Backup { .. } => bail!("give --out FILE or --verify FILE"),
        Command::Restore { file } => backup::restore(&cli.db, &file),
        Command::Check { repair } => check(&mut open(&cli.db)?, repair),
        Command::Settings(SettingsCommand::Set { key, value }) => {
            settings::set(&mut open(&cli.db)?, key, &value)
        }
        Command::Settings(SettingsCommand::Get { key }) => settings::get(&open(&cli.db)?, key),
        Command::Settings(SettingsCommand::List) => settings::list(&open(&cli.db)?),
        Command::Settings(SettingsCommand::Unset { key }) => {
            settings::unset(&mut open(&cli.db)?, key)
        }
        Command::Teams(command) => field::teams_cmd(&mut open(&cli.db)?, command),
        Command::Sessions(command) => field::sessions_cmd(&mut open(&cli.db)?, command),
        Command::Worklist(args) => field::worklist_cmd(&mut open(&cli.db)?, &args),
        Command::Visits(command) => field::visits_cmd(&mut open(&cli.db)?, command),
        Command::Users(command) => access::run(&mut open(&cli.db)?, command),
        Command::Tokens(TokensCommand::Create {
            user,
            expires,
            read_only,
        }) => access::token_create(&mut open(&cli.db)?, &user, expires, read_only),
        Command::Tokens(TokensCommand::List { output }) => {
            access::token_list(&open(&cli.db)?, &output)
        }
        Command::Tokens(TokensCommand::Revoke { id }) => {
            access::token_revoke(&mut open(&cli.db)?, id)
        }
        Command::Audit {
            verify: Some(AuditCommand::Verify),
            ..
        } => access::audit_verify(&open(&cli.db)?),
        Command::Audit { query, .. } => access::audit_list(&open(&cli.db)?, &query),
        Command::Serve(args) => serve(&cli.db, args.options()),
        Command::Gen(args) => generate::run(&args),
        Command::Demo(args) => demo::run(&args),
    }
}

/// Opens an existing database named by `--db`.
pub fn open(db: &str) -> Result<SqliteStore> {
    if db.starts_with("postgres://") || db.starts_with("postgresql://") {
        bail!("PostgreSQL is not supported by this version yet: pass a SQLite file path with --db");
    }
    let path = Path::new(db);
    if !path.exists() {
        bail!(
            "database '{db}' does not exist: create it with `phuxanh --db {db} init`, or pass --db"
        );
    }
    let mut store =
        SqliteStore::open(path).with_context(|| format!("cannot open database '{db}'"))?;
    if let Some(upgrade) = store.upgraded() {
        eprintln!("phuxanh: {db}: {upgrade}");
    }
    store
        .set_busy_timeout(std::time::Duration::from_secs(wait_secs()))
        .context("setting how long to wait for other writers")?;
    Ok(store)
}

/// How long a command waits for another writer (an import, the server
/// recording events) to finish before it gives up: `PHUXANH_WAIT` seconds,
/// 600 by default — a whole import of a province's roster.
fn wait_secs() -> u64 {
    std::env::var("PHUXANH_WAIT")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(600)
}

/// Runs the server until Ctrl-C or SIGTERM; requests are logged to stderr.
pub fn serve(db: &str, options: phuxanh_web::ServeOptions) -> Result<ExitCode> {
    open(db)?; // the same checks and messages as every other command
    // One line per request at the default level; RUST_LOG=warn quietens it.
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // Colours for a terminal; plain text for a log file or journald.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false)
        .init();
    let runtime = tokio::runtime::Runtime::new().context("starting the server's runtime")?;
    runtime
        .block_on(phuxanh_web::serve(Path::new(db), options.clone()))
        .map_err(|e| anyhow::anyhow!("serving on {}: {e}", options.addr))?;
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn check(store: &mut SqliteStore, repair: bool) -> Result<ExitCode> {
    let report = store.check(repair).context("checking the counters")?;
    println!(
        "Checked {} citizens and {} events: {} citizens with wrong first days, {} wrong counter rows.",
        report.citizens, report.events, report.firsts_wrong, report.counters_wrong
    );
    for e in &report.examples {
        println!("  {e}");
    }
    if report.is_clean() {
        println!("Counters equal what the events say.");
        Ok(ExitCode::SUCCESS)
    } else if report.repaired {
        println!("Repaired: counters rebuilt from the events.");
        Ok(ExitCode::SUCCESS)
    } else {
        println!("Run `phuxanh check --repair` to rebuild them.");
        Ok(ExitCode::FAILURE)
    }
}
