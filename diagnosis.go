package quench

import (
	"context"
	"time"
)

// EventDiagnosisShared is the timeline event of an incident whose
// automatic diagnosis is another incident's: a storm of incidents with the
// same runbook is diagnosed once.
const EventDiagnosisShared = "diagnosis_shared"

// DiagnosisShareWindow is how long after an incident's diagnosis was
// queued a new incident with the same runbook shares it instead of running
// its own.
const DiagnosisShareWindow = 10 * time.Minute

// DiagnosisSharedData is the data of an EventDiagnosisShared event.
type DiagnosisSharedData struct {
	SharedWith int64  `json:"shared_with"` // the incident whose diagnosis this one shares
	Runbook    string `json:"runbook"`
}

// DiagnosisClaim is a queued diagnosis a runner took.
type DiagnosisClaim struct {
	IncidentID int64
	Severity   Severity
	// Retaken is true when an earlier claim ended without finishing: the
	// instance holding it stopped or died. Steps it started and never
	// finished are to be marked interrupted.
	Retaken bool
}

// DiagnosisQueue is the durable queue of automatic diagnoses: the store
// queues one when an incident opens, in the same transaction, so a crash
// never loses it; runners on any instance claim, hold and finish them.
type DiagnosisQueue interface {
	// ClaimDiagnoses takes up to n queued diagnoses for owner (an
	// instance), and those whose holder's lease ran out, holding each for
	// lease.
	ClaimDiagnoses(ctx context.Context, owner string, n int, lease time.Duration) ([]DiagnosisClaim, error)
	// RenewDiagnoses extends the lease of everything owner holds.
	RenewDiagnoses(ctx context.Context, owner string, lease time.Duration) error
	// FinishDiagnosis marks owner's diagnosis of an incident done.
	FinishDiagnosis(ctx context.Context, incidentID int64, owner string) error
}
