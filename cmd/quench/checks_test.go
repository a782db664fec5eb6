package main

import (
	"context"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/quench-sh/quench"
)

// TestChecksConfigErrors: every bad check says file:line and what is wrong.
func TestChecksConfigErrors(t *testing.T) {
	for _, tt := range []struct {
		name, yaml, want string
	}{
		{"unknown key in a kind", "checks:\n  - name: api\n    http:\n      url: http://127.0.0.1/\n      verb: GET\n", `quench.yaml:5: unknown field "verb"`},
		{"no kind", "checks:\n  - name: api\n    interval: 10s\n", "quench.yaml:2: checks[0]: (api) has no kind"},
		{"two kinds", "checks:\n  - name: api\n    tcp:\n      address: a:1\n    dns:\n      name: a\n", "checks[0]: (api) has both tcp and dns"},
		{"bad name", "checks:\n  - name: API Health\n    tcp:\n      address: a:1\n", `quench.yaml:2: checks[0].name: (API Health) "API Health": want`},
		{"bad url", "checks:\n  - name: api\n    http:\n      url: ftp://x\n", `quench.yaml:4: checks[0].http.url: (api) "ftp://x": want an http:// or https:// URL`},
		{"post", "checks:\n  - name: api\n    http:\n      url: http://x/\n      method: POST\n", `quench.yaml:5: checks[0].http.method: (api) "POST": want GET or HEAD`},
		{"short interval", "checks:\n  - name: api\n    interval: 100ms\n    tcp:\n      address: a:1\n", "quench.yaml:3: checks[0].interval: (api) 100ms: want at least 1s"},
		{"timeout over interval", "checks:\n  - name: api\n    interval: 5s\n    timeout: 10s\n    tcp:\n      address: a:1\n", "quench.yaml:4: checks[0].timeout"},
		{"bad severity", "checks:\n  - name: api\n    severity: urgent\n    tcp:\n      address: a:1\n", `quench.yaml:3: checks[0].severity: (api) "urgent"`},
		{"unknown variable", "checks:\n  - name: disk\n    disk:\n      path: /\n    conditions:\n      - used < 90\n", "quench.yaml:5: checks[0].conditions: (disk) conditions[0] \"used < 90\": unknown name used"},
		{"disk without conditions", "checks:\n  - name: disk\n    disk:\n      path: /\n", "checks[0].conditions: (disk) a disk check needs conditions"},
		{"mutating command", "checks:\n  - name: c\n    command:\n      run: docker compose restart api\n", "quench.yaml:4: checks[0].command.run: (c) is mutating"},
		{"writing query", "checks:\n  - name: q\n    postgres:\n      dsn: postgres://app@127.0.0.1/app\n      query: DELETE FROM jobs\n", "quench.yaml:5: checks[0].postgres.query: (q) is mutating"},
		{"duplicate", "checks:\n  - name: a\n    tcp:\n      address: a:1\n  - name: a\n    tcp:\n      address: a:1\n", `quench.yaml:5: checks[1].name: (a) "a" is also the name of check 0`},
		{"unknown dependency", "checks:\n  - name: a\n    depends_on: [db]\n    tcp:\n      address: a:1\n", `quench.yaml:3: checks[0].depends_on: (a) "db" is not a configured check`},
		{"reserved label", "checks:\n  - name: a\n    labels:\n      runbook: db-down\n    tcp:\n      address: a:1\n", "checks[0].labels.runbook: (a) is set by quench"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "quench.yaml")
			if err := os.WriteFile(path, []byte(tt.yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			cfg, err := LoadConfig(path, func(string) string { return "" })
			if err == nil {
				err = cfg.Validate()
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

// flipTarget is an HTTP endpoint a test switches between healthy and
// failing.
type flipTarget struct {
	*httptest.Server
	failing atomic.Bool
}

func newFlipTarget(t *testing.T) *flipTarget {
	ft := &flipTarget{}
	ft.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ft.failing.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("ok"))
	}))
	t.Cleanup(ft.Close)
	return ft
}

// TestServeChecks: quench serve runs the config's checks; a local target
// switched to failing opens an incident through the pipeline (source
// check, the runbook the check names), healed it resolves; quench checks
// shows the state; SIGHUP reloads the config, and a removed check's
// incident is resolved.
func TestServeChecks(t *testing.T) {
	ft := newFlipTarget(t)
	ft.failing.Store(true)
	s := serveConfigFile(t, "checks:\n  - name: api-healthz\n    interval: 1s\n    runbook: api-down\n    severity: critical\n    http:\n      url: "+ft.URL+"/healthz\n"+
		"  - name: other\n    interval: 1s\n    http:\n      url: "+ft.URL+"/other\n")
	dir := s.Config.Data
	write := func(body string) {
		if err := os.WriteFile(s.ConfigPath, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	inc := sqldbIncidents(s)
	waitUntil(t, "both checks open incidents", func() bool { return len(openByKey(t, inc)) == 2 })
	got := openByKey(t, inc)["api-healthz"]
	if got.RunbookID != "api-down" || got.Source != quench.SourceCheck || got.Severity != quench.SeverityCritical {
		t.Errorf("incident: runbook %q source %q severity %s", got.RunbookID, got.Source, got.Severity)
	}

	viewer := createToken(t, dir, "viewer", "victor")
	t.Setenv("QUENCH_URL", s.Server.URL())
	t.Setenv("QUENCH_TOKEN", viewer)
	code, out, errOut := runCmd(t, "checks")
	if code != 0 || !strings.Contains(out, "api-healthz") || !strings.Contains(out, "FIRING") || !strings.Contains(out, "status 503, want 2xx") {
		t.Errorf("quench checks: exit %d\n%s%s", code, out, errOut)
	}

	ft.failing.Store(false)
	waitUntil(t, "healed checks resolve", func() bool { return len(openByKey(t, inc)) == 0 })

	// Reload without "other", while it fails again: its incident resolves
	// as removed, api-healthz stays.
	ft.failing.Store(true)
	waitUntil(t, "both fire again", func() bool { return len(openByKey(t, inc)) == 2 })
	write("checks:\n  - name: api-healthz\n    interval: 1s\n    runbook: api-down\n    http:\n      url: " + ft.URL + "/healthz\n")
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the removed check's incident resolves", func() bool {
		open := openByKey(t, inc)
		return len(open) == 1 && open["api-healthz"] != nil
	})
	sts, err := s.Checks.Checks(context.Background())
	if err != nil || len(sts) != 1 {
		t.Errorf("checks after reload: %v %v", sts, err)
	}
}

// serveConfigFile starts quench serve in this process on a config file
// holding body (SIGHUP rereads it), with a fresh data directory, the
// shipped pack and its variables pointed at local stubs.
func serveConfigFile(t *testing.T, body string) *ServeCommand {
	t.Helper()
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "quench.yaml")
	if err := os.WriteFile(cfgPath, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadConfig(cfgPath, os.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Data, cfg.Listen, cfg.Runbooks = dir, "127.0.0.1:0", "../../runbooks"
	cfg.Env, _ = localPackEnv(t)
	return openServe(t, cfg, cfgPath)
}

// openServe validates cfg and opens quench serve on it in this process,
// closed when the test ends; cfgPath, when set, is what SIGHUP rereads.
func openServe(t *testing.T, cfg Config, cfgPath string) *ServeCommand {
	t.Helper()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	s := &ServeCommand{Config: cfg, ConfigPath: cfgPath}
	if err := s.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		s.Close(ctx)
	})
	return s
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within 30s: %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func sqldbIncidents(s *ServeCommand) quench.IncidentService { return s.Server.Incidents }

// openByKey returns the open incidents by dedup key.
func openByKey(t *testing.T, svc quench.IncidentService) map[string]*quench.Incident {
	t.Helper()
	incs, err := svc.FindIncidents(context.Background(), quench.IncidentFilter{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*quench.Incident{}
	for _, inc := range incs {
		if inc.Status != quench.StatusResolved {
			out[inc.DedupKey] = inc
		}
	}
	return out
}

// TestLintCoverage: with --config, lint warns about a runbook that only
// checks can reach when no configured check does, and stops warning once
// a check names it or matches it.
func TestLintCoverage(t *testing.T) {
	pack := t.TempDir()
	files, _ := filepath.Glob("../../runbooks/*.md")
	files = append(files, "../../runbooks/pack.yaml")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if filepath.Base(f) == "backup-stale.md" {
			// Only its heartbeat reaches it now.
			s := string(b)
			i := strings.Index(s, "match:\n")
			j := strings.Index(s, "escalation:")
			b = []byte(s[:i] + "match:\n  - source == \"check\" && check == \"backup-age\"\n" + s[j:])
		}
		if err := os.WriteFile(filepath.Join(pack, filepath.Base(f)), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cfg := filepath.Join(t.TempDir(), "quench.yaml")
	for _, tt := range []struct {
		name, checks string
		warn         bool
	}{
		{"no checks", "checks: []\n", true},
		{"a check names it", "checks:\n  - name: backups\n    runbook: backup-stale\n    disk:\n      path: /\n    conditions: [used_percent < 99]\n", false},
		{"its match names the check", "checks:\n  - name: backup-age\n    disk:\n      path: /\n    conditions: [used_percent < 99]\n", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			os.WriteFile(cfg, []byte(tt.checks), 0o600)
			code, out, errOut := runCmd(t, "lint", "--config", cfg, pack)
			warned := strings.Contains(out, "backup-stale.md:1: warning: nothing reaches runbook backup-stale")
			if warned != tt.warn || strings.Count(out, "nothing reaches") > 1 || (code == 0) == tt.warn {
				t.Errorf("lint exit %d, warned %v, want %v:\n%s%s", code, warned, tt.warn, out, errOut)
			}
		})
	}
}

// TestCheckDependsOnFoldsSymptoms: a check's depends_on holds back its
// failure while a check it needs has an open incident: the database
// check's incident shows the API check as a symptom instead of a second
// incident, and once the database heals the API, still failing, opens its
// own.
func TestCheckDependsOnFoldsSymptoms(t *testing.T) {
	db, api := newFlipTarget(t), newFlipTarget(t)
	db.failing.Store(true)
	s := serveConfigFile(t, "checks:\n  - name: postgres\n    interval: 1s\n    http:\n      url: "+db.URL+"\n"+
		"  - name: api\n    interval: 1s\n    depends_on: [postgres]\n    http:\n      url: "+api.URL+"\n")
	inc := sqldbIncidents(s)
	waitUntil(t, "the database check opens an incident", func() bool { return openByKey(t, inc)["postgres"] != nil })
	pg := openByKey(t, inc)["postgres"]

	api.failing.Store(true)
	waitUntil(t, "the API failure shows on the database incident", func() bool {
		tl, err := inc.Timeline(context.Background(), pg.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range tl {
			if ev.Kind == quench.EventSymptom && strings.Contains(ev.Text, "api") {
				return true
			}
		}
		return false
	})
	if open := openByKey(t, inc); len(open) != 1 {
		t.Fatalf("open incidents while the database is down: %v, want only postgres", slices.Collect(maps.Keys(open)))
	}

	db.failing.Store(false)
	waitUntil(t, "the database heals and the API opens its own incident", func() bool {
		open := openByKey(t, inc)
		return open["postgres"] == nil && open["api"] != nil
	})
}
