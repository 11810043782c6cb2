//! Live counters. A unit's table rows hold its cumulative figures at the end
//! of each day on which one changed; an as-of read is one index seek.
//!
//! Writers never touch the table row by row as events arrive: they collect
//! the citizens' contribution changes as [`Deltas`] on their own unit and day,
//! and at the end of the transaction [`Deltas::flush`] rolls them up to every
//! ancestor and merges them into the cumulative rows, from the earliest
//! changed day on. A late event (earlier than days already counted) is just a
//! delta on an earlier day: every later row of its units moves with it.

use std::collections::BTreeMap;

use rustc_hash::FxHashMap as HashMap;

use phuxanh_domain::{Contribution, Counts, Day, Firsts, Metric};
use phuxanh_store::{History, Result};
use rusqlite::{Connection, OptionalExtension, params};

use crate::backend;
use crate::tree::UnitIndex;

const COLUMNS: &str =
    "eligible, collected, collected_l2, approved, rejected, activated, activated_l2, used";

fn counts_from(r: &rusqlite::Row<'_>, first: usize) -> rusqlite::Result<Counts> {
    let mut c = Counts::ZERO;
    for (i, slot) in c.0.iter_mut().enumerate() {
        *slot = r.get(first + i)?;
    }
    Ok(c)
}

/// A unit's figures at the end of `day`.
pub(crate) fn as_of(conn: &Connection, unit_id: i64, day: Day) -> Result<Counts> {
    latest_before(conn, unit_id, day.number() + 1)
}

/// A unit's cumulative rows over `from..=to`, after the one in force before.
pub(crate) fn history(conn: &Connection, unit_id: i64, from: Day, to: Day) -> Result<History> {
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT day, {COLUMNS} FROM counters WHERE unit_id = ?1 AND day BETWEEN ?2 AND ?3
             ORDER BY day"
        ))
        .map_err(backend)?;
    let changes = stmt
        .query_map(params![unit_id, from.number(), to.number()], |r| {
            Ok((Day::from_number(r.get(0)?), counts_from(r, 1)?))
        })
        .map_err(backend)?
        .collect::<rusqlite::Result<_>>()
        .map_err(backend)?;
    Ok(History {
        before: latest_before(conn, unit_id, from.number())?,
        changes,
    })
}

/// The cumulative row in force just before `day` (zero if none).
fn latest_before(conn: &Connection, unit_id: i64, day: i32) -> Result<Counts> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM counters WHERE unit_id = ?1 AND day < ?2
             ORDER BY day DESC LIMIT 1"
        ))
        .map_err(backend)?
        .query_row(params![unit_id, day], |r| counts_from(r, 0))
        .optional()
        .map_err(backend)?
        .unwrap_or(Counts::ZERO))
}

/// A funnel step's histogram entry: unit, transition, days taken.
pub(crate) type GapKey = (i64, u8, i32);

/// Changes to counters (and to the funnel's histograms of days between
/// stages) on each citizen's own unit, not yet rolled up.
#[derive(Default)]
pub(crate) struct Deltas {
    leaf: HashMap<(i64, i32), Counts>,
    gaps: HashMap<GapKey, i64>,
}

impl Deltas {
    /// Adds (`sign` = 1) or takes away (`sign` = -1) what a citizen of unit
    /// `unit_id` contributes.
    pub fn contribution(&mut self, unit_id: i64, c: &Contribution, sign: i64) {
        for (metric, day, change) in c.entries() {
            let slot = self.leaf.entry((unit_id, day.number())).or_default();
            slot[metric] += sign * change;
        }
        self.gaps_of(unit_id, &c.firsts, sign);
    }

    fn gaps_of(&mut self, unit_id: i64, firsts: &Firsts, sign: i64) {
        for (t, days) in firsts.gaps() {
            *self.gaps.entry((unit_id, t.code(), days)).or_default() += sign;
        }
    }

    /// Moves the event-driven part of a citizen's contribution when their
    /// first days change (their unit and eligibility stay).
    pub fn firsts_changed(&mut self, unit_id: i64, old: &Firsts, new: &Firsts) {
        for metric in Metric::FROM_EVENTS {
            let (before, after) = (old.get(metric), new.get(metric));
            if before == after {
                continue;
            }
            if let Some(d) = before {
                self.leaf.entry((unit_id, d.number())).or_default()[metric] -= 1;
            }
            if let Some(d) = after {
                self.leaf.entry((unit_id, d.number())).or_default()[metric] += 1;
            }
        }
        self.gaps_of(unit_id, old, -1);
        self.gaps_of(unit_id, new, 1);
    }

