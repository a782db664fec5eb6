package sqldb_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/quench-sh/quench"
	"github.com/quench-sh/quench/sqldb"
	"github.com/quench-sh/quench/sqldb/sqldbtest"
)

// BenchmarkIngest is the ingest pattern of the figure: many
// concurrent callers, each sending batches of 100 alerts, over 1,000
// distinct dedup keys, durable. One op is one batch; alerts/s is the figure.
//
//	go test -run='^$' -bench=Ingest -benchtime=20000x ./sqldb
func BenchmarkIngest(b *testing.B) { benchIngest(b, 100) }

// BenchmarkIngestSingle is the PagerDuty pattern: one alert per call from
// 64 concurrent callers, over 1,000 keys. Group commit is what keeps each
// call from paying a sync of its own.
func BenchmarkIngestSingle(b *testing.B) { benchIngest(b, 1) }

func benchIngest(b *testing.B, perCall int) {
	const keys = 1000
	for _, d := range sqldbtest.Dialects(b) {
		b.Run(d, func(b *testing.B) {
			db := sqldbtest.Open(b, d)
			s := sqldb.NewIncidentService(db)
			labels := map[string]string{"alertname": "HighLatency", "instance": "api-1:9100", "job": "api", "severity": "warning"}
			mk := func(i int) []quench.Alert {
				batch := make([]quench.Alert, perCall)
				now := time.Now() // a handler stamps ReceivedAt once per request
				for j := range batch {
					k := (i*perCall + j) % keys
					batch[j] = quench.Alert{
						Source: quench.SourceAlertmanager, Integration: "am", DedupKey: fmt.Sprintf("fp-%04d", k),
						Action: quench.ActionTrigger, Severity: quench.SeverityMedium, Summary: "API latency above 2s",
						Labels: labels, ReceivedAt: now,
					}
				}
				return batch
			}
			// Open every incident first: the figure is about a storm of repeats.
			for i := range (keys + perCall - 1) / perCall {
				if _, err := s.IngestAlerts(context.Background(), mk(i), nil); err != nil {
					b.Fatal(err)
				}
			}
			var next atomic.Int64
			b.SetParallelism(32) // 64 callers on 2 cores, as an HTTP server under load has
			b.ResetTimer()
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := s.IngestAlerts(context.Background(), mk(int(next.Add(1))), nil); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N*perCall)/time.Since(start).Seconds(), "alerts/s")
		})
	}
}
