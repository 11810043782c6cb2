//! `citizens import`: the roster, written in chunks; a citizen whose unit
//! or birth date changes takes their counts along.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use phuxanh_domain::{
    Citizen, CitizenId, Contribution, Day, Firsts, Sex, UnitLevel, citizen::eligible_from,
};
use phuxanh_store::{ImportMode, ImportReport, Result, Rows, Scope};
use rusqlite::{Connection, OptionalExtension, params};

use super::finish;
use crate::backend;
use crate::counters::Deltas;
use crate::tree::{Node, UnitIndex};

/// A citizen as the database holds them.
struct Stored {
    unit_id: i64,
    birth: Day,
    firsts: Firsts,
    full_name: String,
    sex: Sex,
    household_id: Option<String>,
    address: Option<String>,
    phone: Option<String>,
}

const FIRSTS: &str = "f.f_collected, f.f_collected_l2, f.f_approved, f.f_rejected, \
     f.f_activated, f.f_activated_l2, f.f_used";

fn firsts_from(r: &rusqlite::Row<'_>, first: usize) -> rusqlite::Result<Firsts> {
    let mut f = Firsts::default();
    for (i, slot) in f.0.iter_mut().enumerate() {
        *slot = r.get::<_, Option<i32>>(first + i)?.map(Day::from_number);
    }
    Ok(f)
}

fn load_citizen(conn: &Connection, id: CitizenId) -> Result<Option<Stored>> {
    conn.prepare_cached(&format!(
        "SELECT c.unit_id, c.birth_date, c.full_name, c.sex, c.household_id, c.address, c.phone,
         {FIRSTS} FROM citizens c LEFT JOIN firsts f ON f.row_id = c.row_id WHERE c.id = ?1"
    ))
    .map_err(backend)?
    .query_row([id.as_u64() as i64], |r| {
        Ok(Stored {
            unit_id: r.get(0)?,
            birth: Day::from_number(r.get(1)?),
            full_name: r.get(2)?,
            sex: if r.get::<_, String>(3)? == "F" {
                Sex::Female
            } else {
                Sex::Male
            },
            household_id: r.get(4)?,
            address: r.get(5)?,
            phone: r.get(6)?,
            firsts: firsts_from(r, 7)?,
        })
    })
    .optional()
    .map_err(backend)
}

fn residence_problem(index: &UnitIndex, unit: &phuxanh_domain::UnitCode) -> Result<Node, String> {
    let node = index.get(unit).ok_or_else(|| {
        format!("unknown unit '{unit}': import it first (`phuxanh units import`)")
    })?;
    if !index.in_scope(node.id) {
        return Err(format!("unit '{unit}' is outside your units"));
    }
    if !matches!(node.level, UnitLevel::Commune | UnitLevel::Village) {
        return Err(format!(
            "unit '{unit}' is a {}: a citizen lives in a commune or a village",
            node.level
        ));
    }
    Ok(node)
}

/// Citizens are written in chunks: one multi-row insert, in id order, adds
/// the new ones; only those already on the roster take the slower
/// compare-and-update path.
const CITIZEN_CHUNK: usize = 256;

/// A roster row that passed the checks that need no database.
struct Pending {
    line: u64,
    citizen: Citizen,
    unit: Node,
}

pub(crate) fn citizens(
    conn: &mut Connection,
    scope: &Scope,
    rows: Rows<Citizen>,
    mode: ImportMode,
    min_age: u8,
) -> Result<ImportReport> {
    let tx = conn.transaction().map_err(backend)?;
    let index = UnitIndex::load(&tx, scope)?;
    // A first load into an empty roster builds the id index once, at the
    // end, by sorting: far cheaper than a million random index inserts.
    // The drop is part of the transaction, so a rollback restores it.
    let first_load: bool = tx
        .query_row("SELECT NOT EXISTS (SELECT 1 FROM citizens)", [], |r| {
            r.get(0)
        })
        .map_err(backend)?;
    if first_load {
        tx.execute_batch("DROP INDEX citizens_by_id")
            .map_err(backend)?;
    }
    let mut roster = Roster {
        conn: &tx,
        index: &index,
        min_age,
        first_load,
        report: ImportReport::default(),
        deltas: Deltas::default(),
    };
    let mut seen: HashMap<u64, u64> = HashMap::default();
    let mut chunk: Vec<Pending> = Vec::with_capacity(CITIZEN_CHUNK);
    for row in rows {
        roster.report.read += 1;
        let c = match row.value {
            Ok(c) => c,
            Err(reason) => {
                roster.report.refuse(row.line, reason);
                continue;
            }
        };
        if let Some(first) = seen.insert(c.id.as_u64(), row.line) {
            roster.report.refuse(
                row.line,
                format!(
                    "citizen {} appears twice in this file (first at line {first})",
                    c.id
                ),
            );
            continue;
        }
        match residence_problem(&index, &c.unit) {
            Ok(unit) => chunk.push(Pending {
                line: row.line,
                citizen: c,
                unit,
            }),
            Err(reason) => roster.report.refuse(row.line, reason),
        }
        if chunk.len() == CITIZEN_CHUNK {
            roster.apply(&mut chunk)?;
        }
    }
    roster.apply(&mut chunk)?;
    let Roster { report, deltas, .. } = roster;
    if first_load {
        // The file is read by now, so its core can help SQLite sort.
        tx.execute_batch(
            "PRAGMA threads = 2;
             CREATE UNIQUE INDEX citizens_by_id ON citizens (id);
             PRAGMA threads = 0;",
        )
        .map_err(backend)?;
    }
    finish(tx, report, mode, deltas, &index)
}

