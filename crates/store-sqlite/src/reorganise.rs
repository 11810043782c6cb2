//! `units reorganise`: the whole tree moved to a new structure in one write
//! transaction (the July 2025 reform: 63 provinces with districts to 34
//! provinces of communes).
//!
//! - The old provinces, districts and communes are *retired*: they stay,
//!   with their counters and targets as they were, so that past reports
//!   still read (`progress --unit 83 --as-of 2023-11-14`), and `successors`
//!   says what each went into. An old unit whose code a new one takes is
//!   renamed `{code}.2024`.
//! - The new units are added; villages move under their new communes, and
//!   citizens who live directly in an old commune move to its new one.
//!   Where an old commune was split, the user's map says where each of its
//!   villages (or the commune's own citizens, or one citizen) goes; without
//!   an answer for every one, nothing changes and the needs are listed.
//! - The counters and funnel of every unit in force are rebuilt from the
//!   citizens' kept first days: each citizen's whole history counts in the
//!   new units, day by day.
//! - Targets are carried where they add up: a new unit whose old units all
//!   had targets for a metric, all numbers (summed) or all the same
//!   percentage; the rest are listed to be set again. Campaigns of an old
//!   unit move to its successor (a district's and a split commune's to the
//!   new province).

use std::collections::{BTreeMap, BTreeSet};

use rustc_hash::FxHashMap as HashMap;

use phuxanh_domain::{CitizenId, Instant, TargetValue, UnitCode, UnitLevel};
use phuxanh_store::{MapNeed, Reorganisation, ReorganiseReport, Result, StoreError};
use rusqlite::{Connection, OptionalExtension, params};

use crate::{backend, parse_level, parse_stored, tree};

/// What an old unit's code becomes when a new unit takes it.
const RENAMED: &str = ".2024";

/// An old unit, as the plan needs it.
struct Old {
    id: i64,
    code: UnitCode,
    name: String,
    level: UnitLevel,
    parent: Option<i64>,
}

fn reorganise_error(message: impl Into<String>) -> StoreError {
    StoreError::Reorganise(message.into())
}

/// Where each village and each commune's own citizens go, or what the map
/// must still answer.
struct Placement {
    /// Village id → new commune code.
    villages: Vec<(i64, UnitCode)>,
    /// Old commune id → new commune code, for its own citizens.
    communes: Vec<(i64, UnitCode)>,
    /// Citizen id → new commune code, where the map names one.
    citizens: Vec<(i64, UnitCode)>,
    /// Citizens who live directly in an old commune and move.
    moving: u64,
}

