// Command paging measures quench's escalation engine with its real store,
// its real signed webhook channel and a webhook receiver on loopback that
// logs arrival times:
//
//   - lateness: N open, unacknowledged incidents whose next step is due at
//     the same instant; for every step notification, the time from its due
//     time to its arrival at the receiver (p50, p99, max), and the
//     process's memory;
//   - outage: the receiver answers 503 for 10 minutes of injected time
//     while incidents are paged; after it recovers, every page must have
//     arrived exactly once.
//
// It prints a human summary to stderr and one JSON line to stdout.
//
//	go run ./bench/paging -mode lateness -n 10000
//	go run ./bench/paging -mode outage -n 200
//	go run ./bench/paging -mode lateness -db postgres://…
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/quench-sh/quench"
	"github.com/quench-sh/quench/escalate"
	"github.com/quench-sh/quench/inmem"
	"github.com/quench-sh/quench/notify"
	"github.com/quench-sh/quench/sqldb"
)

func main() {
	mode := flag.String("mode", "lateness", "lateness or outage (receive: the lateness run's receiver process)")
	n := flag.Int("n", 10000, "incidents")
	dsn := flag.String("db", "", "PostgreSQL DSN; empty for SQLite in a temporary directory")
	workers := flag.Int("workers", 64, "engine senders")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the whole run here")
	flag.StringVar(&dueProfile, "dueprofile", "", "lateness: write a CPU profile of the time from the due time to the last arrival here")
	flag.Parse()
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err == nil && pprof.StartCPUProfile(f) == nil {
			defer pprof.StopCPUProfile()
		}
	}
	var res any
	var err error
	switch *mode {
	case "lateness":
		res, err = lateness(*n, *dsn, *workers)
	case "outage":
		res, err = outage(*n, *dsn)
	case "receive":
		err = receive()
		if err == nil {
			return
		}
	default:
		err = fmt.Errorf("-mode must be lateness or outage")
	}
	_ = json.NewEncoder(os.Stdout).Encode(res)
	if err != nil {
		fmt.Fprintln(os.Stderr, "paging bench:", err)
		pprof.StopCPUProfile()
		os.Exit(1)
	}
}

const secret = "bench-secret"

// dueProfile is where the lateness run profiles the CPU after the due time.
var dueProfile string

// receiver logs every verified webhook: the key and when it arrived.
type receiver struct {
	now      func() time.Time
	fail     atomic.Bool // answer 503
	mu       sync.Mutex
	arrivals map[string][]time.Time
	failed   atomic.Int64
	bad      atomic.Int64
	srv      *http.Server
	url      string
}

func newReceiver(now func() time.Time) (*receiver, error) {
	r := &receiver{now: now, arrivals: map[string][]time.Time{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	r.url = "http://" + ln.Addr().String()
	r.srv = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		at := r.now()
		if strings.HasPrefix(req.URL.Path, "/_") {
			r.control(w, req)
			return
		}
		body, _ := io.ReadAll(req.Body)
		if r.fail.Load() {
			r.failed.Add(1)
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		if err := notify.VerifyWebhook([]byte(secret), req.Header, body, at, time.Hour); err != nil {
			r.bad.Add(1)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		key := req.Header.Get(notify.HeaderKey)
		r.mu.Lock()
		r.arrivals[key] = append(r.arrivals[key], at)
		r.mu.Unlock()
	})}
	go func() { _ = r.srv.Serve(ln) }()
	return r, nil
}

// control answers the lateness run about a receiver in its own process:
// /_count (keys that arrived) and /_arrivals (every arrival).
func (r *receiver) control(w http.ResponseWriter, req *http.Request) {
	switch req.URL.Path {
	case "/_count":
		keys, _ := r.count()
		fmt.Fprint(w, keys)
	case "/_arrivals":
		r.mu.Lock()
		defer r.mu.Unlock()
		_ = json.NewEncoder(w).Encode(remoteArrivals{Arrivals: r.arrivals, Bad: r.bad.Load()})
	default:
		http.NotFound(w, req)
	}
}

// remoteArrivals is what a receiver process reports.
type remoteArrivals struct {
	Arrivals map[string][]time.Time `json:"arrivals"`
	Bad      int64                  `json:"bad"`
}

// receive runs a receiver until stdin closes, printing its URL first: the
// lateness run's receiver lives in a process of its own, as a real
// webhook receiver would, so its work and memory are not the engine's.
func receive() error {
	r, err := newReceiver(time.Now)
	if err != nil {
		return err
	}
	fmt.Println(r.url)
	_, _ = io.Copy(io.Discard, os.Stdin)
	return r.srv.Close()
}

// remoteReceiver starts this program as a receiver process.
func remoteReceiver() (url string, stop func(), err error) {
	self, err := os.Executable()
	if err != nil {
		return "", nil, err
	}
	cmd := exec.Command(self, "-mode", "receive")
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return "", nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return "", nil, err
	}
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		_ = cmd.Process.Kill()
		return "", nil, fmt.Errorf("receiver process: %w", err)
	}
	return strings.TrimSpace(line), func() { _ = in.Close(); _ = cmd.Wait() }, nil
}

