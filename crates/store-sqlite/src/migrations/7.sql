-- Schema 6 → 7: events held until their predecessors arrive.
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
    received_at INTEGER NOT NULL,
    source      TEXT NOT NULL
);
CREATE UNIQUE INDEX pending_by_id ON pending (event_id) WHERE event_id IS NOT NULL;
CREATE INDEX pending_by_citizen ON pending (citizen_id, level);
