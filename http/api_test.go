package http

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/quench-sh/quench"
)

func TestIncidentAPI(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dialect string) {
		e := newEnv(t, dialect)
		ctx := context.Background()
		if got := e.post("/ingest/alertmanager", quench.RoleIngest, readFixture(t, "alertmanager-firing.json")); got.status != 200 {
			t.Fatalf("ingest: %s", got)
		}
		viewer, responder := e.apiClient(quench.RoleViewer), e.apiClient(quench.RoleResponder)

		// Newest first, paged by `before`.
		page, err := viewer.FindIncidents(ctx, quench.IncidentFilter{Limit: 2})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Incidents) != 2 || page.Next == 0 || page.Incidents[0].ID < page.Incidents[1].ID {
			t.Fatalf("first page: %+v", page)
		}
		rest, err := viewer.FindIncidents(ctx, quench.IncidentFilter{Limit: 2, BeforeID: page.Next})
		if err != nil {
			t.Fatal(err)
		}
		if len(rest.Incidents) != 1 || rest.Next != 0 || rest.Incidents[0].ID >= page.Incidents[1].ID {
			t.Fatalf("second page: %+v", rest)
		}

		// Filters.
		for _, tt := range []struct {
			f    quench.IncidentFilter
			want int
		}{
			{quench.IncidentFilter{Severity: quench.SeverityCritical}, 1},
			{quench.IncidentFilter{RunbookID: "api-down"}, 1},
			{quench.IncidentFilter{NoRunbook: true}, 1},
			{quench.IncidentFilter{Status: quench.StatusTriggered}, 3},
			{quench.IncidentFilter{Status: quench.StatusResolved}, 0},
		} {
			got, err := viewer.FindIncidents(ctx, tt.f)
			if err != nil || len(got.Incidents) != tt.want {
				t.Errorf("FindIncidents(%+v) = %d incidents, %v; want %d", tt.f, len(got.Incidents), err, tt.want)
			}
		}

		// The JSON contract: every documented key, null where unset.
		crit, _ := viewer.FindIncidents(ctx, quench.IncidentFilter{Severity: quench.SeverityCritical})
		id := crit.Incidents[0].ID
		raw := e.get(fmt.Sprintf("/api/v1/incidents/%d", id), quench.RoleViewer)
		var keys map[string]any
		raw.decode(t, &keys)
		for _, k := range []string{"id", "status", "severity", "summary", "runbook", "dedup_key", "alert_count", "labels",
			"opened_at", "acknowledged_at", "resolved_at", "source", "integration", "last_seen_at", "timeline"} {
			if _, ok := keys[k]; !ok {
				t.Errorf("incident JSON lacks %q: %s", k, raw)
			}
		}
		if keys["acknowledged_at"] != nil || keys["resolved_at"] != nil || keys["runbook"] != "db-down" {
			t.Errorf("incident JSON: acknowledged_at %v resolved_at %v runbook %v", keys["acknowledged_at"], keys["resolved_at"], keys["runbook"])
		}
		list := e.get("/api/v1/incidents?no_runbook=true", quench.RoleViewer)
		if !strings.Contains(string(list.body), `"runbook":null`) || strings.Contains(string(list.body), `"timeline"`) {
			t.Errorf("list JSON: %s", list)
		}

		// Acknowledge, note, resolve as the responder; the timeline says who.
		inc, err := responder.Acknowledge(ctx, id)
		if err != nil || inc.Status != quench.StatusAcknowledged || inc.AcknowledgedAt == nil || inc.AcknowledgedBy != "test-responder" {
			t.Fatalf("ack: %+v %v", inc, err)
		}
		if _, err := responder.Acknowledge(ctx, id); quench.ErrorCode(err) != quench.ECONFLICT {
			t.Fatalf("second ack: %v, want conflict", err)
		}
		ev, err := responder.AddNote(ctx, id, "restarted the exporter")
		if err != nil || ev.Kind != quench.EventNote || ev.Actor != "test-responder" {
			t.Fatalf("note: %+v %v", ev, err)
		}
		if inc, err = responder.Resolve(ctx, id); err != nil || inc.Status != quench.StatusResolved {
			t.Fatalf("resolve: %+v %v", inc, err)
		}
		if _, err := responder.Resolve(ctx, id); quench.ErrorCode(err) != quench.ECONFLICT {
			t.Fatalf("second resolve: %v, want conflict", err)
		}
		full, err := viewer.FindIncident(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		var kinds []string
		for _, ev := range full.Timeline {
			kinds = append(kinds, ev.Kind)
		}
		if got := strings.Join(kinds, ","); got != "opened,acknowledged,note,resolved" {
			t.Errorf("timeline kinds %s", got)
		}
		if full.Incident().RunbookID != "db-down" {
			t.Errorf("Incident() lost the runbook")
		}

		// Errors come back typed.
		if _, err := viewer.FindIncident(ctx, 999999); quench.ErrorCode(err) != quench.ENOTFOUND {
			t.Errorf("unknown incident: %v", err)
		}
		if _, err := viewer.Acknowledge(ctx, id); quench.ErrorCode(err) != quench.EFORBIDDEN {
			t.Errorf("viewer ack: %v", err)
		}
		bad := &Client{URL: e.srv.URL(), Token: "wrong"}
		if _, err := bad.FindIncidents(ctx, quench.IncidentFilter{}); quench.ErrorCode(err) != quench.EUNAUTHORIZED || err.Error() != "invalid token" {
			t.Errorf("bad token: %v", err)
		}
		down := &Client{URL: "http://127.0.0.1:1", Token: "x"}
		if _, err := down.FindIncidents(ctx, quench.IncidentFilter{}); quench.ErrorCode(err) != quench.EUNAVAILABLE {
			t.Errorf("no server: %v", err)
		}
		var qe *quench.Error
		if _, err := viewer.FindIncidents(ctx, quench.IncidentFilter{Status: "open"}); !errors.As(err, &qe) || qe.Code != quench.EINVALID {
			t.Errorf("bad filter: %v", err)
		}
	})
}

