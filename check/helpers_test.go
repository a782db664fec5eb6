package check

import (
	"context"
	"testing"
	"time"

	"github.com/expr-lang/expr/vm"

	"github.com/quench-sh/quench"
	"github.com/quench-sh/quench/ingest"
	"github.com/quench-sh/quench/markdown"
	"github.com/quench-sh/quench/route"
	"github.com/quench-sh/quench/runbooks"
	"github.com/quench-sh/quench/sqldb"
	"github.com/quench-sh/quench/sqldb/sqldbtest"
)

// env is an engine over a real store, routing with the reference pack.
type env struct {
	db        *sqldb.DB
	incidents *sqldb.IncidentService
	engine    *Engine
}

func newEnv(t testing.TB, dialect string) *env {
	t.Helper()
	db := sqldbtest.Open(t, dialect)
	pack, err := markdown.LoadPackFS(runbooks.FS(), runbooks.Name)
	if err != nil {
		t.Fatal(err)
	}
	router, err := route.New(pack.Runbooks)
	if err != nil {
		t.Fatal(err)
	}
	inc := sqldb.NewIncidentService(db)
	e := &Engine{Alerts: &ingest.AlertService{Store: inc, Router: router}, Store: sqldb.NewCheckStore(db)}
	e.init()
	return &env{db: db, incidents: inc, engine: e}
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// compile compiles specs or fails the test.
func compile(t testing.TB, specs ...Spec) []*Check {
	t.Helper()
	cs, err := CompileAll(specs, CompileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// runNow runs a configured check once, as the loop would.
func (e *Engine) runNow(ctx context.Context, name string) {
	e.mu.Lock()
	en := e.entries[name]
	e.mu.Unlock()
	e.runOne(ctx, new(vm.VM), en)
}

// state returns a check's state as the API shows it.
func (e *Engine) state(t testing.TB, name string) *quench.CheckState {
	t.Helper()
	sts, err := e.Checks(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range sts {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no check %s", name)
	return nil
}

// openIncidents returns the open incidents by dedup key.
func (v *env) openIncidents(t testing.TB) map[string]*quench.Incident {
	t.Helper()
	incs, err := v.incidents.FindIncidents(context.Background(), quench.IncidentFilter{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*quench.Incident{}
	for _, inc := range incs {
		if inc.Status != quench.StatusResolved {
			out[inc.DedupKey] = inc
		}
	}
	return out
}

func contextWithCancel(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithCancel(ctx)
}

// waitFor polls cond for up to 30 s.
func waitFor(t testing.TB, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached in 30s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
