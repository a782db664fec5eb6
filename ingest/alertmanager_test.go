package ingest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/quench-sh/quench"
	"github.com/quench-sh/quench/ingest"
)

// TestRealAlertmanager runs the installed Alertmanager with a webhook
// receiver on loopback, posts alerts to its API, and parses what it sends:
// the fixtures are captures, this checks the parser against whatever
// version is installed now, fingerprints included.
func TestRealAlertmanager(t *testing.T) {
	bin, err := exec.LookPath("prometheus-alertmanager")
	if err != nil {
		if bin, err = exec.LookPath("alertmanager"); err != nil {
			if os.Getenv("QUENCH_REQUIRE_INTEGRATION") == "1" {
				t.Fatal("Alertmanager is not installed (Debian package prometheus-alertmanager)")
			}
			t.Skip("Alertmanager is not installed (Debian package prometheus-alertmanager)")
		}
	}
	if testing.Short() {
		t.Skip("starts Alertmanager; skipped with -short")
	}

	bodies := make(chan []byte, 16)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		select {
		case bodies <- b:
		default: // the test has what it needs; never block Close
		}
	}))
	defer hook.Close()

	dir := t.TempDir()
	config := fmt.Sprintf(`route:
  receiver: quench
  group_by: [alertname]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: quench
    webhook_configs:
      - url: %s/ingest/alertmanager
        send_resolved: true
`, hook.URL)
	if err := os.WriteFile(filepath.Join(dir, "am.yml"), []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cmd := exec.CommandContext(ctx, bin,
		"--config.file="+filepath.Join(dir, "am.yml"),
		"--storage.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr,
		"--cluster.listen-address=")
	var log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cancel()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("alertmanager output:\n%s", log.String())
		}
	}()
	api := "http://" + addr
	waitReady(t, api+"/-/ready")

	start := time.Now().UTC().Truncate(time.Second)
	post := func(alerts []map[string]any) {
		t.Helper()
		b, _ := json.Marshal(alerts)
		resp, err := http.Post(api+"/api/v2/alerts", "application/json", bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("POST /api/v2/alerts: %s", resp.Status)
		}
	}
	alert := func(instance string, ends time.Time) map[string]any {
		a := map[string]any{
			"labels": map[string]string{"alertname": "PostgresDown", "instance": instance, "severity": "critical",
				"hostile": "$(reboot); `id` \u00e9\n"},
			"annotations":  map[string]string{"summary": "Postgres is down on " + instance, "runbook": "db-down"},
			"generatorURL": "http://prometheus:9090/graph?g0.expr=pg_up+%3D%3D+0&g0.tab=1",
			"startsAt":     start.Format(time.RFC3339),
		}
		if !ends.IsZero() {
			a["endsAt"] = ends.Format(time.RFC3339)
		}
		return a
	}
	next := func() []quench.Alert {
		t.Helper()
		select {
		case b := <-bodies:
			alerts, err := ingest.ParseAlertmanager(b)
			if err != nil {
				t.Fatalf("ParseAlertmanager: %v\n%s", err, b)
			}
			return alerts
		case <-time.After(30 * time.Second):
			t.Fatal("no webhook from Alertmanager within 30s")
		}
		return nil
	}

	post([]map[string]any{alert("db-1:9187", time.Time{}), alert("db-2:9187", time.Time{})})
	firing := next()
	if len(firing) != 2 {
		t.Fatalf("got %d alerts, want 2", len(firing))
	}
	keys := map[string]string{}
	for _, a := range firing {
		if a.Action != quench.ActionTrigger || a.Severity != quench.SeverityCritical || a.Annotations["runbook"] != "db-down" ||
			a.Summary != "Postgres is down on "+a.Labels["instance"] || !a.StartsAt.Equal(start) || !a.EndsAt.IsZero() ||
			a.Labels["hostile"] != "$(reboot); `id` \u00e9\n" {
			t.Errorf("firing alert = %+v", a)
		}
		keys[a.Labels["instance"]] = a.DedupKey
		// Alertmanager's fingerprint equals quench's hash of the labels.
		noFP, _ := json.Marshal(map[string]any{"version": "4", "status": "firing",
			"alerts": []any{map[string]any{"status": "firing", "labels": a.Labels}}})
		if h, err := ingest.ParseAlertmanager(noFP); err != nil || h[0].DedupKey != a.DedupKey {
			t.Errorf("fingerprint %s, hash of labels %v (%v)", a.DedupKey, h, err)
		}
		checkAlert(t, a)
	}

	// Resolve one: the next notification carries it resolved, with the
	// same dedup key, and the other still firing.
	post([]map[string]any{alert("db-1:9187", time.Now().UTC().Add(-time.Second))})
	deadline := time.After(30 * time.Second)
	for {
		var alerts []quench.Alert
		select {
		case <-deadline:
			t.Fatal("no notification with the resolved alert within 30s")
		default:
			alerts = next()
		}
		for _, a := range alerts {
			if a.Labels["instance"] == "db-1:9187" && a.Action == quench.ActionResolve {
				if a.DedupKey != keys["db-1:9187"] || a.EndsAt.IsZero() {
					t.Errorf("resolved alert = %+v, want key %s and an end", a, keys["db-1:9187"])
				}
				return
			}
		}
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func waitReady(t *testing.T, url string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s not ready within 20s", url)
}
