package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestCheckLoopback(t *testing.T) {
	for _, tt := range []struct {
		url string
		ok  bool
	}{
		{"http://127.0.0.1:8080", true},
		{"http://127.0.0.2:9093", true},
		{"http://[::1]:8080", true},
		{"http://localhost:8080", true},
		{"https://127.0.0.1", true},
		{"http://10.0.0.1:8080", false},
		{"http://example.com", false},
		{"http://0.0.0.0:8080", false},
		{"ftp://127.0.0.1", false},
		{"127.0.0.1:8080", false},
		{"", false},
	} {
		t.Run(tt.url, func(t *testing.T) {
			if err := checkLoopback(tt.url); (err == nil) != tt.ok {
				t.Errorf("checkLoopback(%q) = %v, want ok %v", tt.url, err, tt.ok)
			}
		})
	}
}

func TestBuildWebhook(t *testing.T) {
	p := Plan{Mode: ModeWebhook, Token: "t", Batch: 100, Keys: 1000, Resolved: 0.1, Count: 20, Seed: 1, Now: time.Now()}
	bodies, err := p.Build()
	if err != nil {
		t.Fatal(err)
	}
	if len(bodies) != 20 {
		t.Fatalf("got %d bodies, want 20", len(bodies))
	}
	seen := map[string]int{}
	var resolved, total int
	for i, b := range bodies {
		var w amWebhook
		if err := json.Unmarshal(b, &w); err != nil {
			t.Fatalf("body %d: %v", i, err)
		}
		if w.Version != "4" || len(w.Alerts) != 100 {
			t.Fatalf("body %d: version %q with %d alerts, want 4 with 100", i, w.Version, len(w.Alerts))
		}
		inBody := map[string]bool{}
		for _, a := range w.Alerts {
			if inBody[a.Fingerprint] {
				t.Fatalf("body %d repeats fingerprint %s", i, a.Fingerprint)
			}
			inBody[a.Fingerprint] = true
			seen[a.Fingerprint]++
			total++
			switch a.Status {
			case "resolved":
				resolved++
				if !a.EndsAt.After(a.StartsAt) {
					t.Errorf("resolved alert ends %v before it starts %v", a.EndsAt, a.StartsAt)
				}
			case "firing":
				if !a.EndsAt.IsZero() {
					t.Errorf("firing alert has endsAt %v", a.EndsAt)
				}
			default:
				t.Errorf("status %q", a.Status)
			}
		}
	}
	if len(seen) != 1000 {
		t.Errorf("%d distinct fingerprints, want 1000", len(seen))
	}
	if frac := float64(resolved) / float64(total); frac < 0.05 || frac > 0.15 {
		t.Errorf("resolved fraction %.3f, want about 0.1", frac)
	}
}

func TestBuildAMAPIAndPagerDuty(t *testing.T) {
	now := time.Now()
	am, err := Plan{Mode: ModeAMAPI, Batch: 5, Keys: 3, Count: 2, Now: now}.Build()
	if err != nil {
		t.Fatal(err)
	}
	var alerts []postableAlert
	if err := json.Unmarshal(am[0], &alerts); err != nil || len(alerts) != 5 {
		t.Fatalf("am-api body: %v, %d alerts, want 5", err, len(alerts))
	}
	if alerts[0].Labels["instance"] != alerts[3].Labels["instance"] {
		t.Errorf("keys do not wrap: %v vs %v", alerts[0].Labels, alerts[3].Labels)
	}

	pd, err := Plan{Mode: ModePagerDuty, Token: "rk", Batch: 100, Keys: 10, Resolved: 1, Count: 3, Now: now}.Build()
	if err != nil {
		t.Fatal(err)
	}
	var ev pdEvent
	if err := json.Unmarshal(pd[2], &ev); err != nil {
		t.Fatal(err)
	}
	if ev.RoutingKey != "rk" || ev.EventAction != "resolve" || ev.DedupKey != "bench-"+fingerprint(2) {
		t.Errorf("pagerduty event %+v, want routing key rk, resolve, key 2", ev)
	}
	pd, _ = Plan{Mode: ModePagerDuty, Token: "rk", Keys: 10, Count: 1, Now: now}.Build()
	_ = json.Unmarshal(pd[0], &ev)
	if ev.EventAction != "trigger" || ev.Payload == nil || ev.Payload.Summary == "" || ev.Payload.Source == "" {
		t.Errorf("trigger without the payload PagerDuty requires: %s", pd[0])
	}
}

