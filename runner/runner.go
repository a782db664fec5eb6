// Package runner is quench's diagnosis and remediation engine: it runs the
// pack's first steps and a runbook's Quick diagnosis when an incident
// opens, and runs single steps on a person's request, safely.
//
// Safety rules it enforces, whatever the runbook file says now:
//
//   - Every step is classified again (shell.Classify) right before it runs;
//     the pack may have changed since it was linted. Only read-only steps
//     without a "confirm" attribute run automatically; anything else is
//     refused and the refusal recorded.
//   - A person's mutating or unknown step runs only when confirmed, and
//     during a change freeze only with a valid break-glass grant, whose id
//     and reason go on the timeline and into the audit trail.
//   - Commands get an explicit environment, never the server's own: the
//     configured variables and secrets, QUENCH_INCIDENT_ID, QUENCH_RUNBOOK,
//     QUENCH_STEP, the alert's labels as QUENCH_LABEL_<NAME> and the
//     last-good deploy. Alert text reaches a command only as the value of an
//     environment variable, never as part of its script.
//   - At most Workers step processes run at once, automatic and manual
//     together. A person's run takes the next free process slot before any
//     queued diagnosis step (see slots), so it never waits behind a
//     diagnosis backlog, only for one running step to end.
//   - Every run is recorded before it starts (step_started) and when it
//     ends (step_finished, with the scrubbed and capped output); every run
//     and every refusal is appended to the audit trail. A step whose
//     started event cannot be written does not run.
package runner

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/quench-sh/quench"
	"github.com/quench-sh/quench/shell"
)

// Defaults for fields left zero.
const (
	DefaultWorkers   = 4
	DefaultTimeout   = shell.DefaultTimeout
	DefaultMaxOutput = shell.DefaultMaxOutput
)

// LocalTarget is the target of steps that name none; Targets must hold it.
const LocalTarget = "local"

// bookkeepingTimeout bounds the timeline and audit writes of a step that
// was cancelled, so Close still records how it ended.
const bookkeepingTimeout = 10 * time.Second

// Runner runs runbook steps for incidents. Set the exported fields, call
// Open, and Close when done. Fields must not change after Open.
type Runner struct {
	Incidents quench.IncidentService
	// StepLog records each run, refusal and dry run, its timeline event
	// and audit entry together.
	StepLog       quench.StepLog
	Audit         quench.AuditService
	ChangeControl quench.ChangeControlService
	// Deploys gives steps QUENCH_LAST_GOOD_SHA; nil means no last-good
	// pointer.
	Deploys  quench.DeployService
	Runbooks quench.RunbookService
	// FirstSteps run for every incident, before the runbook's diagnosis.
	FirstSteps []quench.Step
	// Targets are where steps run, by the name their target attribute
	// uses; it must hold LocalTarget, the target of steps that name none.
	Targets map[string]shell.Runner
	// Env is given to every step as is; Secrets too, and their non-empty
	// values are scrubbed from all output.
	Env     map[string]string
	Secrets map[string]string
	// Workers bounds the step processes running at once (default 4).
	Workers int
	// Timeout is a step's limit when it sets none (default 30s).
	Timeout time.Duration
	// MaxOutput is how many bytes of a step's output are kept (default
	// 256 KiB, the tail, the cut marked).
	MaxOutput int
	// Events tells the runner when incidents open; required with
	// AutoDiagnosis.
	Events quench.EventService
	// AutoDiagnosis runs diagnosis when an incident opens.
	AutoDiagnosis bool
	// Sandbox is how read-only steps are confined: SandboxAuto (the
	// default, for ""), SandboxRequired or SandboxOff. Every read-only
	// step (diagnosis, first steps, a person's run) gets its target's
	// wall (shell.Confiner); steps a person confirmed that may change
	// things do not.
	Sandbox string
	// Queue, when set with AutoDiagnosis, is the durable queue diagnoses
	// are claimed from (the store queues one as each incident opens):
	// opened events only wake the runner, a crash loses nothing, and
	// several instances share the work. Without it opened events are the
	// queue, in memory.
	Queue  quench.DiagnosisQueue
	Logger *slog.Logger
	Now    func() time.Time

	// classifyHook, when set, replaces the classifier: tests use it to
	// misclassify a step on purpose and see the sandbox hold.
	classifyHook func(command string) (quench.Class, string)

	baseEnv  map[string]string // Env and Secrets merged
	classify shell.Options     // the operator's variables, for the classifier
	secrets  []string          // non-empty secret values, for the scrubber

	mu      sync.Mutex
	started bool
	closed  bool
	queue   jobQueue
	seq     uint64
	newest  int64              // the highest incident id queued: where a reload stops
	pending map[int64]struct{} // incidents whose diagnosis is queued or running
	active  map[stepKey]int    // steps running now, per incident
	waiting map[stepKey]int    // person's runs waiting for a process slot

	notify    chan struct{} // wakes idle workers; capacity Workers
	claimWake chan struct{} // wakes the claim loop
	owner     string        // this runner in Queue
	ctx       context.Context
	cancel    context.CancelFunc
	wg        sync.WaitGroup
	slots     *slots
	live      broker

	running    atomic.Int64 // step processes running now
	maxRunning atomic.Int64 // the most ever running at once
	diagnosed  atomic.Int64 // diagnoses finished
	stepsRun   atomic.Int64 // step processes finished
}

var _ quench.StepService = (*Runner)(nil)

// stepKey names one step of one incident: a first step and a runbook step
// may share a name, never a section.
type stepKey struct {
	incidentID int64
	section    string
	name       string
}

