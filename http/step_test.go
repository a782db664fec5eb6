package http

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/quench-sh/quench"
	"github.com/quench-sh/quench/sqldb"
	"github.com/quench-sh/quench/sqldb/sqldbtest"
)

// TestStepRoutes drives guided remediation through the API with real
// processes: list, run, the confirmation gate, dry runs, bad bodies and
// what the audit trail and timeline record.
func TestStepRoutes(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dialect string) {
		e := newStepEnv(t, dialect)
		id := e.openRunbookIncident()

		// The list: first steps, then the runbook's, with every field.
		got := e.get(fmt.Sprintf("/api/v1/incidents/%d/steps", id), quench.RoleViewer)
		if got.status != 200 {
			t.Fatalf("list steps: %s", got)
		}
		var raw struct {
			Steps []map[string]any `json:"steps"`
		}
		got.decode(t, &raw)
		for _, k := range []string{"number", "name", "section", "title", "command", "class", "reason", "target", "confirm", "status", "last_run"} {
			if _, ok := raw.Steps[0][k]; !ok {
				t.Errorf("step JSON lacks %q: %s", k, got)
			}
		}
		var list StepList
		got.decode(t, &list)
		var names []string
		for _, s := range list.Steps {
			names = append(names, s.Name)
		}
		if strings.Join(names, ",") != "hello,usage,slow,broken,clean-tmp" {
			t.Fatalf("steps %v", names)
		}
		clean := list.Steps[4]
		if clean.Number != 5 || clean.Class != quench.Mutating || !clean.Confirm || !clean.NeedsConfirmation || clean.Status != quench.StepPending || clean.LastRun != nil {
			t.Errorf("clean-tmp: %+v", clean)
		}

		// A read-only step runs for a responder; the output is scrubbed and
		// alert text arrives only as a value.
		got = e.post(runPath(id, "usage"), quench.RoleResponder, []byte(`{}`))
		var run quench.StepRun
		got.decode(t, &run)
		if got.status != 200 || run.ExitCode != 0 || !strings.Contains(run.Output, "used 91% on db-1:9100") || run.Actor != "test-responder" {
			t.Fatalf("run usage: %s", got)
		}
		if strings.Contains(string(got.body), stepSecret) || !strings.Contains(run.Output, "key=") {
			t.Errorf("secret not scrubbed: %s", run.Output)
		}
		// No body at all is the zero request.
		if got := e.do("POST", runPath(id, "hello"), e.secrets[quench.RoleResponder], "", nil); got.status != 200 ||
			!strings.Contains(string(got.body), fmt.Sprintf("hello from incident %d", id)) {
			t.Errorf("run without a body: %s", got)
		}
		// A failing step is a 200 with its exit code: the run happened.
		got = e.post(runPath(id, "broken"), quench.RoleResponder, nil)
		got.decode(t, &run)
		if got.status != 200 || run.ExitCode != 3 || !strings.Contains(run.Output, "broken") {
			t.Errorf("run broken: %s", got)
		}

		// The gate: a mutating step is refused without confirm, with the
		// reason, and nothing runs; a viewer cannot run anything.
		for _, tt := range []struct {
			name   string
			role   quench.TokenRole
			body   string
			status int
			msg    string
		}{
			{"not confirmed", quench.RoleResponder, `{}`, 403, "confirm"},
			{"confirm false", quench.RoleOwner, `{"confirm":false}`, 403, "confirm"},
			{"viewer", quench.RoleViewer, `{"confirm":true}`, 403, "responder"},
			{"unknown field", quench.RoleResponder, `{"confirm":true,"force":true}`, 400, `unknown field "force"`},
			{"wrong type", quench.RoleResponder, `{"confirm":"yes"}`, 400, "confirm: expected boolean"},
			{"trailing data", quench.RoleResponder, `{"confirm":true} {}`, 400, "unexpected data"},
			{"not an object", quench.RoleResponder, `[true]`, 400, "expected object"},
			{"truncated", quench.RoleResponder, `{"confirm":tr`, 400, "invalid JSON"},
		} {
			got := e.post(runPath(id, "clean-tmp"), tt.role, []byte(tt.body))
			if got.status != tt.status || !strings.Contains(got.errorMessage(), tt.msg) {
				t.Errorf("%s: got %s, want %d %q", tt.name, got, tt.status, tt.msg)
			}
		}
		if got := e.do("POST", runPath(id, "clean-tmp"), e.secrets[quench.RoleResponder], "text/plain", []byte(`{"confirm":true}`)); got.status != 415 {
			t.Errorf("text/plain body: %s", got)
		}
		if e.markerExists() {
			t.Fatal("the mutating step ran without confirmation")
		}

		// A dry run says what, where and with which variables, and runs
		// nothing, even confirmed.
		got = e.post(runPath(id, "clean-tmp"), quench.RoleResponder, []byte(`{"dry_run":true,"confirm":true}`))
		got.decode(t, &run)
		if got.status != 200 || !run.DryRun || run.Command != `touch "$MARKER_DIR/cleaned"` || run.Target != "local" || run.Class != quench.Mutating {
			t.Fatalf("dry run: %s", got)
		}
		for _, want := range []string{"MARKER_DIR", "API_KEY", "QUENCH_INCIDENT_ID", "QUENCH_RUNBOOK", "QUENCH_LABEL_INSTANCE", "QUENCH_LABEL_EVIL"} {
			if !slices.Contains(run.EnvNames, want) {
				t.Errorf("dry run env %v lacks %s", run.EnvNames, want)
			}
		}
		if strings.Contains(string(got.body), stepSecret) || strings.Contains(string(got.body), "db-1:9100") {
			t.Errorf("dry run shows values: %s", got)
		}
		if e.markerExists() {
			t.Fatal("the dry run ran the step")
		}

		// Confirmed, it runs.
		got = e.post(runPath(id, "clean-tmp"), quench.RoleResponder, []byte(`{"confirm":true}`))
		if got.status != 200 || !e.markerExists() {
			t.Fatalf("confirmed run: %s (marker %v)", got, e.markerExists())
		}
		if _, err := os.Stat("/tmp/quench-pwned"); err == nil {
			t.Errorf("a label value was executed")
		}

		// Unknown steps and incidents.
		if got := e.post(runPath(id, "no-such-step"), quench.RoleResponder, nil); got.status != 404 {
			t.Errorf("unknown step: %s", got)
		}
		if got := e.post(runPath(999999, "usage"), quench.RoleResponder, nil); got.status != 404 {
			t.Errorf("unknown incident: %s", got)
		}
		if got := e.get("/api/v1/incidents/999999/steps", quench.RoleViewer); got.status != 404 {
			t.Errorf("steps of unknown incident: %s", got)
		}
		if got := e.post(runPath(id, "usage")+"?stream=perhaps", quench.RoleResponder, nil); got.status != 400 {
			t.Errorf("bad stream flag: %s", got)
		}

		// The list now shows what happened.
		e.get(fmt.Sprintf("/api/v1/incidents/%d/steps", id), quench.RoleViewer).decode(t, &list)
		status := map[string]string{}
		for _, s := range list.Steps {
			status[s.Name] = s.Status
		}
		want := map[string]string{"hello": "succeeded", "usage": "succeeded", "slow": "pending", "broken": "failed", "clean-tmp": "succeeded"}
		for name, w := range want {
			if status[name] != w {
				t.Errorf("status of %s = %q, want %q", name, status[name], w)
			}
		}
		if list.Steps[4].LastRun == nil || list.Steps[4].LastRun.Actor != "test-responder" {
			t.Errorf("clean-tmp last run: %+v", list.Steps[4].LastRun)
		}

		// The audit trail has the runs and the refusals, and holds.
		var page AuditPage
		e.get("/api/v1/audit?limit=1000", quench.RoleAdmin).decode(t, &page)
		outcomes := map[string]int{}
		for _, en := range page.Entries {
			outcomes[en.Action+"/"+en.Outcome]++
		}
		if outcomes["step.run/ok"] < 3 || outcomes["step.run/refused"] < 2 || outcomes["step.dry_run/ok"] != 1 {
			t.Errorf("audit outcomes %v", outcomes)
		}
		var v AuditVerification
		e.get("/api/v1/audit/verify", quench.RoleAdmin).decode(t, &v)
		if !v.OK || v.Checked != int64(len(page.Entries)) || v.Error != "" {
			t.Errorf("verify: %+v, %d entries", v, len(page.Entries))
		}
	})
}

