package quench

import (
	"context"
	"io"
	"time"
)

// Step run statuses, per incident.
const (
	StepPending   = "pending"   // not run for this incident
	StepQueued    = "queued"    // waiting for a worker
	StepRunning   = "running"   // a process is running
	StepSucceeded = "succeeded" // exit code 0
	StepFailed    = "failed"    // non-zero exit, timeout or start failure
	StepRefused   = "refused"   // not run: not confirmed, frozen, class changed, …
)

// StepState is one step of an incident's runbook (or of the pack's first
// steps) with what has happened to it in this incident.
type StepState struct {
	Step    Step     `json:"step"`
	Status  string   `json:"status"`
	LastRun *StepRun `json:"last_run,omitempty"`
	// EnvNames are the names (never the values) of the environment the
	// step would get now, sorted: what a confirmation shows.
	EnvNames []string `json:"env,omitempty"`
}

// StepRunRequest asks to run one step for one incident.
type StepRunRequest struct {
	IncidentID int64
	StepName   string
	Actor      string    // token name of the person asking
	Role       TokenRole // the asker's role
	Confirm    bool      // the person confirmed a mutating or unknown step
	DryRun     bool      // say exactly what would run; run nothing
	// BreakGlassSecret is the X-Break-Glass-Token a run during a change
	// freeze must carry.
	BreakGlassSecret string
	// Live receives the scrubbed output while the step runs; may be nil.
	// When it also implements StepAcceptNotifier, RunStep tells it once
	// the step has passed every check.
	Live io.Writer
}

// StepAcceptNotifier is implemented by a StepRunRequest.Live writer that
// wants to know when its step was accepted: the role, confirmation, freeze
// and conflict checks passed, and from then on RunStep refuses nothing (it
// may still wait for a process slot, fail to start, or fail). A streaming
// answer uses it to keep a refusal a plain error status until then.
type StepAcceptNotifier interface {
	StepAccepted()
}

// StepRun is one run (or dry run) of a step.
type StepRun struct {
	IncidentID   int64         `json:"incident_id"`
	Step         string        `json:"step"`
	Section      string        `json:"section"`
	Command      string        `json:"command"`
	Target       string        `json:"target"`
	Class        Class         `json:"class"`
	Reason       string        `json:"reason"`
	EnvNames     []string      `json:"env"` // names only: values may be secrets
	Actor        string        `json:"actor"`
	DryRun       bool          `json:"dry_run"`
	GrantID      int64         `json:"grant_id,omitempty"`
	StartedAt    time.Time     `json:"started_at,omitzero"`
	Duration     time.Duration `json:"duration_ns,omitempty"`
	ExitCode     int           `json:"exit_code"`
	TimedOut     bool          `json:"timed_out,omitempty"`
	Output       string        `json:"output,omitempty"`
	Truncated    bool          `json:"truncated,omitempty"`
	OutputSHA256 string        `json:"output_sha256,omitempty"`
}

// StepRecord is one thing that happened to a step of an incident: its
// timeline event and, when the audit trail records it, its audit entry.
// The two commit together or not at all.
type StepRecord struct {
	Step  string        // the step's name, carried by the incident event
	Event TimelineEvent // step_started, step_finished, step_refused, or a note (a dry run)
	Audit *AuditEntry   // appended in the same transaction; nil for none
}

// StepLog stores what happens to steps.
type StepLog interface {
	// RecordStep commits the record's timeline event and audit entry
	// together, then publishes its incident event (step_started,
	// step_finished, step_refused or note_added). ENOTFOUND for an
	// unknown incident.
	RecordStep(ctx context.Context, rec StepRecord) (*TimelineEvent, error)
}

// StepOutput is a chunk of a running step's output, for live streaming.
type StepOutput struct {
	IncidentID int64    `json:"incident_id"`
	Step       string   `json:"step"`
	Data       string   `json:"data,omitempty"`
	Done       bool     `json:"done,omitempty"` // the step finished; Run is set
	Run        *StepRun `json:"run,omitempty"`
}

// StepService runs runbook steps for incidents, safely: read-only steps
// for responders, mutating or unknown ones only when confirmed, nothing
// mutating during a change freeze without a break-glass grant.
type StepService interface {
	// IncidentSteps lists the steps that apply to an incident: the pack's
	// first steps, then its runbook's steps, with their status.
	IncidentSteps(ctx context.Context, incidentID int64) ([]StepState, error)
	// RunStep runs (or dry-runs) one step and returns when it finished.
	// EFORBIDDEN when the role is too low, the step is not confirmed, or a
	// freeze is on without a valid grant; ENOTFOUND for an unknown step.
	RunStep(ctx context.Context, req StepRunRequest) (*StepRun, error)
	// Subscribe streams the output of the incident's steps as they run
	// until cancel is called or ctx ends.
	Subscribe(ctx context.Context, incidentID int64) (out <-chan StepOutput, cancel func())
}
