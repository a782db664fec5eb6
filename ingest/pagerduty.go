package ingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"time"

	gojson "github.com/goccy/go-json"
	"github.com/goccy/go-json/jsontext"
	jsonv2 "github.com/goccy/go-json/v2"

	"github.com/quench-sh/quench"
)

// Event is one PagerDuty Events API v2 event: the routing key that names
// the integration (a quench ingest token) and the alert it carries, whose
// Action is trigger, acknowledge or resolve.
type Event struct {
	RoutingKey string
	Alert      quench.Alert
}

// routingKeyLen is the length PagerDuty requires of a routing key; quench's
// ingest tokens have it so they fit.
const routingKeyLen = 32

type pdEvent struct {
	RoutingKey  string          `json:"routing_key"`
	EventAction string          `json:"event_action"`
	DedupKey    string          `json:"dedup_key"`
	Payload     *pdPayload      `json:"payload"`
	Images      json.RawMessage `json:"images"`
	Links       json.RawMessage `json:"links"`
	Client      string          `json:"client"`
	ClientURL   string          `json:"client_url"`
}

type pdPayload struct {
	Summary       string          `json:"summary"`
	Source        string          `json:"source"`
	Severity      string          `json:"severity"`
	Timestamp     string          `json:"timestamp"`
	Component     string          `json:"component"`
	Group         string          `json:"group"`
	Class         string          `json:"class"`
	CustomDetails json.RawMessage `json:"custom_details"`
}

// pdSeverity maps PagerDuty's four severities onto quench's; ok is false
// for anything else.
func pdSeverity(word string) (sev quench.Severity, ok bool) {
	switch strings.ToLower(strings.TrimSpace(word)) {
	case "critical":
		return quench.SeverityCritical, true
	case "error":
		return quench.SeverityHigh, true
	case "warning":
		return quench.SeverityMedium, true
	case "info":
		return quench.SeverityLow, true
	}
	return "", false
}

// ParsePagerDuty parses one PagerDuty Events API v2 event (the body of
// POST /v2/enqueue) and validates it as PagerDuty does, collecting every
// problem: the error's message is the list joined by "; ", and FieldErrors
// gives it back as PagerDuty's `errors` array.
//
// A trigger without dedup_key gets NewDedupKey(). A summary over 1024 bytes
// is cut, as PagerDuty cuts it. The alert's labels are payload.source,
// component, group and class (the non-empty ones): small and predictable,
// for routing. custom_details stays out of the labels, since it is free-form
// and often large; it is kept in Details with client, client_url, links and
// images. The one exception: string members `runbook` and `runbook_url` of
// custom_details become annotations, because a PagerDuty sender has no
// other way to name the runbook. payload.timestamp becomes StartsAt when it
// is an ISO 8601 time; PagerDuty tolerates odd ones, so quench keeps those in
// Details instead of refusing the event.
func ParsePagerDuty(body []byte) (Event, error) {
	var errs []string
	skip := "\x00" // the path of a field with a type error: not also "missing"
	var ev pdEvent
	if err := unmarshal(body, &ev); err != nil {
		var typ *json.UnmarshalTypeError
		if !errors.As(err, &typ) {
			return Event{}, jsonError(body, err)
		}
		// encoding/json decodes the rest; validate that too, to report
		// every problem at once as PagerDuty does.
		errs = append(errs, jsonError(body, err).Message)
		skip = locate(body, typ.Offset)
	}
	skipped := func(path string) bool {
		return skip == "" || path == skip || strings.HasPrefix(path, skip+".")
	}
	problem := func(path, msg string) {
		if !skipped(path) {
			errs = append(errs, msg)
		}
	}

	switch {
	case blank(ev.RoutingKey):
		problem("routing_key", "'routing_key' is missing or blank")
	case len(ev.RoutingKey) != routingKeyLen:
		problem("routing_key", "Length of 'routing_key' is incorrect (should be 32 characters)")
	}

	a := quench.Alert{Source: quench.SourcePagerDuty, Severity: quench.SeverityHigh}
	switch ev.EventAction {
	case "trigger":
		a.Action = quench.ActionTrigger
	case "acknowledge":
		a.Action = quench.ActionAcknowledge
	case "resolve":
		a.Action = quench.ActionResolve
	case "":
		problem("event_action", "'event_action' is missing or blank")
	default:
		problem("event_action", "'event_action' is invalid")
	}

	a.DedupKey = quench.CleanText(ev.DedupKey)
	switch {
	case blank(a.DedupKey) && a.Action == quench.ActionTrigger:
		a.DedupKey = NewDedupKey()
	case blank(a.DedupKey) && a.Action != "":
		problem("dedup_key", "'dedup_key' is missing or blank")
	case len(a.DedupKey) > quench.MaxDedupKeyBytes:
		problem("dedup_key", "'dedup_key' is too long (max 255 bytes)")
	}

	p := ev.Payload
	if p == nil && a.Action == quench.ActionTrigger {
		problem("payload", "'payload' is missing")
	}
	if p != nil {
		// Acknowledge and resolve may carry a payload; PagerDuty ignores
		// it, so only a trigger's payload must be complete.
		trigger := a.Action == quench.ActionTrigger
		a.Summary = quench.CutText(quench.CleanText(p.Summary), quench.MaxSummaryBytes)
		if trigger && blank(a.Summary) {
			problem("payload.summary", "'payload.summary' is missing or blank")
		}
		if trigger && blank(p.Source) {
			problem("payload.source", "'payload.source' is missing or blank")
		}
		if sev, ok := pdSeverity(p.Severity); ok {
			a.Severity = sev
		} else if trigger && blank(p.Severity) {
			problem("payload.severity", "'payload.severity' is missing or blank")
		} else if trigger {
			problem("payload.severity", "'payload.severity' is invalid")
		}

		a.Labels = make(map[string]string, 4)
		for _, f := range []struct{ name, value string }{
			{"source", p.Source}, {"component", p.Component}, {"group", p.Group}, {"class", p.Class},
		} {
			if blank(f.value) {
				continue
			}
			v := quench.CleanText(f.value)
			if len(v) > quench.MaxLabelBytes {
				problem("payload."+f.name, "'payload."+f.name+"' is too long (max 65536 bytes)")
				continue
			}
			a.Labels[f.name] = v
		}
		a.StartsAt, _ = pdTime(p.Timestamp)
	}
	if len(errs) > 0 {
		return Event{}, invalid("%s", strings.Join(errs, "; "))
	}

	if a.Labels == nil {
		a.Labels = map[string]string{}
	}
	a.Annotations = map[string]string{}
	var d object
	if p != nil {
		custom := cleanRaw(p.CustomDetails)
		runbookAnnotations(a.Annotations, custom)
		d.buf = make([]byte, 0, 128+len(custom)+len(ev.Links)+len(ev.Images))
		d.raw("custom_details", custom)
		if a.StartsAt.IsZero() {
			d.str("timestamp", quench.CleanText(p.Timestamp))
		}
	}
	d.str("client", quench.CleanText(ev.Client))
	d.str("client_url", quench.CleanText(ev.ClientURL))
	d.raw("links", cleanRaw(ev.Links))
	d.raw("images", cleanRaw(ev.Images))
	a.Details = d.done()
	return Event{RoutingKey: ev.RoutingKey, Alert: a}, nil
}

