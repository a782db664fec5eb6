package main

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/quench-sh/quench"
	"github.com/quench-sh/quench/sqldb"
	"github.com/quench-sh/quench/sqldb/sqldbtest"
)

// eventStream is a client of GET /api/v1/events.
type eventStream struct {
	events chan quench.IncidentEvent
	lagged chan struct{}
}

// subscribeEvents opens GET /api/v1/events on a server and delivers its
// incident events until the test ends. It returns once the stream started,
// so every event published after it is seen.
func subscribeEvents(t *testing.T, base, token string) *eventStream {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/v1/events", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET /api/v1/events: %v", err)
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		t.Fatalf("GET /api/v1/events: %s", resp.Status)
	}
	s := &eventStream{events: make(chan quench.IncidentEvent, 1<<16), lagged: make(chan struct{}, 1)}
	go func() {
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		name := ""
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "event: "):
				name = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: ") && name == "incident":
				var ev quench.IncidentEvent
				if json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &ev) == nil {
					s.events <- ev
				}
			case strings.HasPrefix(line, "data: ") && name == "lagged":
				select {
				case s.lagged <- struct{}{}:
				default:
				}
			}
		}
	}()
	return s
}

// next returns the next event of the stream matching keep, failing the
// test after within.
func (s *eventStream) next(t *testing.T, within time.Duration, keep func(quench.IncidentEvent) bool) quench.IncidentEvent {
	t.Helper()
	deadline := time.After(within)
	for {
		select {
		case ev := <-s.events:
			if keep(ev) {
				return ev
			}
		case <-deadline:
			t.Fatalf("no matching incident event within %s", within)
		}
	}
}

// TestServeSharesEventsOnPostgres runs two servers on one PostgreSQL: an
// incident opened through one is announced on the other's event stream.
func TestServeSharesEventsOnPostgres(t *testing.T) {
	dsn := sqldbtest.DSN(t, sqldb.DialectPostgres)
	var servers []*ServeCommand
	for range 2 {
		cfg := DefaultConfig()
		cfg.Data, cfg.Listen, cfg.Runbooks, cfg.DB = t.TempDir(), "127.0.0.1:0", "../../runbooks", dsn
		off := false
		cfg.Diagnosis.Auto = &off
		s := &ServeCommand{Config: cfg}
		if err := s.Open(context.Background()); err != nil {
			t.Fatalf("serve: %v", err)
		}
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := s.Close(ctx); err != nil {
				t.Errorf("close: %v", err)
			}
		})
		servers = append(servers, s)
	}
	dir := t.TempDir()
	ingestToken := createTokenDB(t, dir, dsn, "ingest", "events-test")
	viewer := createTokenDB(t, dir, dsn, "viewer", "watcher")
	streams := []*eventStream{subscribeEvents(t, servers[0].Server.URL(), viewer), subscribeEvents(t, servers[1].Server.URL(), viewer)}
	ingestGeneric(t, servers[0].Server.URL(), ingestToken, "shared-event")
	for i, st := range streams {
		ev := st.next(t, 30*time.Second, func(ev quench.IncidentEvent) bool { return ev.Kind == quench.IncidentOpened })
		if ev.Severity != quench.SeverityCritical || ev.Remote != (i == 1) {
			t.Errorf("server %d: %+v, want a critical opened incident (remote %v)", i, ev, i == 1)
		}
	}
}

func createTokenDB(t *testing.T, dir, dsn, role, name string) string {
	t.Helper()
	code, out, errOut := runCmd(t, "token", "create", "--role", role, "--name", name, "--data", dir, "--db", dsn)
	if code != 0 {
		t.Fatalf("token create: exit %d: %s", code, errOut)
	}
	return strings.TrimSpace(out)
}
