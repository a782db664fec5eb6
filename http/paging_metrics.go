package http

import (
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/quench-sh/quench"
)

// PagingMetrics exports paging's measurements: notifications by channel
// and outcome, and how late escalation steps reach their channel.
type PagingMetrics struct {
	notifications *prometheus.CounterVec
	lateness      prometheus.Histogram
}

var _ quench.PagingMetrics = (*PagingMetrics)(nil)

// NewPagingMetrics registers paging's metrics on reg.
func NewPagingMetrics(reg *prometheus.Registry, log *slog.Logger) *PagingMetrics {
	m := &PagingMetrics{
		notifications: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "quench_notifications_total",
			Help: "Notification attempts by channel (email, sms, slack, webhook) and outcome (sent, retry, failed).",
		}, []string{"channel", "outcome"}),
		lateness: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "quench_escalation_lateness_seconds",
			Help:    "How long after its due time an escalation step's notification was handed to its channel.",
			Buckets: []float64{.001, .005, .01, .05, .1, .25, .5, 1, 2, 5, 10, 30},
		}),
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	m.notifications = register(reg, m.notifications, log)
	m.lateness = register(reg, m.lateness, log)
	return m
}

// NotificationDone counts one attempt.
func (m *PagingMetrics) NotificationDone(channel quench.ContactKind, outcome string) {
	m.notifications.WithLabelValues(string(channel), outcome).Inc()
}

// StepLateness observes one step notification's lateness.
func (m *PagingMetrics) StepLateness(d time.Duration) { m.lateness.Observe(max(d, 0).Seconds()) }
