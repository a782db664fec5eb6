package sqldb_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/quench-sh/quench"
	"github.com/quench-sh/quench/sqldb"
	"github.com/quench-sh/quench/sqldb/sqldbtest"
)

// each runs fn against a fresh store of every dialect.
func each(t *testing.T, fn func(t *testing.T, db *sqldb.DB)) {
	t.Helper()
	for _, d := range sqldbtest.Dialects(t) {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			fn(t, sqldbtest.Open(t, d))
		})
	}
}

// eachIngest is each plus a SQLite run that uses the multi-row ingest
// statements PostgreSQL uses, so both ingest paths run without PostgreSQL.
func eachIngest(t *testing.T, fn func(t *testing.T, db *sqldb.DB)) {
	t.Helper()
	each(t, fn)
	t.Run("sqlite-multirow", func(t *testing.T) {
		t.Parallel()
		db := sqldbtest.Open(t, sqldb.DialectSQLite)
		db.SetMultiRow(true)
		fn(t, db)
	})
}

// eachClock is each with a clock the test moves.
func eachClock(t *testing.T, fn func(t *testing.T, db *sqldb.DB, clk *clock)) {
	t.Helper()
	for _, d := range sqldbtest.Dialects(t) {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			clk := &clock{t: time.Date(2026, 3, 14, 15, 9, 26, 535897000, time.UTC)}
			fn(t, sqldbtest.OpenConfig(t, d, sqldb.Config{Now: clk.Now}), clk)
		})
	}
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// wantCode fails unless err carries the quench error code (and, if given,
// a message containing msg).
func wantCode(t testing.TB, err error, code, msg string) {
	t.Helper()
	if got := quench.ErrorCode(err); got != code {
		t.Fatalf("error %v: code %q, want %q", err, got, code)
	}
	if msg != "" && !strings.Contains(quench.ErrorMessage(err), msg) {
		t.Fatalf("error message %q does not contain %q", quench.ErrorMessage(err), msg)
	}
}

func must[T any](t testing.TB) func(v T, err error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func trigger(key string, sev quench.Severity) quench.Alert {
	return quench.Alert{
		Source: quench.SourceAlertmanager, Integration: "am", DedupKey: key, Action: quench.ActionTrigger,
		Severity: sev, Summary: "summary of " + key, Labels: map[string]string{"alertname": key},
	}
}

func withAction(a quench.Alert, act quench.Action) quench.Alert {
	a.Action = act
	return a
}

func ingest(t testing.TB, db *sqldb.DB, alerts ...quench.Alert) []quench.IngestResult {
	t.Helper()
	res, err := sqldb.NewIncidentService(db).IngestAlerts(ctxT(t), alerts, nil)
	if err != nil {
		t.Fatalf("IngestAlerts: %v", err)
	}
	if len(res) != len(alerts) {
		t.Fatalf("IngestAlerts: %d results for %d alerts", len(res), len(alerts))
	}
	return res
}

func outcomes(res []quench.IngestResult) []quench.IngestOutcome {
	out := make([]quench.IngestOutcome, len(res))
	for i, r := range res {
		out[i] = r.Outcome
	}
	return out
}

func isCtxErr(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
