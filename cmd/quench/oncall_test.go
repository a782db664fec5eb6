package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestOnCallLint(t *testing.T) {
	runbooks := filepath.Join("..", "..", "runbooks")
	example := filepath.Join("..", "..", "oncall.example.yaml")
	code, out, _ := runCmd(t, "oncall", "lint", "--runbooks", runbooks, example)
	if code != 0 || !strings.Contains(out, "ok: 8 people, 2 schedules, 7 roles bound") {
		t.Fatalf("lint of the example: exit %d, %q", code, out)
	}
	src, err := os.ReadFile(example)
	if err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(t.TempDir(), "oncall.yaml")
	broken := strings.Replace(string(src), "time_zone: Pacific/Chatham", "time_zone: Pacific/Nowhere", 1)
	if err := os.WriteFile(bad, []byte(broken), 0o600); err != nil {
		t.Fatal(err)
	}
	line := 1 + strings.Count(broken[:strings.Index(broken, "Pacific/Nowhere")], "\n")
	code, out, _ = runCmd(t, "oncall", "lint", "--runbooks", runbooks, bad)
	want := bad + ":" + strconv.Itoa(line) + `: person chen: unknown time zone "Pacific/Nowhere"`
	if code != 1 || !strings.Contains(out, want) {
		t.Fatalf("exit %d, output %q; want it to contain %q", code, out, want)
	}
}