// TestLoad drives a real HTTP server on loopback: every request is
// counted, failures are reported by status, and the run ends on time.
func TestLoad(t *testing.T) {
	var n, authOK atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.URL.Path != "/ingest/alertmanager" || !json.Valid(body) {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		if r.Header.Get("Authorization") == "Bearer secret" {
			authOK.Add(1)
		}
		if n.Add(1)%10 == 0 {
			http.Error(w, `{"error":"busy"}`, http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusAccepted)
	}))
	defer srv.Close()

	var out, errOut bytes.Buffer
	start := time.Now()
	err := run(context.Background(), []string{
		"-url", srv.URL, "-mode", ModeWebhook, "-token", "secret", "-batch", "10", "-keys", "50",
		"-clients", "4", "-duration", "500ms", "-warmup", "100ms", "-label", "t",
	}, &out, &errOut)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, errOut.String())
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("run took %v for 600ms of load", took)
	}
	var s Summary
	if err := json.Unmarshal(out.Bytes(), &s); err != nil {
		t.Fatalf("summary %q: %v", out.String(), err)
	}
	if s.OK == 0 || s.Errors["503"] == 0 || s.Errors["400"] != 0 {
		t.Fatalf("summary %+v: want successes and 503s, no 400s", s)
	}
	if s.Requests != s.OK+s.Errors["503"] {
		t.Errorf("requests %d != ok %d + 503s %d", s.Requests, s.OK, s.Errors["503"])
	}
	if s.Requests > n.Load() {
		t.Errorf("counted %d requests, server saw %d", s.Requests, n.Load())
	}
	if authOK.Load() != n.Load() {
		t.Errorf("%d of %d requests carried the bearer token", authOK.Load(), n.Load())
	}
	if s.Alerts != s.OK*10 || s.Label != "t" || s.P50ms <= 0 || s.P99ms < s.P50ms {
		t.Errorf("summary %+v", s)
	}
	if !strings.Contains(s.ErrorSamples["503"], "busy") {
		t.Errorf("error sample %q, want the body", s.ErrorSamples["503"])
	}
	if !strings.Contains(errOut.String(), "alerts/s") {
		t.Errorf("human summary missing: %q", errOut.String())
	}
}

func TestFlagsRefuse(t *testing.T) {
	for _, args := range [][]string{
		{"-url", "http://192.0.2.1:80", "-mode", "am-api"},
		{"-url", "http://127.0.0.1:1", "-mode", "pagerduty"},
		{"-url", "http://127.0.0.1:1", "-mode", "nope", "-token", "x"},
		{"-url", "http://127.0.0.1:1", "-mode", "am-api", "-clients", "0"},
	} {
		if _, err := parseFlags(args, io.Discard); err == nil {
			t.Errorf("parseFlags(%q) accepted", args)
		}
	}
}

func TestPercentile(t *testing.T) {
	var d []time.Duration
	for i := 1; i <= 100; i++ {
		d = append(d, time.Duration(i)*time.Millisecond)
	}
	for _, tt := range []struct {
		p    float64
		want time.Duration
	}{{50, 50 * time.Millisecond}, {99, 99 * time.Millisecond}, {100, 100 * time.Millisecond}, {0, time.Millisecond}} {
		if got := percentile(d, tt.p); got != tt.want {
			t.Errorf("percentile(%v) = %v, want %v", tt.p, got, tt.want)
		}
	}
	if percentile(nil, 50) != 0 {
		t.Error("percentile of nothing is not 0")
	}
}

func TestProbeSync(t *testing.T) {
	dir := t.TempDir()
	// A sample count, not a deadline: a loaded machine may take long over
	// each fsync, and the test checks the figures, not the disk's speed.
	p, err := probeSync(context.Background(), dir, time.Millisecond, 5)
	if err != nil {
		t.Fatal(err)
	}
	if p.Samples != 5 || p.P50ms <= 0 || p.Maxms < p.P99ms || p.P99ms < p.P50ms {
		t.Errorf("probe %+v: want several ordered samples", p)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("probe left %d files behind", len(left))
	}
}
