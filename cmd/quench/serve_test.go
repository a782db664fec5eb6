package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// startServe runs `quench serve` in-process on a free port with a fresh
// SQLite data directory and the shipped runbook pack, whose variables point
// at a local stub of the API: the automatic diagnosis runs, and reaches
// nothing past loopback.
func startServe(t *testing.T) (*ServeCommand, string, *apiStub) {
	t.Helper()
	dir := t.TempDir()
	cfg := DefaultConfig()
	cfg.Data, cfg.Listen, cfg.Runbooks = dir, "127.0.0.1:0", "../../runbooks"
	var stub *apiStub
	cfg.Env, stub = localPackEnv(t)
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
	return s, dir, stub
}

func createToken(t *testing.T, dir, role, name string) string {
	t.Helper()
	code, out, errOut := runCmd(t, "token", "create", "--role", role, "--name", name, "--data", dir)
	if code != 0 {
		t.Fatalf("token create: exit %d: %s", code, errOut)
	}
	return strings.TrimSpace(out)
}

func TestServeEndToEnd(t *testing.T) {
	s, dir, stub := startServe(t)
	ingest := createToken(t, dir, "ingest", "alertmanager")
	if len(ingest) != 32 {
		t.Errorf("ingest token has %d characters, want 32 (a PagerDuty routing key)", len(ingest))
	}
	responder := createToken(t, dir, "responder", "alice")
	viewer := createToken(t, dir, "viewer", "victor")

	body := `{"version":"4","status":"firing","receiver":"quench","groupKey":"{}:{}","groupLabels":{},
	  "commonLabels":{},"commonAnnotations":{},"externalURL":"http://am","truncatedAlerts":0,
	  "alerts":[{"status":"firing","labels":{"alertname":"PostgresDown","instance":"db:5432"},
	    "annotations":{"summary":"Postgres is down"},"startsAt":"2026-11-26T03:00:00Z",
	    "endsAt":"0001-01-01T00:00:00Z","fingerprint":"abc123"}]}`
	req, _ := http.NewRequest("POST", s.Server.URL()+"/ingest/alertmanager", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+ingest)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		t.Fatalf("ingest: status %d", resp.StatusCode)
	}

	// The incident's diagnosis ran the pack's first steps against the stub.
	waitProbes(t, stub)

	t.Setenv("QUENCH_URL", s.Server.URL())
	t.Setenv("QUENCH_TOKEN", responder)

	code, out, errOut := runCmd(t, "incidents")
	if code != 0 || !strings.Contains(out, "db-down") || !strings.Contains(out, "Postgres is down") {
		t.Fatalf("incidents: exit %d\n%s%s", code, out, errOut)
	}
	code, out, _ = runCmd(t, "incidents", "--json")
	var list struct {
		Incidents []struct {
			ID      int64   `json:"id"`
			Runbook *string `json:"runbook"`
			Status  string  `json:"status"`
		} `json:"incidents"`
	}
	if err := json.Unmarshal([]byte(out), &list); err != nil || code != 0 || len(list.Incidents) != 1 {
		t.Fatalf("incidents --json: exit %d, %v: %s", code, err, out)
	}
	if rb := list.Incidents[0].Runbook; rb == nil || *rb != "db-down" {
		t.Errorf("runbook = %v, want db-down", rb)
	}

	for _, step := range []struct {
		args []string
		want string
	}{
		{[]string{"ack", "1"}, "incident #1 is acknowledged"},
		{[]string{"note", "1", "restarted", "db"}, "note added to incident #1"},
		{[]string{"resolve", "1"}, "incident #1 is resolved"},
		{[]string{"incident", "1"}, "restarted db"},
	} {
		code, out, errOut := runCmd(t, step.args...)
		if code != 0 || !strings.Contains(out, step.want) {
			t.Errorf("quench %v: exit %d, want %q in output\n%s%s", step.args, code, step.want, out, errOut)
		}
	}

	// Errors say what to do next.
	code, _, errOut = runCmd(t, "resolve", "1")
	if code != 1 || !strings.Contains(errOut, "resolved") {
		t.Errorf("resolving twice: exit %d, stderr %q", code, errOut)
	}
	code, _, errOut = runCmd(t, "ack", "1", "--token", viewer)
	if code != 1 || !strings.Contains(errOut, "needs a responder token or better, not a viewer token; on the server's machine create one with `quench token create --role responder") {
		t.Errorf("ack as viewer: exit %d, stderr %q", code, errOut)
	}
	code, _, errOut = runCmd(t, "incident", "abc")
	if code != 1 || !strings.Contains(errOut, "positive number") {
		t.Errorf("bad id: exit %d, stderr %q", code, errOut)
	}
	t.Setenv("QUENCH_TOKEN", "")
	code, _, errOut = runCmd(t, "incidents")
	if code != 1 || !strings.Contains(errOut, "QUENCH_TOKEN") {
		t.Errorf("no token: exit %d, stderr %q", code, errOut)
	}
}

