//! `backup --out FILE`, `backup --verify FILE` and `restore FILE`.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use phuxanh_report::vi;
use phuxanh_store::Store;
use phuxanh_store_sqlite::{BackupInfo, SqliteStore};

fn describe(info: &BackupInfo) -> String {
    let n = |x: u64| vi::number(x as i64);
    format!(
        "{} đơn vị (units), {} công dân (citizens), {} sự kiện (events), {} đang chờ (held); schema {}",
        n(info.units),
        n(info.citizens),
        n(info.events),
        n(info.held),
        info.schema_version
    )
}

/// An online copy of the database named by `--db`.
pub fn write(db: &str, out: &Path) -> Result<ExitCode> {
    let store = super::open(db)?;
    store
        .backup(out)
        .with_context(|| format!("backing up {db} to {}", out.display()))?;
    let info = phuxanh_store_sqlite::inspect_backup(out)?;
    println!(
        "Đã sao lưu (backed up) {db} → {}: {}",
        out.display(),
        describe(&info)
    );
    Ok(ExitCode::SUCCESS)
}

/// Checks a backup without changing it.
pub fn verify(file: &Path) -> Result<ExitCode> {
    let info = phuxanh_store_sqlite::inspect_backup(file)
        .with_context(|| format!("verifying {}", file.display()))?;
    println!("{}: {}", file.display(), describe(&info));
    let (mut store, _copy) = phuxanh_store_sqlite::open_for_verify(file)
        .with_context(|| format!("opening {}", file.display()))?;
    if let Some(upgrade) = store.upgraded() {
        println!("(checked on a temporary copy: {upgrade}; the backup itself is unchanged)");
    }
    let code = super::check(&mut store, false)?;
    if code == ExitCode::SUCCESS {
        println!(
            "The backup is whole: restore it with `phuxanh --db FILE restore {}`.",
            file.display()
        );
    }
    Ok(code)
}

/// Replaces the database named by `--db` with a backup, after checking the
/// backup and keeping a copy of the database as it was.
pub fn restore(db: &str, file: &Path) -> Result<ExitCode> {
    let path = Path::new(db);
    let (mut backup, _copy) = phuxanh_store_sqlite::open_for_verify(file)
        .with_context(|| format!("opening the backup {}", file.display()))?;
    let report = backup.check(false).context("checking the backup")?;
    if !report.is_clean() {
        bail!(
            "{} is not restored: its counters disagree with its events ({} wrong rows); `phuxanh backup --verify {}` says more",
            file.display(),
            report.counters_wrong + report.firsts_wrong,
            file.display()
        );
    }
    drop(backup);
    let mut store = if path.exists() {
        let store = super::open(db)?;
        let before = phuxanh_store_sqlite::free_name(path, "before-restore");
        store
            .backup(&before)
            .with_context(|| format!("keeping a copy of {db} before the restore"))?;
        println!("{db} as it was: {}", before.display());
        store
    } else {
        SqliteStore::open(path).with_context(|| format!("creating {db}"))?
    };
    let info = store
        .restore(file, path)
        .with_context(|| format!("restoring {} into {db}", file.display()))?;
    if let Some(upgrade) = store.upgraded() {
        eprintln!("phuxanh: {db}: {upgrade}");
    }
    println!(
        "Đã khôi phục (restored) {db} từ {}: {}",
        file.display(),
        describe(&info)
    );
    Ok(ExitCode::SUCCESS)
}
