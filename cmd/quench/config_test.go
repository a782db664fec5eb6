package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLoadConfigExample(t *testing.T) {
	// The example shipped in the repo must always load: it is what the
	// README tells people to run.
	cfg, err := LoadConfig("../../quench.example.yaml", func(string) string { return "" })
	if err != nil {
		t.Fatalf("quench.example.yaml: %v", err)
	}
	if cfg.Listen != "127.0.0.1:8080" || cfg.DB != "" || cfg.Diagnosis.Timeout != 30*time.Second || cfg.Diagnosis.Workers != 4 {
		t.Errorf("unexpected values from the example: %+v", cfg)
	}
	if cfg.Targets["db-host"].SSH == nil || cfg.Targets["db-host"].SSH.User != "ops" {
		t.Errorf("example SSH target not loaded: %+v", cfg.Targets)
	}
}

func TestLoadConfigErrors(t *testing.T) {
	for _, tt := range []struct {
		name, yaml, want string
	}{
		{"unknown top-level key", "listen: :1\nlisten_addr: :2\n", "quench.yaml:2:"},
		{"unknown nested key", "log:\n  level: info\n  colour: true\n", "quench.yaml:3:"},
		{"wrong type", "diagnosis:\n  workers: many\n", "quench.yaml:2:"},
		{"bad duration", "diagnosis:\n  timeout: soon\n", `invalid duration "soon"`},
		{"bad level", "log:\n  level: loud\n", `log.level "loud"`},
		{"bad db", "db: mysql://x\n", `want a postgres:// URL`},
		{"missing env", "secrets:\n  TOKEN: ${QUENCH_TEST_UNSET_VAR}\n", "QUENCH_TEST_UNSET_VAR is not set"},
		{"incomplete ssh target", "targets:\n  db:\n    ssh:\n      addr: h:22\n", "targets.db.ssh needs"},
		{"local as ssh", "targets:\n  local:\n    ssh:\n      addr: h:22\n", "targets.local"},
		{"zero workers", "diagnosis:\n  workers: 0\n", "diagnosis.workers 0"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "quench.yaml")
			if err := os.WriteFile(path, []byte(tt.yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := LoadConfig(path, func(string) string { return "" })
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("LoadConfig(%q) error = %v, want it to contain %q", tt.yaml, err, tt.want)
			}
		})
	}
}

func TestLoadConfigEnvExpansion(t *testing.T) {
	env := map[string]string{"PG": "postgres://q@db/q", "TOKEN": "s3cr3t: {not yaml}"}
	path := filepath.Join(t.TempDir(), "quench.yaml")
	src := "db: ${PG}\nsecrets:\n  API_TOKEN: ${TOKEN}\nenv:\n  DIR: ${APP_DIR:-/opt/cleaning}\n"
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadConfig(path, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	// An environment value is data: YAML syntax inside it stays text.
	if got, want := cfg.Secrets["API_TOKEN"], "s3cr3t: {not yaml}"; got != want {
		t.Errorf("secret = %q, want %q", got, want)
	}
	if cfg.DB != "postgres://q@db/q" {
		t.Errorf("db = %q", cfg.DB)
	}
	if cfg.Env["DIR"] != "/opt/cleaning" {
		t.Errorf("fallback not applied: env = %v", cfg.Env)
	}
}

func TestRedactDSN(t *testing.T) {
	if got := redactDSN("postgres://quench:hunter2@db:5432/q"); strings.Contains(got, "hunter2") {
		t.Errorf("redactDSN leaked the password: %s", got)
	}
}
