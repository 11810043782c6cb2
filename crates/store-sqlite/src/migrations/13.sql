-- Schema 12 → 13: events found by their session and team (issue 13's
-- results).
-- The events a team's session or a team recorded, for what works
-- (`teams results`): only the events that name one are in these indexes.
CREATE INDEX events_by_session ON events (session_id, kind, citizen_id) WHERE session_id IS NOT NULL;
CREATE INDEX events_by_team ON events (team_id, at, kind, citizen_id) WHERE team_id IS NOT NULL;
