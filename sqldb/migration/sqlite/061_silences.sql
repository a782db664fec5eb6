-- Silences (matchers as a JSON list of Alertmanager matcher strings) and
-- the alerts held back by a silence, a maintenance window or an
-- inhibiting incident: one row per firing key, with the whole alert so it
-- can open its incident when what holds it back ends.
CREATE TABLE silences (
	id         INTEGER PRIMARY KEY,
	matchers   TEXT NOT NULL,
	starts_at  TIMESTAMP NOT NULL,
	ends_at    TIMESTAMP NOT NULL,
	created_by TEXT NOT NULL,
	comment    TEXT NOT NULL,
	created_at TIMESTAMP NOT NULL,
	expired_by TEXT NOT NULL DEFAULT ''
);
CREATE INDEX silences_ends ON silences (ends_at);

CREATE TABLE suppressed_alerts (
	integration TEXT NOT NULL,
	dedup_key   TEXT NOT NULL,
	alert       TEXT NOT NULL,
	reason      TEXT NOT NULL CHECK (reason IN ('silence', 'maintenance', 'inhibition')),
	ref         TEXT NOT NULL,
	first_at    TIMESTAMP NOT NULL,
	last_at     TIMESTAMP NOT NULL,
	count       INTEGER NOT NULL DEFAULT 1,
	PRIMARY KEY (integration, dedup_key)
);
