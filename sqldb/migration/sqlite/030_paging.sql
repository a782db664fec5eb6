-- Paging: overrides, the notification outbox, escalation state and used
-- one-time links. Times are UTC microseconds, as everywhere.

CREATE TABLE overrides (
	id         INTEGER PRIMARY KEY,
	schedule   TEXT NOT NULL,
	person     TEXT NOT NULL,
	replaces   TEXT NOT NULL DEFAULT '',
	starts_at  TIMESTAMP NOT NULL,
	ends_at    TIMESTAMP NOT NULL,
	reason     TEXT NOT NULL DEFAULT '',
	actor      TEXT NOT NULL,
	created_at TIMESTAMP NOT NULL,
	deleted_at TIMESTAMP
);
CREATE INDEX overrides_ends ON overrides (ends_at) WHERE deleted_at IS NULL;

-- The outbox: one row per (incident, step, person, contact method) and
-- kind, unique by its idempotency key, so replaying a step after a crash
-- inserts nothing twice.
CREATE TABLE notifications (
	id          INTEGER PRIMARY KEY,
	key         TEXT NOT NULL UNIQUE,
	incident_id INTEGER,
	step        INTEGER NOT NULL DEFAULT 0,
	role        TEXT NOT NULL DEFAULT '',
	person      TEXT NOT NULL,
	contact     TEXT NOT NULL,
	channel     TEXT NOT NULL,
	kind        TEXT NOT NULL,
	urgency     TEXT NOT NULL,
	text        TEXT NOT NULL DEFAULT '',
	status      TEXT NOT NULL,
	due_at      TIMESTAMP NOT NULL,
	attempts    INTEGER NOT NULL DEFAULT 0,
	error       TEXT NOT NULL DEFAULT '',
	provider_id TEXT NOT NULL DEFAULT '',
	created_at  TIMESTAMP NOT NULL,
	sent_at     TIMESTAMP
);
CREATE INDEX notifications_pending ON notifications (due_at) WHERE status = 'pending';
CREATE INDEX notifications_incident ON notifications (incident_id, id);
CREATE INDEX notifications_failed ON notifications (id) WHERE status = 'failed';

-- Where each incident's escalation stands; only the escalation leader
-- writes it.
CREATE TABLE escalations (
	incident_id INTEGER PRIMARY KEY REFERENCES incidents (id),
	steps       TEXT NOT NULL,
	step        INTEGER NOT NULL,
	round       INTEGER NOT NULL,
	next_at     TIMESTAMP,
	stopped     INTEGER NOT NULL DEFAULT 0,
	paged       TEXT NOT NULL DEFAULT '[]',
	acked       TEXT NOT NULL DEFAULT '[]',
	updated_at  TIMESTAMP NOT NULL
);

-- One-time ack/resolve links: the link itself is signed and carries its
-- expiry; this table remembers the ones already followed.
CREATE TABLE used_links (
	nonce       TEXT PRIMARY KEY,
	incident_id INTEGER NOT NULL,
	person      TEXT NOT NULL,
	action      TEXT NOT NULL,
	used_at     TIMESTAMP NOT NULL
);
