package suppress

import (
	"testing"
	"time"

	"github.com/quench-sh/quench"
)

func TestWindowActiveAt(t *testing.T) {
	madrid, err := time.LoadLocation("Europe/Madrid")
	if err != nil {
		t.Skip("no time zone database:", err)
	}
	// Sundays 02:00 Madrid (01:00 UTC in winter), for an hour.
	w, err := NewWindow("vacuum", "0 2 * * sun", madrid, time.Hour, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		at   string
		open bool
		end  string
	}{
		{"2026-11-29T00:59:59Z", false, ""},
		{"2026-11-29T01:00:00Z", true, "2026-11-29T02:00:00Z"},
		{"2026-11-29T01:59:59Z", true, "2026-11-29T02:00:00Z"},
		{"2026-11-29T02:00:00Z", false, ""},
		{"2026-11-30T01:30:00Z", false, ""}, // a Monday
	} {
		at, _ := time.Parse(time.RFC3339, tt.at)
		end, ok := w.ActiveAt(at)
		if ok != tt.open {
			t.Errorf("at %s: open %v, want %v", tt.at, ok, tt.open)
			continue
		}
		if ok && end.UTC().Format(time.RFC3339) != tt.end {
			t.Errorf("at %s: closes %s, want %s", tt.at, end.UTC().Format(time.RFC3339), tt.end)
		}
	}
}

func TestDependsOnAndLabels(t *testing.T) {
	rules := DependsOn(map[string][]string{"api-down": {"db-down", "redis-down"}})
	if len(rules) != 2 {
		t.Fatalf("rules: %+v", rules)
	}
	db := &quench.Incident{Source: "alertmanager", RunbookID: "db-down", Severity: quench.SeverityCritical, Labels: map[string]string{"alertname": "PostgresDown"}}
	api := &quench.Alert{Source: quench.SourceCheck, Check: "api-healthz", Severity: quench.SeverityCritical, Labels: map[string]string{}}
	al := alertLabels(api, func(*quench.Alert) string { return "api-down" })
	if al["runbook"] != "api-down" || al["check"] != "api-healthz" || al["source"] != "check" {
		t.Fatalf("alert labels %v", al)
	}
	if !quench.MatchAll(rules[0].Source, incidentLabels(db)) || !quench.MatchAll(rules[0].Target, al) {
		t.Fatalf("db-down does not inhibit api-down: %+v", rules[0])
	}
	// A check's depends_on: the failing database check's incident holds
	// back the API check that needs it, and nothing else.
	checkRules := CheckDependsOn(map[string][]string{"api": {"postgres"}})
	if len(checkRules) != 1 || checkRules[0].Name != "check api depends on postgres" {
		t.Fatalf("check rules: %+v", checkRules)
	}
	pg := &quench.Incident{Source: quench.SourceCheck, Labels: map[string]string{"check": "postgres"}}
	apiCheck := alertLabels(&quench.Alert{Source: quench.SourceCheck, Check: "api", Labels: map[string]string{"check": "api"}}, nil)
	if !quench.MatchAll(checkRules[0].Source, incidentLabels(pg)) || !quench.MatchAll(checkRules[0].Target, apiCheck) {
		t.Fatalf("postgres does not inhibit api: %+v", checkRules[0])
	}
	for _, other := range []*quench.Incident{
		{Source: quench.SourceCheck, Labels: map[string]string{"check": "redis"}},
		{Source: "alertmanager", Labels: map[string]string{"check": "postgres"}}, // a label, not the check
	} {
		if quench.MatchAll(checkRules[0].Source, incidentLabels(other)) {
			t.Errorf("%+v inhibits api", other)
		}
	}
	if quench.MatchAll(checkRules[0].Target, alertLabels(&quench.Alert{Source: quench.SourceCheck, Check: "worker", Labels: map[string]string{"check": "worker"}}, nil)) {
		t.Error("the rule holds back a check that does not depend on postgres")
	}
	// An alert's own label wins over what quench adds.
	own := alertLabels(&quench.Alert{Source: "generic", Labels: map[string]string{"source": "stripe"}}, nil)
	if own["source"] != "stripe" {
		t.Fatalf("own label replaced: %v", own)
	}
	if !equalOn([]string{"instance"}, map[string]string{}, map[string]string{}) || equalOn([]string{"instance"}, map[string]string{"instance": "a"}, map[string]string{}) {
		t.Fatal("equalOn")
	}
}
