package drill

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/quench-sh/quench"
	"github.com/quench-sh/quench/inmem"
	"github.com/quench-sh/quench/markdown"
	"github.com/quench-sh/quench/sqldb"
	"github.com/quench-sh/quench/sqldb/sqldbtest"
)

func TestOutcome(t *testing.T) {
	for _, tt := range []struct {
		name   string
		run    quench.StepRun
		want   string
		reason string
	}{
		{"ok", quench.StepRun{ExitCode: 0, Output: "PONG\n", Duration: time.Second}, quench.DrillStepOK, ""},
		{"failed, last line", quench.StepRun{ExitCode: 1, Output: "a\nservice \"redis\" is not running\n\n"}, quench.DrillStepFailed, `service "redis" is not running`},
		{"failed, silent", quench.StepRun{ExitCode: 2, Output: " \n"}, quench.DrillStepFailed, "printed nothing"},
		{"timed out", quench.StepRun{ExitCode: -1, TimedOut: true, Duration: 30 * time.Second, Output: "partial"}, quench.DrillStepTimedOut, "killed at its timeout after 30s"},
		{"empty", quench.StepRun{ExitCode: 0, Output: "\n \t\n"}, quench.DrillStepEmpty, "printed nothing"},
		{"long last line is cut", quench.StepRun{ExitCode: 1, Output: string(make([]byte, 0)) + "x" + string(slices.Repeat([]byte("y"), 500))}, quench.DrillStepFailed, ""},
	} {
		got := outcome(quench.DrillStep{Name: "s"}, &tt.run)
		if got.Outcome != tt.want || tt.reason != "" && got.Reason != tt.reason || len(got.Reason) > 210 {
			t.Errorf("%s: outcome %q reason %q, want %q %q", tt.name, got.Outcome, got.Reason, tt.want, tt.reason)
		}
		if got.ExitCode != tt.run.ExitCode || got.OutputBytes != len(tt.run.Output) || got.Duration != tt.run.Duration {
			t.Errorf("%s: %+v does not carry the run's figures", tt.name, got)
		}
	}
}

func TestReport(t *testing.T) {
	at := time.Date(2026, 11, 30, 3, 0, 0, 0, time.UTC)
	steps := []quench.Step{
		{Name: "health", Section: markdown.SectionFirstSteps},
		{Name: "ping", Section: quench.SectionDiagnosis},
		{Name: "risky", Section: quench.SectionDiagnosis},
		{Name: "slow", Section: quench.SectionDiagnosis},
	}
	states := []quench.StepState{
		{Step: steps[0], Status: quench.StepSucceeded, LastRun: &quench.StepRun{Output: "ok", StartedAt: at.Add(100 * time.Millisecond), Duration: time.Second}},
		{Step: steps[1], Status: quench.StepSucceeded, LastRun: &quench.StepRun{Output: "PONG", StartedAt: at.Add(2 * time.Second), Duration: 500 * time.Millisecond}},
		{Step: quench.Step{Name: "risky", Section: quench.SectionDiagnosis, Class: quench.Mutating, Reason: "rm: removes files"}, Status: quench.StepRefused},
		{Step: steps[3], Status: quench.StepRunning},
	}
	s := &Service{ctx: context.Background(), Incidents: noTimeline{}}
	d := &quench.Drill{IncidentID: 1}
	s.report(d, steps, states, at)
	if d.Verdict != quench.VerdictDrifted || d.FailedSteps != 2 || len(d.Steps) != 4 {
		t.Fatalf("report = %+v", d)
	}
	if d.AlertToDiagnosis != 2500*time.Millisecond {
		t.Errorf("alert to diagnosis %s, want 2.5s: the end of the last step", d.AlertToDiagnosis)
	}
	if r := d.Steps[2]; r.Outcome != quench.DrillStepRefused || r.Reason != "refused: mutating (rm: removes files)" {
		t.Errorf("refused step = %+v", r)
	}
	if r := d.Steps[3]; r.Outcome != quench.DrillStepNotRun {
		t.Errorf("unfinished step = %+v", r)
	}
	if names := drifted(d); !slices.Equal(names, []string{"risky", "slow"}) {
		t.Errorf("Drifted = %v", names)
	}

	d = &quench.Drill{}
	s.report(d, steps[:2], states, at)
	if d.Verdict != quench.VerdictWorks || d.FailedSteps != 0 {
		t.Errorf("every step ok: %+v", d)
	}
}

func drifted(d *quench.Drill) []string {
	var out []string
	for _, s := range d.Drifted() {
		out = append(out, s.Name)
	}
	return out
}

// noTimeline is an incident store without refusal events.
type noTimeline struct{ quench.IncidentService }

func (noTimeline) Timeline(context.Context, int64) ([]quench.TimelineEvent, error) { return nil, nil }

// scheduled returns a service over a fresh store and the shipped pack,
// with the clock at *now.
func scheduled(t *testing.T, now *time.Time, schedule ...Schedule) (*Service, *sqldb.DrillService) {
	t.Helper()
	db := sqldbtest.OpenConfig(t, sqldb.DialectSQLite, sqldb.Config{Now: func() time.Time { return *now }})
	p, err := markdown.LoadPack("../runbooks")
	if err != nil {
		t.Fatal(err)
	}
	store := sqldb.NewDrillService(db)
	incidents := sqldb.NewIncidentService(db)
	s := &Service{Store: store, Alerts: nopAlerts{}, Events: inmem.NewEventService(0), Incidents: incidents, Steps: nopSteps{},
		Runbooks: &markdown.RunbookService{Pack: p}, AutoDiagnosis: true, Schedule: schedule, Now: func() time.Time { return *now }}
	return s, store
}

type nopAlerts struct{}

