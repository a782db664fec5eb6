package http

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/quench-sh/quench"
	"github.com/quench-sh/quench/heartbeat"
	"github.com/quench-sh/quench/ingest"
	"github.com/quench-sh/quench/sqldb"
	"github.com/quench-sh/quench/suppress"
)

// withSignals gives the test server one heartbeat, "nightly", watched by
// a real monitor over the test store, and the suppression step (no
// rules; tests set them) in its AlertService.
func withSignals(t testing.TB, db *sqldb.DB, s *Server) {
	t.Helper()
	alerts := s.Alerts.(*ingest.AlertService)
	sup := &suppress.Service{Store: sqldb.NewSilenceService(db), Incidents: s.Incidents, Alerts: alerts, Router: alerts.Router, Events: s.Events}
	if err := sup.Open(context.Background(), suppress.Rules{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sup.Close)
	alerts.Suppressor, s.Silences = sup, sup
	mon := &heartbeat.Monitor{Store: sqldb.NewHeartbeatService(db), Alerts: s.Alerts, Incidents: s.Incidents}
	err := mon.Open(context.Background(), []heartbeat.Config{{Name: "nightly", Period: 24 * time.Hour, Grace: time.Hour, Severity: quench.SeverityHigh}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(mon.Close)
	s.Heartbeats = mon
}

// pingSecret returns the secret of the test server's heartbeat.
func (e *testEnv) pingSecret() string {
	e.t.Helper()
	states, err := sqldb.NewHeartbeatService(e.db).HeartbeatStates(context.Background())
	if err != nil || len(states) == 0 {
		e.t.Fatalf("heartbeat states: %v, %d", err, len(states))
	}
	return states[0].Secret
}

// TestPingRoutes: GET, HEAD and POST ping a heartbeat without a token;
// /fail opens an incident with the first 10 KiB of the body on its
// timeline and a success resolves it; anything that is not a configured
// heartbeat's URL is the same 404.
func TestPingRoutes(t *testing.T) {
	e := newEnv(t, "sqlite")
	secret := e.pingSecret()
	for _, method := range []string{http.MethodGet, http.MethodHead, http.MethodPost} {
		if got := e.do(method, "/ping/"+secret, "", "text/plain", nil); got.status != 200 {
			t.Fatalf("%s ping: %s", method, got)
		}
	}
	body := strings.Repeat("x", quench.MaxPingBody-3) + "END" + strings.Repeat("y", 10<<10)
	if got := e.do(http.MethodPost, "/ping/"+secret+"/3", "", "text/plain", []byte(body)); got.status != 200 {
		t.Fatalf("failure ping: %s", got)
	}
	var list IncidentList
	e.get("/api/v1/incidents?status=triggered", quench.RoleViewer).decode(t, &list)
	if len(list.Incidents) != 1 || !strings.Contains(list.Incidents[0].Summary, "exited with status 3") {
		t.Fatalf("incidents after /3: %+v", list.Incidents)
	}
	tl, err := e.store.Timeline(context.Background(), list.Incidents[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	last := tl[len(tl)-1]
	if last.Kind != quench.EventPing || !strings.HasSuffix(last.Text, "xEND") {
		t.Fatalf("last event %s %q…: want the ping with the body's first 10 KiB", last.Kind, quench.CutText(last.Text, 80))
	}
	if got := e.do(http.MethodGet, "/ping/"+secret+"/0", "", "", nil); got.status != 200 {
		t.Fatalf("success ping: %s", got)
	}
	e.get("/api/v1/incidents?status=resolved", quench.RoleViewer).decode(t, &list)
	if len(list.Incidents) != 1 {
		t.Fatalf("exit status 0 did not resolve: %+v", list.Incidents)
	}

	want := e.do(http.MethodGet, "/ping/not-a-secret", "", "", nil)
	if want.status != 404 || strings.Contains(string(want.body), "not-a-secret") {
		t.Fatalf("unknown secret: %s", want)
	}
	for _, path := range []string{"/ping/" + secret + "/256", "/ping/" + secret + "/-1", "/ping/" + secret + "/restart", "/ping/" + secret + "/007", "/ping/x/fail"} {
		if got := e.do(http.MethodPost, path, "", "", []byte("{}")); got.status != 404 || string(got.body) != string(want.body) {
			t.Errorf("POST %s: %s, want the same 404 as an unknown secret (%s)", path, got, want)
		}
	}
}

// TestHeartbeatList: viewers see state, only responders see ping URLs.
func TestHeartbeatList(t *testing.T) {
	e := newEnv(t, "sqlite")
	var list HeartbeatList
	e.get("/api/v1/heartbeats", quench.RoleViewer).decode(t, &list)
	if len(list.Heartbeats) != 1 || list.Heartbeats[0].Name != "nightly" || list.Heartbeats[0].Status != quench.HeartbeatNew ||
		list.Heartbeats[0].PingURL != "" || list.Heartbeats[0].DueAt == nil {
		t.Fatalf("viewer's list: %+v", list.Heartbeats)
	}
	hbs, err := e.apiClient(quench.RoleResponder).Heartbeats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if want := e.srv.URL() + "/ping/" + e.pingSecret(); len(hbs) != 1 || hbs[0].PingURL != want {
		t.Fatalf("responder's list: %+v, want ping URL %s", hbs, want)
	}
}
