-- Schema 11 → 12: visit outcomes, and the citizens they take out of the
-- eligible population (issue 13).
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
