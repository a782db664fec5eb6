package runner

import (
	"context"
	"encoding/json"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/quench-sh/quench"
	"github.com/quench-sh/quench/shell"
)

func TestDiagnosisRunsWhenAnIncidentOpens(t *testing.T) {
	e := newEnv(t, testPack{
		first: []firstStep{{name: "hello", command: "echo hello from $QUENCH_STEP"}},
		diagnosis: []block{
			{`{"name": "fails"}`, "echo out; echo err >&2; exit 3"},
			{`{"name": "lines"}`, "for i in 1 2 3; do echo line$i; done"},
		},
		remediation: []block{{`{"name": "fix", "confirm": true}`, `touch "$MARK_DIR/fixed"`}},
	})
	id := e.open(nil)
	e.waitDiagnosed(1)

	// started then finished, step by step, in order: first steps first.
	var order []string
	for _, ev := range e.stepEvents(id) {
		order = append(order, ev.Kind+":"+ev.Step)
	}
	want := []string{"step_started:hello", "step_finished:hello", "step_started:fails", "step_finished:fails",
		"step_started:lines", "step_finished:lines"}
	if strings.Join(order, " ") != strings.Join(want, " ") {
		t.Fatalf("timeline steps = %v, want %v", order, want)
	}

	for _, tt := range []struct {
		step, section, output string
		exit                  int
	}{
		{"hello", "First steps", "hello from hello\n", 0},
		{"fails", quench.SectionDiagnosis, "out\nerr\n", 3},
		{"lines", quench.SectionDiagnosis, "line1\nline2\nline3\n", 0},
	} {
		ev := e.finished(id, tt.step)
		if ev.ExitCode == nil || *ev.ExitCode != tt.exit || ev.Output != tt.output || ev.Section != tt.section {
			t.Errorf("%s: exit %v output %q section %q, want exit %d output %q section %q", tt.step, ev.ExitCode, ev.Output, ev.Section, tt.exit, tt.output, tt.section)
		}
		if ev.Target != "local" || ev.Class != quench.ReadOnly || ev.Actor != quench.SystemActor || ev.DurationMS == nil ||
			len(ev.OutputSHA256) != 64 || ev.DryRun || ev.Command == "" {
			t.Errorf("%s: finished event data incomplete: %s", tt.step, ev.Raw)
		}
		for _, field := range []string{`"grant_id":0`, `"truncated":false`, `"timed_out":false`, `"dry_run":false`} {
			if !strings.Contains(ev.Raw, field) {
				t.Errorf("%s: finished data lacks %s: %s", tt.step, field, ev.Raw)
			}
		}
	}

	// One audit entry per command run, with its outcome.
	outcomes := map[string]string{}
	for _, a := range e.auditEntries() {
		if a.Action != "step.run" || a.Actor != quench.SystemActor {
			t.Errorf("audit entry %s by %s, want step.run by system", a.Action, a.Actor)
		}
		var d auditData
		json.Unmarshal(a.Data, &d)
		if d.Target != "local" || d.Command == "" || d.Class != quench.ReadOnly || d.ExitCode == nil || len(d.OutputSHA256) != 64 {
			t.Errorf("audit data incomplete: %s", a.Data)
		}
		outcomes[a.Subject] = a.Outcome
	}
	wantOutcomes := map[string]string{
		"incident/" + strconv.FormatInt(id, 10) + "/step/hello": "ok",
		"incident/" + strconv.FormatInt(id, 10) + "/step/fails": "failed",
		"incident/" + strconv.FormatInt(id, 10) + "/step/lines": "ok",
	}
	if len(outcomes) != len(wantOutcomes) {
		t.Errorf("audit outcomes %v, want %v", outcomes, wantOutcomes)
	}
	for k, v := range wantOutcomes {
		if outcomes[k] != v {
			t.Errorf("audit %s = %q, want %q", k, outcomes[k], v)
		}
	}
	if _, err := e.audit.Verify(context.Background()); err != nil {
		t.Errorf("audit chain: %v", err)
	}

	// The step list: statuses from the timeline, remediation untouched.
	states, err := e.r.IncidentSteps(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	var names []string
	for _, s := range states {
		got[s.Step.Name] = s.Status
		names = append(names, s.Step.Name)
	}
	if strings.Join(names, ",") != "hello,fails,lines,fix" {
		t.Errorf("IncidentSteps order = %v", names)
	}
	wantStatus := map[string]string{"hello": quench.StepSucceeded, "fails": quench.StepFailed, "lines": quench.StepSucceeded, "fix": quench.StepPending}
	for k, v := range wantStatus {
		if got[k] != v {
			t.Errorf("status of %s = %q, want %q", k, got[k], v)
		}
	}
	if lr := states[1].LastRun; lr == nil || lr.ExitCode != 3 || lr.Output != "out\nerr\n" {
		t.Errorf("last run of fails = %+v", lr)
	}
	if states[3].Step.Class != quench.Mutating || states[3].LastRun != nil {
		t.Errorf("fix: class %s last run %+v", states[3].Step.Class, states[3].LastRun)
	}
	if len(e.markers()) != 0 {
		t.Errorf("remediation ran on its own: %v", e.markers())
	}
}

func TestDiagnosisRunsOncePerIncident(t *testing.T) {
	e := newEnv(t, testPack{first: []firstStep{{name: "hello", command: "echo hi"}}})
	alert := quench.Alert{
		Source: quench.SourceGeneric, Integration: "test", DedupKey: "same", Action: quench.ActionTrigger,
		Severity: quench.SeverityHigh, Summary: "s", Labels: map[string]string{"alertname": "TestAlert"}, RunbookID: "test-rb",
	}
	// One batch with the opener and its repeats, then more repeats.
	ids := e.ingest([]quench.Alert{alert, alert, alert})
	for range 5 {
		ids = append(ids, e.ingest([]quench.Alert{alert})...)
	}
	for _, id := range ids {
		if id != ids[0] {
			t.Fatalf("repeats opened incident %d, want all on %d", id, ids[0])
		}
	}
	e.waitDiagnosed(1)
	e.r.Close() // nothing more is queued: nothing more runs
	if n := e.r.Stats().Diagnosed; n != 1 {
		t.Errorf("diagnoses = %d, want 1", n)
	}
	starts := 0
	for _, ev := range e.stepEvents(ids[0]) {
		if ev.Kind == quench.EventStepStarted {
			starts++
		}
	}
	if starts != 1 {
		t.Errorf("step started %d times, want once", starts)
	}
}

func TestDiagnosisRefusesAStepThatBecameMutating(t *testing.T) {
	e := newEnv(t, testPack{diagnosis: []block{
		{`{"name": "was-safe"}`, "echo safe"},
		{`{"name": "after"}`, "echo after"},
	}})
	// The file changed after lint: the loaded step still says read-only.
	rb, _ := e.pack.Runbook("test-rb")
	rb.Steps[0].Command = `touch "$MARK_DIR/pwned"`
	if rb.Steps[0].Class != quench.ReadOnly {
		t.Fatalf("setup: class %s", rb.Steps[0].Class)
	}
	id := e.open(nil)
	e.waitDiagnosed(1)

	evs := e.stepEvents(id)
	if len(evs) != 3 || evs[0].Kind != quench.EventStepRefused || evs[0].Step != "was-safe" {
		t.Fatalf("events = %+v, want the changed step refused, then the next one run", evs)
	}
	if !strings.Contains(evs[0].Reason, "touch") || !strings.Contains(evs[0].Reason, "mutating") || evs[0].Class != quench.Mutating {
		t.Errorf("refusal reason %q class %s, want the classifier's reason", evs[0].Reason, evs[0].Class)
	}
	if m := e.markers(); len(m) != 0 {
		t.Errorf("refused step ran: %v", m)
	}
	var refused int
	for _, a := range e.auditEntries() {
		if a.Outcome == "refused" && strings.HasSuffix(a.Subject, "/step/was-safe") {
			refused++
		}
	}
	if refused != 1 {
		t.Errorf("%d refused audit entries, want 1", refused)
	}
	states, _ := e.r.IncidentSteps(context.Background(), id)
	if states[0].Status != quench.StepRefused || states[0].Step.Class != quench.Mutating {
		t.Errorf("state %+v, want refused and mutating", states[0])
	}
}

func TestDiagnosisRefusesUnknownTargetsAndConfirmSteps(t *testing.T) {
	e := newEnv(t, testPack{diagnosis: []block{
		{`{"name": "elsewhere", "target": "db-host"}`, "echo hi"},
	}})
	rb, _ := e.pack.Runbook("test-rb")
	rb.Steps = append(rb.Steps, quench.Step{Name: "asks", Section: quench.SectionDiagnosis, Command: "echo hi", Confirm: true})
	id := e.open(nil)
	e.waitDiagnosed(1)
	evs := e.stepEvents(id)
	if len(evs) != 2 || evs[0].Kind != quench.EventStepRefused || evs[1].Kind != quench.EventStepRefused {
		t.Fatalf("events = %+v, want two refusals", evs)
	}
	if !strings.Contains(evs[0].Reason, `target "db-host"`) || !strings.Contains(evs[0].Reason, "not configured") {
		t.Errorf("unknown target reason: %q", evs[0].Reason)
	}
	if !strings.Contains(evs[1].Reason, "confirmation") {
		t.Errorf("confirm reason: %q", evs[1].Reason)
	}
}

func TestDiagnosisTimeoutKillsTheProcessGroup(t *testing.T) {
	e := newEnv(t, testPack{diagnosis: []block{
		// Long enough for the shell to start and print under load: the
		// test needs the pid it prints.
		{`{"name": "hangs", "timeout": "3s"}`, "sleep 30 & echo $!; wait"},
	}})
	id := e.open(nil)
	e.waitDiagnosed(1)
	ev := e.finished(id, "hangs")
	if !ev.TimedOut || ev.ExitCode == nil || *ev.ExitCode != -1 || !strings.Contains(ev.Text, "timed out") {
		t.Fatalf("finished = %s (%s), want timed out with exit -1", ev.Raw, ev.Text)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(ev.Output))
	if err != nil {
		t.Fatalf("output %q: %v", ev.Output, err)
	}
	e.waitFor("the background sleep to die", func() bool { return !alive(pid) })
	states, _ := e.r.IncidentSteps(context.Background(), id)
	if states[0].Status != quench.StepFailed || !states[0].LastRun.TimedOut {
		t.Errorf("state %+v, want failed and timed out", states[0])
	}
}

// alive reports whether a process exists and is not a zombie.
func alive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	rest := string(stat[strings.LastIndexByte(string(stat), ')')+1:])
	return !strings.HasPrefix(strings.TrimSpace(rest), "Z")
}

