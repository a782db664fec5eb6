package runner

import (
	"context"
	"encoding/json"
	"time"

	"github.com/quench-sh/quench"
	"github.com/quench-sh/quench/shell"
)

// lostAfter is how long past its timeout (and kill grace) a step that
// started but never finished is taken for lost: the server running it
// died. No step runs longer than its timeout on any server.
const lostAfter = time.Minute

// IncidentSteps lists the steps that apply to an incident, the pack's first
// steps then its runbook's steps in document order, each classified as the
// runner would classify it now, with its status:
//
//   - queued: waiting for a worker (this server's diagnosis queue, or a
//     person's run waiting for a process slot);
//   - running: started and not finished, per the timeline (or running
//     here); a start older than the step's timeout plus a minute with no
//     end means its server died, and counts as failed;
//   - succeeded, failed, refused: what the step's latest event says;
//   - pending: nothing has happened to it in this incident.
//
// LastRun is the step's latest finished run; EnvNames the names of the
// environment it would get now.
func (r *Runner) IncidentSteps(ctx context.Context, incidentID int64) ([]quench.StepState, error) {
	inc, err := r.Incidents.FindIncident(ctx, incidentID)
	if err != nil {
		return nil, err
	}
	steps := append([]quench.Step(nil), r.FirstSteps...)
	if rb := r.runbook(ctx, inc); rb != nil {
		steps = append(steps, rb.Steps...)
	}
	events, err := r.Incidents.Timeline(ctx, incidentID)
	if err != nil {
		return nil, err
	}
	type seen struct {
		kind    string
		at      time.Time
		lastRun *quench.StepRun
	}
	history := map[stepKey]*seen{}
	for _, ev := range events {
		if ev.Kind != quench.EventStepStarted && ev.Kind != quench.EventStepFinished && ev.Kind != quench.EventStepRefused {
			continue
		}
		var d finishedData
		if err := json.Unmarshal(ev.Data, &d); err != nil || d.Step == "" {
			continue
		}
		key := stepKey{incidentID: incidentID, section: d.Section, name: d.Step}
		h := history[key]
		if h == nil {
			h = &seen{}
			history[key] = h
		}
		h.kind, h.at = ev.Kind, ev.At
		if ev.Kind == quench.EventStepFinished {
			h.lastRun = runFromEvent(incidentID, d)
		}
	}

	// Every step gets the same environment but its own QUENCH_STEP; the
	// names are what a person confirming a step is shown.
	env := r.envFor(ctx, inc)

	r.mu.Lock()
	_, diagnosing := r.pending[incidentID]
	out := make([]quench.StepState, 0, len(steps))
	for i, step := range steps {
		key := stepKey{incidentID: incidentID, section: step.Section, name: step.Name}
		c := r.checkStep(step)
		step.Class, step.Reason = c.class, c.reason
		st := quench.StepState{Step: step, Status: quench.StepPending, EnvNames: shell.EnvNames(env.forStep(step.Name))}
		h := history[key]
		if h != nil {
			st.LastRun = h.lastRun
			switch h.kind {
			case quench.EventStepStarted:
				st.Status = quench.StepRunning
				if r.active[key] == 0 && r.Now().Sub(h.at) > r.stepTimeout(step)+shell.DefaultKillGrace+lostAfter {
					st.Status = quench.StepFailed
				}
			case quench.EventStepRefused:
				st.Status = quench.StepRefused
			case quench.EventStepFinished:
				st.Status = quench.StepFailed
				if h.lastRun.ExitCode == 0 && !h.lastRun.TimedOut {
					st.Status = quench.StepSucceeded
				}
			}
		}
		switch {
		case r.active[key] > 0:
			st.Status = quench.StepRunning
		case r.waiting[key] > 0:
			st.Status = quench.StepQueued
		case h == nil && diagnosing && (i < len(r.FirstSteps) || step.Section == quench.SectionDiagnosis):
			st.Status = quench.StepQueued
		}
		out = append(out, st)
	}
	r.mu.Unlock()
	return out, nil
}

// runFromEvent rebuilds a StepRun from a step_finished event's data.
func runFromEvent(incidentID int64, d finishedData) *quench.StepRun {
	run := &quench.StepRun{
		IncidentID: incidentID, Step: d.Step, Section: d.Section, Command: d.Command, Target: d.Target,
		Class: d.Class, Reason: d.Reason, Actor: d.Actor, DryRun: d.DryRun, GrantID: d.GrantID,
		StartedAt: d.StartedAt, Duration: time.Duration(d.DurationMS) * time.Millisecond,
		ExitCode: d.ExitCode, TimedOut: d.TimedOut, Output: d.Output, Truncated: d.Truncated,
		OutputSHA256: d.OutputSHA256,
	}
	if d.Error != "" {
		run.Reason = "could not run: " + d.Error
	}
	return run
}
