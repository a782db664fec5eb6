package runner

import (
	"context"
	"fmt"

	"github.com/quench-sh/quench"
)

// listen queues a diagnosis for every incident that opens, from the
// incident events (IncidentOpened, published once the incident committed),
// until ctx ends. When events were lost (the subscription lagged) it
// reloads from the store the incidents opened since the newest it saw.
// Queued diagnoses run most severe first, then oldest first, and between
// two steps a diagnosis lets a newly opened incident of the same or higher
// severity go first (see job.before); a storm of new incidents waits in
// the queue, it never starts more than Workers processes.
func (r *Runner) listen(ctx context.Context, sub quench.Subscription) {
	defer r.wg.Done()
	defer sub.Close()
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-sub.Events():
			if !ok {
				return
			}
			switch {
			case ev.Kind != quench.IncidentOpened:
			case r.Queue != nil:
				r.wake() // the store queued it, on whichever instance
			case !ev.Remote: // another instance's is its own to diagnose
				r.enqueue(ev.IncidentID, ev.Severity)
			}
		case <-sub.Lagged():
			if r.Queue != nil {
				r.wake()
			} else {
				r.reload(ctx)
			}
		}
	}
}

// reload queues the diagnosis of incidents opened after the newest one
// the runner saw open, newest first, page by page.
func (r *Runner) reload(ctx context.Context) {
	r.mu.Lock()
	since := r.newest
	r.mu.Unlock()
	r.Logger.Warn("runner: incident events lost; reloading opened incidents from the store", "after_incident", since)
	before := int64(0)
	for {
		incs, err := r.Incidents.FindIncidents(ctx, quench.IncidentFilter{BeforeID: before, Limit: 200})
		if err != nil {
			if ctx.Err() == nil {
				r.Logger.Error("runner: reload opened incidents", "err", err)
			}
			return
		}
		for _, inc := range incs {
			if inc.ID <= since {
				return
			}
			r.enqueue(inc.ID, inc.Severity)
		}
		if len(incs) == 0 {
			return
		}
		before = incs[len(incs)-1].ID
	}
}

// enqueue queues an incident's diagnosis once and wakes a worker; it
// returns at once.
func (r *Runner) enqueue(id int64, sev quench.Severity) { r.enqueueJob(id, sev, false) }

// enqueueJob is enqueue; retaken marks a diagnosis an earlier claim left
// unfinished.
func (r *Runner) enqueueJob(id int64, sev quench.Severity, retaken bool) {
	r.mu.Lock()
	if !r.started || r.closed {
		r.mu.Unlock()
		return
	}
	r.newest = max(r.newest, id)
	if _, dup := r.pending[id]; dup {
		r.mu.Unlock()
		return
	}
	r.pending[id] = struct{}{}
	r.seq++
	r.queue.push(job{incidentID: id, severity: sev, seq: r.seq, retaken: retaken})
	r.mu.Unlock()
	select {
	case r.notify <- struct{}{}:
	default: // every worker already has a wake-up waiting
	}
}

// worker runs queued diagnoses, one incident at a time, until the runner
// closes or its context ends.
func (r *Runner) worker() {
	defer r.wg.Done()
	for {
		j, ok := r.next()
		if !ok {
			select {
			case <-r.ctx.Done():
				return
			case <-r.notify:
			}
			continue
		}
		r.diagnose(j)
	}
}

// next takes the most urgent queued diagnosis; false when there is none
// or the runner is stopping.
func (r *Runner) next() (job, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed || r.ctx.Err() != nil {
		return job{}, false
	}
	return r.queue.pop()
}

// diagnosis is an incident's diagnosis in progress.
type diagnosis struct {
	env   incidentEnv
	steps []quench.Step
	next  int // index of the next step to run
}

