//! `phuxanh check`: recomputes every citizen's first days from the events
//! and every counter from the roster, compares them with what the live
//! counters hold, and with `repair` rewrites what disagrees. This is the one
//! place that scans the citizens and events tables, on purpose.

use std::collections::BTreeMap;

use rustc_hash::FxHashMap as HashMap;

use phuxanh_domain::{Contribution, Counts, Day, Firsts, Instant, Level, citizen::eligible_from};
use phuxanh_store::{CheckReport, Result, Scope};
use rusqlite::Connection;

use crate::backend;
use crate::counters::{self, Deltas};
use crate::import::kind_from_code;
use crate::state::{self, FIRSTS, firsts_from};
use crate::tree::UnitIndex;

const MAX_EXAMPLES: usize = 10;

pub(crate) fn run(conn: &mut Connection, min_age: u8, repair: bool) -> Result<CheckReport> {
    // Checking only reads: it must not hold writers off. Repairing writes,
    // and takes the write lock first, so that what it compares stays put.
    let tx = if repair {
        crate::write_transaction(conn)?
    } else {
        conn.transaction().map_err(backend)?
    };
    let units = UnitIndex::load(&tx, &Scope::everything())?;
    let mut report = CheckReport::default();

    // First days per citizen, from the events alone.
    let mut from_events: HashMap<i64, Firsts> = HashMap::default();
    {
        let mut stmt = tx
            .prepare("SELECT citizen_id, kind, level, at FROM events")
            .map_err(backend)?;
        let mut rows = stmt.query([]).map_err(backend)?;
        while let Some(r) = rows.next().map_err(backend)? {
            let citizen: i64 = r.get(0).map_err(backend)?;
            let kind = kind_from_code(r.get(1).map_err(backend)?)?;
            let level = Level::from_number(r.get(2).map_err(backend)?)
                .map_err(|e| phuxanh_store::StoreError::Backend(e.into()))?;
            let day = Instant::from_unix_seconds(r.get(3).map_err(backend)?).day();
            from_events
                .entry(citizen)
                .or_default()
                .record(kind, level, day);
            report.events += 1;
        }
    }

    // Departures from the eligible population, from the visits alone.
    let mut left = crate::visits::departures_from_visits(&tx)?;
    let mut wrong_departures: Vec<(i64, Option<(Day, i64)>)> = Vec::new();

    // Contributions per citizen, compared with the kept first days.
    let mut deltas = Deltas::default();
    let mut wrong_firsts: Vec<(i64, Firsts)> = Vec::new();
    {
        let mut stmt = tx
            .prepare(&format!(
                "SELECT i.id, i.unit_id, c.birth_date, i.row_id, {FIRSTS}, d.from_day, d.visit
                     FROM citizen_ids i JOIN citizens c ON c.row_id = i.row_id
                     LEFT JOIN firsts f ON f.row_id = i.row_id
                     LEFT JOIN departures d ON d.row_id = i.row_id"
            ))
            .map_err(backend)?;
        let mut rows = stmt.query([]).map_err(backend)?;
        while let Some(r) = rows.next().map_err(backend)? {
            report.citizens += 1;
            let id: i64 = r.get(0).map_err(backend)?;
            let unit: i64 = r.get(1).map_err(backend)?;
            let birth = Day::from_number(r.get(2).map_err(backend)?);
            let row_id: i64 = r.get(3).map_err(backend)?;
            let kept = firsts_from(r, 4).map_err(backend)?;
            let truth = from_events.remove(&id).unwrap_or_default();
            if truth != kept {
                report.firsts_wrong += 1;
                if report.examples.len() < MAX_EXAMPLES {
                    report.examples.push(format!(
                        "citizen {:012}: kept first days {kept:?}, events say {truth:?}",
                        id
                    ));
                }
                wrong_firsts.push((row_id, truth));
            }
            let kept_departure = match r.get::<_, Option<i32>>(11).map_err(backend)? {
                Some(day) => Some((Day::from_number(day), r.get::<_, i64>(12).map_err(backend)?)),
                None => None,
            };
            let departure = left.remove(&id);
            if departure != kept_departure {
                report.departures_wrong += 1;
                if report.examples.len() < MAX_EXAMPLES {
                    report.examples.push(format!(
                        "citizen {id:012}: kept out of the eligible from {kept_departure:?}, visits say {departure:?}"
                    ));
                }
                wrong_departures.push((row_id, departure));
            }
            let contribution = Contribution {
                eligible_from: eligible_from(birth, min_age),
                eligible_until: departure.map(|(day, _)| day),
                firsts: truth,
            };
            deltas.contribution(unit, &contribution, 1);
        }
    }

    let expected = deltas.rolled_up(&units);
    let expected_gaps = deltas.gaps_rolled_up(&units);
    // A retired unit's counters are kept as they were when a
    // reorganisation ended it: no citizen counts there now.
    let mut stored = counters::stored_deltas(&tx)?;
    stored.retain(|unit, _| !units.is_retired(*unit));
    let empty = BTreeMap::new();
    let mut unit_ids: Vec<i64> = expected.keys().chain(stored.keys()).copied().collect();
    unit_ids.sort_unstable();
    unit_ids.dedup();
    for unit in unit_ids {
        let want = expected.get(&unit).unwrap_or(&empty);
        let have = stored.get(&unit).unwrap_or(&empty);
        // Compare cumulative values on every day either side knows.
        let mut days: Vec<i32> = want.keys().chain(have.keys()).copied().collect();
        days.sort_unstable();
        days.dedup();
        let (mut w, mut h) = (Counts::ZERO, Counts::ZERO);
        for day in days {
            w += want.get(&day).copied().unwrap_or_default();
            h += have.get(&day).copied().unwrap_or_default();
            if w != h {
                report.counters_wrong += 1;
                if report.examples.len() < MAX_EXAMPLES {
                    report.examples.push(format!(
                        "unit #{unit} on {}: counters hold {:?}, recomputation gives {:?}",
                        Day::from_number(day),
                        h.0,
                        w.0
                    ));
                }
            }
        }
    }

    // The funnel histograms, entry by entry.
    let mut stored_gaps = counters::stored_gaps(&tx)?;
    stored_gaps.retain(|(unit, _, _), _| !units.is_retired(*unit));
    let mut keys: Vec<_> = expected_gaps
        .keys()
        .chain(stored_gaps.keys())
        .copied()
        .collect();
    keys.sort_unstable();
    keys.dedup();
    for key in keys {
        let (want, have) = (
            expected_gaps.get(&key).copied().unwrap_or(0),
            stored_gaps.get(&key).copied().unwrap_or(0),
        );
        if want != have {
            report.counters_wrong += 1;
            if report.examples.len() < MAX_EXAMPLES {
                report.examples.push(format!(
                    "unit #{}, funnel step {} taking {} days: {have} citizens kept, recomputation gives {want}",
                    key.0, key.1, key.2
                ));
            }
        }
    }

    if repair && !report.is_clean() {
        wrong_firsts.sort_unstable_by_key(|(row_id, _)| *row_id);
        state::set_firsts(&tx, &wrong_firsts)?;
        crate::visits::set_departures(&tx, &wrong_departures)?;
        replace_live(&tx, &expected, &expected_gaps)?;
        crate::bump_generation(&tx)?;
        report.repaired = true;
    }
    tx.commit().map_err(backend)?;
    Ok(report)
}

