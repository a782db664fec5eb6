package heartbeat_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/quench-sh/quench"
	"github.com/quench-sh/quench/heartbeat"
	"github.com/quench-sh/quench/ingest"
	"github.com/quench-sh/quench/route"
	"github.com/quench-sh/quench/sqldb"
	"github.com/quench-sh/quench/sqldb/sqldbtest"
)

// env is a monitor over a real store and the real alert pipeline, routed
// by the shipped runbooks' heartbeat rules.
type env struct {
	t         *testing.T
	db        *sqldb.DB
	store     *sqldb.HeartbeatService
	incidents *sqldb.IncidentService
	alerts    *ingest.AlertService
}

func newEnv(t *testing.T, dialect string) *env {
	db := sqldbtest.Open(t, dialect)
	incidents := sqldb.NewIncidentService(db)
	return &env{t: t, db: db, store: sqldb.NewHeartbeatService(db), incidents: incidents, alerts: newEnvAlerts(t, db, incidents)}
}

// newEnvAlerts is the alert pipeline over db, routed by the shipped
// runbooks' heartbeat rules.
func newEnvAlerts(t testing.TB, db *sqldb.DB, incidents *sqldb.IncidentService) *ingest.AlertService {
	router, err := route.New([]*quench.Runbook{
		{ID: "backup-stale", Title: "Backup Stale", Severity: quench.SeverityHigh,
			Match: []quench.Matcher{{Expr: `source == "heartbeat" && check == "backup"`}}},
		{ID: "job-scheduler-stale", Title: "Job Scheduler Stale", Severity: quench.SeverityMedium,
			Match: []quench.Matcher{{Expr: `source == "heartbeat" && check == "job-scheduler"`}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return &ingest.AlertService{Store: incidents, Router: router}
}

func (e *env) monitor(cfgs ...heartbeat.Config) *heartbeat.Monitor {
	m := &heartbeat.Monitor{Store: e.store, Alerts: e.alerts, Incidents: e.incidents}
	if err := m.Open(context.Background(), cfgs); err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(m.Close)
	return m
}

// waitIncidents waits until the store holds n incidents of source
// heartbeat with status (open when ""), and returns them newest first.
func (e *env) waitIncidents(n int, status quench.Status) []*quench.Incident {
	e.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		f := quench.IncidentFilter{Status: status, Open: status == ""}
		incs, err := e.incidents.FindIncidents(context.Background(), f)
		if err != nil {
			e.t.Fatal(err)
		}
		if len(incs) == n {
			return incs
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("%d incidents (status %q), want %d", len(incs), status, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (e *env) timeline(id int64) string {
	evs, err := e.incidents.Timeline(context.Background(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	var b strings.Builder
	for _, ev := range evs {
		b.WriteString(ev.Kind + ": " + ev.Text + "\n")
	}
	return b.String()
}

var backup = heartbeat.Config{Name: "backup", Period: 24 * time.Hour, Grace: 2 * time.Hour, Severity: quench.SeverityHigh}

// TestMissedHeartbeatOpensIncident: a backup last seen more than 26 hours
// ago opens one incident routed to backup-stale; a restart opens no
// second one; the next success resolves it with its body on the timeline.
func TestMissedHeartbeatOpensIncident(t *testing.T) {
	for _, d := range sqldbtest.Dialects(t) {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, d)
			ctx := context.Background()
			st, err := e.store.EnsureHeartbeat(ctx, "backup", "backup-secret-0123456789", time.Now().Add(-27*time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			m := e.monitor(backup)
			inc := e.waitIncidents(1, "")[0]
			if inc.Source != quench.SourceHeartbeat || inc.RunbookID != "backup-stale" || !strings.Contains(inc.Summary, "backup is late") {
				t.Fatalf("incident %+v: want a late backup routed to backup-stale", inc)
			}
			// The monitor marks the heartbeat alerting once SubmitAlerts
			// returns, a moment after the incident is visible.
			for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
				hbs, err := m.Heartbeats(ctx, "")
				if err != nil {
					t.Fatal(err)
				}
				if hbs[0].DueAt == nil {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("not alerting: %+v", hbs[0])
				}
			}
			m.Close()

			// A restart: the state says it is alerting, so no new alert.
			m = e.monitor(backup)
			hbs, err := m.Heartbeats(ctx, "http://quench.test")
			if err != nil {
				t.Fatal(err)
			}
			if len(hbs) != 1 || hbs[0].Status != quench.HeartbeatLate || hbs[0].DueAt != nil || hbs[0].PingURL != "http://quench.test/ping/"+st.Secret {
				t.Fatalf("after restart: %+v", hbs[0])
			}
			if err := m.Ping(ctx, st.Secret, quench.Ping{Kind: quench.PingSuccess, ExitCode: -1, Body: "backup-2026-11-30.sql.gz 1.2G"}); err != nil {
				t.Fatal(err)
			}
			resolved := e.waitIncidents(1, quench.StatusResolved)[0]
			if resolved.ID != inc.ID || resolved.AlertCount != 1 {
				t.Fatalf("resolved %+v, want incident %d with its one alert", resolved, inc.ID)
			}
			if tl := e.timeline(inc.ID); !strings.Contains(tl, "ping: success ping to heartbeat backup\n\nbackup-2026-11-30.sql.gz 1.2G") {
				t.Fatalf("timeline lacks the ping body:\n%s", tl)
			}
		})
	}
}

// TestFailedAndUnfinishedRuns: /fail with an exit status and a body opens
// an incident carrying the body; a run that starts and never finishes
// alerts after its grace; start → success records the run time.
func TestFailedAndUnfinishedRuns(t *testing.T) {
	e := newEnv(t, sqldb.DialectSQLite)
	ctx := context.Background()
	jobs := heartbeat.Config{Name: "job-scheduler", Period: time.Hour, Grace: time.Second, Severity: quench.SeverityMedium, Runbook: "job-scheduler-stale"}
	m := e.monitor(backup, jobs)
	secrets := map[string]string{}
	states, err := e.store.HeartbeatStates(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range states {
		secrets[st.Name] = st.Secret
	}
	now := time.Now()
	if err := m.Ping(ctx, secrets["backup"], quench.Ping{Kind: quench.PingStart, ExitCode: -1, At: now.Add(-time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if err := m.Ping(ctx, secrets["backup"], quench.Ping{Kind: quench.PingSuccess, ExitCode: 0, At: now}); err != nil {
		t.Fatal(err)
	}
	if err := m.Ping(ctx, secrets["backup"], quench.Ping{Kind: quench.PingFail, ExitCode: 3, Body: "pg_dump: error: connection refused", At: now}); err != nil {
		t.Fatal(err)
	}
	inc := e.waitIncidents(1, "")[0]
	if inc.RunbookID != "backup-stale" || !strings.Contains(inc.Summary, "exited with status 3") {
		t.Fatalf("incident %+v", inc)
	}
	if tl := e.timeline(inc.ID); !strings.Contains(tl, "fail ping to heartbeat backup (exit status 3)\n\npg_dump: error: connection refused") {
		t.Fatalf("timeline lacks the failure's body:\n%s", tl)
	}

	// A run that started two seconds ago with a grace of one second.
	if err := m.Ping(ctx, secrets["job-scheduler"], quench.Ping{Kind: quench.PingStart, ExitCode: -1, At: time.Now().Add(-2 * time.Second)}); err != nil {
		t.Fatal(err)
	}
	incs := e.waitIncidents(2, "")
	if incs[0].RunbookID != "job-scheduler-stale" || !strings.Contains(incs[0].Summary, "has not finished") {
		t.Fatalf("incident %+v, want an unfinished run routed to job-scheduler-stale", incs[0])
	}

	hbs, err := m.Heartbeats(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if hbs[0].Name != "backup" || time.Duration(hbs[0].LastDuration).Round(time.Millisecond) != time.Minute || hbs[0].LastExitCode == nil || *hbs[0].LastExitCode != 3 {
		t.Fatalf("backup %+v: want a run of 1m and exit status 3", hbs[0])
	}

	// Removed from the config: its incident is resolved, its URL is a 404.
	if err := m.Reload(ctx, []heartbeat.Config{jobs}); err != nil {
		t.Fatal(err)
	}
	e.waitIncidents(1, quench.StatusResolved)
	if err := m.Ping(ctx, secrets["backup"], quench.Ping{Kind: quench.PingSuccess, ExitCode: -1}); quench.ErrorCode(err) != quench.ENOTFOUND {
		t.Fatalf("ping of a removed heartbeat: %v, want not found", err)
	}
	if err := m.Ping(ctx, "no-such-secret", quench.Ping{Kind: quench.PingSuccess, ExitCode: -1}); quench.ErrorCode(err) != quench.ENOTFOUND {
		t.Fatalf("unknown secret: %v, want not found", err)
	}
}
