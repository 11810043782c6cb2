//! Visits: what happened at each door, and the departures from the
//! eligible population they make. A citizen's departure is the day of the
//! earliest visit that counts (not flagged, not undone) and found them moved
//! away, deceased or living elsewhere; `departures` keeps it, and `check`
//! recomputes it from the visits.

use rustc_hash::FxHashMap as HashMap;

use phuxanh_domain::field::{
    CLOCK_SKEW_SECS, Outcome, SESSION_GRACE_SECS, Visit, VisitFlag, VisitId,
};
use phuxanh_domain::{CitizenId, Contribution, Day, Instant, citizen::eligible_from};
use phuxanh_store::{
    ImportMode, Result, Rows, Scope, StoreError, VisitQuery, VisitRow, VisitsFrom, VisitsReport,
};
use rusqlite::{Connection, OptionalExtension, params};

use crate::counters::Deltas;
use crate::state;
use crate::tree::UnitIndex;
use crate::{backend, parse_stored};

/// The outcomes that take a citizen out of the population, as stored.
const LEAVING: &str = "('moved-away', 'deceased', 'lives-elsewhere')";

/// Each citizen's departure from the visits alone: the earliest counted
/// leaving visit's day, and that visit's row id; by citizen ID.
pub(crate) fn departures_from_visits(conn: &Connection) -> Result<HashMap<i64, (Day, i64)>> {
    let mut stmt = conn
        .prepare(&format!(
            "SELECT citizen_id, id, at FROM visits
             WHERE outcome IN {LEAVING} AND flag IS NULL AND undone_at IS NULL
             ORDER BY citizen_id, at, id"
        ))
        .map_err(backend)?;
    let mut rows = stmt.query([]).map_err(backend)?;
    let mut out = HashMap::default();
    while let Some(r) = rows.next().map_err(backend)? {
        let citizen: i64 = r.get(0).map_err(backend)?;
        let id: i64 = r.get(1).map_err(backend)?;
        let day = Instant::from_unix_seconds(r.get(2).map_err(backend)?).day();
        out.entry(citizen).or_insert((day, id));
    }
    Ok(out)
}

/// One citizen's departure from their visits.
fn departure_from_visits(conn: &Connection, citizen: i64) -> Result<Option<(Day, i64)>> {
    conn.prepare_cached(&format!(
        "SELECT id, at FROM visits
         WHERE citizen_id = ?1 AND outcome IN {LEAVING} AND flag IS NULL AND undone_at IS NULL
         ORDER BY at, id LIMIT 1"
    ))
    .map_err(backend)?
    .query_row([citizen], |r| {
        Ok((
            Instant::from_unix_seconds(r.get(1)?).day(),
            r.get::<_, i64>(0)?,
        ))
    })
    .optional()
    .map_err(backend)
}

/// The day roster row `row_id` left the eligible population, if it did.
pub(crate) fn departure_of(conn: &Connection, row_id: i64) -> Result<Option<Day>> {
    conn.prepare_cached("SELECT from_day FROM departures WHERE row_id = ?1")
        .map_err(backend)?
        .query_row([row_id], |r| r.get::<_, i32>(0))
        .optional()
        .map(|d| d.map(Day::from_number))
        .map_err(backend)
}

/// Sets (or clears) the departures of roster rows.
pub(crate) fn set_departures(conn: &Connection, rows: &[(i64, Option<(Day, i64)>)]) -> Result<()> {
    for (row_id, departure) in rows {
        match departure {
            Some((day, visit)) => conn
                .prepare_cached(
                    "INSERT INTO departures (row_id, from_day, visit) VALUES (?1, ?2, ?3)
                     ON CONFLICT (row_id) DO UPDATE SET from_day = excluded.from_day, visit = excluded.visit",
                )
                .map_err(backend)?
                .execute(params![row_id, day.number(), visit]),
            None => conn
                .prepare_cached("DELETE FROM departures WHERE row_id = ?1")
                .map_err(backend)?
                .execute([row_id]),
        }
        .map_err(backend)?;
    }
    Ok(())
}

