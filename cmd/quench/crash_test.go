package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/quench-sh/quench/sqldb"
	"github.com/quench-sh/quench/sqldb/sqldbtest"
)

// TestCrashKeepsAcceptedAlerts kills `quench serve` with SIGKILL while
// clients are ingesting and checks, after a restart on the same data, that
// every alert that got a 2xx answer is stored: a 2xx means committed.
func TestCrashKeepsAcceptedAlerts(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs real processes; skipped with -short")
	}
	bin := itBuildQuench(t)
	t.Run("sqlite", func(t *testing.T) {
		crashTest(t, bin, nil)
	})
	t.Run("postgres", func(t *testing.T) {
		// A schema of its own, dropped at the end; skips (or fails under
		// QUENCH_REQUIRE_INTEGRATION=1) without QUENCH_TEST_POSTGRES.
		dsn := sqldbtest.DSN(t, sqldb.DialectPostgres)
		crashTest(t, bin, []string{"--db", dsn})
	})
}

func crashTest(t *testing.T, bin string, dbArgs []string) {
	data := t.TempDir()
	ingestToken := itCreateToken(t, bin, data, dbArgs, "ingest", "crash-ingest")
	viewToken := itCreateToken(t, bin, data, dbArgs, "responder", "crash-reader")

	srv := itStartServe(t, bin, data, dbArgs)
	load := newCrashLoad(srv.url, ingestToken)
	stopLoad := load.start(16)

	// Kill once a good number of requests have been answered, so the kill
	// lands in the middle of a run with many requests in flight.
	deadline := time.Now().Add(30 * time.Second)
	for load.acked.Load() < 400 {
		if time.Now().After(deadline) {
			stopLoad()
			t.Fatalf("only %d requests acknowledged in 30s; errors: %v\nserver log:\n%s",
				load.acked.Load(), load.errorSample(), srv.log())
		}
		time.Sleep(5 * time.Millisecond)
	}
	inflight := load.inflight.Load()
	srv.kill(t)
	stopLoad()
	t.Logf("SIGKILL after %d acknowledged requests, with %d in flight", load.acked.Load(), inflight)
	if load.unexpected.Load() > 0 {
		t.Errorf("%d requests got an answer that is neither 2xx nor a broken connection: %v", load.unexpected.Load(), load.errorSample())
	}

	srv = itStartServe(t, bin, data, dbArgs)
	stored := itIncidentCounts(t, srv.url, viewToken)
	var missing, overcounted, unanswered int
	for key, acked := range load.acked2xx {
		got := stored[key]
		switch {
		case got < acked:
			if missing < 10 {
				t.Errorf("key %s: %d alerts got a 2xx, %d stored", key, acked, got)
			}
			missing++
		case got > load.sent[key]:
			if overcounted < 10 {
				t.Errorf("key %s: %d stored, only %d sent", key, got, load.sent[key])
			}
			overcounted++
		}
	}
	for key, got := range stored {
		if _, ok := load.sent[key]; !ok {
			t.Errorf("incident for key %s that was never sent", key)
		}
		if got > load.acked2xx[key] {
			unanswered++ // committed, but the answer died with the server
		}
	}
	t.Logf("%d keys acknowledged, %d stored; %d keys hold alerts committed without an answer", len(load.acked2xx), len(stored), unanswered)
	if missing > 0 {
		t.Errorf("%d of %d acknowledged keys lost or undercounted after SIGKILL", missing, len(load.acked2xx))
	}
	if len(load.acked2xx) == 0 {
		t.Fatal("no key was acknowledged")
	}
}

// crashLoad sends PagerDuty events and Alertmanager webhooks, each key
// twice, and records per dedup key how many alerts were sent and how many
// got a 2xx.
type crashLoad struct {
	url, token string
	client     *http.Client

	acked      atomic.Int64 // requests answered 2xx
	inflight   atomic.Int64 // requests sent and not yet answered
	unexpected atomic.Int64 // answers other than 2xx

	mu       sync.Mutex
	sent     map[string]int64 // dedup key → alerts sent (maybe stored)
	acked2xx map[string]int64 // dedup key → alerts answered 2xx (must be stored)
	errs     []string
}

func newCrashLoad(base, token string) *crashLoad {
	return &crashLoad{
		url: base, token: token,
		client:   &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}},
		sent:     map[string]int64{},
		acked2xx: map[string]int64{},
	}
}

