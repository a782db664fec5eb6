package runner

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/quench-sh/quench"
	"github.com/quench-sh/quench/inmem"
	"github.com/quench-sh/quench/markdown"
	"github.com/quench-sh/quench/shell"
	"github.com/quench-sh/quench/sqldb"
	"github.com/quench-sh/quench/sqldb/sqldbtest"
)

// block is one fenced step of a test runbook.
type block struct {
	attrs   string // JSON after the fence, e.g. {"name": "x", "confirm": true}
	command string
}

// firstStep is one entry of the test pack's first_steps.
type firstStep struct {
	name, timeout, command string
}

// testPack describes a pack the test writes to a temp directory and loads
// the way the server does (markdown.LoadPack, so lint rules apply).
type testPack struct {
	first       []firstStep
	diagnosis   []block // the runbook "test-rb"'s Quick diagnosis
	remediation []block // its Safe remediation steps
}

func writePack(t testing.TB, p testPack) *markdown.Pack {
	t.Helper()
	dir := t.TempDir()
	var y strings.Builder
	y.WriteString("categories:\n  - Infrastructure & Services\nroles:\n  - id: oncall-ops\n    name: On-call\n    scope: Everything\n    contact_when: Always\n")
	if len(p.first) > 0 {
		y.WriteString("first_steps:\n")
		for _, f := range p.first {
			fmt.Fprintf(&y, "  - name: %s\n    title: %s\n", f.name, f.name)
			if f.timeout != "" {
				fmt.Fprintf(&y, "    timeout: %s\n", f.timeout)
			}
			y.WriteString("    command: |\n")
			for _, line := range strings.Split(strings.TrimRight(f.command, "\n"), "\n") {
				y.WriteString("      " + line + "\n")
			}
		}
	}
	writeFile(t, filepath.Join(dir, markdown.PackFile), y.String())

	blocks := func(bs []block) string {
		var b strings.Builder
		for i, bl := range bs {
			fmt.Fprintf(&b, "%d. Step %d.\n   ```sh %s\n", i+1, i+1, bl.attrs)
			for _, line := range strings.Split(strings.TrimRight(bl.command, "\n"), "\n") {
				b.WriteString("   " + line + "\n")
			}
			b.WriteString("   ```\n")
		}
		if len(bs) == 0 {
			b.WriteString("Nothing to run.\n")
		}
		return b.String()
	}
	rb := `---
id: test-rb
title: Test Runbook
category: Infrastructure & Services
order: 1
severity: critical
signal: test signal
match:
  - labels.alertname == "TestAlert"
escalation: [oncall-ops]
---
# Test Runbook

## Alert signal

The test alert fires.

## Quick diagnosis

` + blocks(p.diagnosis) + `
## Likely causes

A test.

## Safe remediation steps

` + blocks(p.remediation) + `
## Rollback/restore pointers

Nothing to roll back.

## Escalation roles

On-call.
`
	writeFile(t, filepath.Join(dir, "test-rb.md"), rb)
	pack, err := markdown.LoadPack(dir)
	if err != nil {
		t.Fatalf("load test pack: %v", err)
	}
	return pack
}

func writeFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// clock is a settable clock for the store and the runner.
type clock struct{ offset atomic.Int64 }

func (c *clock) Now() time.Time          { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *clock) Advance(d time.Duration) { c.offset.Add(int64(d)) }

// env is a runner over a real SQLite store and a loaded pack.
type env struct {
	t        testing.TB
	db       *sqldb.DB
	r        *Runner
	pack     *markdown.Pack
	clock    *clock
	incident *sqldb.IncidentService
	audit    *sqldb.AuditService
	cc       *sqldb.ChangeControlService
	deploys  *sqldb.DeployService
	events   *inmem.EventService
	markDir  string // steps see it as $MARK_DIR
	seq      atomic.Int64
}

