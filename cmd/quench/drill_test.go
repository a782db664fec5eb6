package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/quench-sh/quench"
	quenchhttp "github.com/quench-sh/quench/http"
	"github.com/quench-sh/quench/internal/throwaway"
	"github.com/quench-sh/quench/markdown"
)

// TestDrillEveryShippedRunbook drills every runbook of the shipped pack
// through a real server against the throwaway stack (a PostgreSQL and a
// Redis of the test's own, a stub API, a git checkout and a docker
// stand-in: internal/throwaway), and checks each report: every diagnosis
// step ran, succeeded and printed something, the incident is marked as a
// drill, resolved and left out of the statistics, and /metrics has the
// drill's gauges. Then, with Redis stopped, the Redis runbook's drill
// names the steps that drifted.
func TestDrillEveryShippedRunbook(t *testing.T) {
	st := throwaway.StartStack(t)
	pack, err := markdown.LoadPack("../../runbooks")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cfg := DefaultConfig()
	cfg.Data, cfg.Listen, cfg.Runbooks = dir, "127.0.0.1:0", "../../runbooks"
	cfg.Env = st.Env()
	cfg.Diagnosis.Timeout = time.Minute // a loaded CI machine is slow, not broken
	s := &ServeCommand{Config: cfg}
	if err := s.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := s.Close(ctx); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	t.Setenv("QUENCH_URL", s.Server.URL())
	t.Setenv("QUENCH_TOKEN", createToken(t, dir, "responder", "ci"))

	code, out, errOut := runCmd(t, "drill", "--all", "--json")
	var got struct{ Drills []*quench.Drill }
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("drill --all --json: exit %d, %v\n%s%s", code, err, out, errOut)
	}
	if len(got.Drills) != len(pack.Runbooks) {
		t.Fatalf("drilled %d runbooks, want %d", len(got.Drills), len(pack.Runbooks))
	}
	c := &quenchhttp.Client{URL: s.Server.URL(), Token: createToken(t, dir, "viewer", "ci-viewer")}
	for _, d := range got.Drills {
		rb, err := pack.Runbook(d.RunbookID)
		if err != nil {
			t.Fatal(err)
		}
		want := len(pack.FirstSteps) + len(rb.StepsIn(quench.SectionDiagnosis))
		if d.Status != quench.DrillDone || d.Verdict != quench.VerdictWorks || d.FailedSteps != 0 || len(d.Steps) != want {
			t.Errorf("drill of %s: %s %s, %d of %d steps failed, want it to work here:\n%s", d.RunbookID, d.Status, d.Verdict, d.FailedSteps, len(d.Steps), report(d))
		}
		for _, step := range d.Steps {
			// Durations are kept to the millisecond: a fast step may take 0.
			if step.Outcome == quench.DrillStepOK && (step.ExitCode != 0 || step.OutputBytes == 0 || step.Duration < 0) {
				t.Errorf("drill of %s, step %s: ok with exit %d, %d bytes, %s", d.RunbookID, step.Name, step.ExitCode, step.OutputBytes, step.Duration)
			}
		}
		if d.AlertToDiagnosis <= 0 || d.StartedAt == nil || d.FinishedAt == nil || d.Actor != "ci" || d.Scheduled {
			t.Errorf("drill of %s: alert to diagnosis %s, started %v, finished %v, actor %q", d.RunbookID, d.AlertToDiagnosis, d.StartedAt, d.FinishedAt, d.Actor)
		}
		inc, err := c.FindIncident(context.Background(), d.IncidentID)
		if err != nil {
			t.Fatal(err)
		}
		if !inc.Drill || inc.Source != quench.SourceDrill || inc.Status != quench.StatusResolved || inc.Runbook == nil || *inc.Runbook != d.RunbookID ||
			inc.Labels[quench.LabelDrillBy] != "ci" {
			t.Errorf("drill of %s: incident %+v, want a resolved drill incident of the runbook", d.RunbookID, inc)
		}
	}
	if code != 0 {
		t.Errorf("drill --all: exit %d, want 0 when every runbook works\n%s", code, errOut)
	}

	// Drill incidents are out of the statistics; the drills are in.
	metrics := scrape(t, s.Server.URL(), createToken(t, dir, "viewer", "prometheus"))
	for _, want := range []string{`quench_incidents{status="resolved"} 0`, `quench_drill_failed_steps{runbook="db-down"} 0`, `quench_drill_works{runbook="redis-down"} 1`} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	code, out, _ = runCmd(t, "incidents")
	if code != 0 || !strings.Contains(out, "[DRILL] Drill #") {
		t.Errorf("incidents: exit %d, drill incidents not marked:\n%s", code, out)
	}

	// The same drill with Redis stopped: the report names what drifted.
	st.Stop(t, "redis")
	code, out, _ = runCmd(t, "drill", "redis-down")
	if code != 1 || !strings.Contains(out, "DRIFTED") || !strings.Contains(out, "redis-ping (failed)") || !strings.Contains(out, `service "redis" is not running`) {
		t.Errorf("drill of redis-down with Redis stopped: exit %d\n%s", code, out)
	}
	metrics = scrape(t, s.Server.URL(), createToken(t, dir, "viewer", "prometheus-2"))
	if !strings.Contains(metrics, `quench_drill_works{runbook="redis-down"} 0`) || strings.Contains(metrics, `quench_drill_failed_steps{runbook="redis-down"} 0`) {
		t.Errorf("/metrics does not show redis-down's drift:\n%s", grepLines(metrics, "quench_drill"))
	}
	code, out, _ = runCmd(t, "drills", "--runbook", "redis-down")
	if code != 0 || !strings.Contains(out, "drifted") || !strings.Contains(out, "works") {
		t.Errorf("drills --runbook redis-down: exit %d\n%s", code, out)
	}
}

