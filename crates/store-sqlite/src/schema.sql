-- Phủ Xanh, SQLite schema version 9. A database of an earlier version is
-- brought here by the files of migrations/, one per version (migrate.rs).
-- Days are day numbers (days since 1970-01-01, Asia/Ho_Chi_Minh calendar);
-- instants are Unix seconds.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- retired_on: the day a reorganisation (`units reorganise`) ended the
-- unit; its counters are then kept as they were, for past reports, and
-- `successors` names the units it went into.
CREATE TABLE units (
    id         INTEGER PRIMARY KEY,
    code       TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    level      TEXT NOT NULL CHECK (level IN ('province', 'district', 'commune', 'village')),
    parent_id  INTEGER REFERENCES units (id),
    retired_on INTEGER
);
CREATE INDEX units_by_parent ON units (parent_id, code);

-- A retired unit's successors: whole = 1 when all of it went into that one.
CREATE TABLE successors (
    unit_id      INTEGER NOT NULL REFERENCES units (id),
    successor_id INTEGER NOT NULL REFERENCES units (id),
    whole        INTEGER NOT NULL CHECK (whole IN (0, 1)),
    PRIMARY KEY (unit_id, successor_id)
) WITHOUT ROWID;

-- The roster as imported: who each citizen is. Rows are appended in
-- arrival order (row_id) and found through `citizen_ids`, so this wide
-- table needs no index of its own.
CREATE TABLE citizens (
    row_id         INTEGER PRIMARY KEY,
    id             INTEGER NOT NULL, -- the 12-digit personal identification number
    full_name      TEXT NOT NULL,
    birth_date     INTEGER NOT NULL,
    sex            TEXT NOT NULL CHECK (sex IN ('M', 'F')),
    household_id   TEXT,
    address        TEXT,
    phone          TEXT
);

-- One narrow row per citizen, keyed by their ID (which it keeps unique):
-- where their roster row is and the unit they count in. Imports find
-- citizens here with one seek each, without reading the wide rows.
CREATE TABLE citizen_ids (
    id      INTEGER PRIMARY KEY, -- citizens.id
    row_id  INTEGER NOT NULL,    -- citizens.row_id
    unit_id INTEGER NOT NULL REFERENCES units (id)
);

-- A citizen's first day of each stage (day numbers), derived from their
-- events and kept so that a change is a cheap diff. Keyed by the roster's
-- row_id; a citizen without events has no row. Recording events writes
-- here and in `events` only.
CREATE TABLE firsts (
    row_id         INTEGER PRIMARY KEY, -- citizens.row_id
    f_collected    INTEGER,
    f_collected_l2 INTEGER,
    f_approved     INTEGER,
    f_rejected     INTEGER,
    f_activated    INTEGER,
    f_activated_l2 INTEGER,
    f_used         INTEGER
);

-- kind: 0 collected, 1 approved, 2 rejected, 3 activated, 4 used.
-- event_id is NULL for an event a status snapshot implies: its id,
-- `snapshot:{citizen}:{level}:{kind}`, is derived from the row, and leaving
-- it out of the unique index spares a random-order insert per event.
CREATE TABLE events (
    event_id   TEXT,
    citizen_id INTEGER NOT NULL, -- citizens.id
    kind       INTEGER NOT NULL CHECK (kind BETWEEN 0 AND 4),
    level      INTEGER NOT NULL CHECK (level IN (1, 2)),
    at         INTEGER NOT NULL,
    team_id    TEXT,
    session_id TEXT,
    reason     TEXT
);
CREATE UNIQUE INDEX events_by_id ON events (event_id) WHERE event_id IS NOT NULL;
CREATE INDEX events_by_citizen ON events (citizen_id, level);

-- Events held until their predecessors arrive (an activation received
-- before its collection), with what they wait for, when and from where
-- they came. Columns as in `events`; held events count in no figure.
CREATE TABLE pending (
    event_id    TEXT,
    citizen_id  INTEGER NOT NULL,
    kind        INTEGER NOT NULL CHECK (kind BETWEEN 0 AND 4),
    level       INTEGER NOT NULL CHECK (level IN (1, 2)),
    at          INTEGER NOT NULL,
    team_id     TEXT,
    session_id  TEXT,
    reason      TEXT,
    waiting_for TEXT NOT NULL,
    received_at INTEGER NOT NULL, -- Unix seconds
    source      TEXT NOT NULL     -- the file or `api`
);
CREATE UNIQUE INDEX pending_by_id ON pending (event_id) WHERE event_id IS NOT NULL;
CREATE INDEX pending_by_citizen ON pending (citizen_id, level);

