//! `phuxanh init` and `phuxanh units list`.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use phuxanh_domain::{UnitCode, UnitLevel};
use phuxanh_report::vi;
use phuxanh_store::{Scope, Store};
use phuxanh_store_sqlite::SqliteStore;

use crate::cli::parse_unit_set;
use phuxanh_store::{Reorganisation, ReorganiseReport};
use phuxanh_units::{Destination, UnitSet};

/// Creates a database with the chosen built-in units.
pub fn init(
    db: &str,
    units: &str,
    min_age: u8,
    admin: &phuxanh_domain::Username,
    admin_password_file: Option<&Path>,
) -> Result<ExitCode> {
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
    crate::commands::access::first_admin(&mut store, admin, admin_password_file)?;
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

/// The plan of the move to `to` (only vn-2025 has one), with the user's map.
fn plan(to: UnitSet, map: Option<&Path>) -> Result<Reorganisation> {
    if to != UnitSet::Vn2025 {
        bail!(
            "a database can be reorganised to vn-2025 only, the structure in force since 1 July 2025"
        );
    }
    let communes = phuxanh_units::reorganisation_2025()
        .iter()
        .map(|(old, d)| {
            let into = match d {
                Destination::Whole(c) => vec![c.clone()],
                Destination::Split(cs) => cs.clone(),
            };
            (old.clone(), into)
        })
        .collect();
    Ok(Reorganisation {
        name: to.name().to_string(),
        effective: phuxanh_domain::Day::from_ymd(2025, 7, 1).map_err(anyhow::Error::msg)?,
        units: to.units(),
        provinces: phuxanh_units::provinces_2024_to_2025().clone(),
        communes,
        map: match map {
            Some(file) => read_map(file)?,
            None => Default::default(),
        },
    })
}

/// The map file: `code,new_commune` (other columns, such as those of the
/// template this command writes, are ignored; empty answers too).
fn read_map(file: &Path) -> Result<std::collections::BTreeMap<String, UnitCode>> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(file)
        .with_context(|| format!("cannot read the map {}", file.display()))?;
    let header: Vec<String> = reader
        .headers()
        .with_context(|| format!("{}: no header row", file.display()))?
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').trim().to_ascii_lowercase())
        .collect();
    let column = |name: &str| {
        header.iter().position(|h| h == name).with_context(|| {
            format!(
                "{}: no '{name}' column; the map has the columns code,new_commune",
                file.display()
            )
        })
    };
    let (code, new) = (column("code")?, column("new_commune")?);
    let mut map = std::collections::BTreeMap::new();
    let mut errors = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let record =
            record.with_context(|| format!("{}:{line}: cannot read the row", file.display()))?;
        let key = record.get(code).unwrap_or("").trim();
        let answer = record.get(new).unwrap_or("").trim();
        if key.is_empty() || answer.is_empty() {
            continue;
        }
        match UnitCode::parse(answer) {
            Ok(c) => {
                if let Some(before) = map.insert(key.to_string(), c) {
                    errors.push(format!(
                        "{}:{line}: {key} is given twice (also {before})",
                        file.display()
                    ));
                }
            }
            Err(e) => errors.push(format!("{}:{line}: new_commune: {e}", file.display())),
        }
    }
    if !errors.is_empty() {
        bail!("the map cannot be read:\n{}", errors.join("\n"));
    }
    Ok(map)
}

/// Where the list of what the map must answer is written.
fn template_path(db: &str) -> std::path::PathBuf {
    let mut name = Path::new(db).file_name().unwrap_or_default().to_os_string();
    name.push(".reorganise-map.csv");
    Path::new(db).with_file_name(name)
}

