package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"reflect"
	"regexp"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
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
	Diagnosis DiagnosisConfig `yaml:"diagnosis"`

	// Targets are the places steps run, by name; "local" always exists.
	Targets map[string]TargetConfig `yaml:"targets"`
	// Env is given to every step, as is.
	Env map[string]string `yaml:"env"`
	// Secrets are given to every step like Env, and their values are
	// scrubbed from all output before it is stored, shown or logged.
	Secrets map[string]string `yaml:"secrets"`
}

// IncidentsConfig says how alerts change incidents.
type IncidentsConfig struct {
	// KeepAcknowledgedOpen: when a source reports an alert resolved, an
	// incident a person has acknowledged stays open for them to resolve.
	KeepAcknowledgedOpen bool `yaml:"keep_acknowledged_open"`
}

// DiagnosisConfig bounds the automatic diagnosis and every step run.
type DiagnosisConfig struct {
	Auto      *bool         `yaml:"auto"`       // run diagnosis when an incident opens (default true)
	Workers   int           `yaml:"workers"`    // steps running at once (default 4)
	Timeout   time.Duration `yaml:"timeout"`    // per step (default 30s)
	MaxOutput int           `yaml:"max_output"` // bytes kept per step (default 256 KiB)
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
	return c
}

// LoadConfig reads a YAML file over the defaults. Unknown keys are errors
// with file:line; ${NAME} in string values is replaced by the environment
// variable NAME, and a missing variable is an error, so a secret never ends
// up silently empty.
func LoadConfig(path string, getenv func(string) string) (Config, error) {
	c := DefaultConfig()
	src, err := os.ReadFile(path)
	if err != nil {
		return c, fmt.Errorf("config: %w", err)
	}
	return c, parseConfig(path, src, &c, getenv)
}

func parseConfig(path string, src []byte, c *Config, getenv func(string) string) error {
	if err := yaml.UnmarshalWithOptions(src, c, yaml.Strict()); err != nil {
		return yamlError(path, err)
	}
	if err := expandEnv(reflect.ValueOf(c).Elem(), getenv); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return c.Validate()
}

// yamlError turns a YAML decoding error into "path:line: message".
func yamlError(path string, err error) error {
	var ye yaml.Error
	if errors.As(err, &ye) && ye.GetToken() != nil {
		msg := ye.GetMessage()
		return fmt.Errorf("%s:%d: %s", path, ye.GetToken().Position.Line, msg)
	}
	return fmt.Errorf("%s: %w", path, err)
}

// envRef matches ${NAME} and ${NAME:-default}.
var envRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)(:-[^}]*)?\}`)

// expandEnv replaces ${NAME} and ${NAME:-default} in every string of v,
// after parsing, so an environment value can never change the document's
// structure.
func expandEnv(v reflect.Value, getenv func(string) string) error {
	switch v.Kind() {
	case reflect.String:
		var missing string
		out := envRef.ReplaceAllStringFunc(v.String(), func(ref string) string {
			m := envRef.FindStringSubmatch(ref)
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
			if err := expandEnv(v.Field(i), getenv); err != nil {
				return err
			}
		}
	case reflect.Pointer:
		if !v.IsNil() {
			return expandEnv(v.Elem(), getenv)
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

// Validate checks values that parse but make no sense.
func (c *Config) Validate() error {
	if c.Listen == "" {
		return errors.New("config: listen must not be empty")
	}
	if c.DB != "" && !strings.HasPrefix(c.DB, "postgres://") && !strings.HasPrefix(c.DB, "postgresql://") && !strings.HasPrefix(c.DB, "sqlite:") {
		return fmt.Errorf("config: db %q: want a postgres:// URL, sqlite:PATH, or nothing for the embedded SQLite", redactDSN(c.DB))
	}
	if _, err := parseLevel(c.Log.Level); err != nil {
		return err
	}
	if c.Log.Format != "text" && c.Log.Format != "json" {
		return fmt.Errorf("config: log.format %q: want text or json", c.Log.Format)
	}
	if c.Diagnosis.Workers < 1 || c.Diagnosis.Workers > 256 {
		return fmt.Errorf("config: diagnosis.workers %d: want 1 to 256", c.Diagnosis.Workers)
	}
	if c.Diagnosis.Timeout <= 0 {
		return fmt.Errorf("config: diagnosis.timeout must be positive")
	}
	if c.Diagnosis.MaxOutput < 1024 {
		return fmt.Errorf("config: diagnosis.max_output %d: want at least 1024 bytes", c.Diagnosis.MaxOutput)
	}
	for name, t := range c.Targets {
		if name == "local" && t.SSH != nil {
			return errors.New(`config: targets.local is the local machine and cannot be an SSH target`)
		}
		if t.SSH != nil && (t.SSH.Addr == "" || t.SSH.User == "" || t.SSH.KeyFile == "" || t.SSH.KnownHosts == "") {
			return fmt.Errorf("config: targets.%s.ssh needs addr, user, key_file and known_hosts", name)
		}
	}
	return nil
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