/// Moves a citizen's eligibility in the counters when their departure
/// changes from `before` to `after`.
fn departure_changed(
    conn: &Connection,
    deltas: &mut Deltas,
    min_age: u8,
    citizen: &state::State,
    before: Option<Day>,
    after: Option<Day>,
) -> Result<()> {
    if before == after {
        return Ok(());
    }
    let birth: i32 = conn
        .prepare_cached("SELECT birth_date FROM citizens WHERE row_id = ?1")
        .map_err(backend)?
        .query_row([citizen.row_id], |r| r.get(0))
        .map_err(backend)?;
    let eligible = eligible_from(Day::from_number(birth), min_age);
    let contribution = |until| Contribution {
        eligible_from: eligible,
        eligible_until: until,
        firsts: citizen.firsts,
    };
    deltas.contribution(citizen.unit_id, &contribution(before), -1);
    deltas.contribution(citizen.unit_id, &contribution(after), 1);
    Ok(())
}

/// A stored visit's columns, to tell a retry from a different visit.
type Stored = (
    i64,
    String,
    i64,
    Option<String>,
    Option<String>,
    Option<String>,
);

pub(crate) fn import(
    conn: &mut Connection,
    scope: &Scope,
    rows: Rows<Visit>,
    mode: ImportMode,
    from: &VisitsFrom,
    min_age: u8,
) -> Result<VisitsReport> {
    let tx = crate::write_transaction(conn)?;
    let index = UnitIndex::load(&tx, scope)?;
    let mut out = VisitsReport::default();
    let mut deltas = Deltas::default();
    let mut seen: HashMap<String, u64> = HashMap::default();
    let clock_off = from.skew.is_some_and(|s| s.abs() > CLOCK_SKEW_SECS);
    for row in rows {
        out.import.read += 1;
        let visit = match row.value {
            Ok(v) => v,
            Err(reason) => {
                out.import.refuse(row.line, reason);
                continue;
            }
        };
        if let Some(first) = seen.insert(visit.id.to_string(), row.line) {
            out.import.refuse(
                row.line,
                format!("visit '{}' appears twice (first at line {first})", visit.id),
            );
            continue;
        }
        let id = visit.citizen.as_u64() as i64;
        let Some(citizen) = state::load(&tx, &[id])?
            .remove(&id)
            .filter(|s| index.in_scope(s.unit_id))
        else {
            out.import.refuse(
                row.line,
                format!(
                    "citizen {} is not on the roster of your units",
                    visit.citizen
                ),
            );
            continue;
        };
        // The team and session, when named, must be among the caller's.
        if let Some(team) = &visit.team {
            let unit: Option<i64> = tx
                .prepare_cached("SELECT unit_id FROM teams WHERE code = ?1")
                .map_err(backend)?
                .query_row([team.as_str()], |r| r.get(0))
                .optional()
                .map_err(backend)?;
            if !unit.is_some_and(|u| index.in_scope(u)) {
                out.import.refuse(
                    row.line,
                    format!("team_id: no team '{team}' among your units (`phuxanh teams list`)"),
                );
                continue;
            }
        }
        let session: Option<(String, i64, i64)> = match &visit.session {
            None => None,
            Some(code) => {
                let found: Option<(String, i64, i64)> = tx
                    .prepare_cached(
                        "SELECT t.code, s.starts_at, s.ends_at FROM field_sessions s
                         JOIN teams t ON t.id = s.team_id WHERE s.code = ?1",
                    )
                    .map_err(backend)?
                    .query_row([code.as_str()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                    .optional()
                    .map_err(backend)?;
                match found {
                    Some(s) if visit.team.as_ref().is_some_and(|t| t.as_str() != s.0) => {
                        out.import.refuse(
                            row.line,
                            format!(
                                "session_id: session '{code}' is team {}'s, not {}'s",
                                s.0,
                                visit.team.as_ref().expect("named")
                            ),
                        );
                        continue;
                    }
                    Some(s) => Some(s),
                    None => {
                        out.import.refuse(
                            row.line,
                            format!("session_id: no session '{code}' (`phuxanh sessions list`)"),
                        );
                        continue;
                    }
                }
            }
        };
        let at = visit.at.unix_seconds();
        let flag = if clock_off {
            Some(VisitFlag::Clock)
        } else if at > from.now.unix_seconds() + CLOCK_SKEW_SECS {
            Some(VisitFlag::Future)
        } else if session.as_ref().is_some_and(|(_, start, end)| {
            at < start - SESSION_GRACE_SECS || at > end + SESSION_GRACE_SECS
        }) {
            Some(VisitFlag::OutsideSession)
        } else {
            None
        };
        // A visit without a team takes its session's.
        let team = visit
            .team
            .as_ref()
            .map(ToString::to_string)
            .or_else(|| session.as_ref().map(|s| s.0.clone()));
        let stored: Option<Stored> = tx
            .prepare_cached(
                "SELECT citizen_id, outcome, at, team, session, note FROM visits WHERE visit_id = ?1",
            )
            .map_err(backend)?
            .query_row([visit.id.as_str()], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?))
            })
            .optional()
            .map_err(backend)?;
        let values: Stored = (
            id,
            visit.outcome.as_str().to_string(),
            visit.at.unix_seconds(),
            team.clone(),
            visit.session.as_ref().map(ToString::to_string),
            visit.note.clone(),
        );
        match stored {
            Some(s) if s == values => {
                out.import.unchanged += 1;
                continue;
            }
            Some(_) => {
                out.import.refuse(
                    row.line,
                    format!(
                        "visit id '{}' was recorded before with different content; give a new visit its own id",
                        visit.id
                    ),
                );
                continue;
            }
            None => {}
        }
        tx.prepare_cached(
            "INSERT INTO visits (visit_id, citizen_id, outcome, at, received_at, team, session,
                                 recorded_by, note, flag)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        )
        .map_err(backend)?
        .execute(params![
            visit.id.as_str(),
            id,
            visit.outcome.as_str(),
            at,
            from.now.unix_seconds(),
            team,
            visit.session.as_ref().map(ToString::to_string),
            from.by,
            visit.note,
            flag.map(VisitFlag::as_str),
        ])
        .map_err(backend)?;
        out.import.applied += 1;
        if let Some(flag) = flag {
            out.flagged.push((row.line, flag));
            continue;
        }
        if visit.outcome.leaves_population() {
            let before = departure_of(&tx, citizen.row_id)?;
            let now = departure_from_visits(&tx, id)?;
            if now.map(|(d, _)| d) != before {
                departure_changed(
                    &tx,
                    &mut deltas,
                    min_age,
                    &citizen,
                    before,
                    now.map(|(d, _)| d),
                )?;
                set_departures(&tx, &[(citizen.row_id, now)])?;
                if before.is_none() {
                    out.departed += 1;
                }
            }
        }
    }
    let changes = deltas.roll_up(&index);
    out.import = crate::import::finish(tx, out.import, mode, changes)?;
    if !out.import.committed {
        out.flagged.clear();
        out.departed = 0;
    }
    Ok(out)
}

