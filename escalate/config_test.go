package escalate_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/quench-sh/quench"
	"github.com/quench-sh/quench/escalate"
	"github.com/quench-sh/quench/markdown"
)

// packRoles are the seven roles of the shipped pack's escalation matrix.
func packRoles(t testing.TB) []quench.Role {
	t.Helper()
	p, err := markdown.LoadPack(filepath.Join("..", "runbooks"))
	if err != nil {
		t.Fatal(err)
	}
	return p.Roles
}

var templates = []string{"ntfy", "gotify", "mattermost", "matrix"}

// TestExampleFile loads the shipped example so it cannot rot, and checks
// it covers the source document's seven roles.
func TestExampleFile(t *testing.T) {
	roles := packRoles(t)
	if len(roles) != 7 {
		t.Fatalf("the pack has %d roles, the source document seven", len(roles))
	}
	cfg, err := escalate.LoadFile(filepath.Join("..", "oncall.example.yaml"), escalate.LoadOptions{Roles: roles, Templates: templates})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"oncall-ops", "backend-lead", "data-db-owner", "infra-owner", "finance-owner", "support-lead", "security-compliance"}
	for i, b := range cfg.Roles {
		if b.Role != want[i] {
			t.Errorf("role %d is %s, want %s (the pack's order)", i, b.Role, want[i])
		}
	}
	if cfg.DefaultRole != "oncall-ops" {
		t.Errorf("default role %q", cfg.DefaultRole)
	}
	sl, _ := cfg.FindRole("support-lead")
	if !sl.NotifyOnly {
		t.Error("the Customer Support Lead is informed, not paged: notify_only")
	}
	r := &escalate.Resolver{Config: cfg}
	for _, tt := range []struct {
		role, at string // at in UTC
		want     string
	}{
		{"oncall-ops", "2026-01-06 10:00", "alice"}, // Tuesday 11:00 Berlin, alice's week
		{"oncall-ops", "2026-01-06 15:00", "bob"},   // 10:00 New York: follow the sun
		{"oncall-ops", "2026-01-10 10:00", "bob"},   // Saturday: the weekend layer, second weekend: bob
		{"oncall-ops", "2026-01-18 10:00", "alice"}, // Sunday of the third weekend: alice
		{"oncall-ops", "2026-01-13 10:00", "bob"},   // bob's week
		{"backend-lead", "2026-07-01 00:00", "chen"},
		{"infra-owner", "2026-07-01 00:00", "erik"},
	} {
		at, _ := time.Parse("2006-01-02 15:04", tt.at)
		people, _, err := r.Role(tt.role, at)
		if err != nil || len(people) != 1 || people[0] != tt.want {
			t.Errorf("%s at %s: %v %v, want %s", tt.role, tt.at, people, err, tt.want)
		}
	}
	if p := cfg.Policies[quench.SeverityCritical]; p.StepDelay != 5*time.Minute || p.Repeat != 2 || p.Urgency != quench.UrgencyHigh {
		t.Errorf("critical policy %+v", p)
	}
	if p := cfg.Policies[quench.SeverityLow]; p.PageAtNight || p.Urgency != quench.UrgencyLow {
		t.Errorf("low policy %+v", p)
	}
}

// TestParseErrors: each mistake is reported with the line it is on (the
// oracle is the line numbers of the documents below, counted by hand).
func TestParseErrors(t *testing.T) {
	roles := []quench.Role{{ID: "ops"}, {ID: "lead"}}
	base := `people:
  - id: alice
    time_zone: Europe/Berlin
    contacts:
      - {name: mail, kind: email, address: alice@example.com}
schedules:
  - id: s
    time_zone: UTC
    layers:
      - {rotation: daily, start: "2026-01-01 09:00", participants: [alice]}
roles:
  ops: {schedule: s}
  lead: {role: ops}
`
	for _, tt := range []struct {
		name, src string
		want      []string
	}{
		{"unknown key", strings.Replace(base, "    time_zone: Europe/Berlin\n", "    time_zone: Europe/Berlin\n    pager: yes\n", 1),
			[]string{"x.yaml:4:", "unknown field \"pager\""}},
		{"bad zone", strings.Replace(base, "Europe/Berlin", "Europe/Atlantis", 1),
			[]string{"x.yaml:3:", `unknown time zone "Europe/Atlantis"`}},
		{"bad address", strings.Replace(base, "alice@example.com", "not an address", 1),
			[]string{"x.yaml:5:", "not an address like"}},
		{"unknown participant", strings.Replace(base, "participants: [alice]", "participants: [alice, mallory]", 1),
			[]string{"x.yaml:10:", `"mallory" is not a person`}},
		{"unknown role", base + "  cto: {people: [alice]}\n",
			[]string{"x.yaml:14:", `role "cto" is not in the pack`}},
		{"unbound role", strings.Replace(base, "  lead: {role: ops}\n", "", 1),
			[]string{"x.yaml:12:", "role lead () of the pack is not bound"}},
		{"two bindings", strings.Replace(base, "lead: {role: ops}", "lead: {role: ops, people: [alice]}", 1),
			[]string{"x.yaml:13:", "exactly one of schedule, people or role"}},
		{"alias loop", strings.Replace(base, "ops: {schedule: s}", "ops: {role: lead}", 1),
			[]string{"x.yaml:", "aliases loop back"}},
		{"bad rotation", strings.Replace(base, "rotation: daily", "rotation: monthly", 1),
			[]string{"x.yaml:10:", `rotation "monthly"`}},
		{"bad start", strings.Replace(base, "2026-01-01 09:00", "tomorrow", 1),
			[]string{"x.yaml:10:", "YYYY-MM-DD HH:MM"}},
		{"rule for a missing contact", strings.Replace(base, "schedules:", "    rules: {high: [{contact: pager}]}\nschedules:", 1),
			[]string{"x.yaml:6:", `contact "pager", which they do not have`}},
		{"bad policy", base + "policies:\n  urgent: {step_delay: 5m}\n  high: {step_delay: 5s}\n",
			[]string{"x.yaml:15:", `policy "urgent"`, "x.yaml:16:", "step_delay 5s"}},
		{"duplicate key", base + "  ops: {schedule: s}\n",
			[]string{"x.yaml:14:", `"ops" already defined`}},
		{"not yaml", "people: [", []string{"x.yaml:1:"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := escalate.Parse("x.yaml", []byte(tt.src), escalate.LoadOptions{Roles: roles})
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
	if _, err := escalate.Parse("x.yaml", []byte(base), escalate.LoadOptions{Roles: roles}); err != nil {
		t.Fatalf("the base document is valid: %v", err)
	}
}

// FuzzParse: any bytes give a config or an error, never a panic.
func FuzzParse(f *testing.F) {
	src, err := os.ReadFile(filepath.Join("..", "oncall.example.yaml"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(src)
	f.Add([]byte("people: [{id: a, time_zone: UTC, contacts: [{kind: sms, address: '+4912345678'}]}]"))
	f.Fuzz(func(t *testing.T, b []byte) {
		cfg, err := escalate.Parse("f.yaml", b, escalate.LoadOptions{})
		if err == nil && cfg == nil {
			t.Fatal("nil config without an error")
		}
	})
}
