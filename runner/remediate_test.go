package runner

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/quench-sh/quench"
)

// remediationPack has a diagnosis step, a mutating remediation step, a
// read-only step that asks for confirmation and one on an unknown target.
var remediationPack = testPack{
	first:     []firstStep{{name: "look", command: "echo looked"}},
	diagnosis: []block{{`{"name": "status"}`, "echo status"}},
	remediation: []block{
		{`{"name": "restart", "confirm": true}`, `touch "$MARK_DIR/restarted"; echo "restarted $QUENCH_LABEL_INSTANCE"`},
		{`{"name": "careful", "confirm": true}`, `echo careful`},
		{`{"name": "remote", "target": "db-host", "confirm": true}`, `touch "$MARK_DIR/remote"`},
	},
}

// newRemediationEnv opens one incident without automatic diagnosis.
func newRemediationEnv(t *testing.T) (*env, int64) {
	e := newEnv(t, remediationPack, func(r *Runner) {
		r.AutoDiagnosis = false
		r.Secrets = map[string]string{"API_TOKEN": "tok-very-secret"}
	})
	return e, e.open(map[string]string{"instance": "db-1"})
}

func (e *env) run(req quench.StepRunRequest) (*quench.StepRun, error) {
	if req.Actor == "" {
		req.Actor = "alice"
	}
	if req.Role == "" {
		req.Role = quench.RoleResponder
	}
	return e.r.RunStep(context.Background(), req)
}

func (e *env) marked(name string) bool {
	_, err := os.Stat(filepath.Join(e.markDir, name))
	return err == nil
}

func (e *env) refusals() []*quench.AuditEntry {
	var out []*quench.AuditEntry
	for _, a := range e.auditEntries() {
		if a.Outcome == "refused" {
			out = append(out, a)
		}
	}
	return out
}

func TestRunStepRoles(t *testing.T) {
	for _, tt := range []struct {
		role quench.TokenRole
		ok   bool
	}{
		{quench.RoleIngest, false},
		{quench.RoleViewer, false},
		{"", false},
		{quench.RoleResponder, true},
		{quench.RoleAdmin, true},
		{quench.RoleOwner, true},
	} {
		t.Run(string(tt.role), func(t *testing.T) {
			e, id := newRemediationEnv(t)
			role := tt.role
			if role == "" {
				role = "nobody"
			}
			run, err := e.run(quench.StepRunRequest{IncidentID: id, StepName: "restart", Role: role, Confirm: true})
			if !tt.ok {
				if quench.ErrorCode(err) != quench.EFORBIDDEN || e.marked("restarted") {
					t.Fatalf("err = %v, marker %v; want EFORBIDDEN and nothing run", err, e.marked("restarted"))
				}
				if r := e.refusals(); len(r) != 1 || !strings.Contains(string(r[0].Data), "responder") {
					t.Errorf("refusal not audited: %v", r)
				}
				return
			}
			if err != nil || !e.marked("restarted") || run.ExitCode != 0 || run.Output != "restarted db-1\n" || run.Actor != "alice" {
				t.Fatalf("run = %+v, %v; want it run", run, err)
			}
		})
	}
}

func TestRunStepNeedsConfirmation(t *testing.T) {
	e, id := newRemediationEnv(t)
	_, err := e.run(quench.StepRunRequest{IncidentID: id, StepName: "restart"})
	if quench.ErrorCode(err) != quench.EFORBIDDEN || !strings.Contains(err.Error(), "step restart is mutating: touch") ||
		!strings.HasSuffix(err.Error(), "confirm it") {
		t.Fatalf("unconfirmed mutating step: %v", err)
	}
	_, err = e.run(quench.StepRunRequest{IncidentID: id, StepName: "careful"})
	if quench.ErrorCode(err) != quench.EFORBIDDEN || !strings.Contains(err.Error(), "confirm") {
		t.Fatalf("a read-only step with the confirm attribute ran unconfirmed: %v", err)
	}
	if e.marked("restarted") {
		t.Fatal("unconfirmed step ran")
	}
	evs := e.stepEvents(id)
	if len(evs) != 2 || evs[0].Kind != quench.EventStepRefused || evs[0].Actor != "alice" || evs[1].Step != "careful" {
		t.Errorf("refusals not on the timeline: %+v", evs)
	}
	if len(e.refusals()) != 2 {
		t.Errorf("refusals audited: %d, want 2", len(e.refusals()))
	}

	run, err := e.run(quench.StepRunRequest{IncidentID: id, StepName: "restart", Confirm: true})
	if err != nil || !e.marked("restarted") {
		t.Fatalf("confirmed step: %v", err)
	}
	if run.Class != quench.Mutating || run.Target != "local" || run.Section != quench.SectionRemediation || len(run.OutputSHA256) != 64 {
		t.Errorf("run = %+v", run)
	}
	fin := e.finished(id, "restart")
	if fin.Actor != "alice" || fin.Class != quench.Mutating || *fin.ExitCode != 0 {
		t.Errorf("finished event: %s", fin.Raw)
	}
	states, _ := e.r.IncidentSteps(context.Background(), id)
	got := map[string]string{}
	for _, s := range states {
		got[s.Step.Name] = s.Status
	}
	if got["restart"] != quench.StepSucceeded || got["careful"] != quench.StepRefused || got["status"] != quench.StepPending {
		t.Errorf("statuses = %v", got)
	}
}