pub(crate) fn run(
    conn: &mut Connection,
    plan: &Reorganisation,
    apply: bool,
    min_age: u8,
    now: Instant,
) -> Result<ReorganiseReport> {
    let tx = crate::write_transaction(conn)?;
    let already: Option<i32> = tx
        .query_row("SELECT max(retired_on) FROM units", [], |r| r.get(0))
        .map_err(backend)?;
    if let Some(day) = already {
        return Err(reorganise_error(format!(
            "this database was reorganised already (its old units are retired from {}); there is nothing to do",
            phuxanh_domain::Day::from_number(day)
        )));
    }
    let old = load_units(&tx)?;
    let by_id: HashMap<i64, &Old> = old.iter().map(|u| (u.id, u)).collect();
    if !old.iter().any(|u| u.level == UnitLevel::District) {
        return Err(reorganise_error(
            "this database has no districts: it is not in the three-level structure of vn-2024 (a database made with `init --units vn-2025` needs no reorganisation)",
        ));
    }
    let new_codes: BTreeSet<&UnitCode> = plan.units.iter().map(|u| &u.code).collect();
    let new_communes: BTreeSet<&UnitCode> = plan
        .units
        .iter()
        .filter(|u| u.level == UnitLevel::Commune)
        .map(|u| &u.code)
        .collect();
    let mut report = ReorganiseReport::default();

    // Every old province and commune must have a destination.
    for u in &old {
        let known = match u.level {
            UnitLevel::Province => plan.provinces.contains_key(&u.code),
            UnitLevel::Commune => plan.communes.contains_key(&u.code),
            _ => true,
        };
        if !known {
            report.bad_map.push(format!(
                "{} {} ({}) is not in the {} tables: it cannot be placed",
                u.level, u.code, u.name, plan.name
            ));
        }
    }
    let placement = place(&tx, plan, &old, &by_id, &new_communes, &mut report)?;
    report.villages_moved = placement.villages.len() as u64;
    report.citizens_moved = placement.moving;
    if !report.needs.is_empty() || !report.bad_map.is_empty() || !apply {
        return Ok(report); // the transaction rolls back: nothing changed
    }

    // Old units retired; their codes given up to the new units that take them.
    for u in &old {
        if u.level == UnitLevel::Village {
            continue;
        }
        let code = if new_codes.contains(&u.code) {
            report.renamed += 1;
            format!("{}{RENAMED}", u.code)
        } else {
            u.code.to_string()
        };
        tx.prepare_cached("UPDATE units SET code = ?2, retired_on = ?3 WHERE id = ?1")
            .map_err(backend)?
            .execute(params![u.id, code, plan.effective.number()])
            .map_err(backend)?;
        report.retired[match u.level {
            UnitLevel::Province => 0,
            UnitLevel::District => 1,
            _ => 2,
        }] += 1;
    }
    tree::insert_units(&tx, &plan.units)?;
    report.added = plan.units.len() as u64;
    let new_id = |code: &UnitCode| -> Result<i64> {
        tx.prepare_cached("SELECT id FROM units WHERE code = ?1 AND retired_on IS NULL")
            .map_err(backend)?
            .query_row([code.as_str()], |r| r.get(0))
            .map_err(backend)
    };

    // Who succeeds whom.
    let mut successors: Vec<(i64, i64, bool)> = Vec::new();
    for u in &old {
        match u.level {
            UnitLevel::Province => {
                successors.push((u.id, new_id(&plan.provinces[&u.code])?, true));
            }
            UnitLevel::District => {
                let province = u.parent.and_then(|p| by_id.get(&p)).ok_or_else(|| {
                    reorganise_error(format!("district {} has no province", u.code))
                })?;
                successors.push((u.id, new_id(&plan.provinces[&province.code])?, false));
            }
            UnitLevel::Commune => {
                let into = &plan.communes[&u.code];
                for c in into {
                    successors.push((u.id, new_id(c)?, into.len() == 1));
                }
            }
            UnitLevel::Village => {}
        }
    }
    for (unit, successor, whole) in &successors {
        tx.prepare_cached(
            "INSERT INTO successors (unit_id, successor_id, whole) VALUES (?1, ?2, ?3)",
        )
        .map_err(backend)?
        .execute(params![unit, successor, whole])
        .map_err(backend)?;
    }

    // Villages and citizens to their new communes.
    for (village, commune) in &placement.villages {
        tx.prepare_cached("UPDATE units SET parent_id = ?2 WHERE id = ?1")
            .map_err(backend)?
            .execute(params![village, new_id(commune)?])
            .map_err(backend)?;
    }
    // One citizen's own answer first: the commune's then moves the others.
    for (citizen, commune) in &placement.citizens {
        tx.prepare_cached("UPDATE citizen_ids SET unit_id = ?2 WHERE id = ?1")
            .map_err(backend)?
            .execute(params![citizen, new_id(commune)?])
            .map_err(backend)?;
    }
    for (old_commune, commune) in &placement.communes {
        tx.prepare_cached("UPDATE citizen_ids SET unit_id = ?2 WHERE unit_id = ?1")
            .map_err(backend)?
            .execute(params![old_commune, new_id(commune)?])
            .map_err(backend)?;
    }
    crate::check::rebuild_live(&tx, min_age)?;

    carry_targets(&tx, &old, &successors, now, &mut report)?;
    move_campaigns(&tx, &by_id, &successors, &mut report)?;
    tx.execute(
        "INSERT INTO meta (key, value) VALUES ('units', ?1)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [&plan.name],
    )
    .map_err(backend)?;
    crate::bump_generation(&tx)?;
    tx.commit().map_err(backend)?;
    report.applied = true;
    Ok(report)
}

