package sqldb_test

import (
	"testing"
	"time"

	"github.com/quench-sh/quench"
	"github.com/quench-sh/quench/sqldb"
)

func TestDrills(t *testing.T) {
	eachClock(t, func(t *testing.T, db *sqldb.DB, clk *clock) {
		s := sqldb.NewDrillService(db)
		ctx := ctxT(t)
		if err := s.CreateDrill(ctx, &quench.Drill{RunbookID: "db-down"}); quench.ErrorCode(err) != quench.EINVALID {
			t.Errorf("a drill without actor: %v", err)
		}
		var ids []int64
		for _, rb := range []string{"db-down", "redis-down", "db-down"} {
			d := &quench.Drill{RunbookID: rb, Actor: "alice", Scheduled: rb == "redis-down"}
			if err := s.CreateDrill(ctx, d); err != nil {
				t.Fatal(err)
			}
			if d.ID == 0 || d.Status != quench.DrillQueued || !d.CreatedAt.Equal(clk.Now().Truncate(time.Microsecond)) {
				t.Errorf("created %+v", d)
			}
			ids = append(ids, d.ID)
		}

		// The first db-down drill finishes with a report.
		d := must[*quench.Drill](t)(s.FindDrill(ctx, ids[0]))
		started, finished := clk.Now().Add(time.Second), clk.Now().Add(5*time.Second)
		d.Status, d.Verdict, d.IncidentID = quench.DrillDone, quench.VerdictDrifted, 0
		d.StartedAt, d.FinishedAt, d.AlertToDiagnosis, d.FailedSteps = &started, &finished, 3*time.Second, 1
		d.Steps = []quench.DrillStep{
			{Name: "health", Section: "First steps", Outcome: quench.DrillStepOK, Duration: time.Second, OutputBytes: 10},
			{Name: "ping", Section: quench.SectionDiagnosis, Outcome: quench.DrillStepFailed, ExitCode: 1, Reason: "Could not connect"},
		}
		if err := s.UpdateDrill(ctx, d); err != nil {
			t.Fatal(err)
		}
		got := must[*quench.Drill](t)(s.FindDrill(ctx, ids[0]))
		if got.Status != quench.DrillDone || got.Verdict != quench.VerdictDrifted || got.AlertToDiagnosis != 3*time.Second ||
			!got.StartedAt.Equal(started.Truncate(time.Microsecond)) || !got.FinishedAt.Equal(finished.Truncate(time.Microsecond)) ||
			len(got.Steps) != 2 || got.Steps[1] != d.Steps[1] || got.FailedSteps != 1 {
			t.Errorf("read back %+v, want %+v", got, d)
		}
		if err := s.UpdateDrill(ctx, &quench.Drill{ID: 999999, Status: quench.DrillDone}); quench.ErrorCode(err) != quench.ENOTFOUND {
			t.Errorf("update a missing drill: %v", err)
		}
		if _, err := s.FindDrill(ctx, 999999); quench.ErrorCode(err) != quench.ENOTFOUND {
			t.Errorf("find a missing drill: %v", err)
		}

		list := must[[]*quench.Drill](t)(s.FindDrills(ctx, quench.DrillFilter{RunbookID: "db-down"}))
		if len(list) != 2 || list[0].ID != ids[2] || list[1].ID != ids[0] {
			t.Errorf("db-down drills = %v", list)
		}
		list = must[[]*quench.Drill](t)(s.FindDrills(ctx, quench.DrillFilter{BeforeID: ids[2], Limit: 1}))
		if len(list) != 1 || list[0].ID != ids[1] || !list[0].Scheduled {
			t.Errorf("page before %d = %v", ids[2], list)
		}

		latest, done, err := s.LatestDrills(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(latest) != 2 || latest["db-down"].ID != ids[2] || latest["redis-down"].ID != ids[1] {
			t.Errorf("latest = %v", latest)
		}
		if len(done) != 1 || done["db-down"].ID != ids[0] {
			t.Errorf("latest finished = %v", done)
		}
	})
}

// TestCountIncidentsLeavesDrillsOut: drill incidents are in the store
// and its lists, but not in the counts metrics and the UI show.
func TestCountIncidentsLeavesDrillsOut(t *testing.T) {
	eachClock(t, func(t *testing.T, db *sqldb.DB, clk *clock) {
		s := sqldb.NewIncidentService(db)
		ctx := ctxT(t)
		alert := func(source, key string) quench.Alert {
			return quench.Alert{Source: source, Integration: source, DedupKey: key, Action: quench.ActionTrigger,
				Severity: quench.SeverityHigh, Summary: key, ReceivedAt: clk.Now()}
		}
		res := must[[]quench.IngestResult](t)(s.IngestAlerts(ctx, []quench.Alert{
			alert(quench.SourceGeneric, "real"), alert(quench.SourceDrill, "drill-1"), alert(quench.SourceDrill, "drill-2")}, nil))
		if _, err := s.Resolve(ctx, res[2].IncidentID, "drill"); err != nil {
			t.Fatal(err)
		}
		c := must[quench.IncidentCounts](t)(s.CountIncidents(ctx))
		if c.ByStatus[quench.StatusTriggered] != 1 || c.ByStatus[quench.StatusResolved] != 0 || c.OpenNoRunbook != 1 || c.OpenBySeverity[quench.SeverityHigh] != 1 {
			t.Errorf("counts = %+v, want the real incident only", c)
		}
		inc := must[*quench.Incident](t)(s.FindIncident(ctx, res[1].IncidentID))
		if !inc.IsDrill() || must[*quench.Incident](t)(s.FindIncident(ctx, res[0].IncidentID)).IsDrill() {
			t.Error("IsDrill does not tell the drill's incident from the real one")
		}
	})
}
