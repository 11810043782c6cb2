//! Period reports as they were issued (`issued_reports`, schema 8): the
//! file, what it was of and the figures it gave, kept so a later reader
//! sees what was sent beside what the data says now.

use phuxanh_domain::{Day, Instant, UnitCode};
use phuxanh_store::{IssuedReport, NewIssuedReport, Result, Scope};
use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::{backend, tree, write_transaction};

const COLUMNS: &str = "r.id, u.code, r.as_of, r.period_from, r.period_to, r.campaign, r.cut,
     r.issued_at, r.issued_by, r.format, r.figures, r.unit_id";

/// A row of [`COLUMNS`], and the unit's id.
fn from_row(r: &Row<'_>) -> rusqlite::Result<(IssuedReport, i64)> {
    let code: String = r.get(1)?;
    let unit = UnitCode::parse(&code).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(1, rusqlite::types::Type::Text, e.into())
    })?;
    Ok((
        IssuedReport {
            id: r.get(0)?,
            unit,
            as_of: Day::from_number(r.get(2)?),
            period_from: Day::from_number(r.get(3)?),
            period_to: Day::from_number(r.get(4)?),
            campaign: r.get(5)?,
            cut: r.get(6)?,
            issued_at: Instant::from_unix_seconds(r.get(7)?),
            issued_by: r.get(8)?,
            format: r.get(9)?,
            figures: r.get(10)?,
        },
        r.get(11)?,
    ))
}

pub(crate) fn issue(
    conn: &mut Connection,
    unit_id: i64,
    new: &NewIssuedReport,
) -> Result<IssuedReport> {
    let tx = write_transaction(conn)?;
    tx.execute(
        "INSERT INTO issued_reports (unit_id, as_of, period_from, period_to, campaign, cut,
             issued_at, issued_by, format, file, figures)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![
            unit_id,
            new.as_of.number(),
            new.period_from.number(),
            new.period_to.number(),
            new.campaign,
            new.cut,
            Instant::now().unix_seconds(),
            new.issued_by,
            new.format,
            new.file,
            new.figures,
        ],
    )
    .map_err(backend)?;
    let id = tx.last_insert_rowid();
    let kept = one(&tx, id)?.expect("the report was just kept");
    tx.commit().map_err(backend)?;
    Ok(kept.0)
}

fn one(conn: &Connection, id: i64) -> Result<Option<(IssuedReport, i64)>> {
    conn.query_row(
        &format!(
            "SELECT {COLUMNS} FROM issued_reports r JOIN units u ON u.id = r.unit_id WHERE r.id = ?1"
        ),
        [id],
        from_row,
    )
    .optional()
    .map_err(backend)
}

pub(crate) fn list(conn: &Connection, unit_id: i64) -> Result<Vec<IssuedReport>> {
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM issued_reports r JOIN units u ON u.id = r.unit_id
             WHERE r.unit_id = ?1 ORDER BY r.id DESC"
        ))
        .map_err(backend)?;
    let rows = stmt
        .query_map([unit_id], from_row)
        .map_err(backend)?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(backend)?;
    Ok(rows.into_iter().map(|(r, _)| r).collect())
}

pub(crate) fn get(
    conn: &Connection,
    scope: &Scope,
    id: i64,
) -> Result<Option<(IssuedReport, Vec<u8>)>> {
    let Some(row) = one(conn, id)? else {
        return Ok(None);
    };
    if !tree::in_scope(conn, scope, row.1)? {
        return Ok(None);
    }
    let file: Vec<u8> = conn
        .query_row(
            "SELECT file FROM issued_reports WHERE id = ?1",
            params![id],
            |r| r.get(0),
        )
        .map_err(backend)?;
    Ok(Some((row.0, file)))
}
