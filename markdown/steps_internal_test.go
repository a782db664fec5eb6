package markdown

import (
	"slices"
	"testing"
	"time"
)

func TestSplitInfo(t *testing.T) {
	for _, tt := range []struct{ info, lang, rest string }{
		{"sh", "sh", ""},
		{"bash {\"confirm\": true}", "bash", `{"confirm": true}`},
		{"sh{\"confirm\":true}", "sh", `{"confirm":true}`},
		{"  shell\t {}  ", "shell", "{}"},
		{"sh --confirm", "sh", "--confirm"},
		{"", "", ""},
	} {
		if lang, rest := splitInfo(tt.info); lang != tt.lang || rest != tt.rest {
			t.Errorf("splitInfo(%q) = %q, %q; want %q, %q", tt.info, lang, rest, tt.lang, tt.rest)
		}
	}
}

func TestParseAttrs(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want stepAttrs
		errs []string
	}{
		{"", stepAttrs{}, nil},
		{"{}", stepAttrs{}, nil},
		{`{"confirm": true, "timeout": "1m30s", "target": "db-host", "name": "restart-db"}`,
			stepAttrs{Confirm: true, Timeout: 90 * time.Second, Target: "db-host", Name: "restart-db"}, nil},
		{`{"confirm": "yes"}`, stepAttrs{}, []string{`step attribute "confirm" must be true or false`}},
		// destructive implies confirm, even against an explicit false.
		{`{"destructive": true}`, stepAttrs{Confirm: true, Destructive: true}, nil},
		{`{"destructive": true, "confirm": false}`, stepAttrs{Confirm: true, Destructive: true}, nil},
		{`{"destructive": 1}`, stepAttrs{}, []string{`step attribute "destructive" must be true or false`}},
		{`{"timeout": 30}`, stepAttrs{}, []string{`step attribute "timeout" must be a duration string such as "30s"`}},
		{`{"timeout": "-5s"}`, stepAttrs{}, []string{`step attribute "timeout" "-5s" must be a positive duration such as "30s"`}},
		{`{"name": "a b"}`, stepAttrs{}, []string{`step attribute "name" "a b" must be a string of lowercase letters, digits and dashes`}},
		{`{"target": 1}`, stepAttrs{}, []string{`step attribute "target" must be a non-empty string naming a configured target`}},
		{`{"confrim": true, "b": 1}`, stepAttrs{}, []string{
			`unknown step attribute "b" (known: confirm, destructive, name, target, timeout)`,
			`unknown step attribute "confrim" (known: confirm, destructive, name, target, timeout)`}},
		{`{"confirm": true} {}`, stepAttrs{}, []string{"step attributes are not a JSON object: invalid character '{' after top-level value"}},
		{`[true]`, stepAttrs{}, []string{`unexpected "[true]" after the language: step attributes are a JSON object such as {"confirm": true}`}},
		{`confirm=true`, stepAttrs{}, []string{`unexpected "confirm=true" after the language: step attributes are a JSON object such as {"confirm": true}`}},
	} {
		got, errs := parseAttrs(tt.in)
		if got != tt.want || !slices.Equal(errs, tt.errs) {
			t.Errorf("parseAttrs(%q) = %+v, %q; want %+v, %q", tt.in, got, errs, tt.want, tt.errs)
		}
	}
}

func TestSlugify(t *testing.T) {
	for in, want := range map[string]string{
		"Likely causes":         "likely-causes",
		"Escalation roles":      "escalation-roles",
		"  Notes & Links (v2) ": "notes-links-v2",
		"":                      "step",
		"***":                   "step",
	} {
		if got := slugify(in); got != want {
			t.Errorf("slugify(%q) = %q, want %q", in, got, want)
		}
	}
}
