-- Paging commands: a call that needs the escalation leader (escalate, page,
-- a test notification, a multi-ack count) made on a server that does not
-- lead is written here; the leader claims it, runs it as its actor and records the result, which the calling server
-- reads back. A command never finished within its expiry ends as expired.
-- On SQLite one server owns the file and always leads: the table is here so
-- both dialects have the same schema.
CREATE TABLE paging_commands (
	id            INTEGER PRIMARY KEY,
	kind          TEXT NOT NULL,
	actor         TEXT NOT NULL,
	args          TEXT NOT NULL,
	created_at    TIMESTAMP NOT NULL,
	owner         TEXT NOT NULL DEFAULT '',
	claimed_at    TIMESTAMP,
	done_at       TIMESTAMP,
	result        TEXT NOT NULL DEFAULT '',
	error_code    TEXT NOT NULL DEFAULT '',
	error_message TEXT NOT NULL DEFAULT ''
);
CREATE INDEX paging_commands_todo ON paging_commands (id) WHERE done_at IS NULL;
CREATE INDEX paging_commands_done ON paging_commands (done_at) WHERE done_at IS NOT NULL;
