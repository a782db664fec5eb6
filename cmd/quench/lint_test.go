package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runCmd runs the quench command line and returns its exit code and output.
func runCmd(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(context.Background(), args, strings.NewReader(""), &out, &errOut)
	return code, out.String(), errOut.String()
}

// cleanPack copies the markdown package's lint-clean pack into a temporary
// directory the test may change.
func cleanPack(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	from := filepath.Join("..", "..", "markdown", "testdata", "clean")
	err := filepath.WalkDir(from, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(from, path)
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(rel)), 0o755); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// edit replaces old with new in a file of dir.
func edit(t *testing.T, dir, name, old, new string) {
	t.Helper()
	path := filepath.Join(dir, name)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(old)) {
		t.Fatalf("%s does not contain %q", name, old)
	}
	if err := os.WriteFile(path, bytes.Replace(b, []byte(old), []byte(new), 1), 0o644); err != nil {
		t.Fatal(err)
	}
}

// brokenPack is the clean pack with two problems in two files.
func brokenPack(t *testing.T) string {
	dir := cleanPack(t)
	edit(t, dir, "db-down.md", "severity: critical", "severity: urgent")
	edit(t, dir, "api-down.md", "escalation: [oncall-ops, backend-lead]", "escalation: [oncall-ops, dba]")
	return dir
}

func TestLintClean(t *testing.T) {
	dir := cleanPack(t)
	code, stdout, stderr := runCmd(t, "lint", dir)
	if code != 0 || stdout != "" || stderr != "" {
		t.Errorf("lint clean pack: exit %d, stdout %q, stderr %q; want 0 and no output", code, stdout, stderr)
	}
	code, stdout, _ = runCmd(t, "lint", "--format", "json", dir)
	if code != 0 || stdout != "[]\n" {
		t.Errorf("lint --format json clean pack: exit %d, stdout %q; want 0 and []", code, stdout)
	}
}

func TestLintProblems(t *testing.T) {
	dir := brokenPack(t)
	code, stdout, stderr := runCmd(t, "lint", dir)
	want := dir + "/api-down.md:10: escalation role \"dba\" is not defined in pack.yaml\n" +
		dir + "/db-down.md:5: severity \"urgent\" is not one of critical, high, medium, low\n"
	if code != 1 || stdout != want {
		t.Errorf("lint: exit %d, stdout:\n%s\nwant exit 1, stdout:\n%s", code, stdout, want)
	}
	if stderr != "quench lint: 2 problems\n" {
		t.Errorf("stderr = %q", stderr)
	}
}

func TestLintJSON(t *testing.T) {
	dir := brokenPack(t)
	code, stdout, _ := runCmd(t, "lint", "--format=json", dir)
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	var got []map[string]any
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, stdout)
	}
	want := []map[string]any{
		{"path": dir + "/api-down.md", "line": 10.0, "message": `escalation role "dba" is not defined in pack.yaml`, "rule": "escalation"},
		{"path": dir + "/db-down.md", "line": 5.0, "message": `severity "urgent" is not one of critical, high, medium, low`, "rule": "severity"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		for k, v := range want[i] {
			if got[i][k] != v {
				t.Errorf("problem %d %s = %v, want %v", i, k, got[i][k], v)
			}
		}
		if len(got[i]) != len(want[i]) {
			t.Errorf("problem %d has keys %v, want exactly path, line, message, rule", i, got[i])
		}
	}
}

func TestLintUsageErrors(t *testing.T) {
	dir := cleanPack(t)
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"lint", "--format", "xml", dir}, `quench lint: --format must be text or json, not "xml"`},
		{[]string{"lint", dir, dir}, "quench lint: accepts at most 1 arg(s), received 2"},
		{[]string{"lint", "--nope"}, "quench lint: unknown flag: --nope"},
		{[]string{"lint", filepath.Join(dir, "missing")}, "quench lint: runbook directory " + filepath.Join(dir, "missing") + " does not exist"},
		{[]string{"index", "--check=maybe", dir}, `quench index: invalid argument "maybe" for "--check" flag`},
		{[]string{"index", dir, dir}, "quench index: accepts at most 1 arg(s), received 2"},
		{[]string{"show"}, "quench show: accepts 1 arg(s), received 0"},
		{[]string{"show", "db-down", "--runbooks", filepath.Join(dir, "missing")}, "quench show: runbook directory " + filepath.Join(dir, "missing") + " does not exist"},
	} {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, stdout, stderr := runCmd(t, tt.args...)
			if code != 2 || stdout != "" || !strings.HasPrefix(stderr, tt.want) {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit 2 and stderr starting %q", code, stdout, stderr, tt.want)
			}
		})
	}
}

func TestRunbookCommandsHelp(t *testing.T) {
	for _, name := range []string{"lint", "index", "show"} {
		code, stdout, _ := runCmd(t, name, "--help")
		if code != 0 || !strings.Contains(stdout, "Usage:") || !strings.Contains(stdout, "Examples:") {
			t.Errorf("%s --help: exit %d, output:\n%s", name, code, stdout)
		}
	}
}
