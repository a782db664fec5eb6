-- Repeats of an open incident are counted here, not in its incidents row.
-- A storm repeats the same few hundred incidents in every batch: updating
-- their wide rows (labels, annotations, summary) wrote a new version of each
-- whole row every time, while these narrow rows are cheap to rewrite. An
-- incident's count is incidents.alert_count (its alerts up to the first
-- repeat) plus repeats; its last alert is last_seen_at here when there is a
-- row.
CREATE TABLE incident_repeats (
	incident_id  BIGINT PRIMARY KEY REFERENCES incidents (id),
	repeats      BIGINT NOT NULL,
	last_seen_at TIMESTAMPTZ NOT NULL
);
