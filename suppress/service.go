package suppress

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/quench-sh/quench"
)

// Store keeps silences and held-back alerts (sqldb.SilenceService).
type Store interface {
	quench.SilenceStore
	// HoldAlert stores or counts a held-back alert by its key; fresh when
	// the key was not held before, or was held by something else.
	HoldAlert(ctx context.Context, a *quench.Alert, reason, ref string) (fresh bool, err error)
	// ReleaseAlert forgets a held key; whether it was held.
	ReleaseAlert(ctx context.Context, integration, dedupKey string) (bool, error)
	// HeldAlerts lists the held-back alerts, newest first.
	HeldAlerts(ctx context.Context) ([]*quench.SuppressedAlert, error)
	// AnyHeld reports whether any alert is held back.
	AnyHeld(ctx context.Context) (bool, error)
	// HasOpenIncident reports whether the key has an open incident.
	HasOpenIncident(ctx context.Context, integration, dedupKey string) (bool, error)
}

// cacheTTL is how long the active silences read from the store are
// trusted: a silence made or expired on another server sharing the
// database applies within this long; one made on this server at once.
const cacheTTL = time.Second

// maxOpenSources bounds the open incidents read as inhibition sources.
const maxOpenSources = 500

// Service holds back alerts (quench.Suppressor, the AlertService's
// step) and serves silences (quench.SilenceService). Open starts the
// loop that lets held alerts go when what holds them back ends.
type Service struct {
	Store     Store
	Incidents quench.IncidentService // open incidents inhibit; symptoms go on their timelines
	Alerts    quench.AlertService    // released alerts go through the pipeline again
	Router    quench.Router          // the runbook matchers see; nil leaves it to the alert's label
	Events    quench.EventService    // an incident resolved may release its symptoms
	// Leader, when set, is asked for the lead of releasing ("suppress");
	// nil leads at once (one server per SQLite file).
	Leader         quench.LeaderFunc
	LeaderInterval time.Duration
	// Resync is how often the leader looks for held alerts to release
	// without being told (silences expired on other servers); 0 never.
	Resync time.Duration
	Logger *slog.Logger
	Now    func() time.Time

	mu       sync.Mutex
	rules    Rules
	silences []*quench.Silence // current (active or pending), newest first
	loadedAt time.Time         // zero: reload before use
	held     bool              // some alert may be held
	wake     chan struct{}

	cancel context.CancelFunc
	wg     sync.WaitGroup
}

var (
	_ quench.Suppressor     = (*Service)(nil)
	_ quench.SilenceService = (*Service)(nil)
)

// Open takes the rules and starts the release loop.
func (s *Service) Open(ctx context.Context, rules Rules) error {
	if s.Now == nil {
		s.Now = time.Now
	}
	if s.Logger == nil {
		s.Logger = slog.New(slog.DiscardHandler)
	}
	if s.LeaderInterval <= 0 {
		s.LeaderInterval = 2 * time.Second
	}
	s.wake = make(chan struct{}, 1)
	s.rules = rules
	held, err := s.Store.AnyHeld(ctx)
	if err != nil {
		return err
	}
	s.held = held
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s.cancel = cancel
	s.wg.Add(1)
	go s.run(runCtx)
	return nil
}

// Close stops the release loop.
func (s *Service) Close() {
	if s.cancel != nil {
		s.cancel()
	}
	s.wg.Wait()
}

// SetRules replaces the windows and inhibition rules (SIGHUP); alerts
// they no longer hold back are released.
func (s *Service) SetRules(r Rules) {
	s.mu.Lock()
	s.rules = r
	s.mu.Unlock()
	s.poke()
}