fn load_units(conn: &Connection) -> Result<Vec<Old>> {
    let mut stmt = conn
        .prepare("SELECT id, code, name, level, parent_id FROM units ORDER BY id")
        .map_err(backend)?;
    let rows = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, Option<i64>>(4)?,
            ))
        })
        .map_err(backend)?;
    let mut out = Vec::new();
    for row in rows {
        let (id, code, name, level, parent) = row.map_err(backend)?;
        out.push(Old {
            id,
            code: parse_stored(&code)?,
            name,
            level: parse_level(&level)?,
            parent,
        });
    }
    Ok(out)
}

/// Where every village and every old commune's own citizens go; what a
/// split leaves open goes to `report.needs`, unusable map entries to
/// `report.bad_map`.
fn place(
    conn: &Connection,
    plan: &Reorganisation,
    old: &[Old],
    by_id: &HashMap<i64, &Old>,
    new_communes: &BTreeSet<&UnitCode>,
    report: &mut ReorganiseReport,
) -> Result<Placement> {
    // Citizens per unit, to say how many follow each answer.
    let mut living: HashMap<i64, u64> = HashMap::default();
    {
        let mut stmt = conn
            .prepare("SELECT unit_id, count(*) FROM citizen_ids GROUP BY unit_id")
            .map_err(backend)?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)))
            .map_err(backend)?;
        for row in rows {
            let (unit, n) = row.map_err(backend)?;
            living.insert(unit, n as u64);
        }
    }
    let unit_codes: BTreeSet<&str> = old.iter().map(|u| u.code.as_str()).collect();
    let mut placement = Placement {
        villages: Vec::new(),
        communes: Vec::new(),
        citizens: Vec::new(),
        moving: 0,
    };
    let mut bad = Vec::new();
    // An answer must be one of the communes the old one went into.
    let check = |key: &str, chosen: &UnitCode, into: &[UnitCode], bad: &mut Vec<String>| {
        let fits = into.contains(chosen) && new_communes.contains(chosen);
        if !fits {
            bad.push(format!(
                "{key} → {chosen}: {chosen} is not one of the communes it may go to ({})",
                join(into)
            ));
        }
        fits
    };

    // Answers for one citizen each, who lives directly in a split commune.
    let mut mapped: HashMap<i64, u64> = HashMap::default();
    for (key, chosen) in &plan.map {
        if unit_codes.contains(key.as_str()) {
            continue;
        }
        let Ok(id) = CitizenId::parse(key) else {
            bad.push(format!(
                "{key}: not a unit of this database, nor a citizen's 12-digit ID"
            ));
            continue;
        };
        let unit: Option<i64> = conn
            .prepare_cached("SELECT unit_id FROM citizen_ids WHERE id = ?1")
            .map_err(backend)?
            .query_row([id.as_u64() as i64], |r| r.get(0))
            .optional()
            .map_err(backend)?;
        let commune = unit
            .and_then(|u| by_id.get(&u))
            .filter(|u| u.level == UnitLevel::Commune);
        let Some(commune) = commune else {
            bad.push(format!(
                "{key}: no citizen with this ID lives directly in a commune (the citizens of a village go with it)"
            ));
            continue;
        };
        let into = plan
            .communes
            .get(&commune.code)
            .map_or(&[][..], Vec::as_slice);
        if check(key, chosen, into, &mut bad) {
            placement
                .citizens
                .push((id.as_u64() as i64, chosen.clone()));
            *mapped.entry(commune.id).or_default() += 1;
        }
    }

    // Villages, and the communes' own citizens.
    for u in old {
        let commune = match u.level {
            UnitLevel::Commune => u,
            UnitLevel::Village => match u.parent.and_then(|p| by_id.get(&p)) {
                Some(c) if c.level == UnitLevel::Commune => c,
                _ => {
                    bad.push(format!("village {} is not under a commune", u.code));
                    continue;
                }
            },
            _ => {
                if plan.map.contains_key(u.code.as_str()) {
                    bad.push(format!(
                        "{}: a {} is not placed by the map (only villages, split communes and their citizens are)",
                        u.code, u.level
                    ));
                }
                continue;
            }
        };
        let Some(into) = plan.communes.get(&commune.code) else {
            continue; // reported as not in the tables
        };
        let answer = |code: &UnitCode| plan.map.get(code.as_str());
        let chosen = if into.len() == 1 {
            if let Some(c) = answer(&u.code).filter(|c| **c != into[0]) {
                bad.push(format!(
                    "{} → {c}: {} went whole into {}, which it follows",
                    u.code, commune.code, into[0]
                ));
            }
            Some(into[0].clone())
        } else {
            // A village's own answer, else its commune's.
            let given = answer(&u.code).map(|c| (u.code.as_str(), c)).or_else(|| {
                (u.level == UnitLevel::Village)
                    .then(|| answer(&commune.code).map(|c| (commune.code.as_str(), c)))
                    .flatten()
            });
            match given {
                Some((key, c)) => check(key, c, into, &mut bad).then(|| c.clone()),
                None => {
                    let waiting = living.get(&u.id).copied().unwrap_or(0)
                        - mapped.get(&u.id).copied().unwrap_or(0);
                    if u.level == UnitLevel::Village || waiting > 0 {
                        report.needs.push(MapNeed {
                            code: u.code.to_string(),
                            name: u.name.clone(),
                            commune: commune.code.clone(),
                            citizens: if u.level == UnitLevel::Village {
                                living.get(&u.id).copied().unwrap_or(0)
                            } else {
                                waiting
                            },
                            candidates: into.clone(),
                        });
                    }
                    None
                }
            }
        };
        match (u.level, chosen) {
            (UnitLevel::Village, Some(c)) => placement.villages.push((u.id, c)),
            (_, Some(c)) => {
                placement.moving += living.get(&u.id).copied().unwrap_or(0)
                    - mapped.get(&u.id).copied().unwrap_or(0);
                placement.communes.push((u.id, c));
            }
            (_, None) => {}
        }
    }
    placement.moving += placement.citizens.len() as u64;
    report.bad_map.extend(bad);
    Ok(placement)
}

