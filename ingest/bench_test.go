package ingest_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/quench-sh/quench/ingest"
)

// alertmanagerBody builds a notification of n alerts shaped like the
// captured Alertmanager 0.25 ones: six labels, three annotations, a
// fingerprint each.
func alertmanagerBody(n int) []byte {
	type alert struct {
		Status       string            `json:"status"`
		Labels       map[string]string `json:"labels"`
		Annotations  map[string]string `json:"annotations"`
		StartsAt     string            `json:"startsAt"`
		EndsAt       string            `json:"endsAt"`
		GeneratorURL string            `json:"generatorURL"`
		Fingerprint  string            `json:"fingerprint"`
	}
	alerts := make([]alert, n)
	start := time.Date(2026, 11, 26, 15, 4, 31, 0, time.UTC).Format(time.RFC3339Nano)
	for i := range alerts {
		alerts[i] = alert{
			Status: "firing",
			Labels: map[string]string{"alertname": "HostDiskUsageHigh", "instance": fmt.Sprintf("db-%d:9100", i),
				"job": "node", "mountpoint": "/var/lib/postgresql", "service": "db", "severity": "warning"},
			Annotations: map[string]string{
				"summary":     fmt.Sprintf("Disk usage above 85%% on db-%d:9100", i),
				"description": "Filesystem /var/lib/postgresql is 91.3% full.\nFree space before the database stops accepting writes.",
				"runbook_url": "https://git.example.com/ops/runbooks/blob/main/disk-full.md",
			},
			StartsAt:     start,
			EndsAt:       "0001-01-01T00:00:00Z",
			GeneratorURL: "http://prometheus:9090/graph?g0.expr=node_filesystem_avail_bytes+%2F+node_filesystem_size_bytes+%3C+0.15&g0.tab=1",
			Fingerprint:  fmt.Sprintf("%016x", 0x73ba859a51ebb9ae+uint64(i)),
		}
	}
	body, err := json.Marshal(map[string]any{
		"receiver": "quench", "status": "firing", "alerts": alerts,
		"groupLabels":       map[string]string{"alertname": "HostDiskUsageHigh", "service": "db"},
		"commonLabels":      map[string]string{"alertname": "HostDiskUsageHigh", "service": "db"},
		"commonAnnotations": map[string]string{},
		"externalURL":       "http://alertmanager:9093", "version": "4",
		"groupKey":        `{}:{alertname="HostDiskUsageHigh", service="db"}`,
		"truncatedAlerts": 0,
	})
	if err != nil {
		panic(err)
	}
	return body
}

func BenchmarkParseAlertmanager100(b *testing.B) {
	body := alertmanagerBody(100)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		alerts, err := ingest.ParseAlertmanager(body)
		if err != nil || len(alerts) != 100 {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*100), "ns/alert")
}

func BenchmarkParsePagerDuty(b *testing.B) {
	body := fixture(b, "pagerduty-trigger.json")
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ingest.ParsePagerDuty(body); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/alert")
}

func BenchmarkParseGeneric(b *testing.B) {
	body := fixture(b, "generic.json")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ingest.ParseGeneric(body); err != nil {
			b.Fatal(err)
		}
	}
}
