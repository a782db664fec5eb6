package check

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/quench-sh/quench"
	"github.com/quench-sh/quench/shell"
)

// FieldError is a bad value of a check's spec. Field is the key path
// inside the check ("http.url", "conditions"), so the config loader can
// say file:line.
type FieldError struct {
	Field string
	Msg   string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Msg }

func fieldErr(field, format string, args ...any) error {
	return &FieldError{Field: field, Msg: fmt.Sprintf(format, args...)}
}

// Check is one compiled check: its spec with defaults, its probe and its
// conditions. It holds no run state; the Engine does.
type Check struct {
	Spec  Spec
	Kind  string
	conds []condition
	probe prober
	// wantBody: a condition reads the HTTP body, so every run decodes it.
	wantBody bool
}

// CompileOptions are what compiling needs beyond the spec.
type CompileOptions struct {
	// Shell classifies command checks, with the operator's variables
	// (shell.EnvOptions of the config's env and secrets).
	Shell shell.Options
}

// Compile validates a spec, fills its defaults and compiles its probe and
// conditions. Errors are *FieldError.
func Compile(spec Spec, opts CompileOptions) (*Check, error) {
	s := spec.withDefaults()
	switch {
	case !nameRE().MatchString(s.Name):
		return nil, fieldErr("name", "%q: want 1 to 63 of a-z, 0-9, '-', '_', '.', starting with a letter or digit", s.Name)
	case s.Interval < MinInterval:
		return nil, fieldErr("interval", "%s: want at least %s", s.Interval, MinInterval)
	case s.Timeout <= 0 || s.Timeout > s.Interval:
		return nil, fieldErr("timeout", "%s: want a positive duration no longer than the interval (%s)", s.Timeout, s.Interval)
	case s.FailureThreshold < 1 || s.FailureThreshold > 100:
		return nil, fieldErr("failure_threshold", "%d: want 1 to 100", s.FailureThreshold)
	case s.SuccessThreshold < 1 || s.SuccessThreshold > 100:
		return nil, fieldErr("success_threshold", "%d: want 1 to 100", s.SuccessThreshold)
	case !s.Severity.Valid():
		return nil, fieldErr("severity", "%q: want critical, high, medium or low", s.Severity)
	case len(s.Labels) > quench.MaxLabels-4:
		return nil, fieldErr("labels", "%d labels: want at most %d", len(s.Labels), quench.MaxLabels-4)
	}
	for _, k := range slices.Sorted(maps.Keys(s.Labels)) {
		if k == "" || strings.ContainsAny(k, " \t\n=") {
			return nil, fieldErr("labels", "%q: want a label name without spaces or '='", k)
		}
		if k == "check" || k == "runbook" {
			return nil, fieldErr("labels."+k, "is set by quench (use the check's name or runbook)")
		}
	}
	for _, d := range s.DependsOn {
		if d == s.Name {
			return nil, fieldErr("depends_on", "%q: a check cannot depend on itself", d)
		}
	}
	kind, err := s.Kind()
	if err != nil {
		return nil, fieldErr("kind", "%s", err)
	}
	conds := s.Conditions
	switch {
	case len(conds) == 0 && kind == quench.CheckContainer:
		conds = []string{containerDefault}
	case len(conds) == 0 && kind == quench.CheckCommand:
		conds = []string{commandDefault}
	case len(conds) == 0 && (kind == quench.CheckDisk || kind == quench.CheckHost):
		return nil, fieldErr("conditions", "a %s check needs conditions (for example %s)", kind, exampleCondition[kind])
	}
	c := &Check{Spec: s, Kind: kind}
	if c.conds, err = compileConditions(kind, conds); err != nil {
		return nil, fieldErr("conditions", "%s", err)
	}
	for _, src := range conds {
		c.wantBody = c.wantBody || strings.Contains(src, "body")
	}
	switch kind {
	case quench.CheckHTTP:
		c.probe, err = newHTTPProbe(*s.HTTP, conds)
	case quench.CheckTCP:
		c.probe, err = newTCPProbe(*s.TCP)
	case quench.CheckDNS:
		c.probe, err = newDNSProbe(*s.DNS)
	case quench.CheckTLS:
		c.probe, err = newTLSProbe(*s.TLS)
	case quench.CheckPostgres:
		c.probe, err = newPostgresProbe(*s.Postgres, s.Timeout)
	case quench.CheckRedis:
		c.probe, err = newRedisProbe(*s.Redis, s.Timeout)
	case quench.CheckDisk:
		c.probe, err = newDiskProbe(*s.Disk)
	case quench.CheckHost:
		c.probe, err = newHostProbe(*s.Host, s.Timeout)
	case quench.CheckContainer:
		c.probe, err = newContainerProbe(*s.Container)
	case quench.CheckCommand:
		c.probe, err = newCommandProbe(*s.Command, s.Timeout, opts.Shell)
	}
	if err != nil {
		return nil, err
	}
	return c, nil
}

var exampleCondition = map[string]string{
	quench.CheckDisk: "used_percent < 85",
	quench.CheckHost: "cpu_percent < 90",
}

// CompileAll compiles every spec; names must be unique and depends_on
// must name configured checks. The error names the spec by its index.
func CompileAll(specs []Spec, opts CompileOptions) ([]*Check, error) {
	out := make([]*Check, 0, len(specs))
	seen := make(map[string]int, len(specs))
	for i, s := range specs {
		c, err := Compile(s, opts)
		if err != nil {
			return nil, &IndexError{Index: i, Err: err}
		}
		if j, dup := seen[c.Spec.Name]; dup {
			return nil, &IndexError{Index: i, Err: fieldErr("name", "%q is also the name of check %d: names are dedup keys and must be unique", c.Spec.Name, j)}
		}
		seen[c.Spec.Name] = i
		out = append(out, c)
	}
	for i, c := range out {
		for _, d := range c.Spec.DependsOn {
			if _, ok := seen[d]; !ok {
				return nil, &IndexError{Index: i, Err: fieldErr("depends_on", "%q is not a configured check", d)}
			}
		}
	}
	return out, nil
}

// IndexError is a bad spec in a list, by its index.
type IndexError struct {
	Index int
	Err   error
}

func (e *IndexError) Error() string { return fmt.Sprintf("checks[%d]: %s", e.Index, e.Err) }
func (e *IndexError) Unwrap() error { return e.Err }