fn join(codes: &[UnitCode]) -> String {
    codes
        .iter()
        .map(UnitCode::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}

/// A unit's current targets: metric → (value, deadline).
fn targets_of(conn: &Connection, unit: i64) -> Result<BTreeMap<String, (TargetValue, i32)>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT metric, value, deadline FROM targets
             WHERE unit_id = ?1 AND superseded_at IS NULL",
        )
        .map_err(backend)?;
    let rows = stmt
        .query_map([unit], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i32>(2)?,
            ))
        })
        .map_err(backend)?;
    let mut out = BTreeMap::new();
    for row in rows {
        let (metric, value, deadline) = row.map_err(backend)?;
        out.insert(metric, (parse_stored::<TargetValue>(&value)?, deadline));
    }
    Ok(out)
}

/// Carries targets to the new provinces and communes where those of the
/// old units they came from add up; lists the rest.
fn carry_targets(
    conn: &Connection,
    old: &[Old],
    successors: &[(i64, i64, bool)],
    now: Instant,
    report: &mut ReorganiseReport,
) -> Result<()> {
    let level_of: HashMap<i64, UnitLevel> = old.iter().map(|u| (u.id, u.level)).collect();
    let code_of: HashMap<i64, &UnitCode> = old.iter().map(|u| (u.id, &u.code)).collect();
    // New unit → the old provinces or communes it came from.
    let mut sources: BTreeMap<i64, Vec<(i64, bool)>> = BTreeMap::new();
    for &(unit, successor, whole) in successors {
        if matches!(level_of[&unit], UnitLevel::Province | UnitLevel::Commune) {
            sources.entry(successor).or_default().push((unit, whole));
        }
    }
    for (new, from) in sources {
        let new_code: String = conn
            .query_row("SELECT code FROM units WHERE id = ?1", [new], |r| r.get(0))
            .map_err(backend)?;
        let mut by_metric: BTreeMap<String, Vec<Option<(TargetValue, i32)>>> = BTreeMap::new();
        let mut all = Vec::with_capacity(from.len());
        for &(unit, _) in &from {
            all.push(targets_of(conn, unit)?);
        }
        for metric in all
            .iter()
            .flat_map(|t| t.keys())
            .cloned()
            .collect::<BTreeSet<_>>()
        {
            by_metric.insert(
                metric.clone(),
                all.iter().map(|t| t.get(&metric).cloned()).collect(),
            );
        }
        let names = || {
            from.iter()
                .map(|(u, _)| code_of[u].to_string())
                .collect::<Vec<_>>()
                .join(" + ")
        };
        for (metric, values) in by_metric {
            let partial = from.iter().any(|(_, whole)| !whole);
            let carried: Option<(TargetValue, i32)> =
                if partial || values.iter().any(Option::is_none) {
                    None
                } else {
                    let values: Vec<(TargetValue, i32)> = values.into_iter().flatten().collect();
                    let deadline = values.iter().map(|(_, d)| *d).max().unwrap_or(0);
                    // All numbers: their sum. All one percentage: that one.
                    let numbers: Option<i64> = values
                        .iter()
                        .map(|(v, _)| match v {
                            TargetValue::Absolute(n) => Some(*n),
                            TargetValue::PercentOfEligible(_) => None,
                        })
                        .sum();
                    match (numbers, values[0].0) {
                        (Some(n), _) => Some((TargetValue::Absolute(n), deadline)),
                        (None, first @ TargetValue::PercentOfEligible(_))
                            if values.iter().all(|(v, _)| *v == first) =>
                        {
                            Some((first, deadline))
                        }
                        _ => None,
                    }
                };
            match carried {
                Some((value, deadline)) => {
                    conn.prepare_cached(
                        "INSERT INTO targets (unit_id, metric, value, deadline, set_at, set_by)
                         VALUES (?1, ?2, ?3, ?4, ?5, 'units reorganise')",
                    )
                    .map_err(backend)?
                    .execute(params![new, metric, value.to_string(), deadline, now.unix_seconds()])
                    .map_err(backend)?;
                    report.targets_carried.push(format!(
                        "{new_code} {metric}: {value} (from {}), due {}",
                        names(),
                        phuxanh_domain::Day::from_number(deadline)
                    ));
                }
                None => report.targets_to_set.push(format!(
                    "{new_code} {metric}: {} — set it with `phuxanh targets set --unit {new_code} --metric {metric} …`",
                    if partial {
                        format!("part of an old commune went into it (from {})", names())
                    } else {
                        format!("the targets of {} do not add up (some missing, or percentages that differ)", names())
                    }
                )),
            }
        }
    }
    Ok(())
}

