-- Diagnoses are durable work: a row per incident whose automatic diagnosis
-- was queued when it opened (in the same transaction). Any instance claims
-- queued rows (FOR UPDATE SKIP LOCKED) and holds them under a lease it
-- renews; a row whose lease ran out belonged to an instance that died and
-- is taken over. shared_with links an incident of a storm to the incident
-- whose diagnosis it shares (same runbook, opened within the window).
CREATE TABLE diagnoses (
	incident_id  BIGINT PRIMARY KEY REFERENCES incidents (id),
	runbook_id   TEXT NOT NULL,
	status       TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done')),
	owner        TEXT NOT NULL DEFAULT '',
	lease_until  TIMESTAMPTZ,
	attempts     INTEGER NOT NULL DEFAULT 0,
	queued_at    TIMESTAMPTZ NOT NULL,
	finished_at  TIMESTAMPTZ,
	shared_with  BIGINT
);
CREATE INDEX diagnoses_todo ON diagnoses (incident_id) WHERE status <> 'done';
CREATE INDEX diagnoses_runbook ON diagnoses (runbook_id, queued_at) WHERE shared_with IS NULL;
