//! A few read connections to one database, each behind its own lock. A
//! request takes whichever is free (WAL lets them read while a writer
//! writes); if all are busy it waits for one in turn.

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

    /// A connection: a free one if any, else the next in turn.
    pub fn get(&self) -> MutexGuard<'_, SqliteStore> {
        for c in &self.connections {
            match c.try_lock() {
                Ok(guard) => return guard,
                Err(TryLockError::Poisoned(p)) => return p.into_inner(),
                Err(TryLockError::WouldBlock) => {}
            }
        }
        let i = self.next.fetch_add(1, Ordering::Relaxed) % self.connections.len();
        self.connections[i]
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