func TestDiagnosisOutputIsCapped(t *testing.T) {
	e := newEnv(t, testPack{diagnosis: []block{{`{"name": "chatty"}`, "seq 1 100000"}}},
		func(r *Runner) { r.MaxOutput = 4096 })
	id := e.open(nil)
	e.waitDiagnosed(1)
	ev := e.finished(id, "chatty")
	if !ev.Truncated || !strings.HasPrefix(ev.Output, "[… ") || !strings.Contains(ev.Output, "bytes cut …]\n") {
		t.Errorf("output not marked as cut: truncated %v, starts %q", ev.Truncated, ev.Output[:min(40, len(ev.Output))])
	}
	if !strings.HasSuffix(ev.Output, "99999\n100000\n") {
		t.Errorf("the tail is not kept: ends %q", ev.Output[max(0, len(ev.Output)-20):])
	}
	if len(ev.Output) > 4096+64 {
		t.Errorf("output is %d bytes, want about 4096", len(ev.Output))
	}
}

func TestDiagnosisScrubsSecrets(t *testing.T) {
	const secret = "hunter2-Sup3r-s3cret"
	e := newEnv(t, testPack{diagnosis: []block{
		{`{"name": "leaks"}`, `echo "password=$DB_PASSWORD"; printf '%s' "$DB_PASSWORD" | tr 'a-z' 'a-z'`},
	}}, func(r *Runner) {
		r.Secrets = map[string]string{"DB_PASSWORD": secret, "UNSET_TOKEN": ""}
	})
	id := e.open(nil)
	e.waitDiagnosed(1)
	ev := e.finished(id, "leaks")
	if ev.Output != "password=[REDACTED]\n[REDACTED]" {
		t.Errorf("output = %q, want the secret redacted (and nothing else: the empty secret is ignored)", ev.Output)
	}
	evs, _ := e.incident.Timeline(context.Background(), id)
	all, _ := json.Marshal(evs)
	audit, _ := json.Marshal(e.auditEntries())
	if strings.Contains(string(all), secret) || strings.Contains(string(audit), secret) {
		t.Error("the secret reached the timeline or the audit trail")
	}
}

