package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/quench-sh/quench/notify"
)

// hookReceiver is a local webhook endpoint that verifies quench's
// signature and hands every payload to the test.
type hookReceiver struct {
	t      *testing.T
	secret []byte
	srv    *httptest.Server
	got    chan notify.WebhookPayload
	mu     sync.Mutex
	bad    []string
}

func newHookReceiver(t *testing.T, secret string) *hookReceiver {
	h := &hookReceiver{t: t, secret: []byte(secret), got: make(chan notify.WebhookPayload, 100)}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := notify.VerifyWebhook(h.secret, r.Header, body, time.Now(), time.Minute); err != nil {
			h.mu.Lock()
			h.bad = append(h.bad, err.Error())
			h.mu.Unlock()
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var p notify.WebhookPayload
		if err := json.Unmarshal(body, &p); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		h.got <- p
	}))
	t.Cleanup(h.srv.Close)
	return h
}

// next waits for the next payload (the engine runs on the real clock).
func (h *hookReceiver) next(what string) notify.WebhookPayload {
	h.t.Helper()
	select {
	case p := <-h.got:
		return p
	case <-time.After(20 * time.Second):
		h.mu.Lock()
		defer h.mu.Unlock()
		h.t.Fatalf("%s: no webhook arrived (bad signatures: %v)", what, h.bad)
		return notify.WebhookPayload{}
	}
}

// onCallFile writes an on-call file that binds the pack's seven roles:
// the ops role to a schedule of alice, the rest to bob; both are reached
// by the receiver's webhook.
func onCallFile(t *testing.T, hook string) string {
	t.Helper()
	src := `people:
  - id: alice
    time_zone: Europe/Berlin
    contacts: [{name: hook, kind: webhook, address: "` + hook + `/alice"}]
  - id: bob
    time_zone: America/New_York
    contacts: [{name: hook, kind: webhook, address: "` + hook + `/bob"}]
schedules:
  - id: ops-primary
    time_zone: Europe/Berlin
    layers:
      - {rotation: weekly, start: "2020-01-06 09:00", participants: [alice]}
roles:
  oncall-ops: {schedule: ops-primary}
  backend-lead: {people: [bob]}
  data-db-owner: {people: [bob]}
  infra-owner: {people: [bob]}
  finance-owner: {people: [bob]}
  support-lead: {people: [bob], notify_only: true}
  security-compliance: {role: data-db-owner}
policies:
  critical: {step_delay: 1h, repeat: 0}
`
	p := filepath.Join(t.TempDir(), "oncall.yaml")
	if err := os.WriteFile(p, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestServePaging runs quench serve with paging on: an alert pages the
// on-call person by a signed webhook, the CLI shows who is on call, an ack
// stops paging, escalate and page reach the next role, notify test
// reports each method, and reload refuses a broken file whole.
func TestServePaging(t *testing.T) {
	hook := newHookReceiver(t, "s3cret")
	oncall := onCallFile(t, hook.srv.URL)
	dir := t.TempDir()
	cfg := DefaultConfig()
	cfg.Data, cfg.Listen, cfg.Runbooks = dir, "127.0.0.1:0", "../../runbooks"
	cfg.Paging.OnCall, cfg.Paging.PublicURL, cfg.Paging.Webhook.Secret = oncall, "http://quench.test", "s3cret"
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
	ingest := createToken(t, dir, "ingest", "checks")
	alice := createToken(t, dir, "responder", "alice")
	admin := createToken(t, dir, "admin", "root")
	t.Setenv("QUENCH_URL", s.Server.URL())
	t.Setenv("QUENCH_TOKEN", alice)

	post := func(path, token, body string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest("POST", s.Server.URL()+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	resp := post("/ingest/generic", ingest, `{"summary":"Postgres is down","severity":"critical","labels":{"alertname":"PostgresDown"}}`)
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		t.Fatalf("ingest: %d", resp.StatusCode)
	}
	p := hook.next("the first page")
	if p.Person != "alice" || p.Kind != "page" || p.Role != "oncall-ops" || p.Incident == nil || p.Incident.ID != 1 ||
		!strings.HasPrefix(p.AckURL, "http://quench.test/a/") || p.Runbook != "Database Down" {
		t.Fatalf("page %+v", p)
	}

	code, out, errOut := runCmd(t, "oncall")
	if code != 0 || !strings.Contains(out, "oncall-ops (On-call Engineer (Ops))") || !strings.Contains(out, "alice") ||
		!strings.Contains(out, "notify-only") {
		t.Fatalf("oncall: %d\n%s%s", code, out, errOut)
	}
	if code, out, _ := runCmd(t, "ack", "1"); code != 0 {
		t.Fatalf("ack: %s", out)
	}
	code, out, errOut = runCmd(t, "escalate", "1")
	if code != 0 || !strings.Contains(out, "step 2 (data-db-owner) paged bob") {
		t.Fatalf("escalate: %d %s%s", code, out, errOut)
	}
	if p := hook.next("escalated by hand"); p.Person != "bob" || p.Step != 2 {
		t.Fatalf("escalated page %+v", p)
	}
	code, out, errOut = runCmd(t, "page", "backend-lead", "please join the bridge", "--incident", "1")
	if code != 0 || !strings.Contains(out, "paged bob") {
		t.Fatalf("page: %d %s%s", code, out, errOut)
	}
	if p := hook.next("manual page"); p.Person != "bob" || p.Kind != "manual" || !strings.Contains(p.Text, "alice: please join the bridge") {
		t.Fatalf("manual page %+v", p)
	}
	code, out, errOut = runCmd(t, "notify", "test", "alice")
	if code != 0 || !strings.Contains(out, "hook") || !strings.Contains(out, "ok") {
		t.Fatalf("notify test: %d %s%s", code, out, errOut)
	}
	if p := hook.next("test"); p.Kind != "test" {
		t.Fatalf("test message %+v", p)
	}

	// A broken on-call file is refused whole, with file:line, and the one
	// in force stays.
	if err := os.WriteFile(oncall, []byte("people:\n  - id: alice\n    time_zone: Mars/Olympus\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	resp = post("/api/v1/reload", admin, "")
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 400 || !strings.Contains(string(body), oncall+":3:") {
		t.Fatalf("reload of a broken file: %d %s", resp.StatusCode, body)
	}
	if code, out, _ := runCmd(t, "oncall", "oncall-ops"); code != 0 || !strings.Contains(out, "alice") {
		t.Fatalf("after a refused reload: %s", out)
	}
	// SIGHUP reloads a fixed file: now bob is on call for ops.
	fixed := strings.Replace(mustRead(t, onCallFile(t, hook.srv.URL)), "participants: [alice]", "participants: [bob]", 1)
	if err := os.WriteFile(oncall, []byte(fixed), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, out, _ := runCmd(t, "oncall", "oncall-ops")
		if strings.Contains(out, "bob") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("SIGHUP did not reload: %s", out)
		}
		time.Sleep(20 * time.Millisecond) // the signal is handled asynchronously
	}
	// Resolving tells everyone who was paged.
	if code, out, _ := runCmd(t, "resolve", "1"); code != 0 {
		t.Fatalf("resolve: %s", out)
	}
	seen := map[string]bool{}
	for range 2 {
		p := hook.next("resolved notices")
		if p.Kind != "resolved" {
			t.Fatalf("after resolve: %+v", p)
		}
		seen[p.Person] = true
	}
	if !seen["alice"] || !seen["bob"] {
		t.Errorf("resolve told %v, want alice and bob", seen)
	}
}

func mustRead(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
