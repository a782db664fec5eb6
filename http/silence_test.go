package http

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/quench-sh/quench"
	"github.com/quench-sh/quench/suppress"
)

// silence creates an active silence through the store and returns its id.
func (e *testEnv) silence() int64 {
	e.t.Helper()
	ms, _ := quench.ParseLabelMatchers([]string{fmt.Sprintf("alertname=Matrix%d", e.seq.Add(1))})
	sl := &quench.Silence{Matchers: ms, EndsAt: time.Now().Add(time.Hour), Comment: "matrix", CreatedBy: "matrix"}
	if err := e.srv.Silences.CreateSilence(context.Background(), sl); err != nil {
		e.t.Fatal(err)
	}
	return sl.ID
}

// generic posts one generic alert and returns its result.
func (e *testEnv) generic(body string) ingestResultOutput {
	e.t.Helper()
	var out struct {
		Results []ingestResultOutput `json:"results"`
	}
	got := e.post("/ingest/generic", quench.RoleIngest, []byte(body))
	if got.status != 200 {
		e.t.Fatalf("ingest: %s", got)
	}
	got.decode(e.t, &out)
	return out.Results[0]
}

// waitIncident waits until an incident with summary is status.
func (e *testEnv) waitIncident(summary string, status quench.Status) *IncidentView {
	e.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		var list IncidentList
		e.get("/api/v1/incidents?status="+string(status), quench.RoleViewer).decode(e.t, &list)
		for _, inc := range list.Incidents {
			if inc.Summary == summary {
				return inc
			}
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("no %s incident %q", status, summary)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (e *testEnv) countIncidents() int {
	var list IncidentList
	e.get("/api/v1/incidents", quench.RoleViewer).decode(e.t, &list)
	return len(list.Incidents)
}

// TestSilenceStopsAnIncident: over real HTTP, a silence holds back a
// matching alert (stored, listed, no incident); expiring it while the
// alert still fires opens the incident then; a resolve while silenced
// forgets the alert.
func TestSilenceStopsAnIncident(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dialect string) {
		e := newEnv(t, dialect)
		got := e.post("/api/v1/silences", quench.RoleResponder,
			[]byte(`{"matchers":["alertname=PostgresDown","instance=~\"db:.*\""],"duration":"2h","comment":"failover test"}`))
		if got.status != 201 {
			t.Fatalf("create silence: %s", got)
		}
		var sl quench.Silence
		got.decode(t, &sl)
		if sl.State != quench.SilenceActive || sl.CreatedBy != "test-responder" {
			t.Fatalf("silence %+v", sl)
		}
		res := e.generic(`{"summary":"Postgres is down","severity":"critical","dedup_key":"pg","labels":{"alertname":"PostgresDown","instance":"db:5432"}}`)
		if res.Outcome != quench.OutcomeSuppressed || res.Incident != 0 {
			t.Fatalf("silenced alert: %+v", res)
		}
		other := e.generic(`{"summary":"Postgres is down elsewhere","severity":"critical","dedup_key":"pg2","labels":{"alertname":"PostgresDown","instance":"replica:5432"}}`)
		if other.Outcome != quench.OutcomeOpened {
			t.Fatalf("alert the silence does not match: %+v", other)
		}
		if n := e.countIncidents(); n != 1 {
			t.Fatalf("%d incidents, want only the unsilenced one", n)
		}
		var held SuppressedList
		e.get("/api/v1/suppressed", quench.RoleViewer).decode(t, &held)
		if len(held.Alerts) != 1 || held.Alerts[0].Reason != quench.SuppressSilence || held.Alerts[0].Ref != fmt.Sprint(sl.ID) {
			t.Fatalf("held alerts: %+v", held.Alerts)
		}
		var list SilenceList
		e.get("/api/v1/silences", quench.RoleViewer).decode(t, &list)
		if len(list.Silences) != 1 || list.Silences[0].Suppressed != 1 {
			t.Fatalf("silences: %+v", list.Silences)
		}

		// Another silenced key resolves while silenced: forgotten.
		e.generic(`{"summary":"flap","severity":"high","dedup_key":"flap","labels":{"alertname":"PostgresDown","instance":"db:6432"}}`)
		e.generic(`{"summary":"flap","severity":"high","dedup_key":"flap","status":"resolved"}`)

		if got := e.post(fmt.Sprintf("/api/v1/silences/%d/expire", sl.ID), quench.RoleResponder, []byte(`{}`)); got.status != 200 {
			t.Fatalf("expire: %s", got)
		}
		e.waitIncident("Postgres is down", quench.StatusTriggered)
		time.Sleep(200 * time.Millisecond) // a wrongly released "flap" would open by now
		if n := e.countIncidents(); n != 2 {
			t.Fatalf("%d incidents after the silence ended, want 2 (the resolved flap stays closed)", n)
		}
		if got := e.post(fmt.Sprintf("/api/v1/silences/%d/expire", sl.ID), quench.RoleResponder, []byte(`{}`)); got.status != 409 {
			t.Fatalf("expire twice: %s", got)
		}
		entries, err := e.srv.Audit.FindAuditEntries(context.Background(), 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, a := range entries {
			if strings.HasPrefix(a.Action, "silence.") {
				actions = append(actions, a.Action+" by "+a.Actor)
			}
		}
		if got := strings.Join(actions, ", "); got != "silence.create by test-responder, silence.expire by test-responder" {
			t.Fatalf("audit: %s", got)
		}
	})
}

// TestInhibitionFoldsSymptoms: with api-down depending on db-down, an API
// alert while the database incident is open is its symptom (on its
// timeline, no incident of its own); when the database incident resolves
// and the API still fails, the API incident opens.
func TestInhibitionFoldsSymptoms(t *testing.T) {
	e := newEnv(t, "sqlite")
	e.srv.Silences.(*suppress.Service).SetRules(suppress.Rules{Inhibit: suppress.DependsOn(map[string][]string{"api-down": {"db-down"}})})
	db := e.generic(`{"summary":"Postgres is down","severity":"critical","dedup_key":"pg","labels":{"alertname":"PostgresDown"}}`)
	if db.Outcome != quench.OutcomeOpened {
		t.Fatalf("db alert: %+v", db)
	}
	api := e.generic(`{"summary":"API health check failing","severity":"critical","dedup_key":"api","labels":{"alertname":"ApiDown"}}`)
	if api.Outcome != quench.OutcomeSuppressed {
		t.Fatalf("api alert while the database is down: %+v", api)
	}
	e.generic(`{"summary":"API health check failing","severity":"critical","dedup_key":"api","labels":{"alertname":"ApiDown"}}`)
	if n := e.countIncidents(); n != 1 {
		t.Fatalf("%d incidents, want one", n)
	}
	var inc IncidentView
	e.get(fmt.Sprintf("/api/v1/incidents/%d", db.Incident), quench.RoleViewer).decode(t, &inc)
	symptoms := 0
	for _, ev := range inc.Timeline {
		if ev.Kind == quench.EventSymptom && strings.Contains(ev.Text, "API health check failing") {
			symptoms++
		}
	}
	if symptoms != 1 {
		t.Fatalf("the database incident shows %d symptoms, want the API's once: %+v", symptoms, inc.Timeline)
	}
	if got := e.post(fmt.Sprintf("/api/v1/incidents/%d/resolve", db.Incident), quench.RoleResponder, nil); got.status != 200 {
		t.Fatalf("resolve: %s", got)
	}
	opened := e.waitIncident("API health check failing", quench.StatusTriggered)
	if opened.Runbook == nil || *opened.Runbook != "api-down" {
		t.Fatalf("released API incident %+v", opened)
	}
}

// TestMaintenanceWindow: an alert in an open maintenance window is held
// back; when the window is gone (here: the rules change) and it still
// fires, its incident opens.
func TestMaintenanceWindow(t *testing.T) {
	e := newEnv(t, "sqlite")
	ms, err := quench.ParseLabelMatchers([]string{"runbook=db-down"})
	if err != nil {
		t.Fatal(err)
	}
	// Opened every minute for two: always open.
	w, err := suppress.NewWindow("vacuum", "* * * * *", nil, 2*time.Minute, ms, "VACUUM FULL")
	if err != nil {
		t.Fatal(err)
	}
	sup := e.srv.Silences.(*suppress.Service)
	sup.SetRules(suppress.Rules{Windows: []suppress.Window{w}})
	if res := e.generic(`{"summary":"Postgres is down","severity":"critical","dedup_key":"pg","labels":{"alertname":"PostgresDown"}}`); res.Outcome != quench.OutcomeSuppressed {
		t.Fatalf("alert in the window: %+v", res)
	}
	if res := e.generic(`{"summary":"API down","severity":"critical","dedup_key":"api","labels":{"alertname":"ApiDown"}}`); res.Outcome != quench.OutcomeOpened {
		t.Fatalf("alert the window does not cover: %+v", res)
	}
	var held SuppressedList
	e.get("/api/v1/suppressed", quench.RoleViewer).decode(t, &held)
	if len(held.Alerts) != 1 || held.Alerts[0].Reason != quench.SuppressMaintenance || held.Alerts[0].Ref != "vacuum" {
		t.Fatalf("held: %+v", held.Alerts)
	}
	sup.SetRules(suppress.Rules{})
	if inc := e.waitIncident("Postgres is down", quench.StatusTriggered); inc.Runbook == nil || *inc.Runbook != "db-down" {
		t.Fatalf("released incident %+v", inc)
	}
}