/// Moves each campaign of an old unit to the unit that succeeds it whole,
/// or else to the new province.
fn move_campaigns(
    conn: &Connection,
    by_id: &HashMap<i64, &Old>,
    successors: &[(i64, i64, bool)],
    report: &mut ReorganiseReport,
) -> Result<()> {
    let mut stmt = conn
        .prepare("SELECT id, name, unit_id FROM campaigns WHERE unit_id IS NOT NULL")
        .map_err(backend)?;
    let campaigns: Vec<(i64, String, i64)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .map_err(backend)?
        .collect::<rusqlite::Result<_>>()
        .map_err(backend)?;
    for (id, name, unit) in campaigns {
        let Some(old) = by_id.get(&unit) else {
            continue;
        };
        // The whole successor; a province's for a district or a split commune.
        let mut target = successors
            .iter()
            .find(|(u, _, whole)| *u == unit && *whole)
            .map(|(_, s, _)| *s);
        let mut up = old.parent;
        while target.is_none() {
            let Some(p) = up else { break };
            target = successors
                .iter()
                .find(|(u, _, whole)| *u == p && *whole)
                .map(|(_, s, _)| *s);
            up = by_id.get(&p).and_then(|o| o.parent);
        }
        let Some(target) = target else { continue };
        conn.execute(
            "UPDATE campaigns SET unit_id = ?2 WHERE id = ?1",
            params![id, target],
        )
        .map_err(backend)?;
        let code: String = conn
            .query_row("SELECT code FROM units WHERE id = ?1", [target], |r| {
                r.get(0)
            })
            .map_err(backend)?;
        report
            .campaigns_moved
            .push(format!("{name}: {} → {code}", old.code));
    }
    Ok(())
}
