//! The administrative tree in SQLite: lookups, scope checks, and the
//! in-memory index imports use to resolve codes and roll counters up.

use rustc_hash::FxHashMap as HashMap;

use phuxanh_domain::{Day, UnitCode, UnitLevel};
use phuxanh_store::{Result, Retired, Scope, StoreError, Unit};
use rusqlite::{Connection, OptionalExtension, params};

use crate::{backend, parse_level, parse_stored};

pub(crate) fn unit_id(conn: &Connection, code: &UnitCode) -> Result<Option<i64>> {
    conn.prepare_cached("SELECT id FROM units WHERE code = ?1")
        .map_err(backend)?
        .query_row([code.as_str()], |r| r.get(0))
        .optional()
        .map_err(backend)
}

/// Whether unit `id` lies in `scope`'s subtree (walks up at most four levels).
pub(crate) fn in_scope(conn: &Connection, scope: &Scope, id: i64) -> Result<bool> {
    let Some(root) = scope.root() else {
        return Ok(true);
    };
    let Some(root_id) = unit_id(conn, root)? else {
        return Ok(false);
    };
    let mut stmt = conn
        .prepare_cached("SELECT parent_id FROM units WHERE id = ?1")
        .map_err(backend)?;
    let mut current = Some(id);
    while let Some(u) = current {
        if u == root_id {
            return Ok(true);
        }
        current = stmt
            .query_row([u], |r| r.get::<_, Option<i64>>(0))
            .optional()
            .map_err(backend)?
            .flatten();
    }
    Ok(false)
}

/// The codes of unit `id` and of every unit under it.
pub(crate) fn subtree_codes(conn: &Connection, id: i64) -> Result<Vec<String>> {
    let mut stmt = conn
        .prepare(
            "WITH RECURSIVE sub(id) AS (
                 SELECT ?1 UNION ALL SELECT u.id FROM units u JOIN sub ON u.parent_id = sub.id
             )
             SELECT u.code FROM units u JOIN sub ON sub.id = u.id",
        )
        .map_err(backend)?;
    stmt.query_map([id], |r| r.get(0))
        .map_err(backend)?
        .collect::<rusqlite::Result<_>>()
        .map_err(backend)
}

fn unit_from_row(
    r: &rusqlite::Row<'_>,
) -> rusqlite::Result<(String, String, String, Option<String>)> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
}

fn to_unit(row: (String, String, String, Option<String>)) -> Result<Unit> {
    let (code, name, level, parent) = row;
    Ok(Unit {
        code: parse_stored(&code)?,
        name,
        level: parse_level(&level)?,
        parent: parent.as_deref().map(parse_stored).transpose()?,
    })
}

const UNIT_COLUMNS: &str =
    "u.code, u.name, u.level, (SELECT p.code FROM units p WHERE p.id = u.parent_id)";

pub(crate) fn unit_by_id(conn: &Connection, id: i64) -> Result<Unit> {
    let row = conn
        .prepare_cached(&format!(
            "SELECT {UNIT_COLUMNS} FROM units u WHERE u.id = ?1"
        ))
        .map_err(backend)?
        .query_row([id], unit_from_row)
        .map_err(backend)?;
    to_unit(row)
}

fn units_where(conn: &Connection, condition: &str, param: Option<i64>) -> Result<Vec<Unit>> {
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT {UNIT_COLUMNS} FROM units u WHERE {condition} ORDER BY u.code"
        ))
        .map_err(backend)?;
    let rows = match param {
        Some(p) => stmt.query_map([p], unit_from_row),
        None => stmt.query_map([], unit_from_row),
    }
    .map_err(backend)?;
    rows.map(|r| to_unit(r.map_err(backend)?)).collect()
}

pub(crate) fn children(conn: &Connection, id: i64) -> Result<Vec<Unit>> {
    units_where(conn, "u.parent_id = ?1", Some(id))
}

/// The provinces in force: a reorganisation's retired ones are left out.
pub(crate) fn provinces(conn: &Connection) -> Result<Vec<Unit>> {
    units_where(conn, "u.parent_id IS NULL AND u.retired_on IS NULL", None)
}

