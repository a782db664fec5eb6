package sqldb_test

import (
	"strings"
	"testing"
	"time"

	"github.com/quench-sh/quench"
	"github.com/quench-sh/quench/sqldb"
)

func TestOverrides(t *testing.T) {
	eachClock(t, func(t *testing.T, db *sqldb.DB, clk *clock) {
		s := sqldb.NewOverrideService(db)
		ctx := ctxT(t)
		start := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
		o := must[*quench.Override](t)(s.CreateOverride(ctx, quench.Override{Schedule: "ops", Person: "erin", Replaces: "alice",
			Start: start, End: start.Add(2 * time.Hour), Reason: "dentist", Actor: "alice"}))
		if o.ID == 0 || !o.CreatedAt.Equal(clk.Now().Truncate(time.Microsecond)) {
			t.Fatalf("created %+v", o)
		}
		// Overlap: [from, to) that touches the range only at its end sees nothing.
		for _, tt := range []struct {
			schedule string
			from, to time.Time
			want     int
		}{
			{"ops", start.Add(-time.Hour), start, 0},
			{"ops", start.Add(-time.Hour), start.Add(time.Minute), 1},
			{"", start.Add(time.Hour), start.Add(5 * time.Hour), 1},
			{"ops", start.Add(2 * time.Hour), start.Add(5 * time.Hour), 0},
			{"other", start, start.Add(time.Hour), 0},
		} {
			got := must[[]*quench.Override](t)(s.FindOverrides(ctx, tt.schedule, tt.from, tt.to))
			if len(got) != tt.want {
				t.Errorf("FindOverrides(%q, %s, %s) = %d, want %d", tt.schedule, tt.from, tt.to, len(got), tt.want)
			}
		}
		for _, bad := range []quench.Override{
			{Schedule: "ops", Person: "erin", Start: start, End: start, Actor: "a"},
			{Schedule: "ops", Person: "erin", Start: start, End: start.Add(100 * 24 * time.Hour), Actor: "a"},
			{Schedule: "", Person: "erin", Start: start, End: start.Add(time.Hour), Actor: "a"},
			{Schedule: "ops", Person: "erin", Replaces: "erin", Start: start, End: start.Add(time.Hour), Actor: "a"},
		} {
			_, err := s.CreateOverride(ctx, bad)
			wantCode(t, err, quench.EINVALID, "override")
		}
		if err := s.DeleteOverride(ctx, o.ID, "bob"); err != nil {
			t.Fatal(err)
		}
		wantCode(t, s.DeleteOverride(ctx, o.ID, "bob"), quench.ENOTFOUND, "not found")
		if got := must[[]*quench.Override](t)(s.FindOverrides(ctx, "", start, start.Add(time.Hour))); len(got) != 0 {
			t.Errorf("a removed override is still found: %v", got)
		}
		var actions []string
		for _, e := range must[[]*quench.AuditEntry](t)(sqldb.NewAuditService(db).FindAuditEntries(ctx, 0, 0)) {
			actions = append(actions, e.Action+"/"+e.Actor+"/"+e.Subject)
		}
		if want := "override.create/alice/override/1 override.delete/bob/override/1"; strings.Join(actions, " ") != want {
			t.Errorf("audit %v, want %s", actions, want)
		}
	})
}

