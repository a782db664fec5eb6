-- Repeats of an open incident are counted here, not in its incidents row.
-- A storm repeats the same few hundred incidents in every batch: updating
-- their wide rows (labels, annotations, summary) dirtied a page per few
-- incidents and rewrote each row whole, while these narrow rows pack a
-- couple of hundred to a page. An incident's count is incidents.alert_count
-- (its alerts up to the first repeat) plus repeats; its last alert is
-- last_seen_at here when there is a row.
CREATE TABLE incident_repeats (
	incident_id  INTEGER PRIMARY KEY REFERENCES incidents (id),
	repeats      INTEGER NOT NULL,
	last_seen_at TIMESTAMP NOT NULL
);