/// The state of a roster import between chunks.
struct Roster<'a> {
    conn: &'a Connection,
    index: &'a UnitIndex,
    min_age: u8,
    first_load: bool,
    report: ImportReport,
    deltas: Deltas,
}

impl Roster<'_> {
    fn contribution(&self, birth: Day, firsts: Firsts) -> Contribution {
        Contribution {
            eligible_from: eligible_from(birth, self.min_age),
            firsts,
        }
    }

    /// Writes a chunk: new citizens in one statement, the others compared
    /// and updated one by one.
    fn apply(&mut self, chunk: &mut Vec<Pending>) -> Result<()> {
        if chunk.is_empty() {
            return Ok(());
        }
        // In id order the inserts walk the id index forwards.
        chunk.sort_unstable_by_key(|p| p.citizen.id);
        let added = insert_new_citizens(self.conn, chunk, self.first_load)?;
        for Pending {
            line,
            citizen: c,
            unit,
        } in chunk.drain(..)
        {
            if added.contains(&c.id.as_u64()) {
                let new = self.contribution(c.birth_date, Firsts::default());
                self.deltas.contribution(unit.id, &new, 1);
                self.report.applied += 1;
            } else {
                self.update(line, c, unit)?;
            }
        }
        Ok(())
    }

    /// A citizen already on the roster: unchanged, or updated (their counts
    /// move with them if their unit or birth date changed).
    fn update(&mut self, line: u64, c: Citizen, unit: Node) -> Result<()> {
        let old = load_citizen(self.conn, c.id)?.ok_or_else(|| {
            phuxanh_store::StoreError::Backend(format!("citizen {} vanished", c.id).into())
        })?;
        let same = old.unit_id == unit.id
            && old.birth == c.birth_date
            && old.full_name == c.full_name
            && old.sex == c.sex
            && old.household_id == c.household_id
            && old.address == c.address
            && old.phone == c.phone;
        if same {
            self.report.unchanged += 1;
            return Ok(());
        }
        if !self.index.in_scope(old.unit_id) {
            self.report.refuse(
                line,
                format!("citizen {} lives in a unit outside your units", c.id),
            );
            return Ok(());
        }
        self.conn
            .prepare_cached(
                "UPDATE citizens SET full_name = ?2, birth_date = ?3, sex = ?4, unit_id = ?5,
                 household_id = ?6, address = ?7, phone = ?8 WHERE id = ?1",
            )
            .map_err(backend)?
            .execute(params![
                c.id.as_u64() as i64,
                c.full_name,
                c.birth_date.number(),
                c.sex.as_str(),
                unit.id,
                c.household_id,
                c.address,
                c.phone
            ])
            .map_err(backend)?;
        if old.unit_id != unit.id || old.birth != c.birth_date {
            let before = self.contribution(old.birth, old.firsts);
            let after = self.contribution(c.birth_date, old.firsts);
            self.deltas.contribution(old.unit_id, &before, -1);
            self.deltas.contribution(unit.id, &after, 1);
        }
        self.report.applied += 1;
        Ok(())
    }
}

/// Inserts the chunk's citizens that are not on the roster yet; returns
/// their ids. One query finds those already there (none on a first load),
/// one statement inserts the others.
fn insert_new_citizens(
    conn: &Connection,
    chunk: &[Pending],
    first_load: bool,
) -> Result<HashSet<u64>> {
    let ids: Vec<i64> = chunk.iter().map(|p| p.citizen.id.as_u64() as i64).collect();
    let existing: HashSet<i64> = if first_load {
        HashSet::default()
    } else {
        let marks = vec!["?"; ids.len()].join(", ");
        let mut stmt = conn
            .prepare_cached(&format!("SELECT id FROM citizens WHERE id IN ({marks})"))
            .map_err(backend)?;
        let found = stmt
            .query_map(rusqlite::params_from_iter(&ids), |r| r.get::<_, i64>(0))
            .map_err(backend)?;
        found.collect::<rusqlite::Result<_>>().map_err(backend)?
    };
    let new: Vec<(&Pending, i64, i32)> = chunk
        .iter()
        .zip(&ids)
        .filter(|(_, id)| !existing.contains(id))
        .map(|(p, id)| (p, *id, p.citizen.birth_date.number()))
        .collect();
    if new.is_empty() {
        return Ok(HashSet::default());
    }
    let tuples = vec!["(?, ?, ?, ?, ?, ?, ?, ?)"; new.len()].join(", ");
    let mut values: Vec<&dyn rusqlite::ToSql> = Vec::with_capacity(new.len() * 8);
    for (p, id, birth) in &new {
        let c = &p.citizen;
        values.extend_from_slice(&[
            id,
            &c.full_name,
            birth,
            match c.sex {
                Sex::Male => &"M",
                Sex::Female => &"F",
            },
            &p.unit.id,
            &c.household_id,
            &c.address,
            &c.phone,
        ]);
    }
    conn.prepare_cached(&format!(
        "INSERT INTO citizens (id, full_name, birth_date, sex, unit_id, household_id, address, phone)
         VALUES {tuples}"
    ))
    .map_err(backend)?
    .execute(values.as_slice())
    .map_err(backend)?;
    Ok(new.iter().map(|(_, id, _)| *id as u64).collect())
}
