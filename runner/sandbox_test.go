package runner

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/quench-sh/quench"
	"github.com/quench-sh/quench/sandbox"
	"github.com/quench-sh/quench/shell"
)

// requireSandbox skips (or, with QUENCH_REQUIRE_INTEGRATION=1, fails) where
// this machine cannot run the Landlock sandbox.
func requireSandbox(t *testing.T) {
	t.Helper()
	if sandbox.ABI() < sandbox.MinABI {
		why := fmt.Sprintf("Landlock ABI %d here, %d needed", sandbox.ABI(), sandbox.MinABI)
		if os.Getenv("QUENCH_REQUIRE_INTEGRATION") == "1" {
			t.Fatalf("the sandbox does not work here: %s", why)
		}
		t.Skipf("the sandbox does not work here: %s", why)
	}
}

// everythingReadOnly is the test-only classifier hook: it calls every
// command read-only, as a classifier bug would.
func everythingReadOnly(r *Runner) {
	r.classifyHook = func(string) (quench.Class, string) { return quench.ReadOnly, "misclassified on purpose" }
}

// harmful are steps that change a file, each against its own canary.
var harmful = []struct{ name, command string }{
	{"write", `echo changed > "$MARK_DIR/write"`},
	{"append", `echo changed >> "$MARK_DIR/append"`},
	{"truncate", `truncate -s 0 "$MARK_DIR/truncate"`},
	{"empty", `: > "$MARK_DIR/empty"`},
	{"delete", `rm -f "$MARK_DIR/delete"`},
	{"move", `mv "$MARK_DIR/move" "$MARK_DIR/moved"`},
}

func writeCanaries(t *testing.T, dir string) {
	t.Helper()
	for _, h := range harmful {
		writeFile(t, filepath.Join(dir, h.name), "canary\n")
	}
}

func assertCanaries(t *testing.T, dir string) {
	t.Helper()
	for _, h := range harmful {
		b, err := os.ReadFile(filepath.Join(dir, h.name))
		if err != nil || string(b) != "canary\n" {
			t.Errorf("canary %s changed by a sandboxed step: %q, %v", h.name, b, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "moved")); err == nil {
		t.Errorf("a sandboxed step renamed a canary")
	}
}

// assertServerUnrestricted checks that the test process, which plays the
// server, still writes anywhere and has no no_new_privs.
func assertServerUnrestricted(t *testing.T, dir string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, "server-writes"), []byte("x"), 0o600); err != nil {
		t.Errorf("the server process cannot write: %v", err)
	}
	if err := os.Remove(filepath.Join(dir, "server-writes")); err != nil {
		t.Errorf("the server process cannot delete: %v", err)
	}
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(status), "NoNewPrivs:\t0") {
		t.Errorf("the server process has no_new_privs set")
	}
}

// TestSandboxHoldsWhenMisclassified: steps that write, truncate, delete or
// rename a file, called read-only by a (deliberately) wrong classifier,
// run in the automatic diagnosis and fail with permission denied; every
// file is intact and the server process stays unrestricted.
func TestSandboxHoldsWhenMisclassified(t *testing.T) {
	requireSandbox(t)
	e := newEnv(t, testPack{}, everythingReadOnly, func(r *Runner) {
		for _, h := range harmful {
			r.FirstSteps = append(r.FirstSteps, quench.Step{Name: h.name, Title: h.name, Command: h.command})
		}
	})
	writeCanaries(t, e.markDir)
	id := e.open(nil)
	e.waitDiagnosed(1)
	for _, h := range harmful {
		fin := e.finished(id, h.name)
		if fin.ExitCode == nil || *fin.ExitCode == 0 {
			t.Errorf("step %s (%s) succeeded in the sandbox: %s", h.name, h.command, fin.Output)
		}
		if !strings.Contains(strings.ToLower(fin.Output), "permission denied") {
			t.Errorf("step %s output %q, want permission denied", h.name, fin.Output)
		}
	}
	for _, ev := range e.stepEvents(id) {
		if ev.Kind != quench.EventStepStarted {
			continue
		}
		var d startedData
		if err := json.Unmarshal([]byte(ev.Raw), &d); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(d.Sandbox, "Landlock ABI ") || d.Unsandboxed != "" {
			t.Errorf("step %s started with sandbox %q, unsandboxed %q; want Landlock", d.Step, d.Sandbox, d.Unsandboxed)
		}
	}
	assertCanaries(t, e.markDir)
	assertServerUnrestricted(t, e.markDir)
}

