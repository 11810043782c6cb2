//! `phuxanh init` and `phuxanh units list`.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use phuxanh_domain::{UnitCode, UnitLevel};
use phuxanh_report::vi;
use phuxanh_store::{Scope, Store};
use phuxanh_store_sqlite::SqliteStore;

use crate::cli::parse_unit_set;

/// Creates a database with the chosen built-in units.
pub fn init(db: &str, units: &str, min_age: u8) -> Result<ExitCode> {
    let set = parse_unit_set(units).map_err(anyhow::Error::msg)?;
    if db.starts_with("postgres://") || db.starts_with("postgresql://") {
        bail!("PostgreSQL is not supported by this version yet: pass a SQLite file path with --db");
    }
    let units = set.map(|s| s.units()).unwrap_or_default();
    let mut store =
        SqliteStore::open(Path::new(db)).with_context(|| format!("cannot create '{db}'"))?;
    store
        .init(&units, min_age)
        .with_context(|| format!("initialising '{db}'"))?;
    let count = |level| units.iter().filter(|u| u.level == level).count() as i64;
    println!(
        "Đã tạo {db} (created): {} tỉnh, {} huyện, {} xã ({}); tuổi tối thiểu (min age) {min_age}.",
        vi::number(count(UnitLevel::Province)),
        vi::number(count(UnitLevel::District)),
        vi::number(count(UnitLevel::Commune)),
        set.map_or("none", |s| s.name()),
    );
    Ok(ExitCode::SUCCESS)
}

/// Lists the units under `parent`, or the provinces.
pub fn list(store: &SqliteStore, parent: Option<UnitCode>) -> Result<ExitCode> {
    let scope = Scope::everything();
    let units = match parent {
        Some(p) => store.children(&scope, &p)?,
        None => store.roots(&scope)?,
    };
    for u in units {
        println!("{}\t{}\t{}", u.code, u.level, u.name);
    }
    Ok(ExitCode::SUCCESS)
}
