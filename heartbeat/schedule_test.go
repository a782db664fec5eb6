package heartbeat

import (
	"strings"
	"testing"
	"time"

	"github.com/quench-sh/quench"
)

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func ptr(t time.Time) *time.Time { return &t }

func TestDue(t *testing.T) {
	madrid, err := time.LoadLocation("Europe/Madrid")
	if err != nil {
		t.Skip("no time zone database:", err)
	}
	created := mustTime(t, "2026-11-30T10:00:00Z")
	for _, tt := range []struct {
		name string
		cfg  Config
		st   quench.HeartbeatState
		want string // RFC3339, "" for none
	}{
		{"never pinged: a period and a grace after quench saw it",
			Config{Period: time.Hour, Grace: 5 * time.Minute}, quench.HeartbeatState{CreatedAt: created}, "2026-11-30T11:05:00Z"},
		{"from the last success",
			Config{Period: 24 * time.Hour, Grace: 2 * time.Hour},
			quench.HeartbeatState{CreatedAt: created, LastSuccessAt: ptr(mustTime(t, "2026-11-30T03:10:00Z"))}, "2026-12-01T05:10:00Z"},
		{"a started run must finish within its grace",
			Config{Period: 24 * time.Hour, Grace: time.Hour},
			quench.HeartbeatState{CreatedAt: created, LastSuccessAt: ptr(created), StartedAt: ptr(mustTime(t, "2026-11-30T12:00:00Z"))}, "2026-11-30T13:00:00Z"},
		{"the period's deadline when it comes before the run's",
			Config{Period: time.Hour, Grace: time.Hour},
			quench.HeartbeatState{CreatedAt: created, LastSuccessAt: ptr(created), StartedAt: ptr(mustTime(t, "2026-11-30T11:30:00Z"))}, "2026-11-30T12:00:00Z"},
		{"cron: the next tick after the success, in its zone",
			Config{Cron: "0 3 * * *", Location: madrid, Grace: 30 * time.Minute},
			quench.HeartbeatState{CreatedAt: created, LastSuccessAt: ptr(mustTime(t, "2026-11-30T02:05:00Z"))}, "2026-12-01T02:30:00Z"},
		{"cron descriptor",
			Config{Cron: "@hourly", Grace: time.Minute}, quench.HeartbeatState{CreatedAt: created}, "2026-11-30T11:01:00Z"},
		{"alerting: no deadline until a ping",
			Config{Period: time.Hour, Grace: time.Minute}, quench.HeartbeatState{CreatedAt: created, Alerting: true}, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, err := NewSchedule(tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			got := Due(s, tt.cfg.Grace, &tt.st)
			if tt.want == "" {
				if !got.IsZero() {
					t.Fatalf("Due = %s, want none", got)
				}
				return
			}
			if want := mustTime(t, tt.want); !got.Equal(want) {
				t.Fatalf("Due = %s, want %s", got.UTC(), want)
			}
		})
	}
}

func TestNewScheduleRefuses(t *testing.T) {
	for _, tt := range []struct {
		cfg  Config
		want string
	}{
		{Config{}, "needs a period"},
		{Config{Period: time.Hour, Cron: "@daily"}, "not both"},
		{Config{Cron: "61 * * * *"}, "cron"},
		{Config{Cron: "* * * *"}, "cron"},
		{Config{Cron: "CRON_TZ=Europe/Madrid 0 3 * * *"}, "timezone"},
	} {
		if _, err := NewSchedule(tt.cfg); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("NewSchedule(%+v) = %v, want an error saying %q", tt.cfg, err, tt.want)
		}
	}
}

