//! Field operations: teams (`teams import`), their sessions (`sessions
//! import`), and the residents the door-to-door lists are drawn from.

use rustc_hash::FxHashMap as HashMap;

use phuxanh_domain::field::{FieldCode, Force, Outcome, Session, SessionTimes, Team};
use phuxanh_domain::{
    CitizenId, Day, EventKind, Instant, Metric, Phone, Sex, UnitCode, citizen::born_by,
};
use phuxanh_store::{
    Done, FieldDone, ImportMode, ImportReport, Resident, Residents, ResidentsQuery, Result, Rows,
    Scope, SessionDone, SessionQuery, SessionRow, StoreError, TeamDone, TeamRow,
};
use rusqlite::{Connection, OptionalExtension, params};

use crate::state::{FIRSTS, firsts_from};
use crate::tree::{Node, UnitIndex};
use crate::{backend, parse_stored};

/// The unit in force with `code`, in scope, or why not.
fn resolve(conn: &Connection, index: &UnitIndex, code: &UnitCode) -> Result<Result<Node, String>> {
    Ok(match index.current(conn, code)? {
        None => Err(format!(
            "unknown unit '{code}': check the code (`phuxanh units list`), or add the unit first (`phuxanh units import`)"
        )),
        Some(Err(retired)) => Err(retired),
        Some(Ok(node)) if !index.in_scope(node.id) => {
            Err(format!("unit '{code}' is outside your units"))
        }
        Some(Ok(node)) => Ok(node),
    })
}

/// Whether unit `id` is `ancestor` or under it.
fn under(index: &UnitIndex, id: i64, ancestor: i64) -> bool {
    index.lineage(id).any(|u| u == ancestor)
}

/// Commits what an import applied, or rolls an atomic one with refusals
/// back.
fn finish(
    tx: rusqlite::Transaction<'_>,
    mut report: ImportReport,
    mode: ImportMode,
) -> Result<ImportReport> {
    report.refused.sort_by_key(|r| r.line);
    if mode == ImportMode::Atomic && !report.refused.is_empty() {
        tx.rollback().map_err(backend)?;
        report.applied = 0;
        report.unchanged = 0;
        return Ok(report);
    }
    if report.applied > 0 {
        crate::bump_generation(&tx)?;
    }
    tx.commit().map_err(backend)?;
    report.committed = true;
    Ok(report)
}

/// A team as stored: covers sorted by code, members in [`Force::ALL`]
/// order; its row id and home unit's id.
fn load_team(conn: &Connection, code: &str) -> Result<Option<(i64, i64, Team)>> {
    let found = conn
        .prepare_cached(
            "SELECT t.id, t.unit_id, t.code, t.name, u.code, t.leader, t.leader_phone, t.deputy
             FROM teams t JOIN units u ON u.id = t.unit_id WHERE t.code = ?1",
        )
        .map_err(backend)?
        .query_row([code], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, Option<String>>(5)?,
                r.get::<_, Option<String>>(6)?,
                r.get::<_, Option<String>>(7)?,
            ))
        })
        .optional()
        .map_err(backend)?;
    let Some((id, unit_id, code, name, unit, leader, phone, deputy)) = found else {
        return Ok(None);
    };
    let covers: Vec<String> = conn
        .prepare_cached(
            "SELECT u.code FROM team_units tu JOIN units u ON u.id = tu.unit_id
             WHERE tu.team_id = ?1 ORDER BY u.code",
        )
        .map_err(backend)?
        .query_map([id], |r| r.get(0))
        .map_err(backend)?
        .collect::<rusqlite::Result<_>>()
        .map_err(backend)?;
    let forces: HashMap<String, u32> = conn
        .prepare_cached("SELECT force, members FROM team_forces WHERE team_id = ?1")
        .map_err(backend)?
        .query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))
        .map_err(backend)?
        .collect::<rusqlite::Result<_>>()
        .map_err(backend)?;
    let team = Team {
        code: parse_stored(&code)?,
        name,
        unit: parse_stored(&unit)?,
        covers: covers
            .iter()
            .map(|c| parse_stored(c))
            .collect::<Result<_>>()?,
        leader,
        leader_phone: phone
            .map(|p| Phone::parse(&p).map_err(|e| StoreError::Backend(e.into())))
            .transpose()?,
        deputy,
        members: Force::ALL
            .into_iter()
            .filter_map(|f| forces.get(f.as_str()).map(|n| (f, *n)))
            .collect(),
    };
    Ok(Some((id, unit_id, team)))
}

