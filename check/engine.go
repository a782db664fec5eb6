package check

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"hash/fnv"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/quench-sh/quench"
	"github.com/quench-sh/quench/shell"
)

// DefaultConcurrency is how many checks run at once by default.
const DefaultConcurrency = 64

// Engine runs checks on their schedule and submits their transitions as
// alerts. Set the exported fields, give it checks with SetChecks, and run
// it with Run (or RunLeader where several servers share a database).
// Checks is safe to call at any time.
type Engine struct {
	Alerts quench.AlertService
	Store  quench.CheckStore
	// Concurrency bounds the checks running at once (DefaultConcurrency).
	Concurrency int
	// Shell runs command checks (default shell.Local{}); Env and Secrets
	// are their environment, as for diagnosis steps; MaxOutput caps
	// their output.
	Shell     shell.Runner
	Env       map[string]string
	Secrets   map[string]string
	MaxOutput int
	// RootCAs verifies HTTPS and TLS checks; nil uses the system's.
	RootCAs *x509.CertPool
	Log     *slog.Logger
	Now     func() time.Time

	initOnce sync.Once
	deps     *deps

	mu      sync.Mutex
	entries map[string]*entry
	order   []string // names in config order
	running bool
	changed chan struct{} // SetChecks tells the running loop
}

var _ quench.CheckService = (*Engine)(nil)

// entry is one configured check and its state.
type entry struct {
	check *Check

	mu      sync.Mutex // guards everything below
	state   quench.CheckState
	hist    history
	removed bool

	// Owned by the scheduling loop.
	next  time.Time
	busy  bool
	index int
}

func (e *Engine) init() {
	e.initOnce.Do(func() {
		if e.Log == nil {
			e.Log = slog.New(slog.DiscardHandler)
		}
		if e.Now == nil {
			e.Now = time.Now
		}
		if e.Concurrency <= 0 {
			e.Concurrency = DefaultConcurrency
		}
		if e.Shell == nil {
			e.Shell = shell.Local{}
		}
		secrets := make([]string, 0, len(e.Secrets))
		env := make(map[string]string, len(e.Env)+len(e.Secrets))
		for k, v := range e.Env {
			env[k] = v
		}
		for k, v := range e.Secrets {
			env[k] = v
			secrets = append(secrets, v)
		}
		e.deps = &deps{http: e.httpClient(false), httpInsecure: e.httpClient(true), roots: e.RootCAs,
			shell: e.Shell, env: env, secrets: secrets, maxOutput: e.MaxOutput}
		e.changed = make(chan struct{}, 1)
		if e.entries == nil {
			e.entries = map[string]*entry{}
		}
	})
}

// httpClient is shared by every HTTP check: one pool of connections per
// target host, however many checks poll it, and no per-check transport.
func (e *Engine) httpClient(insecure bool) *http.Client {
	tr := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: DefaultTimeout, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConnsPerHost: e.Concurrency,
		IdleConnTimeout:     90 * time.Second,
		TLSHandshakeTimeout: DefaultTimeout,
		ForceAttemptHTTP2:   true,
		TLSClientConfig:     &tls.Config{RootCAs: e.RootCAs, InsecureSkipVerify: insecure, MinVersion: tls.VersionTLS12}, //nolint:gosec // the operator's choice, per check
	}
	return &http.Client{Transport: tr}
}

// SetChecks replaces the configured checks (at start and on reload). A
// check keeps its state across a reload when its name stays; a check that
// left the configuration has its incident resolved ("check removed") and
// its state forgotten, when this server runs the checks.
func (e *Engine) SetChecks(ctx context.Context, checks []*Check) {
	e.init()
	e.mu.Lock()
	next := make(map[string]*entry, len(checks))
	order := make([]string, 0, len(checks))
	for _, c := range checks {
		en := e.entries[c.Spec.Name]
		if en == nil {
			en = &entry{state: quench.CheckState{Name: c.Spec.Name, Status: quench.CheckPending}, index: -1}
		}
		en.mu.Lock()
		en.check = c
		en.state.Kind = c.Kind
		en.mu.Unlock()
		next[c.Spec.Name] = en
		order = append(order, c.Spec.Name)
	}
	var gone []*entry
	for name, en := range e.entries {
		if next[name] == nil {
			gone = append(gone, en)
		}
	}
	e.entries, e.order = next, order
	running := e.running
	e.mu.Unlock()
	select {
	case e.changed <- struct{}{}:
	default:
	}
	if !running {
		return
	}
	for _, en := range gone {
		e.remove(ctx, en)
	}
}