func TestDiagnosisEnvironmentIsExplicit(t *testing.T) {
	t.Setenv("QUENCH_SERVER_ONLY", "server-value")
	e := newEnv(t, testPack{diagnosis: []block{{`{"name": "env"}`, "env | sort"}}},
		func(r *Runner) { r.Env["REGION"] = "eu-1" })
	opened := e.clock.Now()
	// The last good deploy is the newest before the suspect window
	// (quench.DeployWindow): not the suspect itself, not a later one.
	for _, d := range []quench.Deploy{
		{Service: "api", SHA: "older", DeployedAt: opened.Add(-3 * time.Hour)},
		{Service: "api", SHA: "abc123", DeployedAt: opened.Add(-quench.DeployLookback - time.Minute)},
		{Service: "api", SHA: "suspect", DeployedAt: opened.Add(-10 * time.Minute)},
		{Service: "api", SHA: "later", DeployedAt: opened.Add(time.Hour)},
	} {
		d.Actor = "ci"
		if _, err := e.deploys.RecordDeploy(context.Background(), d); err != nil {
			t.Fatal(err)
		}
	}
	id := e.open(map[string]string{"instance": "db-1:5432", "team-name": "core"})
	e.waitDiagnosed(1)
	out := e.finished(id, "env").Output
	for _, want := range []string{
		"QUENCH_INCIDENT_ID=" + strconv.FormatInt(id, 10) + "\n",
		"QUENCH_RUNBOOK=test-rb\n",
		"QUENCH_STEP=env\n",
		"QUENCH_LABEL_ALERTNAME=TestAlert\n",
		"QUENCH_LABEL_INSTANCE=db-1:5432\n",
		"QUENCH_LABEL_TEAM_NAME=core\n",
		"QUENCH_LAST_GOOD_SHA=abc123\n",
		"QUENCH_LAST_GOOD_SERVICE=api\n",
		"REGION=eu-1\n",
		"MARK_DIR=" + e.markDir + "\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("environment lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "QUENCH_SERVER_ONLY") || strings.Contains(out, "server-value") {
		t.Errorf("the server's own environment leaked into the step:\n%s", out)
	}
	if home := os.Getenv("HOME"); home != "" && strings.Contains(out, "HOME="+home+"\n") {
		t.Errorf("the server's HOME leaked into the step")
	}
}