pub(crate) fn import_teams(
    conn: &mut Connection,
    scope: &Scope,
    rows: Rows<Team>,
    mode: ImportMode,
) -> Result<ImportReport> {
    let tx = crate::write_transaction(conn)?;
    let index = UnitIndex::load(&tx, scope)?;
    let mut report = ImportReport::default();
    let mut seen: HashMap<String, u64> = HashMap::default();
    for row in rows {
        report.read += 1;
        let mut team = match row.value {
            Ok(t) => t,
            Err(reason) => {
                report.refuse(row.line, reason);
                continue;
            }
        };
        if let Some(first) = seen.insert(team.code.to_string(), row.line) {
            report.refuse(
                row.line,
                format!(
                    "team '{}' appears twice in this file (first at line {first})",
                    team.code
                ),
            );
            continue;
        }
        let home = match resolve(&tx, &index, &team.unit)? {
            Ok(node) => node,
            Err(reason) => {
                report.refuse(row.line, format!("unit_code: {reason}"));
                continue;
            }
        };
        if team.covers.is_empty() {
            team.covers.push(team.unit.clone());
        }
        team.covers.sort();
        let mut covered = Vec::with_capacity(team.covers.len());
        let mut problem = None;
        for code in &team.covers {
            match resolve(&tx, &index, code)? {
                Ok(node) if under(&index, node.id, home.id) => covered.push(node.id),
                Ok(_) => {
                    problem = Some(format!(
                        "covers: unit '{code}' is not under the team's unit '{}': a team covers its own unit and units below it",
                        team.unit
                    ));
                    break;
                }
                Err(reason) => {
                    problem = Some(format!("covers: {reason}"));
                    break;
                }
            }
        }
        if let Some(reason) = problem {
            report.refuse(row.line, reason);
            continue;
        }
        let stored = load_team(&tx, team.code.as_str())?;
        let id = match stored {
            Some((_, unit_id, _)) if !index.in_scope(unit_id) => {
                report.refuse(
                    row.line,
                    format!("team '{}' belongs to a unit outside your units", team.code),
                );
                continue;
            }
            Some((_, _, ref old)) if *old == team => {
                report.unchanged += 1;
                continue;
            }
            Some((id, _, _)) => {
                tx.execute(
                    "UPDATE teams SET name = ?2, unit_id = ?3, leader = ?4, leader_phone = ?5,
                     deputy = ?6 WHERE id = ?1",
                    params![
                        id,
                        team.name,
                        home.id,
                        team.leader,
                        team.leader_phone.as_ref().map(Phone::as_written),
                        team.deputy
                    ],
                )
                .map_err(backend)?;
                tx.execute("DELETE FROM team_units WHERE team_id = ?1", [id])
                    .map_err(backend)?;
                tx.execute("DELETE FROM team_forces WHERE team_id = ?1", [id])
                    .map_err(backend)?;
                id
            }
            None => {
                tx.execute(
                    "INSERT INTO teams (code, name, unit_id, leader, leader_phone, deputy)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    params![
                        team.code.as_str(),
                        team.name,
                        home.id,
                        team.leader,
                        team.leader_phone.as_ref().map(Phone::as_written),
                        team.deputy
                    ],
                )
                .map_err(backend)?;
                tx.last_insert_rowid()
            }
        };
        for unit in covered {
            tx.execute(
                "INSERT INTO team_units (team_id, unit_id) VALUES (?1, ?2)",
                [id, unit],
            )
            .map_err(backend)?;
        }
        for (force, members) in &team.members {
            tx.execute(
                "INSERT INTO team_forces (team_id, force, members) VALUES (?1, ?2, ?3)",
                params![id, force.as_str(), members],
            )
            .map_err(backend)?;
        }
        report.applied += 1;
    }
    finish(tx, report, mode)
}

