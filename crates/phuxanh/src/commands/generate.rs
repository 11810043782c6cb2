//! `phuxanh gen`: write a synthetic campaign as importable CSV files.

use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use phuxanh_gen::{GenConfig, GenSummary, Timeline};
use phuxanh_report::vi;
use phuxanh_units::UnitSet;

use crate::cli::GenArgs;

pub fn generate(args: &GenArgs) -> Result<GenSummary> {
    if !(10_000..=10_000_000).contains(&args.citizens) {
        bail!("--citizens must be between 10000 and 10000000");
    }
    let set: UnitSet = args.units.parse().map_err(anyhow::Error::msg)?;
    let config = GenConfig {
        units: set.units(),
        province: args.province.clone(),
        citizens: args.citizens,
        seed: args.seed,
        timeline: Timeline::default(),
    };
    phuxanh_gen::generate(&config, &args.out)
        .with_context(|| format!("generating into {}", args.out.display()))
}

pub fn run(args: &GenArgs) -> Result<ExitCode> {
    let s = generate(args)?;
    println!(
        "Đã tạo (generated) {} thôn, {} hộ, {} công dân, {} sự kiện, {} chỉ tiêu, {} liên hệ, {} tổ công tác, {} buổi, {} lượt đến nhà in {}",
        vi::number(s.villages as i64),
        vi::number(s.households as i64),
        vi::number(s.citizens as i64),
        vi::number(s.events as i64),
        vi::number(s.targets as i64),
        vi::number(s.contacts as i64),
        vi::number(s.teams as i64),
        vi::number(s.sessions as i64),
        vi::number(s.visits as i64),
        args.out.display()
    );
    let dir = args.out.display();
    println!(
        "Import them into a database initialised with --units {}:\n  phuxanh units import {dir}/villages.csv\n  phuxanh citizens import {dir}/citizens.csv\n  phuxanh events import {dir}/events.csv   (or: phuxanh status import {dir}/status.csv)\n  phuxanh targets import {dir}/targets.csv\n  phuxanh contacts import {dir}/contacts.csv\n  phuxanh teams import {dir}/teams.csv\n  phuxanh sessions import {dir}/sessions.csv\n  phuxanh visits import {dir}/visits.csv",
        args.units
    );
    Ok(ExitCode::SUCCESS)
}
