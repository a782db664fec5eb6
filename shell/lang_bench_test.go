//go:build cgo

package shell

import "testing"

// One benchmark per embedded language, on a typical diagnosis program:
// classifications per second are 1e9 / ns/op.

func BenchmarkLangSQL(b *testing.B) {
	const q = "SELECT pid, usename, state, now() - query_start AS age, left(query, 100) FROM pg_stat_activity WHERE state <> 'idle' AND pid <> pg_backend_pid() ORDER BY age DESC NULLS LAST LIMIT 15"
	for b.Loop() {
		if c, why := sqlText(q); c != ReadOnly {
			b.Fatal(why)
		}
	}
}

func BenchmarkLangPsqlCommand(b *testing.B) {
	const cmd = `psql -X -At -U app -d app -c "SELECT count(*) FROM pg_stat_activity WHERE state = 'idle in transaction'"`
	benchClassify(b, cmd)
}

func BenchmarkLangPsqlScript(b *testing.B) {
	const s = "\\pset format csv\nSELECT relname, n_dead_tup FROM pg_stat_user_tables ORDER BY 2 DESC LIMIT :lim;\n\\dt+\n"
	vars := map[string]psqlValue{"lim": {val: "10", known: true}}
	for b.Loop() {
		if c, why := psqlScript(s, vars); c != ReadOnly {
			b.Fatal(why)
		}
	}
}

func BenchmarkLangRedis(b *testing.B) {
	benchClassify(b, "redis-cli -h redis -p 6379 --no-auth-warning -a \"$REDIS_PASSWORD\" SCAN 0 MATCH 'queue:*' COUNT 1000")
}

func BenchmarkLangSed(b *testing.B) {
	const s = "/ERROR/,+3{s/password=[^ ]*/password=***/g;s/[/]token[/]/x/;p}"
	for b.Loop() {
		if c, why, _ := sedScript(s); c != ReadOnly {
			b.Fatal(why)
		}
	}
}

func BenchmarkLangAwk(b *testing.B) {
	const s = `$9 >= 500 && $7 !~ /healthz/ {c[$9]++; n++} END {for (s in c) printf "%s %d %.1f%%\n", s, c[s], 100*c[s]/n}`
	for b.Loop() {
		if c, why := awkProgram(s); c != ReadOnly {
			b.Fatal(why)
		}
	}
}

func BenchmarkLangJq(b *testing.B) {
	const s = `.[] | select(.Health != "healthy") | {name: .Name, state: .State, since: (.RunningFor // "?")}`
	for b.Loop() {
		if c, why := jqFilter(s, []string{"$ARGS"}); c != ReadOnly {
			b.Fatal(why)
		}
	}
}

func BenchmarkLangMysql(b *testing.B) {
	const s = "SELECT user, host, db, command, time, state FROM information_schema.processlist WHERE command <> 'Sleep' AND time > 30 ORDER BY time DESC"
	for b.Loop() {
		if c, why := mysqlScript(s); c != ReadOnly {
			b.Fatal(why)
		}
	}
}

func benchClassify(b *testing.B, cmd string) {
	b.Helper()
	for b.Loop() {
		if c, why, _ := Classify(cmd); c != ReadOnly {
			b.Fatal(why)
		}
	}
}