pub(crate) fn teams(
    conn: &Connection,
    scope: &Scope,
    under_unit: Option<&UnitCode>,
) -> Result<Vec<TeamRow>> {
    let index = UnitIndex::load(conn, scope)?;
    let root = index.root(under_unit)?;
    let listed: Vec<(String, i64, String)> = conn
        .prepare(
            "SELECT t.code, t.unit_id, u.name FROM teams t JOIN units u ON u.id = t.unit_id
             ORDER BY u.code, t.code",
        )
        .map_err(backend)?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .map_err(backend)?
        .collect::<rusqlite::Result<_>>()
        .map_err(backend)?;
    let mut out = Vec::new();
    for (code, unit_id, unit_name) in listed {
        if !index.within(unit_id, root) {
            continue;
        }
        let Some((id, _, team)) = load_team(conn, &code)? else {
            continue;
        };
        let users: Vec<String> = conn
            .prepare_cached("SELECT username FROM users WHERE team_id = ?1 ORDER BY username")
            .map_err(backend)?
            .query_map([&code], |r| r.get(0))
            .map_err(backend)?
            .collect::<rusqlite::Result<_>>()
            .map_err(backend)?;
        let (sessions, last): (i64, Option<i64>) = conn
            .prepare_cached(
                "SELECT count(*), max(starts_at) FROM field_sessions WHERE team_id = ?1",
            )
            .map_err(backend)?
            .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(backend)?;
        out.push(TeamRow {
            team,
            unit_name,
            users,
            sessions: sessions as u64,
            last_session: last.map(Instant::from_unix_seconds),
        });
    }
    Ok(out)
}