// getRemote reads a receiver process's control path.
func getRemote(url string, v any) error {
	resp, err := http.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", url, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

func (r *receiver) count() (keys, total int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, a := range r.arrivals {
		total += len(a)
	}
	return len(r.arrivals), total
}

const oncall = `people:
  - id: alice
    time_zone: UTC
    contacts: [{name: hook, kind: webhook, address: "%s/alice"}]
schedules:
  - id: ops
    time_zone: UTC
    layers: [{rotation: weekly, start: "2020-01-06 09:00", participants: [alice]}]
roles:
  first: {schedule: ops}
  second: {schedule: ops}
policies:
  critical: {step_delay: 5m, repeat: 0}
`

// setup opens a store, a receiver and an engine (not yet running).
func setup(dsn string, now func() time.Time, remote string) (*sqldb.DB, *receiver, *escalate.Engine, func(), error) {
	dir, err := os.MkdirTemp("", "quench-paging-bench-")
	if err != nil {
		return nil, nil, nil, nil, err
	}
	events := inmem.NewEventService(1 << 16)
	db, err := sqldb.Open(context.Background(), sqldb.Config{DSN: dsn, DataDir: filepath.Join(dir, "data"), Now: now, Events: events})
	if err != nil {
		return nil, nil, nil, nil, err
	}
	rcv := &receiver{url: remote}
	if remote == "" {
		if rcv, err = newReceiver(now); err != nil {
			return nil, nil, nil, nil, err
		}
	}
	cfg, err := escalate.Parse("bench.yaml", []byte(fmt.Sprintf(oncall, rcv.url)), escalate.LoadOptions{})
	if err != nil {
		return nil, nil, nil, nil, err
	}
	cfg.DefaultRole = "first"
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 256}}
	hook, err := notify.NewWebhook([]byte(secret), client, now, nil)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	eng := &escalate.Engine{Store: sqldb.NewPagingStore(db), Incidents: sqldb.NewIncidentService(db), Events: events,
		Overrides: sqldb.NewOverrideService(db), Channels: map[quench.ContactKind]quench.Channel{quench.ContactWebhook: hook},
		Config: escalate.NewHolder(cfg), Now: now, RateLimit: 1 << 30}
	if os.Getenv("BENCH_DEBUG") != "" {
		eng.Log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	cleanup := func() {
		if rcv.srv != nil {
			_ = rcv.srv.Close()
		}
		_ = db.Close()
		_ = os.RemoveAll(dir)
	}
	return db, rcv, eng, cleanup, nil
}

// openIncidents opens n incidents in batches (no engine is running).
func openIncidents(ctx context.Context, db *sqldb.DB, n int) ([]int64, error) {
	inc := sqldb.NewIncidentService(db)
	var ids []int64
	for i := 0; i < n; i += 1000 {
		var alerts []quench.Alert
		for j := i; j < min(i+1000, n); j++ {
			alerts = append(alerts, quench.Alert{Source: quench.SourceGeneric, Integration: "bench", DedupKey: "k" + strconv.Itoa(j),
				Action: quench.ActionTrigger, Severity: quench.SeverityCritical, Summary: "bench incident " + strconv.Itoa(j)})
		}
		res, err := inc.IngestAlerts(ctx, alerts, nil)
		if err != nil {
			return nil, err
		}
		for _, r := range res {
			ids = append(ids, r.IncidentID)
		}
	}
	return ids, nil
}

