package runner

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"time"

	"github.com/quench-sh/quench"
	"github.com/quench-sh/quench/shell"
)

// plan is one step, checked and ready to run for one incident.
type plan struct {
	key     stepKey
	step    quench.Step
	class   quench.Class
	reason  string // the classifier's
	target  string
	runner  shell.Runner
	env     map[string]string
	timeout time.Duration
	actor   string
	grant   *quench.BreakGlassGrant // the grant that let it run during a freeze
	urgent  bool                    // a person's run: first in line for a slot
	live    io.Writer               // the asker's own stream, besides subscribers
	// sandbox names the wall a read-only step runs behind (confine);
	// unsandboxed says why a read-only step runs without one.
	sandbox     string
	unsandboxed string
}

// check is what the runner decides about a step right before running it.
type check struct {
	class  quench.Class
	reason string
	target string
	runner shell.Runner // nil: the target is not configured
}

// checkStep classifies the step's command again, now, and resolves its
// target. The class stored in the step (from lint time) is not trusted:
// the file may have changed since.
func (r *Runner) checkStep(step quench.Step) check {
	class, reason, _ := r.classify.Classify(step.Command)
	if r.classifyHook != nil {
		class, reason = r.classifyHook(step.Command)
	}
	target := step.Target
	if target == "" {
		target = LocalTarget
	}
	return check{class: class, reason: reason, target: target, runner: r.Targets[target]}
}

// unknownTarget says why a step naming an unconfigured target cannot run.
func (r *Runner) unknownTarget(step quench.Step, target string) string {
	names := make([]string, 0, len(r.Targets))
	for name := range r.Targets {
		names = append(names, name)
	}
	sort.Strings(names)
	return fmt.Sprintf("step %s names target %q, which is not configured (targets: %v)", step.Name, target, names)
}

func (r *Runner) stepTimeout(step quench.Step) time.Duration {
	if step.Timeout > 0 {
		return step.Timeout
	}
	return r.Timeout
}

// stepInfo is what every step event and audit entry says about the step.
type stepInfo struct {
	Step    string       `json:"step"`
	Section string       `json:"section"`
	Command string       `json:"command"`
	Target  string       `json:"target"`
	Class   quench.Class `json:"class"`
	Actor   string       `json:"actor"`
}

// startedData is the data of a step_started event.
type startedData struct {
	stepInfo
	Timeout     string `json:"timeout"`
	GrantID     int64  `json:"grant_id,omitempty"`
	GrantReason string `json:"grant_reason,omitempty"`
	// Sandbox names the wall a read-only step ran behind; Unsandboxed
	// says why a read-only step ran without one.
	Sandbox     string `json:"sandbox,omitempty"`
	Unsandboxed string `json:"unsandboxed,omitempty"`
}

// finishedData is the data of a step_finished event.
type finishedData struct {
	stepInfo
	ExitCode     int       `json:"exit_code"`
	DurationMS   int64     `json:"duration_ms"`
	Output       string    `json:"output"`
	Truncated    bool      `json:"truncated"`
	TimedOut     bool      `json:"timed_out"`
	Canceled     bool      `json:"canceled,omitempty"`
	OutputSHA256 string    `json:"output_sha256"`
	GrantID      int64     `json:"grant_id"`
	GrantReason  string    `json:"grant_reason,omitempty"`
	DryRun       bool      `json:"dry_run"`
	StartedAt    time.Time `json:"started_at,omitzero"`
	Reason       string    `json:"reason"`          // the classifier's, for the class
	Error        string    `json:"error,omitempty"` // why it could not start
}

// refusedData is the data of a step_refused event.
type refusedData struct {
	stepInfo
	Reason string `json:"reason"`
}

// auditData is the data of a step.run audit entry.
type auditData struct {
	Incident     int64        `json:"incident"`
	Step         string       `json:"step"`
	Section      string       `json:"section"`
	Target       string       `json:"target"`
	Command      string       `json:"command"`
	Class        quench.Class `json:"class"`
	ExitCode     *int         `json:"exit_code,omitempty"`
	TimedOut     bool         `json:"timed_out,omitempty"`
	OutputSHA256 string       `json:"output_sha256,omitempty"`
	GrantID      int64        `json:"grant_id,omitempty"`
	GrantReason  string       `json:"grant_reason,omitempty"`
	Reason       string       `json:"reason,omitempty"` // why it was refused or failed to start
	DryRun       bool         `json:"dry_run,omitempty"`
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		// Only strings, numbers and times are encoded here.
		panic(fmt.Sprintf("runner: encode event data: %v", err))
	}
	return b
}

func subject(key stepKey) string {
	return "incident/" + strconv.FormatInt(key.incidentID, 10) + "/step/" + key.name
}

func (p *plan) info() stepInfo {
	return stepInfo{Step: p.step.Name, Section: p.step.Section, Command: p.step.Command,
		Target: p.target, Class: p.class, Actor: p.actor}
}