-- Live counters: for each unit, one row per day on which a figure changed,
-- holding the cumulative figures at the end of that day (the unit's own
-- citizens and every unit under it). "As of D" is the last row at or before D.
CREATE TABLE counters (
    unit_id      INTEGER NOT NULL,
    day          INTEGER NOT NULL,
    eligible     INTEGER NOT NULL,
    collected    INTEGER NOT NULL,
    collected_l2 INTEGER NOT NULL,
    approved     INTEGER NOT NULL,
    rejected     INTEGER NOT NULL,
    activated    INTEGER NOT NULL,
    activated_l2 INTEGER NOT NULL,
    used         INTEGER NOT NULL,
    PRIMARY KEY (unit_id, day)
) WITHOUT ROWID;

-- The funnel: for each unit (its citizens and every unit under it), how
-- many citizens took how many days over each step, from the first day of
-- one stage to the first day of the next. transition: 0 collected→approved,
-- 1 approved→activated, 2 activated→used. Kept with the counters.
CREATE TABLE gaps (
    unit_id    INTEGER NOT NULL,
    transition INTEGER NOT NULL,
    days       INTEGER NOT NULL,
    n          INTEGER NOT NULL,
    PRIMARY KEY (unit_id, transition, days)
) WITHOUT ROWID;

-- Targets keep their history: a new value supersedes the current one.
CREATE TABLE targets (
    id            INTEGER PRIMARY KEY,
    unit_id       INTEGER NOT NULL REFERENCES units (id),
    metric        TEXT NOT NULL,
    value         TEXT NOT NULL,
    deadline      INTEGER NOT NULL,
    set_at        INTEGER NOT NULL,
    set_by        TEXT NOT NULL,
    superseded_at INTEGER
);
CREATE INDEX targets_current ON targets (unit_id, metric) WHERE superseded_at IS NULL;
CREATE INDEX targets_by_unit ON targets (unit_id, id);

-- Named campaign windows ("60 ngày đêm"), optionally for one unit.
CREATE TABLE campaigns (
    id       INTEGER PRIMARY KEY,
    name     TEXT NOT NULL UNIQUE,
    from_day INTEGER NOT NULL,
    to_day   INTEGER NOT NULL CHECK (to_day >= from_day),
    unit_id  INTEGER REFERENCES units (id)
);

-- Who answers for a unit (officials' work contacts, from `contacts import`):
-- position is the order of the unit's rows in the file, from 0. An import
-- replaces all of a unit's rows. phone is as written (it parses again as
-- `Phone`).
CREATE TABLE contacts (
    unit_id  INTEGER NOT NULL REFERENCES units (id),
    position INTEGER NOT NULL,
    name     TEXT NOT NULL,
    title    TEXT NOT NULL,
    phone    TEXT NOT NULL,
    email    TEXT,
    note     TEXT,
    PRIMARY KEY (unit_id, position)
) WITHOUT ROWID;

-- Period reports kept as they were issued (`report --issue`): the file
-- itself and the figures it gave (JSON, written by phuxanh_report::issued),
-- to set beside today's figures for the same day and period.
CREATE TABLE issued_reports (
    id          INTEGER PRIMARY KEY,
    unit_id     INTEGER NOT NULL REFERENCES units (id),
    as_of       INTEGER NOT NULL,
    period_from INTEGER NOT NULL,
    period_to   INTEGER NOT NULL CHECK (period_to >= period_from),
    campaign    TEXT,
    cut         INTEGER NOT NULL CHECK (cut IN (0, 1)),
    issued_at   INTEGER NOT NULL,
    issued_by   TEXT NOT NULL,
    format      TEXT NOT NULL CHECK (format IN ('pdf', 'xlsx')),
    file        BLOB NOT NULL,
    figures     TEXT NOT NULL
);
CREATE INDEX issued_reports_by_unit ON issued_reports (unit_id, id);

-- Users and their roles (SECURITY.md).
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

-- Citizens whose personal data was erased on a lawful request (`citizens
-- forget`): their roster row keeps only what their counts need (the ID
-- the national system's files name them by, the birth date that makes
-- them eligible, the sex their ID encodes), and a later roster import
-- does not bring the rest back.
CREATE TABLE erased (
    row_id INTEGER PRIMARY KEY, -- citizens.row_id
    at     INTEGER NOT NULL     -- Unix seconds
);
-- Field teams (tổ công tác): `code` is the events file's `team_id`; the
-- home unit, its leader and deputy.
CREATE TABLE teams (
    id           INTEGER PRIMARY KEY,
    code         TEXT NOT NULL UNIQUE,
    name         TEXT NOT NULL,
    unit_id      INTEGER NOT NULL REFERENCES units (id),
    leader       TEXT,
    leader_phone TEXT,
    deputy       TEXT
);
CREATE INDEX teams_by_unit ON teams (unit_id);