// LatenessResult is the lateness figure.
type LatenessResult struct {
	Mode        string  `json:"mode"`
	Incidents   int     `json:"incidents"`
	Delivered   int     `json:"delivered"`
	P50ms       float64 `json:"p50_ms"`
	P99ms       float64 `json:"p99_ms"`
	Maxms       float64 `json:"max_ms"`
	Lastms      float64 `json:"last_arrival_ms"` // after the due time
	HeapMiB     float64 `json:"heap_inuse_mib"`
	RSSPeakMiB  float64 `json:"rss_peak_mib"`
	DB          string  `json:"db"`
	Duplicates  int     `json:"duplicates"`
	BadSignings int64   `json:"bad_signatures"`
	// CPUSec is the CPU time the whole process (engine, store, receiver)
	// used from the due time to the last arrival; with WallSec it shows
	// how much of the machine the run got.
	CPUSec  float64 `json:"cpu_s_after_due"`
	WallSec float64 `json:"wall_s_after_due"`
}

// lateness: n incidents at step 1 whose step 2 is due at one instant T,
// a few seconds after the engine starts; every step-2 notification's
// arrival is compared with T.
func lateness(n int, dsn string, workers int) (*LatenessResult, error) {
	ctx := context.Background()
	url, stopReceiver, err := remoteReceiver()
	if err != nil {
		return nil, err
	}
	defer stopReceiver()
	db, _, eng, cleanup, err := setup(dsn, time.Now, url)
	if err != nil {
		return nil, err
	}
	defer cleanup()
	eng.Workers = workers
	fmt.Fprintf(os.Stderr, "opening %d incidents…\n", n)
	ids, err := openIncidents(ctx, db, n)
	if err != nil {
		return nil, err
	}
	due := time.Now().Add(8 * time.Second).Truncate(time.Second)
	store := sqldb.NewPagingStore(db)
	var changes []quench.EscalationChange
	for _, id := range ids {
		changes = append(changes, quench.EscalationChange{State: &quench.EscalationState{IncidentID: id, Step: 1,
			Steps: []string{"first", "second"}, Paged: []string{"alice"}, NextAt: due}})
	}
	for i := 0; i < len(changes); i += 1000 {
		if _, err := store.ApplyEscalations(ctx, changes[i:min(i+1000, len(changes))]); err != nil {
			return nil, err
		}
	}
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	done := make(chan error, 1)
	go func() { done <- eng.Run(runCtx) }()
	fmt.Fprintf(os.Stderr, "%d incidents escalate at %s (in %s)…\n", n, due.Format("15:04:05"), time.Until(due).Round(time.Millisecond))
	time.Sleep(time.Until(due)) // measuring from the due time on
	cpuAtDue := cpuSeconds()
	if dueProfile != "" {
		if f, err := os.Create(dueProfile); err == nil && pprof.StartCPUProfile(f) == nil {
			defer pprof.StopCPUProfile()
		}
	}
	deadline := due.Add(2 * time.Minute)
	for {
		var keys int
		if err := getRemote(url+"/_count", &keys); err != nil {
			return nil, err
		}
		if keys >= n || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond) // polling the receiver's log, not synchronising the engine
	}
	cpuUsed := cpuSeconds() - cpuAtDue
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	stop()
	if err := <-done; err != nil {
		return nil, err
	}
	res := &LatenessResult{Mode: "lateness", Incidents: n, HeapMiB: float64(ms.HeapInuse) / (1 << 20), RSSPeakMiB: rssPeakMiB(),
		DB: db.Dialect(), CPUSec: cpuUsed}
	var got remoteArrivals
	if err := getRemote(url+"/_arrivals", &got); err != nil {
		return nil, err
	}
	res.BadSignings = got.Bad
	var late []float64
	for _, at := range got.Arrivals {
		late = append(late, float64(at[0].Sub(due))/float64(time.Millisecond))
		res.Duplicates += len(at) - 1
	}
	res.Delivered = len(late)
	if len(late) == 0 {
		return nil, errors.New("nothing arrived")
	}
	slices.Sort(late)
	pct := func(p float64) float64 { return late[min(len(late)-1, int(p*float64(len(late))))] }
	res.P50ms, res.P99ms, res.Maxms, res.Lastms = pct(0.50), pct(0.99), late[len(late)-1], late[len(late)-1]
	res.WallSec = res.Lastms / 1000
	fmt.Fprintf(os.Stderr, "lateness of %d step notifications (%s): p50 %.1f ms, p99 %.1f ms, max %.1f ms; heap %.0f MiB, peak RSS %.0f MiB; %d duplicates\n",
		res.Delivered, res.DB, res.P50ms, res.P99ms, res.Maxms, res.HeapMiB, res.RSSPeakMiB, res.Duplicates)
	fmt.Fprintf(os.Stderr, "from the due time to the last arrival: %.2f s of wall time, %.2f s of CPU for the whole process (%.0f%% of one core)\n",
		res.WallSec, res.CPUSec, 100*res.CPUSec/max(res.WallSec, 0.001))
	if res.Delivered < n {
		return res, fmt.Errorf("only %d of %d notifications arrived", res.Delivered, n)
	}
	return res, nil
}