// TestStepRunDuringFreeze pins the freeze: nothing mutating runs without a
// grant; a valid grant in X-Break-Glass-Token lets it run and is named in
// the run; revoked, unknown and expired grants are refused with 403; the
// secret is never logged.
func TestStepRunDuringFreeze(t *testing.T) {
	e := newStepEnv(t, "sqlite")
	id := e.openRunbookIncident()
	confirm := []byte(`{"confirm":true}`)
	if got := e.post("/api/v1/freeze", quench.RoleAdmin, []byte(`{"frozen":true}`)); got.status != 200 {
		t.Fatalf("freeze: %s", got)
	}
	if got := e.post("/api/v1/freeze", quench.RoleResponder, []byte(`{"frozen":false}`)); got.status != 403 {
		t.Fatalf("responder lifting the freeze: %s", got)
	}

	// Read-only steps still run.
	if got := e.post(runPath(id, "usage"), quench.RoleResponder, nil); got.status != 200 {
		t.Errorf("read-only during freeze: %s", got)
	}
	// A dry run still says what would happen, freeze included.
	var dry quench.StepRun
	got := e.post(runPath(id, "clean-tmp"), quench.RoleResponder, []byte(`{"dry_run":true}`))
	got.decode(t, &dry)
	if got.status != 200 || !strings.Contains(dry.Reason, "freeze") {
		t.Errorf("dry run during freeze: %s", got)
	}

	withGrant := func(secret string) response {
		return e.doHeaders("POST", runPath(id, "clean-tmp"), e.secrets[quench.RoleOwner], map[string]string{BreakGlassHeader: secret}, confirm)
	}
	if got := e.post(runPath(id, "clean-tmp"), quench.RoleOwner, confirm); got.status != 403 || !strings.Contains(got.errorMessage(), "freeze") {
		t.Errorf("no grant: %s", got)
	}
	if got := withGrant("bg_not_a_real_grant"); got.status != 403 || got.header.Get("WWW-Authenticate") != "" {
		t.Errorf("unknown grant: %s", got)
	}
	if got := withGrant(strings.Repeat("x", 10000)); got.status != 403 {
		t.Errorf("huge grant: %s", got)
	}
	if e.markerExists() {
		t.Fatal("a mutating step ran during the freeze without a grant")
	}

	// An admin opens a grant; the secret comes once.
	for _, tt := range []struct{ body, msg string }{
		{`{"ttl_minutes":30}`, "reason is required"},
		{`{"reason":"  ","ttl_minutes":30}`, "reason is required"},
		{`{"reason":"r"}`, "ttl_minutes is required"},
		{`{"reason":"r","ttl_minutes":0}`, "between 1 and 1440"},
		{`{"reason":"r","ttl_minutes":1441}`, "between 1 and 1440"},
		{`{"reason":"r","ttl_minutes":30,"role":"owner"}`, "unknown field"},
	} {
		if got := e.post("/api/v1/break-glass", quench.RoleAdmin, []byte(tt.body)); got.status != 400 || !strings.Contains(got.errorMessage(), tt.msg) {
			t.Errorf("grant %s: %s, want 400 %q", tt.body, got, tt.msg)
		}
	}
	if got := e.post("/api/v1/break-glass", quench.RoleResponder, []byte(`{"reason":"r","ttl_minutes":30}`)); got.status != 403 {
		t.Errorf("responder opening a grant: %s", got)
	}
	got = e.post("/api/v1/break-glass", quench.RoleAdmin, []byte(`{"reason":"restore the orders table","ttl_minutes":30}`))
	var g grantCreated
	got.decode(t, &g)
	if got.status != 201 || g.Secret == "" || g.ID == 0 || g.Actor != "test-admin" {
		t.Fatalf("create grant: %s", got)
	}
	list := e.get("/api/v1/break-glass", quench.RoleAdmin)
	if list.status != 200 || strings.Contains(string(list.body), g.Secret) || !strings.Contains(string(list.body), "restore the orders table") {
		t.Errorf("grant list: %s", list)
	}

	got = withGrant(g.Secret)
	var run quench.StepRun
	got.decode(t, &run)
	if got.status != 200 || run.GrantID != g.ID || !e.markerExists() {
		t.Fatalf("run with grant: %s", got)
	}

	// Revoked, the grant stops working.
	if got := e.do("DELETE", fmt.Sprintf("/api/v1/break-glass/%d", g.ID), e.secrets[quench.RoleAdmin], "", nil); got.status != 204 {
		t.Fatalf("revoke: %s", got)
	}
	if got := e.do("DELETE", fmt.Sprintf("/api/v1/break-glass/%d", g.ID), e.secrets[quench.RoleAdmin], "", nil); got.status != 409 {
		t.Errorf("revoke twice: %s", got)
	}
	if got := withGrant(g.Secret); got.status != 403 || !strings.Contains(got.errorMessage(), "revoked") {
		t.Errorf("revoked grant: %s", got)
	}

	// Every grant change, the freeze and each use are audited with the
	// grant; the secret is in neither the audit trail nor the log.
	var page AuditPage
	e.get("/api/v1/audit?limit=1000", quench.RoleAdmin).decode(t, &page)
	var actions []string
	usedGrant := false
	for _, en := range page.Entries {
		actions = append(actions, en.Action+"/"+en.Outcome)
		if en.Action == "step.run" && en.Outcome == "ok" && strings.Contains(string(en.Data), "restore the orders table") {
			usedGrant = true
		}
	}
	for _, want := range []string{"freeze.on/ok", "breakglass.create/ok", "breakglass.revoke/ok", "step.run/refused"} {
		if !slices.Contains(actions, want) {
			t.Errorf("audit lacks %s: %v", want, actions)
		}
	}
	if !usedGrant {
		t.Errorf("no step.run entry names the grant's reason: %v", actions)
	}
	raw := e.get("/api/v1/audit?limit=1000", quench.RoleAdmin)
	if strings.Contains(string(raw.body), g.Secret) {
		t.Errorf("the audit trail holds the grant secret")
	}
	if strings.Contains(e.logs.String(), g.Secret) {
		t.Errorf("the server logged the grant secret")
	}
}

