//! `compare`, `daily`, `ranking`, `completed`: campaign analytics, all read
//! from the live counters (see `phuxanh_report`), printed four ways.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use phuxanh_domain::Day;
use phuxanh_report::compare::{Window, compare};
use phuxanh_report::daily::daily;
use phuxanh_report::ranking::{Show, completed, ranking};
use phuxanh_report::{Format, Report, render};
use phuxanh_store::{Scope, Store};

use crate::cli::{CompareArgs, CompletedArgs, DailyArgs, OutputArgs, RankingArgs};

impl OutputArgs {
    /// Refuses what cannot be written before any work is done.
    pub fn check(&self) -> Result<()> {
        if self.format == Format::Xlsx && self.out.is_none() {
            bail!("--format xlsx writes a file: give it with --out report.xlsx");
        }
        Ok(())
    }

    pub fn write(&self, bytes: &[u8]) -> Result<()> {
        match &self.out {
            Some(path) => std::fs::write(path, bytes)
                .with_context(|| format!("cannot write {}", path.display()))?,
            None => std::io::stdout().write_all(bytes)?,
        }
        Ok(())
    }

    pub fn emit<R: Report>(&self, report: &R) -> Result<ExitCode> {
        self.write(&render::to_bytes(report, self.format)?)?;
        Ok(ExitCode::SUCCESS)
    }
}

pub fn compare_cmd(store: &dyn Store, args: &CompareArgs) -> Result<ExitCode> {
    args.output.check()?;
    let window = Window::new(args.from, args.to).map_err(anyhow::Error::msg)?;
    let report = compare(store, &Scope::everything(), &args.unit, window, None)?;
    args.output.emit(&report)
}

pub fn daily_cmd(store: &dyn Store, args: &DailyArgs) -> Result<ExitCode> {
    args.output.check()?;
    let date = args.date.unwrap_or_else(Day::today);
    let report = daily(store, &Scope::everything(), &args.unit, date)?;
    args.output.emit(&report)
}

pub fn ranking_cmd(store: &dyn Store, args: &RankingArgs) -> Result<ExitCode> {
    args.output.check()?;
    let u = &args.units;
    let show = match (args.top, args.bottom) {
        (Some(n), _) => Show::Top(n),
        (_, Some(n)) => Show::Bottom(n),
        _ => Show::All,
    };
    let report = ranking(
        store,
        &Scope::everything(),
        &u.unit,
        u.metric,
        u.level,
        u.as_of.unwrap_or_else(Day::today),
        show,
    )?;
    args.output.emit(&report)
}

pub fn completed_cmd(store: &dyn Store, args: &CompletedArgs) -> Result<ExitCode> {
    args.output.check()?;
    let u = &args.units;
    let report = completed(
        store,
        &Scope::everything(),
        &u.unit,
        u.metric,
        u.level,
        u.as_of.unwrap_or_else(Day::today),
    )?;
    args.output.emit(&report)
}
