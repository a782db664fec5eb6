package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/quench-sh/quench"
	quenchhttp "github.com/quench-sh/quench/http"
	"github.com/quench-sh/quench/ingest"
	"github.com/quench-sh/quench/markdown"
	"github.com/quench-sh/quench/route"
	"github.com/quench-sh/quench/runner"
	"github.com/quench-sh/quench/shell"
	"github.com/quench-sh/quench/sqldb"
)

// stepServer is an in-process quench server with a runner that runs the
// testdata/run-pack steps as real processes, over SQLite in a data
// directory the CLI can open too.
type stepServer struct {
	url    string
	data   string
	db     *sqldb.DB
	tokens map[quench.TokenRole]string
	marker string // the file clean-tmp creates
	seq    int
}

func startStepServer(t *testing.T) *stepServer {
	t.Helper()
	ctx := context.Background()
	ss := &stepServer{data: t.TempDir(), tokens: map[quench.TokenRole]string{}}
	ss.marker = filepath.Join(t.TempDir(), "cleaned")
	pack, err := markdown.LoadPack(filepath.Join("testdata", "run-pack"))
	if err != nil {
		t.Fatal(err)
	}
	router, err := route.New(pack.Runbooks)
	if err != nil {
		t.Fatal(err)
	}
	db, err := sqldb.Open(ctx, sqldb.Config{DataDir: ss.data})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ss.db = db
	runbooks := &markdown.RunbookService{Pack: pack}
	incidents := sqldb.NewIncidentService(db)
	r := &runner.Runner{
		Incidents: incidents, StepLog: incidents, Audit: sqldb.NewAuditService(db),
		ChangeControl: sqldb.NewChangeControlService(db), Deploys: sqldb.NewDeployService(db),
		Runbooks: runbooks, FirstSteps: pack.FirstSteps,
		Targets: map[string]shell.Runner{runner.LocalTarget: shell.Local{}},
		Timeout: 20 * time.Second,
	}
	if err := r.Open(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	srv := quenchhttp.NewServer()
	srv.Addr = "127.0.0.1:0"
	srv.Incidents, srv.Tokens, srv.Audit = r.Incidents, sqldb.NewTokenService(db), r.Audit
	srv.Deploys, srv.ChangeControl, srv.Runbooks = r.Deploys, r.ChangeControl, runbooks
	srv.Alerts = &ingest.AlertService{Store: incidents, Router: router}
	srv.Steps = r
	if err := srv.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv.Close(cctx)
	})
	ss.url = srv.URL()
	for _, role := range quench.TokenRoles {
		_, secret, err := srv.Tokens.CreateToken(ctx, "cli-"+string(role), role)
		if err != nil {
			t.Fatal(err)
		}
		ss.tokens[role] = secret
	}
	t.Setenv("QUENCH_URL", ss.url)
	t.Setenv("QUENCH_TOKEN", ss.tokens[quench.RoleResponder])
	t.Setenv(envBreakGlass, "")
	return ss
}