pub(crate) fn undo(
    conn: &mut Connection,
    scope: &Scope,
    visit: &VisitId,
    now: Instant,
    min_age: u8,
) -> Result<(phuxanh_domain::UnitCode, bool)> {
    let tx = crate::write_transaction(conn)?;
    let index = UnitIndex::load(&tx, scope)?;
    let found: Option<(i64, Option<i64>)> = tx
        .query_row(
            "SELECT citizen_id, undone_at FROM visits WHERE visit_id = ?1",
            [visit.as_str()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()
        .map_err(backend)?;
    let unknown = || StoreError::UnknownVisit(visit.to_string());
    let (citizen_id, undone) = found.ok_or_else(unknown)?;
    let citizen = state::load(&tx, &[citizen_id])?
        .remove(&citizen_id)
        .filter(|s| index.in_scope(s.unit_id))
        .ok_or_else(unknown)?;
    let unit = crate::tree::unit_by_id(&tx, citizen.unit_id)?.code;
    if undone.is_some() {
        return Ok((unit, false));
    }
    tx.execute(
        "UPDATE visits SET undone_at = ?2 WHERE visit_id = ?1",
        params![visit.as_str(), now.unix_seconds()],
    )
    .map_err(backend)?;
    let before = departure_of(&tx, citizen.row_id)?;
    let after = departure_from_visits(&tx, citizen_id)?;
    let mut deltas = Deltas::default();
    if before != after.map(|(d, _)| d) {
        departure_changed(
            &tx,
            &mut deltas,
            min_age,
            &citizen,
            before,
            after.map(|(d, _)| d),
        )?;
    }
    set_departures(&tx, &[(citizen.row_id, after)])?;
    deltas.roll_up(&index).write(&tx)?;
    crate::bump_generation(&tx)?;
    tx.commit().map_err(backend)?;
    Ok((unit, true))
}

pub(crate) fn list(conn: &Connection, scope: &Scope, q: &VisitQuery) -> Result<Vec<VisitRow>> {
    let index = UnitIndex::load(conn, scope)?;
    let root = index.root(q.unit.as_ref())?;
    let from = q.from.map(|d| Instant::start_of(d).unix_seconds());
    let to =
        q.to.map(|d| Instant::start_of(d.plus_days(1)).unix_seconds());
    let mut stmt = conn
        .prepare(
            "SELECT v.visit_id, v.citizen_id, v.outcome, v.at, v.team, v.session, v.note,
                    v.received_at, v.recorded_by, v.flag, v.undone_at, i.unit_id, u.code
             FROM visits v JOIN citizen_ids i ON i.id = v.citizen_id JOIN units u ON u.id = i.unit_id
             WHERE (?1 IS NULL OR v.citizen_id = ?1) AND (?2 IS NULL OR v.team = ?2)
               AND (?3 IS NULL OR v.session = ?3) AND (?4 IS NULL OR v.at >= ?4)
               AND (?5 IS NULL OR v.at < ?5)
               AND (?6 = 0 OR (v.flag IS NOT NULL AND v.undone_at IS NULL))
             ORDER BY v.at, v.id",
        )
        .map_err(backend)?;
    let mut rows = stmt
        .query(params![
            q.citizen.map(|c| c.as_u64() as i64),
            q.team.as_ref().map(|t| t.as_str()),
            q.session.as_ref().map(|s| s.as_str()),
            from,
            to,
            q.flagged,
        ])
        .map_err(backend)?;
    let mut out = Vec::new();
    let corrupt = |e: String| StoreError::Backend(e.into());
    while let Some(r) = rows.next().map_err(backend)? {
        let unit_id: i64 = r.get(11).map_err(backend)?;
        if !index.within(unit_id, root) {
            continue;
        }
        let text = |i: usize| r.get::<_, Option<String>>(i).map_err(backend);
        out.push(VisitRow {
            visit: Visit {
                id: r
                    .get::<_, String>(0)
                    .map_err(backend)?
                    .parse()
                    .map_err(corrupt)?,
                citizen: CitizenId::from_u64(r.get::<_, i64>(1).map_err(backend)? as u64)
                    .map_err(corrupt)?,
                outcome: r
                    .get::<_, String>(2)
                    .map_err(backend)?
                    .parse::<Outcome>()
                    .map_err(corrupt)?,
                at: Instant::from_unix_seconds(r.get(3).map_err(backend)?),
                team: text(4)?.map(|t| t.parse()).transpose().map_err(corrupt)?,
                session: text(5)?.map(|t| t.parse()).transpose().map_err(corrupt)?,
                note: text(6)?,
            },
            unit: parse_stored(&r.get::<_, String>(12).map_err(backend)?)?,
            received_at: Instant::from_unix_seconds(r.get(7).map_err(backend)?),
            recorded_by: r.get(8).map_err(backend)?,
            flag: text(9)?.as_deref().and_then(VisitFlag::parse),
            undone_at: r
                .get::<_, Option<i64>>(10)
                .map_err(backend)?
                .map(Instant::from_unix_seconds),
        });
    }
    Ok(out)
}

/// The last counted visit of each citizen among `ids` (by ID), as of the
/// end of `day`: its outcome and time.
pub(crate) fn last_visits(
    conn: &Connection,
    ids: &[i64],
    day: Day,
) -> Result<HashMap<i64, (Outcome, Instant)>> {
    let end = Instant::start_of(day.plus_days(1)).unix_seconds();
    let mut stmt = conn
        .prepare_cached(
            "SELECT outcome, at FROM visits WHERE citizen_id = ?1 AND at < ?2
             AND flag IS NULL AND undone_at IS NULL ORDER BY at DESC, id DESC LIMIT 1",
        )
        .map_err(backend)?;
    let mut out = HashMap::default();
    for id in ids {
        if let Some((outcome, at)) = stmt
            .query_row(params![id, end], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
            })
            .optional()
            .map_err(backend)?
        {
            let outcome = outcome
                .parse::<Outcome>()
                .map_err(|e| StoreError::Backend(e.into()))?;
            out.insert(*id, (outcome, Instant::from_unix_seconds(at)));
        }
    }
    Ok(out)
}
