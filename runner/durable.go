package runner

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"time"

	"github.com/quench-sh/quench"
)

// Durable diagnosis bounds.
const (
	// DiagnosisLease is how long a claimed diagnosis stays this instance's
	// without a renewal: another instance takes over the diagnoses of one
	// that died within about this long.
	DiagnosisLease = 15 * time.Second
	// claimPoll is how often the runner looks for queued diagnoses when no
	// event woke it (work another instance left, events lost).
	claimPoll = 2 * time.Second
)

// held returns how many diagnoses the runner may hold at once, queued or
// running: the in-memory queue is bounded, the rest waits in the store.
func (r *Runner) held() int { return 4 * r.Workers }

// newOwner names this runner in the diagnosis queue.
func newOwner() string {
	b := make([]byte, 8)
	rand.Read(b)
	return "runner-" + hex.EncodeToString(b)
}

// wake asks the claim loop to look for queued diagnoses now.
func (r *Runner) wake() {
	select {
	case r.claimWake <- struct{}{}:
	default: // already asked
	}
}

// claimLoop claims queued diagnoses from Queue while the runner has room
// for them, renews the lease of those it holds, and finishes when ctx ends.
// What it holds when the runner stops stays claimed until the lease runs
// out, then this instance after a restart, or another, takes it over.
func (r *Runner) claimLoop(ctx context.Context) {
	defer r.wg.Done()
	t := time.NewTimer(0)
	defer t.Stop()
	renewed := r.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-r.claimWake:
		}
		if r.Now().Sub(renewed) >= DiagnosisLease/3 {
			if err := r.Queue.RenewDiagnoses(ctx, r.owner, DiagnosisLease); err != nil && ctx.Err() == nil {
				r.Logger.Error("runner: renew diagnosis leases", "err", err)
			}
			renewed = r.Now()
		}
		r.claim(ctx)
		if !t.Stop() {
			select {
			case <-t.C:
			default:
			}
		}
		t.Reset(claimPoll)
	}
}

// claim takes as many queued diagnoses as the runner has room for.
func (r *Runner) claim(ctx context.Context) {
	for {
		r.mu.Lock()
		room := r.held() - len(r.pending)
		r.mu.Unlock()
		if room <= 0 {
			return
		}
		claims, err := r.Queue.ClaimDiagnoses(ctx, r.owner, room, DiagnosisLease)
		if err != nil {
			if ctx.Err() == nil {
				r.Logger.Error("runner: claim diagnoses", "err", err)
			}
			return
		}
		for _, c := range claims {
			r.enqueueJob(c.IncidentID, c.Severity, c.Retaken)
		}
		if len(claims) < room {
			return
		}
	}
}

// finishQueued marks a diagnosis done in the durable queue.
func (r *Runner) finishQueued(id int64) {
	if r.Queue == nil {
		return
	}
	ctx, cancel := r.bookkeeping()
	defer cancel()
	if err := r.Queue.FinishDiagnosis(ctx, id, r.owner); err != nil {
		r.Logger.Error("runner: finish diagnosis", "incident", id, "err", err)
	}
}

// stepMark is what a step's timeline events say of it.
type stepMark struct {
	Step     string `json:"step"`
	Section  string `json:"section"`
	Canceled bool   `json:"canceled"`
}

// resume prepares a retaken diagnosis: every step an earlier attempt
// started and never finished (its instance stopped or died) is recorded as
// interrupted, and the steps an earlier attempt finished are left out.
func (r *Runner) resume(ctx context.Context, id int64, steps []quench.Step) []quench.Step {
	tl, err := r.Incidents.Timeline(ctx, id)
	if err != nil {
		r.Logger.Error("runner: read the timeline of a retaken diagnosis", "incident", id, "err", err)
		return steps
	}
	type key struct{ section, step string }
	open := map[key]stepMark{}
	done := map[key]bool{}
	for _, ev := range tl {
		var m stepMark
		if ev.Actor != quench.SystemActor || json.Unmarshal(ev.Data, &m) != nil || m.Step == "" {
			continue
		}
		k := key{m.Section, m.Step}
		switch ev.Kind {
		case quench.EventStepStarted:
			open[k] = m
		case quench.EventStepFinished, quench.EventStepRefused:
			delete(open, k)
			done[k] = !m.Canceled
		}
	}
	for k := range open {
		text := "step " + k.step + " was interrupted: quench stopped before it finished; the diagnosis runs it again"
		if _, err := r.StepLog.RecordStep(ctx, quench.StepRecord{Step: k.step, Event: quench.TimelineEvent{
			IncidentID: id, Kind: quench.EventStepFinished, Actor: quench.SystemActor, Text: text,
			Data: mustJSON(finishedData{stepInfo: stepInfo{Step: k.step, Section: k.section, Actor: quench.SystemActor},
				ExitCode: -1, Canceled: true, Error: "interrupted"}),
		}}); err != nil {
			r.Logger.Error("runner: mark an interrupted step", "incident", id, "step", k.step, "err", err)
		}
	}
	var out []quench.Step
	for _, st := range steps {
		if !done[key{st.Section, st.Name}] {
			out = append(out, st)
		}
	}
	return out
}
