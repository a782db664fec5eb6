package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/quench-sh/quench/notify"
	"github.com/quench-sh/quench/sqldb"
	"github.com/quench-sh/quench/sqldb/sqldbtest"
)

// pageLog is a webhook receiver that verifies each call and logs, per
// idempotency key, how often and when it arrived.
type pageLog struct {
	mu      sync.Mutex
	count   map[string]int
	first   map[string]time.Time
	byInc   map[int64]time.Time
	srv     *httptest.Server
	arrived chan struct{}
}

func newPageLog(t *testing.T, secret string) *pageLog {
	l := &pageLog{count: map[string]int{}, first: map[string]time.Time{}, byInc: map[int64]time.Time{}, arrived: make(chan struct{}, 1)}
	l.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := notify.VerifyWebhook([]byte(secret), r.Header, body, time.Now(), time.Minute); err != nil {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var p notify.WebhookPayload
		_ = json.Unmarshal(body, &p)
		now := time.Now()
		l.mu.Lock()
		l.count[p.Key]++
		if _, ok := l.first[p.Key]; !ok {
			l.first[p.Key] = now
		}
		if p.Incident != nil && p.Kind == "page" {
			if _, ok := l.byInc[p.Incident.ID]; !ok {
				l.byInc[p.Incident.ID] = now
			}
		}
		l.mu.Unlock()
		select {
		case l.arrived <- struct{}{}:
		default:
		}
	}))
	t.Cleanup(l.srv.Close)
	return l
}

// waitFor waits until cond holds (checked on every arrival) or d passes.
func (l *pageLog) waitFor(d time.Duration, cond func() bool) bool {
	deadline := time.After(d)
	for {
		l.mu.Lock()
		ok := cond()
		l.mu.Unlock()
		if ok {
			return true
		}
		select {
		case <-l.arrived:
		case <-deadline:
			return false
		case <-time.After(100 * time.Millisecond): // a page may have arrived between check and wait
		}
	}
}

// pagingConfig is the YAML a serve process gets: one person on call for
// every role, reached by the receiver's webhook.
func pagingConfig(t *testing.T, hook string) string {
	return fmt.Sprintf("paging:\n  oncall: %s\n  public_url: http://quench.test\n  rate_limit: 1000\n  webhook:\n    secret: s3cret\n",
		onCallFile(t, hook))
}

func ingestGeneric(t *testing.T, base, token string, key string) {
	t.Helper()
	body := fmt.Sprintf(`{"summary":"disk full on %s","severity":"critical","dedup_key":%q}`, key, key)
	req, _ := http.NewRequest("POST", base+"/ingest/generic", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("ingest %s: %v", key, err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		t.Fatalf("ingest %s: %d", key, resp.StatusCode)
	}
}

// TestPagingLeaderTakeover runs two quench serve processes on one
// PostgreSQL: one leads escalation; after it is SIGKILLed the other takes
// over and pages within 10 seconds.
func TestPagingLeaderTakeover(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs real processes; skipped with -short")
	}
	dsn := sqldbtest.DSN(t, sqldb.DialectPostgres)
	bin := itBuildQuench(t)
	log := newPageLog(t, "s3cret")
	cfg := pagingConfig(t, log.srv.URL)
	db := []string{"--db", dsn}
	token := itCreateToken(t, bin, t.TempDir(), db, "ingest", "takeover")
	a := itStartServeWith(t, bin, t.TempDir(), db, cfg)
	waitLog(t, a, "this server leads escalation")
	b := itStartServeWith(t, bin, t.TempDir(), db, cfg)

	ingestGeneric(t, a.url, token, "before")
	if !log.waitFor(10*time.Second, func() bool { return len(log.byInc) == 1 }) {
		t.Fatalf("the leader did not page:\n%s", a.log())
	}
	a.kill(t)
	killed := time.Now()
	ingestGeneric(t, b.url, token, "after")
	if !log.waitFor(15*time.Second, func() bool { return len(log.byInc) == 2 }) {
		t.Fatalf("no page after the leader died:\n%s", b.log())
	}
	log.mu.Lock()
	took := log.byInc[2].Sub(killed)
	log.mu.Unlock()
	t.Logf("takeover: the new leader paged %s after the old one was killed", took.Round(time.Millisecond))
	if took > 10*time.Second {
		t.Errorf("takeover took %s, over 10s", took)
	}
	if !strings.Contains(b.log(), "this server leads escalation") {
		t.Errorf("the survivor does not say it leads:\n%s", b.log())
	}
}

