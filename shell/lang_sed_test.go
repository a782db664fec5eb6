package shell

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"
)

func TestSedScript(t *testing.T) {
	for _, tt := range []struct {
		script string
		want   Class
		why    string // the harm, for the cases that are not read-only
	}{
		{"s/a/b/g", ReadOnly, ""},
		{"1,20p", ReadOnly, ""},
		{"s|/var/log|/tmp|g", ReadOnly, ""},
		{"s/a\\/b/c/2", ReadOnly, ""},
		{"s/a/b/gI2", ReadOnly, ""},
		{"#n\np", ReadOnly, ""},
		{"/ERROR/,+5p", ReadOnly, ""},
		{"/a/I,/b/Mp", ReadOnly, ""},
		{"2,~4p", ReadOnly, ""},
		{"$!N; /^\\(.*\\)\\n\\1$/!P; D", ReadOnly, ""},
		{"/start/,/end/{s/x/y/;p}", ReadOnly, ""},
		{"/start/,/end/ {\n  s/x/y/\n  p\n}", ReadOnly, ""},
		{"\\%/tmp%d", ReadOnly, ""},
		{"\\,[,],p", ReadOnly, ""},
		{"0~3d", ReadOnly, ""},
		{"y/abc/xyz/", ReadOnly, ""},
		{"y/[/]/", ReadOnly, ""},
		{"1i\\\nheader", ReadOnly, ""},
		{"a appended text; w /tmp/x", ReadOnly, ""}, // GNU one-line a: the rest of the line is text
		{"1a\\\nhello\\\nw /tmp/x", ReadOnly, ""},   // continued text, not a w command
		{":a;N;$!ba;s/\\n/ /g", ReadOnly, ""},
		{":x p", ReadOnly, ""},
		{"bx p;:x", ReadOnly, ""},
		{"r /etc/hostname", ReadOnly, ""},
		{"# comment\np", ReadOnly, ""},
		{"s/[/]/x/", ReadOnly, ""},
		{"s/[^/]*$//", ReadOnly, ""},
		{"s/[]/]/x/", ReadOnly, ""},
		{"s/[[:space:]/]*//", ReadOnly, ""},
		{"s/a/b/w /dev/stdout", ReadOnly, ""},
		{"w /dev/stderr", ReadOnly, ""},
		{"l 5;q5", ReadOnly, ""},
		{"F;z;=", ReadOnly, ""},
		{"s/a/b/ # c", ReadOnly, ""},

		{"w /tmp/out", Mutating, "w: writes"},
		{"/ERROR/w /var/log/errors", Mutating, "writes"},
		{"s/a/b/w /tmp/changed", Mutating, "s///w"},
		{"s/[/]/x/w /tmp/pwned", Mutating, "s///w"},      // the bracket hides the first /
		{"s/[[:alpha:]/]/x/w /tmp/p", Mutating, "s///w"}, // a class inside the bracket
		{"s/a/b/w /dev/stdout ; p", Mutating, "s///w"},   // the file name is the rest of the line
		{"s/a/b/gw /tmp/x", Mutating, "s///w"},
		{"s/a/b/2pw /tmp/x", Mutating, "s///w"},
		{"W /tmp/first-lines", Mutating, "W: writes"},
		{"1{w /tmp/x\n}", Mutating, "writes"},
		{"e date", Unknown, "e: runs"},
		{"1e", Unknown, "e: runs"},
		{"s/.*/uptime/e", Unknown, "s///e"},
		{"s/x/y/ge", Unknown, "s///e"},
		{"s|x|y|e", Unknown, "s///e"},
		{"s/a\\/b/c/e", Unknown, "s///e"},
		{"s/a/b", Unknown, "not understood"},
		{"s/a[/b/x/", Unknown, "not understood"},
		{"/unterminated", Unknown, "not understood"},
		{"k", Unknown, "not recognised"},
		{"5", Unknown, "not understood"},
		{"p x", Unknown, "extra characters"},
		{"{p", Unknown, "unmatched"},
		{"}", Unknown, "unexpected"},
	} {
		got, why, _ := sedScript(tt.script)
		if got != tt.want || !strings.Contains(why, tt.why) {
			t.Errorf("sedScript(%q) = %v %q, want %v …%s…", tt.script, got, why, tt.want, tt.why)
		}
	}
}

// TestSedOracle checks the grammar against GNU sed itself: sed --sandbox
// refuses to compile a script with e, r, w or W (s///e and s///w
// included). A script read here as read-only must compile there, or
// contain an r command.
func TestSedOracle(t *testing.T) {
	sed := needTool(t, "sed")
	for _, s := range sedOracleSeeds {
		checkSedOracle(t, sed, s)
	}
}

var sedOracleSeeds = []string{"s/a/b/g", "1,/x/{p;d}", "\\%a%s%b%c%w /tmp/x", "y/ab/cd/", "a\\\ntext",
	":l;N;bl", "s/[/]/x/w /tmp/x", "s/[\\]/]/x/w f", "s/[[:alpha:]/]/x/w f", "s/[[.].]/]/x/w f",
	"s/[]/]/x/w f", "/x/,+3{p;s|a|b|2e\n}", "1~2y/abc/xyz/;$!N", "$ a\\\nw f", "s/a/b/;w f", "r f",
	"s/a/b/ ; w f", "1!G;h;$!d", "s/x/y/I;s/x/y/M;s/x/y/m", "/[/]/w f", "\\,[,],w f", "s/a/\\\nb/w f"}

func checkSedOracle(t *testing.T, sed, script string) {
	t.Helper()
	class, _, reads := sedScript(script)
	if class != ReadOnly {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, sed, "--sandbox", "--posix", "-n", "-e", script, "/dev/null")
	cmd.Dir = t.TempDir()
	out, err := cmd.CombinedOutput()
	if err != nil && strings.Contains(string(out), "sandbox") && !reads {
		t.Errorf("sedScript(%q) = read-only, but GNU sed --sandbox finds e, w or W in it: %s", script, out)
	}
}

func FuzzSedScript(f *testing.F) {
	for _, s := range sedOracleSeeds {
		f.Add(s)
	}
	sed, err := exec.LookPath("sed")
	f.Fuzz(func(t *testing.T, s string) {
		c, why, _ := sedScript(s)
		if c != ReadOnly && c != Mutating && c != Unknown || c != ReadOnly && why == "" {
			t.Fatalf("sedScript(%q) = %q %q", s, c, why)
		}
		if err == nil && !strings.ContainsRune(s, 0) {
			checkSedOracle(t, sed, s)
		}
	})
}