/// When and into what a reorganisation retired unit `id`, if it did.
pub(crate) fn retired(conn: &Connection, id: i64) -> Result<Option<Retired>> {
    let on: Option<i32> = conn
        .prepare_cached("SELECT retired_on FROM units WHERE id = ?1")
        .map_err(backend)?
        .query_row([id], |r| r.get(0))
        .map_err(backend)?;
    let Some(on) = on else { return Ok(None) };
    let mut stmt = conn
        .prepare_cached(
            "SELECT u.code FROM successors s JOIN units u ON u.id = s.successor_id
             WHERE s.unit_id = ?1 ORDER BY u.code",
        )
        .map_err(backend)?;
    let into = stmt
        .query_map([id], |r| r.get::<_, String>(0))
        .map_err(backend)?
        .map(|c| parse_stored(&c.map_err(backend)?))
        .collect::<Result<Vec<UnitCode>>>()?;
    Ok(Some(Retired {
        on: Day::from_number(on),
        into,
    }))
}

/// Inserts units given parents-first (as `init` receives them).
pub(crate) fn insert_units(conn: &Connection, units: &[Unit]) -> Result<()> {
    let mut ids: HashMap<&str, i64> =
        HashMap::with_capacity_and_hasher(units.len(), Default::default());
    let mut stmt = conn
        .prepare_cached("INSERT INTO units (code, name, level, parent_id) VALUES (?1, ?2, ?3, ?4)")
        .map_err(backend)?;
    for unit in units {
        let parent_id = match &unit.parent {
            None => None,
            Some(p) => Some(*ids.get(p.as_str()).ok_or_else(|| {
                StoreError::Backend(
                    format!("built-in unit {} comes before its parent {p}", unit.code).into(),
                )
            })?),
        };
        stmt.execute(params![
            unit.code.as_str(),
            unit.name,
            unit.level.as_str(),
            parent_id
        ])
        .map_err(backend)?;
        ids.insert(unit.code.as_str(), conn.last_insert_rowid());
    }
    Ok(())
}

/// One unit as imports see it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Node {
    pub id: i64,
    pub level: UnitLevel,
    pub parent: Option<i64>,
    /// Retired by a reorganisation: kept for past reports, closed to new data.
    pub retired: bool,
}

/// The whole tree in memory for the length of an import: resolves codes,
/// checks scope, and lists the ancestors counters roll up to.
pub(crate) struct UnitIndex {
    by_code: HashMap<String, Node>,
    by_id: HashMap<i64, Node>,
    scope_root: Option<Option<i64>>,
}

impl UnitIndex {
    pub fn load(conn: &Connection, scope: &Scope) -> Result<UnitIndex> {
        let mut stmt = conn
            .prepare("SELECT id, code, level, parent_id, retired_on IS NOT NULL FROM units")
            .map_err(backend)?;
        let mut rows = stmt.query([]).map_err(backend)?;
        let mut index = UnitIndex {
            by_code: HashMap::default(),
            by_id: HashMap::default(),
            scope_root: None,
        };
        while let Some(r) = rows.next().map_err(backend)? {
            let level: String = r.get(2).map_err(backend)?;
            let node = Node {
                id: r.get(0).map_err(backend)?,
                level: parse_level(&level)?,
                parent: r.get(3).map_err(backend)?,
                retired: r.get(4).map_err(backend)?,
            };
            index.by_code.insert(r.get(1).map_err(backend)?, node);
            index.by_id.insert(node.id, node);
        }
        index.scope_root = scope
            .root()
            .map(|code| index.by_code.get(code.as_str()).map(|n| n.id));
        Ok(index)
    }

    pub fn get(&self, code: &UnitCode) -> Option<Node> {
        self.by_code.get(code.as_str()).copied()
    }

    /// The unit in force with this code, or why it cannot take new data:
    /// unknown (`None`), or retired by a reorganisation.
    pub fn current(
        &self,
        conn: &Connection,
        code: &UnitCode,
    ) -> Result<Option<Result<Node, String>>> {
        let Some(node) = self.get(code) else {
            return Ok(None);
        };
        if !node.retired {
            return Ok(Some(Ok(node)));
        }
        let retired = retired(conn, node.id)?;
        Ok(Some(Err(match retired {
            Some(r) => StoreError::RetiredUnit {
                code: code.clone(),
                on: r.on,
                into: r.into.iter().map(ToString::to_string).collect(),
            }
            .to_string(),
            None => format!("unit '{code}' is retired"),
        })))
    }

    pub fn add(&mut self, code: &UnitCode, node: Node) {
        self.by_code.insert(code.as_str().to_owned(), node);
        self.by_id.insert(node.id, node);
    }

