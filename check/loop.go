package check

import (
	"container/heap"
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/expr-lang/expr/vm"

	"github.com/quench-sh/quench"
)

// batchWindow is how early a check may run to share a wake-up with
// others; small against the shortest interval (MinInterval).
const batchWindow = 100 * time.Millisecond

// loop schedules checks until ctx ends: each runs every interval, first
// at its offset (spread over the interval), never twice at once, on a
// fixed pool of Concurrency workers.
func (e *Engine) loop(ctx context.Context) {
	jobs := make(chan *entry)
	done := make(chan *entry, e.Concurrency)
	var wg sync.WaitGroup
	for range e.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			machine := new(vm.VM) // one expression VM per worker, reused
			for en := range jobs {
				e.runOne(ctx, machine, en)
				done <- en
			}
		}()
	}
	defer func() {
		// Workers finish their run; what they report is dropped.
		close(jobs)
		go func() {
			wg.Wait()
			close(done)
		}()
		for range done {
		}
	}()

	var q schedule
	rebuild := func() {
		now := e.Now()
		e.mu.Lock()
		q = q[:0]
		for _, name := range e.order {
			en := e.entries[name]
			if en.next.IsZero() {
				en.next = now.Add(offset(name, en.check.Spec.Interval))
			}
			q = append(q, en)
		}
		e.mu.Unlock()
		heap.Init(&q)
	}
	rebuild()
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		wait := time.Hour
		if len(q) > 0 {
			wait = max(q[0].next.Sub(e.Now()), 0)
		}
		timer.Reset(wait)
		select {
		case <-ctx.Done():
			return
		case <-e.changed:
			rebuild()
			continue
		case en := <-done:
			en.busy = false
			continue
		case <-timer.C:
		}
		now := e.Now()
		// Checks due within batchWindow run now, together: one wake-up of
		// the loop and the workers for several checks instead of one each,
		// which is most of the CPU a cheap check costs.
		for len(q) > 0 && !q[0].next.After(now.Add(batchWindow)) {
			en := q[0]
			en.mu.Lock()
			interval := en.check.Spec.Interval
			removed := en.removed
			en.mu.Unlock()
			if removed {
				heap.Pop(&q)
				continue
			}
			// The next run keeps the check's phase; one that fell more
			// than an interval behind skips to the next slot after now.
			en.next = en.next.Add(interval)
			if en.next.Before(now) {
				en.next = now.Add(interval - now.Sub(en.next)%interval)
			}
			heap.Fix(&q, 0)
			if en.busy {
				continue // still running since the last slot
			}
			en.busy = true
			if !e.dispatch(ctx, jobs, done, en) {
				return
			}
		}
	}
}

// dispatch hands a check to a free worker, collecting finished ones while
// all are busy. False when ctx ended.
func (e *Engine) dispatch(ctx context.Context, jobs chan<- *entry, done <-chan *entry, en *entry) bool {
	for {
		select {
		case jobs <- en:
			return true
		case fin := <-done:
			fin.busy = false
		case <-ctx.Done():
			return false
		}
	}
}

// runOne runs a check once, records the result and submits the alert its
// transition asks for.
func (e *Engine) runOne(ctx context.Context, machine *vm.VM, en *entry) {
	en.mu.Lock()
	c := en.check
	en.mu.Unlock()
	res, body := e.probe(ctx, machine, c)
	if ctx.Err() != nil {
		return // stopping: a cancelled probe says nothing of the target
	}

	en.mu.Lock()
	defer en.mu.Unlock()
	if en.removed || en.check != c {
		return // reloaded meanwhile: the new config's run decides
	}
	en.hist.add(res)
	prev := en.state
	action := advance(&en.state, res, c.Spec.FailureThreshold, c.Spec.SuccessThreshold)
	if action == "" {
		return
	}
	a := alertFor(c, &en.state, action, body)
	if _, err := e.Alerts.SubmitAlerts(ctx, []quench.Alert{a}); err != nil {
		// Not stored: keep the check where it was, so the next run tries
		// the transition again.
		e.Log.Error("check: submit alert", "check", c.Spec.Name, "action", action, "err", err)
		en.state.Firing = prev.Firing
		return
	}
	e.Log.Info("check "+string(action), "check", c.Spec.Name, "result", res.Message)
	if err := e.Store.SaveCheckState(ctx, &en.state); err != nil {
		e.Log.Warn("check: save state", "check", c.Spec.Name, "err", err)
	}
}

