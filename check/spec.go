// Package check runs quench's built-in checks: it probes HTTP endpoints,
// TCP ports, DNS names, TLS certificates, PostgreSQL, Redis, disks, the
// host, Docker containers and read-only commands on a schedule, and turns
// each check's transitions (firing at its failure threshold, resolved at
// its success threshold) into alerts through the one AlertService.
package check

import (
	"fmt"
	"regexp"
	"sync"
	"time"

	"github.com/quench-sh/quench"
)

// Defaults of a check that leaves them unset.
const (
	DefaultInterval         = 30 * time.Second
	DefaultTimeout          = 10 * time.Second
	DefaultFailureThreshold = 1
	DefaultSuccessThreshold = 1
	MinInterval             = time.Second
	// HistorySize is how many recent results each check keeps for the API.
	HistorySize = 10
)

// Spec is one check as the config declares it. Exactly one of the kind
// sections (HTTP … Command) is set; it is the check's kind.
type Spec struct {
	Name             string            `yaml:"name"`
	Interval         time.Duration     `yaml:"interval"`
	Timeout          time.Duration     `yaml:"timeout"`
	FailureThreshold int               `yaml:"failure_threshold"`
	SuccessThreshold int               `yaml:"success_threshold"`
	Severity         quench.Severity   `yaml:"severity"`
	Summary          string            `yaml:"summary"` // the incident's summary; default "check NAME failing"
	Labels           map[string]string `yaml:"labels"`
	// Runbook names the runbook of the check's incidents; without it the
	// runbooks' match expressions route the alert (source "check", check
	// NAME, body the HTTP response's JSON).
	Runbook string `yaml:"runbook"`
	// DependsOn names checks this one depends on: while one of them has an
	// open incident, this check's failure is its symptom (serve turns it
	// into inhibition rules). It is also shown and carried on the alert
	// (annotation depends_on).
	DependsOn []string `yaml:"depends_on"`
	// Conditions must all hold for a run to pass: expr expressions over
	// the kind's variables (see docs/checks.md).
	Conditions []string `yaml:"conditions"`

	HTTP      *HTTPSpec      `yaml:"http"`
	TCP       *TCPSpec       `yaml:"tcp"`
	DNS       *DNSSpec       `yaml:"dns"`
	TLS       *TLSSpec       `yaml:"tls"`
	Postgres  *PostgresSpec  `yaml:"postgres"`
	Redis     *RedisSpec     `yaml:"redis"`
	Disk      *DiskSpec      `yaml:"disk"`
	Host      *HostSpec      `yaml:"host"`
	Container *ContainerSpec `yaml:"container"`
	Command   *CommandSpec   `yaml:"command"`
}

// HTTPSpec probes a URL.
type HTTPSpec struct {
	URL     string            `yaml:"url"`
	Method  string            `yaml:"method"` // GET (default) or HEAD
	Headers map[string]string `yaml:"headers"`
	// Status lists the expected status codes; empty means any 2xx.
	Status []int `yaml:"status"`
	// InsecureSkipVerify turns off TLS certificate verification.
	InsecureSkipVerify bool `yaml:"insecure_skip_verify"`
}

// TCPSpec connects to a port.
type TCPSpec struct {
	Address string `yaml:"address"` // host:port
}

// DNSSpec resolves a name.
type DNSSpec struct {
	Name   string `yaml:"name"`
	Server string `yaml:"server"` // host:port of a resolver; "" uses the system's
}

// TLSSpec reads a server's certificate.
type TLSSpec struct {
	Address    string `yaml:"address"`     // host:port
	ServerName string `yaml:"server_name"` // default: the address's host
	// MinDaysLeft fails the check when the certificate expires sooner
	// (default 14).
	MinDaysLeft float64 `yaml:"min_days_left"`
}

// PostgresSpec connects to PostgreSQL and may run one scalar query that
// the classifier proves read-only, under statement_timeout.
type PostgresSpec struct {
	DSN   string `yaml:"dsn"`
	Query string `yaml:"query"`
}

// RedisSpec pings Redis and may read INFO fields and a key's length.
type RedisSpec struct {
	Address  string `yaml:"address"` // host:port
	Password string `yaml:"password"`
	DB       int    `yaml:"db"`
	// Info reads INFO (all sections) into the variable info.
	Info bool `yaml:"info"`
	// LLen or ZCard names a list or sorted set whose length becomes the
	// variable length (a queue's depth).
	LLen  string `yaml:"llen"`
	ZCard string `yaml:"zcard"`
}

// DiskSpec reads the usage of the file system holding Path.
type DiskSpec struct {
	Path string `yaml:"path"`
}

// HostSpec reads CPU, memory and OOM kills of this host from /proc.
type HostSpec struct {
	// CPUWindow is how long CPU use is measured over (default 1s); it
	// must be shorter than the timeout.
	CPUWindow time.Duration `yaml:"cpu_window"`
	// Proc is the proc file system (default /proc); tests point it at a
	// copy.
	Proc string `yaml:"proc"`
}

// ContainerSpec reads a container through the Docker Engine API.
type ContainerSpec struct {
	Name   string `yaml:"name"`
	Socket string `yaml:"socket"` // default /var/run/docker.sock
}

// CommandSpec runs a read-only command the classifier accepts, as a
// diagnosis step runs.
type CommandSpec struct {
	Run string `yaml:"run"`
}

// nameRE is what a check's name may be: it is the dedup key, a label
// value and part of URLs.
var nameRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{0,62}$`) })

// Kind returns the kind of the section that is set, "" when none is and
// an error when several are.
func (s *Spec) Kind() (string, error) {
	kind := ""
	for _, k := range []struct {
		name string
		set  bool
	}{
		{quench.CheckHTTP, s.HTTP != nil}, {quench.CheckTCP, s.TCP != nil}, {quench.CheckDNS, s.DNS != nil},
		{quench.CheckTLS, s.TLS != nil}, {quench.CheckPostgres, s.Postgres != nil}, {quench.CheckRedis, s.Redis != nil},
		{quench.CheckDisk, s.Disk != nil}, {quench.CheckHost, s.Host != nil}, {quench.CheckContainer, s.Container != nil},
		{quench.CheckCommand, s.Command != nil},
	} {
		if !k.set {
			continue
		}
		if kind != "" {
			return "", fmt.Errorf("has both %s and %s: a check has one kind", kind, k.name)
		}
		kind = k.name
	}
	if kind == "" {
		return "", fmt.Errorf("has no kind: give one of http, tcp, dns, tls, postgres, redis, disk, host, container, command")
	}
	return kind, nil
}

// withDefaults fills what the spec leaves unset.
func (s Spec) withDefaults() Spec {
	if s.Interval == 0 {
		s.Interval = DefaultInterval
	}
	if s.Timeout == 0 {
		s.Timeout = min(DefaultTimeout, s.Interval)
	}
	if s.FailureThreshold == 0 {
		s.FailureThreshold = DefaultFailureThreshold
	}
	if s.SuccessThreshold == 0 {
		s.SuccessThreshold = DefaultSuccessThreshold
	}
	if s.Severity == "" {
		s.Severity = quench.SeverityHigh
	}
	return s
}
