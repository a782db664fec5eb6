package quench

import (
	"context"
	"time"
)

// MessageKind says why a notification is sent.
type MessageKind string

// Message kinds.
const (
	MessagePage     MessageKind = "page"     // an escalation step: please acknowledge
	MessageNotify   MessageKind = "notify"   // a notify-only role is informed
	MessageAck      MessageKind = "ack"      // someone acknowledged: stand down
	MessageResolved MessageKind = "resolved" // the incident is over
	MessageManual   MessageKind = "manual"   // `quench page ROLE|PERSON "text"`
	MessageTest     MessageKind = "test"     // `quench notify test PERSON`
	MessageSummary  MessageKind = "summary"  // a storm: many incidents in one message
	MessageFailure  MessageKind = "failure"  // to an admin: a contact method fails for good
)

// NotificationStatus is where an outbox row is.
type NotificationStatus string

// Notification statuses.
const (
	NotificationPending    NotificationStatus = "pending"    // due now or later
	NotificationSent       NotificationStatus = "sent"       // the channel took it
	NotificationFailed     NotificationStatus = "failed"     // given up; Error says why
	NotificationCancelled  NotificationStatus = "cancelled"  // acknowledged before it was due
	NotificationSummarised NotificationStatus = "summarised" // folded into a storm summary
)

// Notification is one row of the durable outbox: one message to one
// contact method of one person, for one incident and step.
type Notification struct {
	ID         int64              `json:"id"`
	Key        string             `json:"key"` // idempotency key, unique
	IncidentID int64              `json:"incident_id,omitempty"`
	Step       int                `json:"step"` // escalation step, 0 for others
	Role       string             `json:"role,omitempty"`
	Person     string             `json:"person"`
	Contact    string             `json:"contact"` // contact method name
	Channel    ContactKind        `json:"channel"`
	Kind       MessageKind        `json:"kind"`
	Urgency    Urgency            `json:"urgency"`
	Text       string             `json:"text,omitempty"` // manual and failure messages
	Status     NotificationStatus `json:"status"`
	DueAt      time.Time          `json:"due_at"`
	Attempts   int                `json:"attempts"`
	Error      string             `json:"error,omitempty"`
	// ProviderID is what the channel answered (Slack's message ts, Twilio's
	// SID): Slack updates the same message on ack and resolve.
	ProviderID string     `json:"provider_id,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	SentAt     *time.Time `json:"sent_at,omitempty"`
}

// Message is what a channel renders: the notification plus the incident it
// is about and the links that act on it.
type Message struct {
	Notification
	Person      Person        `json:"-"`
	Address     ContactMethod `json:"-"`
	Incident    *Incident     `json:"incident,omitempty"`
	Runbook     string        `json:"runbook,omitempty"` // title
	Summary     string        `json:"summary,omitempty"` // diagnosis summary
	AckURL      string        `json:"ack_url,omitempty"` // signed one-time links
	ResolveURL  string        `json:"resolve_url,omitempty"`
	IncidentURL string        `json:"incident_url,omitempty"`
	// Previous is the ProviderID of the page this message follows up
	// (Slack updates that message in place).
	Previous string `json:"-"`
	// Count and Critical describe a storm summary.
	Count    int `json:"count,omitempty"`
	Critical int `json:"critical,omitempty"`
}

// SendResult is what a channel reports for a delivered message.
type SendResult struct {
	ProviderID string
}

// Channel delivers messages of one contact kind. A returned error that is
// a *SendError says whether to retry.
type Channel interface {
	Kind() ContactKind
	Send(ctx context.Context, m *Message) (SendResult, error)
}

// SendError is a delivery failure with the retry decision made.
type SendError struct {
	Retry      bool          // 5xx, 429, timeouts and network errors
	RetryAfter time.Duration // the provider's Retry-After, 0 if none
	Status     int           // HTTP or SMTP status, 0 if none
	Message    string
}

// Error returns the message.
func (e *SendError) Error() string { return e.Message }

// NotificationService is the durable outbox.
type NotificationService interface {
	// FindNotifications lists an incident's notifications, oldest first.
	FindNotifications(ctx context.Context, incidentID int64) ([]*Notification, error)
	// FindFailedNotifications lists notifications given up on, newest first.
	FindFailedNotifications(ctx context.Context, limit int) ([]*Notification, error)
}

// PageTarget is what `quench page` aims at: a role or a person.
type PageTarget struct {
	Role   string `json:"role,omitempty"`
	Person string `json:"person,omitempty"`
}

// PageResult says who a manual page or test reached.
type PageResult struct {
	People        []string        `json:"people"`
	Notifications []*Notification `json:"notifications"`
}

// EscalationState is where an incident's escalation stands.
type EscalationState struct {
	IncidentID int64     `json:"incident_id"`
	Step       int       `json:"step"` // 1-based, the step paged last
	Round      int       `json:"round"`
	Steps      []string  `json:"steps"` // the roles, in order
	NextAt     time.Time `json:"next_at,omitzero"`
	Stopped    bool      `json:"stopped"`
	AckedBy    []string  `json:"acked_by,omitempty"`
	Paged      []string  `json:"paged,omitempty"` // people paged in the current step
}

// PagingService is the escalation engine's face to the API and the CLI.
type PagingService interface {
	// OnCall says who is on call for each role (or one role) at a time.
	OnCall(ctx context.Context, role string, at time.Time) ([]OnCallEntry, error)
	// Escalate pages the next step now, or step (1-based) when it is > 0.
	Escalate(ctx context.Context, incidentID int64, step int, actor string) (*EscalationState, error)
	// Page sends a manual message to a role or a person.
	Page(ctx context.Context, target PageTarget, text string, incidentID int64, actor string) (*PageResult, error)
	// NotifyTest sends a test message on every contact method of a person
	// and reports each result.
	NotifyTest(ctx context.Context, person string, actor string) ([]*Notification, error)
	// Acknowledge acknowledges an incident as a person: it stops the
	// escalation, or, in a multi-ack step, counts the person.
	Acknowledge(ctx context.Context, incidentID int64, person string) (*EscalationState, error)
}
