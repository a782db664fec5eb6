package quench

import (
	"context"
	"time"
)

// A drill proves that a runbook still works where quench runs: a synthetic
// alert marked as a drill goes through the whole pipeline (routing, an
// incident, the automatic diagnosis), and the drill reports how each
// diagnosis step did. The source document's "test in staging first", made
// a command.

// SourceDrill is the Source of a drill's alert, and so of its incident.
// Only the drill service submits it (HTTP ingest sets its own sources), so
// no alert from outside can pass for a drill, nor a drill for an alert.
const SourceDrill = "drill"

// Labels a drill's alert and incident carry.
const (
	LabelDrill   = "quench_drill"    // the drill's id
	LabelDrillBy = "quench_drill_by" // who started it: a token name, or DrillScheduler
)

// AuditDrillStart is the audit action of a drill asked for (by a person or
// the schedule).
const AuditDrillStart = "drill.start"

// DrillScheduler is the actor of drills the config's schedule starts.
const DrillScheduler = "schedule"

// IsDrill reports whether the incident was opened by a drill. Paging pages
// no one for a drill incident (or only the person running it, the
// LabelDrillBy label), and statistics leave drill incidents out.
func (i *Incident) IsDrill() bool { return i.Source == SourceDrill }

// Drill statuses.
const (
	DrillQueued  = "queued"  // waiting for the drill before it to end
	DrillRunning = "running" // its alert is in; the diagnosis runs
	DrillDone    = "done"    // the report is complete (Verdict says how it went)
	DrillError   = "error"   // the drill could not run; Error says why
)

// Drill verdicts.
const (
	VerdictWorks   = "works"   // every diagnosis step ran, succeeded in time and printed something
	VerdictDrifted = "drifted" // at least one step did not: Drill.Drifted lists them
)

// Outcomes of one diagnosis step in a drill.
const (
	DrillStepOK       = "ok"        // exit 0 within its timeout, with output
	DrillStepFailed   = "failed"    // non-zero exit
	DrillStepTimedOut = "timed_out" // killed at its timeout
	DrillStepEmpty    = "empty"     // exit 0 but printed nothing
	DrillStepRefused  = "refused"   // not run: it is no longer read-only, or its target is not configured
	DrillStepNotRun   = "not_run"   // had not finished when the drill gave up waiting
)

// Drill is one drill of one runbook and, once done, its report.
type Drill struct {
	ID         int64  `json:"id"`
	RunbookID  string `json:"runbook"`
	IncidentID int64  `json:"incident_id,omitempty"`
	Actor      string `json:"actor"` // the token name that started it, or DrillScheduler
	Scheduled  bool   `json:"scheduled"`
	Status     string `json:"status"`
	Verdict    string `json:"verdict,omitempty"`
	Error      string `json:"error,omitempty"`
	// CreatedAt is when it was asked for, StartedAt when its alert was
	// submitted, FinishedAt when the report was made.
	CreatedAt  time.Time  `json:"created_at"`
	StartedAt  *time.Time `json:"started_at"`
	FinishedAt *time.Time `json:"finished_at"`
	// AlertToDiagnosis is the time from the alert to the end of the last
	// diagnosis step: how long an on-call engineer waits for the answer.
	AlertToDiagnosis time.Duration `json:"alert_to_diagnosis_ns,omitempty"`
	FailedSteps      int           `json:"failed_steps"` // steps whose outcome is not ok
	Steps            []DrillStep   `json:"steps,omitempty"`
}

// DrillStep is how one diagnosis step (a first step or the runbook's
// Quick diagnosis) did in a drill. The output itself is on the drill's
// incident.
type DrillStep struct {
	Name        string        `json:"name"`
	Section     string        `json:"section"`
	Title       string        `json:"title,omitempty"`
	Outcome     string        `json:"outcome"`
	ExitCode    int           `json:"exit_code"`
	Duration    time.Duration `json:"duration_ns"`
	OutputBytes int           `json:"output_bytes"`
	// Reason says why a step drifted: the last line it printed, or why it
	// was refused.
	Reason string `json:"reason,omitempty"`
}

// Drifted returns the steps whose outcome is not ok.
func (d *Drill) Drifted() []DrillStep {
	var out []DrillStep
	for _, s := range d.Steps {
		if s.Outcome != DrillStepOK {
			out = append(out, s)
		}
	}
	return out
}

// DrillFilter selects drills for a list, newest first. Zero fields match
// all.
type DrillFilter struct {
	RunbookID string
	BeforeID  int64 // pagination: only ids below this
	Limit     int   // 0 means the default page size
}

// DrillStore keeps drills and their reports.
type DrillStore interface {
	// CreateDrill stores a new drill (queued) and sets its ID and
	// CreatedAt.
	CreateDrill(ctx context.Context, d *Drill) error
	// UpdateDrill stores a drill's status, incident, times, verdict and
	// report; ENOTFOUND when there is no such drill.
	UpdateDrill(ctx context.Context, d *Drill) error
	// FindDrill returns ENOTFOUND when no drill has that id.
	FindDrill(ctx context.Context, id int64) (*Drill, error)
	// FindDrills returns drills newest first.
	FindDrills(ctx context.Context, f DrillFilter) ([]*Drill, error)
	// LatestDrills returns the newest drill of each runbook, and the
	// newest finished one where that is another: what the schedule and
	// the metrics read.
	LatestDrills(ctx context.Context) (latest, finished map[string]*Drill, err error)
}

// DrillService runs drills.
type DrillService interface {
	// StartDrills queues a drill of each runbook, run one after the other,
	// and returns them at once (queued). ENOTFOUND names a runbook the
	// pack does not have; EUNAVAILABLE when automatic diagnosis is off,
	// since a drill tests it.
	StartDrills(ctx context.Context, runbookIDs []string, actor string) ([]*Drill, error)
	// FindDrill returns ENOTFOUND when no drill has that id.
	FindDrill(ctx context.Context, id int64) (*Drill, error)
	// FindDrills returns drills newest first.
	FindDrills(ctx context.Context, f DrillFilter) ([]*Drill, error)
	// LatestDrills: see DrillStore.
	LatestDrills(ctx context.Context) (latest, finished map[string]*Drill, err error)
}