func TestAdminAPI(t *testing.T) {
	e := newEnv(t, "sqlite")
	admin, responder, viewer := quench.RoleAdmin, quench.RoleResponder, quench.RoleViewer

	// Deploys.
	got := e.post("/api/v1/deploys", responder, []byte(`{"service":"api","sha":"0a1b2c3","note":"release 42"}`))
	var d quench.Deploy
	got.decode(t, &d)
	if got.status != http.StatusCreated || d.ID == 0 || d.Actor != "test-responder" || d.Service != "api" {
		t.Fatalf("record deploy: %s", got)
	}
	var ds deployList
	e.get("/api/v1/deploys", viewer).decode(t, &ds)
	if len(ds.Deploys) != 1 || ds.Deploys[0].SHA != "0a1b2c3" {
		t.Fatalf("deploys: %+v", ds)
	}
	e.get("/api/v1/deploys?to="+time.Now().Add(-time.Hour).UTC().Format(time.RFC3339), viewer).decode(t, &ds)
	if len(ds.Deploys) != 0 {
		t.Fatalf("deploys before an hour ago: %+v", ds)
	}

	// Runbooks, with steps and their classes.
	var rbs runbookList
	e.get("/api/v1/runbooks", viewer).decode(t, &rbs)
	if len(rbs.Runbooks) != 3 || rbs.Runbooks[0].ID != "db-down" || rbs.Runbooks[0].Steps != nil {
		t.Fatalf("runbooks: %+v", rbs)
	}
	var rb RunbookView
	e.get("/api/v1/runbooks/db-down", viewer).decode(t, &rb)
	if len(rb.Steps) != 2 || rb.Steps[1].Class != quench.Mutating || !rb.Steps[1].NeedsConfirmation || rb.Steps[1].Timeout != "30s" {
		t.Fatalf("runbook: %+v", rb)
	}

	// Freeze.
	var fs freezeState
	e.get("/api/v1/freeze", viewer).decode(t, &fs)
	if fs.Frozen == nil || *fs.Frozen {
		t.Fatalf("initial freeze: %+v", fs)
	}
	if got := e.post("/api/v1/freeze", admin, []byte(`{"frozen":true}`)); got.status != 200 {
		t.Fatalf("freeze: %s", got)
	}
	e.get("/api/v1/freeze", viewer).decode(t, &fs)
	if !*fs.Frozen {
		t.Fatal("freeze did not stick")
	}

	// Break-glass: the secret is shown once, the list never has it.
	got = e.post("/api/v1/break-glass", admin, []byte(`{"reason":"restore the db from backup","ttl_minutes":30}`))
	var g struct {
		ID        int64     `json:"id"`
		Reason    string    `json:"reason"`
		Actor     string    `json:"actor"`
		ExpiresAt time.Time `json:"expires_at"`
		Secret    string    `json:"secret"`
	}
	got.decode(t, &g)
	if got.status != http.StatusCreated || g.Secret == "" || g.Actor != "test-admin" || time.Until(g.ExpiresAt) > 31*time.Minute {
		t.Fatalf("grant: %s", got)
	}
	list := e.get("/api/v1/break-glass", admin)
	var gl grantList
	list.decode(t, &gl)
	if len(gl.Grants) != 1 || strings.Contains(string(list.body), g.Secret) {
		t.Fatalf("grant list: %s", list)
	}
	if got := e.do("DELETE", fmt.Sprintf("/api/v1/break-glass/%d", g.ID), e.secrets[admin], "", nil); got.status != 204 {
		t.Fatalf("revoke grant: %s", got)
	}
	if got := e.do("DELETE", "/api/v1/break-glass/999999", e.secrets[admin], "", nil); got.status != 404 {
		t.Fatalf("revoke unknown grant: %s", got)
	}

	// The audit trail saw all of it, oldest first, paged.
	var al AuditPage
	e.get("/api/v1/audit?limit=1", admin).decode(t, &al)
	if len(al.Entries) != 1 || al.Next == 0 {
		t.Fatalf("audit page: %+v", al)
	}
	e.get("/api/v1/audit?limit=1000", admin).decode(t, &al)
	actions := map[string]bool{}
	for _, en := range al.Entries {
		actions[en.Action] = true
	}
	if len(al.Entries) < 3 {
		t.Fatalf("audit has %d entries: %v", len(al.Entries), actions)
	}
}

