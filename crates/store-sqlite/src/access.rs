//! Users, sessions, API tokens and the audit log in SQLite (schema 9; the
//! rules and the cryptography are `phuxanh_store::access`'s).

use phuxanh_domain::{Instant, Role, UnitCode, Username};
use phuxanh_store::access::{
    AccessStore, AuditCheck, AuditEntry, AuditQuery, AuditRecord, CHAIN_START, Credentials,
    LOCK_AFTER, LOCK_SECS, NewUser, SessionInfo, SessionLimits, SignInOutcome, TOKEN_PREFIX,
    TokenInfo, User, chain_hash, new_secret, secret_hash, verify_chain,
};
use phuxanh_store::{Result, StoreError};
use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::{SqliteStore, backend, tree, write_transaction};

/// A stored use (a session's, a token's) is moved on at most this often.
use phuxanh_store::access::TOUCH_SECS;

const USER_COLUMNS: &str = "u.id, u.username, u.full_name, u.role, un.code, u.team_id, u.phone,
     u.disabled, u.must_change, u.locked_until, u.created_at";

fn user_from(r: &Row<'_>, at: usize) -> rusqlite::Result<User> {
    let parse_err = |i: usize, e: String| {
        rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, e.into())
    };
    let username: String = r.get(at + 1)?;
    let role: String = r.get(at + 3)?;
    let unit: Option<String> = r.get(at + 4)?;
    Ok(User {
        id: r.get(at)?,
        username: username.parse().map_err(|e| parse_err(at + 1, e))?,
        full_name: r.get(at + 2)?,
        role: role.parse::<Role>().map_err(|e| parse_err(at + 3, e))?,
        unit: unit
            .map(|c| UnitCode::parse(&c).map_err(|e| parse_err(at + 4, e.to_string())))
            .transpose()?,
        team: r.get(at + 5)?,
        phone: r.get(at + 6)?,
        disabled: r.get(at + 7)?,
        must_change: r.get(at + 8)?,
        locked_until: r
            .get::<_, Option<i64>>(at + 9)?
            .map(Instant::from_unix_seconds),
        created_at: Instant::from_unix_seconds(r.get(at + 10)?),
    })
}

fn user_where(
    conn: &Connection,
    condition: &str,
    value: &dyn rusqlite::ToSql,
) -> Result<Option<User>> {
    conn.prepare_cached(&format!(
        "SELECT {USER_COLUMNS} FROM users u LEFT JOIN units un ON un.id = u.unit_id WHERE {condition}"
    ))
    .map_err(backend)?
    .query_row([value], |r| user_from(r, 0))
    .optional()
    .map_err(backend)
}

fn must_user(conn: &Connection, name: &Username) -> Result<User> {
    user_where(conn, "u.username = ?1", &name.as_str())?
        .ok_or_else(|| StoreError::UnknownUser(name.to_string()))
}

fn token_from(r: &Row<'_>) -> rusqlite::Result<TokenInfo> {
    let username: String = r.get(1)?;
    let at = |v: Option<i64>| v.map(Instant::from_unix_seconds);
    Ok(TokenInfo {
        id: r.get(0)?,
        username: username.parse().map_err(|e: String| {
            rusqlite::Error::FromSqlConversionFailure(1, rusqlite::types::Type::Text, e.into())
        })?,
        prefix: r.get(2)?,
        read_only: r.get(3)?,
        created_at: Instant::from_unix_seconds(r.get(4)?),
        expires_at: at(r.get(5)?),
        revoked_at: at(r.get(6)?),
        last_used_at: at(r.get(7)?),
    })
}

const TOKEN_COLUMNS: &str = "t.id, u.username, t.prefix, t.read_only, t.created_at, t.expires_at,
     t.revoked_at, t.last_used_at";