pub(crate) fn import_sessions(
    conn: &mut Connection,
    scope: &Scope,
    rows: Rows<Session>,
    mode: ImportMode,
) -> Result<ImportReport> {
    let tx = crate::write_transaction(conn)?;
    let index = UnitIndex::load(&tx, scope)?;
    let mut report = ImportReport::default();
    let mut seen: HashMap<String, u64> = HashMap::default();
    for row in rows {
        report.read += 1;
        let session = match row.value {
            Ok(s) => s,
            Err(reason) => {
                report.refuse(row.line, reason);
                continue;
            }
        };
        if let Some(first) = seen.insert(session.code.to_string(), row.line) {
            report.refuse(
                row.line,
                format!(
                    "session '{}' appears twice in this file (first at line {first})",
                    session.code
                ),
            );
            continue;
        }
        let team: Option<(i64, i64)> = tx
            .prepare_cached("SELECT id, unit_id FROM teams WHERE code = ?1")
            .map_err(backend)?
            .query_row([session.team.as_str()], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()
            .map_err(backend)?;
        let Some((team_id, team_unit)) = team.filter(|(_, unit)| index.in_scope(*unit)) else {
            report.refuse(
                row.line,
                format!(
                    "team_id: no team '{}' among your units: add it first (`phuxanh teams import`)",
                    session.team
                ),
            );
            continue;
        };
        let unit = match resolve(&tx, &index, &session.unit)? {
            Ok(node) if under(&index, node.id, team_unit) => node,
            Ok(_) => {
                report.refuse(
                    row.line,
                    format!(
                        "unit_code: unit '{}' is not under team '{}''s unit",
                        session.unit, session.team
                    ),
                );
                continue;
            }
            Err(reason) => {
                report.refuse(row.line, format!("unit_code: {reason}"));
                continue;
            }
        };
        let values = (
            team_id,
            unit.id,
            session.place.clone(),
            session.kind.as_str().to_string(),
            session.times.start.unix_seconds(),
            session.times.end.unix_seconds(),
        );
        let stored: Option<(i64, SessionValues)> = tx
            .prepare_cached(
                "SELECT id, team_id, unit_id, place, kind, starts_at, ends_at
                 FROM field_sessions WHERE code = ?1",
            )
            .map_err(backend)?
            .query_row([session.code.as_str()], |r| {
                Ok((
                    r.get(0)?,
                    (
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                        r.get(6)?,
                    ),
                ))
            })
            .optional()
            .map_err(backend)?;
        let (team_id, unit_id, place, kind, starts, ends) = &values;
        match stored {
            Some((_, old)) if !index.in_scope(team_unit_of(&tx, old.0)?) => {
                report.refuse(
                    row.line,
                    format!(
                        "session '{}' belongs to a team outside your units",
                        session.code
                    ),
                );
            }
            Some((_, old)) if old == values => report.unchanged += 1,
            Some((id, _)) => {
                tx.execute(
                    "UPDATE field_sessions SET team_id = ?2, unit_id = ?3, place = ?4, kind = ?5,
                     starts_at = ?6, ends_at = ?7 WHERE id = ?1",
                    params![id, team_id, unit_id, place, kind, starts, ends],
                )
                .map_err(backend)?;
                report.applied += 1;
            }
            None => {
                tx.execute(
                    "INSERT INTO field_sessions (code, team_id, unit_id, place, kind, starts_at, ends_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    params![session.code.as_str(), team_id, unit_id, place, kind, starts, ends],
                )
                .map_err(backend)?;
                report.applied += 1;
            }
        }
    }
    finish(tx, report, mode)
}

/// A stored session's columns: team, unit, place, kind, start, end.
type SessionValues = (i64, i64, String, String, i64, i64);

/// The home unit of team `team_id`.
fn team_unit_of(conn: &Connection, team_id: i64) -> Result<i64> {
    conn.query_row("SELECT unit_id FROM teams WHERE id = ?1", [team_id], |r| {
        r.get(0)
    })
    .map_err(backend)
}

pub(crate) fn sessions(
    conn: &Connection,
    scope: &Scope,
    q: &SessionQuery,
) -> Result<Vec<SessionRow>> {
    let index = UnitIndex::load(conn, scope)?;
    let root = index.root(q.unit.as_ref())?;
    let from = q.from.map(|d| Instant::start_of(d).unix_seconds());
    let to =
        q.to.map(|d| Instant::start_of(d.plus_days(1)).unix_seconds());
    let mut stmt = conn
        .prepare(
            "SELECT s.code, t.code, s.unit_id, u.code, u.name, s.place, s.kind, s.starts_at, s.ends_at
             FROM field_sessions s JOIN teams t ON t.id = s.team_id JOIN units u ON u.id = s.unit_id
             WHERE (?1 IS NULL OR t.code = ?1) AND (?2 IS NULL OR s.starts_at >= ?2)
               AND (?3 IS NULL OR s.starts_at < ?3)
             ORDER BY s.starts_at, s.code",
        )
        .map_err(backend)?;
    let mut rows = stmt
        .query(params![q.team.as_ref().map(FieldCode::as_str), from, to])
        .map_err(backend)?;
    let mut out = Vec::new();
    while let Some(r) = rows.next().map_err(backend)? {
        let unit_id: i64 = r.get(2).map_err(backend)?;
        if !index.within(unit_id, root) {
            continue;
        }
        let text = |i: usize| r.get::<_, String>(i).map_err(backend);
        let times = SessionTimes::new(
            Instant::from_unix_seconds(r.get(7).map_err(backend)?),
            Instant::from_unix_seconds(r.get(8).map_err(backend)?),
        )
        .map_err(|e| StoreError::Backend(e.into()))?;
        out.push(SessionRow {
            session: Session {
                code: parse_stored(&text(0)?)?,
                team: parse_stored(&text(1)?)?,
                unit: parse_stored(&text(3)?)?,
                place: text(5)?,
                kind: text(6)?
                    .parse()
                    .map_err(|e: String| StoreError::Backend(e.into()))?,
                times,
            },
            unit_name: text(4)?,
        });
    }
    Ok(out)
}

/// The units `root` is and holds.
fn subtree_ids(conn: &Connection, root: i64) -> Result<Vec<i64>> {
    conn.prepare_cached(
        "WITH RECURSIVE sub(id) AS (
             SELECT ?1 UNION ALL SELECT u.id FROM units u JOIN sub ON u.parent_id = sub.id
         )
         SELECT id FROM sub",
    )
    .map_err(backend)?
    .query_map([root], |r| r.get(0))
    .map_err(backend)?
    .collect::<rusqlite::Result<_>>()
    .map_err(backend)
}

