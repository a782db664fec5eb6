package sqldb_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/quench-sh/quench"
	"github.com/quench-sh/quench/sqldb"
)

func TestAcknowledgeAndResolve(t *testing.T) {
	eachClock(t, func(t *testing.T, db *sqldb.DB, clk *clock) {
		s := sqldb.NewIncidentService(db)
		ctx := ctxT(t)
		id := ingest(t, db, trigger("db-down", quench.SeverityCritical))[0].IncidentID

		clk.Add(time.Minute)
		in, err := s.Acknowledge(ctx, id, "alice")
		if err != nil {
			t.Fatal(err)
		}
		if in.Status != quench.StatusAcknowledged || in.AcknowledgedBy != "alice" || in.AcknowledgedAt == nil ||
			!in.AcknowledgedAt.Equal(clk.Now().Truncate(time.Microsecond)) {
			t.Fatalf("acknowledged: %+v", in)
		}
		_, err = s.Acknowledge(ctx, id, "bob")
		wantCode(t, err, quench.ECONFLICT, "already acknowledged by alice")

		clk.Add(time.Minute)
		in, err = s.Resolve(ctx, id, "bob")
		if err != nil {
			t.Fatal(err)
		}
		if in.Status != quench.StatusResolved || in.ResolvedBy != "bob" || in.ResolvedAt == nil || in.AcknowledgedBy != "alice" {
			t.Fatalf("resolved: %+v", in)
		}
		_, err = s.Resolve(ctx, id, "bob")
		wantCode(t, err, quench.ECONFLICT, "already resolved")
		_, err = s.Acknowledge(ctx, id, "bob")
		wantCode(t, err, quench.ECONFLICT, "resolved")

		_, err = s.Acknowledge(ctx, 999999, "bob")
		wantCode(t, err, quench.ENOTFOUND, "999999")
		_, err = s.Resolve(ctx, 999999, "bob")
		wantCode(t, err, quench.ENOTFOUND, "999999")
		_, err = s.Acknowledge(ctx, id, "")
		wantCode(t, err, quench.EINVALID, "actor")

		tl := must[[]quench.TimelineEvent](t)(s.Timeline(ctx, id))
		var kinds []string
		for _, ev := range tl {
			kinds = append(kinds, ev.Kind+"/"+ev.Actor)
		}
		if fmt.Sprint(kinds) != "[opened/alertmanager acknowledged/alice resolved/bob]" {
			t.Errorf("timeline %v", kinds)
		}
		var actions []string
		for _, e := range must[[]*quench.AuditEntry](t)(sqldb.NewAuditService(db).FindAuditEntries(ctx, 0, 0)) {
			actions = append(actions, e.Action+"/"+e.Actor+"/"+e.Subject)
		}
		want := fmt.Sprintf("[incident.open/am/incident/%d incident.ack/alice/incident/%d incident.resolve/bob/incident/%d]", id, id, id)
		if fmt.Sprint(actions) != want {
			t.Errorf("audit %v, want %s", actions, want)
		}
	})
}

// A resolve straight from triggered works, and the next alert opens anew.
func TestResolveTriggeredThenReopen(t *testing.T) {
	each(t, func(t *testing.T, db *sqldb.DB) {
		s := sqldb.NewIncidentService(db)
		a := trigger("k", quench.SeverityLow)
		id := ingest(t, db, a)[0].IncidentID
		if _, err := s.Resolve(ctxT(t), id, "carol"); err != nil {
			t.Fatal(err)
		}
		if r := ingest(t, db, a)[0]; r.Outcome != quench.OutcomeOpened || r.IncidentID == id {
			t.Errorf("after manual resolve: %+v, want a new incident", r)
		}
	})
}

