package shell

import "testing"

// The SQL, sed and awk readers decide psql -c, sed and awk on their own;
// these tables pin them directly.

func TestSQLScript(t *testing.T) {
	for _, tt := range []struct {
		sql  string
		want Class
		why  string // prefix of the reason
	}{
		{"SELECT 1", ReadOnly, "SELECT"},
		{"select count(*) from jobs where status = 'failed'", ReadOnly, "SELECT"},
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
		{"VALUES (1), (2)", ReadOnly, "VALUES"},
		{"TABLE schema_migrations", ReadOnly, "TABLE"},
		{"SHOW work_mem", ReadOnly, "SHOW"},
		{"(SELECT 1) UNION (SELECT 2)", ReadOnly, "SELECT"},
		{"BEGIN READ ONLY; SELECT 1; COMMIT", ReadOnly, "BEGIN"},
		{"SET statement_timeout = '5s'; SELECT 1", ReadOnly, "SET"},
		{"EXPLAIN SELECT * FROM jobs", ReadOnly, "EXPLAIN"},
		{"EXPLAIN UPDATE jobs SET x = 1", ReadOnly, "EXPLAIN"},
		{"EXPLAIN (ANALYZE false) DELETE FROM jobs", ReadOnly, "EXPLAIN"},
		{"EXPLAIN ANALYZE VERBOSE SELECT 1", ReadOnly, "EXPLAIN ANALYZE SELECT"},
		{"EXPLAIN (ANALYZE, BUFFERS) UPDATE jobs SET x = 1", Mutating, "EXPLAIN ANALYZE UPDATE"},
		{"EXPLAIN ANALYSE DELETE FROM jobs", Mutating, "EXPLAIN ANALYZE DELETE"},
		{"COPY jobs TO STDOUT", ReadOnly, "COPY TO STDOUT"},
		{"COPY (SELECT * FROM jobs) TO STDOUT WITH (FORMAT csv)", ReadOnly, "COPY TO STDOUT"},
		{"COPY (DELETE FROM jobs RETURNING *) TO STDOUT", Mutating, "DELETE"},
		{"COPY jobs TO '/tmp/jobs.csv'", Mutating, "COPY TO"},
		{"COPY jobs TO PROGRAM 'gzip > /tmp/x'", Unknown, "COPY TO PROGRAM"},
		{"COPY jobs FROM STDIN", Mutating, "COPY FROM"},
		{"SELECT 1; DROP TABLE x", Mutating, "DROP"},
		{"SELECT 1; UPDATE jobs SET x = 1; DROP TABLE x", Mutating, "UPDATE"},
		{"WITH moved AS (DELETE FROM dlq RETURNING *) INSERT INTO jobs SELECT * FROM moved", Mutating, "DELETE"},
		{"SELECT * FROM jobs FOR NO KEY UPDATE", Mutating, "SELECT … FOR UPDATE"},
		{"SELECT * FROM jobs FOR SHARE", Mutating, "SELECT … FOR SHARE"},
		{"SELECT * INTO backup FROM jobs", Mutating, "SELECT INTO"},
		{"SELECT setval('jobs_id_seq', 1)", Mutating, "setval()"},
		{"SELECT pg_reload_conf()", Mutating, "pg_reload_conf()"},
		{"SELECT pg_advisory_unlock_all()", Mutating, "pg_advisory_unlock_all()"},
		{"SELECT dblink_exec('host=x', 'DELETE FROM t')", Mutating, "dblink_exec()"},
		{"SELECT dblink('host=x', 'SELECT 1')", Unknown, "dblink()"},
		{"SELECT public.requeue_failed()", Unknown, "public.requeue_failed()"},
		{`SELECT "MyFunc"()`, Unknown, "myfunc()"},
		{"INSERT INTO t VALUES (1)", Mutating, "INSERT"},
		{"MERGE INTO t USING s ON true WHEN MATCHED THEN DELETE", Mutating, "MERGE"},
		{"CREATE INDEX CONCURRENTLY i ON jobs (status)", Mutating, "CREATE"},
		{"ANALYZE jobs", Mutating, "ANALYZE"},
		{"CLUSTER jobs", Mutating, "CLUSTER"},
		{"CHECKPOINT", Mutating, "CHECKPOINT"},
		{"REFRESH MATERIALIZED VIEW stats", Mutating, "REFRESH"},
		{"REVOKE ALL ON jobs FROM app", Mutating, "REVOKE"},
		{"LOCK TABLE jobs", Mutating, "LOCK"},
		{"NOTIFY jobs", Mutating, "NOTIFY"},
		{"CALL requeue()", Unknown, "CALL"},
		{"DO $$ BEGIN PERFORM 1; END $$", Unknown, "DO"},
		{"PREPARE q AS SELECT 1", ReadOnly, "SELECT"},
		{"PREPARE q AS DELETE FROM jobs", Mutating, "DELETE"},
		{"EXECUTE q", Unknown, "EXECUTE"},
		{"FROBNICATE", Unknown, "FROBNICATE"},
		{"'text'", Unknown, "'text'"},
		{"SELECT 'unterminated", Unknown, "SQL not understood"},
		{"SELECT /* unterminated", Unknown, "SQL not understood"},
		{"SELECT $x$ unterminated", Unknown, "SQL not understood"},
		{"", ReadOnly, "no statement"},
		{";;", ReadOnly, "no statement"},
		{`\dt`, ReadOnly, `\dt`},
		{`\d+ jobs`, ReadOnly, `\d+`},
		{`\x \\ SELECT 1`, ReadOnly, `\x`},
		{`\l+`, ReadOnly, `\l+`},
		{`\conninfo`, ReadOnly, `\conninfo`},
		{"SELECT 1 \\gx", ReadOnly, "SELECT"},
		{"SELECT 1 \\g /tmp/out", Mutating, `\g`},
		{"SELECT 1 \\g |sh", Unknown, `\g |`},
		{"SELECT 1 \\gexec", Unknown, `\gexec`},
		{`\o /tmp/out`, Mutating, `\o`},
		{`\o`, ReadOnly, `\o`},
		{`\copy jobs to stdout`, ReadOnly, `\copy TO STDOUT`},
		{`\copy (select * from jobs) to '/tmp/jobs.csv' csv`, Mutating, `\copy TO`},
		{`\copy jobs from '/tmp/jobs.csv'`, Mutating, `\copy FROM`},
		{`\i /tmp/fix.sql`, Unknown, `\i`},
		{`\! rm -rf /`, Unknown, `\!`},
		{`\lo_unlink 1234`, Mutating, `\lo_unlink`},
		{`\frobnicate`, Unknown, `\frobnicate`},
	} {
		got, why := sqlScript(tt.sql)
		if got != tt.want || len(why) < len(tt.why) || why[:len(tt.why)] != tt.why {
			t.Errorf("sqlScript(%q) = %v %q, want %v %q…", tt.sql, got, why, tt.want, tt.why)
		}
	}
}