/// `units reorganise --to vn-2025 [--map FILE] [--dry-run]`.
pub fn reorganise(
    store: &mut SqliteStore,
    db: &str,
    to: UnitSet,
    map: Option<&Path>,
    dry_run: bool,
) -> Result<ExitCode> {
    let plan = plan(to, map)?;
    let report = store
        .reorganise(&plan, !dry_run)
        .with_context(|| format!("reorganising {db} to {}", plan.name))?;
    let n = |x: u64| vi::number(x as i64);
    if !report.bad_map.is_empty() {
        for b in &report.bad_map {
            eprintln!(
                "{}: {b}",
                map.map_or("map".into(), |m| m.display().to_string())
            );
        }
        bail!(
            "nothing was changed: {} entries of the map cannot be used",
            report.bad_map.len()
        );
    }
    if !report.needs.is_empty() {
        let template = template_path(db);
        write_template(&template, &report)?;
        eprintln!(
            "{} villages or communes of split communes need to be told where they go (the old commune was divided among new ones):",
            report.needs.len()
        );
        for need in report.needs.iter().take(20) {
            eprintln!(
                "  {} ({}, {} citizens) of {} → one of {}",
                need.code,
                need.name,
                n(need.citizens),
                need.commune,
                need.candidates
                    .iter()
                    .map(UnitCode::as_str)
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        if report.needs.len() > 20 {
            eprintln!("  … and {} more", report.needs.len() - 20);
        }
        bail!(
            "nothing was changed. Fill the new_commune column of {} (one of the candidates on each row) and run `phuxanh units reorganise --to {} --map {}`",
            template.display(),
            plan.name,
            template.display()
        );
    }
    print_report(&report, &plan, dry_run);
    Ok(ExitCode::SUCCESS)
}

fn write_template(path: &Path, report: &ReorganiseReport) -> Result<()> {
    let mut w =
        csv::Writer::from_path(path).with_context(|| format!("writing {}", path.display()))?;
    w.write_record([
        "code",
        "name",
        "old_commune",
        "citizens",
        "candidates",
        "new_commune",
    ])?;
    for need in &report.needs {
        w.write_record([
            need.code.as_str(),
            need.name.as_str(),
            need.commune.as_str(),
            &need.citizens.to_string(),
            &need
                .candidates
                .iter()
                .map(UnitCode::as_str)
                .collect::<Vec<_>>()
                .join(" "),
            "",
        ])?;
    }
    w.flush()?;
    Ok(())
}

fn print_report(r: &ReorganiseReport, plan: &Reorganisation, dry_run: bool) {
    let n = |x: u64| vi::number(x as i64);
    if dry_run {
        println!(
            "Sẵn sàng (ready, nothing changed): {} thôn (villages) and {} công dân (citizens living directly in a commune) would move to {}.",
            n(r.villages_moved),
            n(r.citizens_moved),
            plan.name
        );
        return;
    }
    println!(
        "Đã sắp xếp lại theo {} (reorganised): {} tỉnh, {} huyện, {} xã cũ ngừng từ {} (retired; kept for past reports); {} đơn vị mới (new units); {} mã cũ đổi thành MÃ.2024 (old codes a new unit took); {} thôn và {} công dân chuyển đơn vị (moved), lịch sử giữ nguyên (history carried).",
        plan.name,
        n(r.retired[0]),
        n(r.retired[1]),
        n(r.retired[2]),
        vi::date(plan.effective),
        n(r.added),
        n(r.renamed),
        n(r.villages_moved),
        n(r.citizens_moved),
    );
    if !r.targets_carried.is_empty() {
        println!(
            "Chỉ tiêu chuyển sang (targets carried): {}",
            r.targets_carried.len()
        );
        for t in &r.targets_carried {
            println!("  {t}");
        }
    }
    if !r.targets_to_set.is_empty() {
        println!(
            "Chỉ tiêu cần đặt lại (targets to set again): {}",
            r.targets_to_set.len()
        );
        for t in &r.targets_to_set {
            println!("  {t}");
        }
    }
    for c in &r.campaigns_moved {
        println!("Đợt cao điểm (campaign) {c}");
    }
}