// hostileValues are label values that would run something if quench ever
// pasted them into a script, each trying to create a file in $MARK_DIR.
func hostileValues(dir string) map[string]string {
	return map[string]string{
		"subst":     "$(touch " + dir + "/subst)",
		"backtick":  "`touch " + dir + "/backtick`",
		"semicolon": "x; touch " + dir + "/semicolon; rm -rf ~",
		"rmrf":      "; rm -rf ~",
		"newline":   "x\ntouch " + dir + "/newline\n",
		"quotes":    `'"; touch ` + dir + `/quotes; echo "'`,
		"ifs":       "${IFS}touch${IFS}" + dir + "/ifs",
		"pipe":      "| touch " + dir + "/pipe",
		"and":       "&& touch " + dir + "/and",
		"glob":      "/*",
	}
}

// hostileSteps use labels the way runbook authors do: quoted, unquoted, in
// printf, in grep.
var hostileSteps = []block{
	{`{"name": "quoted"}`, `for v in "$QUENCH_LABEL_SUBST" "$QUENCH_LABEL_BACKTICK" "$QUENCH_LABEL_SEMICOLON" "$QUENCH_LABEL_NEWLINE" "$QUENCH_LABEL_QUOTES" "$QUENCH_LABEL_IFS" "$QUENCH_LABEL_PIPE" "$QUENCH_LABEL_AND" "$QUENCH_LABEL_RMRF"; do printf '[%s]\n' "$v"; done`},
	{`{"name": "unquoted"}`, `echo $QUENCH_LABEL_SUBST $QUENCH_LABEL_BACKTICK $QUENCH_LABEL_SEMICOLON $QUENCH_LABEL_NEWLINE $QUENCH_LABEL_QUOTES $QUENCH_LABEL_IFS $QUENCH_LABEL_PIPE $QUENCH_LABEL_AND $QUENCH_LABEL_RMRF > /dev/null`},
	{`{"name": "grep"}`, `grep -F -- "$QUENCH_LABEL_SEMICOLON" /dev/null || echo no-match`},
	{`{"name": "names"}`, `env | grep '^QUENCH_LABEL_' | sort`},
}

