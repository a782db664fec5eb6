package runner

import (
	"context"
	"fmt"
	"strings"

	"github.com/quench-sh/quench"
	"github.com/quench-sh/quench/shell"
)

// RunStep runs one of an incident's steps for a person (guided
// remediation), or with DryRun says exactly what would run and runs
// nothing. In order:
//
//   - the role must be responder or better (EFORBIDDEN);
//   - the step is looked up among the pack's first steps, then the
//     incident's runbook steps (ENOTFOUND);
//   - it is classified again now; an unconfigured target is EINVALID;
//   - a dry run returns the command, target, class, reason and the names
//     (never the values) of its environment, and is recorded as a note and
//     a step.dry_run audit entry, never as a run;
//   - a mutating or unknown step, or one with the confirm attribute, needs
//     req.Confirm (EFORBIDDEN);
//   - during a change freeze a step that is not read-only needs a valid
//     break-glass grant secret (EFORBIDDEN otherwise); the grant's id and
//     reason are recorded with the run;
//   - the same step of the same incident cannot run twice at once
//     (ECONFLICT).
//
// Every refusal is audited; those about the step itself (confirmation,
// freeze, target) also go on the incident's timeline as step_refused.
//
// The run waits for a process slot ahead of any queued diagnosis; while
// waiting, ctx ending gives up (EUNAVAILABLE). Once started the step runs
// to its end or its timeout even if the asker goes away, since stopping a
// remediation half-way is worse than letting it finish; Close stops it.
// req.Live, when set, receives the scrubbed output synchronously: a slow
// writer slows the step's output (use Subscribe for a stream that never
// does).
func (r *Runner) RunStep(ctx context.Context, req quench.StepRunRequest) (*quench.StepRun, error) {
	r.mu.Lock()
	running := r.started && !r.closed
	if running {
		r.wg.Add(1) // Close waits for this run
	}
	r.mu.Unlock()
	if !running {
		return nil, quench.Errorf(quench.EUNAVAILABLE, "the step runner is not running")
	}
	defer r.wg.Done()

	actor := req.Actor
	if actor == "" {
		actor = "unknown"
	}
	key := stepKey{incidentID: req.IncidentID, name: req.StepName}
	if !req.Role.Allows(quench.RoleResponder) {
		err := quench.Errorf(quench.EFORBIDDEN, "running a step needs the responder role or higher; %s is %s", actor, roleName(req.Role))
		r.refuse(ctx, key, stepInfo{Step: req.StepName, Actor: actor}, err.Message, false)
		return nil, err
	}
	inc, err := r.Incidents.FindIncident(ctx, req.IncidentID)
	if err != nil {
		return nil, err
	}
	step, err := r.findStep(ctx, inc, req.StepName)
	if err != nil {
		return nil, err
	}
	key.section = step.Section
	c := r.checkStep(step)
	p := &plan{
		key: key, step: step, class: c.class, reason: c.reason, target: c.target, runner: c.runner,
		timeout: r.stepTimeout(step), actor: actor, urgent: true, live: req.Live,
	}
	if c.runner == nil {
		msg := r.unknownTarget(step, c.target)
		if !req.DryRun {
			r.refuse(ctx, key, p.info(), msg, true)
		}
		return nil, quench.Errorf(quench.EINVALID, "%s", msg)
	}
	env := r.envFor(ctx, inc)
	p.env = env.forStep(step.Name)
	readOnlyEnv(p)

	needsConfirm := c.class != quench.ReadOnly || step.Confirm
	frozen := false
	if c.class != quench.ReadOnly {
		if frozen, err = r.ChangeControl.Frozen(ctx); err != nil {
			// Fail closed: an unknown freeze state lets nothing mutating run.
			return nil, fmt.Errorf("runner: read change freeze: %w", err)
		}
	}
	unconfined := r.confine(p, req.Confirm || req.DryRun)
	if req.DryRun {
		return r.dryRun(ctx, p, needsConfirm, frozen), nil
	}
	if unconfined != "" {
		r.refuse(ctx, key, p.info(), unconfined, true)
		return nil, quench.Errorf(quench.EFORBIDDEN, "%s", unconfined)
	}
	if needsConfirm && !req.Confirm {
		msg := fmt.Sprintf("step %s is %s: %s; confirm it", step.Name, c.class, c.reason)
		if c.class == quench.ReadOnly {
			msg = fmt.Sprintf("step %s asks for confirmation (its confirm attribute); confirm it", step.Name)
		}
		r.refuse(ctx, key, p.info(), msg, true)
		return nil, quench.Errorf(quench.EFORBIDDEN, "%s", msg)
	}
	if frozen {
		grant, msg := r.grant(ctx, req.BreakGlassSecret)
		if grant == nil {
			msg = fmt.Sprintf("change freeze is on and step %s is %s: %s", step.Name, c.class, msg)
			r.refuse(ctx, key, p.info(), msg, true)
			return nil, quench.Errorf(quench.EFORBIDDEN, "%s", msg)
		}
		p.grant = grant
	}
	r.mu.Lock()
	busy := r.active[key] > 0 || r.waiting[key] > 0
	if !busy {
		r.waiting[key]++ // execute moves it to active once it has a slot
	}
	r.mu.Unlock()
	if busy {
		msg := fmt.Sprintf("step %s is already running for incident %d", step.Name, inc.ID)
		r.refuse(ctx, key, p.info(), msg, false)
		return nil, quench.Errorf(quench.ECONFLICT, "%s", msg)
	}
	if n, ok := req.Live.(quench.StepAcceptNotifier); ok {
		n.StepAccepted()
	}
	return r.execute(ctx, p)
}

