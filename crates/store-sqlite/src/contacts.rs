//! Reading who answers for a unit: the `contacts` table, the higher units
//! first, then by code, each unit's rows in the order its last import gave
//! them.

use phuxanh_domain::{Contact, Email, OneLine, Phone, UnitCode};
use phuxanh_store::{Result, StoreError};
use rusqlite::Connection;

use crate::{backend, parse_stored};

const COLUMNS: &str = "u.code, c.name, c.title, c.phone, c.email, c.note";

/// A stored value that no longer parses is a corrupt database, not a
/// refusal.
fn stored<T>(r: std::result::Result<T, String>) -> Result<T> {
    r.map_err(|e| StoreError::Backend(format!("corrupt contact in database: {e}").into()))
}

fn read(conn: &Connection, filter: &str, id: Option<i64>) -> Result<Vec<Contact>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM contacts c JOIN units u ON u.id = c.unit_id
         WHERE {filter}
         ORDER BY CASE u.level WHEN 'province' THEN 0 WHEN 'district' THEN 1
                  WHEN 'commune' THEN 2 ELSE 3 END, u.code, c.position"
    );
    let mut stmt = conn.prepare_cached(&sql).map_err(backend)?;
    let rows = stmt
        .query_map([id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, Option<String>>(4)?,
                r.get::<_, Option<String>>(5)?,
            ))
        })
        .map_err(backend)?;
    let mut out = Vec::new();
    for row in rows {
        let (unit, name, title, phone, email, note) = row.map_err(backend)?;
        out.push(Contact {
            unit: parse_stored::<UnitCode>(&unit)?,
            name: stored(OneLine::parse(&name, "name"))?,
            title: stored(OneLine::parse(&title, "title"))?,
            phone: stored(Phone::parse(&phone))?,
            email: stored(email.as_deref().map(Email::parse).transpose())?,
            note: stored(
                note.as_deref()
                    .map(|n| OneLine::parse(n, "note"))
                    .transpose(),
            )?,
        });
    }
    Ok(out)
}

/// Unit `id`'s contacts.
pub(crate) fn of_unit(conn: &Connection, id: i64) -> Result<Vec<Contact>> {
    read(conn, "c.unit_id = ?1", Some(id))
}

/// The contacts of the units directly under `id`.
pub(crate) fn of_children(conn: &Connection, id: i64) -> Result<Vec<Contact>> {
    read(conn, "u.parent_id = ?1", Some(id))
}

/// The contacts of `id` and every unit under it; every unit's when `None`.
pub(crate) fn under(conn: &Connection, id: Option<i64>) -> Result<Vec<Contact>> {
    read(
        conn,
        "?1 IS NULL OR c.unit_id IN (WITH RECURSIVE sub(id) AS (
             SELECT ?1 UNION ALL SELECT v.id FROM units v JOIN sub ON v.parent_id = sub.id)
         SELECT id FROM sub)",
        id,
    )
}
