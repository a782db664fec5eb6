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
		{"unknown top-level key", "listen: :1\nlisten_addr: :2\n", `quench.yaml:2: unknown field "listen_addr"`},
		{"unknown nested key", "log:\n  level: info\n  colour: true\n", `quench.yaml:3: unknown field "colour"`},
		{"wrong type", "diagnosis:\n  workers: many\n", `quench.yaml:2: diagnosis.workers: want a whole number, got text "many"`},
		{"scalar for a mapping", "diagnosis: 5\n", `quench.yaml:1: diagnosis: want a mapping of keys to values, got a number "5"`},
		{"number for a duration", "diagnosis:\n  timeout: 5\n", `quench.yaml:2: diagnosis.timeout: want a duration such as 30s, 5m or 2h, got a number "5"`},
		{"bad duration", "diagnosis:\n  timeout: soon\n", `invalid duration "soon"`},
		{"bad level", "log:\n  level: loud\n", `quench.yaml:2: log.level: "loud": want debug, info, warn or error`},
		{"bad db", "db: mysql://x\n", `quench.yaml:1: db: "mysql://x": want a postgres:// URL`},
		{"missing env", "secrets:\n  TOKEN: ${QUENCH_TEST_UNSET_VAR}\n", "QUENCH_TEST_UNSET_VAR is not set"},
		{"incomplete ssh target", "targets:\n  db:\n    ssh:\n      addr: h:22\n", "quench.yaml:3: targets.db.ssh: needs addr, user, key_file and known_hosts"},
		{"local as ssh", "targets:\n  local:\n    ssh:\n      addr: h:22\n", "quench.yaml:2: targets.local: is the local machine"},
		{"zero workers", "diagnosis:\n  workers: 0\n", "quench.yaml:2: diagnosis.workers: 0: want 1 to 256"},
		{"bad sandbox mode", "diagnosis:\n  sandbox: maybe\n", `quench.yaml:2: diagnosis.sandbox: "maybe": want auto, required or off`},
		{"empty listen", "# comment\nlisten: \"\"\n", "quench.yaml:2: listen: must not be empty"},
		{"long session", "web:\n  session_ttl: 200h\n", "quench.yaml:2: web.session_ttl: 200h0m0s: want at most 168h0m0s"},
		{"bad proxy address", "web:\n  trusted_proxies: [10.0.0.0/33]\n", `quench.yaml:2: web.trusted_proxies: "10.0.0.0/33": want an address or a CIDR range`},
		{"proxy header untrusted", "web:\n  proxy_auth:\n    user_header: Remote-User\n", "quench.yaml:3: web.proxy_auth.user_header: needs web.trusted_proxies"},
		{"bad proxy role", "web:\n  trusted_proxies: [127.0.0.1]\n  proxy_auth:\n    user_header: Remote-User\n    groups:\n      ops: god\n",
			`web.proxy_auth.groups.ops: "god": want viewer, responder, admin or owner`},
		{"ingest proxy role", "web:\n  proxy_auth:\n    default_role: ingest\n", `quench.yaml:3: web.proxy_auth.default_role: "ingest": want viewer`},
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
				t.Errorf("LoadConfig(%q) error = %v, want it to contain %q", tt.yaml, err, tt.want)
			}
			if err != nil && (strings.Contains(err.Error(), "Go struct") || strings.Contains(err.Error(), "Config.")) {
				t.Errorf("error names Go types: %v", err)
			}
		})
	}
}

// A config with nothing in it, or only comments, is the defaults.
func TestLoadConfigEmpty(t *testing.T) {
	for _, src := range []string{"", "\n\n", "# nothing here yet\n# listen: 0.0.0.0:8080\n", "---\n"} {
		path := filepath.Join(t.TempDir(), "quench.yaml")
		if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
			t.Fatal(err)
		}
		cfg, err := LoadConfig(path, func(string) string { return "" })
		if err == nil {
			err = cfg.Validate()
		}
		if err != nil {
			t.Errorf("LoadConfig(%q): %v", src, err)
			continue
		}
		if def := DefaultConfig(); cfg.Listen != def.Listen || cfg.Data != def.Data || cfg.Diagnosis.Workers != def.Diagnosis.Workers {
			t.Errorf("LoadConfig(%q) = %+v, want the defaults", src, cfg)
		}
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
