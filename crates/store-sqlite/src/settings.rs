//! The report settings, in `meta` under the `setting.` prefix
//! (`setting.report.agency`): schema 7 has no table of its own for them,
//! and key-value rows are all they need. They do not bump the generation:
//! no figure depends on them.

use phuxanh_store::{ReportSettings, Result, SettingKey, StoreError};
use rusqlite::{Connection, params};

use crate::{backend, write_transaction};

const PREFIX: &str = "setting.";

pub(crate) fn read(conn: &Connection) -> Result<ReportSettings> {
    let mut stmt = conn
        .prepare_cached("SELECT key, value FROM meta WHERE key LIKE 'setting.%' ORDER BY key")
        .map_err(backend)?;
    let rows = stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
        .map_err(backend)?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(backend)?;
    Ok(ReportSettings::from_pairs(rows.iter().filter_map(
        |(k, v)| k.strip_prefix(PREFIX).map(|k| (k, v.as_str())),
    )))
}

pub(crate) fn update(
    conn: &mut Connection,
    changes: &[(SettingKey, Option<String>)],
) -> Result<ReportSettings> {
    let checked = changes
        .iter()
        .map(|(k, v)| match v {
            Some(v) => k.check(v).map(|v| (*k, Some(v))),
            None => Ok((*k, None)),
        })
        .collect::<Result<Vec<_>, String>>()
        .map_err(StoreError::InvalidSetting)?;
    let tx = write_transaction(conn)?;
    for (key, value) in &checked {
        let stored = format!("{PREFIX}{}", key.name());
        match value {
            Some(v) => tx.execute(
                "INSERT INTO meta (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                params![stored, v],
            ),
            None => tx.execute("DELETE FROM meta WHERE key = ?1", params![stored]),
        }
        .map_err(backend)?;
    }
    let now = read(&tx)?;
    tx.commit().map_err(backend)?;
    Ok(now)
}