// remove resolves a removed check's incident and forgets its state.
func (e *Engine) remove(ctx context.Context, en *entry) {
	en.mu.Lock()
	defer en.mu.Unlock()
	en.removed = true
	e.forget(ctx, &en.state)
}

// forget resolves a stored or running state's incident when it fires, and
// deletes its row.
func (e *Engine) forget(ctx context.Context, st *quench.CheckState) {
	if st.Firing {
		a := quench.Alert{Source: quench.SourceCheck, Integration: st.Name, DedupKey: st.Name, Action: quench.ActionResolve,
			Check: st.Name, Summary: "check " + st.Name + " removed", Annotations: map[string]string{"reason": "check removed"}}
		if _, err := e.Alerts.SubmitAlerts(ctx, []quench.Alert{a}); err != nil {
			e.Log.Error("check: resolve a removed check's incident", "check", st.Name, "err", err)
			return
		}
		st.Firing = false
		e.Log.Info("check removed from the config: its incident is resolved", "check", st.Name)
	}
	if err := e.Store.DeleteCheckState(ctx, st.Name); err != nil {
		e.Log.Warn("check: forget a removed check", "check", st.Name, "err", err)
	}
}

// Checks returns every configured check's state in config order. A
// server that does not run the checks answers from the store: the state
// at the latest transition, no history.
func (e *Engine) Checks(ctx context.Context) ([]*quench.CheckState, error) {
	e.init()
	e.mu.Lock()
	running := e.running
	ens := make([]*entry, 0, len(e.order))
	for _, name := range e.order {
		ens = append(ens, e.entries[name])
	}
	e.mu.Unlock()
	var stored map[string]*quench.CheckState
	if !running {
		states, err := e.Store.CheckStates(ctx)
		if err != nil {
			return nil, err
		}
		stored = make(map[string]*quench.CheckState, len(states))
		for _, s := range states {
			stored[s.Name] = s
		}
	}
	out := make([]*quench.CheckState, 0, len(ens))
	for _, en := range ens {
		en.mu.Lock()
		st := en.state
		c := en.check
		st.History = en.hist.list()
		en.mu.Unlock()
		if s := stored[st.Name]; s != nil {
			st.Status, st.Firing, st.Since, st.Last = s.Status, s.Firing, s.Since, s.Last
		}
		st.Kind = c.Kind
		st.Interval = c.Spec.Interval.String()
		st.Severity = c.Spec.Severity
		st.RunbookID = c.Spec.Runbook
		st.DependsOn = slices.Clone(c.Spec.DependsOn)
		out = append(out, &st)
	}
	return out, nil
}

// RunLeader runs the checks whenever this server holds the checks lead
// (quench.Lead): it asks every interval (so another server takes over
// within about that long of a leader's death) and runs them while it holds
// the lead, until ctx ends.
func (e *Engine) RunLeader(ctx context.Context, leader quench.LeaderFunc, interval time.Duration) {
	e.init()
	quench.Lead(ctx, leader, "checks", interval, e.Log, func(ctx context.Context) {
		e.mu.Lock()
		n := len(e.order)
		e.mu.Unlock()
		if n > 0 {
			e.Log.Info("check: this server runs the checks", "checks", n)
		}
		if err := e.Run(ctx); err != nil && ctx.Err() == nil {
			e.Log.Error("check: stopped", "err", err)
		}
	})
}

// Run loads the stored states, resolves the incidents of checks no longer
// configured, and runs the checks until ctx ends.
func (e *Engine) Run(ctx context.Context) error {
	e.init()
	states, err := e.Store.CheckStates(ctx)
	if err != nil {
		return fmt.Errorf("check: load states: %w", err)
	}
	e.mu.Lock()
	if e.running {
		e.mu.Unlock()
		return fmt.Errorf("check: already running")
	}
	e.running = true
	var gone []*quench.CheckState
	for _, s := range states {
		en := e.entries[s.Name]
		if en == nil {
			gone = append(gone, s)
			continue
		}
		en.mu.Lock()
		en.state.Status, en.state.Firing, en.state.Since, en.state.Last = s.Status, s.Firing, s.Since, s.Last
		en.mu.Unlock()
	}
	e.mu.Unlock()
	defer func() {
		e.mu.Lock()
		e.running = false
		e.mu.Unlock()
	}()
	for _, s := range gone {
		e.forget(ctx, s)
	}
	e.loop(ctx)
	return nil
}

// offset spreads checks over their interval by name, so that a thousand
// checks of one interval do not all start in the same millisecond, and a
// check keeps its place across restarts.
func offset(name string, interval time.Duration) time.Duration {
	h := fnv.New64a()
	h.Write([]byte(name))
	return time.Duration(h.Sum64() % uint64(interval))
}
