-- Schema 10 → 11: field teams, the units they cover, their sessions, and
-- the index the door-to-door lists read a unit's citizens by (issue 13).
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
