package ingest_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/quench-sh/quench"
	"github.com/quench-sh/quench/ingest"
	"github.com/quench-sh/quench/route"
	"github.com/quench-sh/quench/sqldb"
	"github.com/quench-sh/quench/sqldb/sqldbtest"
)

// countingRouter counts the alerts it is asked about.
type countingRouter struct {
	quench.Router
	calls atomic.Int64
}

func (c *countingRouter) Route(a *quench.Alert) string {
	c.calls.Add(1)
	return c.Router.Route(a)
}

// TestAlertServiceRoutesOnlyOpeners: a storm of repeats, acknowledges and
// resolves costs one routing per incident opened, on both databases; the
// opened incident has the runbook the real router picks.
func TestAlertServiceRoutesOnlyOpeners(t *testing.T) {
	for _, dialect := range sqldbtest.Dialects(t) {
		t.Run(dialect, func(t *testing.T) {
			db := sqldbtest.Open(t, dialect)
			store := sqldb.NewIncidentService(db)
			rt, err := route.New([]*quench.Runbook{{ID: "db-down", Severity: quench.SeverityCritical,
				Match: []quench.Matcher{{Expr: `labels.alertname == "PostgresDown"`}}}})
			if err != nil {
				t.Fatal(err)
			}
			router := &countingRouter{Router: rt}
			now := time.Date(2026, 5, 1, 3, 0, 0, 0, time.UTC)
			svc := &ingest.AlertService{Store: store, Router: router, Now: func() time.Time { return now }}
			alert := func(key string, action quench.Action) quench.Alert {
				return quench.Alert{Source: quench.SourceAlertmanager, Integration: "am", DedupKey: key, Action: action,
					Severity: quench.SeverityHigh, Labels: map[string]string{"alertname": "PostgresDown"}}
			}
			var batch []quench.Alert
			for i := range 50 {
				for range 20 { // 1 opens, 19 repeat
					batch = append(batch, alert(fmt.Sprintf("k%d", i), quench.ActionTrigger))
				}
				batch = append(batch, alert(fmt.Sprintf("k%d", i), quench.ActionAcknowledge))
			}
			res, err := svc.SubmitAlerts(context.Background(), batch)
			if err != nil {
				t.Fatal(err)
			}
			opened := 0
			for _, r := range res {
				if r.Outcome == quench.OutcomeOpened {
					opened++
					if r.RunbookID != "db-down" {
						t.Errorf("opened %d with runbook %q, want db-down", r.IncidentID, r.RunbookID)
					}
				} else if r.RunbookID != "" {
					t.Errorf("%s result names runbook %q", r.Outcome, r.RunbookID)
				}
			}
			if opened != 50 || router.calls.Load() != 50 {
				t.Errorf("%d opened, %d routed; want 50 and 50", opened, router.calls.Load())
			}
			// A second round: everything repeats, nothing is routed.
			if _, err := svc.SubmitAlerts(context.Background(), batch[:20]); err != nil {
				t.Fatal(err)
			}
			if router.calls.Load() != 50 {
				t.Errorf("repeats routed: %d calls", router.calls.Load())
			}
			in, err := store.FindIncident(context.Background(), res[0].IncidentID)
			if err != nil {
				t.Fatal(err)
			}
			if in.RunbookID != "db-down" || !in.OpenedAt.Equal(now) {
				t.Errorf("incident runbook %q opened %v, want db-down at the service's clock %v", in.RunbookID, in.OpenedAt, now)
			}
		})
	}
}

// TestAlertServiceValidatesWholeCall: one bad alert refuses the call and
// stores nothing of it.
func TestAlertServiceValidatesWholeCall(t *testing.T) {
	db := sqldbtest.Open(t, sqldb.DialectSQLite)
	store := sqldb.NewIncidentService(db)
	svc := &ingest.AlertService{Store: store}
	good := quench.Alert{Source: quench.SourceGeneric, Integration: "g", DedupKey: "ok", Action: quench.ActionTrigger, Severity: quench.SeverityLow}
	bad := good
	bad.DedupKey = ""
	_, err := svc.SubmitAlerts(context.Background(), []quench.Alert{good, bad})
	if quench.ErrorCode(err) != quench.EINVALID || quench.ErrorMessage(err) != "alert 1: dedup key is empty" {
		t.Fatalf("got %v, want EINVALID naming alert 1", err)
	}
	incs, err := store.FindIncidents(context.Background(), quench.IncidentFilter{})
	if err != nil || len(incs) != 0 {
		t.Fatalf("%d incidents stored from a refused call (%v)", len(incs), err)
	}
}