// openIncident opens a disk-full incident and returns its id.
func (ss *stepServer) openIncident(t *testing.T) int64 {
	t.Helper()
	ss.seq++
	res, err := sqldb.NewIncidentService(ss.db).IngestAlerts(context.Background(), []quench.Alert{{
		Source: quench.SourceGeneric, Integration: "test", DedupKey: fmt.Sprintf("disk-%d", ss.seq),
		Action: quench.ActionTrigger, Severity: quench.SeverityHigh, Summary: "disk almost full",
		Labels:     map[string]string{"instance": "db-1:9100", "marker_dir": filepath.Dir(ss.marker)},
		ReceivedAt: time.Now(), RunbookID: "disk-full",
	}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return res[0].IncidentID
}

func (ss *stepServer) markerExists() bool {
	_, err := os.Stat(ss.marker)
	return err == nil
}

// runIn runs the command line with stdin.
func runIn(t *testing.T, stdin io.Reader, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(context.Background(), args, stdin, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestRunListsSteps(t *testing.T) {
	ss := startStepServer(t)
	id := ss.openIncident(t)
	sid := fmt.Sprint(id)
	if _, err := sqldb.NewDeployService(ss.db).RecordDeploy(context.Background(), quench.Deploy{
		Service: "api", SHA: "0a1b2c3", Actor: "ci", DeployedAt: time.Now().Add(-3 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCmd(t, "run", sid)
	if code != 0 {
		t.Fatalf("run %s: exit %d\n%s%s", sid, code, out, errOut)
	}
	for _, want := range []string{
		"Incident #" + sid, "Runbook: disk-full", "Last good deploy: api 0a1b2c3",
		"#  NAME", "1  hello", "2  usage", "5  clean-tmp", "MUTATING [confirm]", "pending",
		"Run one with: quench run " + sid + " STEP",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("run %s: output lacks %q:\n%s", sid, want, out)
		}
	}
	code, out, _ = runCmd(t, "run", sid, "--json")
	var list quenchhttp.StepList
	if code != 0 || decodeJSON(out, &list) != nil || len(list.Steps) != 6 || list.Steps[4].Name != "clean-tmp" {
		t.Errorf("run --json: exit %d\n%s", code, out)
	}
	if code, _, errOut := runCmd(t, "run", "nope"); code != 2 || !strings.Contains(errOut, "positive number") {
		t.Errorf("bad id: exit %d %q", code, errOut)
	}
	if code, _, errOut := runCmd(t, "run", "999999"); code != 1 || !strings.Contains(errOut, "not found") && !strings.Contains(errOut, "no incident") {
		t.Errorf("unknown incident: exit %d %q", code, errOut)
	}
}

func TestRunReadOnlyStep(t *testing.T) {
	ss := startStepServer(t)
	sid := fmt.Sprint(ss.openIncident(t))

	// By name: shown, run without a question, output streamed, exit 0.
	code, out, errOut := runCmd(t, "run", sid, "slow")
	if code != 0 {
		t.Fatalf("run slow: exit %d\n%s%s", code, out, errOut)
	}
	for _, want := range []string{"Step 3: slow", "class:   read-only", "target:  local", `for i in 1 2 3; do echo "tick $i"`,
		"--- output ---\ntick 1\ntick 2\ntick 3\n--- end ---"} {
		if !strings.Contains(out, want) {
			t.Errorf("run slow: output lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errOut, "succeeded") || strings.Contains(errOut, "[y/N]") {
		t.Errorf("run slow: stderr %q", errOut)
	}

	// By number; a failing step exits 1 and says its code.
	code, out, errOut = runCmd(t, "run", sid, "4")
	if code != 1 || !strings.Contains(out, "cannot read table") || !strings.Contains(errOut, "failed") || !strings.Contains(errOut, "exit code 3") {
		t.Errorf("run 4: exit %d\n%s%s", code, out, errOut)
	}
	code, out, _ = runCmd(t, "run", sid, "usage", "--json")
	var r quench.StepRun
	if code != 0 || decodeJSON(out, &r) != nil || r.Output != "used 91% on db-1:9100\n" {
		t.Errorf("run usage --json: exit %d\n%s", code, out)
	}

	code, _, errOut = runCmd(t, "run", sid, "no-such-step")
	if code != 1 || !strings.Contains(errOut, `has no step "no-such-step"`) || !strings.Contains(errOut, "quench run "+sid) {
		t.Errorf("unknown step: exit %d %q", code, errOut)
	}
	code, _, errOut = runCmd(t, "run", sid, "usage", "--token", ss.tokens[quench.RoleViewer])
	if code != 1 || !strings.Contains(errOut, "responder") {
		t.Errorf("viewer run: exit %d %q", code, errOut)
	}
}

// A destructive step is confirmed by typing its name; "y" is not enough.
func TestRunDestructiveAsksForTheName(t *testing.T) {
	ss := startStepServer(t)
	sid := fmt.Sprint(ss.openIncident(t))
	wiped := filepath.Join(filepath.Dir(ss.marker), "wiped")
	prompt := "Step wipe-scratch is DESTRUCTIVE (it cannot be undone). Type its name to run it on local:"
	for _, stdin := range []string{"y\n", "yes\n", "wipe\n", ""} {
		code, _, errOut := runIn(t, strings.NewReader(stdin), "run", sid, "wipe-scratch")
		if code != 1 || !strings.Contains(errOut, prompt) || !strings.Contains(errOut, "nothing was run") {
			t.Errorf("stdin %q: exit %d %q", stdin, code, errOut)
		}
		if _, err := os.Stat(wiped); err == nil {
			t.Fatalf("stdin %q ran the destructive step", stdin)
		}
	}
	code, _, errOut := runIn(t, strings.NewReader("wipe-scratch\n"), "run", sid, "wipe-scratch")
	if code != 0 {
		t.Fatalf("typing the name: exit %d %q", code, errOut)
	}
	if _, err := os.Stat(wiped); err != nil {
		t.Fatalf("the step did not run after its name was typed: %v", err)
	}
}

// TestRunAsksBeforeMutating drives the prompt: only y or yes runs the
// step; no answer, anything else, or no terminal runs nothing.
func TestRunAsksBeforeMutating(t *testing.T) {
	ss := startStepServer(t)
	sid := fmt.Sprint(ss.openIncident(t))
	prompt := "Run this mutating step on local? [y/N]"
	for _, tt := range []struct {
		stdin string
		code  int
		msg   string
	}{
		{"", 1, "no answer: nothing was run"},
		{"n\n", 1, "aborted: nothing was run"},
		{"no\n", 1, "aborted"},
		{"yes please\n", 1, "aborted"},
		{"\n", 1, "aborted"},
	} {
		code, out, errOut := runIn(t, strings.NewReader(tt.stdin), "run", sid, "clean-tmp")
		if code != tt.code || !strings.Contains(errOut, prompt) || !strings.Contains(errOut, tt.msg) || strings.Contains(out, "--- output") {
			t.Errorf("stdin %q: exit %d\nstdout %s\nstderr %s", tt.stdin, code, out, errOut)
		}
		if ss.markerExists() {
			t.Fatalf("stdin %q ran the step", tt.stdin)
		}
	}

	// No terminal and no --yes: refused before asking.
	devNull, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer devNull.Close()
	pipeR, pipeW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	pipeW.WriteString("y\n")
	pipeW.Close()
	defer pipeR.Close()
	for name, in := range map[string]*os.File{"/dev/null": devNull, "a pipe": pipeR} {
		code, _, errOut := runIn(t, in, "run", sid, "clean-tmp")
		if code != 1 || !strings.Contains(errOut, "pass --yes") || strings.Contains(errOut, prompt) {
			t.Errorf("stdin %s: exit %d %q", name, code, errOut)
		}
	}
	if ss.markerExists() {
		t.Fatal("the step ran without a terminal")
	}

	// A dry run shows what, where and which variables, and runs nothing.
	code, out, errOut := runIn(t, strings.NewReader(""), "run", sid, "clean-tmp", "--dry-run")
	if code != 0 || ss.markerExists() {
		t.Fatalf("dry run: exit %d marker %v\n%s%s", code, ss.markerExists(), out, errOut)
	}
	for _, want := range []string{"Dry run: nothing was run", "on local as cli-responder", "because: touch: creates or updates files; needs confirmation", `touch "$QUENCH_LABEL_MARKER_DIR/cleaned"`,
		"QUENCH_INCIDENT_ID", "QUENCH_LABEL_MARKER_DIR", "QUENCH_LABEL_INSTANCE", "QUENCH_RUNBOOK"} {
		if !strings.Contains(out, want) {
			t.Errorf("dry run lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "db-1:9100") || strings.Contains(errOut, "[y/N]") {
		t.Errorf("dry run shows values or asks:\n%s%s", out, errOut)
	}

	// y runs it.
	code, out, errOut = runIn(t, strings.NewReader("y\n"), "run", sid, "clean-tmp")
	if code != 0 || !ss.markerExists() || !strings.Contains(errOut, prompt) || !strings.Contains(errOut, "succeeded") {
		t.Fatalf("answer y: exit %d marker %v\n%s%s", code, ss.markerExists(), out, errOut)
	}
	os.Remove(ss.marker)
	// --yes answers for scripts, terminal or not.
	code, _, errOut = runIn(t, devNull, "run", sid, "5", "--yes")
	if code != 0 || !ss.markerExists() || strings.Contains(errOut, prompt) {
		t.Fatalf("--yes: exit %d marker %v %q", code, ss.markerExists(), errOut)
	}
	os.Remove(ss.marker)
	code, _, errOut = runIn(t, strings.NewReader("YES\n"), "run", sid, "clean-tmp")
	if code != 0 || !ss.markerExists() {
		t.Errorf("answer YES: exit %d %q", code, errOut)
	}
}

// TestFreezeAndBreakGlass: a freeze stops mutating steps until an admin's
// grant is passed; revoked, the grant stops working.
func TestFreezeAndBreakGlass(t *testing.T) {
	ss := startStepServer(t)
	sid := fmt.Sprint(ss.openIncident(t))
	admin := ss.tokens[quench.RoleAdmin]

	if code, _, errOut := runCmd(t, "freeze", "on"); code != 1 || !strings.Contains(errOut, "needs an admin token or better, not a responder token; on the server's machine create one with `quench token create --role admin") {
		t.Errorf("responder freeze on: exit %d %q", code, errOut)
	}
	if code, out, errOut := runCmd(t, "freeze", "on", "--token", admin); code != 0 || !strings.Contains(out, "ON") {
		t.Fatalf("freeze on: exit %d %s%s", code, out, errOut)
	}
	if code, out, _ := runCmd(t, "freeze", "status"); code != 0 || !strings.Contains(out, "ON") {
		t.Errorf("freeze status: exit %d %s", code, out)
	}
	if code, _, errOut := runCmd(t, "freeze", "maybe"); code != 2 || !strings.Contains(errOut, "on, off or status") {
		t.Errorf("freeze maybe: exit %d %q", code, errOut)
	}

	// Refused, with what to do next; read-only steps still run.
	code, out, errOut := runCmd(t, "run", sid, "clean-tmp", "--yes")
	if code != 1 || !strings.Contains(errOut, "refused") || !strings.Contains(errOut, "quench break-glass create") || strings.Contains(out, "--- output") {
		t.Errorf("frozen run: exit %d\n%s%s", code, out, errOut)
	}
	if code, _, errOut := runCmd(t, "run", sid, "usage"); code != 0 {
		t.Errorf("read-only during freeze: exit %d %q", code, errOut)
	}

	// Grants: admin only, reason and TTL checked before asking.
	if code, _, errOut := runCmd(t, "break-glass", "create", "--reason", "x", "--ttl", "10m"); code != 1 || !strings.Contains(errOut, "--role admin") {
		t.Errorf("responder grant: exit %d %q", code, errOut)
	}
	for _, args := range [][]string{{"--ttl", "10m"}, {"--reason", "x", "--ttl", "25h"}, {"--reason", "x", "--ttl", "0s"}} {
		if code, _, _ := runCmd(t, append([]string{"break-glass", "create", "--token", admin}, args...)...); code != 2 {
			t.Errorf("break-glass create %v: exit %d, want 2", args, code)
		}
	}
	code, out, errOut = runCmd(t, "break-glass", "create", "--reason", "clean up before the restore", "--ttl", "10m", "--token", admin)
	secret := strings.TrimSpace(out)
	if code != 0 || secret == "" || strings.Contains(secret, "\n") || !strings.Contains(errOut, "not shown again") {
		t.Fatalf("grant create: exit %d %q %q", code, out, errOut)
	}
	code, out, _ = runCmd(t, "break-glass", "list", "--token", admin)
	if code != 0 || !strings.Contains(out, "active") || !strings.Contains(out, "clean up before the restore") || strings.Contains(out, secret) {
		t.Errorf("grant list: exit %d\n%s", code, out)
	}

	// A wrong grant is refused; the right one, by flag or environment, runs.
	if code, _, errOut := runCmd(t, "run", sid, "clean-tmp", "--yes", "--break-glass", "bg_wrong"); code != 1 || !strings.Contains(errOut, "refused") {
		t.Errorf("wrong grant: exit %d %q", code, errOut)
	}
	t.Setenv(envBreakGlass, secret)
	code, _, errOut = runCmd(t, "run", sid, "clean-tmp", "--yes")
	if code != 0 || !ss.markerExists() || !strings.Contains(errOut, "break-glass grant 1") {
		t.Fatalf("run with grant: exit %d marker %v %q", code, ss.markerExists(), errOut)
	}
	if code, out, errOut := runCmd(t, "break-glass", "revoke", "1", "--token", admin); code != 0 || !strings.Contains(out, "revoked") {
		t.Errorf("revoke: exit %d %s%s", code, out, errOut)
	}
	if code, _, errOut := runCmd(t, "run", sid, "clean-tmp", "--yes"); code != 1 || !strings.Contains(errOut, "revoked") {
		t.Errorf("revoked grant: exit %d %q", code, errOut)
	}
	if code, _, errOut := runCmd(t, "break-glass", "revoke", "x", "--token", admin); code != 2 {
		t.Errorf("revoke x: exit %d %q", code, errOut)
	}
	if code, out, _ := runCmd(t, "freeze", "off", "--token", admin); code != 0 || !strings.Contains(out, "off") {
		t.Errorf("freeze off: exit %d %s", code, out)
	}
}

func TestDeployCommands(t *testing.T) {
	startStepServer(t)
	code, out, errOut := runCmd(t, "deploy", "record", "--service", "api", "--sha", "0a1b2c3", "--note", "release 42")
	if code != 0 || !strings.Contains(out, "recorded deploy #1: api at 0a1b2c3") {
		t.Fatalf("deploy record: exit %d %s%s", code, out, errOut)
	}
	if code, _, errOut := runCmd(t, "deploy", "record", "--service", "api"); code != 2 || !strings.Contains(errOut, "--sha") {
		t.Errorf("deploy record without sha: exit %d %q", code, errOut)
	}
	code, out, _ = runCmd(t, "deploy", "list")
	if code != 0 || !strings.Contains(out, "0a1b2c3") || !strings.Contains(out, "release 42") || !strings.Contains(out, "cli-responder") {
		t.Errorf("deploy list: exit %d\n%s", code, out)
	}
	if code, out, _ := runCmd(t, "deploy", "list", "--json"); code != 0 || !strings.Contains(out, `"sha": "0a1b2c3"`) {
		t.Errorf("deploy list --json: exit %d\n%s", code, out)
	}
}

// TestAuditCommands lists the trail through the API and verifies it from
// the database directly, catching a row edited in the SQLite file.
func TestAuditCommands(t *testing.T) {
	ss := startStepServer(t)
	sid := fmt.Sprint(ss.openIncident(t))
	admin := ss.tokens[quench.RoleAdmin]
	if code, _, errOut := runCmd(t, "run", sid, "usage"); code != 0 {
		t.Fatalf("run: %q", errOut)
	}
	runCmd(t, "run", sid, "clean-tmp") // refused: no answer
	runCmd(t, "freeze", "on", "--token", admin)

	if code, _, errOut := runCmd(t, "audit"); code != 1 || !strings.Contains(errOut, "--role admin") {
		t.Errorf("responder audit: exit %d %q", code, errOut)
	}
	t.Setenv("QUENCH_TOKEN", admin)
	code, out, errOut := runCmd(t, "audit")
	if code != 0 || !strings.Contains(out, "step.run") || !strings.Contains(out, "freeze.on") || !strings.Contains(out, "cli-admin") {
		t.Fatalf("audit: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = runCmd(t, "audit", "--limit", "1")
	if code != 0 || strings.Count(out, "\n") != 2 || !strings.Contains(errOut, "quench audit --after 1") {
		t.Errorf("audit --limit 1: exit %d\n%s%s", code, out, errOut)
	}
	code, out, _ = runCmd(t, "audit", "--after", "1", "--json")
	var page quenchhttp.AuditPage
	if code != 0 || decodeJSON(out, &page) != nil || len(page.Entries) < 2 || page.Entries[0].Seq != 2 {
		t.Errorf("audit --after 1 --json: exit %d\n%s", code, out)
	}
	n := len(page.Entries) + 1

	// Intact, from the database and through the server.
	code, out, errOut = runCmd(t, "audit", "verify", "--data", ss.data)
	if code != 0 || !strings.Contains(out, fmt.Sprintf("audit trail intact: %d entries checked", n)) {
		t.Fatalf("verify: exit %d %s%s", code, out, errOut)
	}
	if code, out, errOut := runCmd(t, "audit", "verify", "--url", ss.url); code != 0 || !strings.Contains(out, "intact") {
		t.Errorf("verify --url: exit %d %s%s", code, out, errOut)
	}
	if code, _, errOut := runCmd(t, "audit", "verify", "--data", t.TempDir()); code != 1 || !strings.Contains(errOut, "no quench database") {
		t.Errorf("verify of an empty dir: exit %d %q", code, errOut)
	}
	if code, _, _ := runCmd(t, "audit", "verify", "--url", ss.url, "--data", ss.data); code != 2 {
		t.Errorf("verify --url --data: exit %d, want 2", code)
	}

	// Edit one row behind quench's back: verify names it, both ways.
	raw, err := sqlOpen(filepath.Join(ss.data, "quench.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var actor string
	if err := raw.QueryRow(`SELECT actor FROM audit_log WHERE seq = 2`).Scan(&actor); err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`UPDATE audit_log SET actor = 'mallory' WHERE seq = 2`); err != nil {
		t.Fatal(err)
	}
	code, out, errOut = runCmd(t, "audit", "verify", "--data", ss.data)
	if code != 1 || !strings.Contains(errOut, "audit trail BROKEN: audit entry 2") || !strings.Contains(errOut, "1 entry before it") {
		t.Errorf("verify after edit: exit %d %s%s", code, out, errOut)
	}
	code, out, _ = runCmd(t, "audit", "verify", "--url", ss.url, "--json")
	var v quenchhttp.AuditVerification
	if code != 1 || decodeJSON(out, &v) != nil || v.OK || !strings.Contains(v.Error, "audit entry 2") {
		t.Errorf("verify --url --json after edit: exit %d %s", code, out)
	}

	// Put it back and delete the last row instead: the chain's end no
	// longer matches its head.
	if _, err := raw.Exec(`UPDATE audit_log SET actor = $1 WHERE seq = 2`, actor); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := runCmd(t, "audit", "verify", "--data", ss.data); code != 0 {
		t.Fatalf("verify after restoring the row: exit %d %q", code, errOut)
	}
	if _, err := raw.Exec(`DELETE FROM audit_log WHERE seq = (SELECT max(seq) FROM audit_log)`); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := runCmd(t, "audit", "verify", "--data", ss.data); code != 1 || !strings.Contains(errOut, fmt.Sprintf("audit entry %d: missing", n)) {
		t.Errorf("verify after delete: exit %d %q", code, errOut)
	}
}

// TestStepCommandsHelp: every command this file covers explains itself
// with a description and examples.
func TestStepCommandsHelp(t *testing.T) {
	root := newRootCommand()
	for _, path := range [][]string{
		{"run"}, {"deploy"}, {"deploy", "record"}, {"deploy", "list"}, {"freeze"},
		{"break-glass"}, {"break-glass", "create"}, {"break-glass", "list"}, {"break-glass", "revoke"},
		{"audit"}, {"audit", "verify"},
	} {
		cmd, _, err := root.Find(path)
		if err != nil || cmd.Name() != path[len(path)-1] {
			t.Errorf("quench %s: not found: %v", strings.Join(path, " "), err)
			continue
		}
		if cmd.Long == "" || cmd.Example == "" || cmd.Short == "" {
			t.Errorf("quench %s: Short, Long and Example are required", strings.Join(path, " "))
		}
		code, out, _ := runCmd(t, append(path, "--help")...)
		if code != 0 || !strings.Contains(out, "Examples:") {
			t.Errorf("quench %s --help: exit %d\n%s", strings.Join(path, " "), code, out)
		}
	}
}

// TestTerminalWriter: control characters from step output are shown, not
// obeyed by the terminal.
func TestTerminalWriter(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"plain\n", "plain\n"},
		{"tab\tand\r\n", "tab\tand\r\n"},
		{"\x1b[2Jcleared", `\x1b[2Jcleared`},
		{"bell\a", `bell\a`},
		{"caf\xc3\xa9", "café"},
		{"bad \xff byte", `bad \xff byte`},
		{"\u009b31m", `\u009b31m`},
	} {
		var b bytes.Buffer
		w := &terminalWriter{w: &b}
		if n, err := w.Write([]byte(tt.in)); err != nil || n != len(tt.in) {
			t.Errorf("Write(%q) = %d, %v", tt.in, n, err)
		}
		if b.String() != tt.want {
			t.Errorf("Write(%q) wrote %q, want %q", tt.in, b.String(), tt.want)
		}
	}
}

func decodeJSON(s string, v any) error { return json.Unmarshal([]byte(s), v) }

// sqlOpen opens a SQLite file directly, as someone tampering with it would.
func sqlOpen(path string) (*sql.DB, error) { return sql.Open("sqlite", path) }
