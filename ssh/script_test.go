package ssh

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/quench-sh/quench/shell"
	"mvdan.cc/sh/v3/expand"
	"mvdan.cc/sh/v3/syntax"
)

// unquote parses word as bash would and returns its value, failing when it
// is not a single word made only of quoted text (nothing that expands).
func unquote(t testing.TB, word string) string {
	t.Helper()
	f, err := syntax.NewParser().Parse(strings.NewReader("x="+word), "")
	if err != nil {
		t.Fatalf("parse %q: %v", word, err)
	}
	if len(f.Stmts) != 1 {
		t.Fatalf("%q parses as %d statements", word, len(f.Stmts))
	}
	call, ok := f.Stmts[0].Cmd.(*syntax.CallExpr)
	if !ok || len(call.Assigns) != 1 || len(call.Args) != 0 || call.Assigns[0].Value == nil {
		t.Fatalf("%q is not one assignment", word)
	}
	w := call.Assigns[0].Value
	for _, part := range w.Parts {
		switch part.(type) {
		case *syntax.SglQuoted, *syntax.Lit:
		default:
			t.Fatalf("%q holds %T, which expands", word, part)
		}
	}
	fields, err := expand.Fields(nil, w)
	if err != nil || len(fields) != 1 {
		t.Fatalf("expand %q: %q, %v", word, fields, err)
	}
	return fields[0]
}

func TestQuote(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"", "''"},
		{"plain", "'plain'"},
		{"it's", `'it'\''s'`},
		{"'", `''\'''`},
		{"$(touch /tmp/x)", "'$(touch /tmp/x)'"},
		{"`id`", "'`id`'"},
		{"a\nb", "'a\nb'"},
		{`back\slash "dq"`, `'back\slash "dq"'`},
	} {
		if got := Quote(tt.in); got != tt.want {
			t.Errorf("Quote(%q) = %s, want %s", tt.in, got, tt.want)
		}
		if got := unquote(t, Quote(tt.in)); got != tt.in {
			t.Errorf("bash reads Quote(%q) back as %q", tt.in, got)
		}
	}
}

// Values come from alerts: whatever they hold, the quoted word parses as
// literal text equal to the value.
func FuzzQuote(f *testing.F) {
	for _, s := range []string{"", "'", `'\''`, "$(id)", "`id`", "a\nb", "${x:-y}", "\\", "\xff", "!!", "'$'\\n''"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if strings.IndexByte(s, 0) >= 0 || !utf8.ValidString(s) {
			// A Spec never carries NUL; the parser takes only UTF-8 (bash
			// takes any byte: TestRunEnvArrivesAsData sends some).
			return
		}
		if got := unquote(t, Quote(s)); got != s {
			t.Fatalf("Quote(%q) reads back as %q", s, got)
		}
	})
}

func TestPayload(t *testing.T) {
	spec := shell.Spec{
		Script: "echo \"$B\"",
		Env:    map[string]string{"B": "it's $(x)", "A": "1"},
		Dir:    "/var/lib/my app",
	}
	body := "export A='1'\nexport B='it'\\''s $(x)'\ncd -- '/var/lib/my app' || exit 1\necho \"$B\""
	want := strconv.Itoa(len(body)) + "\n" + body
	if got := string(payload(spec, "")); got != want {
		t.Errorf("payload = %q, want %q", got, want)
	}
}

func TestWrapperHasNoSingleQuote(t *testing.T) {
	if strings.Contains(wrapper, "'") {
		t.Fatal("the wrapper holds a single quote but is sent single-quoted")
	}
	cmd := remoteCommand(1500 * time.Millisecond)
	if !strings.Contains(cmd, `-lt 15 ]`) {
		t.Errorf("grace not filled in: %s", cmd)
	}
	if _, err := syntax.NewParser().Parse(strings.NewReader(cmd), ""); err != nil {
		t.Errorf("remote command does not parse: %v", err)
	}
	if _, err := syntax.NewParser().Parse(strings.NewReader(wrapper), ""); err != nil {
		t.Errorf("wrapper does not parse: %v", err)
	}
}

// A payload cut short, as when the connection dies while it is sent, runs
// nothing: the part that arrived could be a different command.
func TestWrapperRunsNothingCutShort(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash not installed")
	}
	marker := filepath.Join(t.TempDir(), "ran")
	full := string(payload(shell.Spec{Script: "touch " + marker + "; rm -rf " + filepath.Join(t.TempDir(), "x")}, ""))
	for _, cut := range []int{1, 3, len(full) / 2, len(full) - 1} {
		cmd := exec.Command(bash, "-c", strings.ReplaceAll(wrapper, "GRACE", "1"))
		cmd.Stdin = strings.NewReader(full[:cut])
		out, err := cmd.CombinedOutput()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 125 {
			t.Errorf("payload cut at %d: err %v, output %q; want exit 125", cut, err, out)
		}
		if _, err := os.Stat(marker); err == nil {
			t.Fatalf("payload cut at %d ran", cut)
		}
	}
}