pub(crate) fn residents(
    conn: &Connection,
    scope: &Scope,
    q: &ResidentsQuery,
    min_age: u8,
) -> Result<Residents> {
    let root = crate::tree::unit_id(conn, &q.unit)?
        .ok_or_else(|| StoreError::UnknownUnit(q.unit.clone()))?;
    if !crate::tree::in_scope(conn, scope, root)? {
        return Err(StoreError::OutOfScope(q.unit.clone()));
    }
    let mut units = subtree_ids(conn, root)?;
    if let Some(team) = &q.team {
        let (id, home): (i64, i64) = conn
            .query_row(
                "SELECT id, unit_id FROM teams WHERE code = ?1",
                [team.as_str()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(backend)?
            .ok_or_else(|| StoreError::UnknownTeam(team.to_string()))?;
        // Another unit's team is as unknown as one that does not exist.
        if !crate::tree::in_scope(conn, scope, home)? {
            return Err(StoreError::UnknownTeam(team.to_string()));
        }
        let mut covered = Vec::new();
        let tops: Vec<i64> = conn
            .prepare_cached("SELECT unit_id FROM team_units WHERE team_id = ?1")
            .map_err(backend)?
            .query_map([id], |r| r.get(0))
            .map_err(backend)?
            .collect::<rusqlite::Result<_>>()
            .map_err(backend)?;
        for top in tops {
            covered.extend(subtree_ids(conn, top)?);
        }
        covered.sort_unstable();
        units.retain(|u| covered.binary_search(u).is_ok());
    }
    units.sort_unstable();
    let unit_of = Residents {
        unit: crate::tree::unit_by_id(conn, root)?,
        places: Vec::new(),
        residents: Vec::new(),
    };
    let Some(born_by) = born_by(q.as_of, min_age) else {
        return Ok(unit_of);
    };
    let end = Instant::start_of(q.as_of.plus_days(1)).unix_seconds();
    // Those gone from the population are left out: a look-up per citizen,
    // only when anyone has gone.
    let gone: bool = conn
        .query_row("SELECT EXISTS (SELECT 1 FROM departures)", [], |r| r.get(0))
        .map_err(backend)?;
    let departed = if gone {
        "AND NOT EXISTS (SELECT 1 FROM departures d WHERE d.row_id = i.row_id AND d.from_day <= ?3)"
    } else {
        "AND ?3 IS NOT NULL"
    };
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT i.id, c.birth_date, c.sex, c.household_id, c.full_name, c.address, c.phone, {FIRSTS}, i.row_id
             FROM citizen_ids i JOIN citizens c ON c.row_id = i.row_id
             LEFT JOIN firsts f ON f.row_id = i.row_id
             WHERE i.unit_id = ?1 AND c.birth_date <= ?2 {departed}"
        ))
        .map_err(backend)?;
    let mut events = conn
        .prepare_cached(
            "SELECT kind FROM events WHERE citizen_id = ?1 AND kind IN (0, 2) AND at < ?2
             ORDER BY at DESC, kind DESC LIMIT 1",
        )
        .map_err(backend)?;
    let mut residents = Vec::new();
    let mut places = Vec::new();
    let mut asked_visits: Vec<usize> = Vec::new();
    for unit in units {
        let place = crate::tree::unit_by_id(conn, unit)?;
        let before = residents.len();
        let mut rows = stmt
            .query(params![unit, born_by.number(), q.as_of.number()])
            .map_err(backend)?;
        while let Some(r) = rows.next().map_err(backend)? {
            let id: i64 = r.get(0).map_err(backend)?;
            let firsts = firsts_from(r, 7).map_err(backend)?.as_of(q.as_of);
            // Refused and never approved: was the refusal the last word?
            let rejected_last = firsts.get(Metric::Rejected).is_some()
                && firsts.get(Metric::Approved).is_none()
                && events
                    .query_row(params![id, end], |r| r.get::<_, i64>(0))
                    .optional()
                    .map_err(backend)?
                    == Some(crate::import::kind_code(EventKind::Rejected));
            let listed = q
                .list
                .is_none_or(|kind| kind.stuck(&firsts, rejected_last).is_some());
            let personal = |col: usize| -> Result<Option<String>> {
                if listed {
                    r.get(col).map_err(backend)
                } else {
                    Ok(None)
                }
            };
            residents.push(Resident {
                id: CitizenId::from_u64(id as u64).map_err(|e| StoreError::Backend(e.into()))?,
                row: r.get(14).map_err(backend)?,
                birth_date: Day::from_number(r.get(1).map_err(backend)?),
                sex: if r.get_ref(2).map_err(backend)?.as_bytes().ok() == Some(b"F") {
                    Sex::Female
                } else {
                    Sex::Male
                },
                unit: place.code.clone(),
                household: r.get(3).map_err(backend)?,
                full_name: personal(4)?.unwrap_or_default(),
                address: personal(5)?,
                phone: personal(6)?,
                firsts,
                rejected_last,
                last_visit: None,
            });
            if listed {
                asked_visits.push(residents.len() - 1);
            }
        }
        if residents.len() > before {
            places.push(place);
        }
    }
    // The last visit of each one on the list, when there are visits.
    let any: bool = conn
        .query_row("SELECT EXISTS (SELECT 1 FROM visits)", [], |r| r.get(0))
        .map_err(backend)?;
    if any {
        let ids: Vec<i64> = asked_visits
            .iter()
            .map(|&i| residents[i].id.as_u64() as i64)
            .collect();
        let last = crate::visits::last_visits(conn, &ids, q.as_of)?;
        for &i in &asked_visits {
            residents[i].last_visit = last.get(&(residents[i].id.as_u64() as i64)).copied();
        }
    }
    Ok(Residents {
        places,
        residents,
        ..unit_of
    })
}

