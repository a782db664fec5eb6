package check

import (
	"github.com/quench-sh/quench"
)

// advance applies one result to a check's state: counts it, moves Status
// and Since when the outcome changed, and says which alert the state's
// transition asks for: a trigger when failures reach the failure threshold
// of a check that was not firing, a resolve when successes reach the
// success threshold of one that was, "" otherwise. Only transitions alert:
// a check that keeps failing submits one trigger, not one per run.
func advance(st *quench.CheckState, res quench.CheckResult, failureThreshold, successThreshold int) quench.Action {
	r := res
	st.Last = &r
	if res.OK {
		st.Successes++
		st.Failures = 0
		if st.Status != quench.CheckPassing {
			st.Status, st.Since = quench.CheckPassing, res.At
		}
		if st.Firing && st.Successes >= successThreshold {
			st.Firing = false
			return quench.ActionResolve
		}
		return ""
	}
	st.Failures++
	st.Successes = 0
	if st.Status != quench.CheckFailing {
		st.Status, st.Since = quench.CheckFailing, res.At
	}
	if !st.Firing && st.Failures >= failureThreshold {
		st.Firing = true
		return quench.ActionTrigger
	}
	return ""
}

// history is a ring of a check's latest results.
type history struct {
	buf  [HistorySize]quench.CheckResult
	next int
	n    int
}

func (h *history) add(r quench.CheckResult) {
	h.buf[h.next] = r
	h.next = (h.next + 1) % HistorySize
	h.n = min(h.n+1, HistorySize)
}

// list returns the results oldest first.
func (h *history) list() []quench.CheckResult {
	out := make([]quench.CheckResult, 0, h.n)
	start := (h.next - h.n + HistorySize) % HistorySize
	for i := range h.n {
		out = append(out, h.buf[(start+i)%HistorySize])
	}
	return out
}