/// Replaces the counters and funnel of the units in force (not those a
/// reorganisation retired) with `counters` and `gaps`.
fn replace_live(
    tx: &Connection,
    counters: &HashMap<i64, BTreeMap<i32, Counts>>,
    gaps: &HashMap<counters::GapKey, i64>,
) -> Result<()> {
    const LIVE: &str = "(SELECT id FROM units WHERE retired_on IS NULL)";
    tx.execute(&format!("DELETE FROM counters WHERE unit_id IN {LIVE}"), [])
        .map_err(backend)?;
    for (unit, days) in counters {
        counters::merge_into_unit(tx, *unit, days)?;
    }
    tx.execute(&format!("DELETE FROM gaps WHERE unit_id IN {LIVE}"), [])
        .map_err(backend)?;
    counters::add_gaps(tx, gaps)
}

/// Rebuilds the counters and funnel of the units in force from every
/// citizen's kept first days and the unit they live in now (after a
/// reorganisation moved them all).
pub(crate) fn rebuild_live(tx: &Connection, min_age: u8) -> Result<()> {
    let units = UnitIndex::load(tx, &Scope::everything())?;
    let mut deltas = Deltas::default();
    let mut stmt = tx
        .prepare(&format!(
            "SELECT i.unit_id, c.birth_date, {FIRSTS}, d.from_day
             FROM citizen_ids i JOIN citizens c ON c.row_id = i.row_id
             LEFT JOIN firsts f ON f.row_id = i.row_id
             LEFT JOIN departures d ON d.row_id = i.row_id"
        ))
        .map_err(backend)?;
    let mut rows = stmt.query([]).map_err(backend)?;
    while let Some(r) = rows.next().map_err(backend)? {
        let unit: i64 = r.get(0).map_err(backend)?;
        let birth = Day::from_number(r.get(1).map_err(backend)?);
        let contribution = Contribution {
            eligible_from: eligible_from(birth, min_age),
            eligible_until: r
                .get::<_, Option<i32>>(9)
                .map_err(backend)?
                .map(Day::from_number),
            firsts: firsts_from(r, 2).map_err(backend)?,
        };
        deltas.contribution(unit, &contribution, 1);
    }
    let counters = deltas.rolled_up(&units);
    let gaps = deltas.gaps_rolled_up(&units);
    replace_live(tx, &counters, &gaps)
}
