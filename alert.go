package quench

import (
	"encoding/json"
	"time"
)

// Action is what an alert asks of its incident.
type Action string

// Alert actions. Alertmanager and Grafana only trigger and resolve;
// PagerDuty Events v2 can also acknowledge.
const (
	ActionTrigger     Action = "trigger"
	ActionAcknowledge Action = "acknowledge"
	ActionResolve     Action = "resolve"
)

// Alert sources.
const (
	SourceAlertmanager = "alertmanager"
	SourceGrafana      = "grafana"
	SourcePagerDuty    = "pagerduty"
	SourceGeneric      = "generic"
	SourceCheck        = "check"
	SourceHeartbeat    = "heartbeat"
)

// Alert is one signal from any source, normalised. Every source produces
// this shape; the router and the incident service see nothing else.
type Alert struct {
	Source      string            // one of the Source… constants
	Integration string            // the ingest token's name, or the check's name
	DedupKey    string            // one open incident per (Integration, DedupKey)
	Action      Action            // trigger, acknowledge or resolve
	Severity    Severity          // normalised severity
	Summary     string            // one line for people
	Labels      map[string]string // identifying key/values
	Annotations map[string]string // descriptive key/values
	Details     json.RawMessage   // source-specific extra data, a JSON object or nil
	StartsAt    time.Time         // when the source says it began; zero if unknown
	EndsAt      time.Time         // when the source says it ended; zero if unknown
	ReceivedAt  time.Time         // when quench accepted it
	Check       string            // for SourceCheck: the check's name
	Body        map[string]any    // for SourceCheck: the decoded response body

	RunbookID string // set by the router; "" when no runbook answers
}

// Limits on alert fields, enforced by every ingest parser so nothing huge
// reaches storage.
const (
	MaxBodyBytes     = 1 << 20 // one ingest request
	MaxLabels        = 128     // labels or annotations on one alert
	MaxLabelBytes    = 64 << 10
	MaxSummaryBytes  = 1024 // longer summaries are cut, not refused
	MaxDedupKeyBytes = 255
	MaxAlertsPerCall = 10000
)

// IngestOutcome says what one alert did.
type IngestOutcome string

// Outcomes of ingesting one alert.
const (
	OutcomeOpened       IngestOutcome = "opened"       // a new incident
	OutcomeDeduplicated IngestOutcome = "deduplicated" // counted on an open incident
	OutcomeAcknowledged IngestOutcome = "acknowledged" // acknowledged an open incident
	OutcomeResolved     IngestOutcome = "resolved"     // resolved an open incident
	OutcomeIgnored      IngestOutcome = "ignored"      // ack/resolve of a key with no open incident
)

// IngestResult is what became of one alert.
type IngestResult struct {
	IncidentID int64
	Outcome    IngestOutcome
	DedupKey   string
}
