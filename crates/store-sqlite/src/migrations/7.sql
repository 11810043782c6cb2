-- Schema 6 → 7: events held until their predecessors arrive; units retired
-- by a reorganisation, and their successors; the span of time the events
-- cover, kept in meta from now on (read once here).
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

ALTER TABLE units ADD COLUMN retired_on INTEGER;
CREATE TABLE successors (
    unit_id      INTEGER NOT NULL REFERENCES units (id),
    successor_id INTEGER NOT NULL REFERENCES units (id),
    whole        INTEGER NOT NULL CHECK (whole IN (0, 1)),
    PRIMARY KEY (unit_id, successor_id)
) WITHOUT ROWID;

INSERT INTO meta (key, value)
SELECT key, value FROM (
    SELECT 'first_event_at' AS key, min(at) AS value FROM events
    UNION ALL
    SELECT 'last_event_at', max(at) FROM events
) WHERE value IS NOT NULL;