// TestStepRoutesWithoutRunner: a server wired without a runner says so;
// without events either, its incident stream has nothing to send.
func TestStepRoutesWithoutRunner(t *testing.T) {
	e := newEnv(t, "sqlite", func(s *Server) { s.Events = nil })
	id := e.openIncident()
	for _, got := range []response{
		e.get(fmt.Sprintf("/api/v1/incidents/%d/steps", id), quench.RoleViewer),
		e.post(runPath(id, "usage"), quench.RoleResponder, nil),
		e.get(fmt.Sprintf("/api/v1/incidents/%d/stream", id), quench.RoleViewer),
	} {
		if got.status != 503 || got.errorMessage() != "step runner not configured" {
			t.Errorf("got %s, want 503 step runner not configured", got)
		}
	}
}

// TestStepStream reads real events from a running step, on the incident's
// stream and on the run route's own stream.
func TestStepStream(t *testing.T) {
	e := newStepEnv(t, "sqlite", func(s *Server) { s.Heartbeat = 100 * time.Millisecond })
	id := e.openRunbookIncident()
	ctx := context.Background()

	// The incident's stream: subscribe, then run the slow step.
	st := e.openStream(ctx, "GET", fmt.Sprintf("/api/v1/incidents/%d/stream", id), quench.RoleViewer, nil)
	if got := st.resp.Header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control %q", got)
	}
	done := make(chan response, 1)
	go func() { done <- e.post(runPath(id, "slow"), quench.RoleResponder, nil) }()
	var output strings.Builder
	var finished *quench.StepOutput
	var kinds []quench.IncidentEventKind // the incident's events, in order
	heartbeats := 0
	for finished == nil || len(kinds) < 2 {
		ev, ok := st.next()
		if !ok {
			t.Fatalf("stream ended before the step finished; output so far %q, incident events %v", output.String(), kinds)
		}
		var so quench.StepOutput
		switch {
		case ev.comment == "heartbeat":
			heartbeats++
			continue
		case ev.name == "incident":
			var ie quench.IncidentEvent
			if err := json.Unmarshal([]byte(ev.data), &ie); err != nil || ie.IncidentID != id || ie.Step != "slow" {
				t.Fatalf("incident event %q: %v", ev.data, err)
			}
			kinds = append(kinds, ie.Kind)
			continue
		case ev.name != "output" && ev.name != "done":
			t.Fatalf("unexpected event %+v", ev)
		}
		if err := json.Unmarshal([]byte(ev.data), &so); err != nil {
			t.Fatalf("event data %q: %v", ev.data, err)
		}
		if so.IncidentID != id || so.Step != "slow" {
			t.Fatalf("event for %d/%s", so.IncidentID, so.Step)
		}
		if ev.name == "done" {
			finished = &so
			continue
		}
		output.WriteString(so.Data)
	}
	if output.String() != "tick 1\ntick 2\ntick 3\n" {
		t.Errorf("streamed output %q", output.String())
	}
	if want := []quench.IncidentEventKind{quench.IncidentStepStarted, quench.IncidentStepFinished}; !slices.Equal(kinds, want) {
		t.Errorf("incident events %v, want %v", kinds, want)
	}
	if !finished.Done || finished.Run == nil || finished.Run.ExitCode != 0 || finished.Run.Output != output.String() {
		t.Errorf("done event %+v", finished)
	}
	if heartbeats == 0 {
		t.Errorf("no heartbeat in %s of a quiet step", 900*time.Millisecond)
	}
	if got := <-done; got.status != 200 {
		t.Errorf("run: %s", got)
	}

	// The run route's own stream: output, then done with the run.
	rs := e.openStream(ctx, "POST", runPath(id, "slow")+"?stream=1", quench.RoleResponder, []byte(`{}`))
	var names []string
	var last sseEvent
	for {
		ev, ok := rs.next()
		if !ok {
			break
		}
		if ev.comment != "" {
			continue
		}
		names = append(names, ev.name)
		last = ev
	}
	if len(names) < 2 || names[len(names)-1] != "done" || names[0] != "output" {
		t.Errorf("run stream events %v", names)
	}
	var so quench.StepOutput
	if err := json.Unmarshal([]byte(last.data), &so); err != nil || so.Run == nil || so.Run.Output != "tick 1\ntick 2\ntick 3\n" {
		t.Errorf("run stream done %q: %v", last.data, err)
	}

	// A refusal on a streamed run is still a plain 403 with the reason.
	got := e.doHeaders("POST", runPath(id, "clean-tmp"), e.secrets[quench.RoleResponder], map[string]string{"Accept": "text/event-stream"}, []byte(`{}`))
	if got.status != 403 || !strings.Contains(got.header.Get("Content-Type"), "application/json") || !strings.Contains(got.errorMessage(), "confirm") {
		t.Errorf("streamed refusal: %s %s", got, got.header.Get("Content-Type"))
	}

	// Closing the server ends open streams.
	quiet := e.openStream(ctx, "GET", fmt.Sprintf("/api/v1/incidents/%d/stream", id), quench.RoleViewer, nil)
	closed := make(chan error, 1)
	go func() {
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		closed <- e.srv.Close(cctx)
	}()
	for {
		if _, ok := quiet.next(); !ok {
			break
		}
	}
	if err := <-closed; err != nil {
		t.Errorf("close with an open stream: %v", err)
	}
}

