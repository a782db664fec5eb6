//go:build cgo

package shell

import (
	"strings"
	"testing"
)

// TestSQLText pins what PostgreSQL's parse tree proves: each case's
// expected class is what the statement does to a real server (the
// reason says why), not what the walk happens to answer.
func TestSQLText(t *testing.T) {
	for _, tt := range []struct {
		sql  string
		want Class
		why  string // a part of the reason
	}{
		// Reads.
		{"SELECT 1", ReadOnly, "SELECT"},
		{"select count(*) from jobs where status = 'failed'", ReadOnly, "SELECT"},
		{"SELECT count(*) FROM pg_stat_activity WHERE state = 'idle in transaction'", ReadOnly, "SELECT"},
		{"SELECT 'DELETE FROM jobs'", ReadOnly, "SELECT"},
		{`SELECT "update" FROM t`, ReadOnly, "SELECT"},
		{"SELECT $$DROP TABLE x$$", ReadOnly, "SELECT"},
		{"SELECT $tag$ ; DELETE $tag$ AS s", ReadOnly, "SELECT"},
		{"SELECT E'it\\'s; DROP TABLE x'", ReadOnly, "SELECT"},
		{"SELECT 1 -- ; DROP TABLE x", ReadOnly, "SELECT"},
		{"SELECT /* ; DROP /* nested */ TABLE x */ 1", ReadOnly, "SELECT"},
		{"SELECT now() - max(updated_at) FROM job_heartbeats", ReadOnly, "SELECT"},
		{"SELECT pg_catalog.pg_size_pretty(pg_catalog.pg_database_size(current_database()))", ReadOnly, "SELECT"},
		{"SELECT x::numeric(10,2), CAST(y AS varchar(20)) FROM t", ReadOnly, "SELECT"},
		{"SELECT count(*) FILTER (WHERE failed) OVER (PARTITION BY queue) FROM jobs", ReadOnly, "SELECT"},
		{"SELECT * FROM jobs WHERE id IN (SELECT job_id FROM dead_letter_jobs)", ReadOnly, "SELECT"},
		{"SELECT extract(epoch FROM now() - query_start), current_date, coalesce(a, b) FROM pg_stat_activity", ReadOnly, "SELECT"},
		{"SELECT l.pid, a.state FROM pg_locks l JOIN pg_stat_activity a USING (pid) WHERE l.locktype = 'advisory'", ReadOnly, "SELECT"},
		{"SELECT * FROM generate_series(1, 3) AS g(n)", ReadOnly, "SELECT"},
		{"SELECT slot_name, pg_size_pretty(pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)) FROM pg_replication_slots", ReadOnly, "SELECT"},
		{"SELECT current_setting('max_connections')::int", ReadOnly, "SELECT"},
		{"VALUES (1), (2)", ReadOnly, "VALUES"},
		{"TABLE schema_migrations", ReadOnly, "TABLE"},
		{"SHOW work_mem", ReadOnly, "SHOW"},
		{"SHOW ALL", ReadOnly, "SHOW"},
		{"(SELECT 1) UNION (SELECT 2)", ReadOnly, "SELECT"},
		{"WITH stale AS (SELECT id FROM jobs) SELECT count(*) FROM stale", ReadOnly, "WITH"},
		{"BEGIN READ ONLY; SELECT 1; COMMIT", ReadOnly, "BEGIN"},
		{"BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT 1; ROLLBACK", ReadOnly, "BEGIN"},
		{"SET statement_timeout = '5s'; SELECT 1", ReadOnly, "SET"},
		{"SET LOCAL lock_timeout TO 1000; SELECT 1", ReadOnly, "SET"},
		{"SET TRANSACTION READ ONLY", ReadOnly, "SET"},
		{"SET default_transaction_read_only = on", ReadOnly, "read-only"},
		{"EXPLAIN SELECT * FROM jobs", ReadOnly, "EXPLAIN"},
		{"EXPLAIN (FORMAT json, COSTS off) SELECT 1", ReadOnly, "EXPLAIN"},
		{"EXPLAIN UPDATE jobs SET x = 1", ReadOnly, "plans"},
		{"EXPLAIN (ANALYZE false) DELETE FROM jobs", ReadOnly, "plans"},
		{"EXPLAIN ANALYZE VERBOSE SELECT 1", ReadOnly, "EXPLAIN ANALYZE SELECT"},
		{"EXPLAIN (ANALYZE, BUFFERS) SELECT * FROM jobs", ReadOnly, "EXPLAIN ANALYZE"},
		{"COPY jobs TO STDOUT", ReadOnly, "COPY TO STDOUT"},
		{"COPY (SELECT * FROM jobs) TO STDOUT WITH (FORMAT csv)", ReadOnly, "COPY TO STDOUT"},
		{"PREPARE q AS SELECT 1", ReadOnly, "PREPARE"},
		{"", ReadOnly, "no statement"},
		{";;", ReadOnly, "no statement"},

		// Writes, whatever their disguise.
		{"EXPLAIN (ANALYZE, BUFFERS) UPDATE jobs SET x = 1", Mutating, "EXPLAIN ANALYZE UPDATE"},
		{"EXPLAIN ANALYSE DELETE FROM jobs", Mutating, "EXPLAIN ANALYZE DELETE"},
		{"EXPLAIN (ANALYZE 1) DELETE FROM jobs", Mutating, "DELETE"},
		{"EXPLAIN (ANALYZE 'yes') DELETE FROM jobs", Mutating, "DELETE"},
		{"COPY (DELETE FROM jobs RETURNING *) TO STDOUT", Mutating, "DELETE"},
		{"COPY jobs TO '/tmp/jobs.csv'", Mutating, "COPY TO"},
		{"COPY jobs FROM STDIN", Mutating, "COPY FROM"},
		{"SELECT 1; DROP TABLE x", Mutating, "DROP"},
		{"select 1;drop table x", Mutating, "DROP"},
		{"SELECT 1; UPDATE jobs SET x = 1; DROP TABLE x", Mutating, "UPDATE"},
		{"WITH moved AS (DELETE FROM dlq RETURNING *) SELECT * FROM moved", Mutating, "DELETE"},
		{"WITH x AS (UPDATE jobs SET s = 1 RETURNING 1) SELECT 1", Mutating, "UPDATE"},
		{"SELECT * FROM (WITH d AS (DELETE FROM t RETURNING 1) SELECT * FROM d) s", Mutating, "DELETE"},
		{"SELECT * FROM jobs FOR UPDATE", Mutating, "locks rows"},
		{"SELECT * FROM jobs FOR NO KEY UPDATE SKIP LOCKED", Mutating, "locks rows"},
		{"SELECT * FROM jobs FOR SHARE", Mutating, "locks rows"},
		{"SELECT * FROM jobs FOR KEY SHARE NOWAIT", Mutating, "locks rows"},
		{"SELECT * INTO backup FROM jobs", Mutating, "SELECT INTO"},
		{"SELECT * INTO TEMP backup FROM jobs", Mutating, "SELECT INTO"},
		{"SELECT setval('jobs_id_seq', 1)", Mutating, "setval()"},
		{"SELECT nextval('jobs_id_seq')", Mutating, "nextval()"},
		{"SELECT txid_current()", Mutating, "txid_current()"},
		{"SELECT pg_reload_conf()", Mutating, "pg_reload_conf()"},
		{"SELECT pg_catalog.pg_terminate_backend(pid) FROM pg_stat_activity", Mutating, "pg_terminate_backend()"},
		{"SELECT pid, pg_cancel_backend(pid) FROM pg_stat_activity WHERE state = 'active'", Mutating, "pg_cancel_backend()"},
		{"SELECT count(*) FROM pg_stat_activity WHERE pg_cancel_backend(pid)", Mutating, "pg_cancel_backend()"},
		{"SELECT set_config('search_path', 'evil', false)", Mutating, "set_config()"},
		{"SELECT pg_advisory_unlock_all()", Mutating, "pg_advisory_unlock_all()"},
		{"SELECT lo_export(1234, '/tmp/x')", Mutating, "lo_export()"},
		{"SELECT dblink_exec('host=x', 'DELETE FROM t')", Mutating, "dblink_exec()"},
		{"SELECT pg_stat_reset()", Mutating, "resets statistics"},
		{"INSERT INTO t VALUES (1)", Mutating, "INSERT"},
		{"MERGE INTO t USING s ON true WHEN MATCHED THEN DELETE", Mutating, "MERGE"},
		{"CREATE INDEX CONCURRENTLY i ON jobs (status)", Mutating, "CREATE"},
		{"CREATE TABLE x AS SELECT 1", Mutating, "CREATE"},
		{"ALTER SYSTEM SET work_mem = '1GB'", Mutating, "ALTER"},
		{"DROP TABLE x", Mutating, "DROP"},
		{"ANALYZE jobs", Mutating, "ANALYZE"},
		{"VACUUM FULL jobs", Mutating, "VACUUM"},
		{"CLUSTER jobs", Mutating, "CLUSTER"},
		{"CHECKPOINT", Mutating, "CHECKPOINT"},
		{"REFRESH MATERIALIZED VIEW stats", Mutating, "REFRESH"},
		{"REVOKE ALL ON jobs FROM app", Mutating, "REVOKE"},
		{"GRANT admin TO app", Mutating, "GRANT"},
		{"LOCK TABLE jobs", Mutating, "LOCK"},
		{"NOTIFY jobs", Mutating, "NOTIFY"},
		{"TRUNCATE jobs", Mutating, "TRUNCATE"},
		{"COMMIT PREPARED 'tx1'", Mutating, "COMMIT PREPARED"},
		{"ROLLBACK PREPARED 'tx1'", Mutating, "ROLLBACK PREPARED"},
		{"PREPARE TRANSACTION 'tx1'", Mutating, "PREPARE TRANSACTION"},
		{"PREPARE q AS DELETE FROM jobs", Mutating, "DELETE"},
		{"COMMENT ON TABLE jobs IS 'x'", Mutating, "COMMENT"},

		// Code, settings and anything not modelled: unknown.
		{"COPY jobs TO PROGRAM 'gzip > /tmp/x'", Unknown, "PROGRAM"},
		{"COPY (SELECT 1) TO PROGRAM 'rm -rf /'", Unknown, "PROGRAM"},
		{"COPY jobs FROM PROGRAM 'id'", Unknown, "PROGRAM"},
		{"SELECT dblink('host=x', 'SELECT 1')", Unknown, "dblink()"},
		{"SELECT * FROM dblink('host=x', 'DELETE FROM t') AS t(a int)", Unknown, "dblink()"},
		{"SELECT public.requeue_failed()", Unknown, "public.requeue_failed()"},
		{"SELECT requeue_failed()", Unknown, "requeue_failed()"},
		{`SELECT "COUNT"(*) FROM t`, Unknown, "COUNT()"},
		{`SELECT "pg_catalog"."lower"('A')`, ReadOnly, "SELECT"},
		{"SELECT * FROM public.cleanup()", Unknown, "public.cleanup()"},
		{"SELECT pg_read_file('/etc/passwd')", Unknown, "pg_read_file()"},
		{"SELECT pg_ls_dir('.')", Unknown, "pg_ls_dir()"},
		{"SELECT current_setting('app.jwt_secret')", Unknown, "custom setting"},
		{"SELECT current_setting('primary_conninfo')", Unknown, "credentials"},
		{"SELECT current_setting(name) FROM t", Unknown, "run time"},
		{"SHOW primary_conninfo", Unknown, "credentials"},
		{"SHOW app.secret", Unknown, "custom setting"},
		{"SELECT rolpassword FROM pg_authid", Unknown, "password"},
		{"SELECT * FROM pg_catalog.pg_shadow", Unknown, "password"},
		{"SELECT 1 OPERATOR(evil.+) 2", Unknown, "operator"},
		{"SELECT 'x'::evil.t", Unknown, "type"},
		{"SELECT * FROM jobs TABLESAMPLE SYSTEM (10)", Unknown, "RangeTableSample"},
		{"CALL requeue()", Unknown, "CALL"},
		{"DO $$ BEGIN PERFORM 1; END $$", Unknown, "DO"},
		{"EXECUTE q", Unknown, "EXECUTE"},
		{"LOAD 'evil'", Unknown, "LOAD"},
		{"SET search_path = evil, pg_catalog", Unknown, "search_path"},
		{"SET ROLE postgres", Unknown, "role"},
		{"SET SESSION AUTHORIZATION postgres", Unknown, "SET"},
		{"SET default_transaction_read_only = off", Unknown, "default_transaction_read_only"},
		{"SET TRANSACTION READ WRITE", Unknown, "READ WRITE"},
		{"BEGIN READ WRITE; SELECT 1; COMMIT", Unknown, "READ WRITE"},
		{"RESET ALL", Unknown, "ALL"},
		{"LISTEN jobs", Unknown, "LISTEN"},
		{"EXPLAIN EXECUTE q", Unknown, "EXPLAIN"},
		{"EXPLAIN SELECT evil()", Unknown, "evil()"},
		{"EXPLAIN (ANALYZE) SELECT evil()", Unknown, "evil()"},
		{"FROBNICATE", Unknown, "does not parse"},
		{"'text'", Unknown, "does not parse"},
		{"SELECT 'unterminated", Unknown, "does not parse"},
		{"SELECT /* unterminated", Unknown, "does not parse"},
		{"SELECT :'x'", Unknown, "does not parse"},
	} {
		got, why := sqlText(tt.sql)
		if got != tt.want || !strings.Contains(why, tt.why) {
			t.Errorf("sqlText(%q) = %v %q, want %v …%s…", tt.sql, got, why, tt.want, tt.why)
		}
	}
}

