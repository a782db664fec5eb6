-- Built-in checks: the state of each, so a restart neither forgets a firing
-- check (its incident would never resolve) nor fires it twice. Written on
-- changes only (status or firing), never on every run.
CREATE TABLE check_states (
	name        TEXT PRIMARY KEY,
	kind        TEXT NOT NULL,
	status      TEXT NOT NULL CHECK (status IN ('pending', 'passing', 'failing')),
	firing      BOOLEAN NOT NULL DEFAULT FALSE,
	since       TIMESTAMPTZ,
	last_result TEXT NOT NULL DEFAULT '',
	updated_at  TIMESTAMPTZ NOT NULL
);