// grantInfo returns the id and reason of the grant the run uses, if any.
func (p *plan) grantInfo() (int64, string) {
	if p.grant == nil {
		return 0, ""
	}
	return p.grant.ID, p.grant.Reason
}

// bookkeeping returns a context for timeline and audit writes that outlives
// Close's cancellation for a while, so a killed step's end is recorded.
func (r *Runner) bookkeeping() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(r.ctx), bookkeepingTimeout)
}

// execute runs a checked step: it waits for a process slot (until wait
// ends), records step_started, runs the command under the runner's own
// context (so only Close, the timeout or the step's end stop it, never a
// caller going away), records step_finished and the audit entry, and
// tells subscribers.
func (r *Runner) execute(wait context.Context, p *plan) (*quench.StepRun, error) {
	// Waiting ends when the asker gives up or the runner closes.
	wait, stop := context.WithCancel(wait)
	defer stop()
	defer context.AfterFunc(r.ctx, stop)()
	err := r.slots.acquire(wait, p.urgent)
	if err == nil && r.ctx.Err() != nil {
		// Closing: a slot freed by a killed step is not for a new one.
		r.slots.release()
		err = r.ctx.Err()
	}
	r.mu.Lock()
	if p.urgent {
		// RunStep counted the run as waiting, so that no second run of the
		// same step slips in between its check and this point.
		if r.waiting[p.key]--; r.waiting[p.key] <= 0 {
			delete(r.waiting, p.key)
		}
	}
	if err == nil {
		r.active[p.key]++
	}
	r.mu.Unlock()
	if err != nil {
		return nil, quench.Errorf(quench.EUNAVAILABLE, "step %s did not start: %v", p.step.Name, err)
	}
	defer r.mark(r.active, p.key, -1)
	released := false
	release := func() {
		if !released {
			released = true
			r.slots.release()
		}
	}
	defer release()

	bctx, cancel := r.bookkeeping()
	defer cancel()
	info := p.info()
	grantID, grantReason := p.grantInfo()
	text := fmt.Sprintf("running step %s on %s", p.step.Name, p.target)
	if p.unsandboxed != "" {
		text += " without the sandbox: " + p.unsandboxed
	}
	started := quench.TimelineEvent{
		IncidentID: p.key.incidentID, Kind: quench.EventStepStarted, Actor: p.actor, At: r.Now(), Text: text,
		Data: mustJSON(startedData{stepInfo: info, Timeout: p.timeout.String(), GrantID: grantID, GrantReason: grantReason,
			Sandbox: p.sandbox, Unsandboxed: p.unsandboxed}),
	}
	// A person's step is recorded before its process starts: nothing
	// that may change things runs unrecorded. An automatic diagnosis step
	// (read-only, checked above) is recorded while its process starts, so
	// the store's write queue is not on the path from an incident opening
	// to its first command; the event is written within milliseconds,
	// while the step runs, and always before step_finished.
	record := func() error {
		_, err := r.StepLog.RecordStep(bctx, quench.StepRecord{Step: p.step.Name, Event: started})
		return err
	}
	recorded := make(chan error, 1)
	if p.urgent {
		if err := record(); err != nil {
			r.Logger.Error("step not run: cannot record its start", "incident", p.key.incidentID, "step", p.step.Name, "err", err)
			return nil, fmt.Errorf("runner: record start of step %s: %w", p.step.Name, err)
		}
		recorded <- nil
	} else {
		go func() { recorded <- record() }()
	}

	spec := shell.Spec{Script: p.step.Command, Env: p.env, Timeout: p.timeout, MaxOutput: r.MaxOutput, Secrets: r.secrets,
		Sandboxed: p.sandbox != ""}
	live := &liveWriter{b: &r.live, incidentID: p.key.incidentID, step: p.step.Name, extra: p.live}
	r.live.start(live)
	r.gaugeUp()
	res, runErr := p.runner.Run(r.ctx, spec, live)
	r.gaugeDown()
	r.live.finish(live)
	release()
	if err := <-recorded; err != nil {
		r.Logger.Error("cannot record step start", "incident", p.key.incidentID, "step", p.step.Name, "err", err)
	}

	run, fin, outcome, text := r.outcome(p, res, runErr)
	exit := run.ExitCode
	// The result and its audit entry commit together.
	if _, err := r.StepLog.RecordStep(bctx, quench.StepRecord{Step: p.step.Name,
		Event: quench.TimelineEvent{
			IncidentID: p.key.incidentID, Kind: quench.EventStepFinished, Actor: p.actor, Text: text, Data: mustJSON(fin),
		},
		Audit: auditEntry(p.actor, quench.AuditStepRun, p.key, outcome, auditData{
			Incident: p.key.incidentID, Step: p.step.Name, Section: p.step.Section, Target: p.target,
			Command: p.step.Command, Class: p.class, ExitCode: &exit, TimedOut: run.TimedOut,
			OutputSHA256: run.OutputSHA256, GrantID: grantID, GrantReason: grantReason, Reason: fin.Error,
		}),
	}); err != nil {
		r.Logger.Error("cannot record step result", "incident", p.key.incidentID, "step", p.step.Name, "err", err)
	}
	r.live.publish(quench.StepOutput{IncidentID: p.key.incidentID, Step: p.step.Name, Done: true, Run: run})
	r.Logger.Info("step finished", "incident", p.key.incidentID, "step", p.step.Name, "target", p.target,
		"actor", p.actor, "exit_code", run.ExitCode, "timed_out", run.TimedOut, "duration", run.Duration)
	return run, nil
}

