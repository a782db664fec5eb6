package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/quench-sh/quench"
	"github.com/quench-sh/quench/shell"
	"github.com/quench-sh/quench/sqldb"
	"github.com/quench-sh/quench/ssh"
)

// diagnosisPack is a lint-clean pack whose runbook answers every test
// alert and whose diagnosis uses alert labels the ways runbook authors do.
const diagnosisPackYAML = `categories:
  - Infrastructure & Services
roles:
  - id: oncall-ops
    name: On-call
    scope: Everything
    contact_when: Always
first_steps:
  - name: labels
    title: Show the labels
    command: env | grep '^QUENCH_LABEL_' | sort
`

const diagnosisRunbook = "---\n" + `id: hostile
title: Hostile Labels
category: Infrastructure & Services
order: 1
severity: critical
signal: any test alert
match:
  - labels.alertname == "HostileTest"
  - source == "pagerduty"
escalation: [oncall-ops]
---
# Hostile Labels

## Alert signal

Any test alert.

## Quick diagnosis

1. Quoted.
   ` + "```sh" + ` {"name": "quoted"}
   printf '[%s]\n' "$QUENCH_LABEL_EVIL" "$QUENCH_LABEL_COMPONENT"
   ` + "```" + `
2. Unquoted, as careless authors write it.
   ` + "```sh" + ` {"name": "unquoted"}
   echo $QUENCH_LABEL_EVIL $QUENCH_LABEL_SOURCE $QUENCH_LABEL_COMPONENT $QUENCH_LABEL_GROUP $QUENCH_LABEL_CLASS > /dev/null
   ` + "```" + `
3. In a pattern.
   ` + "```sh" + ` {"name": "grep"}
   grep -F -- "$QUENCH_LABEL_EVIL" /dev/null || echo no-match
   ` + "```" + `

## Likely causes

A test.

## Safe remediation steps

Nothing.

## Rollback/restore pointers

Nothing.

## Escalation roles

On-call.
`

