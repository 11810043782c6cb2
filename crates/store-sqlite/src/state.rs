//! What imports need of a citizen, without the wide roster rows:
//! `citizen_ids` (found by ID: the roster row and the unit they count in)
//! and `firsts` (the first day of each stage, by roster row).

use rustc_hash::FxHashMap as HashMap;

use phuxanh_domain::{Day, Firsts, Metric};
use phuxanh_store::Result;
use rusqlite::{Connection, params};

use crate::backend;

/// What the import needs of a citizen on the roster.
#[derive(Clone, Copy, Debug)]
pub(crate) struct State {
    /// `citizens.row_id`: where the citizen's roster row is.
    pub row_id: i64,
    pub unit_id: i64,
    pub firsts: Firsts,
}

/// The first-day columns, in [`Metric::FROM_EVENTS`] order.
pub(crate) const FIRSTS: &str = "f.f_collected, f.f_collected_l2, f.f_approved, f.f_rejected,
     f.f_activated, f.f_activated_l2, f.f_used";

/// First days from the seven columns starting at `first`.
pub(crate) fn firsts_from(r: &rusqlite::Row<'_>, first: usize) -> rusqlite::Result<Firsts> {
    let mut f = Firsts::default();
    for (i, slot) in f.0.iter_mut().enumerate() {
        *slot = r.get::<_, Option<i32>>(first + i)?.map(Day::from_number);
    }
    Ok(f)
}

/// Citizens per look-up statement.
const LOOKUP_IDS: usize = 256;

/// The states of the citizens among `ids` (sorted, without repeats) that
/// are on the roster, read in ID order.
pub(crate) fn load(conn: &Connection, ids: &[i64]) -> Result<HashMap<i64, State>> {
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT i.id, i.row_id, i.unit_id, {FIRSTS} FROM citizen_ids i
             LEFT JOIN firsts f ON f.row_id = i.row_id WHERE i.id IN ({})",
            vec!["?"; LOOKUP_IDS].join(", ")
        ))
        .map_err(backend)?;
    let mut found = HashMap::with_capacity_and_hasher(ids.len(), Default::default());
    for chunk in ids.chunks(LOOKUP_IDS) {
        // A short last chunk repeats its last id: IN ignores repeats.
        let padded = chunk
            .iter()
            .chain(std::iter::repeat(&chunk[chunk.len() - 1]));
        let mut rows = stmt
            .query(rusqlite::params_from_iter(padded.take(LOOKUP_IDS)))
            .map_err(backend)?;
        while let Some(r) = rows.next().map_err(backend)? {
            let state = State {
                row_id: r.get(1).map_err(backend)?,
                unit_id: r.get(2).map_err(backend)?,
                firsts: firsts_from(r, 3).map_err(backend)?,
            };
            found.insert(r.get(0).map_err(backend)?, state);
        }
    }
    Ok(found)
}

/// Rows per multi-row insert (3 parameters each).
const INSERT_ROWS: usize = 256;

/// Adds new citizens, `(id, row_id, unit_id)`. In ID order the inserts
/// walk the table forwards.
pub(crate) fn insert(conn: &Connection, rows: &[(i64, i64, i64)]) -> Result<()> {
    crate::write_rows(
        conn,
        "INSERT INTO citizen_ids (id, row_id, unit_id)",
        INSERT_ROWS,
        rows,
        |&(id, row_id, unit_id)| [id, row_id, unit_id],
    )
}

/// Moves a citizen to another unit.
pub(crate) fn set_unit(conn: &Connection, id: i64, unit_id: i64) -> Result<()> {
    conn.prepare_cached("UPDATE citizen_ids SET unit_id = ?2 WHERE id = ?1")
        .map_err(backend)?
        .execute(params![id, unit_id])
        .map_err(backend)?;
    Ok(())
}

/// First-day rows per multi-row write (8 parameters each).
const FIRSTS_ROWS: usize = 64;

/// Writes first days, `(row_id, firsts)`: in row order the writes walk the
/// table forwards.
pub(crate) fn set_firsts(conn: &Connection, rows: &[(i64, Firsts)]) -> Result<()> {
    crate::write_rows(
        conn,
        "INSERT OR REPLACE INTO firsts (row_id, f_collected, f_collected_l2, f_approved,
         f_rejected, f_activated, f_activated_l2, f_used)",
        FIRSTS_ROWS,
        rows,
        |(row_id, firsts)| {
            let [a, b, c, d, e, f, g] =
                Metric::FROM_EVENTS.map(|m| firsts.get(m).map(|d| i64::from(d.number())));
            [Some(*row_id), a, b, c, d, e, f, g]
        },
    )
}
