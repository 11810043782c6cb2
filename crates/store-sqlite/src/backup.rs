//! `backup`, `restore` and `backup --verify`. A backup is SQLite's online
//! backup of the live database: every page copied in one read transaction,
//! so it is one committed state even while the server and imports write
//! (in WAL mode a reader holds no writer off). It is written beside its
//! name and renamed into place when complete, so a backup cut short leaves
//! no file that looks whole. A restore copies a backup's pages into the
//! live database under the write lock, the same way in reverse: connections
//! that are open (the server's) see the restored data from their next read.

use std::path::{Path, PathBuf};

use phuxanh_store::{Result, StoreError};
use rusqlite::backup::{Backup, StepResult};
use rusqlite::{Connection, OpenFlags};

use crate::{BUSY_TIMEOUT, SqliteStore, backend, migrate};

/// Copies every page of `from` into `to` in one step, waiting while
/// `from` is briefly locked (a checkpoint).
fn copy_pages(from: &Connection, to: &mut Connection) -> Result<()> {
    let backup = Backup::new(from, to).map_err(backend)?;
    let deadline = std::time::Instant::now() + BUSY_TIMEOUT;
    loop {
        match backup.step(-1).map_err(backend)? {
            StepResult::Done => return Ok(()),
            StepResult::More => {}
            _ if std::time::Instant::now() > deadline => return Err(StoreError::Busy),
            _ => std::thread::sleep(std::time::Duration::from_millis(20)),
        }
    }
}

fn io(what: String, e: std::io::Error) -> StoreError {
    StoreError::Backend(format!("{what}: {e}").into())
}

/// Writes a consistent copy of the database open on `source` to `to`,
/// which must not exist.
pub(crate) fn write(source: &Connection, to: &Path) -> Result<()> {
    if to.exists() {
        return Err(StoreError::Backend(
            format!(
                "{} exists already: give the backup a new name, or remove the old file first",
                to.display()
            )
            .into(),
        ));
    }
    let partial = partial_name(to);
    let _ = std::fs::remove_file(&partial);
    let written = (|| {
        let mut dest = Connection::open(&partial).map_err(backend)?;
        copy_pages(source, &mut dest)?;
        // A backup is a file of its own: no WAL beside it.
        dest.query_row("PRAGMA journal_mode = DELETE", [], |r| {
            r.get::<_, String>(0)
        })
        .map_err(backend)?;
        drop(dest);
        std::fs::rename(&partial, to)
            .map_err(|e| io(format!("cannot move the backup to {}", to.display()), e))
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    written
}

/// `backup.db` → `backup.db.partial`.
fn partial_name(to: &Path) -> PathBuf {
    let mut name = to.file_name().unwrap_or_default().to_os_string();
    name.push(".partial");
    to.with_file_name(name)
}

/// What a backup holds, as `backup --verify` reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BackupInfo {
    pub schema_version: u32,
    pub units: u64,
    pub citizens: u64,
    pub events: u64,
    pub held: u64,
    pub generation: u64,
}

fn count(conn: &Connection, table: &str) -> Result<u64> {
    conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| {
        r.get::<_, i64>(0)
    })
    .map(|n| n as u64)
    .map_err(backend)
}

/// Opens a backup read-only and checks that SQLite reads every page of it
/// and that it is a Phủ Xanh database; says what it holds.
pub fn inspect(path: &Path) -> Result<BackupInfo> {
    if !path.exists() {
        return Err(StoreError::Backend(
            format!("{} does not exist", path.display()).into(),
        ));
    }
    let conn =
        Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY).map_err(backend)?;
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .map_err(|e| {
            StoreError::Backend(
                format!("{} is not a readable database: {e}", path.display()).into(),
            )
        })?;
    if integrity != "ok" {
        return Err(StoreError::Backend(
            format!("{} is damaged: {integrity}", path.display()).into(),
        ));
    }
    let version: String = conn
        .query_row(
            "SELECT value FROM meta WHERE key = 'schema_version'",
            [],
            |r| r.get(0),
        )
        .map_err(|_| {
            StoreError::Backend(format!("{} is not a Phủ Xanh database", path.display()).into())
        })?;
    let schema_version = version
        .parse()
        .map_err(|_| StoreError::SchemaVersion { found: version })?;
    let generation: Option<String> = conn
        .query_row("SELECT value FROM meta WHERE key = 'generation'", [], |r| {
            r.get(0)
        })
        .ok();
    let held = if schema_version >= 7 {
        count(&conn, "pending")?
    } else {
        0
    };
    Ok(BackupInfo {
        schema_version,
        units: count(&conn, "units")?,
        citizens: count(&conn, "citizen_ids")?,
        events: count(&conn, "events")?,
        held,
        generation: generation.and_then(|g| g.parse().ok()).unwrap_or(0),
    })
}

impl SqliteStore {
    /// Writes a consistent copy of this database to `to` (which must not
    /// exist), while other connections go on reading and writing.
    pub fn backup(&self, to: &Path) -> Result<()> {
        self.require_initialised()?;
        write(&self.conn, to)
    }

    /// Replaces this database's contents with the backup at `from`, under
    /// the write lock, then upgrades its schema if the backup is older. The
    /// data's generation moves forward past both, so no reader keeps an
    /// answer from before. `path` is this database's file.
    pub fn restore(&mut self, from: &Path, path: &Path) -> Result<BackupInfo> {
        let info = inspect(from)?;
        if info.schema_version > migrate::VERSION {
            return Err(StoreError::NewerSchema {
                found: info.schema_version,
                supported: migrate::VERSION,
            });
        }
        let before = if self.is_initialised()? {
            self.generation_now()?
        } else {
            0
        };
        let source =
            Connection::open_with_flags(from, OpenFlags::SQLITE_OPEN_READ_ONLY).map_err(backend)?;
        copy_pages(&source, &mut self.conn)?;
        drop(source);
        // The copy kept the backup's journal mode in its header: WAL again.
        self.conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get::<_, String>(0))
            .map_err(backend)?;
        self.initialised.set(false);
        self.upgraded = migrate::upgrade(&mut self.conn, path)?;
        let tx = crate::write_transaction(&mut self.conn)?;
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('generation', ?1)
             ON CONFLICT (key) DO UPDATE SET value = ?1",
            [(before.max(info.generation) + 1).to_string()],
        )
        .map_err(backend)?;
        tx.commit().map_err(backend)?;
        Ok(info)
    }

    fn generation_now(&self) -> Result<u64> {
        use phuxanh_store::Store;
        self.generation()
    }
}

/// Opens a backup for `backup --verify` without changing it: as it is, if
/// it has this binary's schema, or else an upgraded copy of it in a
/// temporary folder, removed with the returned guard.
pub fn open_for_verify(path: &Path) -> Result<(SqliteStore, Option<tempfile::TempDir>)> {
    let info = inspect(path)?;
    if info.schema_version == migrate::VERSION {
        let conn =
            Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY).map_err(backend)?;
        return Ok((SqliteStore::with_connection(conn)?, None));
    }
    let dir = tempfile::tempdir().map_err(|e| {
        io(
            "cannot make a temporary folder for the upgraded copy".into(),
            e,
        )
    })?;
    let copy = dir.path().join("verify.db");
    let source =
        Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY).map_err(backend)?;
    write(&source, &copy)?;
    let store = SqliteStore::open(&copy)?;
    Ok((store, Some(dir)))
}
