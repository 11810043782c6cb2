-- Schema 13 → 14: what phones sent, and each phone's last sync (issue 13,
-- intake on a phone).
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