func TestSedScript(t *testing.T) {
	for _, tt := range []struct {
		script string
		want   Class
	}{
		{"s/a/b/g", ReadOnly},
		{"s|/var/log|/tmp|g", ReadOnly},
		{"s/a\\/b/c/2", ReadOnly},
		{"#n\np", ReadOnly},
		{"1,20p", ReadOnly},
		{"/ERROR/,+5p", ReadOnly},
		{"$!N; /^\\(.*\\)\\n\\1$/!P; D", ReadOnly},
		{"/start/,/end/{s/x/y/;p}", ReadOnly},
		{"\\%/tmp%d", ReadOnly},
		{"0~3d", ReadOnly},
		{"y/abc/xyz/", ReadOnly},
		{"1i\\\nheader", ReadOnly},
		{"a appended text", ReadOnly},
		{":a;N;$!ba;s/\\n/ /g", ReadOnly},
		{"r /etc/hostname", ReadOnly},
		{"# comment\np", ReadOnly},
		{"w /tmp/out", Mutating},
		{"/ERROR/w /var/log/errors", Mutating},
		{"s/a/b/w /tmp/changed", Mutating},
		{"s/a/b/gw /dev/stdout", ReadOnly},
		{"W /tmp/first-lines", Mutating},
		{"e date", Unknown},
		{"s/.*/uptime/e", Unknown},
		{"1e", Unknown},
		{"s/a/b", Unknown},
		{"/unterminated", Unknown},
		{"k", Unknown},
		{"5", Unknown},
	} {
		if got, why := sedScript(tt.script); got != tt.want {
			t.Errorf("sedScript(%q) = %v (%s), want %v", tt.script, got, why, tt.want)
		}
	}
}

