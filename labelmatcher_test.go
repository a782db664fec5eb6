package quench_test

import (
	"strings"
	"testing"

	"github.com/quench-sh/quench"
)

func TestLabelMatcher(t *testing.T) {
	labels := map[string]string{"alertname": "PostgresDown", "instance": "db:5432", "job": "postgres"}
	for _, tt := range []struct {
		in    string
		match bool
		err   string
	}{
		{"alertname=PostgresDown", true, ""},
		{`alertname="PostgresDown"`, true, ""},
		{"alertname = PostgresDown", true, ""},
		{"alertname!=PostgresDown", false, ""},
		{`instance=~"db:.*"`, true, ""},
		{`instance=~db`, false, ""}, // anchored
		{`instance!~"replica.*"`, true, ""},
		{"severity=", true, ""}, // a missing label is empty
		{"severity!=", false, ""},
		{`summary="a \"quoted\" value"`, false, ""},
		{"=x", false, "want NAME=VALUE"},
		{"alertname", false, "want NAME=VALUE"},
		{"alert-name=x", false, "label name"},
		{"1st=x", false, "label name"},
		{`x=~"("`, false, "bad regular expression"},
		{`x="unterminated`, false, "quoted value"},
		{strings.Repeat("a", 2000) + "=b", false, "longer than"},
	} {
		m, err := quench.ParseLabelMatcher(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) || quench.ErrorCode(err) != quench.EINVALID {
				t.Errorf("ParseLabelMatcher(%q) = %v, want an error saying %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseLabelMatcher(%q): %v", tt.in, err)
			continue
		}
		if got := m.Matches(labels); got != tt.match {
			t.Errorf("%q matches %v = %v, want %v", tt.in, labels, got, tt.match)
		}
		back, err := quench.ParseLabelMatcher(m.String())
		if err != nil || back.String() != m.String() || back.Matches(labels) != tt.match {
			t.Errorf("%q written as %q does not read back the same: %v", tt.in, m.String(), err)
		}
	}
}

func TestMatchesEverything(t *testing.T) {
	for _, tt := range []struct {
		in   []string
		want bool
	}{
		{[]string{"alertname=~.*"}, true},
		{[]string{"alertname!=x"}, true},
		{[]string{"alertname!=x", "instance=db"}, false},
		{[]string{"alertname=~.+"}, false},
	} {
		ms, err := quench.ParseLabelMatchers(tt.in)
		if err != nil {
			t.Fatal(err)
		}
		if got := quench.MatchesEverything(ms); got != tt.want {
			t.Errorf("MatchesEverything(%v) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

// FuzzParseLabelMatcher: any text parses or is EINVALID, never a panic;
// what parses is written back as text that parses to the same matcher.
func FuzzParseLabelMatcher(f *testing.F) {
	for _, s := range []string{"alertname=PostgresDown", `instance=~"db:.*"`, "a!~b", `x="\u00e9\n"`, "a==b", "a=~(", "=", "a!b", `a="`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := quench.ParseLabelMatcher(s)
		if err != nil {
			if quench.ErrorCode(err) != quench.EINVALID {
				t.Fatalf("%q: error %v is not EINVALID", s, err)
			}
			return
		}
		back, err := quench.ParseLabelMatcher(m.String())
		if err != nil {
			t.Fatalf("%q written as %q does not parse: %v", s, m.String(), err)
		}
		if back.Name != m.Name || back.Op != m.Op || back.Value != m.Value {
			t.Fatalf("%q: %+v read back as %+v", s, m, back)
		}
		l := map[string]string{m.Name: m.Value}
		if back.Matches(l) != m.Matches(l) {
			t.Fatalf("%q: the matcher read back matches differently", s)
		}
	})
}