// TestSandboxHoldsForAPersonsReadOnlyRun: a person's run of a step the
// classifier calls read-only is sandboxed too, even confirmed; a step
// that is not read-only, confirmed, runs unconfined and does change
// things.
func TestSandboxHoldsForAPersonsReadOnlyRun(t *testing.T) {
	requireSandbox(t)
	e := newEnv(t, testPack{remediation: []block{
		{`{"name": "wipe", "confirm": true}`, `rm -f "$MARK_DIR/delete"`},
	}}, func(r *Runner) { r.AutoDiagnosis = false })
	writeCanaries(t, e.markDir)
	id := e.open(nil)

	e.r.classifyHook = func(string) (quench.Class, string) { return quench.ReadOnly, "misclassified on purpose" }
	run, err := e.run(quench.StepRunRequest{IncidentID: id, StepName: "wipe", Confirm: true})
	if err != nil {
		t.Fatal(err)
	}
	if run.ExitCode == 0 || !strings.Contains(strings.ToLower(run.Output), "permission denied") {
		t.Errorf("misclassified wipe: exit %d, output %q; want permission denied", run.ExitCode, run.Output)
	}
	assertCanaries(t, e.markDir)

	e.r.classifyHook = nil // the real classifier: rm is mutating
	run, err = e.run(quench.StepRunRequest{IncidentID: id, StepName: "wipe", Confirm: true})
	if err != nil {
		t.Fatal(err)
	}
	if run.ExitCode != 0 || run.Class != quench.Mutating {
		t.Errorf("confirmed mutating wipe: exit %d, class %s, output %q", run.ExitCode, run.Class, run.Output)
	}
	if e.marked("delete") {
		t.Errorf("a confirmed mutating step was confined: the file it deletes is still there")
	}
	assertServerUnrestricted(t, e.markDir)
}

// TestSandboxModes: where the local target has no sandbox, auto runs
// read-only steps with a note on the timeline, required refuses them
// unless a person confirms, and off runs them saying so.
func TestSandboxModes(t *testing.T) {
	noSandbox := func(mode string) func(*Runner) {
		return func(r *Runner) {
			r.Sandbox = mode
			r.Targets = map[string]shell.Runner{LocalTarget: shell.Local{NoSandbox: "Landlock is not available (test)"}}
		}
	}
	pack := testPack{
		first:       []firstStep{{name: "look", command: "echo looked"}},
		remediation: []block{{`{"name": "check"}`, "echo checked"}},
	}
	started := func(e *env, id int64, step string) (stepEvent, startedData) {
		t.Helper()
		for _, ev := range e.stepEvents(id) {
			if ev.Kind == quench.EventStepStarted && ev.Step == step {
				var d startedData
				if err := json.Unmarshal([]byte(ev.Raw), &d); err != nil {
					t.Fatal(err)
				}
				return ev, d
			}
		}
		t.Fatalf("no step_started for %s: %+v", step, e.stepEvents(id))
		return stepEvent{}, startedData{}
	}

	t.Run("auto", func(t *testing.T) {
		e := newEnv(t, pack, noSandbox(SandboxAuto))
		id := e.open(nil)
		e.waitDiagnosed(1)
		if fin := e.finished(id, "look"); fin.ExitCode == nil || *fin.ExitCode != 0 {
			t.Errorf("look did not run: %+v", fin)
		}
		ev, d := started(e, id, "look")
		if d.Unsandboxed != "Landlock is not available (test)" || !strings.Contains(ev.Text, "without the sandbox: Landlock is not available") {
			t.Errorf("started %q, unsandboxed %q; want the reason noted", ev.Text, d.Unsandboxed)
		}
	})
	t.Run("required", func(t *testing.T) {
		e := newEnv(t, pack, noSandbox(SandboxRequired))
		id := e.open(nil)
		e.waitDiagnosed(1)
		var refused bool
		for _, ev := range e.stepEvents(id) {
			if ev.Kind == quench.EventStepRefused && ev.Step == "look" && strings.Contains(ev.Reason, "diagnosis.sandbox is required") {
				refused = true
			}
			if ev.Kind == quench.EventStepStarted {
				t.Errorf("step %s ran without the sandbox in required mode", ev.Step)
			}
		}
		if !refused {
			t.Errorf("look was not refused: %+v", e.stepEvents(id))
		}
		if _, err := e.run(quench.StepRunRequest{IncidentID: id, StepName: "check"}); quench.ErrorCode(err) != quench.EFORBIDDEN {
			t.Errorf("unconfirmed read-only run without the sandbox: %v, want forbidden", err)
		}
		dry, err := e.run(quench.StepRunRequest{IncidentID: id, StepName: "check", DryRun: true})
		if err != nil || !strings.Contains(dry.Reason, "runs only if confirmed") {
			t.Errorf("dry run: %v, reason %q", err, dry.Reason)
		}
		run, err := e.run(quench.StepRunRequest{IncidentID: id, StepName: "check", Confirm: true})
		if err != nil || run.ExitCode != 0 {
			t.Fatalf("confirmed run: %v %+v", err, run)
		}
		if _, d := started(e, id, "check"); d.Unsandboxed == "" {
			t.Errorf("a confirmed run without the sandbox does not say so")
		}
	})
	t.Run("off", func(t *testing.T) {
		e := newEnv(t, pack, noSandbox(SandboxOff))
		id := e.open(nil)
		e.waitDiagnosed(1)
		if _, d := started(e, id, "look"); d.Unsandboxed != "diagnosis.sandbox is off" || d.Sandbox != "" {
			t.Errorf("off: sandbox %q, unsandboxed %q", d.Sandbox, d.Unsandboxed)
		}
	})
}