// newEnv opens a store, loads the pack and opens a runner with Workers 2,
// AutoDiagnosis on and a local target; adjust changes the runner before
// Open.
func newEnv(t testing.TB, p testPack, adjust ...func(*Runner)) *env {
	t.Helper()
	e := &env{t: t, clock: &clock{}, markDir: t.TempDir()}
	e.events = inmem.NewEventService(0)
	e.db = sqldbtest.OpenConfig(t, sqldb.DialectSQLite, sqldb.Config{Now: e.clock.Now, Events: e.events})
	e.pack = writePack(t, p)
	e.incident = sqldb.NewIncidentService(e.db)
	e.audit = sqldb.NewAuditService(e.db)
	e.cc = sqldb.NewChangeControlService(e.db)
	e.deploys = sqldb.NewDeployService(e.db)
	sb, why := testSandbox(t)
	e.r = &Runner{
		Incidents: e.incident, StepLog: e.incident, Events: e.events, Audit: e.audit, ChangeControl: e.cc, Deploys: e.deploys,
		Runbooks: &markdown.RunbookService{Pack: e.pack}, FirstSteps: e.pack.FirstSteps,
		Targets:       map[string]shell.Runner{LocalTarget: shell.Local{KillGrace: 300 * time.Millisecond, Sandbox: sb, NoSandbox: why}},
		Env:           map[string]string{"MARK_DIR": e.markDir},
		Workers:       2,
		Timeout:       10 * time.Second,
		AutoDiagnosis: true,
		Now:           e.clock.Now,
	}
	for _, f := range adjust {
		f(e.r)
	}
	if err := e.r.Open(context.Background()); err != nil {
		t.Fatalf("open runner: %v", err)
	}
	t.Cleanup(func() { e.r.Close() })
	return e
}

// open ingests one alert of the test runbook (or labels' alertname) and
// waits until the runner has the incident's opened event. It returns the
// incident id.
func (e *env) open(labels map[string]string) int64 {
	e.t.Helper()
	ids := e.openMany(1, quench.SeverityCritical, labels)
	return ids[0]
}

// openMany opens n incidents in one IngestAlerts call.
func (e *env) openMany(n int, sev quench.Severity, labels map[string]string) []int64 {
	e.t.Helper()
	alerts := make([]quench.Alert, n)
	for i := range alerts {
		l := map[string]string{"alertname": "TestAlert"}
		for k, v := range labels {
			l[k] = v
		}
		alerts[i] = quench.Alert{
			Source: quench.SourceGeneric, Integration: "test", DedupKey: fmt.Sprintf("key-%d", e.seq.Add(1)),
			Action: quench.ActionTrigger, Severity: sev, Summary: "test alert", Labels: l,
			ReceivedAt: e.clock.Now(), RunbookID: "test-rb",
		}
	}
	return e.ingest(alerts)
}

func (e *env) ingest(alerts []quench.Alert) []int64 {
	e.t.Helper()
	ctx := context.Background()
	res, err := e.incident.IngestAlerts(ctx, alerts, nil)
	if err != nil {
		e.t.Fatalf("ingest: %v", err)
	}
	ids := make([]int64, len(res))
	for i, r := range res {
		ids[i] = r.IncidentID
	}
	e.waitQueued(slices.Max(ids))
	return ids
}

// waitQueued waits until an open runner has heard of incident id (its
// opened event is queued), so tests see diagnoses queued in the order
// they opened. A closed runner hears nothing.
func (e *env) waitQueued(id int64) {
	e.t.Helper()
	e.waitFor(fmt.Sprintf("incident %d queued", id), func() bool {
		e.r.mu.Lock()
		defer e.r.mu.Unlock()
		return !e.r.AutoDiagnosis || !e.r.started || e.r.closed || e.r.newest >= id
	})
}

// waitDiagnosed waits until n diagnoses have finished.
func (e *env) waitDiagnosed(n int64) {
	e.t.Helper()
	e.waitFor(fmt.Sprintf("%d diagnoses", n), func() bool { return e.r.Stats().Diagnosed >= n })
}

