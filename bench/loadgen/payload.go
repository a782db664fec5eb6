package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"time"
)

// Payload modes: what the generator sends and to which route.
const (
	ModeWebhook   = "alertmanager-webhook" // quench's POST /ingest/alertmanager
	ModeAMAPI     = "am-api"               // a real Alertmanager's POST /api/v2/alerts
	ModePagerDuty = "pagerduty"            // quench's POST /v2/enqueue
)

// Modes lists every mode, for the usage text and validation.
var Modes = []string{ModeWebhook, ModeAMAPI, ModePagerDuty}

// Plan says what to build: the payloads are built once, before the clock
// starts, so the generator's own cost per request is a slice index.
type Plan struct {
	Mode     string
	Token    string  // ingest token: Bearer for the webhook, routing_key for PagerDuty
	Batch    int     // alerts per request (PagerDuty: always 1)
	Keys     int     // distinct fingerprints, label sets or dedup keys
	Resolved float64 // fraction of alerts sent as resolved
	Count    int     // payloads built; clients cycle through them
	Seed     uint64
	Now      time.Time // startsAt/endsAt are relative to this
}

// Path returns the route the mode posts to.
func (p Plan) Path() string {
	switch p.Mode {
	case ModeWebhook:
		return "/ingest/alertmanager"
	case ModeAMAPI:
		return "/api/v2/alerts"
	case ModePagerDuty:
		return "/v2/enqueue"
	}
	return ""
}

// AlertsPer returns the alerts one request carries.
func (p Plan) AlertsPer() int {
	if p.Mode == ModePagerDuty {
		return 1
	}
	return p.Batch
}

// Build returns Count pre-encoded request bodies. Request i carries the
// keys i*batch … i*batch+batch-1 (mod Keys), so consecutive requests walk
// every key and one request never repeats a key while batch <= Keys.
func (p Plan) Build() ([][]byte, error) {
	if p.Keys < 1 || p.Count < 1 || p.AlertsPer() < 1 {
		return nil, fmt.Errorf("keys, payloads and batch must be positive")
	}
	rng := rand.New(rand.NewPCG(p.Seed, 0x9e3779b97f4a7c15))
	out := make([][]byte, p.Count)
	for i := range out {
		keys := make([]int, p.AlertsPer())
		resolved := make([]bool, len(keys))
		for j := range keys {
			keys[j] = (i*len(keys) + j) % p.Keys
			resolved[j] = rng.Float64() < p.Resolved
		}
		var v any
		switch p.Mode {
		case ModeWebhook:
			v = p.webhook(keys, resolved)
		case ModeAMAPI:
			v = p.amAPI(keys, resolved)
		case ModePagerDuty:
			v = p.pagerDuty(keys[0], resolved[0])
		default:
			return nil, fmt.Errorf("unknown mode %q", p.Mode)
		}
		b, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		out[i] = b
	}
	return out, nil
}

// routedNames are alert names the shipped runbook pack answers; half the
// keys use one, so the router does both its cheap (early match) and its
// dear (no runbook matches) work.
var routedNames = []string{
	"PostgresDown", "RedisDown", "APIDown", "HostOutOfDiskSpace", "HighCPUUsage",
	"JobSchedulerStale", "MigrationsNotCurrent", "StripeWebhookFailing", "EmailDeliveryFailing", "HostOutOfMemory",
}

// labels returns key k's label set: the same k gives the same labels (and
// so the same fingerprint) in every mode.
func labels(k int) map[string]string {
	name := fmt.Sprintf("BenchAlert%03d", k%100)
	if k%2 == 0 {
		name = routedNames[k/2%len(routedNames)]
	}
	return map[string]string{
		"alertname": name,
		"instance":  fmt.Sprintf("host-%04d:9100", k),
		"job":       "node",
		"severity":  [...]string{"critical", "warning", "info"}[k%3],
		"team":      "ops",
	}
}

func annotations(k int) map[string]string {
	return map[string]string{
		"summary":     fmt.Sprintf("bench alert %d is firing on host-%04d", k, k),
		"description": "Synthetic alert from quench's load generator.",
	}
}

// fingerprint is Alertmanager's 16-hex-digit shape; only stability matters.
func fingerprint(k int) string { return fmt.Sprintf("%016x", uint64(k)*0x9e3779b97f4a7c15) }

