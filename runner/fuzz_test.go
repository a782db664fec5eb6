package runner

import (
	"context"
	"log/slog"
	"os"
	"strings"
	"testing"

	"github.com/quench-sh/quench"
	"github.com/quench-sh/quench/shell"
)

// FuzzLabelNeverExecutes feeds arbitrary label names and values through
// the runner's environment into a real bash that uses the variable the
// ways runbooks do (quoted, unquoted, in a loop, in a test). Nothing may
// run: no file appears in the marker directory, and the quoted use prints
// the value byte for byte (NUL bytes dropped). "@MARK@" in an input is the
// marker directory, so seeds can aim at it.
//
//	go test -run='^$' -fuzz=FuzzLabelNeverExecutes -fuzztime=20s ./runner
func FuzzLabelNeverExecutes(f *testing.F) {
	for _, seed := range []struct{ name, value string }{
		{"instance", "db-1:5432"},
		{"v", "$(touch @MARK@/subst)"},
		{"v", "`touch @MARK@/backtick`"},
		{"v", "x; touch @MARK@/semicolon; rm -rf ~"},
		{"v", "x\ntouch @MARK@/newline\n"},
		{"v", `'"; touch @MARK@/quotes; echo "'`},
		{"v", "${IFS}touch${IFS}@MARK@/ifs"},
		{"v", "() { :; }; touch @MARK@/shellshock"},
		{"v", "$(</etc/passwd)"},
		{"v", "*"},
		{"x$(touch @MARK@/name)", "v"},
		{"BASH_FUNC_echo%%", "() { touch @MARK@/func; }"},
		{"v", "a\x00b"},
		{"9lives", "-n"},
	} {
		f.Add(seed.name, seed.value)
	}
	mark := f.TempDir()
	work := f.TempDir()
	r := &Runner{Logger: slog.New(slog.DiscardHandler), baseEnv: map[string]string{"MARK_DIR": mark}}
	const script = `printf '%s' "$QUENCH_LABEL_V"
echo $QUENCH_LABEL_V > /dev/null
for w in $QUENCH_LABEL_V; do : "$w"; done
test -n "$QUENCH_LABEL_V" || true
env > /dev/null
`
	f.Fuzz(func(t *testing.T, name, value string) {
		if name == "" || len(name)+len(value) > 64<<10 {
			return
		}
		name = strings.ReplaceAll(name, "@MARK@", mark)
		value = strings.ReplaceAll(value, "@MARK@", mark)
		inc := &quench.Incident{ID: 1, Labels: map[string]string{name: value, "v": value}}
		env := r.envFor(context.Background(), inc).forStep("fuzz")
		for k := range env {
			if !shell.ValidEnvName(k) {
				t.Fatalf("label %q made variable %q", name, k)
			}
		}
		res, err := shell.Local{}.Run(context.Background(), shell.Spec{Script: script, Env: env, Dir: work}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if ents, _ := os.ReadDir(mark); len(ents) > 0 {
			for _, e := range ents {
				os.RemoveAll(mark + "/" + e.Name())
			}
			t.Fatalf("label %q=%q executed: created %s", name, value, ents[0].Name())
		}
		if want := strings.ReplaceAll(value, "\x00", ""); string(res.Output) != want || res.ExitCode != 0 {
			t.Fatalf("label %q=%q: exit %d, output %q, want the value", name, value, res.ExitCode, res.Output)
		}
	})
}
