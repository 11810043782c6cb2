-- Schema 8 → 9: users and their roles, web sessions, API tokens and the
-- hash-chained audit log (issue 12; SECURITY.md).
CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    full_name     TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'manager', 'team', 'viewer')),
    unit_id       INTEGER REFERENCES units (id),
    team_id       TEXT,
    phone         TEXT,
    password_hash TEXT NOT NULL,
    must_change   INTEGER NOT NULL CHECK (must_change IN (0, 1)),
    disabled      INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    failures      INTEGER NOT NULL DEFAULT 0,
    locked_until  INTEGER,
    created_at    INTEGER NOT NULL,
    CHECK (role = 'admin' OR unit_id IS NOT NULL)
);

-- Signed-in browsers: the SHA-256 of the cookie's secret, never the secret.
CREATE TABLE web_sessions (
    hash       TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id),
    csrf       TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_seen  INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX web_sessions_by_user ON web_sessions (user_id);

-- API tokens for machine clients: the SHA-256 of the secret.
CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id),
    hash         TEXT NOT NULL UNIQUE,
    prefix       TEXT NOT NULL,
    read_only    INTEGER NOT NULL CHECK (read_only IN (0, 1)),
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER,
    revoked_at   INTEGER,
    last_used_at INTEGER
);

-- The audit log: append-only (the triggers refuse changes), each entry's
-- hash covering its fields and the hash before it (phuxanh_store::access).
CREATE TABLE audit_log (
    seq     INTEGER PRIMARY KEY,
    at      INTEGER NOT NULL,
    actor   TEXT NOT NULL,
    action  TEXT NOT NULL,
    unit    TEXT,
    subject TEXT NOT NULL,
    count   INTEGER,
    address TEXT,
    hash    TEXT NOT NULL
);
CREATE INDEX audit_by_actor ON audit_log (actor, at);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
