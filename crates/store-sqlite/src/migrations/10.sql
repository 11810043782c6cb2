-- Schema 9 → 10: citizens whose personal data was erased on a lawful
-- request (`citizens forget`; SECURITY.md).
CREATE TABLE erased (
    row_id INTEGER PRIMARY KEY, -- citizens.row_id
    at     INTEGER NOT NULL     -- Unix seconds
);