// waitLog waits until a server's log says something.
func waitLog(t *testing.T, s *itServer, what string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(s.log(), what) {
		if time.Now().After(deadline) {
			t.Fatalf("the server never logged %q:\n%s", what, s.log())
		}
		time.Sleep(50 * time.Millisecond) // the log file is written by another process
	}
}

// TestPagingCrashStorm SIGKILLs quench serve in the middle of a storm of
// 1,000 pages and restarts it on the same data: every page arrives, and
// only one that was in flight at the kill may arrive twice. It reports the
// duplicates.
func TestPagingCrashStorm(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs real processes; skipped with -short")
	}
	bin := itBuildQuench(t)
	for _, dialect := range sqldbtest.Dialects(t) {
		t.Run(dialect, func(t *testing.T) {
			var db []string
			if dialect == sqldb.DialectPostgres {
				db = []string{"--db", sqldbtest.DSN(t, dialect)}
			}
			crashStorm(t, bin, db, 1000)
		})
	}
}

func crashStorm(t *testing.T, bin string, db []string, n int) {
	log := newPageLog(t, "s3cret")
	cfg := pagingConfig(t, log.srv.URL)
	data := t.TempDir()
	token := itCreateToken(t, bin, data, db, "ingest", "storm")
	srv := itStartServeWith(t, bin, data, db, cfg)
	// One request carries the whole storm: every alert is committed before
	// the answer, so every incident must be paged, kill or not.
	var alerts []string
	for i := range n {
		alerts = append(alerts, fmt.Sprintf(`{"summary":"storm %d","severity":"critical","dedup_key":"storm-%d"}`, i, i))
	}
	req, _ := http.NewRequest("POST", srv.url+"/ingest/generic", bytes.NewReader([]byte("["+strings.Join(alerts, ",")+"]")))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		t.Fatalf("storm ingest: %d", resp.StatusCode)
	}
	// Kill once some pages arrived, with more on the way.
	if !log.waitFor(30*time.Second, func() bool { return len(log.byInc) >= n/10 }) {
		t.Fatalf("no pages before the kill:\n%s", srv.log())
	}
	srv.kill(t)
	// Requests the server wrote before it died may still be read by the
	// receiver after the kill: they went out before the crash, so wait
	// until arrivals stop before counting them.
	settled := -1
	for range 50 {
		log.mu.Lock()
		got := len(log.byInc)
		log.mu.Unlock()
		if got == settled {
			break
		}
		settled = got
		time.Sleep(200 * time.Millisecond)
	}
	log.mu.Lock()
	before := len(log.byInc)
	for key, c := range log.count {
		if c > 1 {
			t.Errorf("%s arrived %d times before the crash", key, c)
		}
	}
	log.mu.Unlock()
	srv = itStartServeWith(t, bin, data, db, cfg)
	if !log.waitFor(60*time.Second, func() bool { return len(log.byInc) == n }) {
		log.mu.Lock()
		got := len(log.byInc)
		log.mu.Unlock()
		t.Fatalf("after the restart %d of %d incidents were paged:\n%s", got, n, srv.log())
	}
	log.mu.Lock()
	defer log.mu.Unlock()
	dups := 0
	for _, c := range log.count {
		if c > 1 {
			dups += c - 1
		}
	}
	t.Logf("storm of %d pages: %d arrived before the SIGKILL, all %d after the restart, %d duplicate(s)", n, before, n, dups)
	// A page is repeated only when it was sent before the crash and its
	// outcome not yet recorded: never more than once, never one that had
	// not gone out.
	for key, c := range log.count {
		if c > 2 {
			t.Errorf("%s arrived %d times", key, c)
		}
	}
	if dups > before {
		t.Errorf("%d duplicates, but only %d pages had gone out before the crash", dups, before)
	}
}