// diagnose runs an incident's diagnosis: the pack's first steps, then its
// runbook's Quick diagnosis, in order, each only if it is read-only now.
// Between two steps it gives its worker up when a newly opened incident
// of the same or higher severity is waiting, and is queued again to
// continue: a storm of incidents gets its first commands running before
// any one diagnosis finishes.
func (r *Runner) diagnose(j job) {
	d := j.cont
	if d == nil {
		var ok bool
		if d, ok = r.startDiagnosis(j.incidentID, j.retaken); !ok {
			r.finishDiagnosis(j.incidentID)
			return
		}
	}
	for d.next < len(d.steps) {
		if r.ctx.Err() != nil {
			r.mu.Lock()
			delete(r.pending, j.incidentID) // stopped, not finished
			r.mu.Unlock()
			return
		}
		r.autoRun(d.env, d.steps[d.next])
		if r.ctx.Err() != nil {
			// The step was cut off: not finished, so the diagnosis is
			// taken again (this step too) after a restart.
			continue
		}
		d.next++
		if d.next < len(d.steps) && r.yield(job{incidentID: j.incidentID, severity: j.severity, seq: j.seq, cont: d}) {
			return
		}
	}
	r.finishDiagnosis(j.incidentID)
}

// startDiagnosis reads the incident and decides its steps: for a retaken
// diagnosis, those an earlier attempt did not finish.
func (r *Runner) startDiagnosis(id int64, retaken bool) (*diagnosis, bool) {
	ctx, cancel := r.bookkeeping()
	defer cancel()
	inc, err := r.Incidents.FindIncident(ctx, id)
	if err != nil {
		r.Logger.Error("diagnosis skipped: incident not readable", "incident", id, "err", err)
		return nil, false
	}
	steps := r.diagnosisSteps(ctx, inc)
	if retaken {
		steps = r.resume(ctx, id, steps)
	}
	return &diagnosis{env: r.envFor(ctx, inc), steps: steps}, true
}

// yield queues cont again when a waiting job should run before it.
func (r *Runner) yield(cont job) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	top, ok := r.queue.peek()
	if !ok || !top.before(cont) || r.closed {
		return false
	}
	r.queue.push(cont)
	return true
}

func (r *Runner) finishDiagnosis(id int64) {
	r.finishQueued(id)
	r.mu.Lock()
	delete(r.pending, id)
	r.mu.Unlock()
	r.diagnosed.Add(1)
	if r.Queue != nil {
		r.wake() // room for another
	}
}

// diagnosisSteps returns the steps an incident's diagnosis runs.
func (r *Runner) diagnosisSteps(ctx context.Context, inc *quench.Incident) []quench.Step {
	steps := append([]quench.Step(nil), r.FirstSteps...)
	if rb := r.runbook(ctx, inc); rb != nil {
		steps = append(steps, rb.StepsIn(quench.SectionDiagnosis)...)
	}
	return steps
}

// runbook returns the incident's runbook, or nil when it has none or the
// pack no longer holds it.
func (r *Runner) runbook(ctx context.Context, inc *quench.Incident) *quench.Runbook {
	if inc.RunbookID == "" {
		return nil
	}
	rb, err := r.Runbooks.FindRunbook(ctx, inc.RunbookID)
	if err != nil {
		r.Logger.Warn("incident's runbook not in the pack", "incident", inc.ID, "runbook", inc.RunbookID, "err", err)
		return nil
	}
	return rb
}

// autoRun runs one diagnosis step if it is read-only and asks for no
// confirmation now, and records a refusal otherwise.
func (r *Runner) autoRun(env incidentEnv, step quench.Step) {
	c := r.checkStep(step)
	p := &plan{
		key:  stepKey{incidentID: env.incident.ID, section: step.Section, name: step.Name},
		step: step, class: c.class, reason: c.reason, target: c.target, runner: c.runner,
		timeout: r.stepTimeout(step), actor: quench.SystemActor,
	}
	var refusal string
	switch {
	case c.class != quench.ReadOnly:
		refusal = fmt.Sprintf("step %s is %s (%s); diagnosis runs read-only steps only", step.Name, c.class, c.reason)
	case step.Confirm:
		refusal = fmt.Sprintf("step %s asks for confirmation; diagnosis runs only steps that need none", step.Name)
	case c.runner == nil:
		refusal = r.unknownTarget(step, c.target)
	default:
		refusal = r.confine(p, false)
	}
	if refusal != "" {
		ctx, cancel := r.bookkeeping()
		defer cancel()
		r.refuse(ctx, p.key, p.info(), refusal, true)
		return
	}
	p.env = env.forStep(step.Name)
	readOnlyEnv(p)
	if _, err := r.execute(r.ctx, p); err != nil && r.ctx.Err() == nil {
		r.Logger.Error("diagnosis step failed to run", "incident", env.incident.ID, "step", step.Name, "err", err)
	}
}