// cpuSeconds is the process's user and system CPU time so far.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

// rssPeakMiB reads the process's peak resident set (VmHWM).
func rssPeakMiB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return 0
}

// clock is the outage bench's injected clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// OutageResult is the outage figure.
type OutageResult struct {
	Mode       string `json:"mode"`
	Incidents  int    `json:"incidents"`
	Refused    int64  `json:"answered_503"`
	Delivered  int    `json:"delivered"`
	Duplicates int    `json:"duplicates"`
	Missing    int    `json:"missing"`
	DB         string `json:"db"`
}

// outage: the receiver answers 503 for 10 minutes of injected time while n
// incidents open; the engine retries with backoff; then it recovers.
func outage(n int, dsn string) (*OutageResult, error) {
	ctx := context.Background()
	clk := &clock{t: time.Date(2026, 3, 29, 0, 30, 0, 0, time.UTC)}
	db, rcv, eng, cleanup, err := setup(dsn, clk.Now, "")
	if err != nil {
		return nil, err
	}
	defer cleanup()
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	done := make(chan error, 1)
	go func() { done <- eng.Run(runCtx) }()
	if err := eng.WaitRunning(ctx); err != nil {
		return nil, err
	}
	rcv.fail.Store(true)
	if _, err := openIncidents(ctx, db, n); err != nil {
		return nil, err
	}
	if err := eng.Idle(ctx); err != nil {
		return nil, err
	}
	end := clk.Now().Add(10 * time.Minute)
	for clk.Now().Before(end) {
		clk.Add(5 * time.Second)
		if err := eng.Idle(ctx); err != nil {
			return nil, err
		}
	}
	rcv.fail.Store(false)
	// Backoff is at most 5 minutes: within 6 more every retry has run.
	for range 72 {
		clk.Add(5 * time.Second)
		if err := eng.Idle(ctx); err != nil {
			return nil, err
		}
	}
	stop()
	if err := <-done; err != nil {
		return nil, err
	}
	res := &OutageResult{Mode: "outage", Incidents: n, Refused: rcv.failed.Load(), DB: db.Dialect()}
	rcv.mu.Lock()
	for key, at := range rcv.arrivals {
		if strings.Contains(key, "-s1-") {
			res.Delivered++
			res.Duplicates += len(at) - 1
		}
	}
	rcv.mu.Unlock()
	res.Missing = n - res.Delivered
	fmt.Fprintf(os.Stderr, "outage of 10 minutes (injected time, %s): %d answers 503, then %d of %d step-1 pages delivered, %d duplicates, %d missing\n",
		res.DB, res.Refused, res.Delivered, n, res.Duplicates, res.Missing)
	if res.Missing > 0 || res.Duplicates > 0 {
		return res, fmt.Errorf("%d missing, %d duplicates", res.Missing, res.Duplicates)
	}
	return res, nil
}
