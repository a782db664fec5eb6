package sqldb_test

import (
	"strings"
	"testing"

	"github.com/quench-sh/quench"
	"github.com/quench-sh/quench/sqldb"
	"github.com/quench-sh/quench/sqldb/sqldbtest"
)

func TestIngestResolveAcknowledged(t *testing.T) {
	for _, tt := range []struct {
		name       string
		keep       bool
		wantStatus quench.Status
		wantResult quench.IngestOutcome
	}{
		{"default resolves what a person acknowledged", false, quench.StatusResolved, quench.OutcomeResolved},
		{"keep-acknowledged-open leaves it to the person", true, quench.StatusAcknowledged, quench.OutcomeIgnored},
	} {
		t.Run(tt.name, func(t *testing.T) {
			for _, d := range sqldbtest.Dialects(t) {
				t.Run(d, func(t *testing.T) {
					db := sqldbtest.OpenConfig(t, d, sqldb.Config{KeepAcknowledgedOpen: tt.keep})
					s := sqldb.NewIncidentService(db)
					a := trigger("api-down", quench.SeverityCritical)
					id := ingest(t, db, a)[0].IncidentID
					if _, err := s.Acknowledge(ctxT(t), id, "alice"); err != nil {
						t.Fatal(err)
					}
					res := ingest(t, db, withAction(a, quench.ActionResolve))[0]
					if res.Outcome != tt.wantResult || res.IncidentID != id {
						t.Errorf("resolve alert: %+v, want %s on %d", res, tt.wantResult, id)
					}
					in, err := s.FindIncident(ctxT(t), id)
					if err != nil {
						t.Fatal(err)
					}
					if in.Status != tt.wantStatus {
						t.Errorf("status %s, want %s", in.Status, tt.wantStatus)
					}
					tl, err := s.Timeline(ctxT(t), id)
					if err != nil {
						t.Fatal(err)
					}
					last := tl[len(tl)-1]
					if !strings.Contains(last.Text, "resolved") {
						t.Errorf("last timeline event %q does not say the source resolved", last.Text)
					}
					if tt.keep {
						// A trigger afterwards is a repeat on the same open incident.
						if r := ingest(t, db, a)[0]; r.Outcome != quench.OutcomeDeduplicated || r.IncidentID != id {
							t.Errorf("trigger after kept-open resolve: %+v", r)
						}
					}
				})
			}
		})
	}
}