// TestHostileLabelsThroughEveryIngestRoute sends label values that would
// run commands if quench ever put alert text into a script, through all
// four ingest routes of a real server, lets the automatic diagnosis run
// real processes, and checks that nothing ran: no marker file, and the
// fake HOME that `rm -rf ~` would wipe is intact.
func TestHostileLabelsThroughEveryIngestRoute(t *testing.T) {
	packDir, mark, home := t.TempDir(), t.TempDir(), t.TempDir()
	writeTestFile(t, filepath.Join(packDir, "pack.yaml"), diagnosisPackYAML)
	writeTestFile(t, filepath.Join(packDir, "hostile.md"), diagnosisRunbook)
	canary := filepath.Join(home, "canary")
	writeTestFile(t, canary, "still here")

	cfg := DefaultConfig()
	cfg.Data, cfg.Listen, cfg.Runbooks = t.TempDir(), "127.0.0.1:0", packDir
	cfg.Env = map[string]string{"MARK_DIR": mark, "HOME": home}
	// Every alert's hostile text must reach a diagnosis of its own.
	never := time.Duration(0)
	cfg.Diagnosis.ShareWithin = &never
	s := &ServeCommand{Config: cfg}
	if err := s.Open(context.Background()); err != nil {
		t.Fatalf("serve: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		s.Close(ctx)
	})
	_, key, err := sqldb.NewTokenService(s.DB).CreateToken(context.Background(), "hostile-test", quench.RoleIngest)
	if err != nil {
		t.Fatal(err)
	}

	values := []string{
		"$(touch " + mark + "/subst)",
		"`touch " + mark + "/backtick`",
		"x; touch " + mark + "/semicolon; rm -rf ~",
		"; rm -rf ~",
		"x\ntouch " + mark + "/newline\nrm -rf ~\n",
		`'"; touch ` + mark + `/quotes; echo "'`,
		"${IFS}touch${IFS}" + mark + "/ifs",
		"| touch " + mark + "/pipe",
		"&& touch " + mark + "/and",
		"$(touch${IFS}" + mark + "/nospace)",
	}
	post := func(path string, body any, auth bool) {
		t.Helper()
		b, _ := json.Marshal(body)
		req, _ := http.NewRequest("POST", s.Server.URL()+path, bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
		if auth {
			req.Header.Set("Authorization", "Bearer "+key)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode/100 != 2 {
			var e bytes.Buffer
			e.ReadFrom(resp.Body)
			t.Fatalf("POST %s: %d %s", path, resp.StatusCode, e.String())
		}
	}
	now := time.Now().UTC().Format(time.RFC3339)
	for i, v := range values {
		labels := map[string]string{"alertname": "HostileTest", "evil": v, "case": fmt.Sprint(i)}
		// A hostile label name too: it can only become a variable name.
		labels["x$(touch "+mark+"/name)"] = "v"
		alert := map[string]any{"status": "firing", "labels": labels,
			"annotations": map[string]string{"summary": v, "description": v},
			"startsAt":    now, "endsAt": "0001-01-01T00:00:00Z", "fingerprint": fmt.Sprintf("f%d", i)}
		post("/ingest/alertmanager", map[string]any{"version": "4", "status": "firing", "receiver": "quench",
			"groupKey": "{}:{}", "groupLabels": map[string]string{}, "commonLabels": map[string]string{},
			"commonAnnotations": map[string]string{}, "externalURL": "http://am", "alerts": []any{alert}}, true)
		labels["route"] = "grafana"
		alert["fingerprint"] = fmt.Sprintf("g%d", i) // AM and Grafana share the integration
		post("/ingest/grafana", map[string]any{"version": "1", "status": "firing", "receiver": "quench", "orgId": 1,
			"groupKey": "{}:{}", "title": v, "message": v, "alerts": []any{alert}}, true)
		post("/v2/enqueue", map[string]any{"routing_key": key, "event_action": "trigger",
			"dedup_key": fmt.Sprintf("pd-%d", i),
			"payload": map[string]any{"summary": v, "source": v, "severity": "critical",
				"component": v, "group": v, "class": v, "custom_details": map[string]string{"x": v}}}, false)
		labels["route"] = "generic"
		post("/ingest/generic", map[string]any{"summary": v, "severity": "critical", "dedup_key": fmt.Sprintf("gen-%d", i),
			"labels": labels, "details": map[string]string{"x": v}}, true)
	}

	want := int64(4 * len(values))
	deadline := time.Now().Add(2 * time.Minute)
	for s.Runner.Stats().Diagnosed < want {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d diagnoses finished", s.Runner.Stats().Diagnosed, want)
		}
		time.Sleep(10 * time.Millisecond)
	}

	ents, _ := os.ReadDir(mark)
	for _, e := range ents {
		t.Errorf("alert text executed: %s was created", e.Name())
	}
	if b, err := os.ReadFile(canary); err != nil || string(b) != "still here" {
		t.Errorf("rm -rf ~ ran: canary %q, %v", b, err)
	}

	// Every incident's diagnosis ran every step, and the values arrived as
	// data.
	incs, err := sqldb.NewIncidentService(s.DB).FindIncidents(context.Background(), quench.IncidentFilter{Limit: 500})
	if err != nil || int64(len(incs)) != want {
		t.Fatalf("%d incidents, %v; want %d", len(incs), err, want)
	}
	sources := map[string]int{}
	for _, inc := range incs {
		if inc.RunbookID != "hostile" {
			t.Errorf("incident %d (%s) routed to %q", inc.ID, inc.Source, inc.RunbookID)
		}
		sources[inc.Source]++
		tl, _ := sqldb.NewIncidentService(s.DB).Timeline(context.Background(), inc.ID)
		finished := map[string]string{}
		for _, ev := range tl {
			if ev.Kind == quench.EventStepRefused {
				t.Errorf("incident %d: step refused: %s", inc.ID, ev.Text)
			}
			if ev.Kind != quench.EventStepFinished {
				continue
			}
			var d struct {
				Step     string `json:"step"`
				ExitCode int    `json:"exit_code"`
				Output   string `json:"output"`
			}
			json.Unmarshal(ev.Data, &d)
			if d.ExitCode != 0 {
				t.Errorf("incident %d: step %s exited %d: %s (%s)", inc.ID, d.Step, d.ExitCode, d.Output, ev.Data)
			}
			finished[d.Step] = d.Output
		}
		if len(finished) != 4 {
			t.Errorf("incident %d (%s): finished steps %v, want 4", inc.ID, inc.Source, finished)
			continue
		}
		value := inc.Labels["evil"]
		if inc.Source == quench.SourcePagerDuty {
			value = inc.Labels["component"]
		}
		if !strings.Contains(finished["quoted"], "["+value+"]") {
			t.Errorf("incident %d (%s): value %q did not arrive as data: %q", inc.ID, inc.Source, value, finished["quoted"])
		}
	}
	for _, src := range []string{quench.SourceAlertmanager, quench.SourceGrafana, quench.SourcePagerDuty, quench.SourceGeneric} {
		if sources[src] != len(values) {
			t.Errorf("%s opened %d incidents, want %d", src, sources[src], len(values))
		}
	}
}

func writeTestFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestStepTargets(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Targets = map[string]TargetConfig{
		"db-host": {SSH: &SSHTargetConfig{Addr: "db:22", User: "ops", KeyFile: "/k", KnownHosts: "/kh", Timeout: time.Second,
			ReadOnlyWrapper: "systemd-run --pipe --wait --quiet -p ProtectSystem=strict"}},
		"here": {},
	}
	targets := stepTargets(cfg, &ServeCommand{}, shell.Local{NoSandbox: "test"})
	if len(targets) != 3 {
		t.Fatalf("targets = %v", targets)
	}
	for _, name := range []string{"local", "here"} {
		if _, ok := targets[name].(shell.Local); !ok {
			t.Errorf("target %s is %T, want shell.Local", name, targets[name])
		}
	}
	r, ok := targets["db-host"].(*ssh.Runner)
	want := ssh.Target{Name: "db-host", Addr: "db:22", User: "ops", KeyFile: "/k", KnownHostsFile: "/kh", Timeout: time.Second}
	if !ok || r.Target != want || r.ReadOnlyWrapper != "systemd-run --pipe --wait --quiet -p ProtectSystem=strict" {
		t.Errorf("db-host = %#v, want an ssh.Runner for %+v with the read-only wrapper", targets["db-host"], want)
	}
}
