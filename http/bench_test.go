package http

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/quench-sh/quench"
)

// alertmanagerBatch returns an Alertmanager webhook of n firing alerts
// whose fingerprints start at first and wrap at keys.
func alertmanagerBatch(first, n, keys int) []byte {
	type amAlert struct {
		Status       string            `json:"status"`
		Labels       map[string]string `json:"labels"`
		Annotations  map[string]string `json:"annotations"`
		StartsAt     string            `json:"startsAt"`
		EndsAt       string            `json:"endsAt"`
		GeneratorURL string            `json:"generatorURL"`
		Fingerprint  string            `json:"fingerprint"`
	}
	alerts := make([]amAlert, n)
	for i := range alerts {
		k := (first + i) % keys
		alerts[i] = amAlert{
			Status: "firing",
			Labels: map[string]string{"alertname": "HostDiskUsageHigh", "instance": fmt.Sprintf("node-%d:9100", k),
				"job": "node", "severity": "warning"},
			Annotations:  map[string]string{"summary": fmt.Sprintf("Disk usage above 85%% on node-%d", k)},
			StartsAt:     "2026-11-26T15:04:31Z",
			EndsAt:       "0001-01-01T00:00:00Z",
			GeneratorURL: "http://prometheus:9090/graph?g0.expr=disk",
			Fingerprint:  fmt.Sprintf("%016x", k),
		}
	}
	b, _ := json.Marshal(map[string]any{
		"version": "4", "groupKey": "{}:{alertname=\"HostDiskUsageHigh\"}", "truncatedAlerts": 0, "status": "firing",
		"receiver": "quench", "groupLabels": map[string]string{}, "commonLabels": map[string]string{},
		"commonAnnotations": map[string]string{}, "externalURL": "http://alertmanager:9093", "alerts": alerts,
	})
	return b
}

// BenchmarkIngestAlertmanager posts Alertmanager webhooks of 100 alerts
// over 1,000 fingerprints to a real server on loopback over a durable
// SQLite store, from parallel clients, and reports alerts/s.
func BenchmarkIngestAlertmanager(b *testing.B) {
	const perRequest, keys = 100, 1000
	e := newEnv(b, "sqlite")
	payloads := make([][]byte, keys/perRequest)
	for i := range payloads {
		payloads[i] = alertmanagerBatch(i*perRequest, perRequest, keys)
	}
	secret := e.secrets[quench.RoleIngest]
	url := e.srv.URL() + "/ingest/alertmanager"
	var next atomic.Int64
	b.SetParallelism(8) // 16 clients on 2 cores: enough to fill group commits
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			body := payloads[int(next.Add(1))%len(payloads)]
			req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+secret)
			resp, err := e.client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Errorf("status %d", resp.StatusCode)
				return
			}
		}
	})
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N*perRequest)/elapsed.Seconds(), "alerts/s")
}

// BenchmarkEnqueuePagerDuty posts single PagerDuty v2 trigger events from
// 64 concurrent clients over 1,000 dedup keys to a real server on loopback
// over a durable SQLite store, and reports events/s.
func BenchmarkEnqueuePagerDuty(b *testing.B) {
	const keys = 1000
	e := newEnv(b, "sqlite")
	events := make([][]byte, keys)
	for i := range events {
		events[i] = pagerDutyEvent(b, e.secrets[quench.RoleIngest], map[string]any{"dedup_key": fmt.Sprintf("key-%d", i)})
	}
	url := e.srv.URL() + "/v2/enqueue"
	var next atomic.Int64
	b.SetParallelism(32) // 64 clients on 2 cores
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(events[int(next.Add(1))%keys]))
			req.Header.Set("Content-Type", "application/json")
			resp, err := e.client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusAccepted {
				b.Errorf("status %d", resp.StatusCode)
				return
			}
		}
	})
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "events/s")
}
