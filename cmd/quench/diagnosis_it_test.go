package main

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/quench-sh/quench"
	"github.com/quench-sh/quench/sqldb"
	"github.com/quench-sh/quench/sqldb/sqldbtest"
)

// tinyPack writes a runbook pack whose one first step is quick and
// harmless, and whose one runbook the test alerts never match: each
// incident gets a diagnosis of its own (nothing to share).
func tinyPack(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"pack.yaml": `categories:
  - Infrastructure & Services
roles:
  - id: oncall-ops
    name: On-call
    scope: Everything
    contact_when: Always
first_steps:
  - name: first
    title: First step
    command: sleep 0.05; echo first step for $QUENCH_INCIDENT_ID
`,
		"never.md": "---\nid: never\ntitle: Never\ncategory: Infrastructure & Services\norder: 1\nseverity: low\nsignal: nothing\nmatch:\n  - labels.alertname == \"NeverSent\"\nescalation: [oncall-ops]\n---\n# Never\n\n## Alert signal\n\nNothing.\n\n## Quick diagnosis\n\n1. Nothing.\n   ```sh\n   true\n   ```\n\n## Likely causes\n\nNone.\n\n## Safe remediation steps\n\nNone.\n\n## Rollback/restore pointers\n\nNone.\n\n## Escalation roles\n\nOn-call.\n",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// itStartDiagnosing starts `quench serve` with automatic diagnosis on the
// tiny pack, workers 4.
func itStartDiagnosing(t *testing.T, bin, data, pack string, dbArgs []string) *itServer {
	t.Helper()
	addr := itFreeAddr(t)
	logf, err := os.CreateTemp(t.TempDir(), "serve-*.log")
	if err != nil {
		t.Fatal(err)
	}
	config := filepath.Join(t.TempDir(), "quench.yaml")
	if err := os.WriteFile(config, []byte("diagnosis:\n  workers: 4\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	args := append([]string{"serve", "--config", config, "--data", data, "--listen", addr, "--runbooks", pack}, dbArgs...)
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
	itWaitHTTP(t, s.url+"/readyz", 60*time.Second, s.exited, s.log)
	return s
}

// postAlert opens (or repeats) the incident of key; false when the server
// did not answer 2xx.
func postAlert(base, token, key string) bool {
	body := fmt.Sprintf(`{"summary":"storm %s","severity":"high","dedup_key":%q}`, key, key)
	req, _ := http.NewRequest("POST", base+"/ingest/generic", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	c := &http.Client{Timeout: 30 * time.Second}
	resp, err := c.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode/100 == 2
}

// diagnosisCounts reads, per incident, how many times its first step
// finished for real (not cut off) and how many of its step starts have no
// finish, straight from the database.
func diagnosisCounts(t *testing.T, db *sql.DB) (incidents int, done map[int64]int, unfinished int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM incidents`).Scan(&incidents); err != nil {
		t.Fatal(err)
	}
	rows, err := db.QueryContext(ctx, `SELECT incident_id, kind, data FROM timeline_events WHERE kind IN ('step_started', 'step_finished') ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	done = map[int64]int{}
	open := map[int64]int{}
	for rows.Next() {
		var id int64
		var kind, data string
		if err := rows.Scan(&id, &kind, &data); err != nil {
			t.Fatal(err)
		}
		switch {
		case kind == quench.EventStepStarted:
			open[id]++
		default:
			open[id]--
			if !strings.Contains(data, `"canceled":true`) {
				done[id]++
			}
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for _, n := range open {
		unfinished += n
	}
	return incidents, done, unfinished
}

// waitDiagnosed waits until every incident's first step finished, then
// checks each did exactly once and no step is left running.
func waitDiagnosed(t *testing.T, db *sql.DB, within time.Duration, logs func() string) int {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		n, done, unfinished := diagnosisCounts(t, db)
		if len(done) == n && unfinished == 0 {
			for id, c := range done {
				if c != 1 {
					t.Errorf("incident %d diagnosed %d times, want once", id, c)
				}
			}
			return n
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %d of %d incidents diagnosed, %d steps without a finish\n%s", within, len(done), n, unfinished, logs())
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// TestDiagnosisSurvivesCrash SIGKILLs quench serve during a storm of
// opening incidents, with diagnoses queued and running, and restarts it on
// the same SQLite file: every incident is diagnosed exactly once, and the
// steps cut off by the kill are marked interrupted, not left running.
func TestDiagnosisSurvivesCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs real processes; skipped with -short")
	}
	bin := itBuildQuench(t)
	pack := tinyPack(t)
	data := t.TempDir()
	token := itCreateToken(t, bin, data, nil, "ingest", "storm")
	srv := itStartDiagnosing(t, bin, data, pack, nil)
	db, err := sql.Open("sqlite", filepath.Join(data, "quench.db")+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	const n = 200
	var wg sync.WaitGroup
	keys := make(chan int, n)
	for i := range n {
		keys <- i
	}
	close(keys)
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range keys {
				postAlert(srv.url, token, fmt.Sprintf("storm-%d", i))
			}
		}()
	}
	// Kill once some diagnoses finished and many are still to come.
	deadline := time.Now().Add(120 * time.Second)
	for {
		_, done, _ := diagnosisCounts(t, db)
		if len(done) >= 10 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no diagnosis finished in 120s:\n%s", srv.log())
		}
		time.Sleep(50 * time.Millisecond)
	}
	srv.kill(t)
	wg.Wait()
	incidents, done, unfinished := diagnosisCounts(t, db)
	t.Logf("at the kill: %d incidents, %d diagnosed, %d steps cut off", incidents, len(done), unfinished)
	if len(done) == incidents {
		t.Logf("every diagnosis finished before the kill: the crash tested nothing queued")
	}

	again := itStartDiagnosing(t, bin, data, pack, nil)
	got := waitDiagnosed(t, db, 5*time.Minute, again.log)
	t.Logf("after the restart: %d incidents, each diagnosed once", got)
}

// TestDiagnosisSharedAmongInstances runs three quench serve processes on
// one PostgreSQL and SIGKILLs one during a burst of 500 opening incidents:
// every incident gets exactly one diagnosis (the survivors take the dead
// one's claimed work once its lease runs out), and the incident events
// reach a subscriber on each surviving instance.
func TestDiagnosisSharedAmongInstances(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs real processes; skipped with -short")
	}
	dsn := sqldbtest.DSN(t, sqldb.DialectPostgres)
	bin := itBuildQuench(t)
	pack := tinyPack(t)
	dbArgs := []string{"--db", dsn}
	token := itCreateToken(t, bin, t.TempDir(), dbArgs, "ingest", "burst")
	viewer := itCreateToken(t, bin, t.TempDir(), dbArgs, "viewer", "watcher")
	var servers []*itServer
	for range 3 {
		servers = append(servers, itStartDiagnosing(t, bin, t.TempDir(), pack, dbArgs))
	}
	streams := map[int]*eventStream{1: subscribeEvents(t, servers[1].url, viewer), 2: subscribeEvents(t, servers[2].url, viewer)}

	const n = 500
	var posted atomic.Int64
	var wg sync.WaitGroup
	keys := make(chan int, n)
	for i := range n {
		keys <- i
	}
	close(keys)
	for w := range 24 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range keys {
				key := fmt.Sprintf("burst-%d", i)
				// Round robin; an alert the dead server did not take
				// goes to a survivor (a repeat if it was taken after all).
				if !postAlert(servers[(i+w)%3].url, token, key) && !postAlert(servers[1+i%2].url, token, key) {
					t.Errorf("no server took %s", key)
				}
				posted.Add(1)
			}
		}()
	}
	for posted.Load() < n/3 {
		time.Sleep(10 * time.Millisecond)
	}
	servers[0].kill(t)
	wg.Wait()

	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Del("pool_max_conns") // the store's setting, not the server's
	u.RawQuery = q.Encode()
	pg, err := sql.Open("pgx", u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	pg.SetMaxOpenConns(1)
	got := waitDiagnosed(t, pg, 5*time.Minute, func() string { return servers[1].log() + servers[2].log() })
	if got != n {
		t.Errorf("%d incidents, want %d", got, n)
	}
	// Each survivor's stream saw incidents open on both instances.
	for i, st := range streams {
		local, remote := 0, 0
		timeout := time.After(30 * time.Second)
	read:
		for local+remote < n/2 {
			select {
			case ev := <-st.events:
				if ev.Kind == quench.IncidentOpened {
					if ev.Remote {
						remote++
					} else {
						local++
					}
				}
			case <-timeout:
				break read
			}
		}
		t.Logf("server %d's event stream: %d incidents opened here, %d elsewhere", i, local, remote)
		if local == 0 || remote == 0 {
			t.Errorf("server %d's stream: %d local and %d remote opened events, want both", i, local, remote)
		}
	}
}