// report is a drill's report as `quench drill` prints it.
func report(d *quench.Drill) string {
	var sb strings.Builder
	printDrill(&sb, d)
	return sb.String()
}

func scrape(t *testing.T, url, token string) string {
	t.Helper()
	req, _ := http.NewRequest("GET", url+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

func TestDrillCommandsHelpAndUsage(t *testing.T) {
	for _, name := range []string{"drill", "drills"} {
		code, out, _ := runCmd(t, name, "--help")
		if code != 0 || !strings.Contains(out, "Examples:") || !strings.Contains(out, "QUENCH_URL") {
			t.Errorf("%s --help: exit %d\n%s", name, code, out)
		}
	}
	t.Setenv("QUENCH_TOKEN", "qk_unused")
	for _, args := range [][]string{{"drill"}, {"drill", "--all", "db-down"}, {"drills", "1", "2"}, {"drills", "abc"}} {
		if code, _, errOut := runCmd(t, args...); code != 2 || !strings.Contains(errOut, "Run 'quench") {
			t.Errorf("quench %v: exit %d %q, want a usage error", args, code, errOut)
		}
	}
}

func TestDrillsConfig(t *testing.T) {
	for _, tt := range []struct{ yaml, want string }{
		{"drills:\n  schedule:\n    - runbook: db-down\n      every: 10m\n", "every 10m0s: want at least 1h0m0s"},
		{"drills:\n  schedule:\n    - every: 24h\n", "runbook is required"},
		{"drills:\n  schedul: []\n", "unknown field"},
	} {
		c := DefaultConfig()
		err := parseConfig("quench.yaml", []byte(tt.yaml), &c, func(string) string { return "" })
		if err == nil {
			err = c.Validate()
		}
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: %v, want %q", tt.yaml, err, tt.want)
		}
	}
	// A schedule naming a runbook the pack lacks stops the server at start.
	cfg := DefaultConfig()
	cfg.Data, cfg.Listen, cfg.Runbooks = t.TempDir(), "127.0.0.1:0", "../../runbooks"
	cfg.Env, _ = localPackEnv(t)
	cfg.Drills.Schedule = []DrillScheduleConfig{{Runbook: "no-such-runbook", Every: 24 * time.Hour}}
	s := &ServeCommand{Config: cfg}
	err := s.Open(context.Background())
	s.Close(context.Background())
	if err == nil || !strings.Contains(err.Error(), "no-such-runbook") {
		t.Errorf("serve with a schedule of an unknown runbook: %v", err)
	}
}
