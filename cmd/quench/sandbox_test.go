package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/quench-sh/quench"
	"github.com/quench-sh/quench/sandbox"
	"github.com/quench-sh/quench/sqldb"
)

// TestServeSandbox: quench serve runs the automatic diagnosis in the
// Landlock sandbox when the kernel allows it (each step's timeline names
// it, a step sees no_new_privs set, /metrics says 1); with
// diagnosis.sandbox off the steps run unconfined, saying so, and the gauge
// is 0. (runner's TestSandboxHoldsWhenMisclassified shows the sandbox
// stopping writes.)
func TestServeSandbox(t *testing.T) {
	if abi := sandbox.ABI(); abi < sandbox.MinABI {
		if os.Getenv("QUENCH_REQUIRE_INTEGRATION") == "1" {
			t.Fatalf("Landlock ABI %d here; the sandbox needs %d", abi, sandbox.MinABI)
		}
		t.Skipf("Landlock ABI %d here; the sandbox needs %d", abi, sandbox.MinABI)
	}
	for _, tt := range []struct {
		mode      string
		gauge     float64
		confined  bool
		wantNoNew string
	}{
		{"auto", 1, true, "1"},
		{"off", 0, false, "0"},
	} {
		t.Run(tt.mode, func(t *testing.T) {
			packDir := t.TempDir()
			writeTestFile(t, filepath.Join(packDir, "pack.yaml"), diagnosisPackYAML+`  - name: privs
    title: Show no_new_privs
    command: grep NoNewPrivs /proc/self/status
`)
			writeTestFile(t, filepath.Join(packDir, "hostile.md"), diagnosisRunbook)
			cfg := DefaultConfig()
			cfg.Data, cfg.Listen, cfg.Runbooks = t.TempDir(), "127.0.0.1:0", packDir
			cfg.Diagnosis.Sandbox = tt.mode
			s := &ServeCommand{Config: cfg}
			if err := s.Open(context.Background()); err != nil {
				t.Fatalf("serve: %v", err)
			}
			t.Cleanup(func() {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				s.Close(ctx)
			})
			res, err := s.Server.Alerts.SubmitAlerts(context.Background(), []quench.Alert{{Source: quench.SourceGeneric, Integration: "test",
				DedupKey: "sandbox", Action: quench.ActionTrigger, Severity: quench.SeverityCritical, Summary: "sandbox test",
				Labels: map[string]string{"alertname": "HostileTest"}}})
			if err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(time.Minute)
			for s.Runner.Stats().Diagnosed < 1 {
				if time.Now().After(deadline) {
					t.Fatal("diagnosis did not finish")
				}
				time.Sleep(10 * time.Millisecond)
			}
			tl, err := sqldb.NewIncidentService(s.DB).Timeline(context.Background(), res[0].IncidentID)
			if err != nil {
				t.Fatal(err)
			}
			for _, ev := range tl {
				var d struct {
					Step        string `json:"step"`
					Sandbox     string `json:"sandbox"`
					Unsandboxed string `json:"unsandboxed"`
					Output      string `json:"output"`
				}
				json.Unmarshal(ev.Data, &d)
				switch {
				case ev.Kind == quench.EventStepStarted && tt.confined && !strings.HasPrefix(d.Sandbox, "Landlock ABI "):
					t.Errorf("step %s started with sandbox %q (%s)", d.Step, d.Sandbox, d.Unsandboxed)
				case ev.Kind == quench.EventStepStarted && !tt.confined && (d.Sandbox != "" || !strings.Contains(ev.Text, "without the sandbox")):
					t.Errorf("step %s with the sandbox off: sandbox %q, text %q", d.Step, d.Sandbox, ev.Text)
				case ev.Kind == quench.EventStepFinished && d.Step == "privs" && !strings.HasSuffix(strings.TrimSpace(d.Output), tt.wantNoNew):
					t.Errorf("privs step says %q, want NoNewPrivs %s", d.Output, tt.wantNoNew)
				}
			}
			mfs, err := s.Server.Registry.Gather()
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, mf := range mfs {
				if mf.GetName() == "quench_diagnosis_sandboxed" {
					found = true
					if got := mf.GetMetric()[0].GetGauge().GetValue(); got != tt.gauge {
						t.Errorf("quench_diagnosis_sandboxed = %v, want %v", got, tt.gauge)
					}
				}
			}
			if !found {
				t.Error("no quench_diagnosis_sandboxed metric")
			}
		})
	}
}
