package shell

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// needTool returns the path of a program a test uses as an oracle; a
// machine without it skips, CI (QUENCH_REQUIRE_INTEGRATION=1) fails.
func needTool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		msg := name + " is not installed; it is the oracle of this test"
		if os.Getenv("QUENCH_REQUIRE_INTEGRATION") == "1" {
			t.Fatal(msg + " (QUENCH_REQUIRE_INTEGRATION=1)")
		}
		t.Skip(msg)
	}
	return p
}

// TestLangHeredocs holds the embedded-language cases the corpus files
// cannot: scripts fed on standard input by a here-document, which psql,
// redis-cli, mysql and sqlite3 read like their -c/-e arguments.
func TestLangHeredocs(t *testing.T) {
	for _, tt := range []struct {
		cmd  string
		want Class
		why  string // a part of the reason
	}{
		{"psql -X <<'SQL'\nSELECT 1;\n\\dt\nSQL", ReadOnly, "psql <<"},
		{"psql -X -v lim=10 <<'SQL'\nSELECT * FROM jobs LIMIT :lim;\nSQL", ReadOnly, "SELECT"},
		{"psql -v who=\"$QUENCH_LABEL_USER\" <<'SQL'\nSELECT * FROM pg_stat_activity WHERE usename = :'who';\nSQL", ReadOnly, "SELECT"},
		{"psql <<'SQL'\nSELECT 1;\nUPDATE jobs SET x = 1;\nSQL", Mutating, "UPDATE"},
		{"psql <<'SQL'\n\\set x `touch /tmp/pwned`\nSELECT 1;\nSQL", Unknown, "backquoted"},
		{"psql -v cmd=\"$QUENCH_LABEL_X\" <<'SQL'\nSELECT :cmd;\nSQL", Unknown, ":cmd"},
		{"psql <<'SQL'\nSELECT * FROM jobs WHERE id = :id;\nSQL", Unknown, ":id"},
		{"psql <<SQL\nSELECT * FROM jobs WHERE id = $QUENCH_LABEL_ID;\nSQL", Unknown, "only known at run time"},
		{"psql <<'SQL'\n\\echo `curl -X DELETE http://api/x`\nSQL", Unknown, "backquoted"},                                  // psql runs the backquoted command while reading \echo
		{"psql <<'SQL'\n\\pset title `rm -rf /tmp/x`\nSELECT 1;\nSQL", Unknown, "backquoted"},                               // \pset's argument is backquote-expanded
		{"psql <<'SQL'\n\\if `test -f /x && rm /x`\n\\endif\nSQL", Unknown, "backquoted"},                                   // \if evaluates its backquoted argument
		{"psql <<'SQL'\nSELECT 1;\n\\! rm -rf /tmp/x\nSQL", Unknown, "\\!"},                                                 // runs a shell command
		{"psql <<'SQL'\nSELECT 'x' \\g |sh\nSQL", Unknown, "\\g |"},                                                         // pipes the result into a shell
		{"psql <<'SQL'\nSELECT 1 \\g /etc/cron.d/x\nSQL", Mutating, "\\g"},                                                  // writes the result into a file
		{"psql <<'SQL'\nSELECT format('DROP TABLE %I', relname) FROM pg_stat_user_tables \\gexec\nSQL", Unknown, "\\gexec"}, // runs every result row as SQL
		{"psql -v cmd='DROP TABLE jobs' <<'SQL'\n:cmd;\nSQL", Mutating, "DROP"},                                             // :cmd pastes DROP TABLE into the script
		{"psql -v q=\"$QUENCH_LABEL_QUERY\" <<'SQL'\nSELECT * FROM jobs WHERE :q;\nSQL", Unknown, ":q"},                     // an alert's text becomes SQL
		{"redis-cli <<'EOF'\nINFO memory\nDBSIZE\nEOF", ReadOnly, "redis-cli << INFO"},
		{"redis-cli <<'EOF'\nINFO\nFLUSHALL\nEOF", Mutating, "FLUSHALL"},
		{"redis-cli <<EOF\nGET $QUENCH_LABEL_K\nEOF", Unknown, "only known at run time"},
		{"redis-cli <<'EOF'\nGET \"unterminated\nEOF", Unknown, "not understood"},
		{"sed -n '/x/{w /tmp/x\n}' f", Mutating, "w: writes"}, // writes matching lines
		{"mysql <<'SQL'\nSHOW PROCESSLIST;\nSQL", ReadOnly, "SHOW"},
		{"mysql -e 'SELECT 1;\nsource /tmp/fix.sql'", Unknown, "client command"},
		{"sqlite3 app.db <<'SQL'\n.headers on\nSELECT count(*)\nFROM jobs;\nSQL", ReadOnly, "sqlite3"},
	} {
		got, why, err := Classify(tt.cmd)
		if got != tt.want || !strings.Contains(why, tt.why) {
			t.Errorf("Classify(%q) = %v %q (%v), want %v …%s…", tt.cmd, got, why, err, tt.want, tt.why)
		}
	}
}