func TestHealthAndReadiness(t *testing.T) {
	var failing atomic.Pointer[error]
	e := newEnv(t, "sqlite", func(s *Server) {
		ping := s.Ready
		s.Ready = func(ctx context.Context) error {
			if err := failing.Load(); err != nil {
				return *err
			}
			return ping(ctx)
		}
	})
	fail := func(err error) { failing.Store(&err) }
	if got := e.do("GET", "/healthz", "", "", nil); got.status != 200 || string(got.body) != "ok\n" {
		t.Fatalf("healthz: %s", got)
	}
	if got := e.do("GET", "/readyz", "", "", nil); got.status != 200 {
		t.Fatalf("readyz: %s", got)
	}
	fail(errors.New("dial tcp 10.0.0.7:5432: connection refused"))
	got := e.do("GET", "/readyz", "", "", nil)
	if got.status != 503 || !strings.Contains(string(got.body), "not ready") || strings.Contains(string(got.body), "10.0.0.7") {
		t.Fatalf("readyz while the database is down: %s", got)
	}
	fail(quench.Errorf(quench.EUNAVAILABLE, "database is unreachable"))
	if got := e.do("GET", "/readyz", "", "", nil); got.status != 503 || !strings.Contains(string(got.body), "database is unreachable") {
		t.Fatalf("readyz with a domain error: %s", got)
	}
}