func TestApplyPing(t *testing.T) {
	at := mustTime(t, "2026-11-30T10:00:00Z")
	started := at.Add(-90 * time.Second)
	for _, tt := range []struct {
		name       string
		st         quench.HeartbeatState
		ping       quench.Ping
		want       quench.Action
		status     string
		alerting   bool
		running    bool
		duration   time.Duration
		successSet bool
	}{
		{"success while up", quench.HeartbeatState{Status: quench.HeartbeatUp}, quench.Ping{Kind: quench.PingSuccess, ExitCode: -1, At: at},
			"", quench.HeartbeatUp, false, false, 0, true},
		{"success resolves a late heartbeat", quench.HeartbeatState{Status: quench.HeartbeatLate, Alerting: true}, quench.Ping{Kind: quench.PingSuccess, ExitCode: 0, At: at},
			quench.ActionResolve, quench.HeartbeatUp, false, false, 0, true},
		{"start marks the run", quench.HeartbeatState{Status: quench.HeartbeatUp}, quench.Ping{Kind: quench.PingStart, ExitCode: -1, At: at},
			"", quench.HeartbeatUp, false, true, 0, false},
		{"start does not resolve", quench.HeartbeatState{Status: quench.HeartbeatLate, Alerting: true}, quench.Ping{Kind: quench.PingStart, ExitCode: -1, At: at},
			"", quench.HeartbeatLate, true, true, 0, false},
		{"start then success gives the run time", quench.HeartbeatState{Status: quench.HeartbeatUp, StartedAt: &started}, quench.Ping{Kind: quench.PingSuccess, ExitCode: -1, At: at},
			"", quench.HeartbeatUp, false, false, 90 * time.Second, true},
		{"failure triggers", quench.HeartbeatState{Status: quench.HeartbeatUp, StartedAt: &started}, quench.Ping{Kind: quench.PingFail, ExitCode: 3, At: at},
			quench.ActionTrigger, quench.HeartbeatFailed, true, false, 0, false},
		{"failure while alerting repeats", quench.HeartbeatState{Status: quench.HeartbeatLate, Alerting: true}, quench.Ping{Kind: quench.PingFail, ExitCode: -1, At: at},
			quench.ActionTrigger, quench.HeartbeatFailed, true, false, 0, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			st := tt.st
			got := applyPing(&st, tt.ping)
			if got != tt.want || st.Status != tt.status || st.Alerting != tt.alerting || (st.StartedAt != nil) != tt.running ||
				st.LastDuration != tt.duration || (st.LastSuccessAt != nil) != tt.successSet {
				t.Fatalf("got %q, state %+v", got, st)
			}
			if st.LastPingAt == nil || !st.LastPingAt.Equal(at) || st.LastPing != tt.ping.Kind {
				t.Fatalf("last ping not recorded: %+v", st)
			}
		})
	}
}

func TestApplyLate(t *testing.T) {
	due := mustTime(t, "2026-11-30T10:00:00Z")
	st := quench.HeartbeatState{Status: quench.HeartbeatUp}
	if applyLate(&st, due, due.Add(-time.Millisecond)) {
		t.Fatal("late before its deadline")
	}
	if !applyLate(&st, due, due) || st.Status != quench.HeartbeatLate || !st.Alerting {
		t.Fatalf("not late at its deadline: %+v", st)
	}
	if applyLate(&st, due, due.Add(time.Hour)) {
		t.Fatal("late twice: a second alert for the same lateness")
	}
}

func TestDueHeap(t *testing.T) {
	h := newDueHeap()
	base := mustTime(t, "2026-11-30T10:00:00Z")
	h.set("a", base.Add(3*time.Second))
	h.set("b", base.Add(time.Second))
	h.set("c", base.Add(2*time.Second))
	h.set("b", base.Add(5*time.Second)) // moved by a ping
	h.remove("c")
	if next, _ := h.next(); !next.Equal(base.Add(3 * time.Second)) {
		t.Fatalf("next = %s, want a's", next)
	}
	if got := h.popDue(base.Add(4 * time.Second)); len(got) != 1 || got[0] != "a" {
		t.Fatalf("popDue = %v, want [a]", got)
	}
	if got := h.popDue(base.Add(time.Hour)); len(got) != 1 || got[0] != "b" {
		t.Fatalf("popDue = %v, want [b]", got)
	}
	if _, ok := h.next(); ok {
		t.Fatal("heap not empty")
	}
}