// start runs n workers until the returned stop is called; stop waits for
// them.
func (l *crashLoad) start(n int) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	for w := range n {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-done:
					return
				default:
				}
				if w%2 == 0 {
					l.pagerDuty(w, i)
				} else {
					l.webhook(w, i)
				}
			}
		})
	}
	var once sync.Once
	return func() {
		once.Do(func() { close(done) })
		wg.Wait()
	}
}

func (l *crashLoad) pagerDuty(w, i int) {
	key := fmt.Sprintf("crash-pd-%d-%d", w, i/2)
	body, _ := json.Marshal(map[string]any{
		"routing_key":  l.token,
		"event_action": "trigger",
		"dedup_key":    key,
		"payload":      map[string]any{"summary": "crash test " + key, "source": "crash-test", "severity": "warning"},
	})
	l.post("/v2/enqueue", "", body, []string{key})
}

func (l *crashLoad) webhook(w, i int) {
	const batch = 5
	keys := make([]string, batch)
	alerts := make([]map[string]any, batch)
	for j := range keys {
		keys[j] = fmt.Sprintf("crash-am-%d-%d-%d", w, i/2, j)
		alerts[j] = map[string]any{
			"status":       "firing",
			"labels":       map[string]string{"alertname": "CrashTest", "key": keys[j]},
			"annotations":  map[string]string{"summary": "crash test " + keys[j]},
			"startsAt":     time.Now().UTC().Format(time.RFC3339Nano),
			"endsAt":       "0001-01-01T00:00:00Z",
			"generatorURL": "http://prometheus.invalid/graph",
			"fingerprint":  keys[j],
		}
	}
	body, _ := json.Marshal(map[string]any{
		"version": "4", "groupKey": `{}:{alertname="CrashTest"}`, "truncatedAlerts": 0,
		"status": "firing", "receiver": "quench", "groupLabels": map[string]string{"alertname": "CrashTest"},
		"commonLabels": map[string]string{"alertname": "CrashTest"}, "commonAnnotations": map[string]string{},
		"externalURL": "http://alertmanager.invalid", "alerts": alerts,
	})
	l.post("/ingest/alertmanager", "Bearer "+l.token, body, keys)
}

// post records keys as sent before the request leaves, since the server
// may commit them even if the answer never arrives.
func (l *crashLoad) post(path, auth string, body []byte, keys []string) {
	l.mu.Lock()
	for _, k := range keys {
		l.sent[k]++
	}
	l.mu.Unlock()
	l.inflight.Add(1)
	defer l.inflight.Add(-1)
	req, _ := http.NewRequest(http.MethodPost, l.url+path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := l.client.Do(req)
	if err != nil {
		return // the server died: the alert may or may not be stored
	}
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		l.unexpected.Add(1)
		l.mu.Lock()
		if len(l.errs) < 5 {
			l.errs = append(l.errs, fmt.Sprintf("%s: %d %s", path, resp.StatusCode, msg))
		}
		l.mu.Unlock()
		return
	}
	l.acked.Add(1)
	l.mu.Lock()
	for _, k := range keys {
		l.acked2xx[k]++
	}
	l.mu.Unlock()
}

func (l *crashLoad) errorSample() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.errs...)
}

