//! `teams`, `sessions` and `worklist`: the field teams, their outings, and
//! the door-to-door lists they take out.

use std::process::ExitCode;

use anyhow::{Result, bail};
use phuxanh_domain::field::{Force, Session, SessionTimes, Team};
use phuxanh_domain::{Day, Instant, OneLine, Phone};
use phuxanh_ingest::{FileKind, parse_session, parse_team, parse_visit};
use phuxanh_report::field::{sessions, teams, worklist};
use phuxanh_report::{Format, Report, render};
use phuxanh_store::{ImportMode, ImportReport, Row, Scope, SessionQuery, Store};
use phuxanh_store_sqlite::SqliteStore;

use super::import;
use crate::cli::{
    OutputArgs, SessionsCommand, TeamArgs, TeamsCommand, VisitsCommand, WorklistArgs,
};

pub fn teams_cmd(store: &mut SqliteStore, command: TeamsCommand) -> Result<ExitCode> {
    match command {
        TeamsCommand::Import(args) => import::run(
            store,
            &args,
            FileKind::Teams,
            parse_team,
            |store: &mut SqliteStore, scope: &_, rows, mode, _: &str| {
                store.import_teams(scope, rows, mode)
            },
        ),
        TeamsCommand::Add(args) => {
            let team = team_of(args)?;
            let report = one(
                |rows| store.import_teams(&Scope::everything(), rows, ImportMode::Atomic),
                team,
            )?;
            audited(store, "teams.add", &report)?;
            Ok(ExitCode::SUCCESS)
        }
        TeamsCommand::List { unit, output } => {
            output.check()?;
            output.emit(&teams(&*store, &Scope::everything(), unit.as_ref())?)
        }
        TeamsCommand::Health {
            unit,
            as_of,
            quiet_days,
            output,
        } => {
            output.check()?;
            output.emit(&phuxanh_report::field::health(
                &*store,
                &Scope::everything(),
                &unit,
                as_of.unwrap_or_else(Day::today),
                quiet_days,
            )?)
        }
        TeamsCommand::Results {
            unit,
            from,
            to,
            output,
        } => {
            output.check()?;
            output.emit(&phuxanh_report::field::results(
                &*store,
                &Scope::everything(),
                &unit,
                from,
                to,
            )?)
        }
    }
}

fn team_of(a: TeamArgs) -> Result<Team> {
    let text = |s: Option<String>, what: &str| -> Result<Option<String>> {
        s.map(|s| OneLine::parse(&s, what).map(|l| l.to_string()))
            .transpose()
            .map_err(anyhow::Error::msg)
    };
    let counts = [
        (Force::Police, a.police),
        (Force::YouthUnion, a.youth_union),
        (Force::WomensUnion, a.womens_union),
        (Force::Veterans, a.veterans),
        (Force::Students, a.students),
        (Force::Other, a.other),
    ];
    Ok(Team {
        code: a.code,
        name: OneLine::parse(&a.name, "--name")
            .map_err(anyhow::Error::msg)?
            .to_string(),
        unit: a.unit,
        covers: a.covers,
        leader: text(a.leader, "--leader")?,
        leader_phone: a
            .leader_phone
            .map(|p| Phone::parse(&p))
            .transpose()
            .map_err(anyhow::Error::msg)?,
        deputy: text(a.deputy, "--deputy")?,
        members: counts.into_iter().filter(|(_, n)| *n > 0).collect(),
    })
}

/// Applies one row through an import, and turns its refusal into an error.
fn one<T>(
    apply: impl FnOnce(phuxanh_store::Rows<T>) -> phuxanh_store::Result<ImportReport>,
    value: T,
) -> Result<ImportReport> {
    let mut rows = std::iter::once(Row {
        line: 1,
        value: Ok(value),
    });
    let report = apply(&mut rows)?;
    if let Some(r) = report.refused.first() {
        bail!("{}", r.reason);
    }
    println!(
        "{}",
        if report.applied > 0 {
            "Đã ghi (saved)"
        } else {
            "Không đổi (unchanged)"
        }
    );
    Ok(report)
}

fn audited(store: &mut SqliteStore, action: &str, report: &ImportReport) -> Result<()> {
    if report.applied > 0 {
        super::access::audit(
            store,
            super::access::record(action).count(report.applied as i64),
        )?;
    }
    Ok(())
}

