package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestAlertmanagerWebhook runs a real Alertmanager whose webhook receiver
// is a quench server: alerts posted to Alertmanager's API must open
// incidents with the right runbook, and resolve when Alertmanager sends
// them resolved.
func TestAlertmanagerWebhook(t *testing.T) {
	amBin := itAlertmanagerBinary(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	data := t.TempDir()
	ingestToken := itTokenInProcess(t, ctx, data, "ingest", "alertmanager")
	readToken := itTokenInProcess(t, ctx, data, "responder", "am-test-reader")
	quenchURL := itServeInProcess(t, ctx, data)

	am := itStartAlertmanager(t, amBin, quenchURL+"/ingest/alertmanager", ingestToken)

	// A unique instance label keeps this run's alerts apart from anything
	// else in the store.
	instance := fmt.Sprintf("db-%d:5432", time.Now().UnixNano())
	startsAt := time.Now().Add(-time.Minute).UTC()
	alerts := []map[string]any{
		{
			"labels":      map[string]string{"alertname": "PostgresDown", "instance": instance, "job": "postgres", "severity": "critical"},
			"annotations": map[string]string{"summary": "Postgres is down on " + instance},
			"startsAt":    startsAt,
		},
		{
			"labels":      map[string]string{"alertname": "QuenchTestNothingAnswersThis", "instance": instance, "severity": "warning"},
			"annotations": map[string]string{"summary": "an alert no runbook answers"},
			"startsAt":    startsAt,
		},
	}
	itPostAlertmanager(t, ctx, am.url, alerts)

	want := map[string]*string{"PostgresDown": itPtr("db-down"), "QuenchTestNothingAnswersThis": nil}
	opened := itPollIncidents(t, ctx, quenchURL, readToken, instance, func(byName map[string]itIncident) error {
		for name := range want {
			if _, ok := byName[name]; !ok {
				return fmt.Errorf("no incident yet for %s", name)
			}
		}
		return nil
	}, am.log)
	for name, runbook := range want {
		inc := opened[name]
		if inc.Status != "triggered" {
			t.Errorf("%s: status %q, want triggered", name, inc.Status)
		}
		if !itEqualPtr(inc.Runbook, runbook) {
			t.Errorf("%s: runbook %s, want %s", name, itShow(inc.Runbook), itShow(runbook))
		}
		if inc.AlertCount < 1 {
			t.Errorf("%s: alert_count %d", name, inc.AlertCount)
		}
	}

	// The same alerts with endsAt in the past: Alertmanager resolves them
	// and sends the group again with status resolved.
	endsAt := time.Now().Add(-time.Second).UTC()
	for _, a := range alerts {
		a["endsAt"] = endsAt
	}
	itPostAlertmanager(t, ctx, am.url, alerts)
	resolved := itPollIncidents(t, ctx, quenchURL, readToken, instance, func(byName map[string]itIncident) error {
		for name := range want {
			if inc := byName[name]; inc.Status != "resolved" {
				return fmt.Errorf("%s is %s", name, inc.Status)
			}
		}
		return nil
	}, am.log)
	for name := range want {
		if resolved[name].ID != opened[name].ID {
			t.Errorf("%s: resolved incident %d is not the opened one %d", name, resolved[name].ID, opened[name].ID)
		}
	}
}

// itAlertmanagerBinary finds Alertmanager, or skips (fails with
// QUENCH_REQUIRE_INTEGRATION=1) when it is not installed.
func itAlertmanagerBinary(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"prometheus-alertmanager", "alertmanager"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	itRequire(t, "Alertmanager is not installed (Debian package prometheus-alertmanager)")
	return ""
}

// itTokenInProcess runs `quench token create` through run, as the CLI
// would, and returns the secret.
func itTokenInProcess(t *testing.T, ctx context.Context, data, role, name string) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	args := []string{"token", "create", "--role", role, "--name", name, "--data", data}
	if code := run(ctx, args, strings.NewReader(""), &stdout, &stderr); code != 0 {
		t.Fatalf("quench %s: exit %d\n%s", strings.Join(args, " "), code, stderr.String())
	}
	fields := strings.Fields(stdout.String())
	if len(fields) == 0 {
		t.Fatalf("quench token create printed nothing; stderr:\n%s", stderr.String())
	}
	return fields[len(fields)-1]
}

