package ingest

import (
	"context"
	"time"

	"github.com/quench-sh/quench"
)

// AlertService is the one way alerts enter quench (quench.AlertService):
// HTTP ingest calls it, and so do built-in checks, heartbeats and drills.
// For each call it
//
//  1. stamps every alert with the time quench received it (ReceivedAt,
//     unless the caller set one);
//  2. validates the whole call (quench.ValidateAlerts), so nothing of a bad
//     call is stored;
//  3. stores the alerts through the store's group commit (Store), which
//     applies the lifecycle (quench.AlertChange) and asks this service's
//     Route for the runbook of each alert that opens an incident, and of no
//     other: a repeat, an acknowledge or a resolve costs no routing;
//  4. leaves publishing to the store, which publishes the incident events
//     (opened, acknowledged, resolved, severity raised) once they commit.
//
// Extension point: Route is the one place that decides how an alert that
// is about to open an incident opens it. A step that must happen before an
// incident opens, such as consulting silences and inhibitions or marking
// a drill, belongs there as a named optional collaborator beside Router
// (for example `Silences quench.SilenceService`), consulted in Route;
// where it must change the outcome (a suppressed alert is stored but opens
// nothing), the decision becomes an input of quench.AlertChange so the
// store, the timeline and the events follow it.
type AlertService struct {
	// Store applies alerts to incidents (sqldb.IncidentService).
	Store quench.AlertStore
	// Router picks the runbook of an alert that opens an incident; nil
	// keeps the RunbookID the caller set.
	Router quench.Router
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

var (
	_ quench.AlertService = (*AlertService)(nil)
	_ quench.Router       = (*AlertService)(nil)
)

// SubmitAlerts stamps, validates and stores alerts (see AlertService).
// The caller sets Source and Integration. When it returns nil every alert
// is committed; results are in the order of alerts, and an opened
// incident's result names its runbook.
func (s *AlertService) SubmitAlerts(ctx context.Context, alerts []quench.Alert) ([]quench.IngestResult, error) {
	if len(alerts) == 0 {
		return []quench.IngestResult{}, nil
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	at := now()
	for i := range alerts {
		if alerts[i].ReceivedAt.IsZero() {
			alerts[i].ReceivedAt = at
		}
	}
	if err := quench.ValidateAlerts(alerts); err != nil {
		return nil, err
	}
	var router quench.Router
	if s.Router != nil {
		router = s
	}
	return s.Store.IngestAlerts(ctx, alerts, router)
}

// Route decides the runbook of an alert about to open an incident: the
// store calls it only for such alerts, possibly from several goroutines at
// once. See AlertService for what else belongs here.
func (s *AlertService) Route(a *quench.Alert) string {
	return s.Router.Route(a)
}
