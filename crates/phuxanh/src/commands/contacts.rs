//! `contacts import FILE` and `contacts list`: who answers for each unit.
//! An import is always atomic — its rows replace the contacts of the units
//! it names, so a file applied in part would drop the people on its refused
//! rows — and never prints a contact, only how many.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Result, bail};
use phuxanh_domain::{Contact, UnitCode};
use phuxanh_ingest::{FileKind, parse_contact};
use phuxanh_report::vi;
use phuxanh_store::{ContactsReport, ImportMode, Rows, Scope, Store};
use phuxanh_store_sqlite::SqliteStore;

use crate::cli::OutputArgs;
use crate::commands::import;

pub fn import(store: &mut SqliteStore, file: &Path) -> Result<ExitCode> {
    // The units the file named, and the contacts they lost.
    let mut named = (0, 0);
    let (report, warnings) = import::import_file(
        store,
        file,
        FileKind::Contacts,
        parse_contact,
        false,
        |store: &mut SqliteStore, scope: &Scope, rows: Rows<Contact>, _: ImportMode, _: &str| {
            let ContactsReport {
                import,
                units,
                removed,
            } = store.import_contacts(scope, rows)?;
            named = (units, removed);
            Ok(import)
        },
    )?;
    for w in &warnings {
        eprintln!("{}:{}: warning: {w}", file.display(), w.first_line());
    }
    import::print_summary(file, &report);
    if !report.refused.is_empty() {
        for r in &report.refused {
            eprintln!("{}:{}: {}", file.display(), r.line, r.reason);
        }
        bail!(
            "nothing was imported from {}: {} rows refused, and the contacts stored are as they were. Fix the rows and import the file again",
            file.display(),
            report.refused.len()
        );
    }
    let n = |x: u64| vi::number(x as i64);
    println!(
        "{} liên hệ của {} đơn vị (contacts for units){}",
        n(report.applied + report.unchanged),
        n(named.0),
        if named.1 > 0 {
            format!(
                "; {} liên hệ không còn trong tệp đã bỏ (removed)",
                n(named.1)
            )
        } else {
            String::new()
        }
    );
    Ok(ExitCode::SUCCESS)
}

pub fn list(store: &dyn Store, unit: Option<&UnitCode>, output: &OutputArgs) -> Result<ExitCode> {
    output.check()?;
    let report = phuxanh_report::contacts::list(store, &Scope::everything(), unit, true)?;
    output.emit(&report)
}
