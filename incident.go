package quench

import (
	"context"
	"encoding/json"
	"time"
)

// Status is where an incident is in its life.
type Status string

// Incident statuses.
const (
	StatusTriggered    Status = "triggered"
	StatusAcknowledged Status = "acknowledged"
	StatusResolved     Status = "resolved"
)

// Valid reports whether s is one of the three statuses.
func (s Status) Valid() bool {
	return s == StatusTriggered || s == StatusAcknowledged || s == StatusResolved
}

// Incident is one problem being handled, opened by the first alert of a
// dedup key and fed by its repeats until resolved.
type Incident struct {
	ID             int64             `json:"id"`
	Status         Status            `json:"status"`
	Severity       Severity          `json:"severity"`
	Summary        string            `json:"summary"`
	RunbookID      string            `json:"-"`
	Source         string            `json:"source"`
	Integration    string            `json:"integration"`
	DedupKey       string            `json:"dedup_key"`
	AlertCount     int64             `json:"alert_count"`
	Labels         map[string]string `json:"labels"`
	Annotations    map[string]string `json:"annotations,omitempty"`
	OpenedAt       time.Time         `json:"opened_at"`
	LastSeenAt     time.Time         `json:"last_seen_at"`
	AcknowledgedAt *time.Time        `json:"acknowledged_at"`
	ResolvedAt     *time.Time        `json:"resolved_at"`
	AcknowledgedBy string            `json:"acknowledged_by,omitempty"`
	ResolvedBy     string            `json:"resolved_by,omitempty"`
}

// Timeline event kinds.
const (
	EventOpened       = "opened"
	EventAlert        = "alert" // a repeat or a resolve from the source
	EventAcknowledged = "acknowledged"
	EventResolved     = "resolved"
	EventNote         = "note"
	EventStepStarted  = "step_started"
	EventStepFinished = "step_finished"
	EventStepRefused  = "step_refused"
	EventDeploys      = "deploys"
)

// OpenedData is the data of an incident's EventOpened timeline event.
type OpenedData struct {
	// Details is the opening alert's source-specific data (a generic
	// alert's details, PagerDuty's custom_details, Alertmanager's
	// generator URL…): a JSON object, absent when the alert had none.
	Details json.RawMessage `json:"details,omitempty"`
}

// OpeningDetails returns the details of the alert that opened the incident
// whose timeline is tl, or nil when it had none.
func OpeningDetails(tl []TimelineEvent) json.RawMessage {
	for _, ev := range tl {
		if ev.Kind != EventOpened || len(ev.Data) == 0 {
			continue
		}
		var d OpenedData
		if json.Unmarshal(ev.Data, &d) == nil {
			return d.Details
		}
	}
	return nil
}

// TimelineEvent is one thing that happened to an incident.
type TimelineEvent struct {
	ID         int64           `json:"id"`
	IncidentID int64           `json:"-"`
	At         time.Time       `json:"at"`
	Kind       string          `json:"kind"`
	Actor      string          `json:"actor"`
	Text       string          `json:"text"`
	Data       json.RawMessage `json:"data,omitempty"`
}

// IncidentFilter selects incidents for a list. Zero fields match all.
type IncidentFilter struct {
	Status    Status
	Severity  Severity
	RunbookID string
	Open      bool   // only open incidents (triggered or acknowledged); excludes Status
	Text      string // only incidents whose summary, dedup key or labels contain it, any case
	NoRunbook bool   // only incidents no runbook answers
	BeforeID  int64  // pagination: only ids below this (newest first)
	Limit     int    // 0 means the default page size
}

// IncidentService stores incidents and their timelines. Alerts reach
// incidents through AlertService (and its AlertStore); every change
// publishes its IncidentEvent once committed.
type IncidentService interface {
	// FindIncident returns ENOTFOUND when no incident has that id.
	FindIncident(ctx context.Context, id int64) (*Incident, error)
	// FindIncidents returns incidents newest first.
	FindIncidents(ctx context.Context, f IncidentFilter) ([]*Incident, error)
	// Timeline returns an incident's events, oldest first.
	Timeline(ctx context.Context, id int64) ([]TimelineEvent, error)
	// Acknowledge returns ECONFLICT when the incident is resolved.
	Acknowledge(ctx context.Context, id int64, actor string) (*Incident, error)
	// Resolve returns ECONFLICT when the incident is already resolved.
	Resolve(ctx context.Context, id int64, actor string) (*Incident, error)
	// AddEvent appends an event to an incident's timeline (a note, a
	// page); a note is published as IncidentNoteAdded.
	AddEvent(ctx context.Context, ev TimelineEvent) (*TimelineEvent, error)
	// CountIncidents counts incidents by status, for metrics and the UI;
	// drill incidents (IsDrill) are not counted.
	CountIncidents(ctx context.Context) (IncidentCounts, error)
}

// IncidentCounts summarises the incidents in the store.
type IncidentCounts struct {
	ByStatus       map[Status]int64
	OpenBySeverity map[Severity]int64 // open incidents of each severity
	OpenNoRunbook  int64              // open incidents no runbook answers: coverage gaps
}