    /// The unit itself and every unit above it.
    pub fn lineage(&self, id: i64) -> impl Iterator<Item = i64> + '_ {
        std::iter::successors(Some(id), move |u| self.by_id.get(u).and_then(|n| n.parent))
    }

    /// Whether a reorganisation retired unit `id`.
    pub fn is_retired(&self, id: i64) -> bool {
        self.by_id.get(&id).is_some_and(|n| n.retired)
    }

    /// Whether the scope is every unit (the command line's).
    pub fn sees_everything(&self) -> bool {
        self.scope_root.is_none()
    }

    /// The id of `unit`, which must be in scope, or `None` for no unit:
    /// the root a listing is limited to.
    pub fn root(&self, unit: Option<&UnitCode>) -> Result<Option<i64>> {
        let Some(code) = unit else {
            return Ok(None);
        };
        let node = self
            .get(code)
            .ok_or_else(|| StoreError::UnknownUnit(code.clone()))?;
        if !self.in_scope(node.id) {
            return Err(StoreError::OutOfScope(code.clone()));
        }
        Ok(Some(node.id))
    }

    /// Whether unit `id` is in scope and, when a root is given, the root
    /// or under it.
    pub fn within(&self, id: i64, root: Option<i64>) -> bool {
        self.in_scope(id) && root.is_none_or(|root| self.lineage(id).any(|u| u == root))
    }

    pub fn in_scope(&self, id: i64) -> bool {
        match self.scope_root {
            None => true,
            Some(None) => false,
            Some(Some(root)) => self.lineage(id).any(|u| u == root),
        }
    }
}

/// Units in force under `root` (all when `None`) matching `query`, as
/// [`phuxanh_store::Store::search_units`] says.
pub(crate) fn search(
    conn: &Connection,
    root: Option<i64>,
    query: &str,
    limit: usize,
) -> Result<Vec<phuxanh_store::Found>> {
    use phuxanh_domain::text::fold;
    let q = fold(query);
    if q.is_empty() || limit == 0 {
        return Ok(Vec::new());
    }
    let words: Vec<&str> = q.split(' ').collect();
    let sql = format!(
        "WITH RECURSIVE sub(id) AS (
             SELECT id FROM units WHERE id = ?1
             UNION ALL SELECT u.id FROM units u JOIN sub ON u.parent_id = sub.id)
         SELECT u.code, u.name, u.level, p.code, p.name
         FROM units u LEFT JOIN units p ON p.id = u.parent_id
         WHERE u.retired_on IS NULL {}",
        if root.is_some() {
            "AND u.id IN sub"
        } else {
            ""
        }
    );
    let mut stmt = conn.prepare_cached(&sql).map_err(backend)?;
    let mut rows = stmt.query([root.unwrap_or(-1)]).map_err(backend)?;
    let mut found = Vec::new();
    while let Some(r) = rows.next().map_err(backend)? {
        let code: String = r.get(0).map_err(backend)?;
        let name: String = r.get(1).map_err(backend)?;
        let folded = fold(&name);
        let bare = TYPE_WORDS
            .iter()
            .find_map(|t| folded.strip_prefix(t))
            .unwrap_or(&folded);
        let score = if code == query.trim() || folded == q || bare == q {
            0
        } else if code.starts_with(query.trim()) || bare.starts_with(&q) {
            1
        } else if words.iter().all(|w| folded.contains(w)) {
            2
        } else {
            continue;
        };
        let level: String = r.get(2).map_err(backend)?;
        let parent: Option<String> = r.get(3).map_err(backend)?;
        let parent_name: Option<String> = r.get(4).map_err(backend)?;
        let unit = to_unit((code, name, level, parent))?;
        found.push((score, phuxanh_store::Found { unit, parent_name }));
    }
    let rank = |l: UnitLevel| match l {
        UnitLevel::Province => 0,
        UnitLevel::District => 1,
        UnitLevel::Commune => 2,
        UnitLevel::Village => 3,
    };
    found.sort_by(|(a, x), (b, y)| {
        (a, rank(x.unit.level), &x.unit.name, &x.unit.code).cmp(&(
            b,
            rank(y.unit.level),
            &y.unit.name,
            &y.unit.code,
        ))
    });
    found.truncate(limit);
    Ok(found.into_iter().map(|(_, f)| f).collect())
}

/// The folded type words a unit's name may start with, longest first.
const TYPE_WORDS: [&str; 12] = [
    "thanh pho ",
    "to dan pho ",
    "thi tran ",
    "thi xa ",
    "phuong ",
    "huyen ",
    "quan ",
    "tinh ",
    "thon ",
    "khu pho ",
    "xa ",
    "ap ",
];