func (e *env) waitFor(what string, cond func() bool) {
	e.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			e.t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// stepEvent is a step event's data, decoded loosely for assertions.
type stepEvent struct {
	Kind         string
	Text         string
	Actor        string
	Step         string       `json:"step"`
	Section      string       `json:"section"`
	Command      string       `json:"command"`
	Target       string       `json:"target"`
	Class        quench.Class `json:"class"`
	ExitCode     *int         `json:"exit_code"`
	DurationMS   *int64       `json:"duration_ms"`
	Output       string       `json:"output"`
	Truncated    bool         `json:"truncated"`
	TimedOut     bool         `json:"timed_out"`
	Canceled     bool         `json:"canceled"`
	OutputSHA256 string       `json:"output_sha256"`
	GrantID      int64        `json:"grant_id"`
	GrantReason  string       `json:"grant_reason"`
	DryRun       bool         `json:"dry_run"`
	Reason       string       `json:"reason"`
	Error        string       `json:"error"`
	StartedAt    time.Time    `json:"started_at"`
	Raw          string
}

// stepEvents returns the incident's step events (and notes) in order.
func (e *env) stepEvents(id int64) []stepEvent {
	e.t.Helper()
	evs, err := e.incident.Timeline(context.Background(), id)
	if err != nil {
		e.t.Fatalf("timeline %d: %v", id, err)
	}
	var out []stepEvent
	for _, ev := range evs {
		if !strings.HasPrefix(ev.Kind, "step_") && ev.Kind != quench.EventNote {
			continue
		}
		var se stepEvent
		if err := json.Unmarshal(ev.Data, &se); err != nil {
			e.t.Fatalf("event %s data %s: %v", ev.Kind, ev.Data, err)
		}
		se.Kind, se.Text, se.Actor, se.Raw = ev.Kind, ev.Text, ev.Actor, string(ev.Data)
		out = append(out, se)
	}
	return out
}

// finished returns the step_finished event of a step, failing when there
// is not exactly one.
func (e *env) finished(id int64, step string) stepEvent {
	e.t.Helper()
	var got []stepEvent
	for _, ev := range e.stepEvents(id) {
		if ev.Kind == quench.EventStepFinished && ev.Step == step {
			got = append(got, ev)
		}
	}
	if len(got) != 1 {
		e.t.Fatalf("incident %d: %d step_finished events for %s, want 1; events: %+v", id, len(got), step, e.stepEvents(id))
	}
	return got[0]
}

// auditEntries returns the audit trail's step entries.
func (e *env) auditEntries() []*quench.AuditEntry {
	e.t.Helper()
	all, err := e.audit.FindAuditEntries(context.Background(), 0, 100000)
	if err != nil {
		e.t.Fatal(err)
	}
	var out []*quench.AuditEntry
	for _, a := range all {
		if strings.HasPrefix(a.Action, "step.") {
			out = append(out, a)
		}
	}
	return out
}

// markers lists the files in the mark directory.
func (e *env) markers() []string {
	e.t.Helper()
	ents, err := os.ReadDir(e.markDir)
	if err != nil {
		e.t.Fatal(err)
	}
	var names []string
	for _, en := range ents {
		names = append(names, en.Name())
	}
	return names
}

// procSampler counts, from outside the runner, the process groups whose
// environment holds a marker variable: one group per running step.
type procSampler struct {
	marker string
	stop   chan struct{}
	done   sync.WaitGroup
	max    atomic.Int64
	seen   atomic.Int64 // samples with at least one group
}

func startProcSampler(marker string) *procSampler {
	s := &procSampler{marker: marker, stop: make(chan struct{})}
	s.done.Add(1)
	go func() {
		defer s.done.Done()
		for {
			select {
			case <-s.stop:
				return
			default:
			}
			n := int64(countGroups(s.marker))
			if n > 0 {
				s.seen.Add(1)
			}
			if n > s.max.Load() {
				s.max.Store(n)
			}
			time.Sleep(time.Millisecond)
		}
	}()
	return s
}

func (s *procSampler) Stop() int64 {
	close(s.stop)
	s.done.Wait()
	return s.max.Load()
}

// countGroups counts distinct process groups of processes whose
// environment contains marker.
func countGroups(marker string) int {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return 0
	}
	groups := map[string]bool{}
	for _, en := range ents {
		name := en.Name()
		if name[0] < '0' || name[0] > '9' {
			continue
		}
		envb, err := os.ReadFile("/proc/" + name + "/environ")
		if err != nil || !strings.Contains(string(envb), marker) {
			continue
		}
		stat, err := os.ReadFile("/proc/" + name + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid pgrp …; comm may hold spaces, so split
		// after the last ')'.
		rest := string(stat[strings.LastIndexByte(string(stat), ')')+1:])
		f := strings.Fields(rest)
		if len(f) < 3 || f[0] == "Z" {
			continue
		}
		groups[f[2]] = true
	}
	return len(groups)
}