-- A team's members by force (police, youth_union, …): how many.
CREATE TABLE team_forces (
    team_id INTEGER NOT NULL REFERENCES teams (id),
    force   TEXT NOT NULL,
    members INTEGER NOT NULL CHECK (members > 0),
    PRIMARY KEY (team_id, force)
) WITHOUT ROWID;

-- The units a team covers (its home unit when it names none).
CREATE TABLE team_units (
    team_id INTEGER NOT NULL REFERENCES teams (id),
    unit_id INTEGER NOT NULL REFERENCES units (id),
    PRIMARY KEY (team_id, unit_id)
) WITHOUT ROWID;
CREATE INDEX team_units_by_unit ON team_units (unit_id, team_id);

-- A team's outings (buổi thu nhận lưu động): `code` is the events file's
-- `session_id`; times in Unix seconds.
CREATE TABLE field_sessions (
    id        INTEGER PRIMARY KEY,
    code      TEXT NOT NULL UNIQUE,
    team_id   INTEGER NOT NULL REFERENCES teams (id),
    unit_id   INTEGER NOT NULL REFERENCES units (id),
    place     TEXT NOT NULL,
    kind      TEXT NOT NULL,
    starts_at INTEGER NOT NULL,
    ends_at   INTEGER NOT NULL CHECK (ends_at > starts_at)
);
CREATE INDEX field_sessions_by_team ON field_sessions (team_id, starts_at);
CREATE INDEX field_sessions_by_unit ON field_sessions (unit_id, starts_at);

-- A unit's citizens, for the door-to-door lists: one seek per commune or
-- village, then the citizens in roster order.
CREATE INDEX citizen_ids_by_unit ON citizen_ids (unit_id, row_id);
-- What happened at a door (visits import, the phone page): the client's
-- id makes a retry the same visit; `at` is when it happened as the phone
-- or the file said, `received_at` when the server got it; `flag` says
-- why it does not count (`future`, `outside-session`, `clock`); `undone_at`
-- that it was taken back.
CREATE TABLE visits (
    id          INTEGER PRIMARY KEY,
    visit_id    TEXT NOT NULL UNIQUE,
    citizen_id  INTEGER NOT NULL,
    outcome     TEXT NOT NULL,
    at          INTEGER NOT NULL,
    received_at INTEGER NOT NULL,
    team        TEXT,
    session     TEXT,
    recorded_by TEXT NOT NULL,
    note        TEXT,
    flag        TEXT,
    undone_at   INTEGER
);
CREATE INDEX visits_by_citizen ON visits (citizen_id, at);
CREATE INDEX visits_by_session ON visits (session, at);
CREATE INDEX visits_by_team ON visits (team, at);

-- Citizens out of their unit's eligible population from a day (moved
-- away, deceased, lives elsewhere), and the visit that said so.
CREATE TABLE departures (
    row_id   INTEGER PRIMARY KEY, -- citizens.row_id
    from_day INTEGER NOT NULL,
    visit    INTEGER NOT NULL REFERENCES visits (id)
);
-- The events a team's session or a team recorded, for what works
-- (`teams results`): only the events that name one are in these indexes.
CREATE INDEX events_by_session ON events (session_id, kind, citizen_id) WHERE session_id IS NOT NULL;
CREATE INDEX events_by_team ON events (team_id, at, kind, citizen_id) WHERE team_id IS NOT NULL;
-- What phones sent (the field page's sync): every entry once, by the
-- phone's id, with the phone's time and the server's, the clock's
-- difference, and what became of it (`recorded`, `held`, `conflict`,
-- `refused`, `flagged`), so that a retry gets the same answer.
CREATE TABLE intake (
    entry_id    TEXT PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('event', 'visit')),
    citizen_id  INTEGER NOT NULL,
    body        TEXT NOT NULL,
    phone_at    INTEGER NOT NULL,
    received_at INTEGER NOT NULL,
    skew        INTEGER NOT NULL,
    device      TEXT NOT NULL,
    username    TEXT NOT NULL,
    status      TEXT NOT NULL,
    reason      TEXT
) WITHOUT ROWID;
CREATE INDEX intake_by_status ON intake (status, received_at);

-- Each phone's last sync: who, when, how far its clock was off, and how
-- many entries it still held.
CREATE TABLE devices (
    device    TEXT PRIMARY KEY,
    username  TEXT NOT NULL,
    team      TEXT,
    last_sync INTEGER NOT NULL,
    skew      INTEGER NOT NULL,
    pending   INTEGER NOT NULL
) WITHOUT ROWID;
