package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"
)

// Summary is one run's result; its JSON is the line scripts compare.
type Summary struct {
	Label        string            `json:"label,omitempty"`
	Mode         string            `json:"mode"`
	URL          string            `json:"url"`
	Clients      int               `json:"clients"`
	Batch        int               `json:"batch"`
	Keys         int               `json:"keys"`
	Seconds      float64           `json:"seconds"`
	Requests     int64             `json:"requests"`
	OK           int64             `json:"ok"`
	Alerts       int64             `json:"alerts"`
	RequestsPerS float64           `json:"requests_per_s"`
	AlertsPerS   float64           `json:"alerts_per_s"`
	P50ms        float64           `json:"p50_ms"`
	P90ms        float64           `json:"p90_ms"`
	P99ms        float64           `json:"p99_ms"`
	Maxms        float64           `json:"max_ms"`
	Errors       map[string]int64  `json:"errors"`
	ErrorSamples map[string]string `json:"error_samples,omitempty"`
	Sync         *SyncProbe        `json:"sync,omitempty"`
}

// Print writes the summary for people.
func (s *Summary) Print(w io.Writer) {
	fmt.Fprintf(w, "%s %s: %d clients, %d alerts/request, %d keys, %.1fs\n",
		s.Mode, s.URL, s.Clients, s.Batch, s.Keys, s.Seconds)
	fmt.Fprintf(w, "  %.0f requests/s, %.0f alerts/s (%d ok of %d requests)\n",
		s.RequestsPerS, s.AlertsPerS, s.OK, s.Requests)
	fmt.Fprintf(w, "  latency p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms\n",
		s.P50ms, s.P90ms, s.P99ms, s.Maxms)
	if s.Sync != nil {
		fmt.Fprintf(w, "  disk sync meanwhile: p50 %.2f ms, p99 %.2f ms, max %.2f ms (%d samples)\n",
			s.Sync.P50ms, s.Sync.P99ms, s.Sync.Maxms, s.Sync.Samples)
	}
	keys := make([]string, 0, len(s.Errors))
	for k := range s.Errors {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		fmt.Fprintf(w, "  errors %s: %d (%s)\n", k, s.Errors[k], s.ErrorSamples[k])
	}
}

// clientStats is what one client saw while the clock ran; merged at the end
// so clients never share a lock on the hot path.
type clientStats struct {
	lat      []time.Duration // of 2xx answers
	requests int64
	errors   map[string]int64
	samples  map[string]string
	last     time.Time // when its last measured request finished
}

func (c *clientStats) fail(key, sample string) {
	c.errors[key]++
	if _, ok := c.samples[key]; !ok {
		if len(sample) > 200 {
			sample = sample[:200]
		}
		c.samples[key] = sample
	}
}

// Load sends the bodies round-robin from o.Clients goroutines until the
// warmup and the measured duration have passed (or ctx ends), then waits
// for the requests in flight, each bounded by o.Timeout.
func Load(ctx context.Context, o Options, bodies [][]byte) (*Summary, error) {
	tr := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        o.Clients,
		MaxIdleConnsPerHost: o.Clients,
		MaxConnsPerHost:     o.Clients,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: o.Timeout}
	target := o.URL + o.Plan.Path()
	auth := ""
	if o.Plan.Mode == ModeWebhook {
		auth = "Bearer " + o.Plan.Token
	}

	begin := time.Now()
	measureFrom := begin.Add(o.Warmup)
	end := measureFrom.Add(o.Duration)
	stats := make([]*clientStats, o.Clients)
	var wg sync.WaitGroup
	for i := range stats {
		cs := &clientStats{
			lat:     make([]time.Duration, 0, 1<<14),
			errors:  map[string]int64{},
			samples: map[string]string{},
		}
		stats[i] = cs
		wg.Go(func() {
			// Each client starts at its own offset so clients do not
			// send the same keys in lockstep.
			n := i * len(bodies) / o.Clients
			for ctx.Err() == nil {
				start := time.Now()
				if !start.Before(end) {
					return
				}
				status, sample, err := post(ctx, client, target, auth, bodies[n%len(bodies)])
				n++
				done := time.Now()
				if start.Before(measureFrom) {
					continue
				}
				if err != nil && ctx.Err() != nil {
					return // interrupted: not the target's fault
				}
				cs.requests++
				cs.last = done
				switch {
				case err != nil:
					cs.fail("transport", err.Error())
				case status/100 == 2:
					cs.lat = append(cs.lat, done.Sub(start))
				default:
					cs.fail(strconv.Itoa(status), sample)
				}
			}
		})
	}
	wg.Wait()
	return summarize(o, stats, measureFrom), nil
}

// post sends one request and drains the answer so the connection is reused.
func post(ctx context.Context, client *http.Client, target, auth string, body []byte) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/json")
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 == 2 {
		_, err = io.Copy(io.Discard, resp.Body)
		return resp.StatusCode, "", err
	}
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, string(bytes.TrimSpace(msg)), nil
}

func summarize(o Options, stats []*clientStats, from time.Time) *Summary {
	s := &Summary{
		Label: o.Label, Mode: o.Plan.Mode, URL: o.URL, Clients: o.Clients,
		Batch: o.Plan.AlertsPer(), Keys: o.Plan.Keys,
		Errors: map[string]int64{}, ErrorSamples: map[string]string{},
	}
	var lat []time.Duration
	last := from
	for _, cs := range stats {
		lat = append(lat, cs.lat...)
		s.Requests += cs.requests
		for k, n := range cs.errors {
			s.Errors[k] += n
			if _, ok := s.ErrorSamples[k]; !ok {
				s.ErrorSamples[k] = cs.samples[k]
			}
		}
		if cs.last.After(last) {
			last = cs.last
		}
	}
	s.OK = int64(len(lat))
	s.Alerts = s.OK * int64(s.Batch)
	s.Seconds = round(last.Sub(from).Seconds(), 3)
	if s.Seconds > 0 {
		s.RequestsPerS = round(float64(s.OK)/s.Seconds, 1)
		s.AlertsPerS = round(float64(s.Alerts)/s.Seconds, 1)
	}
	slices.Sort(lat)
	s.P50ms = ms(percentile(lat, 50))
	s.P90ms = ms(percentile(lat, 90))
	s.P99ms = ms(percentile(lat, 99))
	if len(lat) > 0 {
		s.Maxms = ms(lat[len(lat)-1])
	}
	return s
}

// percentile returns the nearest-rank p-th percentile of sorted durations.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	return sorted[min(max(rank, 1), len(sorted))-1]
}

func ms(d time.Duration) float64 { return round(float64(d)/float64(time.Millisecond), 3) }

func round(f float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(f*p) / p
}
