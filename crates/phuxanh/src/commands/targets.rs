//! `targets set`, `targets list`, `targets allocate` (`targets import` is an
//! import like the others).

use std::process::ExitCode;

use anyhow::{Result, bail};
use phuxanh_domain::{Day, Instant, TargetValue, UnitCode};
use phuxanh_report::targets::{self, Basis};
use phuxanh_store::{ImportMode, Row, Scope, Store, TargetRecord};
use phuxanh_store_sqlite::SqliteStore;

use super::import::cli_user;
use crate::cli::{OutputArgs, TargetArgs};

/// Writes targets in one transaction; says what changed.
fn write(store: &mut SqliteStore, records: Vec<TargetRecord>) -> Result<()> {
    let mut rows = records.into_iter().map(|r| Row {
        line: 0,
        value: Ok(r),
    });
    let report = store.import_targets(
        &Scope::everything(),
        &mut rows,
        ImportMode::Atomic,
        &cli_user(),
        Instant::now(),
    )?;
    if let Some(refusal) = report.refused.first() {
        bail!("{}", refusal.reason);
    }
    eprintln!(
        "{} chỉ tiêu đã đặt (set), {} không đổi (unchanged)",
        report.applied, report.unchanged
    );
    Ok(())
}

fn record(unit: &UnitCode, t: &TargetArgs, value: TargetValue) -> TargetRecord {
    TargetRecord {
        unit: unit.clone(),
        metric: t.metric,
        value,
        deadline: t.deadline,
    }
}

pub fn set(store: &mut SqliteStore, args: &TargetArgs) -> Result<ExitCode> {
    store.unit(&Scope::everything(), &args.unit)?;
    write(store, vec![record(&args.unit, args, args.value)])?;
    Ok(ExitCode::SUCCESS)
}

pub fn list(
    store: &dyn Store,
    unit: &UnitCode,
    history: bool,
    output: &OutputArgs,
) -> Result<ExitCode> {
    output.check()?;
    let report = targets::list(store, &Scope::everything(), unit, history)?;
    for w in &report.warnings {
        eprintln!("warning: {w}");
    }
    output.emit(&report)
}

pub fn allocate(
    store: &mut SqliteStore,
    args: &TargetArgs,
    by: Basis,
    as_of: Option<Day>,
    replace: bool,
    output: &OutputArgs,
) -> Result<ExitCode> {
    output.check()?;
    let plan = targets::plan(
        store,
        &Scope::everything(),
        &args.unit,
        args.metric,
        args.value,
        args.deadline,
        by,
        as_of.unwrap_or_else(Day::today),
    )?;
    if plan.shares.is_empty() {
        bail!("unit '{}' has no units under it to allocate to", args.unit);
    }
    let taken = plan.overwritten();
    if !taken.is_empty() && !replace {
        let list: Vec<String> = taken
            .iter()
            .map(|s| {
                format!(
                    "{} ({}: {})",
                    s.unit.code,
                    s.unit.name,
                    s.current.as_deref().unwrap_or_default()
                )
            })
            .collect();
        bail!(
            "{} of the children already have a target for {}: {}; pass --replace to overwrite them",
            taken.len(),
            args.metric,
            list.join(", ")
        );
    }
    let mut records = vec![record(&args.unit, args, args.value)];
    for share in &plan.shares {
        if let Some(value) = share.value {
            let code = UnitCode::parse(&share.unit.code).map_err(anyhow::Error::msg)?;
            records.push(record(&code, args, value));
        }
    }
    write(store, records)?;
    output.emit(&plan)
}