// itServeInProcess runs ServeCommand on data with the repo's runbook pack
// on a free loopback port and returns its URL; it is closed when the test
// ends.
func itServeInProcess(t *testing.T, ctx context.Context, data string) string {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Data = data
	cfg.Listen = "127.0.0.1:0"
	cfg.Runbooks = filepath.Join("..", "..", "runbooks")
	// The runbooks' diagnosis would run docker and psql on this machine;
	// this test is about the alerts' way in.
	cfg.Diagnosis.Auto = itPtr(false)
	s := &ServeCommand{Config: cfg, Log: slog.New(slog.NewTextHandler(itLogWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))}
	if err := s.Open(ctx); err != nil {
		t.Fatalf("ServeCommand.Open: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := s.Close(ctx); err != nil {
			t.Errorf("ServeCommand.Close: %v", err)
		}
	})
	return s.Server.URL()
}

// itLogWriter sends the server's warnings to the test log.
type itLogWriter struct{ t *testing.T }

func (w itLogWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// itAlertmanager is a running Alertmanager process.
type itAlertmanager struct {
	url string
	log func() string
}

// itStartAlertmanager starts Alertmanager on free loopback ports with
// clustering off, grouping every alert on its own and notifying webhook
// quickly; it is stopped when the test ends.
func itStartAlertmanager(t *testing.T, bin, webhook, token string) *itAlertmanager {
	t.Helper()
	dir := t.TempDir()
	config := fmt.Sprintf(`global:
  resolve_timeout: 10s
route:
  receiver: quench
  group_by: ['...']
  group_wait: 200ms
  group_interval: 500ms
  repeat_interval: 1h
receivers:
  - name: quench
    webhook_configs:
      - url: %q
        send_resolved: true
        http_config:
          authorization:
            credentials: %q
`, webhook, token)
	configPath := filepath.Join(dir, "alertmanager.yml")
	if err := os.WriteFile(configPath, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	addr := itFreeAddr(t)
	logPath := filepath.Join(dir, "alertmanager.log")
	logf, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin,
		"--config.file="+configPath,
		"--storage.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr,
		"--cluster.listen-address=",
		"--log.level=debug",
	)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatalf("start Alertmanager: %v", err)
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		logf.Close()
		close(exited)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
	})
	readLog := func() string {
		b, _ := os.ReadFile(logPath)
		return string(b)
	}
	am := &itAlertmanager{url: "http://" + addr, log: readLog}
	itWaitHTTP(t, am.url+"/-/ready", 30*time.Second, exited, readLog)
	return am
}

// itPostAlertmanager posts alerts to Alertmanager's API v2.
func itPostAlertmanager(t *testing.T, ctx context.Context, base string, alerts []map[string]any) {
	t.Helper()
	body, err := json.Marshal(alerts)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/v2/alerts", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST /api/v2/alerts: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST /api/v2/alerts: %s", resp.Status)
	}
}

// itPollIncidents lists quench's incidents whose instance label is
// instance, by alertname (the newest per name), until done accepts them
// or 30 s pass.
func itPollIncidents(t *testing.T, ctx context.Context, base, token, instance string, done func(map[string]itIncident) error, peerLog func() string) map[string]itIncident {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		incs, err := itListIncidents(ctx, base, token)
		if err != nil {
			t.Fatal(err)
		}
		byName := map[string]itIncident{}
		for _, inc := range incs {
			name := inc.Labels["alertname"]
			if inc.Labels["instance"] != instance {
				continue
			}
			if _, seen := byName[name]; !seen { // newest first
				byName[name] = inc
			}
		}
		err = done(byName)
		if err == nil {
			return byName
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 30s: %v; incidents %+v\nAlertmanager log:\n%s", err, byName, peerLog())
		}
		select {
		case <-ctx.Done():
			t.Fatal(ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func itPtr[T any](v T) *T { return &v }

func itEqualPtr(a, b *string) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

func itShow(p *string) string {
	if p == nil {
		return "null"
	}
	return fmt.Sprintf("%q", *p)
}
