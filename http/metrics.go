package http

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/quench-sh/quench"
)

// countTimeout bounds the incident count a scrape runs, so a slow database
// makes one scrape fail instead of piling scrapes up.
const countTimeout = 5 * time.Second

// metrics are the server's Prometheus instruments.
type metrics struct {
	alertsReceived *prometheus.CounterVec   // source, outcome
	alertsUnrouted *prometheus.CounterVec   // source
	ingestDuration *prometheus.HistogramVec // source
	requests       *prometheus.CounterVec   // route, code
	handler        http.Handler
}

// newMetrics registers quench's metrics on reg. A registry that already
// holds them (a second server sharing it) keeps its collectors, so both
// servers count into the same series.
func newMetrics(reg *prometheus.Registry, s *Server, log *slog.Logger) *metrics {
	m := &metrics{
		alertsReceived: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "quench_alerts_received_total",
			Help: "Alerts received, by source and outcome (opened, deduplicated, acknowledged, resolved, ignored; invalid counts rejected requests, failed counts alerts the store refused).",
		}, []string{"source", "outcome"}),
		alertsUnrouted: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "quench_alerts_unrouted_total",
			Help: "Alerts that opened an incident no runbook answers: coverage gaps.",
		}, []string{"source"}),
		ingestDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "quench_ingest_duration_seconds",
			Help:    "Time to parse, route and durably store one ingest request.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"source"}),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "quench_http_requests_total",
			Help: "HTTP requests by route pattern and status code.",
		}, []string{"route", "code"}),
	}
	m.alertsReceived = register(reg, m.alertsReceived, log)
	m.alertsUnrouted = register(reg, m.alertsUnrouted, log)
	m.ingestDuration = register(reg, m.ingestDuration, log)
	m.requests = register(reg, m.requests, log)
	register(reg, prometheus.Collector(newIncidentCollector(s)), log)
	if s.Drills != nil {
		register(reg, prometheus.Collector(newDrillCollector(s)), log) // drill.go
	}
	m.handler = promhttp.HandlerFor(reg, promhttp.HandlerOpts{
		ErrorLog:      slog.NewLogLogger(log.Handler(), slog.LevelError),
		ErrorHandling: promhttp.ContinueOnError,
	})
	return m
}

func register[C prometheus.Collector](reg *prometheus.Registry, c C, log *slog.Logger) C {
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(C); ok {
				return existing
			}
		}
		log.Error("metrics: register", "err", err)
	}
	return c
}

func (m *metrics) request(route string, status int) {
	m.requests.WithLabelValues(route, strconv.Itoa(status)).Inc()
}

// rejected counts a request refused before its alerts could be counted.
func (m *metrics) rejected(source string) {
	m.alertsReceived.WithLabelValues(source, "invalid").Inc()
}

func (m *metrics) ingested(source string, results []quench.IngestResult) {
	var counts [6]int
	unrouted := 0
	for _, r := range results {
		switch r.Outcome {
		case quench.OutcomeOpened:
			counts[0]++
			if r.RunbookID == "" {
				unrouted++
			}
		case quench.OutcomeDeduplicated:
			counts[1]++
		case quench.OutcomeAcknowledged:
			counts[2]++
		case quench.OutcomeResolved:
			counts[3]++
		case quench.OutcomeSuppressed:
			counts[5]++
		default:
			counts[4]++
		}
	}
	for i, outcome := range []quench.IngestOutcome{quench.OutcomeOpened, quench.OutcomeDeduplicated,
		quench.OutcomeAcknowledged, quench.OutcomeResolved, quench.OutcomeIgnored, quench.OutcomeSuppressed} {
		if counts[i] > 0 {
			m.alertsReceived.WithLabelValues(source, string(outcome)).Add(float64(counts[i]))
		}
	}
	if unrouted > 0 {
		m.alertsUnrouted.WithLabelValues(source).Add(float64(unrouted))
	}
}

func (s *Server) handleMetrics(w http.ResponseWriter, r *http.Request) {
	s.metrics.handler.ServeHTTP(w, r)
}

// incidentCollector reads incident counts from the store at scrape time,
// so every server sharing a database reports the same truth.
type incidentCollector struct {
	s         *Server
	byStatus  *prometheus.Desc
	noRunbook *prometheus.Desc
}

func newIncidentCollector(s *Server) *incidentCollector {
	return &incidentCollector{
		s: s,
		byStatus: prometheus.NewDesc("quench_incidents",
			"Incidents in the store by status.", []string{"status"}, nil),
		noRunbook: prometheus.NewDesc("quench_incidents_open_no_runbook",
			"Open incidents no runbook answers: coverage gaps.", nil, nil),
	}
}

// Describe sends the two gauges' descriptions.
func (c *incidentCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.byStatus
	ch <- c.noRunbook
}

// Collect counts incidents now; a store error fails these series only.
func (c *incidentCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), countTimeout)
	defer cancel()
	counts, err := c.s.Incidents.CountIncidents(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.byStatus, err)
		return
	}
	for _, st := range []quench.Status{quench.StatusTriggered, quench.StatusAcknowledged, quench.StatusResolved} {
		ch <- prometheus.MustNewConstMetric(c.byStatus, prometheus.GaugeValue, float64(counts.ByStatus[st]), string(st))
	}
	ch <- prometheus.MustNewConstMetric(c.noRunbook, prometheus.GaugeValue, float64(counts.OpenNoRunbook))
}
