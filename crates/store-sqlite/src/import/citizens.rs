//! `citizens import`: the roster, written in chunks; a citizen whose unit
//! or birth date changes takes their counts along.

use rustc_hash::FxHashMap as HashMap;

use phuxanh_domain::{Citizen, Contribution, Day, Firsts, Sex, UnitLevel, citizen::eligible_from};
use phuxanh_store::{ImportMode, ImportReport, Result, Rows, Scope, StoreError};
use rusqlite::{Connection, params};

use super::finish;
use crate::backend;
use crate::counters::Deltas;
use crate::state::{self, State};
use crate::tree::{Node, UnitIndex};

/// A citizen's roster row: who they are.
struct Person {
    birth: Day,
    full_name: String,
    sex: Sex,
    household_id: Option<String>,
    address: Option<String>,
    phone: Option<String>,
}

fn load_person(conn: &Connection, row_id: i64) -> Result<Person> {
    conn.prepare_cached(
        "SELECT birth_date, full_name, sex, household_id, address, phone
         FROM citizens WHERE row_id = ?1",
    )
    .map_err(backend)?
    .query_row([row_id], |r| {
        Ok(Person {
            birth: Day::from_number(r.get(0)?),
            full_name: r.get(1)?,
            sex: if r.get::<_, String>(2)? == "F" {
                Sex::Female
            } else {
                Sex::Male
            },
            household_id: r.get(3)?,
            address: r.get(4)?,
            phone: r.get(5)?,
        })
    })
    .map_err(backend)
}

fn residence_problem(
    conn: &Connection,
    index: &UnitIndex,
    unit: &phuxanh_domain::UnitCode,
) -> Result<Result<Node, String>> {
    Ok(match index.current(conn, unit)? {
        None => Err(format!(
            "unknown unit '{unit}': import it first (`phuxanh units import`)"
        )),
        Some(Err(retired)) => Err(retired),
        Some(Ok(node)) => residence_of(index, unit, node),
    })
}

