//! Schema upgrades. A database outlives every version of the binary: on
//! open, a database of an older schema is copied aside (SQLite's online
//! backup, a consistent snapshot) and brought forward by one migration per
//! version, in one write transaction; only a database newer than the binary
//! is refused. Two processes opening an old database at once upgrade it
//! once: the second finds the new version under the write lock.
//!
//! Schema 6 is the first a release wrote; each later version adds
//! `migrations/{version}.sql`, and `tests/fixtures/schema-{version}.db`
//! (built by `scripts/fixture`) is what the upgrade tests start from.

use std::path::{Path, PathBuf};

use phuxanh_store::{Result, StoreError};
use rusqlite::Connection;

use crate::backend;

/// The schema this binary writes.
pub const VERSION: u32 = 14;
/// The oldest schema a migration starts from: the first released.
const OLDEST: u32 = 6;
/// `MIGRATIONS[i]` takes a database from `OLDEST + i` to `OLDEST + i + 1`.
const MIGRATIONS: &[&str] = &[
    include_str!("migrations/7.sql"),
    include_str!("migrations/8.sql"),
    include_str!("migrations/9.sql"),
    include_str!("migrations/10.sql"),
    include_str!("migrations/11.sql"),
    include_str!("migrations/12.sql"),
    include_str!("migrations/13.sql"),
    include_str!("migrations/14.sql"),
];

const _: () = assert!(OLDEST as usize + MIGRATIONS.len() == VERSION as usize);

/// An upgrade made on open.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Upgrade {
    pub from: u32,
    pub to: u32,
    /// The copy of the database as it was before.
    pub backup: PathBuf,
}

impl std::fmt::Display for Upgrade {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "upgraded the database from schema version {} to {}; a copy of it as it was is in {}",
            self.from,
            self.to,
            self.backup.display()
        )
    }
}

/// The version recorded in `meta`.
fn recorded(conn: &Connection) -> Result<u32> {
    let v: String = conn
        .query_row(
            "SELECT value FROM meta WHERE key = 'schema_version'",
            [],
            |r| r.get(0),
        )
        .map_err(backend)?;
    v.parse()
        .map_err(|_| StoreError::SchemaVersion { found: v.clone() })
}

fn check_supported(found: u32) -> Result<()> {
    if found > VERSION {
        return Err(StoreError::NewerSchema {
            found,
            supported: VERSION,
        });
    }
    if found < OLDEST {
        return Err(StoreError::SchemaVersion {
            found: found.to_string(),
        });
    }
    Ok(())
}

/// Brings the initialised database on `conn` (the file at `path`) to
/// [`VERSION`], if it is older.
pub(crate) fn upgrade(conn: &mut Connection, path: &Path) -> Result<Option<Upgrade>> {
    let found = recorded(conn)?;
    check_supported(found)?;
    if found == VERSION {
        return Ok(None);
    }
    let tx = crate::write_transaction(conn)?;
    // Another process may have upgraded it while this one waited.
    let from = recorded(&tx)?;
    check_supported(from)?;
    if from == VERSION {
        return Ok(None);
    }
    // The copy is read on a connection of its own, which sees the database
    // as committed: this one's write lock holds everyone else off.
    let backup = backup_path(path, from);
    let reader = Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(backend)?;
    crate::backup::write(&reader, &backup)?;
    for (i, sql) in MIGRATIONS.iter().enumerate().skip((from - OLDEST) as usize) {
        tx.execute_batch(sql).map_err(backend)?;
        let to = OLDEST + i as u32 + 1;
        tx.execute(
            "UPDATE meta SET value = ?1 WHERE key = 'schema_version'",
            [to.to_string()],
        )
        .map_err(backend)?;
    }
    tx.commit().map_err(backend)?;
    Ok(Some(Upgrade {
        from,
        to: VERSION,
        backup,
    }))
}

/// `phuxanh.db` → `phuxanh.db.schema-6.bak`, or `….schema-6.2.bak`.
pub(crate) fn backup_path(db: &Path, version: u32) -> PathBuf {
    free_name(db, &format!("schema-{version}"))
}

/// `phuxanh.db` → `phuxanh.db.{what}.bak`, or `….{what}.2.bak` if that
/// exists already.
pub fn free_name(db: &Path, what: &str) -> PathBuf {
    let name = db.file_name().unwrap_or_default().to_string_lossy();
    (1..)
        .map(|n| {
            let suffix = if n == 1 {
                String::new()
            } else {
                format!(".{n}")
            };
            db.with_file_name(format!("{name}.{what}{suffix}.bak"))
        })
        .find(|p| !p.exists())
        .expect("some name is free")
}
