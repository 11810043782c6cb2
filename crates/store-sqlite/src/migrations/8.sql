-- Schema 7 → 8: who answers for each unit (`contacts import`).
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
