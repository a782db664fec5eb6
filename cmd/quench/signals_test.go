package main

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/quench-sh/quench"
	quenchhttp "github.com/quench-sh/quench/http"
	"github.com/quench-sh/quench/sqldb"
)

func TestHeartbeatConfigErrors(t *testing.T) {
	for _, tt := range []struct {
		name, yaml, want string
	}{
		{"bad name", "heartbeats:\n  - name: Backup Job\n    period: 1h\n    grace: 1m\n", `quench.yaml:2: heartbeats[0].name: "Backup Job": want lower-case`},
		{"twice", "heartbeats:\n  - name: b\n    period: 1h\n    grace: 1m\n  - name: b\n    period: 1h\n    grace: 1m\n", `quench.yaml:5: heartbeats[1].name: "b" is configured twice`},
		{"no schedule", "heartbeats:\n  - name: b\n    grace: 1m\n", `quench.yaml:2: heartbeats[0].period: needs a period`},
		{"both", "heartbeats:\n  - name: b\n    period: 1h\n    cron: '@daily'\n    grace: 1m\n", `quench.yaml:4: heartbeats[0].cron: give period or cron, not both`},
		{"bad cron", "heartbeats:\n  - name: b\n    cron: '0 25 * * *'\n    grace: 1m\n", `quench.yaml:3: heartbeats[0].cron: cron "0 25 * * *"`},
		{"bad zone", "heartbeats:\n  - name: b\n    cron: '0 3 * * *'\n    timezone: Mars/Olympus\n    grace: 1m\n", `quench.yaml:4: heartbeats[0].timezone: "Mars/Olympus" is not a time zone`},
		{"zone without cron", "heartbeats:\n  - name: b\n    period: 1h\n    timezone: UTC\n    grace: 1m\n", `quench.yaml:4: heartbeats[0].timezone: is for a cron schedule`},
		{"no grace", "heartbeats:\n  - name: b\n    period: 1h\n", `quench.yaml:2: heartbeats[0].grace: 0s: want at least 1s`},
		{"tiny period", "heartbeats:\n  - name: b\n    period: 10ms\n    grace: 1m\n", `quench.yaml:3: heartbeats[0].period: 10ms: want at least 1s`},
		{"bad severity", "heartbeats:\n  - name: b\n    period: 1h\n    grace: 1m\n    severity: urgent\n", `quench.yaml:5: heartbeats[0].severity: "urgent"`},
		{"unknown key", "heartbeats:\n  - name: b\n    every: 1h\n", `quench.yaml:3: unknown field "every"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "quench.yaml")
			if err := os.WriteFile(path, []byte(tt.yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			cfg, err := LoadConfig(path, func(string) string { return "" })
			if err == nil {
				err = cfg.Validate()
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

// startSignals runs quench serve in-process with cfg's signals, over a
// data directory whose heartbeats were first seen at seen (so they can be
// late already), and returns it with a viewer's token.
func startSignals(t *testing.T, cfg Config, seen time.Time) (*ServeCommand, string) {
	t.Helper()
	dir := t.TempDir()
	cfg.Data, cfg.Listen, cfg.Runbooks = dir, "127.0.0.1:0", "../../runbooks"
	cfg.Env, _ = localPackEnv(t)
	ctx := context.Background()
	db, err := sqldb.Open(ctx, sqldb.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range cfg.Heartbeats {
		if _, err := sqldb.NewHeartbeatService(db).EnsureHeartbeat(ctx, h.Name, "secret-of-"+h.Name, seen); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	s := &ServeCommand{Config: cfg}
	if err := s.Open(ctx); err != nil {
		t.Fatalf("serve: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.Close(ctx); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return s, createToken(t, dir, "viewer", "victor")
}

// waitOpen waits, through the HTTP API, until n incidents are open.
func waitOpen(t *testing.T, base, token string, n int) []*quenchhttp.IncidentView {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		req, _ := http.NewRequest("GET", base+"/api/v1/incidents?status=triggered", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var list quenchhttp.IncidentList
		err = json.NewDecoder(resp.Body).Decode(&list)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if len(list.Incidents) == n {
			return list.Incidents
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d open incidents, want %d", len(list.Incidents), n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestExampleHeartbeatsRouteToTheirRunbooks: the example config's job
// scheduler and backup heartbeats, missed, open incidents on the runbooks
// the source document's index names for "stale job heartbeat" and
// "backup heartbeat > 26 hours old"; a ping resolves them.
func TestExampleHeartbeatsRouteToTheirRunbooks(t *testing.T) {
	example, err := LoadConfig(filepath.Join("..", "..", "quench.example.yaml"), func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"job-scheduler": "job-scheduler-stale", "backup": "backup-stale"}
	if len(example.Heartbeats) != len(want) {
		t.Fatalf("example heartbeats: %+v", example.Heartbeats)
	}
	backup := example.Heartbeats[1]
	if backup.Name != "backup" || backup.Period+backup.Grace != 26*time.Hour {
		t.Errorf("backup heartbeat %+v: want stale past 26 hours", backup)
	}
	cfg := DefaultConfig()
	cfg.Heartbeats = example.Heartbeats
	s, viewer := startSignals(t, cfg, time.Now().Add(-27*time.Hour))
	incs := waitOpen(t, s.Server.URL(), viewer, 2)
	for _, inc := range incs {
		name := inc.Labels["heartbeat"]
		if inc.Runbook == nil || *inc.Runbook != want[name] || inc.Source != quench.SourceHeartbeat {
			t.Errorf("heartbeat %q opened %+v, want runbook %s", name, inc, want[name])
		}
	}
	resp, err := http.Post(s.Server.URL()+"/ping/secret-of-backup", "text/plain", strings.NewReader("backup written"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("ping: %d", resp.StatusCode)
	}
	if left := waitOpen(t, s.Server.URL(), viewer, 1); left[0].Labels["heartbeat"] != "job-scheduler" {
		t.Fatalf("still open after the backup's ping: %+v", left[0])
	}
}

// TestHeartbeatReload: a config rewritten and reread (SIGHUP) adds a
// heartbeat; a broken one changes nothing.
func TestHeartbeatReload(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Heartbeats = []HeartbeatConfig{{Name: "nightly", Period: time.Hour, Grace: time.Minute}}
	s, _ := startSignals(t, cfg, time.Now())
	path := filepath.Join(t.TempDir(), "quench.yaml")
	s.ConfigPath = path
	write := func(text string) {
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	names := func() []string {
		hbs, err := s.Heartbeats.Heartbeats(context.Background(), "")
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, h := range hbs {
			out = append(out, h.Name)
		}
		return out
	}
	write("heartbeats:\n  - name: nightly\n    period: 1h\n    grace: 1m\n  - name: hourly\n    cron: '0 * * * *'\n    timezone: Europe/Madrid\n    grace: 5m\n")
	s.reloadSignals(context.Background())
	if got := strings.Join(names(), ","); got != "hourly,nightly" {
		t.Fatalf("after reload: %s", got)
	}
	write("heartbeats:\n  - name: nightly\n    period: 1h\n")
	s.reloadSignals(context.Background())
	if got := strings.Join(names(), ","); got != "hourly,nightly" {
		t.Fatalf("a broken config changed the heartbeats: %s", got)
	}
}

func TestSuppressionConfigErrors(t *testing.T) {
	for _, tt := range []struct {
		name, yaml, want string
	}{
		{"window without matchers", "maintenance:\n  - name: w\n    cron: '@daily'\n    duration: 1h\n", `quench.yaml:2: maintenance[0].matchers: want matchers`},
		{"window matching everything", "maintenance:\n  - name: w\n    cron: '@daily'\n    duration: 1h\n    matchers: ['alertname=~.*']\n", `maintenance[0].matchers: want matchers`},
		{"window bad cron", "maintenance:\n  - name: w\n    cron: 'daily'\n    duration: 1h\n    matchers: [alertname=X]\n", `quench.yaml:3: maintenance[0].cron: cron "daily"`},
		{"window no duration", "maintenance:\n  - name: w\n    cron: '@daily'\n    matchers: [alertname=X]\n", `quench.yaml:2: maintenance[0].duration: 0s`},
		{"window bad zone", "maintenance:\n  - name: w\n    cron: '@daily'\n    timezone: Nowhere\n    duration: 1h\n    matchers: [alertname=X]\n", `quench.yaml:4: maintenance[0].timezone: "Nowhere"`},
		{"bad matcher", "inhibit_rules:\n  - source_matchers: ['alertname']\n    target_matchers: [a=b]\n", `quench.yaml:2: inhibit_rules[0].source_matchers: matcher "alertname"`},
		{"no target", "inhibit_rules:\n  - source_matchers: [a=b]\n", `quench.yaml:2: inhibit_rules[0].target_matchers: want matchers`},
		{"self dependency", "depends_on:\n  api-down: [api-down]\n", `quench.yaml:2: depends_on.api-down: want a list of other runbooks`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "quench.yaml")
			if err := os.WriteFile(path, []byte(tt.yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			cfg, err := LoadConfig(path, func(string) string { return "" })
			if err == nil {
				err = cfg.Validate()
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

// TestExampleDependenciesFoldSymptoms: with the example config's
// depends_on, "database down" is one incident; the API, job scheduler and
// payment webhook alerts that follow are its symptoms, on its timeline.
func TestExampleDependenciesFoldSymptoms(t *testing.T) {
	example, err := LoadConfig(filepath.Join("..", "..", "quench.example.yaml"), func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	for _, symptom := range []string{"api-down", "job-scheduler-stale", "payment-webhook-failing"} {
		if !slices.Contains(example.DependsOn[symptom], "db-down") {
			t.Errorf("example depends_on: %s does not depend on db-down", symptom)
		}
	}
	cfg := DefaultConfig()
	cfg.DependsOn = example.DependsOn
	s, viewer := startSignals(t, cfg, time.Now())
	ingest := createToken(t, s.Config.Data, "ingest", "am")
	post := func(alertname, summary string) string {
		body := `{"summary":"` + summary + `","severity":"critical","dedup_key":"` + alertname + `","labels":{"alertname":"` + alertname + `"}}`
		req, _ := http.NewRequest("POST", s.Server.URL()+"/ingest/generic", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+ingest)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out struct {
			Results []struct {
				Outcome string `json:"outcome"`
			} `json:"results"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || len(out.Results) != 1 {
			t.Fatalf("ingest %s: %d %v", alertname, resp.StatusCode, err)
		}
		return out.Results[0].Outcome
	}
	if got := post("PostgresDown", "Postgres is down"); got != "opened" {
		t.Fatalf("PostgresDown: %s", got)
	}
	for _, a := range []string{"APIDown", "JobSchedulerStale", "StripeWebhookFailing"} {
		if got := post(a, a+" fired"); got != "suppressed" {
			t.Errorf("%s while the database is down: %s, want suppressed", a, got)
		}
	}
	incs := waitOpen(t, s.Server.URL(), viewer, 1)
	tl, err := s.Server.Incidents.Timeline(context.Background(), incs[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	var symptoms []string
	for _, ev := range tl {
		if ev.Kind == quench.EventSymptom {
			symptoms = append(symptoms, ev.Text)
		}
	}
	if len(symptoms) != 3 {
		t.Fatalf("the database incident shows symptoms %q, want the three others", symptoms)
	}
}
