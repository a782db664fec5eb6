package quench

import (
	"context"
	"time"
)

// ContactKind names how a person can be reached; each kind has one channel.
type ContactKind string

// Contact kinds.
const (
	ContactEmail   ContactKind = "email"
	ContactSMS     ContactKind = "sms"
	ContactSlack   ContactKind = "slack"
	ContactWebhook ContactKind = "webhook"
)

// ContactKinds lists every contact kind.
var ContactKinds = []ContactKind{ContactEmail, ContactSMS, ContactSlack, ContactWebhook}

// Valid reports whether k is a known contact kind.
func (k ContactKind) Valid() bool {
	switch k {
	case ContactEmail, ContactSMS, ContactSlack, ContactWebhook:
		return true
	}
	return false
}

// ContactMethod is one address of a person: an email address, a phone
// number in E.164, a Slack user or channel id, or a webhook URL.
type ContactMethod struct {
	Name    string      `json:"name"` // unique per person, e.g. "work-email"
	Kind    ContactKind `json:"kind"`
	Address string      `json:"address"`
	// Template names a webhook body template (ntfy, gotify, mattermost,
	// matrix or a custom one); "" is quench's own JSON.
	Template string `json:"template,omitempty"`
}

// Urgency says how hard to try to reach someone: high pages at once by
// every rule, low follows the quieter rules and respects the night.
type Urgency string

// Urgencies.
const (
	UrgencyHigh Urgency = "high"
	UrgencyLow  Urgency = "low"
)

// UrgencyOf maps a severity to its urgency: critical and high page,
// medium and low notify.
func UrgencyOf(s Severity) Urgency {
	if s.Rank() >= SeverityHigh.Rank() {
		return UrgencyHigh
	}
	return UrgencyLow
}

// NotificationRule says which contact method to use how long after a
// person was paged ("Slack at once, SMS after 2 min").
type NotificationRule struct {
	Contact string        `json:"contact"` // a ContactMethod name
	Delay   time.Duration `json:"delay"`
}

// Person is someone quench can page.
type Person struct {
	ID       string          `json:"id"` // also the token name they act under
	Name     string          `json:"name"`
	TimeZone string          `json:"time_zone"`
	Contacts []ContactMethod `json:"contacts"`
	// Rules per urgency; a missing urgency uses every contact method at once.
	Rules map[Urgency][]NotificationRule `json:"rules"`
	// NightStart and NightEnd bound the person's night in their time zone
	// ("22:00" to "07:00"): low-urgency notifications wait for the morning
	// or avoid SMS then.
	NightStart string `json:"night_start"`
	NightEnd   string `json:"night_end"`
	// SMSAtNight lets low-urgency SMS through at night.
	SMSAtNight bool `json:"sms_at_night,omitempty"`
	// Location is TimeZone loaded (see Rotation.Location).
	Location *time.Location `json:"-"`
	// Admin is the person told when a contact method of this one fails
	// for good (a 4xx from the provider); "" means nobody but the logs.
	Admin string `json:"admin,omitempty"`
}

// Contact returns the contact method with that name, or false.
func (p *Person) Contact(name string) (ContactMethod, bool) {
	for _, c := range p.Contacts {
		if c.Name == name {
			return c, true
		}
	}
	return ContactMethod{}, false
}

// RotationKind is the unit of a rotation's shift.
type RotationKind string

// Rotation kinds.
const (
	RotationHourly RotationKind = "hourly"
	RotationDaily  RotationKind = "daily"
	RotationWeekly RotationKind = "weekly"
)

// Rotation is one layer of a schedule: participants take shifts in turn.
// Shift boundaries are wall-clock times in the layer's zone, so a 09:00
// hand-off stays at 09:00 across daylight-saving changes.
type Rotation struct {
	Name     string       `json:"name"`
	Kind     RotationKind `json:"kind"`
	Length   int          `json:"length"` // units of Kind per shift (≥ 1)
	TimeZone string       `json:"time_zone"`
	// Start is the local date and time of the first hand-off, when the
	// first participant's first shift begins.
	Start        LocalTime `json:"start"`
	Participants []string  `json:"participants"` // person ids, in turn
	// Restrict limits the layer to windows of the week; empty means always.
	Restrict []Window `json:"restrict,omitempty"`
	// Location is TimeZone loaded, set when the on-call file is loaded so
	// computing a shift never reads the zone database; nil loads it.
	Location *time.Location `json:"-"`
}

// LocalTime is a wall-clock date and time without a zone.
type LocalTime struct {
	Year   int        `json:"year"`
	Month  time.Month `json:"month"`
	Day    int        `json:"day"`
	Hour   int        `json:"hour"`
	Minute int        `json:"minute"`
}

// In returns the instant the local time names in loc.
func (l LocalTime) In(loc *time.Location) time.Time {
	return time.Date(l.Year, l.Month, l.Day, l.Hour, l.Minute, 0, 0, loc)
}

// Window is a weekly window in a layer's zone: from Start to End minutes
// after the start of Day (End may pass midnight, up to a week).
type Window struct {
	Day   time.Weekday `json:"day"`
	Start int          `json:"start"` // minutes after midnight
	End   int          `json:"end"`   // minutes after Day's midnight; > Start
}

// Schedule is a stack of rotation layers: a later layer covers earlier ones
// wherever it has someone on call (a weekend layer, follow-the-sun).
type Schedule struct {
	ID       string     `json:"id"`
	Name     string     `json:"name"`
	TimeZone string     `json:"time_zone"`
	Layers   []Rotation `json:"layers"`
}

