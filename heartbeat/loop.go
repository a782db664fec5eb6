package heartbeat

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/quench-sh/quench"
)

// run watches deadlines while this server leads heartbeats.
func (m *Monitor) run(ctx context.Context) {
	defer m.wg.Done()
	quench.Lead(ctx, m.Leader, "heartbeats", m.LeaderInterval, m.Logger, m.lead)
}

// lead watches deadlines with one timer set to the earliest of them,
// rebuilding the heap on a reload and every Resync.
func (m *Monitor) lead(ctx context.Context) {
	m.mu.Lock()
	m.leading = true
	m.mu.Unlock()
	defer func() {
		m.mu.Lock()
		m.leading = false
		m.due.reset()
		m.mu.Unlock()
	}()
	m.rebuild(ctx)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	var resync <-chan time.Time
	if m.Resync > 0 {
		tick := time.NewTicker(m.Resync)
		defer tick.Stop()
		resync = tick.C
	}
	for {
		timer.Reset(m.untilNext())
		select {
		case <-ctx.Done():
			return
		case <-m.wake: // a ping moved a deadline: reset the timer
		case <-m.reload:
			m.rebuild(ctx)
		case <-resync:
			m.rebuild(ctx)
		case <-timer.C:
			m.fire(ctx)
		}
	}
}

// untilNext is how long the timer sleeps: until the earliest deadline, or
// an hour when there is none (a reload or a ping wakes it sooner).
func (m *Monitor) untilNext() time.Duration {
	m.mu.Lock()
	next, ok := m.due.next()
	m.mu.Unlock()
	if !ok {
		return time.Hour
	}
	return max(next.Sub(m.Now()), 0)
}

// reschedule moves a heartbeat's deadline after a ping this server took.
func (m *Monitor) reschedule(b *beat, st *quench.HeartbeatState) {
	due := Due(b.sched, b.cfg.Grace, st)
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.leading {
		return
	}
	if due.IsZero() {
		m.due.remove(b.cfg.Name)
	} else {
		m.due.set(b.cfg.Name, due)
	}
	select {
	case m.wake <- struct{}{}:
	default:
	}
}

// rebuildEntry is a heap entry that names no heartbeat: when it comes due
// the heap is rebuilt (after a failed read).
const rebuildEntry = ""

// rebuild reads every heartbeat's state, resolves the alerts of those no
// longer configured and refills the heap; deadlines already past fire at
// once.
func (m *Monitor) rebuild(ctx context.Context) {
	states, err := m.Store.HeartbeatStates(ctx)
	if err != nil {
		m.Logger.Warn("heartbeat: read states", "err", err)
		m.mu.Lock()
		m.due.set(rebuildEntry, m.Now().Add(retryAfter))
		m.mu.Unlock()
		return
	}
	var gone []*quench.HeartbeatState
	m.mu.Lock()
	m.due.reset()
	for _, st := range states {
		b := m.beats[st.Name]
		if b == nil {
			if st.Alerting {
				gone = append(gone, st)
			}
			continue
		}
		if due := Due(b.sched, b.cfg.Grace, st); !due.IsZero() {
			m.due.set(st.Name, due)
		}
	}
	m.mu.Unlock()
	m.resolveGone(ctx, gone)
}

// resolveGone resolves the alerts of heartbeats removed from the config,
// so no incident waits for a ping that will never come.
func (m *Monitor) resolveGone(ctx context.Context, gone []*quench.HeartbeatState) {
	for _, st := range gone {
		st.Alerting = false
		stale, err := m.Store.SaveHeartbeats(ctx, []*quench.HeartbeatState{st})
		if err != nil || len(stale) > 0 {
			continue // the next rebuild tries again
		}
		now := m.Now()
		a := quench.Alert{Source: quench.SourceHeartbeat, Integration: quench.SourceHeartbeat, DedupKey: "heartbeat-" + st.Name,
			Action: quench.ActionResolve, Summary: fmt.Sprintf("Heartbeat %s was removed from the config", st.Name),
			Labels: map[string]string{"heartbeat": st.Name}, Check: st.Name, ReceivedAt: now}
		if _, err := m.Alerts.SubmitAlerts(ctx, []quench.Alert{a}); err != nil {
			m.Logger.Warn("heartbeat: resolve a removed heartbeat", "heartbeat", st.Name, "err", err)
			m.restore(st, true)
		}
	}
}

// fire alerts for every heartbeat whose deadline has passed: it rereads
// their state (a ping on another server may have moved the deadline),
// marks the late ones and submits all their alerts in one call, so a
// thousand deadlines at once cost one commit.
func (m *Monitor) fire(ctx context.Context) {
	now := m.Now()
	m.mu.Lock()
	names := m.due.popDue(now)
	m.mu.Unlock()
	if i := slices.Index(names, rebuildEntry); i >= 0 {
		m.rebuild(ctx)
		names = slices.Delete(names, i, i+1)
	}
	if len(names) == 0 {
		return
	}
	states, err := m.Store.HeartbeatStates(ctx)
	if err != nil {
		m.Logger.Warn("heartbeat: read states", "err", err)
		m.retry(names, now)
		return
	}
	byName := make(map[string]*quench.HeartbeatState, len(states))
	for _, st := range states {
		byName[st.Name] = st
	}
	var late []*quench.HeartbeatState
	var beats []*beat
	m.mu.Lock()
	for _, name := range names {
		b, st := m.beats[name], byName[name]
		if b == nil || st == nil {
			continue
		}
		due := Due(b.sched, b.cfg.Grace, st)
		if applyLate(st, due, now) {
			late, beats = append(late, st), append(beats, b)
		} else if !due.IsZero() {
			m.due.set(name, due)
		}
	}
	m.mu.Unlock()
	if len(late) == 0 {
		return
	}
	stale, err := m.Store.SaveHeartbeats(ctx, late)
	if err != nil {
		m.Logger.Warn("heartbeat: save late heartbeats", "err", err)
		m.retry(names, now)
		return
	}
	m.retry(stale, now.Add(-retryAfter)) // changed meanwhile: look again at once
	skip := make(map[string]bool, len(stale))
	for _, n := range stale {
		skip[n] = true
	}
	var alerts []quench.Alert
	var sent []*quench.HeartbeatState
	for i, st := range late {
		if skip[st.Name] {
			continue
		}
		alerts = append(alerts, beats[i].alert(st, quench.ActionTrigger, beats[i].failSummary(st), now))
		sent = append(sent, st)
	}
	if len(alerts) == 0 {
		return
	}
	if _, err := m.Alerts.SubmitAlerts(ctx, alerts); err != nil {
		m.Logger.Warn("heartbeat: submit late alerts", "heartbeats", len(alerts), "err", err)
		var retry []string
		for _, st := range sent {
			m.restore(st, false)
			retry = append(retry, st.Name)
		}
		m.retry(retry, now)
		return
	}
	for _, st := range sent {
		m.Logger.Info("heartbeat late", "heartbeat", st.Name)
	}
}

// retry looks at names again retryAfter after now.
func (m *Monitor) retry(names []string, now time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, n := range names {
		m.due.set(n, now.Add(retryAfter))
	}
}
