package main

import (
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/goccy/go-yaml"

	"github.com/quench-sh/quench"
	"github.com/quench-sh/quench/check"
	"github.com/quench-sh/quench/runner"
)

// Config is quench serve's configuration file. Every field has a default, so
// quench runs with no file at all; flags override the file.
type Config struct {
	Listen   string `yaml:"listen"`   // address of the HTTP server
	Data     string `yaml:"data"`     // data directory (SQLite database, state)
	DB       string `yaml:"db"`       // "" for embedded SQLite, or a postgres:// DSN
	Runbooks string `yaml:"runbooks"` // the runbook pack directory

	Log struct {
		Level  string `yaml:"level"`  // debug, info, warn, error
		Format string `yaml:"format"` // text or json
	} `yaml:"log"`

	Incidents IncidentsConfig `yaml:"incidents"`
	Paging    PagingConfig    `yaml:"paging"`
	Diagnosis DiagnosisConfig `yaml:"diagnosis"`
	Web       WebConfig       `yaml:"web"` // the web UI (webconfig.go)

	// Targets are the places steps run, by name; "local" always exists.
	Targets map[string]TargetConfig `yaml:"targets"`
	// Env is given to every step, as is.
	Env map[string]string `yaml:"env"`
	// Secrets are given to every step like Env, and their values are
	// scrubbed from all output before it is stored, shown or logged.
	Secrets map[string]string `yaml:"secrets"`
	// Drills are runbook drills run on a schedule (drill.go).
	Drills DrillsConfig `yaml:"drills"`
	// Heartbeats are jobs that ping quench when they run (heartbeats.go).
	Heartbeats []HeartbeatConfig `yaml:"heartbeats"`
	// Checks are the built-in checks (checks.go, docs/checks.md).
	Checks []check.Spec `yaml:"checks"`
	// Maintenance windows, inhibition rules and runbook dependencies hold
	// alerts back (suppressconfig.go).
	Maintenance  []MaintenanceConfig `yaml:"maintenance"`
	InhibitRules []InhibitRuleConfig `yaml:"inhibit_rules"`
	// DependsOn maps a runbook to the runbooks it depends on: while one of
	// theirs is open, its alerts are symptoms.
	DependsOn map[string][]string `yaml:"depends_on"`

	// source is where the file's keys are, for Validate's errors; nil
	// when the config came from no file.
	source *configSource
}

// IncidentsConfig says how alerts change incidents.
type IncidentsConfig struct {
	// KeepAcknowledgedOpen: when a source reports an alert resolved, an
	// incident a person has acknowledged stays open for them to resolve.
	KeepAcknowledgedOpen bool `yaml:"keep_acknowledged_open"`
}

// DiagnosisConfig bounds the automatic diagnosis and every step run.
type DiagnosisConfig struct {
	Auto *bool `yaml:"auto"` // run diagnosis when an incident opens (default true)
	// ShareWithin: an incident opened within this long of another with
	// the same runbook shares its diagnosis (default 10m; 0s: never).
	ShareWithin *time.Duration `yaml:"share_within"`
	Workers     int            `yaml:"workers"`    // steps running at once (default 4)
	Timeout     time.Duration  `yaml:"timeout"`    // per step (default 30s)
	MaxOutput   int            `yaml:"max_output"` // bytes kept per step (default 256 KiB)
	// Sandbox confines the steps that run because they are read-only:
	// auto (default: Landlock where the kernel offers it, otherwise a
	// warning, a metric and a note on each step), required (no read-only
	// step runs unconfirmed without it) or off.
	Sandbox string `yaml:"sandbox"`
}

// TargetConfig is one place steps can run.
type TargetConfig struct {
	SSH *SSHTargetConfig `yaml:"ssh"` // nil means the local machine
}

// SSHTargetConfig reaches a host over SSH with key authentication and a
// known_hosts file; unknown host keys are refused.
type SSHTargetConfig struct {
	Addr       string        `yaml:"addr"` // host:port
	User       string        `yaml:"user"`
	KeyFile    string        `yaml:"key_file"`
	KnownHosts string        `yaml:"known_hosts"`
	Timeout    time.Duration `yaml:"timeout"` // connect timeout
	// ReadOnlyWrapper is put before the remote shell of read-only steps,
	// e.g. `systemd-run --pipe --wait --quiet -p ProtectSystem=strict …`:
	// the only wall behind the classifier on that host.
	ReadOnlyWrapper string `yaml:"readonly_wrapper"`
}

// DefaultConfig returns the configuration quench uses without a file.
func DefaultConfig() Config {
	var c Config
	c.Listen = "127.0.0.1:8080"
	c.Data = "./quench-data"
	c.Runbooks = "./runbooks"
	c.Log.Level = "info"
	c.Log.Format = "text"
	c.Diagnosis.Workers = 4
	c.Diagnosis.Timeout = 30 * time.Second
	c.Diagnosis.MaxOutput = 256 << 10
	c.Diagnosis.Sandbox = runner.SandboxAuto
	return c
}

// LoadConfig reads a YAML file over the defaults. Unknown keys are errors
// with file:line; ${NAME} in string values is replaced by the environment
// variable NAME, and a missing variable is an error, so a secret never ends
// up silently empty. A file with no content (or only comments) leaves the
// defaults. LoadConfig does not Validate: flags may still change the
// result, so the caller validates what it will use.
func LoadConfig(path string, getenv func(string) string) (Config, error) {
	c := DefaultConfig()
	src, err := os.ReadFile(path)
	if err != nil {
		return c, fmt.Errorf("config: %w", err)
	}
	return c, parseConfig(path, src, &c, getenv)
}

