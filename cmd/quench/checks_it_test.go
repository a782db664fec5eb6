package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/quench-sh/quench"
	"github.com/quench-sh/quench/check"
	"github.com/quench-sh/quench/internal/throwaway"
	"github.com/quench-sh/quench/sqldb"
	"github.com/quench-sh/quench/sqldb/sqldbtest"
)

// hitLog records when each path of a check target was requested.
type hitLog struct {
	mu   sync.Mutex
	hits map[string][]time.Time
	srv  *httptest.Server
}

func newHitLog(t *testing.T) *hitLog {
	h := &hitLog{hits: map[string][]time.Time{}}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.mu.Lock()
		h.hits[r.URL.Path] = append(h.hits[r.URL.Path], time.Now())
		h.mu.Unlock()
		w.Write([]byte("ok"))
	}))
	t.Cleanup(h.srv.Close)
	return h
}

// after returns the first request to path after t, or the zero time.
func (h *hitLog) after(path string, t time.Time) time.Time {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, at := range h.hits[path] {
		if at.After(t) {
			return at
		}
	}
	return time.Time{}
}

func (h *hitLog) count(path string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.hits[path])
}

// TestChecksLeaderTakeover runs two quench serve processes on one
// PostgreSQL, each with a check on its own path of a target: only the
// leader's path is polled; after the leader is SIGKILLed the other takes
// over and polls within 10 seconds.
func TestChecksLeaderTakeover(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs real processes; skipped with -short")
	}
	dsn := sqldbtest.DSN(t, sqldb.DialectPostgres)
	bin := itBuildQuench(t)
	target := newHitLog(t)
	cfg := func(path string) string {
		return fmt.Sprintf("checks:\n  - name: api\n    interval: 1s\n    http:\n      url: %s%s\n", target.srv.URL, path)
	}
	db := []string{"--db", dsn}
	a := itStartServeWith(t, bin, t.TempDir(), db, cfg("/a"))
	waitLog(t, a, "this server runs the checks")
	b := itStartServeWith(t, bin, t.TempDir(), db, cfg("/b"))
	started := time.Now()
	waitUntil(t, "the leader polls", func() bool { return !target.after("/a", started).IsZero() })
	// b has asked for the lead by now (it asks every 2 s): still one runner.
	time.Sleep(3 * leaderInterval)
	if n := target.count("/b"); n != 0 {
		t.Fatalf("the follower polled %d times while the leader lived:\n%s", n, b.log())
	}
	a.kill(t)
	killed := time.Now()
	waitUntil(t, "the survivor polls", func() bool { return !target.after("/b", killed).IsZero() })
	took := target.after("/b", killed).Sub(killed)
	t.Logf("takeover: the survivor ran its first check %s after the leader was killed", took.Round(time.Millisecond))
	if took > 10*time.Second {
		t.Errorf("takeover took %s, over 10s", took)
	}
	if !strings.Contains(b.log(), "this server runs the checks") {
		t.Errorf("the survivor does not say it runs the checks:\n%s", b.log())
	}
}

// TestChecksOutages runs quench.example.yaml's postgres and redis checks
// against a throwaway PostgreSQL and Redis: each killed mid-test opens its
// incident with the runbook the index names (db-down, redis-down), and
// restarted resolves it.
func TestChecksOutages(t *testing.T) {
	pg := throwaway.StartPostgres(t)
	rd := throwaway.StartRedis(t)
	env := map[string]string{
		"DB_DSN":     fmt.Sprintf("postgres://app@127.0.0.1:%d/app?sslmode=disable", pg.Port),
		"REDIS_ADDR": rd.Addr(),
	}
	cfg, err := LoadConfig("../../quench.example.yaml", func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	var keep []check.Spec
	for _, c := range cfg.Checks {
		if c.Name == "postgres" || c.Name == "redis" {
			c.Interval, c.Timeout, c.FailureThreshold = time.Second, time.Second, 1
			keep = append(keep, c)
		}
	}
	if len(keep) != 2 {
		t.Fatalf("quench.example.yaml lacks the postgres and redis checks: %v", keep)
	}
	cfg.Checks = keep
	cfg.Data, cfg.Listen, cfg.Runbooks, cfg.DB = t.TempDir(), "127.0.0.1:0", "../../runbooks", ""
	cfg.Env, _ = localPackEnv(t)
	cfg.Paging = PagingConfig{}
	cfg.Heartbeats = nil
	cfg.Diagnosis.Auto = itPtr(false)
	s := openServe(t, cfg, "")
	passing := func(name string) bool {
		sts, _ := s.Checks.Checks(context.Background())
		for _, st := range sts {
			if st.Name == name {
				return st.Status == quench.CheckPassing
			}
		}
		return false
	}
	waitUntil(t, "both checks pass", func() bool { return passing("postgres") && passing("redis") })
	inc := s.Server.Incidents

	pg.Stop()
	waitUntil(t, "PostgreSQL down opens db-down", func() bool {
		i := openByKey(t, inc)["postgres"]
		return i != nil && i.RunbookID == "db-down"
	})
	rd.Stop()
	waitUntil(t, "Redis down opens redis-down", func() bool {
		i := openByKey(t, inc)["redis"]
		return i != nil && i.RunbookID == "redis-down"
	})
	if open := openByKey(t, inc); len(open) != 2 {
		t.Errorf("open incidents %v, want postgres and redis", open)
	}

	pg.Restart(t)
	rd.Restart(t)
	waitUntil(t, "both resolve once restarted", func() bool { return len(openByKey(t, inc)) == 0 })
}