// Shift is one stretch of time a person is on call for a schedule.
type Shift struct {
	Schedule string    `json:"schedule"`
	Person   string    `json:"person"`
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`
	Layer    string    `json:"layer,omitempty"`    // the layer it comes from
	Override int64     `json:"override,omitempty"` // the override it comes from
}

// RoleBinding attaches a role of the escalation matrix to people: to
// whoever is on call in a schedule, to a fixed list of people, or to
// whoever another role resolves to.
type RoleBinding struct {
	Role     string   `json:"role"`
	Schedule string   `json:"schedule,omitempty"`
	People   []string `json:"people,omitempty"`
	Alias    string   `json:"alias,omitempty"` // another role
	// NotifyOnly roles are informed at low urgency and never asked to
	// acknowledge: the Customer Support Lead is told, not paged.
	NotifyOnly bool `json:"notify_only,omitempty"`
}

// EscalationPolicy is how one severity escalates.
type EscalationPolicy struct {
	Severity Severity `json:"severity"`
	// StepDelay is how long a step waits for an acknowledgement before the
	// next role is paged.
	StepDelay time.Duration `json:"step_delay"`
	// Repeat is how many more times the whole order runs after the last
	// step went unacknowledged.
	Repeat int `json:"repeat"`
	// MultiAck steps wait until everyone paged in them acknowledged.
	MultiAck bool `json:"multi_ack,omitempty"`
	// PageAtNight sends low-urgency notifications at night (without SMS
	// unless a person asks); false holds them until the person's morning.
	PageAtNight bool `json:"page_at_night"`
	// Urgency is the urgency of its pages, from the severity by default.
	Urgency Urgency `json:"urgency"`
}

// OnCallConfig is the whole of oncall.yaml, validated: people, schedules,
// role bindings and escalation policies.
type OnCallConfig struct {
	People    []Person
	Schedules []Schedule
	Roles     []RoleBinding
	Policies  map[Severity]EscalationPolicy
	// DefaultRole is the role paged for an incident without a runbook:
	// the pack's first role.
	DefaultRole string
}

// FindPerson returns the person with that id, or false.
func (c *OnCallConfig) FindPerson(id string) (*Person, bool) {
	for i := range c.People {
		if c.People[i].ID == id {
			return &c.People[i], true
		}
	}
	return nil, false
}

// FindSchedule returns the schedule with that id, or false.
func (c *OnCallConfig) FindSchedule(id string) (*Schedule, bool) {
	for i := range c.Schedules {
		if c.Schedules[i].ID == id {
			return &c.Schedules[i], true
		}
	}
	return nil, false
}

// FindRole returns the binding of a role, or false.
func (c *OnCallConfig) FindRole(id string) (*RoleBinding, bool) {
	for i := range c.Roles {
		if c.Roles[i].Role == id {
			return &c.Roles[i], true
		}
	}
	return nil, false
}

// Override puts a person on call for a schedule over a range of time: take
// a shift (Replaces empty: whoever is on call), swap (Replaces names the
// person whose shifts it covers), or cover a range.
type Override struct {
	ID        int64     `json:"id"`
	Schedule  string    `json:"schedule"`
	Person    string    `json:"person"`             // who is on call instead
	Replaces  string    `json:"replaces,omitempty"` // only while this person would be on call
	Start     time.Time `json:"start"`
	End       time.Time `json:"end"`
	Reason    string    `json:"reason,omitempty"`
	Actor     string    `json:"actor"`
	CreatedAt time.Time `json:"created_at"`
}

// MaxOverride bounds one override's range.
const MaxOverride = 90 * 24 * time.Hour

// Validate checks an override's own fields (not that its schedule and
// person exist: the on-call configuration does that).
func (o *Override) Validate() error {
	switch {
	case o.Schedule == "":
		return Errorf(EINVALID, "override: a schedule is required")
	case o.Person == "":
		return Errorf(EINVALID, "override: a person is required")
	case o.Start.IsZero() || o.End.IsZero():
		return Errorf(EINVALID, "override: start and end are required")
	case !o.End.After(o.Start):
		return Errorf(EINVALID, "override: end %s is not after start %s", o.End.Format(time.RFC3339), o.Start.Format(time.RFC3339))
	case o.End.Sub(o.Start) > MaxOverride:
		return Errorf(EINVALID, "override: %s is longer than the %d days an override may cover", o.End.Sub(o.Start), int(MaxOverride.Hours()/24))
	case o.Person == o.Replaces:
		return Errorf(EINVALID, "override: %s cannot replace themselves", o.Person)
	}
	return nil
}

// OverrideService stores overrides; every change is audited.
type OverrideService interface {
	// CreateOverride stores an override and returns it with its id.
	CreateOverride(ctx context.Context, o Override) (*Override, error)
	// FindOverrides returns overrides that overlap [from, to), for one
	// schedule or all (""), oldest first.
	FindOverrides(ctx context.Context, schedule string, from, to time.Time) ([]*Override, error)
	// DeleteOverride removes an override; ENOTFOUND for an unknown id.
	DeleteOverride(ctx context.Context, id int64, actor string) error
}

// OnCallEntry is who is on call for one role at one time.
type OnCallEntry struct {
	Role       string   `json:"role"`
	RoleName   string   `json:"role_name,omitempty"`
	People     []string `json:"people"`
	Schedule   string   `json:"schedule,omitempty"`
	NotifyOnly bool     `json:"notify_only,omitempty"`
	// Until is when the current shift ends, zero when it does not.
	Until time.Time `json:"until,omitzero"`
	// Overrides that put someone on call now.
	Overrides []int64 `json:"overrides,omitempty"`
}
