package suppress

import (
	"context"
	"strconv"
	"time"

	"github.com/quench-sh/quench"
)

// CreateSilence stores a silence; it applies to the next alert at once.
func (s *Service) CreateSilence(ctx context.Context, sl *quench.Silence) error {
	if err := s.Store.CreateSilence(ctx, sl); err != nil {
		return err
	}
	s.invalidate()
	s.poke()
	return nil
}

// ExpireSilence ends a silence now; the alerts it held back that still
// fire open their incidents.
func (s *Service) ExpireSilence(ctx context.Context, id int64, actor string) (*quench.Silence, error) {
	sl, err := s.Store.ExpireSilence(ctx, id, actor)
	if err != nil {
		return nil, err
	}
	s.invalidate()
	s.poke()
	return sl, nil
}

// FindSilences lists silences, each with the number of alerts it holds
// back now.
func (s *Service) FindSilences(ctx context.Context, f quench.SilenceFilter) ([]*quench.Silence, error) {
	sls, err := s.Store.FindSilences(ctx, f)
	if err != nil {
		return nil, err
	}
	held, err := s.Store.HeldAlerts(ctx)
	if err != nil {
		return nil, err
	}
	count := map[string]int{}
	for _, h := range held {
		if h.Reason == quench.SuppressSilence {
			count[h.Ref]++
		}
	}
	for _, sl := range sls {
		sl.Suppressed = count[strconv.FormatInt(sl.ID, 10)]
	}
	return sls, nil
}

// SuppressedAlerts lists the alerts held back now.
func (s *Service) SuppressedAlerts(ctx context.Context) ([]*quench.SuppressedAlert, error) {
	return s.Store.HeldAlerts(ctx)
}

// run releases held alerts while this server leads that job.
func (s *Service) run(ctx context.Context) {
	defer s.wg.Done()
	quench.Lead(ctx, s.Leader, "suppress", s.LeaderInterval, s.Logger, s.lead)
}

// lead releases at once, then again when the earliest silence or window
// holding something back ends, when an incident resolves (its symptoms),
// when silences or rules change here, and every Resync.
func (s *Service) lead(ctx context.Context) {
	var resolved <-chan quench.IncidentEvent
	var lagged <-chan struct{}
	if s.Events != nil {
		sub, err := s.Events.Subscribe(ctx)
		if err != nil {
			s.Logger.Warn("suppress: subscribe to incident events", "err", err)
		} else {
			defer sub.Close()
			resolved, lagged = sub.Events(), sub.Lagged()
		}
	}
	var resync <-chan time.Time
	if s.Resync > 0 {
		tick := time.NewTicker(s.Resync)
		defer tick.Stop()
		resync = tick.C
	}
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		case <-s.wake:
		case <-resync:
		case <-lagged:
			if !s.inhibits() {
				continue // missed events could only have been resolves
			}
		case ev, ok := <-resolved:
			if !ok {
				return // the subscription ended: ask for the lead again
			}
			// Without inhibition rules a resolve releases nothing, and
			// a storm of resolves would otherwise cost a release (three
			// reads of the store) each.
			if ev.Kind != quench.IncidentResolved || !s.inhibits() {
				continue
			}
			// One release covers every event already queued.
			for range len(resolved) {
				<-resolved
			}
		}
		next := s.release(ctx)
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
		timer.Reset(max(next.Sub(s.Now()), 0))
	}
}

// release submits again every held alert nothing holds back any more, and
// returns when it should look next: the earliest end of a silence or
// window that holds something back (an hour when none).
func (s *Service) release(ctx context.Context) time.Time {
	now := s.Now()
	next := now.Add(time.Hour)
	retry := now.Add(5 * time.Second)
	sn, err := s.current(ctx, true)
	if err != nil {
		s.Logger.Warn("suppress: read silences", "err", err)
		return retry
	}
	held, err := s.Store.HeldAlerts(ctx)
	if err != nil {
		s.Logger.Warn("suppress: read held alerts", "err", err)
		return retry
	}
	var open []*quench.Incident
	for _, h := range held {
		a := h.Alert
		why, err := s.decide(ctx, sn, &a, alertLabels(&a, s.routeFor(sn)), now, &open)
		if err != nil {
			s.Logger.Warn("suppress: decide", "err", err)
			return retry
		}
		if why != nil {
			if end := s.endOf(sn, why, now); !end.IsZero() && end.Before(next) {
				next = end
			}
			continue
		}
		if _, err := s.Store.ReleaseAlert(ctx, a.Integration, a.DedupKey); err != nil {
			s.Logger.Warn("suppress: release", "err", err)
			return retry
		}
		a.ReceivedAt = s.Now()
		if _, err := s.Alerts.SubmitAlerts(ctx, []quench.Alert{a}); err != nil {
			s.Logger.Warn("suppress: submit a released alert", "dedup_key", a.DedupKey, "err", err)
			if _, herr := s.Store.HoldAlert(ctx, &h.Alert, h.Reason, h.Ref); herr != nil {
				s.Logger.Error("suppress: a released alert is lost", "dedup_key", a.DedupKey, "err", herr)
			}
			return retry
		}
		s.Logger.Info("suppress: released a held alert", "dedup_key", a.DedupKey, "was", h.Reason+" "+h.Ref)
	}
	return next
}

// inhibits reports whether any inhibition rule is configured: only those
// hold alerts back until an incident resolves.
func (s *Service) inhibits() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.rules.Inhibit) > 0
}

func (s *Service) routeFor(sn *snapshot) func(*quench.Alert) string {
	if s.Router != nil && sn.needsRunbook() {
		return s.Router.Route
	}
	return nil
}

// endOf is when what holds an alert back ends on its own: a silence's end,
// a window's close; zero for an incident (its resolution is an event).
func (s *Service) endOf(sn *snapshot, h *hold, now time.Time) time.Time {
	switch h.reason {
	case quench.SuppressSilence:
		for _, sl := range sn.silences {
			if strconv.FormatInt(sl.ID, 10) == h.ref {
				return sl.EndsAt
			}
		}
	case quench.SuppressMaintenance:
		for _, w := range sn.rules.Windows {
			if w.Name == h.ref {
				end, _ := w.ActiveAt(now)
				return end
			}
		}
	}
	return time.Time{}
}