// probe runs the probe under the check's timeout and judges it: the
// probe's error, its kind's expectation, then the conditions. body is the
// decoded JSON object of an HTTP answer when the run failed (for routing).
func (e *Engine) probe(ctx context.Context, machine *vm.VM, c *Check) (quench.CheckResult, map[string]any) {
	pctx, cancel := context.WithTimeout(ctx, c.Spec.Timeout)
	defer cancel()
	o := observation{vars: make(Vars, 6)}
	start := e.Now()
	err := c.probe.probe(pctx, e.deps, &o)
	took := e.Now().Sub(start)
	res := quench.CheckResult{At: start, LatencyMS: float64(took.Microseconds()) / 1000}
	o.vars["duration"] = res.LatencyMS
	var decoded any
	switch {
	case err != nil:
		res.Message = errMessage(err)
	case o.fail != "":
		res.Message = o.fail
	default:
		if c.wantBody {
			decoded = decodeBody(o.raw)
			o.vars["body"] = decoded
		}
		res.Message = evalConditions(machine, c.conds, o.vars)
	}
	res.OK = res.Message == ""
	if res.OK || o.raw == nil {
		return res, nil
	}
	if decoded == nil {
		decoded = decodeBody(o.raw)
	}
	obj, _ := decoded.(map[string]any)
	return res, obj
}

// decodeBody is the JSON of an HTTP body, or its text when it is not JSON.
func decodeBody(raw []byte) any {
	if v, err := DecodeJSON(raw); err == nil {
		return v
	}
	return string(raw)
}

// FailingAlert is the alert a check raises when it starts firing with
// message, and body the JSON object of its HTTP answer (nil otherwise):
// what the router sees of it. quench lint and the tests route it.
func FailingAlert(c *Check, message string, body map[string]any) quench.Alert {
	st := quench.CheckState{Name: c.Spec.Name, Last: &quench.CheckResult{Message: message}}
	return alertFor(c, &st, quench.ActionTrigger, body)
}

// alertFor is the alert a check's transition submits.
func alertFor(c *Check, st *quench.CheckState, action quench.Action, body map[string]any) quench.Alert {
	s := c.Spec
	labels := make(map[string]string, len(s.Labels)+2)
	for k, v := range s.Labels {
		labels[k] = v
	}
	labels["check"] = s.Name
	if s.Runbook != "" {
		labels["runbook"] = s.Runbook
	}
	ann := map[string]string{"kind": c.Kind}
	if len(s.DependsOn) > 0 {
		b, _ := json.Marshal(s.DependsOn)
		ann["depends_on"] = string(b)
	}
	msg := ""
	if st.Last != nil {
		msg = st.Last.Message
		ann["message"] = quench.CutText(msg, 1024)
	}
	summary := s.Summary
	if action == quench.ActionResolve {
		summary = fmt.Sprintf("check %s passing", s.Name)
	} else if summary == "" {
		summary = fmt.Sprintf("check %s failing: %s", s.Name, msg)
	}
	details, _ := json.Marshal(st.Last)
	return quench.Alert{
		Source: quench.SourceCheck, Integration: s.Name, DedupKey: s.Name, Action: action,
		Severity: s.Severity, Summary: quench.CutText(quench.CleanText(summary), quench.MaxSummaryBytes),
		Labels: labels, Annotations: ann, Details: details, StartsAt: st.Since, Check: s.Name, Body: body,
	}
}

// schedule is a min-heap of entries by their next run.
type schedule []*entry

func (q schedule) Len() int           { return len(q) }
func (q schedule) Less(i, j int) bool { return q[i].next.Before(q[j].next) }
func (q schedule) Swap(i, j int) {
	q[i], q[j] = q[j], q[i]
	q[i].index, q[j].index = i, j
}
func (q *schedule) Push(x any) {
	en := x.(*entry)
	en.index = len(*q)
	*q = append(*q, en)
}
func (q *schedule) Pop() any {
	old := *q
	en := old[len(old)-1]
	old[len(old)-1] = nil
	*q = old[:len(old)-1]
	en.index = -1
	return en
}