func (s *Service) poke() {
	if s.wake == nil {
		return
	}
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// snapshot is what one Suppress call decides by.
type snapshot struct {
	rules    Rules
	silences []*quench.Silence
	held     bool
}

// empty: nothing can hold an alert back and nothing is held, so alerts
// pass with no store access at all.
func (sn *snapshot) empty() bool {
	return len(sn.rules.Windows) == 0 && len(sn.rules.Inhibit) == 0 && len(sn.silences) == 0 && !sn.held
}

// needsRunbook reports whether any matcher names the runbook label, the
// only one that costs routing.
func (sn *snapshot) needsRunbook() bool {
	names := func(ms []quench.LabelMatcher) bool {
		for _, m := range ms {
			if m.Name == "runbook" {
				return true
			}
		}
		return false
	}
	for _, sl := range sn.silences {
		if names(sl.Matchers) {
			return true
		}
	}
	for _, w := range sn.rules.Windows {
		if names(w.Matchers) {
			return true
		}
	}
	for _, r := range sn.rules.Inhibit {
		if names(r.Target) {
			return true
		}
	}
	return false
}

// current returns the snapshot, rereading the silences when they are
// older than cacheTTL (or force).
func (s *Service) current(ctx context.Context, force bool) (*snapshot, error) {
	now := s.Now()
	s.mu.Lock()
	fresh := !force && !s.loadedAt.IsZero() && now.Sub(s.loadedAt) < cacheTTL
	if fresh {
		sn := &snapshot{rules: s.rules, silences: s.silences, held: s.held}
		s.mu.Unlock()
		return sn, nil
	}
	s.mu.Unlock()
	sls, err := s.Store.FindSilences(ctx, quench.SilenceFilter{Current: true, Limit: 1000})
	if err != nil {
		return nil, err
	}
	held, err := s.Store.AnyHeld(ctx)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.silences, s.loadedAt, s.held = sls, now, held
	return &snapshot{rules: s.rules, silences: s.silences, held: s.held}, nil
}

// invalidate makes the next Suppress reread the silences.
func (s *Service) invalidate() {
	s.mu.Lock()
	s.loadedAt = time.Time{}
	s.mu.Unlock()
}

// hold is why an alert is held back.
type hold struct {
	reason, ref string
	by          *quench.Incident // the inhibiting incident
	rule        string
}

// decide says what holds an alert with labels l back at now, if anything:
// a silence, then a maintenance window, then an open incident.
func (s *Service) decide(ctx context.Context, sn *snapshot, a *quench.Alert, l map[string]string, now time.Time, open *[]*quench.Incident) (*hold, error) {
	for _, sl := range sn.silences {
		if sl.StateAt(now) == quench.SilenceActive && quench.MatchAll(sl.Matchers, l) {
			return &hold{reason: quench.SuppressSilence, ref: strconv.FormatInt(sl.ID, 10)}, nil
		}
	}
	for _, w := range sn.rules.Windows {
		if _, ok := w.ActiveAt(now); ok && quench.MatchAll(w.Matchers, l) {
			return &hold{reason: quench.SuppressMaintenance, ref: w.Name}, nil
		}
	}
	for _, r := range sn.rules.Inhibit {
		if !quench.MatchAll(r.Target, l) {
			continue
		}
		if *open == nil {
			incs, err := s.Incidents.FindIncidents(ctx, quench.IncidentFilter{Open: true, Limit: maxOpenSources})
			if err != nil {
				return nil, err
			}
			*open = append(incs, nil)[:len(incs)] // non-nil even when empty: read once per call
		}
		for _, in := range *open {
			if in.Integration == a.Integration && in.DedupKey == a.DedupKey {
				continue // its own incident: a repeat, not a symptom
			}
			il := incidentLabels(in)
			if quench.MatchAll(r.Source, il) && !quench.MatchAll(r.Target, il) && equalOn(r.Equal, il, l) {
				return &hold{reason: quench.SuppressInhibition, ref: strconv.FormatInt(in.ID, 10), by: in, rule: r.Name}, nil
			}
		}
	}
	return nil, nil
}

// Suppress holds back the alerts that must not open an incident (see
// quench.Suppressor). A resolve forgets a held alert of its key.
func (s *Service) Suppress(ctx context.Context, alerts []quench.Alert) ([]*quench.IngestResult, error) {
	out := make([]*quench.IngestResult, len(alerts))
	sn, err := s.current(ctx, false)
	if err != nil {
		return nil, err
	}
	if sn.empty() {
		return out, nil
	}
	var route func(*quench.Alert) string
	if s.Router != nil && sn.needsRunbook() {
		route = s.Router.Route
	}
	now := s.Now()
	var open []*quench.Incident
	for i := range alerts {
		a := &alerts[i]
		if a.Labels[quench.LabelDrill] != "" {
			continue // a drill tests the pipeline: never held back
		}
		if a.Action == quench.ActionResolve && sn.held {
			if _, err := s.Store.ReleaseAlert(ctx, a.Integration, a.DedupKey); err != nil {
				return nil, err
			}
			continue
		}
		if a.Action != quench.ActionTrigger {
			continue
		}
		h, err := s.decide(ctx, sn, a, alertLabels(a, route), now, &open)
		if err != nil {
			return nil, err
		}
		if h == nil {
			continue
		}
		if isOpen, err := s.Store.HasOpenIncident(ctx, a.Integration, a.DedupKey); err != nil {
			return nil, err
		} else if isOpen {
			continue // counts on its incident
		}
		fresh, err := s.Store.HoldAlert(ctx, a, h.reason, h.ref)
		if err != nil {
			return nil, err
		}
		s.mu.Lock()
		s.held, sn.held = true, true
		s.mu.Unlock()
		if h.by != nil && fresh {
			s.symptom(ctx, h, a)
		}
		out[i] = &quench.IngestResult{Outcome: quench.OutcomeSuppressed, DedupKey: a.DedupKey}
	}
	return out, nil
}

// symptom shows an inhibited alert on the incident that inhibits it.
func (s *Service) symptom(ctx context.Context, h *hold, a *quench.Alert) {
	text := fmt.Sprintf("symptom held back (%s): %s", h.rule, a.Summary)
	if a.Summary == "" {
		text = fmt.Sprintf("symptom held back (%s): %s alert %s", h.rule, a.Source, a.DedupKey)
	}
	if _, err := s.Incidents.AddEvent(ctx, quench.TimelineEvent{IncidentID: h.by.ID, At: a.ReceivedAt, Kind: quench.EventSymptom,
		Actor: a.Source, Text: quench.CutText(text, quench.MaxSummaryBytes+256)}); err != nil {
		s.Logger.Warn("suppress: add symptom to the timeline", "incident", h.by.ID, "err", err)
	}
}
