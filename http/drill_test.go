package http

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/quench-sh/quench"
	"github.com/quench-sh/quench/drill"
	"github.com/quench-sh/quench/sqldb"
)

// lazyDrills is the step test server's drill service: the server needs it
// before it opens, and the real one needs the server's database, which
// only exists once the server is built. It hands every call to the real
// service once set.
type lazyDrills struct {
	mu  sync.Mutex
	svc quench.DrillService
}

func (l *lazyDrills) get() (quench.DrillService, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.svc == nil {
		return nil, errNoDrills
	}
	return l.svc, nil
}

func (l *lazyDrills) StartDrills(ctx context.Context, ids []string, actor string) ([]*quench.Drill, error) {
	s, err := l.get()
	if err != nil {
		return nil, err
	}
	return s.StartDrills(ctx, ids, actor)
}

func (l *lazyDrills) FindDrill(ctx context.Context, id int64) (*quench.Drill, error) {
	s, err := l.get()
	if err != nil {
		return nil, err
	}
	return s.FindDrill(ctx, id)
}

func (l *lazyDrills) FindDrills(ctx context.Context, f quench.DrillFilter) ([]*quench.Drill, error) {
	s, err := l.get()
	if err != nil {
		return nil, err
	}
	return s.FindDrills(ctx, f)
}

func (l *lazyDrills) LatestDrills(ctx context.Context) (map[string]*quench.Drill, map[string]*quench.Drill, error) {
	s, err := l.get()
	if err != nil {
		return nil, nil, err
	}
	return s.LatestDrills(ctx)
}

// openDrills gives the step test server a real drill service over its
// store and runner. The runner diagnoses nothing on its own here, so a
// drill waits (and is stopped when the test ends): these tests are about
// the routes; the whole drill runs in cmd/quench's tests.
func (se *stepEnv) openDrills(t testing.TB) {
	t.Helper()
	svc := &drill.Service{
		Store: sqldb.NewDrillService(se.db), Alerts: se.srv.Alerts, Events: se.srv.Events, Incidents: se.srv.Incidents,
		Steps: se.runner, Runbooks: se.srv.Runbooks, FirstSteps: se.runner.FirstSteps, AutoDiagnosis: true,
		StepTimeout: time.Second, Logger: se.srv.Logger,
	}
	if err := svc.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close() })
	se.drills.mu.Lock()
	se.drills.svc = svc
	se.drills.mu.Unlock()
}

func TestDrillRoutes(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dialect string) {
		e := newStepEnv(t, dialect)
		responder, viewer := e.secrets[quench.RoleResponder], e.secrets[quench.RoleViewer]

		for _, c := range []struct{ body, want string }{
			{`{}`, `name the runbooks to drill`},
			{`{"runbooks":["db-down"],"all":true}`, "not both"},
			{`{"runbooks":["nope"]}`, `no runbook`},
			{`{"runbook":"db-down"}`, "unknown field"},
		} {
			got := e.do("POST", "/api/v1/drills", responder, "", []byte(c.body))
			if got.status/100 != 4 || !strings.Contains(string(got.body), c.want) {
				t.Errorf("POST %s: %s, want a 4xx naming %q", c.body, got, c.want)
			}
		}

		got := e.do("POST", "/api/v1/drills", responder, "", []byte(`{"runbooks":["db-down","db-down"]}`))
		var started DrillList
		if got.status != http.StatusAccepted || json.Unmarshal(got.body, &started) != nil || len(started.Drills) != 1 {
			t.Fatalf("POST a drill: %s", got)
		}
		d := started.Drills[0]
		if d.RunbookID != "db-down" || d.Status != quench.DrillQueued || d.Actor != "test-responder" || d.Scheduled {
			t.Errorf("queued drill = %+v", d)
		}

		// A finished drill, as the drill service records it.
		store := sqldb.NewDrillService(e.db)
		done := &quench.Drill{RunbookID: "disk-full", Actor: "test"}
		if err := store.CreateDrill(context.Background(), done); err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		done.Status, done.Verdict, done.FailedSteps, done.FinishedAt, done.AlertToDiagnosis = quench.DrillDone, quench.VerdictDrifted, 2, &now, 1500*time.Millisecond
		done.Steps = []quench.DrillStep{{Name: "df", Section: quench.SectionDiagnosis, Outcome: quench.DrillStepFailed, ExitCode: 1, Reason: "df: no such file"}}
		if err := store.UpdateDrill(context.Background(), done); err != nil {
			t.Fatal(err)
		}

		got = e.do("GET", "/api/v1/drills?runbook=disk-full", viewer, "", nil)
		var list DrillList
		if got.status != http.StatusOK || json.Unmarshal(got.body, &list) != nil || len(list.Drills) != 1 || list.Drills[0].Steps[0].Reason != "df: no such file" {
			t.Errorf("GET drills of disk-full: %s", got)
		}
		got = e.do("GET", "/api/v1/drills?limit=1", viewer, "", nil)
		if json.Unmarshal(got.body, &list) != nil || len(list.Drills) != 1 || list.Next != done.ID {
			t.Errorf("GET drills?limit=1: %s, want the newest and a next page", got)
		}
		for path, want := range map[string]int{
			"/api/v1/drills/" + itoa(done.ID): http.StatusOK,
			"/api/v1/drills/999999":           http.StatusNotFound,
			"/api/v1/drills/abc":              http.StatusBadRequest,
			"/api/v1/drills?limit=0":          http.StatusBadRequest,
			"/api/v1/drills?color=red":        http.StatusBadRequest,
		} {
			if got := e.do("GET", path, viewer, "", nil); got.status != want {
				t.Errorf("GET %s: %s, want %d", path, got, want)
			}
		}

		metrics := e.do("GET", "/metrics", viewer, "", nil)
		for _, want := range []string{`quench_drill_failed_steps{runbook="disk-full"} 2`, `quench_drill_works{runbook="disk-full"} 0`, `quench_drill_alert_to_diagnosis_seconds{runbook="disk-full"} 1.5`} {
			if !strings.Contains(string(metrics.body), want) {
				t.Errorf("/metrics lacks %q", want)
			}
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