    /// The funnel histograms' changes, rolled up to every ancestor (zero
    /// changes dropped).
    pub fn gaps_rolled_up(&mut self, units: &UnitIndex) -> HashMap<GapKey, i64> {
        let mut out: HashMap<GapKey, i64> = HashMap::default();
        for ((unit, t, days), n) in std::mem::take(&mut self.gaps) {
            if n != 0 {
                for ancestor in units.lineage(unit) {
                    *out.entry((ancestor, t, days)).or_default() += n;
                }
            }
        }
        out.retain(|_, n| *n != 0);
        out
    }

    /// Rolls the deltas up to every ancestor: per unit, per day. (Sorting
    /// one flat list is several times faster than filling nested maps.)
    pub fn rolled_up(&mut self, units: &UnitIndex) -> HashMap<i64, BTreeMap<i32, Counts>> {
        let mut all: Vec<(i64, i32, Counts)> = Vec::with_capacity(self.leaf.len() * 4);
        for ((unit, day), delta) in std::mem::take(&mut self.leaf) {
            if !delta.is_zero() {
                all.extend(units.lineage(unit).map(|ancestor| (ancestor, day, delta)));
            }
        }
        all.sort_unstable_by_key(|&(unit, day, _)| (unit, day));
        let mut per_unit: HashMap<i64, BTreeMap<i32, Counts>> = HashMap::default();
        for unit in all.chunk_by(|a, b| a.0 == b.0) {
            let days = unit.chunk_by(|a, b| a.1 == b.1).map(|day| {
                let mut sum = Counts::ZERO;
                for (_, _, delta) in day {
                    sum += *delta;
                }
                (day[0].1, sum)
            });
            per_unit.insert(unit[0].0, days.collect());
        }
        per_unit
    }

    /// The deltas rolled up to every ancestor, ready to be written.
    pub fn roll_up(mut self, units: &UnitIndex) -> RolledUp {
        let mut per_unit: Vec<_> = self.rolled_up(units).into_iter().collect();
        per_unit.sort_unstable_by_key(|(unit, _)| *unit);
        RolledUp {
            gaps: self.gaps_rolled_up(units),
            per_unit,
        }
    }
}

/// Counter and funnel changes on every unit they reach, in unit order.
#[derive(Default)]
pub(crate) struct RolledUp {
    per_unit: Vec<(i64, BTreeMap<i32, Counts>)>,
    gaps: HashMap<GapKey, i64>,
}

impl RolledUp {
    /// Writes the changes into the cumulative rows, unit by unit in key order.
    pub fn write(self, conn: &Connection) -> Result<()> {
        for (unit, days) in self.per_unit {
            merge_into_unit(conn, unit, &days)?;
        }
        add_gaps(conn, &self.gaps)
    }
}

/// Adds per-day deltas to one unit's cumulative rows: every row from the
/// first changed day on moves by the running sum of the deltas before it.
pub(crate) fn merge_into_unit(
    conn: &Connection,
    unit_id: i64,
    deltas: &BTreeMap<i32, Counts>,
) -> Result<()> {
    let Some(&first) = deltas.keys().next() else {
        return Ok(());
    };
    let mut existing: BTreeMap<i32, Counts> = BTreeMap::new();
    {
        let mut stmt = conn
            .prepare_cached(&format!(
                "SELECT day, {COLUMNS} FROM counters WHERE unit_id = ?1 AND day >= ?2 ORDER BY day"
            ))
            .map_err(backend)?;
        let rows = stmt
            .query_map(params![unit_id, first], |r| {
                Ok((r.get(0)?, counts_from(r, 1)?))
            })
            .map_err(backend)?;
        for row in rows {
            let (day, counts) = row.map_err(backend)?;
            existing.insert(day, counts);
        }
    }
    let mut previous = latest_before(conn, unit_id, first)?;
    let mut running = Counts::ZERO;
    let mut days: Vec<i32> = existing.keys().chain(deltas.keys()).copied().collect();
    days.sort_unstable();
    days.dedup();
    let mut rows = Vec::with_capacity(days.len());
    for day in days {
        let stored = existing.get(&day);
        if let Some(old) = stored {
            previous = *old;
        }
        let delta = deltas.get(&day);
        if let Some(delta) = delta {
            running += *delta;
        }
        // A stored row changes by the running sum; a day without one needs
        // a row when the figures change on it — even when the running sum
        // comes back to zero there (a first day moved later: −1 on the old
        // day, +1 on the new one), since the rows before it have moved.
        let unchanged = match stored {
            Some(_) => running.is_zero(),
            None => delta.is_none_or(Counts::is_zero),
        };
        if unchanged {
            continue;
        }
        let mut new = previous;
        new += running;
        rows.push((day, new));
    }
    upsert(conn, unit_id, &rows)
}

/// Counter rows per multi-row statement (10 parameters each).
const UPSERT_ROWS: usize = 32;

