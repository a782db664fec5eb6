package check

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/quench-sh/quench"
	"github.com/quench-sh/quench/sqldb"
	"github.com/quench-sh/quench/sqldb/sqldbtest"
)

// target is an HTTP endpoint whose /readyz answer a test sets.
type target struct {
	*httptest.Server
	status atomic.Int32
	body   atomic.Value
}

func newTarget(t testing.TB) *target {
	tg := &target{}
	tg.set(200, `{"status":"ok","db_connected":true,"redis_connected":true,"migrations_current":true}`)
	tg.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(int(tg.status.Load()))
		w.Write([]byte(tg.body.Load().(string)))
	}))
	t.Cleanup(tg.Close)
	return tg
}

func (tg *target) set(status int, body string) {
	tg.status.Store(int32(status))
	tg.body.Store(body)
}

func readyzSpec(url string) Spec {
	return Spec{Name: "api-readyz", Severity: quench.SeverityCritical, FailureThreshold: 2, HTTP: &HTTPSpec{URL: url + "/readyz"},
		Conditions: []string{"body.db_connected == true", "body.redis_connected == true", "body.migrations_current == true"}}
}

// TestEngineTransitions: a failing target opens one incident at the
// failure threshold, routed by the body to the runbook that answers it;
// healed, it resolves; state survives a new engine on the same store.
func TestEngineTransitions(t *testing.T) {
	for _, dialect := range sqldbtest.Dialects(t) {
		t.Run(dialect, func(t *testing.T) {
			v := newEnv(t, dialect)
			ctx := ctxT(t)
			tg := newTarget(t)
			v.engine.SetChecks(ctx, compile(t, readyzSpec(tg.URL)))
			v.engine.running = true // as Run sets it

			v.engine.runNow(ctx, "api-readyz")
			if st := v.engine.state(t, "api-readyz"); st.Status != quench.CheckPassing || st.Firing || st.Last == nil || !st.Last.OK {
				t.Fatalf("healthy: %+v", st)
			}
			tg.set(503, `{"status":"degraded","db_connected":false,"redis_connected":true,"migrations_current":true}`)
			v.engine.runNow(ctx, "api-readyz")
			if n := len(v.openIncidents(t)); n != 0 {
				t.Fatalf("%d incidents below the failure threshold", n)
			}
			v.engine.runNow(ctx, "api-readyz")
			v.engine.runNow(ctx, "api-readyz")
			open := v.openIncidents(t)
			inc := open["api-readyz"]
			if len(open) != 1 || inc == nil {
				t.Fatalf("open incidents %v, want api-readyz", open)
			}
			if inc.RunbookID != "db-down" || inc.Severity != quench.SeverityCritical || inc.AlertCount != 1 {
				t.Errorf("incident runbook %q severity %s alerts %d, want db-down critical 1", inc.RunbookID, inc.Severity, inc.AlertCount)
			}
			if !strings.Contains(inc.Summary, "status 503") {
				t.Errorf("summary %q", inc.Summary)
			}
			st := v.engine.state(t, "api-readyz")
			if !st.Firing || st.Failures != 3 || len(st.History) != 4 {
				t.Errorf("failing: %+v", st)
			}

			// A new engine on the same store (a restart) knows it fires:
			// the first success resolves the incident.
			e2 := &Engine{Alerts: v.engine.Alerts, Store: sqldb.NewCheckStore(v.db)}
			e2.SetChecks(ctx, compile(t, readyzSpec(tg.URL)))
			runCtx, stop := contextWithCancel(ctx)
			done := make(chan error, 1)
			go func() { done <- e2.Run(runCtx) }()
			waitFor(t, func() bool { e2.mu.Lock(); defer e2.mu.Unlock(); return e2.running })
			stop()
			<-done
			e2.running = true
			if st := e2.state(t, "api-readyz"); !st.Firing {
				t.Fatalf("after restart: %+v", st)
			}
			tg.set(200, `{"db_connected":true,"redis_connected":true,"migrations_current":true}`)
			e2.runNow(ctx, "api-readyz")
			if open := v.openIncidents(t); len(open) != 0 {
				t.Errorf("open after healing: %v", open)
			}
		})
	}
}

// TestEngineRemoved: a firing check that leaves the config resolves its
// incident ("check removed") and is forgotten, on reload and at start.
func TestEngineRemoved(t *testing.T) {
	v := newEnv(t, "sqlite")
	ctx := ctxT(t)
	tg := newTarget(t)
	tg.set(500, "boom")
	a := Spec{Name: "a", HTTP: &HTTPSpec{URL: tg.URL}}
	b := Spec{Name: "b", HTTP: &HTTPSpec{URL: tg.URL}}
	v.engine.SetChecks(ctx, compile(t, a, b))
	v.engine.running = true
	v.engine.runNow(ctx, "a")
	v.engine.runNow(ctx, "b")
	if n := len(v.openIncidents(t)); n != 2 {
		t.Fatalf("%d open, want 2", n)
	}
	v.engine.SetChecks(ctx, compile(t, b))
	if open := v.openIncidents(t); len(open) != 1 || open["b"] == nil {
		t.Fatalf("after removing a: %v", open)
	}
	// b leaves the config while no server runs the checks: the next
	// start resolves it.
	e2 := &Engine{Alerts: v.engine.Alerts, Store: sqldb.NewCheckStore(v.db)}
	e2.SetChecks(ctx, nil)
	runCtx, stop := contextWithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- e2.Run(runCtx) }()
	waitFor(t, func() bool {
		states, _ := sqldb.NewCheckStore(v.db).CheckStates(ctx)
		return len(v.openIncidents(t)) == 0 && len(states) == 0
	})
	stop()
	<-done
}