pub fn sessions_cmd(store: &mut SqliteStore, command: SessionsCommand) -> Result<ExitCode> {
    match command {
        SessionsCommand::Import(args) => import::run(
            store,
            &args,
            FileKind::Sessions,
            parse_session,
            |store: &mut SqliteStore, scope: &_, rows, mode, _: &str| {
                store.import_sessions(scope, rows, mode)
            },
        ),
        SessionsCommand::Add {
            code,
            team,
            unit,
            place,
            kind,
            start,
            end,
        } => {
            let session = Session {
                code,
                team,
                unit,
                place: OneLine::parse(&place, "--place")
                    .map_err(anyhow::Error::msg)?
                    .to_string(),
                kind,
                times: SessionTimes::new(start, end).map_err(anyhow::Error::msg)?,
            };
            let report = one(
                |rows| store.import_sessions(&Scope::everything(), rows, ImportMode::Atomic),
                session,
            )?;
            audited(store, "sessions.add", &report)?;
            Ok(ExitCode::SUCCESS)
        }
        SessionsCommand::List {
            unit,
            team,
            from,
            to,
            output,
        } => {
            output.check()?;
            let query = SessionQuery {
                unit,
                team,
                from,
                to,
            };
            output.emit(&sessions(&*store, &Scope::everything(), &query)?)
        }
    }
}

/// `worklist`: the list, audited as every list of persons is (a view on
/// the terminal, an export with `--out`), its XLSX marked with who made
/// it and when.
pub fn worklist_cmd(store: &mut SqliteStore, args: &WorklistArgs) -> Result<ExitCode> {
    args.output.check()?;
    let now = Instant::now();
    let as_of = args.as_of.unwrap_or_else(Day::today);
    let list = worklist(
        &*store,
        &Scope::everything(),
        &args.unit,
        args.kind,
        args.team.as_ref(),
        as_of,
    )?;
    emit_personal(
        store,
        &args.output,
        &list,
        "worklist",
        list.listed,
        Some(&args.unit),
        now,
    )
}

/// Writes a list of persons as `output` says, after auditing it.
pub fn emit_personal<R: Report>(
    store: &mut SqliteStore,
    output: &OutputArgs,
    report: &R,
    list: &str,
    count: u64,
    unit: Option<&phuxanh_domain::UnitCode>,
    now: Instant,
) -> Result<ExitCode> {
    if count > 0 {
        let action = match output.out {
            Some(_) => "personal.export",
            None => "personal.view",
        };
        let mut record = super::access::record(action)
            .subject(list)
            .count(count as i64);
        if let Some(u) = unit {
            record = record.unit(u);
        }
        super::access::audit(store, record)?;
    }
    let bytes = match output.format {
        Format::Xlsx => report
            .sheet()
            .to_xlsx_marked(&render::watermark(&super::import::cli_user(), now))?,
        format => render::to_bytes(report, format)?,
    };
    output.write(&bytes)?;
    Ok(ExitCode::SUCCESS)
}

pub fn visits_cmd(store: &mut SqliteStore, command: VisitsCommand) -> Result<ExitCode> {
    match command {
        VisitsCommand::Import(args) => {
            let mut flagged = Vec::new();
            let mut departed = 0;
            let code = import::run(
                store,
                &args,
                FileKind::Visits,
                parse_visit,
                |store: &mut SqliteStore, scope: &_, rows, mode, source: &str| {
                    let from = phuxanh_store::VisitsFrom {
                        by: source.to_string(),
                        now: Instant::now(),
                        skew: None,
                    };
                    let r = store.import_visits(scope, rows, mode, &from)?;
                    flagged = r.flagged;
                    departed = r.departed;
                    Ok(r.import)
                },
            )?;
            for (line, flag) in &flagged {
                eprintln!(
                    "{}:{line}: flagged, not counted: {} ({})",
                    args.file.display(),
                    flag.vietnamese(),
                    flag.as_str()
                );
            }
            if departed > 0 {
                println!(
                    "{} công dân ra khỏi số đủ điều kiện (left the eligible population): chuyển đi, đã mất hoặc không sống tại địa phương",
                    phuxanh_report::vi::number(departed as i64)
                );
            }
            Ok(code)
        }
        VisitsCommand::Undo { id } => {
            let (unit, undone) = store.undo_visit(&Scope::everything(), &id, Instant::now())?;
            if undone {
                super::access::audit(
                    store,
                    super::access::record("visit.undo")
                        .unit(&unit)
                        .subject(id.to_string()),
                )?;
                println!("Đã huỷ lượt {id} (undone)");
            } else {
                println!("Lượt {id} đã được huỷ trước đó (already undone)");
            }
            Ok(ExitCode::SUCCESS)
        }
        VisitsCommand::List {
            unit,
            citizen,
            team,
            session,
            from,
            to,
            flagged,
            output,
        } => {
            output.check()?;
            let query = phuxanh_store::VisitQuery {
                unit: unit.clone(),
                citizen,
                team,
                session,
                from,
                to,
                flagged,
            };
            let list = phuxanh_report::field::visits(&*store, &Scope::everything(), &query)?;
            let count = list.visits.len() as u64;
            emit_personal(
                store,
                &output,
                &list,
                "visits",
                count,
                unit.as_ref(),
                Instant::now(),
            )
        }
    }
}