/// Writes a unit's cumulative rows, replacing those of the same days.
fn upsert(conn: &Connection, unit_id: i64, rows: &[(i32, Counts)]) -> Result<()> {
    crate::write_rows(
        conn,
        &format!("INSERT OR REPLACE INTO counters (unit_id, day, {COLUMNS})"),
        UPSERT_ROWS,
        rows,
        |&(day, counts)| -> [i64; Metric::COUNT + 2] {
            std::array::from_fn(|i| match i {
                0 => unit_id,
                1 => i64::from(day),
                i => counts.0[i - 2],
            })
        },
    )
}

/// Adds changes to the funnel histograms, dropping entries that reach zero.
pub(crate) fn add_gaps(conn: &Connection, changes: &HashMap<GapKey, i64>) -> Result<()> {
    let mut keys: Vec<_> = changes.iter().collect();
    keys.sort_unstable_by_key(|(k, _)| **k);
    let mut add = conn
        .prepare_cached(
            "INSERT INTO gaps (unit_id, transition, days, n) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (unit_id, transition, days) DO UPDATE SET n = n + excluded.n",
        )
        .map_err(backend)?;
    for ((unit, t, days), n) in keys {
        add.execute(params![unit, t, days, n]).map_err(backend)?;
    }
    conn.execute("DELETE FROM gaps WHERE n = 0", [])
        .map_err(backend)?;
    Ok(())
}

/// The funnel histograms as stored.
pub(crate) fn stored_gaps(conn: &Connection) -> Result<HashMap<GapKey, i64>> {
    let mut stmt = conn
        .prepare("SELECT unit_id, transition, days, n FROM gaps")
        .map_err(backend)?;
    let rows = stmt
        .query_map([], |r| Ok(((r.get(0)?, r.get(1)?, r.get(2)?), r.get(3)?)))
        .map_err(backend)?;
    rows.collect::<rusqlite::Result<_>>().map_err(backend)
}

/// One unit's histogram of days per funnel step: `(transition, days, n)`.
pub(crate) fn gaps_of_unit(conn: &Connection, unit_id: i64) -> Result<Vec<(u8, i32, i64)>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT transition, days, n FROM gaps WHERE unit_id = ?1 ORDER BY transition, days",
        )
        .map_err(backend)?;
    let rows = stmt
        .query_map([unit_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .map_err(backend)?;
    rows.collect::<rusqlite::Result<_>>().map_err(backend)
}

/// Every unit's rows turned back into per-day increases (zero ones dropped),
/// for comparing with a recomputation.
pub(crate) fn stored_deltas(conn: &Connection) -> Result<HashMap<i64, BTreeMap<i32, Counts>>> {
    let mut stmt = conn
        .prepare(&format!(
            "SELECT unit_id, day, {COLUMNS} FROM counters ORDER BY unit_id, day"
        ))
        .map_err(backend)?;
    let mut rows = stmt.query([]).map_err(backend)?;
    let mut out: HashMap<i64, BTreeMap<i32, Counts>> = HashMap::default();
    let mut last: Option<(i64, Counts)> = None;
    while let Some(r) = rows.next().map_err(backend)? {
        let unit: i64 = r.get(0).map_err(backend)?;
        let day: i32 = r.get(1).map_err(backend)?;
        let counts = counts_from(r, 2).map_err(backend)?;
        let previous = match last {
            Some((u, c)) if u == unit => c,
            _ => Counts::ZERO,
        };
        let delta = counts.minus(&previous);
        if !delta.is_zero() {
            out.entry(unit).or_default().insert(day, delta);
        }
        last = Some((unit, counts));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(include_str!("schema.sql")).unwrap();
        conn
    }

    fn collected(n: i64) -> Counts {
        let mut c = Counts::ZERO;
        c[Metric::Collected] = n;
        c
    }

    fn read(conn: &Connection, day: i32) -> i64 {
        as_of(conn, 1, Day::from_number(day)).unwrap()[Metric::Collected]
    }

    #[test]
    fn a_first_day_moved_later_onto_a_day_without_a_row() {
        let conn = table();
        // One citizen collected on day 10; days 10 and 20 have rows.
        merge_into_unit(
            &conn,
            1,
            &BTreeMap::from([(10, collected(1)), (20, Counts::ZERO)]),
        )
        .unwrap();
        merge_into_unit(&conn, 1, &BTreeMap::from([(20, collected(1))])).unwrap();
        assert_eq!(
            (read(&conn, 10), read(&conn, 15), read(&conn, 20)),
            (1, 1, 2)
        );
        // The first one's day moves to 15, which has no row.
        merge_into_unit(
            &conn,
            1,
            &BTreeMap::from([(10, collected(-1)), (15, collected(1))]),
        )
        .unwrap();
        assert_eq!(
            (
                read(&conn, 9),
                read(&conn, 10),
                read(&conn, 14),
                read(&conn, 15),
                read(&conn, 20)
            ),
            (0, 0, 0, 1, 2)
        );
    }
}
