// Command checks is the helper of bench/checks.sh: the local HTTP target
// both quench and Gatus poll (it counts requests per first path segment,
// so each side's checks are counted, not assumed), and the detection
// benchmark (a check with interval 1s and threshold 1 against a target
// flipped to failing: the time from the failing response to the incident's
// commit).
//
//	checks -mode target -addr 127.0.0.1:18080
//	checks -mode detect -n 30
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/quench-sh/quench"
	"github.com/quench-sh/quench/check"
	"github.com/quench-sh/quench/ingest"
	"github.com/quench-sh/quench/inmem"
	"github.com/quench-sh/quench/sqldb"
)

func main() {
	mode := flag.String("mode", "target", "target or detect")
	addr := flag.String("addr", "127.0.0.1:18080", "target: address to listen on")
	n := flag.Int("n", 30, "detect: flips to measure")
	flag.Parse()
	switch *mode {
	case "target":
		serveTarget(*addr)
	case "detect":
		if err := detect(*n); err != nil {
			log.Fatal(err)
		}
	default:
		log.Fatalf("unknown -mode %q", *mode)
	}
}

// serveTarget answers 200 "ok" on every path and counts requests by their
// first path segment; GET /_hits returns the counts as JSON.
func serveTarget(addr string) {
	var mu sync.Mutex
	hits := map[string]int64{}
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/_hits" {
			mu.Lock()
			b, _ := json.Marshal(hits)
			mu.Unlock()
			w.Write(b)
			return
		}
		seg, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
		mu.Lock()
		hits[seg]++
		mu.Unlock()
		w.Write([]byte("ok"))
	})
	log.Fatal(http.ListenAndServe(addr, nil))
}

// detect measures, n times: the target starts failing; the time from the
// first failing response written to the incident's opened event (published
// once the incident is committed, on a SQLite store on disk); then it
// heals and the incident resolves.
func detect(n int) error {
	dir, err := os.MkdirTemp("", "quench-detect-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	var failing atomic.Bool
	var firstFail atomic.Int64 // unix nanos of the first failing answer of this flip
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	go http.Serve(l, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if failing.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte("down"))
			firstFail.CompareAndSwap(0, time.Now().UnixNano())
			return
		}
		w.Write([]byte("ok"))
	}))

	events := inmem.NewEventService(0)
	db, err := sqldb.Open(ctx, sqldb.Config{DataDir: filepath.Join(dir, "data"), Events: events})
	if err != nil {
		return err
	}
	defer db.Close()
	sub, err := events.Subscribe(ctx)
	if err != nil {
		return err
	}
	eng := &check.Engine{Alerts: &ingest.AlertService{Store: sqldb.NewIncidentService(db)}, Store: sqldb.NewCheckStore(db)}
	cs, err := check.CompileAll([]check.Spec{{Name: "api", Interval: time.Second, Timeout: time.Second, FailureThreshold: 1,
		HTTP: &check.HTTPSpec{URL: "http://" + l.Addr().String() + "/healthz"}}}, check.CompileOptions{})
	if err != nil {
		return err
	}
	eng.SetChecks(ctx, cs)
	go eng.Run(ctx)

	wait := func(kind quench.IncidentEventKind) (time.Time, error) {
		timeout := time.After(30 * time.Second)
		for {
			select {
			case ev := <-sub.Events():
				if ev.Kind == kind {
					return time.Now(), nil
				}
			case <-timeout:
				return time.Time{}, fmt.Errorf("no %s event in 30s", kind)
			}
		}
	}
	var lat []time.Duration
	for i := 0; i < n; i++ {
		firstFail.Store(0)
		failing.Store(true)
		at, err := wait(quench.IncidentOpened)
		if err != nil {
			return err
		}
		lat = append(lat, at.Sub(time.Unix(0, firstFail.Load())))
		failing.Store(false)
		if _, err := wait(quench.IncidentResolved); err != nil {
			return err
		}
	}
	slices.Sort(lat)
	q := func(p float64) time.Duration { return lat[min(len(lat)-1, int(p*float64(len(lat))))] }
	fmt.Printf("detection, interval 1s, threshold 1, %d flips: failing response -> incident committed: median %s, p99 %s, max %s\n",
		n, q(0.5).Round(10*time.Microsecond), q(0.99).Round(10*time.Microsecond), lat[len(lat)-1].Round(10*time.Microsecond))
	return nil
}