func TestPagingStore(t *testing.T) {
	eachClock(t, func(t *testing.T, db *sqldb.DB, clk *clock) {
		ctx := ctxT(t)
		s := sqldb.NewPagingStore(db)
		res := ingest(t, db, trigger("disk", quench.SeverityCritical), trigger("db", quench.SeverityHigh))
		inc := res[0].IncidentID
		now := clk.Now()
		page := func(person, contact string, step int, due time.Time) quench.Notification {
			return quench.Notification{Key: "i1-s" + string(rune('0'+step)) + "-" + person + "-" + contact, IncidentID: inc, Step: step,
				Role: "oncall-ops", Person: person, Contact: contact, Channel: quench.ContactWebhook, Kind: quench.MessagePage,
				Urgency: quench.UrgencyHigh, DueAt: due}
		}
		change := quench.EscalationChange{
			State: &quench.EscalationState{IncidentID: inc, Step: 1, Steps: []string{"oncall-ops", "backend-lead"},
				NextAt: now.Add(5 * time.Minute), Paged: []string{"alice"}},
			Notifications: []quench.Notification{page("alice", "hook", 1, now), page("alice", "sms", 1, now.Add(2*time.Minute))},
			Events:        []quench.TimelineEvent{{IncidentID: inc, Kind: quench.EventPaged, Actor: "system", Text: "step 1 (oncall-ops): paging alice"}},
			Audit:         []quench.AuditEntry{{Actor: "system", Action: "paging.page", Subject: "incident/1"}},
		}
		got := must[[]quench.Notification](t)(s.ApplyEscalations(ctx, []quench.EscalationChange{change}))
		if len(got) != 2 || got[0].ID == 0 || got[0].Status != quench.NotificationPending {
			t.Fatalf("inserted %+v", got)
		}
		// Replaying the same step (a crash between write and send) inserts nothing.
		again := must[[]quench.Notification](t)(s.ApplyEscalations(ctx, []quench.EscalationChange{{Notifications: change.Notifications}}))
		if len(again) != 0 {
			t.Fatalf("replay inserted %d rows", len(again))
		}
		st := must[*quench.EscalationState](t)(s.FindEscalation(ctx, inc))
		if st.Step != 1 || len(st.Steps) != 2 || !st.NextAt.Equal(now.Add(5*time.Minute).Truncate(time.Microsecond)) || st.Paged[0] != "alice" {
			t.Errorf("state %+v", st)
		}
		open := must[[]quench.OpenEscalation](t)(s.OpenEscalations(ctx))
		if len(open) != 2 || open[0].State == nil || open[0].State.Step != 1 || open[1].State != nil {
			t.Fatalf("open escalations %+v", open)
		}
		pending := must[[]*quench.Notification](t)(s.PendingNotifications(ctx))
		if len(pending) != 2 || pending[0].Contact != "hook" {
			t.Fatalf("pending %+v", pending)
		}
		ev := quench.TimelineEvent{IncidentID: inc, Kind: quench.EventNotificationSent, Actor: "system", Text: "sent to alice by hook"}
		if err := s.FinishNotifications(ctx, []quench.NotificationOutcome{
			{Key: got[0].Key, Status: quench.NotificationSent, Attempts: 1, ProviderID: "m-1", At: now, Event: &ev,
				Audit: &quench.AuditEntry{Actor: "system", Action: "paging.deliver", Subject: "incident/1"}},
			{Key: got[1].Key, Status: quench.NotificationPending, Attempts: 1, Error: "503", DueAt: now.Add(3 * time.Minute), At: now},
		}); err != nil {
			t.Fatal(err)
		}
		ns := must[[]*quench.Notification](t)(s.FindNotifications(ctx, inc))
		if ns[0].Status != quench.NotificationSent || ns[0].ProviderID != "m-1" || ns[0].SentAt == nil || ns[1].Attempts != 1 ||
			!ns[1].DueAt.Equal(now.Add(3*time.Minute).Truncate(time.Microsecond)) {
			t.Errorf("after finish: %+v %+v", ns[0], ns[1])
		}
		// An acknowledgement cancels what is still pending and stops.
		st.Stopped = true
		if _, err := s.ApplyEscalations(ctx, []quench.EscalationChange{{State: st, CancelPending: inc}}); err != nil {
			t.Fatal(err)
		}
		ns = must[[]*quench.Notification](t)(s.FindNotifications(ctx, inc))
		if ns[0].Status != quench.NotificationSent || ns[1].Status != quench.NotificationCancelled {
			t.Errorf("after cancel: %s %s", ns[0].Status, ns[1].Status)
		}
		if open := must[[]quench.OpenEscalation](t)(s.OpenEscalations(ctx)); len(open) != 1 || open[0].Incident.ID == inc {
			t.Errorf("a stopped escalation is still open: %+v", open)
		}
		tl := must[[]quench.TimelineEvent](t)(sqldb.NewIncidentService(db).Timeline(ctx, inc))
		var kinds []string
		for _, e := range tl {
			kinds = append(kinds, e.Kind)
		}
		if !strings.Contains(strings.Join(kinds, " "), "paged notification_sent") {
			t.Errorf("timeline kinds %v", kinds)
		}
		_, err := s.FindNotifications(ctx, 999)
		wantCode(t, err, quench.ENOTFOUND, "")
		if _, err := sqldb.NewAuditService(db).Verify(ctx); err != nil {
			t.Fatal(err)
		}
	})
}

func TestUsedLinks(t *testing.T) {
	each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := ctxT(t)
		s := sqldb.NewPagingStore(db)
		k1 := must[[]byte](t)(s.LinkKey(ctx))
		k2 := must[[]byte](t)(s.LinkKey(ctx))
		if len(k1) != 32 || string(k1) != string(k2) {
			t.Fatalf("link key changes: %x %x", k1, k2)
		}
		if err := s.UseLink(ctx, "n1", 1, "alice", "ack"); err != nil {
			t.Fatal(err)
		}
		wantCode(t, s.UseLink(ctx, "n1", 1, "alice", "ack"), quench.ECONFLICT, "already used")
		es := must[[]*quench.AuditEntry](t)(sqldb.NewAuditService(db).FindAuditEntries(ctx, 0, 0))
		if len(es) != 1 || es[0].Actor != "alice" || es[0].Action != "paging.link" {
			t.Errorf("audit %+v", es)
		}
	})
}
