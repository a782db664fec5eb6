package shell_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/quench-sh/quench"
	"github.com/quench-sh/quench/shell"
)

func TestClassifyEach(t *testing.T) {
	script := `set -eu
cd /opt/cleaning
echo "deployed: $(git rev-parse --short HEAD)"
docker compose logs --tail=100 api | grep -i error
if ! curl -fsS https://api.panidobro.com/healthz; then
  docker compose restart api
fi
{ date; uptime; } > /tmp/report.txt
cleanup() { rm -f /tmp/lock; }
psql -c "SELECT 1" <<'SQL'
ignored
SQL`
	got, err := shell.ClassifyEach(script)
	if err != nil {
		t.Fatal(err)
	}
	want := []shell.Command{
		{Text: "set -eu", Line: 1, Col: 1, Class: shell.ReadOnly},
		{Text: "cd /opt/cleaning", Line: 2, Col: 1, Class: shell.ReadOnly},
		{Text: `echo "deployed: $(git rev-parse --short HEAD)"`, Line: 3, Col: 1, Class: shell.ReadOnly},
		{Text: "git rev-parse --short HEAD", Line: 3, Col: 19, Class: shell.ReadOnly},
		{Text: "docker compose logs --tail=100 api", Line: 4, Col: 1, Class: shell.ReadOnly},
		{Text: "grep -i error", Line: 4, Col: 38, Class: shell.ReadOnly},
		{Text: "! curl -fsS https://api.panidobro.com/healthz", Line: 5, Col: 4, Class: shell.ReadOnly},
		{Text: "docker compose restart api", Line: 6, Col: 3, Class: shell.Mutating},
		{Text: "date", Line: 8, Col: 3, Class: shell.ReadOnly},
		{Text: "uptime", Line: 8, Col: 9, Class: shell.ReadOnly},
		{Text: "> /tmp/report.txt", Line: 8, Col: 19, Class: shell.Mutating},
		{Text: "rm -f /tmp/lock", Line: 9, Col: 13, Class: shell.Mutating},
		{Text: `psql -c "SELECT 1" <<'SQL'`, Line: 10, Col: 1, Class: shell.ReadOnly},
	}
	if len(got) != len(want) {
		for _, c := range got {
			t.Logf("%d:%d %q %s: %s", c.Line, c.Col, c.Text, c.Class, c.Reason)
		}
		t.Fatalf("got %d commands, want %d", len(got), len(want))
	}
	for i, w := range want {
		g := got[i]
		if g.Text != w.Text || g.Line != w.Line || g.Col != w.Col || g.Class != w.Class {
			t.Errorf("command %d = %d:%d %q %s, want %d:%d %q %s", i, g.Line, g.Col, g.Text, g.Class, w.Line, w.Col, w.Text, w.Class)
		}
		if g.Reason == "" {
			t.Errorf("command %d %q has no reason", i, g.Text)
		}
	}
}

func TestClassifyParseError(t *testing.T) {
	for _, script := range []string{"echo 'unterminated", "if true; then", "git reset --hard <good_sha>", "a | | b"} {
		class, reason, err := shell.Classify(script)
		if class != shell.Unknown || err == nil || quench.ErrorCode(err) != quench.EINVALID {
			t.Errorf("Classify(%q) = %v, %v; want unknown and an EINVALID error", script, class, err)
		}
		if !strings.HasPrefix(reason, "does not parse: ") || !strings.Contains(reason, "1:") {
			t.Errorf("Classify(%q) reason %q: want the parse error with its position", script, reason)
		}
		if cmds, err := shell.ClassifyEach(script); err == nil || cmds != nil {
			t.Errorf("ClassifyEach(%q) = %v, %v; want an error", script, cmds, err)
		}
	}
}

func TestClassifyTooLarge(t *testing.T) {
	script := strings.Repeat("echo ok\n", shell.MaxScript/8+1)
	class, _, err := shell.Classify(script)
	if class != shell.Unknown || quench.ErrorCode(err) != quench.ETOOLARGE {
		t.Errorf("Classify(%d bytes) = %v, %v; want unknown and ETOOLARGE", len(script), class, err)
	}
}

// TestClassifyReason pins which command a script's reason names: the
// first of the worst class, and never shell plumbing when something else
// runs.
func TestClassifyReason(t *testing.T) {
	for _, tt := range []struct{ script, want string }{
		{"cd /opt/cleaning && git log -1", "git log: reads history"},
		{"set -e\nsleep 1\ndocker compose ps", "docker compose ps: lists services"},
		{"echo start; docker compose restart api; docker compose restart db", "docker compose restart: restarts containers"},
		{"rm -f /tmp/a; eval \"$X\"; rm -f /tmp/b", "eval: runs a dynamic script"},
		{"echo x > /tmp/f", "echo: redirects output to /tmp/f"},
		{"cd /tmp", "cd: changes the shell's directory"},
	} {
		if _, got, _ := shell.Classify(tt.script); got != tt.want {
			t.Errorf("Classify(%q) reason = %q, want %q", tt.script, got, tt.want)
		}
	}
}

// TestClassifySteps classifies realistic multi-line steps kept in
// testdata/steps: NAME.CLASS.sh must classify as CLASS.
func TestClassifySteps(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "steps", "*.sh"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no steps in testdata/steps: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			parts := strings.Split(filepath.Base(f), ".")
			want := shell.Class(parts[len(parts)-2])
			got, reason, err := shell.Classify(string(b))
			if err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Errorf("%s = %v (%s), want %v", f, got, reason, want)
			}
		})
	}
}