// TestStreamClientGoesAway: a client that leaves ends its stream, and
// the runner's subscription with it.
func TestStreamClientGoesAway(t *testing.T) {
	e := newStepEnv(t, "sqlite")
	id := e.openRunbookIncident()
	for range 5 {
		ctx, cancel := context.WithCancel(context.Background())
		st := e.openStream(ctx, "GET", fmt.Sprintf("/api/v1/incidents/%d/stream", id), quench.RoleViewer, nil)
		cancel()
		st.resp.Body.Close()
	}
	if got := e.statusOnly("GET", "/api/v1/incidents/999999/stream", e.secrets[quench.RoleViewer]); got.status != 404 {
		t.Errorf("stream of unknown incident: %s", got)
	}
	// The server closes promptly: no stream is left holding it.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := e.srv.Close(ctx); err != nil {
		t.Errorf("close: %v", err)
	}
}

// TestIncidentDeploys pins the window: the deploys of the hour before the
// incident opened, and the newest deploy before that hour as last_good.
func TestIncidentDeploys(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dialect string) {
		e := newEnv(t, dialect)
		ctx := context.Background()
		id := e.openIncident()
		path := fmt.Sprintf("/api/v1/incidents/%d", id)

		// Nothing recorded: an empty list and a null pointer.
		got := e.get(path, quench.RoleViewer)
		if !strings.Contains(string(got.body), `"deploys":[]`) || !strings.Contains(string(got.body), `"last_good":null`) {
			t.Errorf("no deploys: %s", got)
		}
		inc, err := e.srv.Incidents.FindIncident(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		at := func(d time.Duration, sha string) {
			if _, err := e.srv.Deploys.RecordDeploy(ctx, quench.Deploy{Service: "api", SHA: sha, Actor: "ci", DeployedAt: inc.OpenedAt.Add(d)}); err != nil {
				t.Fatal(err)
			}
		}
		at(-3*time.Hour, "old")
		at(-90*time.Minute, "good")
		at(-61*time.Minute, "good2")
		at(-30*time.Minute, "suspect1")
		at(-5*time.Minute, "suspect2")
		at(10*time.Minute, "after")

		v, err := e.apiClient(quench.RoleViewer).FindIncident(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		var shas []string
		for _, d := range v.Deploys {
			shas = append(shas, d.SHA)
		}
		if strings.Join(shas, ",") != "suspect2,suspect1" {
			t.Errorf("deploys %v, want suspect2,suspect1", shas)
		}
		if !v.LastGood.Known || v.LastGood.Deploy == nil || v.LastGood.Deploy.SHA != "good2" {
			t.Errorf("last_good %+v, want good2", v.LastGood)
		}
		list := e.get("/api/v1/incidents", quench.RoleViewer)
		if strings.Contains(string(list.body), `"last_good"`) || strings.Contains(string(list.body), `"deploys"`) {
			t.Errorf("the list carries deploys: %s", list)
		}
	})
}

