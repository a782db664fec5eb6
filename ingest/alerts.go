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
// Before step 3, a Suppressor (silences, maintenance windows, inhibition)
// may hold back triggers that must not open an incident: it stores them
// itself and their results say OutcomeSuppressed; the rest go to the store
// (suppress.go). Route stays the one place that decides the runbook of an
// alert that opens an incident.
type AlertService struct {
	// Store applies alerts to incidents (sqldb.IncidentService).
	Store quench.AlertStore
	// Router picks the runbook of an alert that opens an incident; nil
	// keeps the RunbookID the caller set.
	Router quench.Router
	// Suppressor holds back alerts that must not open an incident
	// (silences, maintenance windows, inhibition; suppress.Service): they
	// are stored there, not here. Nil holds nothing back.
	Suppressor quench.Suppressor
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
	if s.Suppressor != nil {
		return s.submitUnsuppressed(ctx, alerts)
	}
	return s.Store.IngestAlerts(ctx, alerts, s.router())
}

// router is what the store asks for runbooks: this service, or nil to
// keep the caller's.
func (s *AlertService) router() quench.Router {
	if s.Router == nil {
		return nil
	}
	return s
}

// Route decides the runbook of an alert about to open an incident: the
// store calls it only for such alerts, possibly from several goroutines at
// once. See AlertService for what else belongs here.
func (s *AlertService) Route(a *quench.Alert) string {
	return s.Router.Route(a)
}
