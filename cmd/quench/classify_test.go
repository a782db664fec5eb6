package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
)

func TestClassifyCommand(t *testing.T) {
	for _, tt := range []struct {
		args []string
		code int
		out  []string // substrings of standard output
	}{
		{[]string{"classify", "df -h"}, 0, []string{"read-only: df: reports disk usage"}},
		{[]string{"classify", "docker compose restart api"}, 1, []string{"mutating: docker compose restart: restarts containers"}},
		{[]string{"classify", `eval "$QUENCH_LABEL_CMD"`}, 1, []string{"unknown: eval"}},
		{[]string{"classify", "ls |"}, 1, []string{"unknown: does not parse"}},
		{[]string{"classify", "--explain", "cd /opt/app && git log -5\ndocker compose restart api"}, 1, []string{
			"mutating: docker compose restart", "1:1", "cd /opt/app", "1:16", "git log: reads history", "2:1", "docker compose restart api"}},
		{[]string{"classify", `find /tmp "$api_dir"`}, 1, []string{"unknown: find: argument"}},
		{[]string{"classify", "--operator-var", "api_dir", `find /tmp "$api_dir"`}, 0, []string{"read-only: find"}},
	} {
		code, out, errOut := runCmd(t, tt.args...)
		if code != tt.code {
			t.Errorf("quench %q: exit %d, want %d (stderr %q)", tt.args, code, tt.code, errOut)
		}
		for _, want := range tt.out {
			if !strings.Contains(out, want) {
				t.Errorf("quench %q: output %q does not contain %q", tt.args, out, want)
			}
		}
	}
}

func TestClassifyCommandStdinAndJSON(t *testing.T) {
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"classify", "--format", "json", "--explain", "-"},
		strings.NewReader("A=-delete\nfind /tmp $A\n"), &out, &errOut)
	if code != 1 {
		t.Fatalf("exit %d, want 1 (stderr %q)", code, errOut.String())
	}
	var got struct {
		Class    string
		Reason   string
		Commands []struct {
			Line, Col   int
			Text, Class string
		}
	}
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatalf("%v in %s", err, out.String())
	}
	if got.Class != "mutating" || !strings.Contains(got.Reason, "find -delete") || len(got.Commands) != 2 ||
		got.Commands[1].Line != 2 || got.Commands[1].Text != "find /tmp $A" {
		t.Errorf("got %+v", got)
	}
}

func TestClassifyCommandUsage(t *testing.T) {
	for _, args := range [][]string{{"classify"}, {"classify", "a", "b"}, {"classify", "--format", "xml", "ls"}, {"classify", "--nope", "ls"}} {
		if code, _, _ := runCmd(t, args...); code != 2 {
			t.Errorf("quench %q: exit %d, want 2", args, code)
		}
	}
}
