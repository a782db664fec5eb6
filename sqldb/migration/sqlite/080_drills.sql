-- Drills: a synthetic alert through the whole pipeline per runbook, and
-- the report of its diagnosis. report holds the steps as JSON; the counts
-- beside it are what the schedule and the metrics read.
CREATE TABLE drills (
	id                    INTEGER PRIMARY KEY,
	runbook_id            TEXT NOT NULL,
	incident_id           INTEGER REFERENCES incidents (id),
	actor                 TEXT NOT NULL,
	scheduled             BOOLEAN NOT NULL DEFAULT FALSE,
	status                TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'error')),
	verdict               TEXT NOT NULL DEFAULT '',
	error                 TEXT NOT NULL DEFAULT '',
	created_at            TIMESTAMP NOT NULL,
	started_at            TIMESTAMP,
	finished_at           TIMESTAMP,
	alert_to_diagnosis_ns INTEGER NOT NULL DEFAULT 0,
	failed_steps          INTEGER NOT NULL DEFAULT 0,
	report                TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX drills_runbook ON drills (runbook_id, id);
