package quench

import (
	"context"
	"time"
)

// IncidentEventKind names what changed about an incident.
type IncidentEventKind string

// Incident event kinds. Paging, checks, drills and the web UI react to
// these; each is published once the change it reports has committed.
const (
	IncidentOpened         IncidentEventKind = "opened"
	IncidentAcknowledged   IncidentEventKind = "acknowledged"
	IncidentResolved       IncidentEventKind = "resolved"
	IncidentReopened       IncidentEventKind = "reopened"
	IncidentSeverityRaised IncidentEventKind = "severity_raised"
	IncidentNoteAdded      IncidentEventKind = "note_added"
	IncidentStepStarted    IncidentEventKind = "step_started"
	IncidentStepFinished   IncidentEventKind = "step_finished"
	IncidentStepRefused    IncidentEventKind = "step_refused"
)

// IncidentEventKindOf returns the incident event a timeline event of kind
// timelineKind is published as, or "" for kinds published by the change
// that wrote them (opened, acknowledged, resolved) or not at all.
func IncidentEventKindOf(timelineKind string) IncidentEventKind {
	switch timelineKind {
	case EventNote:
		return IncidentNoteAdded
	case EventStepStarted:
		return IncidentStepStarted
	case EventStepFinished:
		return IncidentStepFinished
	case EventStepRefused:
		return IncidentStepRefused
	}
	return ""
}

// IncidentEvent is one committed change to an incident: enough for a
// subscriber to decide whether it cares, not the whole incident. A
// subscriber that needs more reads the incident from the store.
type IncidentEvent struct {
	Kind       IncidentEventKind `json:"kind"`
	IncidentID int64             `json:"incident_id"`
	Status     Status            `json:"status"`   // the incident's status after the change
	Severity   Severity          `json:"severity"` // its severity after the change
	RunbookID  string            `json:"runbook,omitempty"`
	Actor      string            `json:"actor,omitempty"` // token name, "system", a check's name
	At         time.Time         `json:"at"`
	Step       string            `json:"step,omitempty"` // step events: the step's name
	// Remote is true when another quench instance sharing the database
	// committed the change (PostgreSQL). Its Status, Severity and RunbookID
	// were read from the store when the event arrived, so they may be newer
	// than the change itself.
	Remote bool `json:"remote,omitempty"`
}

// EventService carries incident events from the writers that commit
// changes to everything that reacts to them.
type EventService interface {
	// Publish hands committed events to every subscriber (on PostgreSQL,
	// on every instance). Call it only after the change committed, never
	// inside a transaction. It never waits for a slow subscriber.
	Publish(ctx context.Context, events ...IncidentEvent) error
	// Subscribe returns a subscription that receives every event published
	// after it returns, until Close or until ctx ends.
	Subscribe(ctx context.Context) (Subscription, error)
}

// Subscription is one subscriber's view of the event stream. Its buffer is
// bounded: a subscriber that falls behind loses events rather than block
// the writers, and is told so on Lagged.
type Subscription interface {
	// Events delivers events in the order they were published. It is
	// closed after Close or when the subscription's context ends.
	Events() <-chan IncidentEvent
	// Lagged receives a value when events were dropped because Events was
	// full. The subscriber should reload what it tracks from the store.
	Lagged() <-chan struct{}
	// Close ends the subscription; it is safe to call more than once.
	Close()
}

// AlertService is the one way alerts enter quench. HTTP ingest, built-in
// checks, heartbeats and drills all submit through it.
type AlertService interface {
	// SubmitAlerts stamps, validates and stores alerts, routing only those
	// that open an incident; the store publishes the resulting incident
	// events once they commit. The caller sets each alert's Source and
	// Integration. When it returns nil every alert is committed; results
	// are in the order of alerts.
	SubmitAlerts(ctx context.Context, alerts []Alert) ([]IngestResult, error)
}
