-- Heartbeats: what quench remembers of each job that pings it, so that a
-- restart neither forgets a late job nor alerts twice. secret is the
-- credential in the job's ping URLs; it is kept as is because quench
-- heartbeats prints the URLs again (like an integration's address), and
-- it grants nothing but pinging that one heartbeat. version makes saves
-- compare-and-set between servers sharing the database.
CREATE TABLE heartbeats (
	name            TEXT PRIMARY KEY,
	secret          TEXT NOT NULL UNIQUE,
	created_at      TIMESTAMPTZ NOT NULL,
	status          TEXT NOT NULL CHECK (status IN ('new', 'up', 'late', 'failed')),
	alerting        BOOLEAN NOT NULL DEFAULT FALSE,
	last_ping_at    TIMESTAMPTZ,
	last_ping       TEXT NOT NULL DEFAULT '',
	last_exit_code  INTEGER NOT NULL DEFAULT -1,
	last_success_at TIMESTAMPTZ,
	last_fail_at    TIMESTAMPTZ,
	started_at      TIMESTAMPTZ,
	last_duration_ns BIGINT NOT NULL DEFAULT 0,
	last_body       TEXT NOT NULL DEFAULT '',
	version         BIGINT NOT NULL DEFAULT 1
);