// grant checks a break-glass secret. It returns the grant, or nil and why
// it cannot be used. Expiry is checked against the runner's clock as well
// as the store's.
func (r *Runner) grant(ctx context.Context, secret string) (*quench.BreakGlassGrant, string) {
	if secret == "" {
		return nil, "it needs a break-glass grant (X-Break-Glass-Token)"
	}
	g, err := r.ChangeControl.FindGrantBySecret(ctx, secret)
	switch {
	case err == nil && g.Active(r.Now()):
		return g, ""
	case err == nil && g.RevokedAt != nil:
		return nil, fmt.Sprintf("break-glass grant %d was revoked", g.ID)
	case err == nil:
		return nil, fmt.Sprintf("break-glass grant %d expired at %s", g.ID, g.ExpiresAt.UTC().Format("2006-01-02T15:04:05Z"))
	case quench.ErrorCode(err) == quench.EFORBIDDEN:
		return nil, quench.ErrorMessage(err)
	case quench.ErrorCode(err) == quench.EUNAUTHORIZED:
		return nil, "the break-glass grant is not valid"
	}
	r.Logger.Error("cannot check break-glass grant", "err", err)
	return nil, "the break-glass grant could not be checked"
}

// dryRun says what a run would do and records that someone looked, as a
// note and an audit entry: never as a run.
func (r *Runner) dryRun(ctx context.Context, p *plan, needsConfirm, frozen bool) *quench.StepRun {
	why := []string{p.reason}
	if needsConfirm {
		why = append(why, "needs confirmation")
	}
	if frozen {
		why = append(why, "change freeze is on: needs a break-glass grant")
	}
	switch {
	case p.sandbox != "":
		why = append(why, "runs sandboxed ("+p.sandbox+")")
	case p.unsandboxed != "" && r.Sandbox == SandboxRequired:
		why = append(why, "cannot run sandboxed ("+p.unsandboxed+"): runs only if confirmed, without the sandbox")
	case p.unsandboxed != "":
		why = append(why, "runs without the sandbox: "+p.unsandboxed)
	}
	run := &quench.StepRun{
		IncidentID: p.key.incidentID, Step: p.step.Name, Section: p.step.Section, Command: p.step.Command,
		Target: p.target, Class: p.class, Reason: strings.Join(why, "; "),
		EnvNames: shell.EnvNames(p.env), Actor: p.actor, DryRun: true, ExitCode: 0,
	}
	if _, err := r.StepLog.RecordStep(ctx, quench.StepRecord{Step: p.step.Name,
		Event: quench.TimelineEvent{
			IncidentID: p.key.incidentID, Kind: quench.EventNote, Actor: p.actor,
			Text: fmt.Sprintf("dry run of step %s: would run on %s (%s); nothing was run", p.step.Name, p.target, p.class),
			Data: mustJSON(struct {
				stepInfo
				DryRun bool     `json:"dry_run"`
				Env    []string `json:"env"`
			}{p.info(), true, run.EnvNames}),
		},
		Audit: auditEntry(p.actor, quench.AuditStepDryRun, p.key, quench.AuditOK, auditData{
			Incident: p.key.incidentID, Step: p.step.Name, Section: p.step.Section, Target: p.target,
			Command: p.step.Command, Class: p.class, DryRun: true,
		}),
	}); err != nil {
		r.Logger.Error("cannot record dry run", "incident", p.key.incidentID, "step", p.step.Name, "err", err)
	}
	return run
}

// findStep looks a step up by name among the first steps, then the
// incident's runbook steps.
func (r *Runner) findStep(ctx context.Context, inc *quench.Incident, name string) (quench.Step, error) {
	for _, s := range r.FirstSteps {
		if s.Name == name {
			return s, nil
		}
	}
	if rb := r.runbook(ctx, inc); rb != nil {
		if s, err := rb.StepByName(name); err == nil {
			return *s, nil
		}
	}
	if inc.RunbookID == "" {
		return quench.Step{}, quench.Errorf(quench.ENOTFOUND, "incident %d has no step %q (it has no runbook; only the first steps apply)", inc.ID, name)
	}
	return quench.Step{}, quench.Errorf(quench.ENOTFOUND, "incident %d has no step %q (not a first step nor a step of runbook %s)", inc.ID, name, inc.RunbookID)
}

func roleName(r quench.TokenRole) string {
	if r == "" {
		return "without a role"
	}
	return "a " + string(r)
}