func TestFindIncidentsFiltersAndPages(t *testing.T) {
	each(t, func(t *testing.T, db *sqldb.DB) {
		s := sqldb.NewIncidentService(db)
		ctx := ctxT(t)
		var alerts []quench.Alert
		sevs := []quench.Severity{quench.SeverityCritical, quench.SeverityHigh, quench.SeverityMedium, quench.SeverityLow}
		for i := range 20 {
			a := trigger(fmt.Sprintf("k%02d", i), sevs[i%4])
			if i%2 == 0 {
				a.RunbookID = "db-down"
			}
			alerts = append(alerts, a)
		}
		res := ingest(t, db, alerts...)
		ids := func(ins []*quench.Incident) []int64 {
			var out []int64
			for _, in := range ins {
				out = append(out, in.ID)
			}
			return out
		}
		// Incidents 0..19 in res order; acknowledge k03, resolve k05.
		must[*quench.Incident](t)(s.Acknowledge(ctx, res[3].IncidentID, "a"))
		must[*quench.Incident](t)(s.Resolve(ctx, res[5].IncidentID, "a"))

		for _, tt := range []struct {
			name string
			f    quench.IncidentFilter
			want []int // indexes into res, newest first
		}{
			{"all newest first", quench.IncidentFilter{Limit: 3}, []int{19, 18, 17}},
			{"critical", quench.IncidentFilter{Severity: quench.SeverityCritical}, []int{16, 12, 8, 4, 0}},
			{"acknowledged", quench.IncidentFilter{Status: quench.StatusAcknowledged}, []int{3}},
			{"resolved", quench.IncidentFilter{Status: quench.StatusResolved}, []int{5}},
			{"runbook", quench.IncidentFilter{RunbookID: "db-down", Severity: quench.SeverityMedium}, []int{18, 14, 10, 6, 2}},
			{"no runbook", quench.IncidentFilter{NoRunbook: true, Severity: quench.SeverityLow}, []int{19, 15, 11, 7, 3}},
			{"page", quench.IncidentFilter{BeforeID: res[10].IncidentID, Limit: 4}, []int{9, 8, 7, 6}},
			{"last page", quench.IncidentFilter{BeforeID: res[2].IncidentID, Limit: 4}, []int{1, 0}},
			{"unknown runbook", quench.IncidentFilter{RunbookID: "nope"}, nil},
		} {
			t.Run(tt.name, func(t *testing.T) {
				got := ids(must[[]*quench.Incident](t)(s.FindIncidents(ctx, tt.f)))
				var want []int64
				for _, i := range tt.want {
					want = append(want, res[i].IncidentID)
				}
				if fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("FindIncidents(%+v) = %v, want %v", tt.f, got, want)
				}
			})
		}
		for _, f := range []quench.IncidentFilter{
			{Status: "open"}, {Severity: "urgent"}, {RunbookID: "x", NoRunbook: true}, {BeforeID: -1},
		} {
			_, err := s.FindIncidents(ctx, f)
			wantCode(t, err, quench.EINVALID, "")
		}
		counts := must[quench.IncidentCounts](t)(s.CountIncidents(ctx))
		if counts.ByStatus[quench.StatusTriggered] != 18 || counts.ByStatus[quench.StatusAcknowledged] != 1 ||
			counts.ByStatus[quench.StatusResolved] != 1 || counts.OpenNoRunbook != 9 {
			t.Errorf("counts %+v", counts)
		}
	})
}

func TestFindIncidentsLimits(t *testing.T) {
	each(t, func(t *testing.T, db *sqldb.DB) {
		s := sqldb.NewIncidentService(db)
		alerts := make([]quench.Alert, 600)
		for i := range alerts {
			alerts[i] = trigger(fmt.Sprintf("k%d", i), quench.SeverityLow)
		}
		ingest(t, db, alerts...)
		for _, tt := range []struct{ limit, want int }{{0, 50}, {-5, 50}, {7, 7}, {500, 500}, {10000, 500}} {
			if got := must[[]*quench.Incident](t)(s.FindIncidents(ctxT(t), quench.IncidentFilter{Limit: tt.limit})); len(got) != tt.want {
				t.Errorf("limit %d: %d incidents, want %d", tt.limit, len(got), tt.want)
			}
		}
	})
}