// itBuildQuench builds the quench binary into a temporary directory.
func itBuildQuench(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "quench")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// itCreateToken runs `quench token create` and returns the secret it
// prints.
func itCreateToken(t *testing.T, bin, data string, dbArgs []string, role, name string) string {
	t.Helper()
	args := append([]string{"token", "create", "--role", role, "--name", name, "--data", data}, dbArgs...)
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("quench %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	fields := strings.Fields(stdout.String())
	if len(fields) == 0 {
		t.Fatalf("quench token create printed nothing; stderr:\n%s", stderr.String())
	}
	return fields[len(fields)-1]
}

// itServer is a `quench serve` process.
type itServer struct {
	cmd     *exec.Cmd
	url     string
	logPath string
	exited  chan struct{}
}

func (s *itServer) log() string {
	b, _ := os.ReadFile(s.logPath)
	return string(b)
}

// kill sends SIGKILL and waits for the process to be gone.
func (s *itServer) kill(t *testing.T) {
	t.Helper()
	if err := s.cmd.Process.Kill(); err != nil {
		t.Fatalf("kill: %v", err)
	}
	<-s.exited
}

// itStartServe starts `quench serve` on a free loopback port and waits for
// /readyz; the process is killed when the test ends.
func itStartServe(t *testing.T, bin, data string, dbArgs []string) *itServer {
	t.Helper()
	return itStartServeWith(t, bin, data, dbArgs, "")
}

// itStartServeWith is itStartServe with more YAML for the config file.
func itStartServeWith(t *testing.T, bin, data string, dbArgs []string, extraConfig string) *itServer {
	t.Helper()
	addr := itFreeAddr(t)
	logf, err := os.CreateTemp(t.TempDir(), "serve-*.log")
	if err != nil {
		t.Fatal(err)
	}
	// Without automatic diagnosis: every incident would start the first
	// steps' commands on this machine, and durability does not depend on it.
	config := filepath.Join(t.TempDir(), "quench.yaml")
	if err := os.WriteFile(config, []byte("diagnosis:\n  auto: false\n"+extraConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	args := append([]string{"serve", "--config", config, "--data", data, "--listen", addr,
		"--runbooks", filepath.Join("..", "..", "runbooks")}, dbArgs...)
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatalf("start quench serve: %v", err)
	}
	s := &itServer{cmd: cmd, url: "http://" + addr, logPath: logf.Name(), exited: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		logf.Close()
		close(s.exited)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-s.exited
	})
	itWaitHTTP(t, s.url+"/readyz", 30*time.Second, s.exited, s.log)
	return s
}

// itFreeAddr returns a loopback address nothing listens on right now.
func itFreeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// itWaitHTTP polls url until it answers 2xx, the deadline passes, or
// exited closes (the process died); log explains a failure.
func itWaitHTTP(t *testing.T, url string, within time.Duration, exited <-chan struct{}, log func() string) {
	t.Helper()
	deadline := time.Now().Add(within)
	var last string
	for {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode/100 == 2 {
				return
			}
			last = resp.Status
		} else {
			last = err.Error()
		}
		select {
		case <-exited:
			t.Fatalf("process exited before %s answered; log:\n%s", url, log())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not ready after %v (last: %s); log:\n%s", url, within, last, log())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// itIncident is the part of the incident JSON (DESIGN.md "Contracts") the
// integration tests read.
type itIncident struct {
	ID         int64             `json:"id"`
	Status     string            `json:"status"`
	Runbook    *string           `json:"runbook"`
	DedupKey   string            `json:"dedup_key"`
	AlertCount int64             `json:"alert_count"`
	Labels     map[string]string `json:"labels"`
}

// itListIncidents returns every incident, following the pages newest
// first with before=<smallest id seen>.
func itListIncidents(ctx context.Context, base, token string) ([]itIncident, error) {
	var all []itIncident
	before := int64(0)
	for {
		q := url.Values{"limit": {"200"}}
		if before > 0 {
			q.Set("before", strconv.FormatInt(before, 10))
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/v1/incidents?"+q.Encode(), nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil, err
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return nil, err
		}
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("GET /api/v1/incidents: %s: %s", resp.Status, body)
		}
		var page struct {
			Incidents []itIncident `json:"incidents"`
		}
		if err := json.Unmarshal(body, &page); err != nil {
			return nil, fmt.Errorf("GET /api/v1/incidents: %w", err)
		}
		if len(page.Incidents) == 0 {
			return all, nil
		}
		all = append(all, page.Incidents...)
		before = page.Incidents[len(page.Incidents)-1].ID
	}
}

// itIncidentCounts sums alert_count per dedup key over all incidents.
func itIncidentCounts(t *testing.T, base, token string) map[string]int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	incs, err := itListIncidents(ctx, base, token)
	if err != nil {
		t.Fatal(err)
	}
	out := make(map[string]int64, len(incs))
	for _, inc := range incs {
		out[inc.DedupKey] += inc.AlertCount
	}
	return out
}

// itRequire skips the test with why, unless QUENCH_REQUIRE_INTEGRATION=1
// makes a missing dependency a failure.
func itRequire(t *testing.T, why string) {
	t.Helper()
	if os.Getenv("QUENCH_REQUIRE_INTEGRATION") == "1" {
		t.Fatalf("%s (QUENCH_REQUIRE_INTEGRATION=1)", why)
	}
	t.Skip(why)
}