fn residence_of(
    index: &UnitIndex,
    unit: &phuxanh_domain::UnitCode,
    node: Node,
) -> Result<Node, String> {
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
    let tx = crate::write_transaction(conn)?;
    let index = UnitIndex::load(&tx, scope)?;
    let (first_load, next_row_id): (bool, i64) = tx
        .query_row(
            "SELECT NOT EXISTS (SELECT 1 FROM citizen_ids),
             (SELECT coalesce(max(row_id), 0) + 1 FROM citizens)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .map_err(backend)?;
    let mut roster = Roster {
        conn: &tx,
        index: &index,
        min_age,
        first_load,
        next_row_id,
        added: Vec::new(),
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
        match residence_problem(&tx, &index, &c.unit)? {
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
    let Roster {
        report,
        deltas,
        mut added,
        ..
    } = roster;
    // A first load writes the `citizen_ids` rows once, at the end, by ID:
    // appended in key order instead of inserted at a million random keys.
    // Meanwhile the other core rolls the counter changes up.
    let changes = std::thread::scope(|s| {
        let changes = s.spawn(|| deltas.roll_up(&index));
        added.sort_unstable();
        state::insert(&tx, &added)?;
        Ok::<_, StoreError>(changes.join().expect("rolling counters up panicked"))
    })?;
    finish(tx, report, mode, changes)
}

/// The state of a roster import between chunks.
struct Roster<'a> {
    conn: &'a Connection,
    index: &'a UnitIndex,
    min_age: u8,
    /// No citizen on the roster yet: nobody to look up.
    first_load: bool,
    /// The row id the next new citizen's roster row gets.
    next_row_id: i64,
    /// New citizens' `citizen_ids` rows, `(id, row_id, unit_id)`, not written yet
    /// (a first load writes them all at the end).
    added: Vec<(i64, i64, i64)>,
    report: ImportReport,
    deltas: Deltas,
}

impl Roster<'_> {
    fn contribution(&self, birth: Day, until: Option<Day>, firsts: Firsts) -> Contribution {
        Contribution {
            eligible_from: eligible_from(birth, self.min_age),
            eligible_until: until,
            firsts,
        }
    }

    /// Writes a chunk: new citizens in one statement, the others compared
    /// and updated one by one.
    fn apply(&mut self, chunk: &mut Vec<Pending>) -> Result<()> {
        if chunk.is_empty() {
            return Ok(());
        }
        // In ID order the look-ups walk `citizen_ids` forwards.
        chunk.sort_unstable_by_key(|p| p.citizen.id);
        let on_roster = if self.first_load {
            HashMap::default()
        } else {
            let ids: Vec<i64> = chunk.iter().map(|p| p.citizen.id.as_u64() as i64).collect();
            state::load(self.conn, &ids)?
        };
        let mut new = Vec::with_capacity(chunk.len());
        for p in chunk.drain(..) {
            match on_roster.get(&(p.citizen.id.as_u64() as i64)) {
                Some(old) => self.update(p, old)?,
                None => new.push(p),
            }
        }
        self.insert(&new)?;
        if !self.first_load {
            state::insert(self.conn, &self.added)?;
            self.added.clear();
        }
        Ok(())
    }

    /// Adds citizens not on the roster yet: their roster rows in one
    /// statement, appended under new row ids; their `citizen_ids` rows to
    /// `added`.
    fn insert(&mut self, new: &[Pending]) -> Result<()> {
        if new.is_empty() {
            return Ok(());
        }
        let keys: Vec<(i64, i32)> = new
            .iter()
            .map(|p| (p.citizen.id.as_u64() as i64, p.citizen.birth_date.number()))
            .collect();
        let tuples = vec!["(?, ?, ?, ?, ?, ?, ?)"; new.len()].join(", ");
        let mut values: Vec<&dyn rusqlite::ToSql> = Vec::with_capacity(new.len() * 7);
        for (p, (id, birth)) in new.iter().zip(&keys) {
            let c = &p.citizen;
            values.extend_from_slice(&[
                id,
                &c.full_name,
                birth,
                match c.sex {
                    Sex::Male => &"M",
                    Sex::Female => &"F",
                },
                &c.household_id,
                &c.address,
                &c.phone,
            ]);
        }
        // SQLite numbers the rows itself, one more than the largest so far:
        // an append, where a row id given by us would cost a seek per row.
        self.conn
            .prepare_cached(&format!(
                "INSERT INTO citizens (id, full_name, birth_date, sex, household_id, address, phone)
                 VALUES {tuples}"
            ))
            .map_err(backend)?
            .execute(values.as_slice())
            .map_err(backend)?;
        let first = self.next_row_id;
        self.next_row_id += new.len() as i64;
        if self.conn.last_insert_rowid() != self.next_row_id - 1 {
            return Err(StoreError::Backend(
                "the roster's new rows were not numbered one after another".into(),
            ));
        }
        for ((p, (id, _)), row_id) in new.iter().zip(keys).zip(first..) {
            self.added.push((id, row_id, p.unit.id));
            let contribution = self.contribution(p.citizen.birth_date, None, Firsts::default());
            self.deltas.contribution(p.unit.id, &contribution, 1);
            self.report.applied += 1;
        }
        Ok(())
    }

    /// A citizen already on the roster: unchanged, or updated (their counts
    /// move with them if their unit or birth date changed).
    fn update(&mut self, p: Pending, old: &State) -> Result<()> {
        let Pending {
            line,
            citizen: c,
            unit,
        } = p;
        let person = load_person(self.conn, old.row_id)?;
        // A citizen whose personal data was erased stays erased: the row
        // may still move them or correct their birth date.
        let c = if crate::erase::is_erased(self.conn, old.row_id)? {
            Citizen {
                full_name: person.full_name.clone(),
                household_id: None,
                address: None,
                phone: None,
                ..c
            }
        } else {
            c
        };
        let same = old.unit_id == unit.id
            && person.birth == c.birth_date
            && person.full_name == c.full_name
            && person.sex == c.sex
            && person.household_id == c.household_id
            && person.address == c.address
            && person.phone == c.phone;
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
                "UPDATE citizens SET full_name = ?2, birth_date = ?3, sex = ?4,
                 household_id = ?5, address = ?6, phone = ?7 WHERE row_id = ?1",
            )
            .map_err(backend)?
            .execute(params![
                old.row_id,
                c.full_name,
                c.birth_date.number(),
                c.sex.as_str(),
                c.household_id,
                c.address,
                c.phone
            ])
            .map_err(backend)?;
        if old.unit_id != unit.id {
            state::set_unit(self.conn, c.id.as_u64() as i64, unit.id)?;
        }
        if old.unit_id != unit.id || person.birth != c.birth_date {
            let until = crate::visits::departure_of(self.conn, old.row_id)?;
            let before = self.contribution(person.birth, until, old.firsts);
            let after = self.contribution(c.birth_date, until, old.firsts);
            self.deltas.contribution(old.unit_id, &before, -1);
            self.deltas.contribution(unit.id, &after, 1);
        }
        self.report.applied += 1;
        Ok(())
    }
}