func TestMetrics(t *testing.T) {
	e := newEnv(t, "sqlite")
	e.post("/ingest/alertmanager", quench.RoleIngest, readFixture(t, "alertmanager-firing.json"))
	e.post("/ingest/alertmanager", quench.RoleIngest, readFixture(t, "alertmanager-firing.json"))
	e.post("/ingest/generic", quench.RoleIngest, []byte(`{`))
	e.do("GET", "/no/such/route", "", "", nil)
	got := e.get("/metrics", quench.RoleViewer)
	if got.status != 200 {
		t.Fatalf("metrics: %s", got)
	}
	body := string(got.body)
	for _, want := range []string{
		`quench_alerts_received_total{outcome="opened",source="alertmanager"} 3`,
		`quench_alerts_received_total{outcome="deduplicated",source="alertmanager"} 3`,
		`quench_alerts_received_total{outcome="invalid",source="generic"} 1`,
		// Only the alert that opened an incident no runbook answers; its
		// repeat is not routed again.
		`quench_alerts_unrouted_total{source="alertmanager"} 1`,
		`quench_ingest_duration_seconds_count{source="alertmanager"} 2`,
		`quench_incidents{status="triggered"} 3`,
		`quench_incidents{status="resolved"} 0`,
		`quench_incidents_open_no_runbook 1`,
		`quench_http_requests_total{code="200",route="POST /ingest/alertmanager"} 2`,
		`quench_http_requests_total{code="400",route="POST /ingest/generic"} 1`,
		`quench_http_requests_total{code="404",route="unmatched"} 1`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if got := e.do("GET", "/metrics", "", "", nil); got.status != 401 {
		t.Errorf("metrics without a token: %s", got)
	}
}

// TestGracefulClose holds a request inside the server while Close runs:
// the request must complete and Close must wait for it.
func TestGracefulClose(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	e := newEnv(t, "sqlite", func(s *Server) {
		s.Alerts = holdingAlerts{next: s.Alerts, entered: entered, release: release}
	})
	type result struct {
		status int
		err    error
	}
	reqDone := make(chan result, 1)
	go func() {
		req, _ := http.NewRequest("POST", e.srv.URL()+"/ingest/generic", strings.NewReader(`{"summary":"in flight"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+e.secrets[quench.RoleIngest])
		resp, err := e.client.Do(req)
		if err != nil {
			reqDone <- result{err: err}
			return
		}
		resp.Body.Close()
		reqDone <- result{status: resp.StatusCode}
	}()
	<-entered
	closeDone := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		closeDone <- e.srv.Close(ctx)
	}()
	// New connections are refused once Close has begun.
	deadline := time.Now().Add(5 * time.Second)
	for {
		c := &http.Client{Timeout: time.Second}
		resp, err := c.Get(e.srv.URL() + "/healthz")
		if err != nil {
			break
		}
		resp.Body.Close()
		if time.Now().After(deadline) {
			t.Fatal("server still accepts connections while closing")
		}
		time.Sleep(10 * time.Millisecond)
	}
	select {
	case err := <-closeDone:
		t.Fatalf("Close returned (%v) while a request was in flight", err)
	default:
	}
	close(release)
	if r := <-reqDone; r.err != nil || r.status != 200 {
		t.Fatalf("in-flight request: %d %v", r.status, r.err)
	}
	if err := <-closeDone; err != nil {
		t.Fatalf("Close: %v", err)
	}
	if n := len(e.allIncidents()); n != 1 {
		t.Fatalf("%d incidents after close, want the in-flight one", n)
	}
}

// holdingAlerts submits through next once release is closed, after
// closing entered: a request held inside the server.
type holdingAlerts struct {
	next             quench.AlertService
	entered, release chan struct{}
}

func (h holdingAlerts) SubmitAlerts(ctx context.Context, alerts []quench.Alert) ([]quench.IngestResult, error) {
	close(h.entered)
	<-h.release
	return h.next.SubmitAlerts(ctx, alerts)
}

// A client pointed at a wrong base URL is told so, not "not found"; a
// missing incident still says the incident is missing.
func TestClientWrongBaseURL(t *testing.T) {
	e := newEnv(t, "sqlite")
	viewer := e.secrets[quench.RoleViewer]
	for _, tt := range []struct {
		name, base, want string
	}{
		{"a path after the address", e.srv.URL() + "/quench", "has no route for /quench/api/v1/incidents: set QUENCH_URL"},
		{"not a quench server", stubServer(t, http.NotFoundHandler()), "does not look like a quench server"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := &Client{URL: tt.base, Token: viewer}
			_, err := c.FindIncidents(context.Background(), quench.IncidentFilter{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("FindIncidents via %s: %v, want it to contain %q", tt.base, err, tt.want)
			}
		})
	}
	c := &Client{URL: e.srv.URL(), Token: viewer}
	if _, err := c.FindIncident(context.Background(), 999); err == nil || err.Error() != "incident 999 not found" {
		t.Fatalf("FindIncident(999) = %v, want the incident named as missing", err)
	}
}

func stubServer(t *testing.T, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}
