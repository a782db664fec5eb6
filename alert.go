package quench

import (
	"bytes"
	"context"
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
	// RunbookID is the runbook of the incident an alert opened
	// (OutcomeOpened); "" when none answers it, and for other outcomes.
	RunbookID string
}

// Validate checks an alert against the limits every source shares: a
// dedup key of 1 to MaxDedupKeyBytes bytes, a known action, a known
// severity on a trigger, at most MaxLabels labels and annotations, and a
// trigger's names and values within MaxLabelBytes and its details a JSON
// object or nothing (only a trigger's are stored). EINVALID or ETOOLARGE, saying which.
func (a *Alert) Validate() error {
	switch {
	case a.DedupKey == "":
		return Errorf(EINVALID, "dedup key is empty")
	case len(a.DedupKey) > MaxDedupKeyBytes:
		return Errorf(EINVALID, "dedup key is longer than %d bytes", MaxDedupKeyBytes)
	case a.Action != ActionTrigger && a.Action != ActionAcknowledge && a.Action != ActionResolve:
		return Errorf(EINVALID, "unknown action %q", CutText(CleanText(string(a.Action)), 64))
	case a.Action == ActionTrigger && !a.Severity.Valid():
		return Errorf(EINVALID, "unknown severity %q", CutText(CleanText(string(a.Severity)), 64))
	case len(a.Labels) > MaxLabels || len(a.Annotations) > MaxLabels:
		return Errorf(ETOOLARGE, "more than %d labels or annotations", MaxLabels)
	}
	if a.Action != ActionTrigger {
		return nil
	}
	if d := bytes.TrimSpace(a.Details); len(d) > 0 && string(d) != "null" && (d[0] != '{' || !json.Valid(d)) {
		return Errorf(EINVALID, "details are not a JSON object")
	}
	for _, m := range []map[string]string{a.Labels, a.Annotations} {
		for k, v := range m {
			if len(k) > MaxLabelBytes || len(v) > MaxLabelBytes {
				return Errorf(ETOOLARGE, "label %q is longer than %d bytes", CutText(CleanText(k), 64), MaxLabelBytes)
			}
		}
	}
	return nil
}

// ValidateAlerts checks one call's alerts: at most MaxAlertsPerCall, each
// valid. The error names the first bad alert by its index.
func ValidateAlerts(alerts []Alert) error {
	if len(alerts) > MaxAlertsPerCall {
		return Errorf(ETOOLARGE, "%d alerts in one call, at most %d", len(alerts), MaxAlertsPerCall)
	}
	for i := range alerts {
		if err := alerts[i].Validate(); err != nil {
			e := err.(*Error)
			return Errorf(e.Code, "alert %d: %s", i, e.Message)
		}
	}
	return nil
}

// Router picks the runbook that answers an alert: "" when none does.
// It must be safe for concurrent use and must not block.
type Router interface {
	Route(a *Alert) string
}

// AlertStore applies alerts to incidents durably, following the lifecycle
// (AlertChange). AlertService is its caller; nothing else should submit
// alerts, so every source gets the same stamping and routing.
type AlertStore interface {
	// IngestAlerts applies alerts in order: when it returns nil every
	// alert is committed; results are in the order of alerts. For each
	// alert that opens an incident, and only for those, it asks router
	// for the runbook (a.RunbookID is kept when router is nil). Once the
	// change commits it publishes the incident events.
	IngestAlerts(ctx context.Context, alerts []Alert, router Router) ([]IngestResult, error)
}
