package runbooks_test

import (
	"context"
	"maps"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/quench-sh/quench"
	"github.com/quench-sh/quench/internal/throwaway"
	"github.com/quench-sh/quench/markdown"
	"github.com/quench-sh/quench/shell"
)

var (
	packOnce sync.Once
	pack     *markdown.Pack
	packErr  error
)

// loadPack loads the pack in this directory once for all tests.
func loadPack(t testing.TB) *markdown.Pack {
	t.Helper()
	packOnce.Do(func() { pack, packErr = markdown.LoadPack(".") })
	if packErr != nil {
		t.Fatal(packErr)
	}
	return pack
}

// step returns a step of the pack: a first step when runbook is "", else
// the runbook's step.
func step(t testing.TB, runbook, name string) quench.Step {
	t.Helper()
	p := loadPack(t)
	if runbook == "" {
		for _, s := range p.FirstSteps {
			if s.Name == name {
				return s
			}
		}
		t.Fatalf("no first step %q", name)
	}
	rb, err := p.Runbook(runbook)
	if err != nil {
		t.Fatal(err)
	}
	s, err := rb.StepByName(name)
	if err != nil {
		t.Fatal(err)
	}
	return *s
}

// ran is what a step printed and how it ended.
type ran struct {
	out      string
	exit     int
	timedOut bool
	took     time.Duration
}

func (r ran) String() string {
	return "exit " + strconv.Itoa(r.exit) + "\n" + r.out
}

// run runs a script the way quench runs a step: bash -c, with the stack's
// environment (every pack variable pointed at the stack) plus extra.
func run(t testing.TB, st *throwaway.Stack, script string, timeout time.Duration, extra map[string]string) ran {
	t.Helper()
	env := st.Env()
	maps.Copy(env, extra)
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*timeout)
	defer cancel()
	start := time.Now()
	res, err := shell.Local{}.Run(ctx, shell.Spec{Script: script, Env: env, Timeout: timeout}, nil)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	return ran{out: string(res.Output), exit: res.ExitCode, timedOut: res.TimedOut, took: time.Since(start)}
}

// runStep runs one step of the pack against the stack, with its own
// timeout.
func runStep(t testing.TB, st *throwaway.Stack, runbook, name string, extra map[string]string) ran {
	t.Helper()
	s := step(t, runbook, name)
	return run(t, st, s.Command, s.Timeout, extra)
}

// replaceOnce returns s with old replaced by new, failing the test unless
// old occurs exactly once: tests that shorten a step's threshold must be
// sure they changed the threshold and nothing else.
func replaceOnce(t testing.TB, s, old, new string) string {
	t.Helper()
	if n := strings.Count(s, old); n != 1 {
		t.Fatalf("%q occurs %d times in the step, want once", old, n)
	}
	return strings.Replace(s, old, new, 1)
}

// contains fails the test unless out holds every want.
func contains(t testing.TB, what string, r ran, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(r.out, w) {
			t.Errorf("%s: output lacks %q:\n%s", what, w, r)
		}
	}
}

// lacks fails the test when out holds any of bad.
func lacks(t testing.TB, what string, r ran, bad ...string) {
	t.Helper()
	for _, b := range bad {
		if strings.Contains(r.out, b) {
			t.Errorf("%s: output holds %q:\n%s", what, b, r)
		}
	}
}
