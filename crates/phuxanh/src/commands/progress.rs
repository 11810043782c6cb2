//! `phuxanh progress`: a unit's figures as of a day, with its children.

use std::process::ExitCode;

use anyhow::Result;
use phuxanh_domain::{Day, UnitCode};
use phuxanh_report::progress::WithChildren;
use phuxanh_report::{Format, render};
use phuxanh_store::{Scope, Store};

use crate::cli::ProgressArgs;

/// The figures of `unit` (and its children) from the live counters.
pub fn progress(
    store: &dyn Store,
    scope: &Scope,
    unit: &UnitCode,
    as_of: Day,
    children: bool,
) -> Result<WithChildren> {
    Ok(phuxanh_report::progress::gather(
        store, scope, unit, as_of, children,
    )?)
}

/// Renders a progress report in `format`.
pub fn render(report: &WithChildren, format: Format, children: bool) -> Result<Vec<u8>> {
    Ok(match format {
        Format::Table => render::progress_table(report).into_bytes(),
        Format::Json => {
            let mut s = render::progress_json(report, children)?;
            s.push('\n');
            s.into_bytes()
        }
        Format::Csv => {
            let mut out = Vec::new();
            render::progress_sheet(report).write_csv(&mut out)?;
            out
        }
        Format::Xlsx => render::progress_sheet(report).to_xlsx()?,
    })
}

pub fn run(store: &dyn Store, args: &ProgressArgs) -> Result<ExitCode> {
    args.output.check()?;
    let as_of = args.as_of.unwrap_or_else(Day::today);
    let report = progress(
        store,
        &Scope::everything(),
        &args.unit,
        as_of,
        args.children,
    )?;
    args.output
        .write(&render(&report, args.output.format, args.children)?)?;
    Ok(ExitCode::SUCCESS)
}