/// What the events and visits say each of `keys` did, in two grouped
/// passes each: `column` names the key in `events` (`session_id`,
/// `team_id`) and `visit_column` in `visits`; `keys` is a `SELECT` of the
/// keys, its parameters `params`; the events and visits are those between
/// `start` and `end` (Unix seconds) when given.
fn done_by(
    conn: &Connection,
    column: &str,
    visit_column: &str,
    keys: &str,
    params: &[&dyn rusqlite::ToSql],
    window: (Option<i64>, Option<i64>),
) -> Result<HashMap<String, Done>> {
    let mut out: HashMap<String, Done> = HashMap::default();
    let n = params.len();
    let (start, end) = (n + 1, n + 2);
    let mut all: Vec<&dyn rusqlite::ToSql> = params.to_vec();
    all.push(&window.0);
    all.push(&window.1);
    let window_sql =
        format!("(?{start} IS NULL OR at >= ?{start}) AND (?{end} IS NULL OR at < ?{end})");
    for (any, sql) in [
        (
            false,
            format!(
                "SELECT {column}, kind, count(DISTINCT citizen_id) FROM events
                 WHERE {column} IN ({keys}) AND {window_sql} GROUP BY {column}, kind"
            ),
        ),
        (
            true,
            format!(
                "SELECT {column}, -1, count(DISTINCT citizen_id) FROM events
                 WHERE {column} IN ({keys}) AND kind IN (0, 3, 4) AND {window_sql} GROUP BY {column}"
            ),
        ),
    ] {
        let mut stmt = conn.prepare(&sql).map_err(backend)?;
        let mut rows = stmt.query(all.as_slice()).map_err(backend)?;
        while let Some(r) = rows.next().map_err(backend)? {
            let key: String = r.get(0).map_err(backend)?;
            let kind: i64 = r.get(1).map_err(backend)?;
            let n = r.get::<_, i64>(2).map_err(backend)? as u64;
            let done = out.entry(key).or_default();
            if any {
                done.helped_any = n;
            } else if let Some(slot) = done.helped.get_mut(kind as usize) {
                *slot = n;
            }
        }
    }
    let mut stmt = conn
        .prepare(&format!(
            "SELECT {visit_column}, outcome, count(*) FROM visits
             WHERE {visit_column} IN ({keys}) AND flag IS NULL AND undone_at IS NULL AND {window_sql}
             GROUP BY {visit_column}, outcome"
        ))
        .map_err(backend)?;
    let mut rows = stmt.query(all.as_slice()).map_err(backend)?;
    while let Some(r) = rows.next().map_err(backend)? {
        let key: String = r.get(0).map_err(backend)?;
        let outcome: Outcome = r
            .get::<_, String>(1)
            .map_err(backend)?
            .parse()
            .map_err(|e: String| StoreError::Backend(e.into()))?;
        let n = r.get::<_, i64>(2).map_err(backend)? as u64;
        out.entry(key).or_default().visits.push((outcome, n));
    }
    for done in out.values_mut() {
        done.visits.sort();
    }
    Ok(out)
}

