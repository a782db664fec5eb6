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
	// ProviderID is what the channel answered (Slack's channel and message
	// ts, Twilio's SID). An ack or resolve follow-up starts with the page's,
	// so Slack updates that message in place.
	ProviderID string     `json:"provider_id,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	SentAt     *time.Time `json:"sent_at,omitempty"`
}

// Message is what a channel renders: the notification plus the incident it
// is about and the links that act on it.
type Message struct {
	Notification
	Person   Person        `json:"-"`
	Address  ContactMethod `json:"-"`
	Incident *Incident     `json:"incident,omitempty"`
	Runbook  string        `json:"runbook,omitempty"` // title
	Summary  string        `json:"summary,omitempty"` // diagnosis summary: the finished steps, one a line (email)
	// Diagnosis is the diagnosis's short verdict, for every channel:
	// "diagnosis running (1 of 3 steps done)", "diagnosis done: 3 steps
	// ok", "diagnosis done: 1 of 3 steps failed (db-ping: exit 2)".
	Diagnosis   string `json:"diagnosis,omitempty"`
	AckURL      string `json:"ack_url,omitempty"` // signed one-time links
	ResolveURL  string `json:"resolve_url,omitempty"`
	IncidentURL string `json:"incident_url,omitempty"`
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

// PageTarget is what `quench page` aims at: a role, a person, or a name
// that is a role if one is bound by it and a person otherwise.
type PageTarget struct {
	Role   string `json:"role,omitempty"`
	Person string `json:"person,omitempty"`
	Name   string `json:"name,omitempty"`
}

// PageResult says who a manual page or test reached.
type PageResult struct {
	People        []string        `json:"people"`
	Notifications []*Notification `json:"notifications"`
}

// EscalationState is where an incident's escalation stands.
type EscalationState struct {
	IncidentID int64     `json:"incident_id"`
	Step       int       `json:"step"`  // 1-based, the step paged last; 0 before the first
	Round      int       `json:"round"` // 0 for the first pass through the steps
	Steps      []string  `json:"steps"` // the roles, in order
	NextAt     time.Time `json:"next_at,omitzero"`
	Stopped    bool      `json:"stopped"`
	AckedBy    []string  `json:"acked_by,omitempty"`
	Paged      []string  `json:"paged,omitempty"` // people paged in the current step
}

// Timeline event kinds written by paging.
const (
	EventPaged              = "paged"               // an escalation step paged its role
	EventNotificationSent   = "notification_sent"   // a channel took a notification
	EventNotificationFailed = "notification_failed" // a notification was given up on
	EventEscalated          = "escalated"           // a person escalated by hand
	EventPageAcknowledged   = "page_acknowledged"   // one person of a multi-ack step acknowledged
)

// EscalationChange is one incident's escalation moving on, written in one
// transaction with the notifications it sends and what it records.
type EscalationChange struct {
	State         *EscalationState // upserted when set
	Notifications []Notification   // inserted unless a row has the same key
	// CancelPending, when not 0, cancels that incident's pending pages and
	// notices.
	CancelPending int64
	Events        []TimelineEvent
	Audit         []AuditEntry
}

// NotificationOutcome is what became of one attempt to send.
type NotificationOutcome struct {
	Key        string
	Status     NotificationStatus // sent, failed, summarised, or pending again (a retry)
	Attempts   int
	Error      string
	ProviderID string
	DueAt      time.Time // the retry's due time when Status is pending
	At         time.Time
	Event      *TimelineEvent // recorded with it, when set
	Audit      *AuditEntry
}

// OpenEscalation is an open incident with its escalation state (nil when
// escalation never started).
type OpenEscalation struct {
	Incident *Incident
	State    *EscalationState
}

// EscalationStore is the engine's durable state: the outbox, escalation
// states and used one-time links.
type EscalationStore interface {
	NotificationService
	// ApplyEscalations writes the changes in one transaction and returns
	// the notifications it inserted (rows whose key existed are left out).
	ApplyEscalations(ctx context.Context, changes []EscalationChange) ([]Notification, error)
	// FinishNotifications records send outcomes in one transaction.
	FinishNotifications(ctx context.Context, outcomes []NotificationOutcome) error
	// PendingNotifications returns every pending notification, due first.
	PendingNotifications(ctx context.Context) ([]*Notification, error)
	// OpenEscalations returns open incidents whose escalation has not stopped.
	OpenEscalations(ctx context.Context) ([]OpenEscalation, error)
	// FindEscalation returns an incident's escalation state, or ENOTFOUND.
	FindEscalation(ctx context.Context, incidentID int64) (*EscalationState, error)
	// UseLink records a one-time link as followed: ECONFLICT when it was.
	UseLink(ctx context.Context, nonce string, incidentID int64, person, action string) error
	// LinkKey returns the key that signs one-time links, made on first use
	// and shared by every server of the database.
	LinkKey(ctx context.Context) ([]byte, error)
	// DiagnosisEvents returns, per incident, the timeline events a page's
	// diagnosis verdict reads (steps started, finished and refused, and
	// diagnosis_shared), oldest first, in one query for many incidents.
	DiagnosisEvents(ctx context.Context, incidentIDs []int64) (map[int64][]TimelineEvent, error)
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
	// AwaitingAcks lists the people an acknowledged incident's multi-ack
	// step still waits for; none when it waits for nobody.
	AwaitingAcks(ctx context.Context, incidentID int64) ([]string, error)
	// Shifts returns the shifts of a schedule, or of a person in every
	// schedule when person is set, over [from, to).
	Shifts(ctx context.Context, schedule, person string, from, to time.Time) ([]Shift, error)
	// Reload re-reads the on-call file; on any error the one in force stays.
	Reload(ctx context.Context) error
	// CheckLink says what a one-time link would do: EUNAUTHORIZED when it
	// is not valid, EFORBIDDEN when it expired.
	CheckLink(ctx context.Context, token string) (*LinkAction, error)
	// FollowLink does what a one-time link says, as the person it was sent
	// to, once: ECONFLICT when it was used before.
	FollowLink(ctx context.Context, token string) (*LinkAction, error)
	// SMSReply handles a text from a phone number ("ACK 123", "RES 123")
	// and returns the answer to text back.
	SMSReply(ctx context.Context, from, body string) (string, error)
}

// LinkAction is what a one-time link does and, once followed, its result.
type LinkAction struct {
	Incident int64     `json:"incident"`
	Person   string    `json:"person"`
	Action   string    `json:"action"` // ack or resolve
	Expires  time.Time `json:"expires"`
	Result   string    `json:"result,omitempty"`
}

// PagingMetrics receives paging's measurements (the HTTP layer exports
// them on /metrics).
type PagingMetrics interface {
	// NotificationDone counts one attempt by channel and outcome: sent,
	// retry or failed.
	NotificationDone(channel ContactKind, outcome string)
	// StepLateness observes how late an escalation step's notification was
	// handed to its channel, after its due time.
	StepLateness(d time.Duration)
}
