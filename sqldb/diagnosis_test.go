package sqldb_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/quench-sh/quench"
	"github.com/quench-sh/quench/sqldb"
	"github.com/quench-sh/quench/sqldb/sqldbtest"
)

func openQueued(t *testing.T, dsn string, clk *clock) *sqldb.DB {
	t.Helper()
	db, err := sqldb.Open(ctxT(t), sqldb.Config{DSN: dsn, QueueDiagnoses: true, ShareDiagnosesWithin: quench.DiagnosisShareWindow, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func withRunbook(a quench.Alert, rb string) quench.Alert {
	a.RunbookID = rb
	return a
}

// An incident's diagnosis is queued with it; a storm of incidents with the
// same runbook queues one diagnosis and links the others to it, drills
// aside; claims hand each queued diagnosis to one owner, and a lease that
// ran out hands it to another.
func TestDiagnosisQueue(t *testing.T) {
	for _, d := range sqldbtest.Dialects(t) {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			clk := &clock{t: time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)}
			db := openQueued(t, sqldbtest.DSN(t, d), clk)
			q := sqldb.NewDiagnosisQueue(db)
			s := sqldb.NewIncidentService(db)
			var storm []quench.Alert
			for i := range 5 {
				storm = append(storm, withRunbook(trigger(fmt.Sprintf("disk-%d", i), quench.SeverityHigh), "disk-full"))
			}
			drill := withRunbook(trigger("drill", quench.SeverityLow), "disk-full")
			drill.Source = quench.SourceDrill
			storm = append(storm, trigger("no-runbook-1", quench.SeverityLow), trigger("no-runbook-2", quench.SeverityLow), drill)
			res := ingest(t, db, storm...)
			// Later: one more of the storm, in another batch.
			clk.Add(time.Minute)
			late := ingest(t, db, withRunbook(trigger("disk-late", quench.SeverityHigh), "disk-full"))[0]

			claims, err := q.ClaimDiagnoses(ctxT(t), "a", 100, time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			want := map[int64]bool{res[0].IncidentID: true, res[5].IncidentID: true, res[6].IncidentID: true, res[7].IncidentID: true}
			if len(claims) != len(want) {
				t.Fatalf("claimed %+v, want the storm's first, two without runbook and the drill", claims)
			}
			for _, c := range claims {
				if !want[c.IncidentID] || c.Retaken || c.Severity == "" {
					t.Errorf("claim %+v", c)
				}
			}
			for _, id := range []int64{res[1].IncidentID, res[4].IncidentID, late.IncidentID} {
				tl := must[[]quench.TimelineEvent](t)(s.Timeline(ctxT(t), id))
				if len(tl) < 2 || tl[1].Kind != quench.EventDiagnosisShared || string(tl[1].Data) != fmt.Sprintf(`{"shared_with":%d,"runbook":"disk-full"}`, res[0].IncidentID) {
					t.Errorf("incident %d timeline %+v, want the diagnosis shared with %d", id, tl, res[0].IncidentID)
				}
			}
			// Nothing left for another owner while the lease holds.
			if more, err := q.ClaimDiagnoses(ctxT(t), "b", 100, time.Minute); err != nil || len(more) != 0 && d == sqldb.DialectPostgres {
				t.Fatalf("b claimed %+v, %v while a holds everything", more, err)
			}
			if d == sqldb.DialectSQLite {
				return // one server per file: a restart takes everything back at once
			}
			must[struct{}](t)(struct{}{}, q.FinishDiagnosis(ctxT(t), res[0].IncidentID, "a"))
			must[struct{}](t)(struct{}{}, q.RenewDiagnoses(ctxT(t), "a", time.Minute))
			clk.Add(2 * time.Minute) // a died: its leases ran out
			taken, err := q.ClaimDiagnoses(ctxT(t), "b", 100, time.Minute)
			if err != nil || len(taken) != 3 {
				t.Fatalf("b took %+v, %v; want a's three unfinished", taken, err)
			}
			for _, c := range taken {
				if !c.Retaken || c.IncidentID == res[0].IncidentID {
					t.Errorf("takeover %+v", c)
				}
			}
		})
	}
}

// Many owners claiming at once on PostgreSQL: every queued diagnosis goes
// to exactly one of them.
func TestDiagnosisQueueConcurrentClaims(t *testing.T) {
	t.Parallel()
	clk := &clock{t: time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)}
	dsn := sqldbtest.DSN(t, sqldb.DialectPostgres)
	db := openQueued(t, dsn, clk)
	var alerts []quench.Alert
	for i := range 300 {
		alerts = append(alerts, trigger(fmt.Sprintf("k%d", i), quench.SeverityLow))
	}
	ingest(t, db, alerts...)
	var mu sync.Mutex
	got := map[int64]string{}
	var wg sync.WaitGroup
	for w := range 3 {
		other := openQueued(t, dsn, clk)
		q := sqldb.NewDiagnosisQueue(other)
		wg.Add(1)
		go func() {
			defer wg.Done()
			owner := fmt.Sprintf("owner-%d", w)
			for {
				claims, err := q.ClaimDiagnoses(ctxT(t), owner, 7, time.Minute)
				if err != nil {
					t.Error(err)
					return
				}
				if len(claims) == 0 {
					return
				}
				mu.Lock()
				for _, c := range claims {
					if prev, dup := got[c.IncidentID]; dup {
						t.Errorf("incident %d claimed by %s and %s", c.IncidentID, prev, owner)
					}
					got[c.IncidentID] = owner
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(got) != 300 {
		t.Errorf("%d diagnoses claimed, want 300", len(got))
	}
}