func TestFindIncidentNotFound(t *testing.T) {
	each(t, func(t *testing.T, db *sqldb.DB) {
		s := sqldb.NewIncidentService(db)
		in, err := s.FindIncident(ctxT(t), 42)
		if in != nil {
			t.Errorf("got %+v for an unknown id", in)
		}
		wantCode(t, err, quench.ENOTFOUND, "incident 42")
		_, err = s.Timeline(ctxT(t), 42)
		wantCode(t, err, quench.ENOTFOUND, "incident 42")
	})
}

func TestAddEvent(t *testing.T) {
	eachClock(t, func(t *testing.T, db *sqldb.DB, clk *clock) {
		s := sqldb.NewIncidentService(db)
		ctx := ctxT(t)
		id := ingest(t, db, trigger("k", quench.SeverityLow))[0].IncidentID
		clk.Add(time.Second + 123456789)
		ev, err := s.AddEvent(ctx, quench.TimelineEvent{IncidentID: id, Kind: quench.EventStepFinished, Actor: "runner",
			Text: "docker compose ps db", Data: json.RawMessage(`{"exit_code": 0, "output": "db  Up 3 hours"}`)})
		if err != nil {
			t.Fatal(err)
		}
		if ev.ID == 0 || !ev.At.Equal(clk.Now().Truncate(time.Microsecond)) {
			t.Errorf("event %+v", ev)
		}
		note := must[*quench.TimelineEvent](t)(s.AddEvent(ctx, quench.TimelineEvent{IncidentID: id, Kind: quench.EventNote, Actor: "alice", Text: "restarting db"}))
		tl := must[[]quench.TimelineEvent](t)(s.Timeline(ctx, id))
		if len(tl) != 3 || tl[1].ID != ev.ID || tl[2].ID != note.ID {
			t.Fatalf("timeline %+v", tl)
		}
		if got := tl[1]; got.IncidentID != id || got.Kind != quench.EventStepFinished || string(got.Data) != `{"exit_code": 0, "output": "db  Up 3 hours"}` ||
			!got.At.Equal(ev.At) || got.At.Location() != time.UTC {
			t.Errorf("stored step event %+v", got)
		}
		if tl[2].Data != nil {
			t.Errorf("note data %q, want none", tl[2].Data)
		}

		_, err = s.AddEvent(ctx, quench.TimelineEvent{IncidentID: 999, Kind: quench.EventNote, Actor: "a"})
		wantCode(t, err, quench.ENOTFOUND, "999")
		_, err = s.AddEvent(ctx, quench.TimelineEvent{IncidentID: id, Kind: quench.EventNote, Actor: "a", Data: json.RawMessage(`{`)})
		wantCode(t, err, quench.EINVALID, "JSON")
		_, err = s.AddEvent(ctx, quench.TimelineEvent{IncidentID: id, Actor: "a"})
		wantCode(t, err, quench.EINVALID, "kind")
	})
}

// Times keep sub-second precision and come back in UTC on both databases.
func TestTimesRoundTrip(t *testing.T) {
	each(t, func(t *testing.T, db *sqldb.DB) {
		at := time.Date(2026, 1, 2, 3, 4, 5, 678912345, time.FixedZone("CEST", 2*3600))
		a := trigger("k", quench.SeverityLow)
		a.ReceivedAt = at
		in := must[*quench.Incident](t)(sqldb.NewIncidentService(db).FindIncident(ctxT(t), ingest(t, db, a)[0].IncidentID))
		want := at.UTC().Truncate(time.Microsecond)
		if !in.OpenedAt.Equal(want) || in.OpenedAt.Location() != time.UTC || in.OpenedAt.Nanosecond() != 678912000 {
			t.Errorf("opened_at %v (%v), want %v UTC", in.OpenedAt, in.OpenedAt.Location(), want)
		}
	})
}
