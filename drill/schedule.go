package drill

import (
	"context"
	"time"

	"github.com/quench-sh/quench"
)

// AllRunbooks in a Schedule stands for every runbook of the pack.
const AllRunbooks = "*"

// scheduleTick is how often the scheduler looks for drills that are due.
const scheduleTick = time.Minute

// Schedule runs a drill of a runbook (or of every runbook: AllRunbooks)
// every Every, counted from that runbook's latest drill, whoever started
// it: a drill run by hand on Tuesday moves the weekly one to next Tuesday.
type Schedule struct {
	Runbook string
	Every   time.Duration
}

// scheduler starts due drills every scheduleTick until the service closes.
func (s *Service) scheduler() {
	defer s.wg.Done()
	tick := time.NewTicker(scheduleTick)
	defer tick.Stop()
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-tick.C:
			s.scheduleRound(s.ctx)
		}
	}
}

// scheduleRound starts the drills that are due now. With several servers
// on one database, only the one holding the lead schedules, and it keeps
// the lead until the drills it starts are recorded as queued, which the
// next round of any server sees.
func (s *Service) scheduleRound(ctx context.Context) {
	if s.Leader != nil {
		lease, err := s.Leader(ctx, "drills")
		if err != nil {
			s.Logger.Warn("drill: scheduler cannot take the lead", "err", err)
			return
		}
		if lease == nil {
			return
		}
		defer lease.Release()
	}
	ids, err := s.due(ctx, s.Now())
	if err != nil {
		s.Logger.Warn("drill: scheduler", "err", err)
		return
	}
	if len(ids) == 0 {
		return
	}
	if _, err := s.start(ctx, ids, quench.DrillScheduler, true); err != nil {
		s.Logger.Warn("drill: start scheduled drills", "runbooks", ids, "err", err)
	}
}

// due returns the runbooks whose scheduled drill is due at now, in the
// pack's order: never drilled, or last drilled (and finished) at least
// their period ago. A runbook listed twice gets the shorter period.
func (s *Service) due(ctx context.Context, now time.Time) ([]string, error) {
	rbs, err := s.Runbooks.Runbooks(ctx)
	if err != nil {
		return nil, err
	}
	every := map[string]time.Duration{}
	for _, sc := range s.Schedule {
		for _, rb := range rbs {
			if sc.Runbook != AllRunbooks && sc.Runbook != rb.ID {
				continue
			}
			if e, ok := every[rb.ID]; !ok || sc.Every < e {
				every[rb.ID] = sc.Every
			}
		}
	}
	if len(every) == 0 {
		return nil, nil
	}
	latest, _, err := s.Store.LatestDrills(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, rb := range rbs {
		e, ok := every[rb.ID]
		if !ok {
			continue
		}
		last := latest[rb.ID]
		switch {
		case last == nil:
			out = append(out, rb.ID)
		case last.Status == quench.DrillQueued || last.Status == quench.DrillRunning:
		case now.Sub(last.CreatedAt) >= e:
			out = append(out, rb.ID)
		}
	}
	return out, nil
}