func TestAwkProgram(t *testing.T) {
	for _, tt := range []struct {
		prog string
		want Class
	}{
		{"{print $1}", ReadOnly},
		{"$9 >= 500", ReadOnly},
		{"$5 > 80 {print $1, $5}", ReadOnly},
		{"{ if ($3 > 1000) print $0 }", ReadOnly},
		{"{print ($1 > $2)}", ReadOnly},
		{"{s += $3} END {print s / NR}", ReadOnly},
		{"{n = $1 / 2; print n}", ReadOnly},
		{"/error|fail/ {c++} END {print c+0}", ReadOnly},
		{"$0 ~ /a\\/b/ {print}", ReadOnly},
		{"{print > \"/dev/stderr\"}", ReadOnly},
		{"{printf \"%s\\n\", $1 > \"/dev/stdout\"}", ReadOnly},
		{"{print \"a > b\"}", ReadOnly},
		{"# print > file\n{print}", ReadOnly},
		{"{a[$1]++} END {for (k in a) print k, a[k]}", ReadOnly},
		{"{ while ((getline line < \"/etc/hosts\") > 0) n++ }", ReadOnly},
		{"{print > \"/tmp/out\"}", Mutating},
		{"{print >> $1 \".log\"}", Mutating},
		{"{printf(\"%s\\n\", $0) > \"out.txt\"}", Mutating},
		{"{print | \"sort\"}", Unknown},
		{"{\"date\" | getline d; print d}", Unknown},
		{"{system(\"rm \" $1)}", Unknown},
		{"BEGIN { cmd = \"id\"; cmd |& getline x }", Unknown},
		{"@load \"filefuncs\"\n{print}", Unknown},
	} {
		if got, why := awkProgram(tt.prog); got != tt.want {
			t.Errorf("awkProgram(%q) = %v (%s), want %v", tt.prog, got, why, tt.want)
		}
	}
}

func TestParseOpts(t *testing.T) {
	w := func(ss ...string) []word {
		out := make([]word, len(ss))
		for i, s := range ss {
			out[i] = word{src: s, val: s}
		}
		return out
	}
	p := parseOpts(w("-fsSo", "/tmp/x", "--max-time=5", "--header", "A: b", "https://x", "--", "-d"), optSpec{short: "AbcCdDeEFHKmoPQrtTuUwxXyYz", long: []string{"header", "max-time", "output"}})
	if o, ok := p.value("-o"); !ok || o.val != "/tmp/x" {
		t.Errorf("-o = %q, %v", o.val, ok)
	}
	if o, ok := p.value("--header"); !ok || o.val != "A: b" {
		t.Errorf("--header = %q, %v", o.val, ok)
	}
	if len(p.pos) != 2 || p.pos[0].val != "https://x" || p.pos[1].val != "-d" {
		t.Errorf("operands = %v", p.pos)
	}
	if p.any("-d") || !p.flag("-s", "-S", "-f") {
		t.Errorf("options = %v", p.opts)
	}
	if !matchOpt("--out", []string{"--output"}) {
		t.Errorf("abbreviation --out should match --output")
	}
	if matchOpt("--o", []string{"--output"}) {
		t.Errorf("one letter is too short an abbreviation")
	}
	g := parseOpts(w("-C", "/opt", "--no-pager", "log", "-1"), optSpec{short: "C", stop: true})
	if len(g.pos) != 2 || g.pos[0].val != "log" {
		t.Errorf("stop at first operand: %v", g.pos)
	}
}

func FuzzSQLScript(f *testing.F) {
	for _, s := range []string{"SELECT 1", "SELECT 'a''b'; DROP TABLE x", "EXPLAIN (ANALYZE) DELETE FROM t",
		"COPY (SELECT 1) TO STDOUT", `\copy t to stdout`, "SELECT $a$x$a$", "/* /* */ */ SELECT E'\\''", `\d+ t \\ \x`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if c, why := sqlScript(s); (c != ReadOnly && c != Mutating && c != Unknown) || why == "" {
			t.Fatalf("sqlScript(%q) = %q %q", s, c, why)
		}
	})
}

func FuzzSedScript(f *testing.F) {
	for _, s := range []string{"s/a/b/g", "1,/x/{p;d}", "\\%a%s%b%c%w /tmp/x", "y/ab/cd/", "a\\\ntext", ":l;N;bl"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if c, _ := sedScript(s); c != ReadOnly && c != Mutating && c != Unknown {
			t.Fatalf("sedScript(%q) = %q", s, c)
		}
	})
}

func FuzzAwkProgram(f *testing.F) {
	for _, s := range []string{"{print $1 > \"/tmp/x\"}", "$3 > 5 {print}", "/a\\/[/]b/ {n++}", "{\"x\" | getline}", "{print (a > b)}"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if c, _ := awkProgram(s); c != ReadOnly && c != Mutating && c != Unknown {
			t.Fatalf("awkProgram(%q) = %q", s, c)
		}
	})
}