// outcome describes a finished run: the StepRun returned and streamed, the
// step_finished event's data, the audit outcome and the event's text.
func (r *Runner) outcome(p *plan, res shell.Result, runErr error) (*quench.StepRun, finishedData, string, string) {
	grantID, grantReason := p.grantInfo()
	run := &quench.StepRun{
		IncidentID: p.key.incidentID, Step: p.step.Name, Section: p.step.Section,
		Command: p.step.Command, Target: p.target, Class: p.class, Reason: p.reason,
		EnvNames: shell.EnvNames(p.env), Actor: p.actor, GrantID: grantID,
	}
	fin := finishedData{stepInfo: p.info(), GrantID: grantID, GrantReason: grantReason, Reason: p.reason}
	outcome := quench.AuditOK
	var text string
	if runErr != nil {
		msg := string(shell.Scrub([]byte(runErr.Error()), r.secrets))
		run.ExitCode, fin.ExitCode, fin.Error = -1, -1, msg
		run.Reason = "could not run: " + msg
		outcome = quench.AuditFailed
		text = fmt.Sprintf("step %s could not run on %s: %s", p.step.Name, p.target, msg)
	} else {
		run.StartedAt, run.Duration = res.Started, res.Duration()
		run.ExitCode, run.TimedOut = res.ExitCode, res.TimedOut
		run.Output, run.Truncated, run.OutputSHA256 = string(res.Output), res.Truncated, res.OutputSHA256
		fin.ExitCode, fin.DurationMS = res.ExitCode, res.Duration().Milliseconds()
		fin.Output, fin.Truncated, fin.TimedOut, fin.Canceled = run.Output, res.Truncated, res.TimedOut, res.Canceled
		fin.OutputSHA256, fin.StartedAt = res.OutputSHA256, res.Started
		switch {
		case res.TimedOut:
			outcome = quench.AuditFailed
			text = fmt.Sprintf("step %s timed out after %v and was killed", p.step.Name, p.timeout)
		case res.Canceled:
			outcome = quench.AuditFailed
			text = fmt.Sprintf("step %s was stopped: quench is shutting down", p.step.Name)
		case res.ExitCode != 0:
			outcome = quench.AuditFailed
			text = fmt.Sprintf("step %s exited %d after %v", p.step.Name, res.ExitCode, res.Duration().Round(time.Millisecond))
		default:
			text = fmt.Sprintf("step %s succeeded in %v", p.step.Name, res.Duration().Round(time.Millisecond))
		}
	}
	return run, fin, outcome, text
}

// refuse records a step that will not run: on the timeline (when
// timeline is set) together with its audit entry, and always in the audit
// trail.
func (r *Runner) refuse(ctx context.Context, key stepKey, info stepInfo, reason string, timeline bool) {
	entry := auditEntry(info.Actor, quench.AuditStepRun, key, quench.AuditRefused, auditData{
		Incident: key.incidentID, Step: info.Step, Section: info.Section, Target: info.Target,
		Command: info.Command, Class: info.Class, Reason: reason,
	})
	var err error
	if timeline {
		_, err = r.StepLog.RecordStep(ctx, quench.StepRecord{Step: info.Step,
			Event: quench.TimelineEvent{
				IncidentID: key.incidentID, Kind: quench.EventStepRefused, Actor: info.Actor,
				Text: "refused step " + info.Step + ": " + reason,
				Data: mustJSON(refusedData{stepInfo: info, Reason: reason}),
			},
			Audit: entry,
		})
	} else {
		_, err = r.Audit.Append(ctx, *entry)
	}
	if err != nil {
		r.Logger.Error("cannot record refused step", "incident", key.incidentID, "step", info.Step, "err", err)
	}
	r.Logger.Warn("step refused", "incident", key.incidentID, "step", info.Step, "actor", info.Actor, "reason", reason)
}

// auditEntry is the audit entry of a step's run, refusal or dry run.
func auditEntry(actor, action string, key stepKey, outcome string, data auditData) *quench.AuditEntry {
	if actor == "" {
		actor = "unknown"
	}
	return &quench.AuditEntry{Actor: actor, Action: action, Subject: subject(key), Outcome: outcome, Data: mustJSON(data)}
}

// mark adds d to a step's count in m (active or waiting).
func (r *Runner) mark(m map[stepKey]int, key stepKey, d int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if m[key] += d; m[key] <= 0 {
		delete(m, key)
	}
}
