-- Times are TIMESTAMP columns holding UTC microseconds since the epoch
-- (the driver's _time_integer_format=unix_micro): sortable, comparable and
-- exact to the microsecond, like PostgreSQL's timestamptz.

CREATE TABLE incidents (
	id              INTEGER PRIMARY KEY,
	status          TEXT NOT NULL CHECK (status IN ('triggered', 'acknowledged', 'resolved')),
	severity        TEXT NOT NULL,
	summary         TEXT NOT NULL,
	runbook_id      TEXT,
	source          TEXT NOT NULL,
	integration     TEXT NOT NULL,
	dedup_key       TEXT NOT NULL,
	alert_count     INTEGER NOT NULL DEFAULT 1,
	labels          TEXT NOT NULL DEFAULT '{}',
	annotations     TEXT NOT NULL DEFAULT '{}',
	opened_at       TIMESTAMP NOT NULL,
	last_seen_at    TIMESTAMP NOT NULL,
	acknowledged_at TIMESTAMP,
	acknowledged_by TEXT,
	resolved_at     TIMESTAMP,
	resolved_by     TEXT
);

-- One open incident per (integration, dedup_key): the database, not a cache,
-- is what guarantees dedup.
CREATE UNIQUE INDEX incidents_open_key ON incidents (integration, dedup_key) WHERE status <> 'resolved';
CREATE INDEX incidents_status ON incidents (status, id);
CREATE INDEX incidents_severity ON incidents (severity, id);
CREATE INDEX incidents_runbook ON incidents (runbook_id, id);

CREATE TABLE timeline_events (
	id          INTEGER PRIMARY KEY,
	incident_id INTEGER NOT NULL REFERENCES incidents (id),
	at          TIMESTAMP NOT NULL,
	kind        TEXT NOT NULL,
	actor       TEXT NOT NULL,
	text        TEXT NOT NULL,
	data        TEXT
);
CREATE INDEX timeline_events_incident ON timeline_events (incident_id, id);

CREATE TABLE tokens (
	id         INTEGER PRIMARY KEY,
	name       TEXT NOT NULL,
	role       TEXT NOT NULL,
	hash       TEXT NOT NULL UNIQUE,
	created_at TIMESTAMP NOT NULL,
	revoked_at TIMESTAMP
);
CREATE UNIQUE INDEX tokens_active_name ON tokens (name) WHERE revoked_at IS NULL;

-- audit_log is append-only; seq is assigned by the store, never by the
-- database, so a gap means a deleted entry.
CREATE TABLE audit_log (
	seq       INTEGER PRIMARY KEY,
	at        TIMESTAMP NOT NULL,
	actor     TEXT NOT NULL,
	action    TEXT NOT NULL,
	subject   TEXT NOT NULL,
	outcome   TEXT NOT NULL,
	data      TEXT NOT NULL,
	prev_hash TEXT NOT NULL,
	hash      TEXT NOT NULL
);

-- audit_head is the chain's head, one row. Every write transaction updates
-- it first, which serialises appends (and writers) and lets Verify notice
-- entries deleted from the end of the chain.
CREATE TABLE audit_head (
	id   INTEGER PRIMARY KEY CHECK (id = 1),
	seq  INTEGER NOT NULL,
	hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '');

CREATE TABLE deploys (
	id          INTEGER PRIMARY KEY,
	service     TEXT NOT NULL,
	sha         TEXT NOT NULL,
	actor       TEXT NOT NULL,
	note        TEXT NOT NULL,
	deployed_at TIMESTAMP NOT NULL
);
CREATE INDEX deploys_at ON deploys (deployed_at);

CREATE TABLE settings (
	key        TEXT PRIMARY KEY,
	value      TEXT NOT NULL,
	updated_at TIMESTAMP NOT NULL
);

CREATE TABLE break_glass_grants (
	id         INTEGER PRIMARY KEY,
	reason     TEXT NOT NULL,
	actor      TEXT NOT NULL,
	hash       TEXT NOT NULL UNIQUE,
	created_at TIMESTAMP NOT NULL,
	expires_at TIMESTAMP NOT NULL,
	revoked_at TIMESTAMP
);