// amAlert is one alert inside an Alertmanager webhook, payload version 4.
type amAlert struct {
	Status       string            `json:"status"`
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations"`
	StartsAt     time.Time         `json:"startsAt"`
	EndsAt       time.Time         `json:"endsAt"`
	GeneratorURL string            `json:"generatorURL"`
	Fingerprint  string            `json:"fingerprint"`
}

// amWebhook is Alertmanager's webhook body, payload version 4, with every
// field Alertmanager sends.
type amWebhook struct {
	Version           string            `json:"version"`
	GroupKey          string            `json:"groupKey"`
	TruncatedAlerts   int               `json:"truncatedAlerts"`
	Status            string            `json:"status"`
	Receiver          string            `json:"receiver"`
	GroupLabels       map[string]string `json:"groupLabels"`
	CommonLabels      map[string]string `json:"commonLabels"`
	CommonAnnotations map[string]string `json:"commonAnnotations"`
	ExternalURL       string            `json:"externalURL"`
	Alerts            []amAlert         `json:"alerts"`
}

func (p Plan) webhook(keys []int, resolved []bool) amWebhook {
	w := amWebhook{
		Version:           "4",
		GroupKey:          `{}:{job="node"}`,
		Status:            "firing",
		Receiver:          "quench",
		GroupLabels:       map[string]string{"job": "node"},
		CommonLabels:      map[string]string{"job": "node", "team": "ops"},
		CommonAnnotations: map[string]string{},
		ExternalURL:       "http://alertmanager.example:9093",
		Alerts:            make([]amAlert, len(keys)),
	}
	for j, k := range keys {
		a := amAlert{
			Status:       "firing",
			Labels:       labels(k),
			Annotations:  annotations(k),
			StartsAt:     p.Now.Add(-10 * time.Minute).UTC(),
			GeneratorURL: "http://prometheus.example:9090/graph?g0.expr=up+%3D%3D+0",
			Fingerprint:  fingerprint(k),
		}
		if resolved[j] {
			a.Status = "resolved"
			a.EndsAt = p.Now.Add(-time.Minute).UTC()
		}
		w.Alerts[j] = a
	}
	return w
}

// postableAlert is Alertmanager API v2's alert: no status or fingerprint,
// an endsAt in the past means resolved.
type postableAlert struct {
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations"`
	StartsAt     time.Time         `json:"startsAt"`
	EndsAt       *time.Time        `json:"endsAt,omitempty"`
	GeneratorURL string            `json:"generatorURL"`
}

func (p Plan) amAPI(keys []int, resolved []bool) []postableAlert {
	out := make([]postableAlert, len(keys))
	for j, k := range keys {
		a := postableAlert{
			Labels:       labels(k),
			Annotations:  annotations(k),
			StartsAt:     p.Now.Add(-10 * time.Minute).UTC(),
			GeneratorURL: "http://prometheus.example:9090/graph?g0.expr=up+%3D%3D+0",
		}
		if resolved[j] {
			end := p.Now.Add(-time.Minute).UTC()
			a.EndsAt = &end
		}
		out[j] = a
	}
	return out
}

// pdEvent is a PagerDuty Events API v2 event.
type pdEvent struct {
	RoutingKey  string     `json:"routing_key"`
	EventAction string     `json:"event_action"`
	DedupKey    string     `json:"dedup_key"`
	Payload     *pdPayload `json:"payload,omitempty"`
}

type pdPayload struct {
	Summary       string            `json:"summary"`
	Source        string            `json:"source"`
	Severity      string            `json:"severity"`
	Component     string            `json:"component"`
	Group         string            `json:"group"`
	Class         string            `json:"class"`
	CustomDetails map[string]string `json:"custom_details"`
}

func (p Plan) pagerDuty(k int, resolved bool) pdEvent {
	ev := pdEvent{RoutingKey: p.Token, EventAction: "trigger", DedupKey: "bench-" + fingerprint(k)}
	if resolved {
		ev.EventAction = "resolve"
		return ev
	}
	l := labels(k)
	ev.Payload = &pdPayload{
		Summary:       annotations(k)["summary"],
		Source:        l["instance"],
		Severity:      l["severity"],
		Component:     "node",
		Group:         "ops",
		Class:         l["alertname"],
		CustomDetails: l,
	}
	return ev
}
