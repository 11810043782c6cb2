-- Schema 7 → 8: who answers for each unit (`contacts import`), and the
-- period reports issued (`report --issue`).
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

-- Period reports kept as they were issued (`report --issue`):
-- the file itself and the figures it gave, to set beside today's.
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