// TestPagingCommandsOnNonLeader runs two quench serve processes on one
// PostgreSQL and sends `quench page`, `quench escalate` and `quench notify
// test` to the one that does not lead escalation, as a load balancer
// would: each works (the leader runs it from the paging command queue),
// pages arrive, and the audit trail names the person who asked.
func TestPagingCommandsOnNonLeader(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs real processes; skipped with -short")
	}
	dsn := sqldbtest.DSN(t, sqldb.DialectPostgres)
	bin := itBuildQuench(t)
	log := newPageLog(t, "s3cret")
	cfg := pagingConfig(t, log.srv.URL)
	db := []string{"--db", dsn}
	data := t.TempDir()
	ingest := itCreateToken(t, bin, data, db, "ingest", "noleader-ingest")
	carol := itCreateToken(t, bin, data, db, "responder", "carol")
	admin := itCreateToken(t, bin, data, db, "admin", "noleader-admin")
	a := itStartServeWith(t, bin, t.TempDir(), db, cfg)
	waitLog(t, a, "this server leads escalation")
	b := itStartServeWith(t, bin, t.TempDir(), db, cfg)

	ingestGeneric(t, a.url, ingest, "noleader")
	if !log.waitFor(15*time.Second, func() bool { return len(log.byInc) == 1 }) {
		t.Fatalf("the leader did not page:\n%s", a.log())
	}
	var id int64
	log.mu.Lock()
	for k := range log.byInc {
		id = k
	}
	log.mu.Unlock()
	cli := func(token string, args ...string) string {
		t.Helper()
		var stdout, stderr bytes.Buffer
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if code := run(ctx, append(args, "--url", b.url, "--token", token), strings.NewReader(""), &stdout, &stderr); code != 0 {
			t.Fatalf("quench %s on the server that does not lead: exit %d\n%s%s\nleader:\n%s\nother:\n%s",
				strings.Join(args, " "), code, stdout.String(), stderr.String(), a.log(), b.log())
		}
		return stdout.String()
	}
	arrived := func(what string, match func(key string) bool) {
		t.Helper()
		if !log.waitFor(15*time.Second, func() bool {
			for k := range log.count {
				if match(k) {
					return true
				}
			}
			return false
		}) {
			t.Fatalf("%s never arrived:\n%s", what, a.log())
		}
	}

	if out := cli(carol, "page", "backend-lead", "join the bridge", "--incident", strconv.FormatInt(id, 10)); !strings.Contains(out, "paged bob") {
		t.Errorf("quench page: %s", out)
	}
	arrived("the page to bob", func(k string) bool { return strings.HasPrefix(k, "m") && strings.Contains(k, "-bob-") })
	cli(carol, "escalate", strconv.FormatInt(id, 10))
	arrived("the escalation by hand", func(k string) bool { return strings.HasPrefix(k, "e") && strings.Contains(k, fmt.Sprintf("-i%d-", id)) })
	if out := cli(carol, "notify", "test", "alice"); !regexp.MustCompile(`hook\s+webhook\s+ok`).MatchString(out) {
		t.Errorf("quench notify test: %s", out)
	}

	out := cli(admin, "audit", "--limit", "1000", "--json")
	for _, action := range []string{"paging.page", "paging.escalate", "paging.test"} {
		if !regexp.MustCompile(`"actor":\s*"carol",\s*"action":\s*"` + regexp.QuoteMeta(action) + `"`).MatchString(out) {
			t.Errorf("the audit trail lacks %s by carol:\n%s", action, out)
		}
	}
	if strings.Contains(b.log(), "another server holds the lead") {
		t.Errorf("the server that does not lead refused a command:\n%s", b.log())
	}
	if n := strings.Count(a.log(), "ran a paging command for another server"); n != 3 {
		t.Errorf("the leader ran %d commands for the other server, want 3:\n%s", n, a.log())
	}
}
