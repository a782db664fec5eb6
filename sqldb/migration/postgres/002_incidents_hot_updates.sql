-- Repeats update the same few open incidents thousands of times a second.
-- Free space in every page keeps those updates HOT (in the page, no index
-- writes) and lets PostgreSQL prune dead row versions as it goes; without
-- it the table bloats between autovacuum runs and every lookup slows down.
-- Autovacuum also visits this small, hot table sooner than by default.
ALTER TABLE incidents SET (
	fillfactor = 50,
	autovacuum_vacuum_scale_factor = 0.02,
	autovacuum_analyze_scale_factor = 0.05
);