func parseConfig(path string, src []byte, c *Config, getenv func(string) string) error {
	source, empty, err := scanConfig(path, src)
	if err != nil {
		return err
	}
	c.source = source
	if empty {
		return nil
	}
	if err := yaml.UnmarshalWithOptions(src, c, yaml.Strict()); err != nil {
		return yamlError(path, source, err)
	}
	if err := expandEnv(reflect.ValueOf(c).Elem(), getenv); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// envRef matches ${NAME} and ${NAME:-default}.
var envRef = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)(:-[^}]*)?\}`) })

// expandEnv replaces ${NAME} and ${NAME:-default} in every string of v,
// after parsing, so an environment value can never change the document's
// structure.
func expandEnv(v reflect.Value, getenv func(string) string) error {
	switch v.Kind() {
	case reflect.String:
		var missing string
		out := envRef().ReplaceAllStringFunc(v.String(), func(ref string) string {
			m := envRef().FindStringSubmatch(ref)
			name, def := m[1], m[2]
			if val := getenv(name); val != "" {
				return val
			}
			if def != "" {
				return def[2:]
			}
			if missing == "" {
				missing = name
			}
			return ""
		})
		if missing != "" {
			return fmt.Errorf("environment variable %s is not set (referenced as ${%s})", missing, missing)
		}
		v.SetString(out)
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if !v.Type().Field(i).IsExported() {
				continue
			}
			if err := expandEnv(v.Field(i), getenv); err != nil {
				return err
			}
		}
	case reflect.Pointer:
		if !v.IsNil() {
			return expandEnv(v.Elem(), getenv)
		}
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			if err := expandEnv(v.Index(i), getenv); err != nil {
				return err
			}
		}
	case reflect.Map:
		iter := v.MapRange()
		for iter.Next() {
			val := reflect.New(v.Type().Elem()).Elem()
			val.Set(iter.Value())
			if err := expandEnv(val, getenv); err != nil {
				return err
			}
			v.SetMapIndex(iter.Key(), val)
		}
	}
	return nil
}

// Validate checks values that parse but make no sense. Errors name the
// key, and its file:line when it came from a config file.
func (c *Config) Validate() error {
	return c.source.locate(c.validate())
}

// validate reports the first bad value as a fieldError (fieldErrorf), so
// Validate can say where it is.
func (c *Config) validate() error {
	if c.Listen == "" {
		return fieldErrorf("listen", "must not be empty (an address such as 127.0.0.1:8080)")
	}
	if c.DB != "" && !strings.HasPrefix(c.DB, "postgres://") && !strings.HasPrefix(c.DB, "postgresql://") && !strings.HasPrefix(c.DB, "sqlite:") {
		return fieldErrorf("db", "%q: want a postgres:// URL, sqlite:PATH, or nothing for the embedded SQLite", redactDSN(c.DB))
	}
	if _, err := parseLevel(c.Log.Level); err != nil {
		return fieldErrorf("log.level", "%q: want debug, info, warn or error", c.Log.Level)
	}
	if c.Log.Format != "text" && c.Log.Format != "json" {
		return fieldErrorf("log.format", "%q: want text or json", c.Log.Format)
	}
	if d := c.Diagnosis.ShareWithin; d != nil && *d < 0 {
		return fieldErrorf("diagnosis.share_within", "%v: must not be negative", *d)
	}
	if c.Diagnosis.Workers < 1 || c.Diagnosis.Workers > 256 {
		return fieldErrorf("diagnosis.workers", "%d: want 1 to 256", c.Diagnosis.Workers)
	}
	if c.Diagnosis.Timeout <= 0 {
		return fieldErrorf("diagnosis.timeout", "must be positive")
	}
	if !runner.ValidSandbox(c.Diagnosis.Sandbox) {
		return fieldErrorf("diagnosis.sandbox", "%q: want auto, required or off", c.Diagnosis.Sandbox)
	}
	if err := c.Drills.validate(); err != nil {
		return err
	}
	if err := validateHeartbeats(c.Heartbeats); err != nil {
		return err
	}
	if err := c.validateSuppression(); err != nil {
		return err
	}
	if c.Diagnosis.MaxOutput < 1024 {
		return fieldErrorf("diagnosis.max_output", "%d: want at least 1024 bytes", c.Diagnosis.MaxOutput)
	}
	if err := c.Web.validate(); err != nil {
		return err
	}
	if err := c.Paging.validate(); err != nil {
		return err
	}
	if _, err := c.compileChecks(); err != nil {
		return err
	}
	for name, t := range c.Targets {
		if name == "local" && t.SSH != nil {
			return fieldErrorf("targets.local", "is the local machine and cannot be an SSH target")
		}
		if t.SSH != nil && (t.SSH.Addr == "" || t.SSH.User == "" || t.SSH.KeyFile == "" || t.SSH.KnownHosts == "") {
			return fieldErrorf("targets."+name+".ssh", "needs addr, user, key_file and known_hosts")
		}
	}
	return nil
}

// DiagnosisShareWithin is diagnosis.share_within, or its default.
func (c *Config) DiagnosisShareWithin() time.Duration {
	if c.Diagnosis.ShareWithin == nil {
		return quench.DiagnosisShareWindow
	}
	return *c.Diagnosis.ShareWithin
}

// AutoDiagnosis reports whether diagnosis runs when an incident opens.
func (c *Config) AutoDiagnosis() bool { return c.Diagnosis.Auto == nil || *c.Diagnosis.Auto }

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return l, fmt.Errorf("config: log.level %q: want debug, info, warn or error", s)
	}
	return l, nil
}

// redactDSN hides a password in a database URL before it is printed.
func redactDSN(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "(unparsable DSN)"
	}
	return u.Redacted()
}