// TestPsqlScript pins psql's own lexing: meta-commands, backquotes and
// variables around the SQL the server receives.
func TestPsqlScript(t *testing.T) {
	vars := map[string]psqlValue{"limit": {val: "10", known: true}, "label": {known: false}}
	for _, tt := range []struct {
		script string
		want   Class
		why    string
	}{
		{`\dt`, ReadOnly, `\dt`},
		{`\d+ jobs`, ReadOnly, `\d+`},
		{`\dconfig work_mem`, ReadOnly, `describes`},
		{`\x \\ SELECT 1`, ReadOnly, `\x`},
		{`\l+`, ReadOnly, `\l+`},
		{`\conninfo`, ReadOnly, `\conninfo`},
		{"\\pset format csv\nSELECT 1;", ReadOnly, `\pset`},
		{"\\set ON_ERROR_STOP on\nSELECT 1;", ReadOnly, `\set`},
		{"SELECT 1 \\gx", ReadOnly, `\gx`},
		{"SELECT 1 \\g", ReadOnly, `\g`},
		{"SELECT count(*) FROM jobs\n\\g /dev/null", ReadOnly, `\g`},
		{`\o`, ReadOnly, `\o`},
		{`\copy jobs to stdout`, ReadOnly, `\copy TO STDOUT`},
		{`\copy (select * from jobs) to stdout with csv`, ReadOnly, `\copy TO STDOUT`},
		{"SELECT * FROM jobs LIMIT :limit;", ReadOnly, "SELECT"},
		{"SELECT * FROM pg_stat_activity WHERE usename = :'label';", ReadOnly, "SELECT"},
		{"SELECT * FROM :\"label\";", ReadOnly, "SELECT"},
		{"SELECT 'a'::text, x::int FROM t;", ReadOnly, "SELECT"},
		{"SELECT ':x' AS s, \":y\" FROM t;", ReadOnly, "SELECT"},
		{"-- :x in a comment\nSELECT 1;", ReadOnly, "SELECT"},
		{"SELECT $$ \\! rm -rf / $$;", ReadOnly, "SELECT"},
		{"SELECT E'\\\\! x';", ReadOnly, "SELECT"},
		{"\\if :{?x}\n\\echo set\n\\endif", Unknown, `:variable`},

		{"SELECT 1 \\g /tmp/out", Mutating, `\g`},
		{"SELECT 1 \\g |sh", Unknown, `\g |`},
		{"SELECT 1 \\gexec", Unknown, `\gexec`},
		{"SELECT 'DROP TABLE ' || relname FROM pg_class \\gexec", Unknown, `\gexec`},
		{`\o /tmp/out`, Mutating, `\o`},
		{`\o | sh`, Unknown, `\o |`},
		{`\w /tmp/buf`, Mutating, `\w`},
		{`\copy (select * from jobs) to '/tmp/jobs.csv' csv`, Mutating, `\copy TO`},
		{`\copy jobs from '/tmp/jobs.csv'`, Mutating, `\copy FROM`},
		{`\copy jobs to program 'rm -rf /tmp/x'`, Unknown, `PROGRAM`},
		{`\i /tmp/fix.sql`, Unknown, `\i`},
		{`\ir fix.sql`, Unknown, `\ir`},
		{`\! rm -rf /`, Unknown, `\!`},
		{`\lo_unlink 1234`, Mutating, `\lo_unlink`},
		{`\lo_import /etc/passwd`, Mutating, `\lo_import`},
		{`\echo` + " `rm -rf /tmp/x`", Unknown, "backquoted"},
		{`\set x ` + "`id`", Unknown, "backquoted"},
		{`\cd ` + "`touch /tmp/p`", Unknown, "backquoted"},
		{`\d ` + "`touch /tmp/p`", Unknown, "backquoted"},
		{`\pset title ` + "`id`", Unknown, "backquoted"},
		{`\cd /tmp`, Unknown, `\cd`},
		{`\setenv PAGER evil`, Unknown, `\setenv`},
		{`\set PROMPT1 '%` + "`id`'", Unknown, "backquoted"},
		{`\set HISTFILE /tmp/h`, Unknown, "HISTFILE"},
		{`\pset pipe x`, Unknown, "printing option"},
		{`\e`, Unknown, `\e`},
		{`\password postgres`, Mutating, `\password`},
		{`\watch 1`, Unknown, `\watch`},
		{`\frobnicate`, Unknown, `\frobnicate`},
		{`\c otherdb`, Unknown, `\c`},
		{"SELECT * FROM jobs WHERE id = :id;", Unknown, ":id"},
		{"SELECT :label;", Unknown, ":label"},
		{"SELECT 1; :cmd", Unknown, ":cmd"},
		{"\\set cmd 'DELETE FROM jobs'\n:cmd;", Unknown, ":cmd"},
		{"SHOW :\"label\";", Unknown, "psql variable"},
		{"SELECT current_setting(:'label');", Unknown, "current_setting"},
		{"SELECT 1;\nDELETE FROM jobs;", Mutating, "DELETE"},
		{"SELECT 1 \\x DELETE FROM jobs;", ReadOnly, `\x`},  // psql ignores \x's extra arguments
		{"SELECT 1 \\x\nDELETE FROM jobs;", ReadOnly, `\x`}, // the server reads SELECT 1 AS delete FROM jobs
		{"SELECT 1 \\x\nTRUNCATE jobs;", Unknown, "does not parse"},
		{"SELECT 'it\\'s'; DELETE FROM jobs; SELECT '", Unknown, "backslash"},
		{"SELECT 'unterminated", Unknown, "unterminated"},
		{"SELECT a$$b$ \\! id $b$;", Unknown, `\!`},    // a$$b$ is one identifier to psql: \! runs
		{"SELECT 1$$x$$ \\! id;", Unknown, `\!`},       // read conservatively: the \! is seen
		{"SELECT $q$ \\! id $q$;", ReadOnly, "SELECT"}, // inside a dollar quote
	} {
		got, why := psqlScript(tt.script, vars)
		if got != tt.want || !strings.Contains(why, tt.why) {
			t.Errorf("psqlScript(%q) = %v %q, want %v …%s…", tt.script, got, why, tt.want, tt.why)
		}
	}
}

func FuzzSQLScript(f *testing.F) {
	for _, s := range []string{"SELECT 1", "SELECT 'a''b'; DROP TABLE x", "EXPLAIN (ANALYZE) DELETE FROM t",
		"COPY (SELECT 1) TO STDOUT", `\copy t to stdout`, "SELECT $a$x$a$", "/* /* */ */ SELECT E'\\''",
		`\d+ t \\ \x`, "SELECT :'v', :\"w\", :x", "\\set a `id`", "SELECT 1 \\g |cat"} {
		f.Add(s)
	}
	vars := map[string]psqlValue{"x": {val: "1", known: true}}
	f.Fuzz(func(t *testing.T, s string) {
		for _, fn := range []func(string) (Class, string){sqlText, func(s string) (Class, string) { return psqlScript(s, vars) }} {
			if c, why := fn(s); (c != ReadOnly && c != Mutating && c != Unknown) || why == "" {
				t.Fatalf("(%q) = %q %q", s, c, why)
			}
		}
	})
}