// pdTime reads payload.timestamp: RFC 3339, or ISO 8601 with a zone such as
// +0000, as PagerDuty's own examples write it.
func pdTime(s string) (time.Time, bool) {
	if s == "" {
		return time.Time{}, false
	}
	layout := time.RFC3339Nano
	if n := len(s); n > 5 && s[n-3] != ':' && s[n-1] != 'Z' {
		layout = "2006-01-02T15:04:05.999999999Z0700"
	}
	t, err := time.Parse(layout, s)
	if err != nil {
		return time.Time{}, false
	}
	return t.UTC(), true
}

// runbookFields are the members of custom_details that name a runbook,
// kept as sent so that one of another type is ignored rather than refused.
type runbookFields struct {
	Runbook    jsontext.Value `json:"runbook"`
	RunbookURL jsontext.Value `json:"runbook_url"`
}

// runbookAnnotations copies string members runbook and runbook_url of
// custom_details into annotations, where the router looks for them. The
// names match exactly (encoding/json would take "Runbook" too, hence go-json's
// v2 API), and of duplicates the last counts, as in encoding/json.
func runbookAnnotations(annotations map[string]string, custom json.RawMessage) {
	if jsonType(custom) != "object" || !bytes.Contains(custom, []byte("runbook")) {
		return
	}
	var f runbookFields
	if jsonv2.UnmarshalOf(custom, &f, jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true)) != nil {
		return
	}
	for _, m := range []struct {
		name string
		raw  jsontext.Value
	}{{"runbook", f.Runbook}, {"runbook_url", f.RunbookURL}} {
		var v string
		if m.raw.Kind() != '"' || gojson.Unmarshal(m.raw, &v) != nil {
			continue
		}
		if !blank(v) && len(v) <= quench.MaxLabelBytes {
			annotations[m.name] = quench.CleanText(v)
		}
	}
}

// FieldErrors returns the problems in an error from ParsePagerDuty, one per
// entry, for the `errors` array of PagerDuty's 400 answer
// ({"status":"invalid event","message":"Event object is invalid","errors":[…]}).
// It gives nil for nil and a one-entry list for any other error.
func FieldErrors(err error) []string {
	if err == nil {
		return nil
	}
	var e *quench.Error
	if !errors.As(err, &e) {
		return []string{"internal error"}
	}
	return strings.Split(e.Message, "; ")
}