// TestReadOnlyStepsGetReadOnlyPostgres: read-only steps get
// PGOPTIONS=-c default_transaction_read_only=on, so PostgreSQL itself
// refuses writes a misclassified psql step sends; steps that are not
// read-only, and an operator's own PGOPTIONS, are left alone.
func TestReadOnlyStepsGetReadOnlyPostgres(t *testing.T) {
	dsn := os.Getenv("QUENCH_TEST_POSTGRES")
	pack := testPack{
		first:       []firstStep{{name: "pgoptions", command: `echo "[$PGOPTIONS]"`}},
		remediation: []block{{`{"name": "write", "confirm": true}`, `echo "[$PGOPTIONS]"; psql "$PG_URL" -v ON_ERROR_STOP=1 -Atc 'CREATE TEMP TABLE quench_ro_probe (a int)'`}},
	}
	e := newEnv(t, pack, func(r *Runner) { r.Env["PG_URL"] = dsn })
	id := e.open(nil)
	e.waitDiagnosed(1)
	if out := e.finished(id, "pgoptions").Output; out != "[-c default_transaction_read_only=on]\n" {
		t.Errorf("read-only step sees PGOPTIONS %q", out)
	}
	if dsn == "" {
		return // the rest needs a PostgreSQL
	}
	// The same write, misclassified read-only, is refused by the server.
	e.r.classifyHook = func(string) (quench.Class, string) { return quench.ReadOnly, "misclassified on purpose" }
	run, err := e.run(quench.StepRunRequest{IncidentID: id, StepName: "write", Confirm: true})
	if err != nil {
		t.Fatal(err)
	}
	if run.ExitCode == 0 || !strings.Contains(run.Output, "read-only transaction") {
		t.Errorf("misclassified write: exit %d, output %q; want a read-only transaction error", run.ExitCode, run.Output)
	}
	e.r.classifyHook = nil
	run, err = e.run(quench.StepRunRequest{IncidentID: id, StepName: "write", Confirm: true})
	if err != nil {
		t.Fatal(err)
	}
	if run.ExitCode != 0 || !strings.HasPrefix(run.Output, "[]\n") {
		t.Errorf("confirmed mutating step: exit %d, output %q; want it to run with no PGOPTIONS", run.ExitCode, run.Output)
	}
}