// Open checks the configuration and starts the worker pool. The workers
// stop when ctx ends or Close is called.
func (r *Runner) Open(ctx context.Context) error {
	if err := r.init(); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.started {
		return fmt.Errorf("runner: already open")
	}
	r.ctx, r.cancel = context.WithCancel(ctx)
	if r.AutoDiagnosis {
		// Subscribed before Open returns: no incident that opens after
		// it is missed.
		sub, err := r.Events.Subscribe(r.ctx)
		if err != nil {
			r.cancel()
			return fmt.Errorf("runner: subscribe to incident events: %w", err)
		}
		r.wg.Add(1)
		go r.listen(r.ctx, sub)
		if r.Queue != nil {
			r.owner = newOwner()
			r.claimWake = make(chan struct{}, 1)
			r.wg.Add(1)
			go r.claimLoop(r.ctx)
		}
	}
	r.started = true
	r.notify = make(chan struct{}, r.Workers)
	r.slots = newSlots(r.Workers)
	for range r.Workers {
		r.wg.Add(1)
		go r.worker()
	}
	return nil
}

// init validates the fields and fills defaults.
func (r *Runner) init() error {
	for _, f := range []struct {
		name string
		set  bool
	}{
		{"Incidents", r.Incidents != nil},
		{"StepLog", r.StepLog != nil},
		{"Audit", r.Audit != nil},
		{"Events (with AutoDiagnosis)", r.Events != nil || !r.AutoDiagnosis},
		{"ChangeControl", r.ChangeControl != nil},
		{"Runbooks", r.Runbooks != nil},
		{"Targets[\"local\"]", r.Targets[LocalTarget] != nil},
	} {
		if !f.set {
			return fmt.Errorf("runner: %s is required", f.name)
		}
	}
	if r.Workers < 0 || r.Timeout < 0 || r.MaxOutput < 0 {
		return fmt.Errorf("runner: Workers, Timeout and MaxOutput must not be negative")
	}
	if !ValidSandbox(r.Sandbox) {
		return fmt.Errorf("runner: Sandbox %q: want auto, required or off", r.Sandbox)
	}
	if r.Sandbox == "" {
		r.Sandbox = SandboxAuto
	}
	if r.Workers == 0 {
		r.Workers = DefaultWorkers
	}
	if r.Timeout == 0 {
		r.Timeout = DefaultTimeout
	}
	if r.MaxOutput == 0 {
		r.MaxOutput = DefaultMaxOutput
	}
	if r.Logger == nil {
		r.Logger = slog.New(slog.DiscardHandler)
	}
	if r.Now == nil {
		r.Now = time.Now
	}
	r.classify = shell.EnvOptions(r.Env, r.Secrets)
	r.baseEnv = make(map[string]string, len(r.Env)+len(r.Secrets))
	for _, m := range []map[string]string{r.Env, r.Secrets} {
		for name, value := range m {
			if !shell.ValidEnvName(name) {
				return fmt.Errorf("runner: environment variable name %q is not a shell identifier", name)
			}
			if reservedEnv(name) {
				// quench sets these per step; a configured one would be
				// silently replaced, so say so now.
				return fmt.Errorf("runner: environment variable %s is set by quench for each step and cannot be configured", name)
			}
			if strings.IndexByte(value, 0) >= 0 {
				return fmt.Errorf("runner: environment variable %s holds a NUL byte", name)
			}
			r.baseEnv[name] = value
		}
	}
	r.secrets = r.secrets[:0]
	for _, v := range r.Secrets {
		if v != "" {
			r.secrets = append(r.secrets, v)
		}
	}
	slices.Sort(r.secrets) // reproducible; the scrubber orders them itself
	r.pending = map[int64]struct{}{}
	r.active = map[stepKey]int{}
	r.waiting = map[stepKey]int{}
	return nil
}

// Close stops taking work, drops the diagnoses still queued, cancels the
// running steps (their process groups are killed) and waits until their
// ends are recorded.
func (r *Runner) Close() error {
	r.mu.Lock()
	if !r.started || r.closed {
		r.mu.Unlock()
		return nil
	}
	r.closed = true
	dropped := r.queue.Len()
	for _, j := range r.queue {
		delete(r.pending, j.incidentID)
	}
	r.queue = nil
	r.mu.Unlock()
	if dropped > 0 {
		r.Logger.Warn("runner closing: queued diagnoses dropped", "count", dropped)
	}
	r.cancel()
	r.wg.Wait()
	return nil
}

// Stats is a snapshot of the runner's load.
type Stats struct {
	Queued     int   // diagnoses waiting for a worker
	Running    int64 // step processes running now
	MaxRunning int64 // the most step processes ever running at once
	Diagnosed  int64 // diagnoses finished since Open
	StepsRun   int64 // step processes finished since Open
}

// Stats returns the runner's current load, for metrics and tests.
func (r *Runner) Stats() Stats {
	r.mu.Lock()
	q := r.queue.Len()
	r.mu.Unlock()
	return Stats{
		Queued:     q,
		Running:    r.running.Load(),
		MaxRunning: r.maxRunning.Load(),
		Diagnosed:  r.diagnosed.Load(),
		StepsRun:   r.stepsRun.Load(),
	}
}

// gaugeUp counts a process starting and keeps the peak.
func (r *Runner) gaugeUp() {
	n := r.running.Add(1)
	for {
		peak := r.maxRunning.Load()
		if n <= peak || r.maxRunning.CompareAndSwap(peak, n) {
			return
		}
	}
}

func (r *Runner) gaugeDown() {
	r.running.Add(-1)
	r.stepsRun.Add(1)
}