func TestDiagnosisHostileLabelsNeverExecute(t *testing.T) {
	// `rm -rf ~` would wipe the steps' HOME: a temp dir with a canary.
	home := t.TempDir()
	canary := home + "/canary"
	writeFile(t, canary, "still here")
	e := newEnv(t, testPack{diagnosis: hostileSteps}, func(r *Runner) { r.Env["HOME"] = home })
	labels := hostileValues(e.markDir)
	// Hostile label names too: they become variable names, never code.
	labels["x$(touch "+e.markDir+"/name)"] = "v"
	labels["`touch "+e.markDir+"/name2`"] = "v"
	id := e.open(labels)
	e.waitDiagnosed(1)
	if m := e.markers(); len(m) != 0 {
		t.Fatalf("label text was executed: created %v", m)
	}
	if b, err := os.ReadFile(canary); err != nil || string(b) != "still here" {
		t.Fatalf("rm -rf ~ ran: canary %q, %v", b, err)
	}
	quoted := e.finished(id, "quoted")
	for _, name := range []string{"subst", "backtick", "semicolon", "quotes", "ifs", "pipe", "and", "rmrf"} {
		if !strings.Contains(quoted.Output, "["+labels[name]+"]") {
			t.Errorf("label %s did not arrive as data: output %q", name, quoted.Output)
		}
	}
	for _, step := range []string{"quoted", "unquoted", "grep", "names"} {
		if ev := e.finished(id, step); *ev.ExitCode != 0 {
			t.Errorf("%s exited %d: %s", step, *ev.ExitCode, ev.Output)
		}
	}
	names := e.finished(id, "names").Output
	if !strings.Contains(names, "QUENCH_LABEL_X__TOUCH_") {
		t.Errorf("hostile label name not mapped to a plain variable name:\n%s", names)
	}
}

func TestDiagnosisCriticalFirst(t *testing.T) {
	e := newEnv(t, testPack{first: []firstStep{{name: "wait", command: "sleep 0.2"}}},
		func(r *Runner) { r.Workers = 1 })
	busy := e.openMany(1, quench.SeverityLow, nil) // takes the only worker
	e.waitFor("the first diagnosis to start", func() bool { return e.r.Stats().Running == 1 })
	low := e.openMany(2, quench.SeverityLow, nil)
	crit := e.openMany(1, quench.SeverityCritical, nil)
	high := e.openMany(1, quench.SeverityHigh, nil)
	e.waitDiagnosed(5)
	start := func(id int64) time.Time {
		evs, _ := e.incident.Timeline(context.Background(), id)
		for _, ev := range evs {
			if ev.Kind == quench.EventStepStarted {
				return ev.At
			}
		}
		t.Fatalf("incident %d never started", id)
		return time.Time{}
	}
	order := []int64{busy[0], crit[0], high[0], low[0], low[1]}
	for i := 1; i < len(order); i++ {
		if !start(order[i-1]).Before(start(order[i])) {
			t.Errorf("incident %d started before %d; want critical, then high, then low in arrival order", order[i], order[i-1])
		}
	}
}

func TestDiagnosisStepThatCannotStart(t *testing.T) {
	e := newEnv(t, testPack{diagnosis: []block{{`{"name": "nowhere", "target": "broken"}`, "echo hi"}}},
		func(r *Runner) { r.Targets["broken"] = shell.Local{Shell: "/nonexistent/bash"} })
	id := e.open(nil)
	e.waitDiagnosed(1)
	ev := e.finished(id, "nowhere")
	if *ev.ExitCode != -1 || !strings.Contains(ev.Error, "/nonexistent/bash") || !strings.Contains(ev.Text, "could not run") {
		t.Errorf("finished event: %s (%s)", ev.Raw, ev.Text)
	}
	states, _ := e.r.IncidentSteps(context.Background(), id)
	if states[0].Status != quench.StepFailed || !strings.HasPrefix(states[0].LastRun.Reason, "could not run: ") {
		t.Errorf("state %+v", states[0])
	}
	if a := e.auditEntries(); len(a) != 1 || a[0].Outcome != "failed" {
		t.Errorf("audit: %+v", a)
	}
}