func (nopAlerts) SubmitAlerts(context.Context, []quench.Alert) ([]quench.IngestResult, error) {
	return nil, quench.Errorf(quench.EUNAVAILABLE, "not in this test")
}

type nopSteps struct{ quench.StepService }

// TestScheduleDue: a scheduled runbook is due when never drilled, or when
// its latest drill (whoever ran it) is at least its period old and not
// still waiting or running; the shorter of two periods wins.
func TestScheduleDue(t *testing.T) {
	now := time.Date(2026, 11, 30, 3, 0, 0, 0, time.UTC)
	s, store := scheduled(t, &now, Schedule{Runbook: AllRunbooks, Every: 7 * 24 * time.Hour}, Schedule{Runbook: "db-down", Every: 24 * time.Hour})
	ctx := context.Background()

	due, err := s.due(ctx, now)
	if err != nil || len(due) != 10 || due[0] != "api-down" {
		t.Fatalf("nothing drilled yet: due %v, %v; want all ten in pack order", due, err)
	}
	db := s.Store
	for _, id := range due {
		d := &quench.Drill{RunbookID: id, Actor: quench.DrillScheduler, Scheduled: true}
		if err := db.CreateDrill(ctx, d); err != nil {
			t.Fatal(err)
		}
		if id != "api-down" {
			fin := now
			d.Status, d.Verdict, d.FinishedAt = quench.DrillDone, quench.VerdictWorks, &fin
			if err := store.UpdateDrill(ctx, d); err != nil {
				t.Fatal(err)
			}
		}
	}
	if due, _ := s.due(ctx, now.Add(time.Hour)); len(due) != 0 {
		t.Errorf("an hour later: due %v, want none", due)
	}
	if due, _ := s.due(ctx, now.Add(25*time.Hour)); !slices.Equal(due, []string{"db-down"}) {
		t.Errorf("a day later: due %v, want db-down (every 24h) only", due)
	}
	if due, _ := s.due(ctx, now.Add(8*24*time.Hour)); len(due) != 9 || slices.Contains(due, "api-down") {
		t.Errorf("eight days later: due %v, want all but api-down, whose drill is still queued", due)
	}
}

// TestScheduleRound: a round starts the due drills as the scheduler, only
// when this server holds the lead.
func TestScheduleRound(t *testing.T) {
	now := time.Date(2026, 11, 30, 3, 0, 0, 0, time.UTC)
	s, store := scheduled(t, &now, Schedule{Runbook: "backup-stale", Every: 24 * time.Hour})
	ctx := context.Background()
	if err := s.Open(ctx); err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	s.Leader = func(context.Context, string) (*quench.Lease, error) { return nil, nil }
	s.scheduleRound(ctx)
	if ds, _ := store.FindDrills(ctx, quench.DrillFilter{}); len(ds) != 0 {
		t.Fatalf("a server without the lead started %d drills", len(ds))
	}
	released := false
	s.Leader = func(context.Context, string) (*quench.Lease, error) {
		return &quench.Lease{Release: func() { released = true }}, nil
	}
	s.scheduleRound(ctx)
	ds, _ := store.FindDrills(ctx, quench.DrillFilter{})
	if len(ds) != 1 || ds[0].RunbookID != "backup-stale" || !ds[0].Scheduled || ds[0].Actor != quench.DrillScheduler || !released {
		t.Fatalf("scheduled drills = %+v (lead released %v)", ds, released)
	}
}

// TestStartDrills: what a drill request is refused for, and that a server
// that stopped during a drill marks it as an error when it starts again.
func TestStartDrills(t *testing.T) {
	now := time.Date(2026, 11, 30, 3, 0, 0, 0, time.UTC)
	s, store := scheduled(t, &now)
	ctx := context.Background()
	left := &quench.Drill{RunbookID: "db-down", Actor: "alice"}
	if err := store.CreateDrill(ctx, left); err != nil {
		t.Fatal(err)
	}
	if _, err := s.StartDrills(ctx, []string{"db-down"}, "alice"); quench.ErrorCode(err) != quench.EUNAVAILABLE {
		t.Errorf("before Open: %v, want unavailable", err)
	}
	if err := s.Open(ctx); err != nil {
		t.Fatal(err)
	}
	if d, _ := store.FindDrill(ctx, left.ID); d.Status != quench.DrillError || d.Error == "" {
		t.Errorf("a drill left queued by a stopped server: %+v, want marked as an error", d)
	}
	if _, err := s.StartDrills(ctx, []string{"nope"}, "alice"); quench.ErrorCode(err) != quench.ENOTFOUND {
		t.Errorf("unknown runbook: %v", err)
	}
	if _, err := s.StartDrills(ctx, nil, "alice"); quench.ErrorCode(err) != quench.EINVALID {
		t.Errorf("no runbook: %v", err)
	}
	// The alert cannot be submitted here: the drill records why.
	ds, err := s.StartDrills(ctx, []string{"api-down"}, "alice")
	if err != nil || len(ds) != 1 || ds[0].Status != quench.DrillQueued {
		t.Fatalf("StartDrills = %v, %v", ds, err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		d, _ := store.FindDrill(ctx, ds[0].ID)
		if d.Status == quench.DrillError {
			if d.Error != "submit the drill's alert: not in this test" {
				t.Errorf("error = %q", d.Error)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("drill still %s", d.Status)
		}
		time.Sleep(10 * time.Millisecond)
	}
	s.Close()
	s.AutoDiagnosis = false
	if err := s.Open(ctx); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.StartDrills(ctx, []string{"api-down"}, "alice"); quench.ErrorCode(err) != quench.EUNAVAILABLE {
		t.Errorf("automatic diagnosis off: %v, want unavailable", err)
	}
}