func TestRunStepDryRunRunsNothing(t *testing.T) {
	e, id := newRemediationEnv(t)
	run, err := e.run(quench.StepRunRequest{IncidentID: id, StepName: "restart", DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if e.marked("restarted") {
		t.Fatal("dry run ran the step")
	}
	if !run.DryRun || run.Command != `touch "$MARK_DIR/restarted"; echo "restarted $QUENCH_LABEL_INSTANCE"` ||
		run.Target != "local" || run.Class != quench.Mutating || !strings.Contains(run.Reason, "touch") ||
		!strings.Contains(run.Reason, "needs confirmation") || run.Output != "" || !run.StartedAt.IsZero() {
		t.Errorf("dry run = %+v", run)
	}
	for _, name := range []string{"API_TOKEN", "MARK_DIR", "QUENCH_INCIDENT_ID", "QUENCH_LABEL_INSTANCE", "QUENCH_RUNBOOK", "QUENCH_STEP"} {
		if !slices.Contains(run.EnvNames, name) {
			t.Errorf("env names %v lack %s", run.EnvNames, name)
		}
	}
	b, _ := json.Marshal(run)
	if bytes.Contains(b, []byte("tok-very-secret")) || bytes.Contains(b, []byte("db-1")) {
		t.Errorf("dry run shows environment values: %s", b)
	}
	for _, ev := range e.stepEvents(id) {
		if ev.Kind != quench.EventNote || !ev.DryRun {
			t.Errorf("dry run recorded as %s, want only a note: %s", ev.Kind, ev.Raw)
		}
	}
	var dry int
	for _, a := range e.auditEntries() {
		if a.Action == "step.run" {
			t.Errorf("dry run audited as a run: %+v", a)
		}
		if a.Action == "step.dry_run" {
			dry++
		}
	}
	if dry != 1 {
		t.Errorf("%d dry-run audit entries, want 1", dry)
	}
	// Dry runs need no confirmation but still the role.
	if _, err := e.run(quench.StepRunRequest{IncidentID: id, StepName: "restart", DryRun: true, Role: quench.RoleViewer}); quench.ErrorCode(err) != quench.EFORBIDDEN {
		t.Errorf("viewer dry run: %v", err)
	}
}

func TestRunStepLookup(t *testing.T) {
	e, id := newRemediationEnv(t)
	for _, tt := range []struct {
		id   int64
		step string
		code string
	}{
		{id, "nope", quench.ENOTFOUND},
		{id + 100, "restart", quench.ENOTFOUND},
		{id, "remote", quench.EINVALID},
	} {
		_, err := e.run(quench.StepRunRequest{IncidentID: tt.id, StepName: tt.step, Confirm: true})
		if quench.ErrorCode(err) != tt.code {
			t.Errorf("run %d/%s: %v, want %s", tt.id, tt.step, err, tt.code)
		}
	}
	if e.marked("remote") {
		t.Error("step on an unknown target ran")
	}
	// First steps and diagnosis steps can be run again by hand.
	for _, name := range []string{"look", "status"} {
		if run, err := e.run(quench.StepRunRequest{IncidentID: id, StepName: name}); err != nil || run.ExitCode != 0 {
			t.Errorf("run %s: %+v, %v", name, run, err)
		}
	}
}

func TestRunStepDuringFreeze(t *testing.T) {
	e, id := newRemediationEnv(t)
	ctx := context.Background()
	if err := e.cc.SetFrozen(ctx, true, "admin"); err != nil {
		t.Fatal(err)
	}

	// Read-only steps still run.
	if _, err := e.run(quench.StepRunRequest{IncidentID: id, StepName: "status"}); err != nil {
		t.Fatalf("read-only step during freeze: %v", err)
	}
	// Mutating steps need a grant.
	_, err := e.run(quench.StepRunRequest{IncidentID: id, StepName: "restart", Confirm: true})
	if quench.ErrorCode(err) != quench.EFORBIDDEN || !strings.Contains(err.Error(), "change freeze") || !strings.Contains(err.Error(), "break-glass") {
		t.Fatalf("no grant: %v", err)
	}
	_, err = e.run(quench.StepRunRequest{IncidentID: id, StepName: "restart", Confirm: true, BreakGlassSecret: "made-up"})
	if quench.ErrorCode(err) != quench.EFORBIDDEN || !strings.Contains(err.Error(), "not valid") {
		t.Fatalf("unknown grant: %v", err)
	}
	if e.marked("restarted") {
		t.Fatal("ran during a freeze without a grant")
	}

	grant, secret, err := e.cc.CreateGrant(ctx, "INC-7 database restore", 10*time.Minute, "owner")
	if err != nil {
		t.Fatal(err)
	}
	run, err := e.run(quench.StepRunRequest{IncidentID: id, StepName: "restart", Confirm: true, BreakGlassSecret: secret})
	if err != nil || !e.marked("restarted") || run.GrantID != grant.ID {
		t.Fatalf("with a grant: %+v, %v", run, err)
	}
	fin := e.finished(id, "restart")
	if fin.GrantID != grant.ID || fin.GrantReason != "INC-7 database restore" {
		t.Errorf("finished event lacks the grant: %s", fin.Raw)
	}
	var audited bool
	for _, a := range e.auditEntries() {
		if a.Action == "step.run" && a.Outcome == "ok" && strings.HasSuffix(a.Subject, "/step/restart") {
			var d auditData
			json.Unmarshal(a.Data, &d)
			audited = d.GrantID == grant.ID && d.GrantReason == "INC-7 database restore"
		}
	}
	if !audited {
		t.Error("the run's audit entry does not name the grant and its reason")
	}

	// The grant expires: the store's clock and the runner's move on.
	e.clock.Advance(11 * time.Minute)
	_, err = e.run(quench.StepRunRequest{IncidentID: id, StepName: "restart", Confirm: true, BreakGlassSecret: secret})
	if quench.ErrorCode(err) != quench.EFORBIDDEN || !strings.Contains(err.Error(), "expired") {
		t.Fatalf("expired grant: %v", err)
	}
	if n := len(e.refusals()); n != 3 {
		t.Errorf("%d refusals audited, want 3", n)
	}

	// A revoked grant is refused too.
	grant2, secret2, _ := e.cc.CreateGrant(ctx, "second", 10*time.Minute, "owner")
	e.cc.RevokeGrant(ctx, grant2.ID, "owner")
	_, err = e.run(quench.StepRunRequest{IncidentID: id, StepName: "restart", Confirm: true, BreakGlassSecret: secret2})
	if quench.ErrorCode(err) != quench.EFORBIDDEN || !strings.Contains(err.Error(), "revoked") {
		t.Fatalf("revoked grant: %v", err)
	}
}

func TestRunStepExpiredGrantByTheRunnersClock(t *testing.T) {
	// Even if the store's clock lags, the runner checks expiry itself.
	e, id := newRemediationEnv(t)
	ctx := context.Background()
	e.cc.SetFrozen(ctx, true, "admin")
	_, secret, _ := e.cc.CreateGrant(ctx, "why", time.Minute, "owner")
	e.r.Now = func() time.Time { return time.Now().Add(2 * time.Minute) }
	_, err := e.run(quench.StepRunRequest{IncidentID: id, StepName: "restart", Confirm: true, BreakGlassSecret: secret})
	if quench.ErrorCode(err) != quench.EFORBIDDEN || !strings.Contains(err.Error(), "expired") {
		t.Fatalf("expired grant: %v", err)
	}
}

func TestRunStepStreamsToTheAsker(t *testing.T) {
	e, id := newRemediationEnv(t)
	var live bytes.Buffer
	run, err := e.run(quench.StepRunRequest{IncidentID: id, StepName: "look", Live: &live})
	if err != nil || live.String() != "looked\n" || run.Output != "looked\n" {
		t.Fatalf("live %q, run %+v, %v", live.String(), run, err)
	}
}

func TestRunStepSameStepTwiceConflicts(t *testing.T) {
	e := newEnv(t, testPack{remediation: []block{{`{"name": "slow", "confirm": true}`, `touch "$MARK_DIR/x"; sleep 0.5`}}},
		func(r *Runner) { r.AutoDiagnosis = false })
	id := e.open(nil)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = e.run(quench.StepRunRequest{IncidentID: id, StepName: "slow", Confirm: true})
		}()
	}
	wg.Wait()
	var ok, conflict int
	for _, err := range errs {
		switch quench.ErrorCode(err) {
		case "":
			ok++
		case quench.ECONFLICT:
			conflict++
		default:
			t.Errorf("unexpected error: %v", err)
		}
	}
	if ok < 1 || ok+conflict != 4 {
		t.Errorf("%d ran, %d conflicts", ok, conflict)
	}
	starts := 0
	for _, ev := range e.stepEvents(id) {
		if ev.Kind == quench.EventStepStarted {
			starts++
		}
	}
	if starts != ok {
		t.Errorf("%d starts for %d runs", starts, ok)
	}
}
