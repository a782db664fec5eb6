package sqldb_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/quench-sh/quench"
	"github.com/quench-sh/quench/sqldb"
)

// Many steps recorded at once share the writer's transactions: every
// event and audit entry is stored, the chain verifies, and a record for
// an unknown incident fails alone with ENOTFOUND.
func TestRecordStepConcurrent(t *testing.T) {
	eachIngest(t, func(t *testing.T, db *sqldb.DB) {
		s := sqldb.NewIncidentService(db)
		res := ingest(t, db, trigger("a", quench.SeverityHigh), trigger("b", quench.SeverityLow))
		const n = 200
		var wg sync.WaitGroup
		errs := make(chan error, n+1)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				id := res[i%2].IncidentID
				ev, err := s.RecordStep(ctxT(t), quench.StepRecord{Step: fmt.Sprintf("step-%d", i),
					Event: quench.TimelineEvent{IncidentID: id, Kind: quench.EventStepFinished, Actor: "runner", Text: "done",
						Data: []byte(`{"exit_code":0}`)},
					Audit: &quench.AuditEntry{Actor: "runner", Action: quench.AuditStepRun, Subject: fmt.Sprintf("incident/%d", id)},
				})
				if err == nil && ev.ID == 0 {
					err = fmt.Errorf("record %d: no event id", i)
				}
				if err != nil {
					errs <- err
				}
			}()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.RecordStep(ctxT(t), quench.StepRecord{Step: "x",
				Event: quench.TimelineEvent{IncidentID: 999999, Kind: quench.EventStepStarted, Actor: "runner", Text: "x"},
				Audit: &quench.AuditEntry{Actor: "runner", Action: quench.AuditStepRun, Subject: "incident/999999"}})
			if quench.ErrorCode(err) != quench.ENOTFOUND {
				errs <- fmt.Errorf("unknown incident: %v, want ENOTFOUND", err)
			}
		}()
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		total := 0
		for _, r := range res {
			tl := must[[]quench.TimelineEvent](t)(s.Timeline(ctxT(t), r.IncidentID))
			for _, ev := range tl {
				if ev.Kind == quench.EventStepFinished {
					total++
				}
			}
		}
		if total != n {
			t.Errorf("%d step events stored, want %d", total, n)
		}
		if _, err := sqldb.NewAuditService(db).Verify(ctxT(t)); err != nil {
			t.Errorf("audit chain: %v", err)
		}
	})
}
