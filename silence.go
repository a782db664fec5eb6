package quench

import (
	"context"
	"time"
)

// OutcomeSuppressed: the alert was stored but opened nothing (a silence, a
// maintenance window or an inhibiting incident held it back); it opens an
// incident when that ends while it still fires.
const OutcomeSuppressed IngestOutcome = "suppressed"

// Audit actions of silences.
const (
	AuditSilenceCreate = "silence.create"
	AuditSilenceExpire = "silence.expire"
)

// EventSymptom is the timeline kind of an alert an open incident
// inhibited: shown on that incident instead of opening its own.
const EventSymptom = "symptom"

// MaxSilenceDuration bounds a silence: a forgotten silence hides real
// outages, so a long one must be renewed on purpose.
const MaxSilenceDuration = 90 * 24 * time.Hour

// Silence states at a moment.
const (
	SilencePending = "pending" // starts later
	SilenceActive  = "active"
	SilenceExpired = "expired"
)

// Silence keeps alerts that match all its matchers from opening incidents
// between StartsAt and EndsAt.
type Silence struct {
	ID        int64          `json:"id"`
	Matchers  []LabelMatcher `json:"matchers"`
	StartsAt  time.Time      `json:"starts_at"`
	EndsAt    time.Time      `json:"ends_at"`
	CreatedBy string         `json:"created_by"`
	Comment   string         `json:"comment"`
	CreatedAt time.Time      `json:"created_at"`
	// ExpiredBy names who ended it early; "" when it ran its course.
	ExpiredBy string `json:"expired_by,omitempty"`
	// State is computed when the silence is read (pending, active,
	// expired).
	State string `json:"state"`
	// Suppressed counts the alerts it holds back now.
	Suppressed int `json:"suppressed"`
}

// StateAt returns the silence's state at now.
func (s *Silence) StateAt(now time.Time) string {
	switch {
	case !now.Before(s.EndsAt):
		return SilenceExpired
	case now.Before(s.StartsAt):
		return SilencePending
	}
	return SilenceActive
}

// Validate checks a new silence at now: one to MaxMatchers matchers, not
// all of which match an alert with no labels; a comment; an end after its
// start and after now, at most MaxSilenceDuration after its start.
func (s *Silence) Validate(now time.Time) error {
	switch {
	case len(s.Matchers) == 0:
		return Errorf(EINVALID, "a silence needs at least one matcher (e.g. alertname=PostgresDown)")
	case len(s.Matchers) > MaxMatchers:
		return Errorf(EINVALID, "%d matchers, at most %d", len(s.Matchers), MaxMatchers)
	case MatchesEverything(s.Matchers):
		return Errorf(EINVALID, "these matchers match every alert; add one that names what to silence (e.g. alertname=PostgresDown)")
	case CleanText(s.Comment) == "":
		return Errorf(EINVALID, "a silence needs a comment saying why (-c \"failover test\")")
	case len(s.Comment) > 4096:
		return Errorf(EINVALID, "the comment is longer than 4096 bytes")
	case !s.EndsAt.After(s.StartsAt):
		return Errorf(EINVALID, "the silence ends (%s) before it starts (%s)", s.EndsAt.UTC().Format(time.RFC3339), s.StartsAt.UTC().Format(time.RFC3339))
	case !s.EndsAt.After(now):
		return Errorf(EINVALID, "the silence ends (%s) in the past", s.EndsAt.UTC().Format(time.RFC3339))
	case s.EndsAt.Sub(s.StartsAt) > MaxSilenceDuration:
		return Errorf(EINVALID, "a silence lasts at most %s; this one %s", MaxSilenceDuration, s.EndsAt.Sub(s.StartsAt).Round(time.Minute))
	}
	return nil
}

// SilenceFilter selects silences: Current (not yet expired) or all.
type SilenceFilter struct {
	Current bool
	Limit   int // 0 for the default page
}

// SilenceStore stores silences. Creating and expiring are audited.
type SilenceStore interface {
	// CreateSilence stores a valid silence (Validate) and sets its ID and
	// CreatedAt.
	CreateSilence(ctx context.Context, s *Silence) error
	// ExpireSilence ends a silence now: ENOTFOUND for an unknown id,
	// ECONFLICT when it has already ended.
	ExpireSilence(ctx context.Context, id int64, actor string) (*Silence, error)
	// FindSilences returns silences newest first.
	FindSilences(ctx context.Context, f SilenceFilter) ([]*Silence, error)
}

// SilenceService is the silences as people use them: the store's
// operations, plus what is held back (the suppression step takes note of
// new and expired silences at once).
type SilenceService interface {
	SilenceStore
	// SuppressedAlerts lists the alerts held back now, newest first.
	SuppressedAlerts(ctx context.Context) ([]*SuppressedAlert, error)
}

// SuppressedAlert is a firing alert held back: stored, visible, opening
// nothing until what holds it back ends.
type SuppressedAlert struct {
	Integration string            `json:"integration"`
	DedupKey    string            `json:"dedup_key"`
	Alert       Alert             `json:"-"`
	Summary     string            `json:"summary"`
	Labels      map[string]string `json:"labels"`
	Reason      string            `json:"reason"` // silence, maintenance or inhibition
	Ref         string            `json:"ref"`    // the silence's id, the window's name, the inhibiting incident's id
	FirstAt     time.Time         `json:"first_at"`
	LastAt      time.Time         `json:"last_at"`
	Count       int64             `json:"count"`
}

// Reasons an alert is held back.
const (
	SuppressSilence     = "silence"
	SuppressMaintenance = "maintenance"
	SuppressInhibition  = "inhibition"
)

// Suppressor is the step of the AlertService that holds back alerts that
// must not open an incident: silenced, in a maintenance window, or
// inhibited by an open incident. It sees only valid alerts.
type Suppressor interface {
	// Suppress returns, per alert, nil when it goes on to the store, or
	// the result of an alert it held back (OutcomeSuppressed, stored as a
	// SuppressedAlert). An alert whose key already has an open incident
	// goes on: it counts there.
	Suppress(ctx context.Context, alerts []Alert) ([]*IngestResult, error)
}