// TestAuditVerifyRoute: an intact chain is ok; a row edited behind the
// store's back is named.
func TestAuditVerifyRoute(t *testing.T) {
	dsn := sqldbtest.DSN(t, sqldb.DialectSQLite)
	db, err := sqldb.Open(context.Background(), sqldb.Config{DSN: dsn})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	e := newEnv(t, "sqlite", func(s *Server) {
		s.Audit = sqldb.NewAuditService(db)
		s.ChangeControl = sqldb.NewChangeControlService(db)
	})
	for _, on := range []string{"true", "false", "true"} {
		if got := e.post("/api/v1/freeze", quench.RoleOwner, []byte(`{"frozen":`+on+`}`)); got.status != 200 {
			t.Fatal(got)
		}
	}
	admin := e.apiClient(quench.RoleAdmin)
	v, err := admin.VerifyAudit(context.Background())
	if err != nil || !v.OK || v.Checked != 3 {
		t.Fatalf("verify: %+v %v", v, err)
	}

	raw, err := sql.Open("sqlite", strings.TrimPrefix(dsn, "sqlite:"))
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(`UPDATE audit_log SET actor = 'mallory' WHERE seq = 2`); err != nil {
		t.Fatal(err)
	}
	v, err = admin.VerifyAudit(context.Background())
	if err != nil || v.OK || !strings.Contains(v.Error, "audit entry 2") || v.Checked != 1 {
		t.Fatalf("verify after edit: %+v %v", v, err)
	}
	if _, err := e.apiClient(quench.RoleResponder).VerifyAudit(context.Background()); quench.ErrorCode(err) != quench.EFORBIDDEN {
		t.Errorf("responder verify: %v", err)
	}
}

// slowDecider is a step service that takes a while before the runner
// decides anything, as a loaded machine does.
type slowDecider struct {
	quench.StepService
	delay time.Duration
}

func (s slowDecider) RunStep(ctx context.Context, req quench.StepRunRequest) (*quench.StepRun, error) {
	time.Sleep(s.delay)
	return s.StepService.RunStep(ctx, req)
}

// A streamed run that the runner refuses is a plain 403 however long the
// runner took to decide: heartbeats start only once it accepted the step.
func TestStreamedRefusalAfterHeartbeats(t *testing.T) {
	e := newStepEnv(t, "sqlite", func(s *Server) { s.Heartbeat = time.Millisecond })
	e.srv.Steps = slowDecider{StepService: e.srv.Steps, delay: 100 * time.Millisecond}
	id := e.openRunbookIncident()
	got := e.doHeaders("POST", runPath(id, "clean-tmp"), e.secrets[quench.RoleResponder], map[string]string{"Accept": "text/event-stream"}, []byte(`{}`))
	if got.status != 403 || !strings.Contains(got.errorMessage(), "confirm") {
		t.Errorf("streamed refusal after 100 heartbeat periods: %s", got)
	}
}
