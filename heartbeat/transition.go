package heartbeat

import (
	"time"

	"github.com/quench-sh/quench"
)

// applyPing records ping p on st and returns the alert action it calls
// for ("" for none): a failure triggers (a repeat while already alerting
// counts on the same incident), a success resolves a heartbeat that was
// alerting, a start only marks the run.
func applyPing(st *quench.HeartbeatState, p quench.Ping) quench.Action {
	at := p.At
	st.LastPingAt, st.LastPing, st.LastExitCode = &at, p.Kind, p.ExitCode
	if p.Body != "" || p.Kind != quench.PingStart {
		st.LastBody = p.Body
	}
	switch p.Kind {
	case quench.PingStart:
		st.StartedAt = &at
		return ""
	case quench.PingFail:
		st.StartedAt = nil
		st.LastFailAt = &at
		st.Status, st.Alerting = quench.HeartbeatFailed, true
		return quench.ActionTrigger
	}
	if st.StartedAt != nil {
		st.LastDuration = at.Sub(*st.StartedAt)
	}
	st.StartedAt = nil
	st.LastSuccessAt = &at
	st.Status = quench.HeartbeatUp
	if st.Alerting {
		st.Alerting = false
		return quench.ActionResolve
	}
	return ""
}

// applyLate marks st late when its deadline due has passed at now and it
// is not alerting yet; it reports whether it did.
func applyLate(st *quench.HeartbeatState, due, now time.Time) bool {
	if st.Alerting || due.IsZero() || now.Before(due) {
		return false
	}
	st.Status, st.Alerting = quench.HeartbeatLate, true
	return true
}