pub(crate) fn field_done(
    conn: &Connection,
    scope: &Scope,
    unit: &UnitCode,
    from: Option<Day>,
    to: Option<Day>,
) -> Result<FieldDone> {
    let (start, end) = (
        from.map(|d| Instant::start_of(d).unix_seconds()),
        to.map(|d| Instant::start_of(d.plus_days(1)).unix_seconds()),
    );
    let teams = teams(conn, scope, Some(unit))?;
    let sessions = sessions(
        conn,
        scope,
        &SessionQuery {
            unit: Some(unit.clone()),
            team: None,
            from,
            to,
        },
    )?;
    let root =
        crate::tree::unit_id(conn, unit)?.ok_or_else(|| StoreError::UnknownUnit(unit.clone()))?;
    const SUBTREE: &str = "WITH RECURSIVE sub(id) AS (
            SELECT ?1 UNION ALL SELECT u.id FROM units u JOIN sub ON u.parent_id = sub.id
        ) SELECT id FROM sub";
    // The sessions' events and visits are theirs whenever recorded; the
    // teams' are those in the window.
    let by_session = done_by(
        conn,
        "session_id",
        "session",
        &format!(
            "SELECT code FROM field_sessions WHERE unit_id IN ({SUBTREE})
             AND (?2 IS NULL OR starts_at >= ?2) AND (?3 IS NULL OR starts_at < ?3)"
        ),
        &[&root, &start, &end],
        (None, None),
    )?;
    let by_team = done_by(
        conn,
        "team_id",
        "team",
        &format!("SELECT code FROM teams WHERE unit_id IN ({SUBTREE})"),
        &[&root],
        (start, end),
    )?;
    Ok(FieldDone {
        teams: teams
            .into_iter()
            .map(|row| TeamDone {
                done: by_team
                    .get(row.team.code.as_str())
                    .cloned()
                    .unwrap_or_default(),
                team: row.team,
                unit_name: row.unit_name,
            })
            .collect(),
        sessions: sessions
            .into_iter()
            .map(|row| SessionDone {
                done: by_session
                    .get(row.session.code.as_str())
                    .cloned()
                    .unwrap_or_default(),
                session: row.session,
            })
            .collect(),
    })
}