fn entry_from(r: &Row<'_>) -> rusqlite::Result<AuditEntry> {
    let unit: Option<String> = r.get(4)?;
    Ok(AuditEntry {
        seq: r.get(0)?,
        at: Instant::from_unix_seconds(r.get(1)?),
        record: AuditRecord {
            actor: r.get(2)?,
            action: r.get(3)?,
            // A code that no longer parses is kept out of the record, and
            // its hash then fails: `audit verify` says so.
            unit: unit.and_then(|c| UnitCode::parse(&c).ok()),
            subject: r.get(5)?,
            count: r.get(6)?,
            address: r.get(7)?,
        },
        hash: r.get(8)?,
    })
}

/// Appends `record` on `conn`, inside the caller's write transaction.
pub(crate) fn append(conn: &Connection, record: &AuditRecord, at: Instant) -> Result<AuditEntry> {
    let (last_seq, previous): (i64, String) = conn
        .query_row(
            "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()
        .map_err(backend)?
        .unwrap_or((0, CHAIN_START.to_string()));
    let seq = last_seq + 1;
    let hash = chain_hash(&previous, seq, at, record);
    conn.prepare_cached(
        "INSERT INTO audit_log (seq, at, actor, action, unit, subject, count, address, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )
    .map_err(backend)?
    .execute(params![
        seq,
        at.unix_seconds(),
        record.actor,
        record.action,
        record.unit.as_ref().map(|u| u.to_string()),
        record.subject,
        record.count,
        record.address,
        hash
    ])
    .map_err(backend)?;
    Ok(AuditEntry {
        seq,
        at,
        record: record.clone(),
        hash,
    })
}

impl AccessStore for SqliteStore {
    fn add_users(&mut self, users: &[NewUser]) -> Result<Vec<User>> {
        self.require_initialised()?;
        let tx = write_transaction(&mut self.conn)?;
        let mut created = Vec::with_capacity(users.len());
        for user in users {
            let unit_id = match &user.unit {
                Some(code) => Some(
                    tree::unit_id(&tx, code)?
                        .ok_or_else(|| StoreError::UnknownUnit(code.clone()))?,
                ),
                None => None,
            };
            let taken: bool = tx
                .query_row(
                    "SELECT EXISTS (SELECT 1 FROM users WHERE username = ?1)",
                    [user.username.as_str()],
                    |r| r.get(0),
                )
                .map_err(backend)?;
            if taken {
                return Err(StoreError::UserExists(user.username.to_string()));
            }
            tx.execute(
                "INSERT INTO users (username, full_name, role, unit_id, team_id, phone,
                     password_hash, must_change, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    user.username.as_str(),
                    user.full_name,
                    user.role.as_str(),
                    unit_id,
                    user.team,
                    user.phone,
                    user.password_hash,
                    user.must_change,
                    Instant::now().unix_seconds()
                ],
            )
            .map_err(backend)?;
            created.push(must_user(&tx, &user.username)?);
        }
        tx.commit().map_err(backend)?;
        Ok(created)
    }

    fn users(&self) -> Result<Vec<User>> {
        self.require_initialised()?;
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT {USER_COLUMNS} FROM users u LEFT JOIN units un ON un.id = u.unit_id
                 ORDER BY u.username"
            ))
            .map_err(backend)?;
        stmt.query_map([], |r| user_from(r, 0))
            .map_err(backend)?
            .collect::<rusqlite::Result<_>>()
            .map_err(backend)
    }

    fn user(&self, name: &Username) -> Result<Option<User>> {
        self.require_initialised()?;
        user_where(&self.conn, "u.username = ?1", &name.as_str())
    }

    fn has_users(&self) -> Result<bool> {
        self.require_initialised()?;
        self.conn
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM users WHERE disabled = 0)",
                [],
                |r| r.get(0),
            )
            .map_err(backend)
    }

    fn set_disabled(&mut self, name: &Username, disabled: bool) -> Result<User> {
        self.require_initialised()?;
        let tx = write_transaction(&mut self.conn)?;
        let user = must_user(&tx, name)?;
        tx.execute(
            "UPDATE users SET disabled = ?2, failures = 0, locked_until = NULL WHERE id = ?1",
            params![user.id, disabled],
        )
        .map_err(backend)?;
        if disabled {
            tx.execute("DELETE FROM web_sessions WHERE user_id = ?1", [user.id])
                .map_err(backend)?;
        }
        let user = must_user(&tx, name)?;
        tx.commit().map_err(backend)?;
        Ok(user)
    }

    fn set_password(
        &mut self,
        name: &Username,
        password_hash: &str,
        must_change: bool,
    ) -> Result<User> {
        self.require_initialised()?;
        let tx = write_transaction(&mut self.conn)?;
        let user = must_user(&tx, name)?;
        tx.execute(
            "UPDATE users SET password_hash = ?2, must_change = ?3, failures = 0,
                 locked_until = NULL WHERE id = ?1",
            params![user.id, password_hash, must_change],
        )
        .map_err(backend)?;
        tx.execute("DELETE FROM web_sessions WHERE user_id = ?1", [user.id])
            .map_err(backend)?;
        let user = must_user(&tx, name)?;
        tx.commit().map_err(backend)?;
        Ok(user)
    }

    fn credentials(&self, name: &Username) -> Result<Option<Credentials>> {
        self.require_initialised()?;
        let Some(user) = user_where(&self.conn, "u.username = ?1", &name.as_str())? else {
            return Ok(None);
        };
        let password_hash = self
            .conn
            .query_row(
                "SELECT password_hash FROM users WHERE id = ?1",
                [user.id],
                |r| r.get(0),
            )
            .map_err(backend)?;
        Ok(Some(Credentials {
            user,
            password_hash,
        }))
    }

    fn record_sign_in(&mut self, user_id: i64, ok: bool, now: Instant) -> Result<SignInOutcome> {
        let tx = write_transaction(&mut self.conn)?;
        let outcome = if ok {
            tx.execute(
                "UPDATE users SET failures = 0, locked_until = NULL WHERE id = ?1",
                [user_id],
            )
            .map_err(backend)?;
            SignInOutcome::Accepted
        } else {
            // A lock that has run out starts the count again.
            tx.execute(
                "UPDATE users SET failures = 0, locked_until = NULL
                 WHERE id = ?1 AND locked_until IS NOT NULL AND locked_until <= ?2",
                params![user_id, now.unix_seconds()],
            )
            .map_err(backend)?;
            let failures: i64 = tx
                .query_row(
                    "UPDATE users SET failures = failures + 1 WHERE id = ?1 RETURNING failures",
                    [user_id],
                    |r| r.get(0),
                )
                .map_err(backend)?;
            let locked_until = if failures == LOCK_AFTER {
                let until = Instant::from_unix_seconds(now.unix_seconds() + LOCK_SECS);
                tx.execute(
                    "UPDATE users SET locked_until = ?2 WHERE id = ?1",
                    params![user_id, until.unix_seconds()],
                )
                .map_err(backend)?;
                Some(until)
            } else {
                None
            };
            SignInOutcome::Refused { locked_until }
        };
        tx.commit().map_err(backend)?;
        Ok(outcome)
    }

    fn create_session(&mut self, user_id: i64, now: Instant) -> Result<(String, String)> {
        let secret = new_secret("");
        let csrf = new_secret("");
        let tx = write_transaction(&mut self.conn)?;
        // Sessions that ran out are swept here, at each sign-in.
        tx.execute(
            "DELETE FROM web_sessions WHERE last_seen < ?1",
            [now.unix_seconds() - 24 * 3600],
        )
        .map_err(backend)?;
        tx.execute(
            "INSERT INTO web_sessions (hash, user_id, csrf, created_at, last_seen)
             VALUES (?1, ?2, ?3, ?4, ?4)",
            params![secret_hash(&secret), user_id, csrf, now.unix_seconds()],
        )
        .map_err(backend)?;
        tx.commit().map_err(backend)?;
        Ok((secret, csrf))
    }

    fn session(
        &self,
        secret: &str,
        now: Instant,
        limits: SessionLimits,
    ) -> Result<Option<SessionInfo>> {
        self.require_initialised()?;
        let found = self
            .conn
            .prepare_cached(&format!(
                "SELECT s.csrf, s.created_at, s.last_seen, {USER_COLUMNS}
                 FROM web_sessions s JOIN users u ON u.id = s.user_id
                 LEFT JOIN units un ON un.id = u.unit_id
                 WHERE s.hash = ?1"
            ))
            .map_err(backend)?
            .query_row([secret_hash(secret)], |r| {
                Ok(SessionInfo {
                    csrf: r.get(0)?,
                    created_at: Instant::from_unix_seconds(r.get(1)?),
                    last_seen: Instant::from_unix_seconds(r.get(2)?),
                    user: user_from(r, 3)?,
                })
            })
            .optional()
            .map_err(backend)?;
        Ok(found.filter(|s| s.current_at(now, limits)))
    }

    fn touch_session(&mut self, secret: &str, now: Instant) -> Result<()> {
        self.conn
            .prepare_cached(
                "UPDATE web_sessions SET last_seen = ?2
                 WHERE hash = ?1 AND last_seen <= ?2 - ?3",
            )
            .map_err(backend)?
            .execute(params![secret_hash(secret), now.unix_seconds(), TOUCH_SECS])
            .map_err(backend)?;
        Ok(())
    }

    fn end_session(&mut self, secret: &str) -> Result<()> {
        self.conn
            .execute(
                "DELETE FROM web_sessions WHERE hash = ?1",
                [secret_hash(secret)],
            )
            .map_err(backend)?;
        Ok(())
    }

    fn create_token(
        &mut self,
        user: &Username,
        expires_at: Option<Instant>,
        read_only: bool,
    ) -> Result<(String, TokenInfo)> {
        self.require_initialised()?;
        let secret = new_secret(TOKEN_PREFIX);
        let prefix = secret[..TOKEN_PREFIX.len() + 6].to_string();
        let tx = write_transaction(&mut self.conn)?;
        let owner = must_user(&tx, user)?;
        tx.execute(
            "INSERT INTO api_tokens (user_id, hash, prefix, read_only, created_at, expires_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                owner.id,
                secret_hash(&secret),
                prefix,
                read_only,
                Instant::now().unix_seconds(),
                expires_at.map(Instant::unix_seconds)
            ],
        )
        .map_err(backend)?;
        let id = tx.last_insert_rowid();
        let info = tx
            .query_row(
                &format!(
                    "SELECT {TOKEN_COLUMNS} FROM api_tokens t JOIN users u ON u.id = t.user_id
                     WHERE t.id = ?1"
                ),
                [id],
                token_from,
            )
            .map_err(backend)?;
        tx.commit().map_err(backend)?;
        Ok((secret, info))
    }

    fn tokens(&self) -> Result<Vec<TokenInfo>> {
        self.require_initialised()?;
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT {TOKEN_COLUMNS} FROM api_tokens t JOIN users u ON u.id = t.user_id
                 ORDER BY t.id"
            ))
            .map_err(backend)?;
        stmt.query_map([], token_from)
            .map_err(backend)?
            .collect::<rusqlite::Result<_>>()
            .map_err(backend)
    }

    fn revoke_token(&mut self, id: i64, now: Instant) -> Result<bool> {
        self.require_initialised()?;
        let n = self
            .conn
            .execute(
                "UPDATE api_tokens SET revoked_at = coalesce(revoked_at, ?2) WHERE id = ?1",
                params![id, now.unix_seconds()],
            )
            .map_err(backend)?;
        Ok(n > 0)
    }

    fn token(&self, secret: &str) -> Result<Option<(TokenInfo, User)>> {
        self.require_initialised()?;
        self.conn
            .prepare_cached(&format!(
                "SELECT {TOKEN_COLUMNS}, {USER_COLUMNS}
                 FROM api_tokens t JOIN users u ON u.id = t.user_id
                 LEFT JOIN units un ON un.id = u.unit_id
                 WHERE t.hash = ?1"
            ))
            .map_err(backend)?
            .query_row([secret_hash(secret)], |r| {
                Ok((token_from(r)?, user_from(r, 8)?))
            })
            .optional()
            .map_err(backend)
    }

    fn touch_token(&mut self, id: i64, now: Instant) -> Result<()> {
        self.conn
            .prepare_cached(
                "UPDATE api_tokens SET last_used_at = ?2
                 WHERE id = ?1 AND (last_used_at IS NULL OR last_used_at <= ?2 - ?3)",
            )
            .map_err(backend)?
            .execute(params![id, now.unix_seconds(), TOUCH_SECS])
            .map_err(backend)?;
        Ok(())
    }

    fn audit(&mut self, record: &AuditRecord) -> Result<AuditEntry> {
        self.require_initialised()?;
        let tx = write_transaction(&mut self.conn)?;
        let entry = append(&tx, record, Instant::now())?;
        tx.commit().map_err(backend)?;
        Ok(entry)
    }

    fn audit_entries(&self, q: &AuditQuery) -> Result<Vec<AuditEntry>> {
        self.require_initialised()?;
        // A unit's entries are those about it or any unit under it.
        let units: Option<Vec<String>> = match &q.unit {
            Some(code) => {
                let id = tree::unit_id(&self.conn, code)?
                    .ok_or_else(|| StoreError::UnknownUnit(code.clone()))?;
                Some(tree::subtree_codes(&self.conn, id)?)
            }
            None => None,
        };
        let from = q.from.map(|d| Instant::start_of(d).unix_seconds());
        let to =
            q.to.map(|d| Instant::start_of(d.plus_days(1)).unix_seconds());
        let mut stmt = self
            .conn
            .prepare(
                "SELECT seq, at, actor, action, unit, subject, count, address, hash
                 FROM audit_log
                 WHERE (?1 IS NULL OR at >= ?1) AND (?2 IS NULL OR at < ?2)
                   AND (?3 IS NULL OR actor = ?3) AND (?4 IS NULL OR action = ?4)
                 ORDER BY seq",
            )
            .map_err(backend)?;
        let rows = stmt
            .query_map(params![from, to, q.actor, q.action], entry_from)
            .map_err(backend)?;
        let mut out = Vec::new();
        for row in rows {
            let e = row.map_err(backend)?;
            if let Some(units) = &units {
                match &e.record.unit {
                    Some(u) if units.iter().any(|c| c == u.as_str()) => {}
                    _ => continue,
                }
            }
            out.push(e);
            if q.limit.is_some_and(|l| out.len() >= l) {
                break;
            }
        }
        Ok(out)
    }

    fn verify_audit(&self) -> Result<AuditCheck> {
        self.require_initialised()?;
        let mut stmt = self
            .conn
            .prepare(
                "SELECT seq, at, actor, action, unit, subject, count, address, hash
                 FROM audit_log ORDER BY seq",
            )
            .map_err(backend)?;
        let entries = stmt
            .query_map([], entry_from)
            .map_err(backend)?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(backend)?;
        Ok(verify_chain(entries))
    }

    fn personal_records_since(&self, actor: &str, since: Instant) -> Result<i64> {
        self.conn
            .prepare_cached(
                "SELECT coalesce(sum(count), 0) FROM audit_log
                 WHERE actor = ?1 AND at >= ?2
                   AND action IN ('personal.view', 'personal.export')",
            )
            .map_err(backend)?
            .query_row(params![actor, since.unix_seconds()], |r| r.get(0))
            .map_err(backend)
    }
}