func TestTokenCommands(t *testing.T) {
	dir := t.TempDir()
	createToken(t, dir, "admin", "ops")
	if code, _, errOut := runCmd(t, "token", "create", "--role", "root", "--name", "x", "--data", dir); code != 1 || !strings.Contains(errOut, "want one of") {
		t.Errorf("bad role: exit %d, %q", code, errOut)
	}
	if code, _, errOut := runCmd(t, "token", "create", "--role", "admin", "--name", "ops", "--data", dir); code != 1 {
		t.Errorf("duplicate name: exit %d, %q", code, errOut)
	}
	code, out, _ := runCmd(t, "token", "list", "--data", dir)
	if code != 0 || !strings.Contains(out, "ops") || !strings.Contains(out, "admin") {
		t.Errorf("token list: exit %d\n%s", code, out)
	}
	if code, _, errOut := runCmd(t, "token", "revoke", "ops", "--data", dir); code != 0 {
		t.Errorf("revoke: exit %d, %q", code, errOut)
	}
	if code, _, _ := runCmd(t, "token", "revoke", "ops", "--data", dir); code != 1 {
		t.Errorf("revoking twice: exit %d, want 1", code)
	}
}

// Store commands find the server's store through its --config, and never
// leave an empty database where nobody asked for one.
func TestStoreCommandsFindTheServersStore(t *testing.T) {
	work := t.TempDir()
	t.Chdir(work)
	data := filepath.Join(work, "elsewhere")
	cfg := filepath.Join(work, "quench.yaml")
	if err := os.WriteFile(cfg, []byte("data: "+data+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"token", "list"},
		{"token", "revoke", "ops"},
		{"token", "create", "--role", "admin", "--name", "ops"},
		{"audit", "verify"},
	} {
		code, _, errOut := runCmd(t, args...)
		if code != 1 || !strings.Contains(errOut, "no quench database at quench-data/quench.db") {
			t.Errorf("%v in an empty directory: exit %d %q, want 1 and where it looked", args, code, errOut)
		}
	}
	if _, err := os.Stat(filepath.Join(work, "quench-data")); !os.IsNotExist(err) {
		t.Fatalf("a store command created ./quench-data: %v", err)
	}
	if code, _, errOut := runCmd(t, "token", "create", "--role", "admin", "--name", "ops", "--config", cfg); code != 0 {
		t.Fatalf("token create --config: exit %d %q", code, errOut)
	}
	code, out, errOut := runCmd(t, "token", "list", "--data", data)
	if code != 0 || !strings.Contains(out, "ops") {
		t.Fatalf("the token is not in the config's data directory: exit %d %q %q", code, out, errOut)
	}
}

// TestServeWebUI checks serve wires the web UI: the sign-in page, a
// session from a token, and the shipped pack's runbooks and index.
func TestServeWebUI(t *testing.T) {
	s, dir, _ := startServe(t)
	responder := createToken(t, dir, "responder", "alice")
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	resp, err := c.Get(s.Server.URL() + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Request.URL.Path != "/login" {
		t.Fatalf("/ signed out went to %s, want /login", resp.Request.URL)
	}
	resp, err = c.PostForm(s.Server.URL()+"/login", url.Values{"token": {responder}, "next": {"/runbooks"}})
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	// The index as runbooks/README.md has it, linking to each runbook's page.
	for _, want := range []string{"Infrastructure &amp; Services", `href="/runbooks/db-down"`, "Database Down", "alice"} {
		if resp.StatusCode != 200 || !strings.Contains(string(page), want) {
			t.Fatalf("runbooks page after sign-in: %d, lacks %q", resp.StatusCode, want)
		}
	}
	resp, err = c.Get(s.Server.URL() + "/runbooks/db-down")
	if err != nil {
		t.Fatal(err)
	}
	page, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(page), `id="step-start-db"`) || !strings.Contains(string(page), "class-mutating") {
		t.Fatalf("db-down page: %d, no classified start-db step", resp.StatusCode)
	}
}
