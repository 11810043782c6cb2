//! A few read connections to one database, each behind its own lock. A
//! request takes whichever is free (WAL lets them read while a writer
//! writes); if all are busy it waits for one in turn. A request reads one
//! snapshot: all its figures come from the same committed state, and the
//! file is locked once per request rather than once per statement.

use std::ops::Deref;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, TryLockError};

use phuxanh_store::Result;
use phuxanh_store_sqlite::SqliteStore;

pub struct Pool {
    connections: Vec<Mutex<SqliteStore>>,
    next: AtomicUsize,
}

impl Pool {
    /// Opens `size` connections to the database at `db`, which must exist.
    pub fn open(db: &Path, size: usize) -> Result<Pool> {
        if !db.exists() {
            return Err(phuxanh_store::StoreError::Backend(
                format!(
                    "database '{}' does not exist: create it with `phuxanh init`",
                    db.display()
                )
                .into(),
            ));
        }
        let connections = (0..size.max(1))
            .map(|_| SqliteStore::open(db).map(Mutex::new))
            .collect::<Result<_>>()?;
        Ok(Pool {
            connections,
            next: AtomicUsize::new(0),
        })
    }

    /// A connection in a read snapshot: a free one if any, else the next
    /// in turn.
    pub fn get(&self) -> Reader<'_> {
        let free = self.connections.iter().find_map(|c| match c.try_lock() {
            Ok(guard) => Some(guard),
            Err(TryLockError::Poisoned(p)) => Some(p.into_inner()),
            Err(TryLockError::WouldBlock) => None,
        });
        let guard = free.unwrap_or_else(|| {
            let i = self.next.fetch_add(1, Ordering::Relaxed) % self.connections.len();
            self.connections[i]
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
        });
        // A snapshot a panicking request left open ends here.
        let begun = guard.end_snapshot().and_then(|()| guard.begin_snapshot());
        if let Err(e) = begun {
            tracing::warn!("reading without a snapshot: {e}");
        }
        Reader(guard)
    }
}

/// A pooled connection, its snapshot ended when it is given back.
pub struct Reader<'a>(MutexGuard<'a, SqliteStore>);

impl Deref for Reader<'_> {
    type Target = SqliteStore;

    fn deref(&self) -> &SqliteStore {
        &self.0
    }
}

impl Drop for Reader<'_> {
    fn drop(&mut self) {
        if let Err(e) = self.0.end_snapshot() {
            tracing::warn!("ending a read snapshot: {e}");
        }
    }
}
