package main

import (
	"bytes"
	"context"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/quench-sh/quench/markdown"
	"github.com/quench-sh/quench/runbooks"
)

// apiStub stands in for the application's API in tests that run the
// pack's diagnosis: it answers every path and counts the probes.
type apiStub struct {
	*httptest.Server
	probes atomic.Int64
}

// localPackEnv points every variable of the shipped pack at this test:
// the API at a local stub, directories at empty temporary ones. A test
// that lets quench run the pack's steps uses it, so the steps never reach
// past loopback (runbooks.TestPackStaysLocal guards that the pack names no
// host of its own).
func localPackEnv(t *testing.T) (map[string]string, *apiStub) {
	t.Helper()
	stub := &apiStub{}
	stub.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/healthz" || r.URL.Path == "/readyz" {
			stub.probes.Add(1)
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"ok":true}`))
	}))
	t.Cleanup(stub.Close)
	dir := t.TempDir()
	return map[string]string{
		"APP_DIR":            filepath.Join(dir, "app"),
		"API_URL":            stub.URL,
		"API_SERVICE":        "api",
		"DB_SERVICE":         "db",
		"REDIS_SERVICE":      "redis",
		"DB_USER":            "app",
		"DB_NAME":            "app",
		"BACKUP_DIR":         filepath.Join(dir, "backups"),
		"DOCKER_DIR":         filepath.Join(dir, "docker"),
		"EMAIL_PROVIDER_URL": stub.URL + "/email",
		"SMS_PROVIDER_URL":   stub.URL + "/sms",
	}, stub
}

func TestLocalPackEnvSetsEveryVariable(t *testing.T) {
	p, err := markdown.LoadPack(filepath.Join("..", "..", "runbooks"))
	if err != nil {
		t.Fatal(err)
	}
	env, _ := localPackEnv(t)
	for _, v := range p.Variables {
		if _, ok := env[v.Name]; !ok {
			t.Errorf("localPackEnv does not set %s", v.Name)
		}
	}
}

// TestServeWithoutRunbooksServesTheBuiltInPack: outside a checkout (no
// ./runbooks), serve starts with the pack built into the binary and says
// so; a directory the config names must exist.
func TestServeWithoutRunbooksServesTheBuiltInPack(t *testing.T) {
	t.Chdir(t.TempDir())
	var logs bytes.Buffer
	cfg := DefaultConfig()
	cfg.Data, cfg.Listen = t.TempDir(), "127.0.0.1:0"
	cfg.Diagnosis.Auto = itPtr(false)
	s := &ServeCommand{Config: cfg, Log: slog.New(slog.NewTextHandler(&logs, nil))}
	if err := s.Open(context.Background()); err != nil {
		t.Fatalf("serve without ./runbooks: %v", err)
	}
	defer s.Close(context.Background())
	if s.Pack.Dir != runbooks.Name || len(s.Pack.Runbooks) != 10 {
		t.Errorf("pack %s with %d runbooks, want the built-in one with 10", s.Pack.Dir, len(s.Pack.Runbooks))
	}
	for _, want := range []string{"serving the reference runbook pack built into quench", "quench init", "API_URL=http://127.0.0.1:8000"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, logs.String())
		}
	}

	cfg.Runbooks = filepath.Join(t.TempDir(), "missing")
	s2 := &ServeCommand{Config: cfg}
	err := s2.Open(context.Background())
	s2.Close(context.Background())
	if err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("serve with a missing --runbooks: %v, want an error", err)
	}
}

func TestStepEnv(t *testing.T) {
	p, err := markdown.LoadPackFS(runbooks.FS(), runbooks.Name)
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	env := stepEnv(p, map[string]string{"API_URL": "https://api.example.invalid", "EXTRA": "x"}, slog.New(slog.NewTextHandler(&logs, nil)))
	if env["API_URL"] != "https://api.example.invalid" || env["EXTRA"] != "x" || env["APP_DIR"] != "/srv/app" {
		t.Errorf("stepEnv = %v", env)
	}
	if len(env) != len(p.Variables)+1 {
		t.Errorf("stepEnv has %d variables, want the pack's %d and EXTRA", len(env), len(p.Variables))
	}
	if !strings.Contains(logs.String(), "APP_DIR=/srv/app") || strings.Contains(logs.String(), "API_URL=") {
		t.Errorf("the warning should list the variables left at their default, and only them:\n%s", logs.String())
	}

	logs.Reset()
	stepEnv(p, p.VariableDefaults(), slog.New(slog.NewTextHandler(&logs, nil)))
	if logs.Len() != 0 {
		t.Errorf("every variable set, yet: %s", logs.String())
	}
}

// TestExampleConfigSetsThePackVariables: quench.example.yaml sets every
// variable of the pack to its default, with its description and the source
// document's value in comments, as quench init writes it.
func TestExampleConfigSetsThePackVariables(t *testing.T) {
	p, err := markdown.LoadPack(filepath.Join("..", "..", "runbooks"))
	if err != nil {
		t.Fatal(err)
	}
	example, err := os.ReadFile(filepath.Join("..", "..", "quench.example.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if want := envBlock(p.Variables); !strings.Contains(string(example), want) {
		t.Errorf("quench.example.yaml lacks the pack's env block; it should read:\n%s", want)
	}
	cfg, err := LoadConfig(filepath.Join("..", "..", "quench.example.yaml"), func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range p.Variables {
		if cfg.Env[v.Name] != v.Default {
			t.Errorf("example env %s = %q, want the default %q", v.Name, cfg.Env[v.Name], v.Default)
		}
	}
}

func TestInit(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "etc", "quench")
	code, out, errOut := runCmd(t, "init", dir)
	if code != 0 {
		t.Fatalf("init: exit %d\n%s%s", code, out, errOut)
	}
	for _, want := range []string{"wrote " + filepath.Join(dir, "quench.yaml"), "wrote " + filepath.Join(dir, "runbooks", "db-down.md"), "quench serve --config " + filepath.Join(dir, "quench.yaml")} {
		if !strings.Contains(out, want) {
			t.Errorf("init output lacks %q:\n%s", want, out)
		}
	}
	// The pack written out is the built-in one, byte for byte, and lints clean.
	err := fs.WalkDir(runbooks.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		want, _ := fs.ReadFile(runbooks.FS(), p)
		got, err := os.ReadFile(filepath.Join(dir, "runbooks", p))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s differs from the built-in pack's (%v)", p, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if ps, err := markdown.Lint(filepath.Join(dir, "runbooks")); err != nil || len(ps) > 0 {
		t.Errorf("the written pack does not lint clean: %v %v", ps, err)
	}
	// The config loads, points at the written pack and sets every variable.
	config := filepath.Join(dir, "quench.yaml")
	cfg, err := LoadConfig(config, func(string) string { return "" })
	if err != nil {
		t.Fatalf("the written config: %v", err)
	}
	if cfg.Runbooks != filepath.Join(dir, "runbooks") || cfg.Data != filepath.Join(dir, "quench-data") || cfg.Env["API_URL"] != "http://127.0.0.1:8000" {
		t.Errorf("written config: runbooks %q data %q env %v", cfg.Runbooks, cfg.Data, cfg.Env)
	}
	if st, err := os.Stat(config); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("config mode %v (%v), want 0600: it will hold secrets", st.Mode().Perm(), err)
	}

	// A second init refuses and changes nothing; --force replaces.
	edited := []byte("# my edits\n")
	if err := os.WriteFile(config, edited, 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errOut = runCmd(t, "init", dir)
	if code != 1 || !strings.Contains(errOut, "already exists") || !strings.Contains(errOut, "--force") {
		t.Errorf("init over an existing pack: exit %d, %q", code, errOut)
	}
	if b, _ := os.ReadFile(config); !bytes.Equal(b, edited) {
		t.Error("a refused init changed the config")
	}
	if code, _, errOut := runCmd(t, "init", "--force", dir); code != 0 {
		t.Fatalf("init --force: exit %d %s", code, errOut)
	}
	if b, _ := os.ReadFile(config); bytes.Equal(b, edited) {
		t.Error("init --force did not replace the config")
	}

	code, out, _ = runCmd(t, "init", "--help")
	if code != 0 || !strings.Contains(out, "Examples:") || !strings.Contains(out, "--force") {
		t.Errorf("init --help: exit %d\n%s", code, out)
	}
	if code, _, errOut := runCmd(t, "init", "a", "b"); code != 2 {
		t.Errorf("init a b: exit %d %s, want a usage error", code, errOut)
	}
}

// waitProbes waits until the stub has been probed.
func waitProbes(t *testing.T, stub *apiStub) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for stub.probes.Load() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the diagnosis never probed the local API stub")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
