package quench

import (
	"context"
	"strconv"
	"time"
	"unicode/utf8"
)

// Heartbeat statuses: what quench last concluded about a job that pings it.
const (
	HeartbeatNew    = "new"    // not pinged since quench first saw it
	HeartbeatUp     = "up"     // its last run succeeded in time
	HeartbeatLate   = "late"   // no success before its deadline: alerting
	HeartbeatFailed = "failed" // it reported a failure: alerting
)

// PingKind is what a ping says about the job's run.
type PingKind string

// Ping kinds, by the URL they came to: /ping/{secret} (success), /start,
// /fail and /{exit-code} (0 is a success, anything else a failure).
const (
	PingSuccess PingKind = "success"
	PingStart   PingKind = "start"
	PingFail    PingKind = "fail"
)

// MaxPingBody is how much of a ping's body quench keeps: the first 10 KiB
// (a job's last lines of output usually fit), the rest is discarded.
const MaxPingBody = 10 << 10

// EventPing is the timeline kind of a heartbeat ping's body on the
// incident the ping failed or resolved.
const EventPing = "ping"

// Ping is one request to a heartbeat's ping URL.
type Ping struct {
	Kind     PingKind
	ExitCode int       // the exit status the job reported; -1 when the URL named none
	Body     string    // the first MaxPingBody bytes of the request body, cleaned
	At       time.Time // when quench received it
}

// ParsePingAction parses the path element after /ping/{secret}: "" for a
// success, "start", "fail", or an exit status 0 to 255 (0 is a success).
// EINVALID otherwise: the caller answers it like an unknown secret, so a
// bad URL reveals nothing.
func ParsePingAction(action string) (PingKind, int, error) {
	switch action {
	case "":
		return PingSuccess, -1, nil
	case "start":
		return PingStart, -1, nil
	case "fail":
		return PingFail, -1, nil
	}
	if len(action) > 3 || (len(action) > 1 && action[0] == '0') {
		return "", 0, Errorf(EINVALID, "unknown ping action")
	}
	n, err := strconv.Atoi(action)
	if err != nil || n < 0 || n > 255 || action[0] == '+' || action[0] == '-' {
		return "", 0, Errorf(EINVALID, "unknown ping action")
	}
	if n == 0 {
		return PingSuccess, 0, nil
	}
	return PingFail, n, nil
}

// PingBody returns what quench keeps of a ping's body: at most
// MaxPingBody bytes, cut on a character boundary, cleaned of invalid
// UTF-8 and NUL.
func PingBody(b []byte) string {
	if len(b) > MaxPingBody {
		n := MaxPingBody
		for n > MaxPingBody-utf8.UTFMax && n > 0 && !utf8.RuneStart(b[n]) {
			n-- // keep a character whole rather than turn its start into U+FFFD
		}
		b = b[:n]
	}
	return CutText(CleanText(string(b)), MaxPingBody)
}

// HeartbeatState is what quench remembers of a heartbeat between pings,
// stored so that it survives a restart.
type HeartbeatState struct {
	Name      string
	Secret    string // the credential in its ping URLs
	CreatedAt time.Time
	Status    string // HeartbeatNew, Up, Late or Failed
	// Alerting: a trigger was submitted and no success has resolved it.
	Alerting      bool
	LastPingAt    *time.Time
	LastPing      PingKind
	LastExitCode  int // of the last ping; -1 when it named none
	LastSuccessAt *time.Time
	LastFailAt    *time.Time
	// StartedAt is set by /start and cleared by the run's success or
	// failure: a run that started and never finished is late after its
	// grace.
	StartedAt *time.Time
	// LastDuration is the last run's time from /start to its success.
	LastDuration time.Duration
	LastBody     string
	// Version changes on every save, so a save based on an old read fails
	// (ECONFLICT) instead of undoing a ping another server took.
	Version int64
}

// HeartbeatStore keeps heartbeat state.
type HeartbeatStore interface {
	// EnsureHeartbeat returns the state of name, creating it (status new,
	// with secret, at now) when quench has not seen it before.
	EnsureHeartbeat(ctx context.Context, name, secret string, now time.Time) (*HeartbeatState, error)
	// HeartbeatStates returns every stored heartbeat, configured or not.
	HeartbeatStates(ctx context.Context) ([]*HeartbeatState, error)
	// HeartbeatBySecret returns ENOTFOUND for a secret no heartbeat has.
	HeartbeatBySecret(ctx context.Context, secret string) (*HeartbeatState, error)
	// SaveHeartbeats writes the states in one transaction, each only if
	// its Version is still the stored one, and bumps the Version of those
	// it wrote. It returns the names it did not write (changed since they
	// were read).
	SaveHeartbeats(ctx context.Context, states []*HeartbeatState) (stale []string, err error)
}

// Heartbeat is one heartbeat as the API shows it: its configuration and
// its state.
type Heartbeat struct {
	Name     string   `json:"name"`
	Schedule string   `json:"schedule"` // "every 1h0m0s" or "cron 0 3 * * * (Europe/Madrid)"
	Grace    Duration `json:"grace"`
	Runbook  string   `json:"runbook,omitempty"`
	Status   string   `json:"status"`
	Running  bool     `json:"running"` // started and not finished
	// DueAt is when it turns late without a success; nil while alerting.
	DueAt         *time.Time `json:"due_at"`
	LastPingAt    *time.Time `json:"last_ping_at"`
	LastPing      PingKind   `json:"last_ping,omitempty"`
	LastExitCode  *int       `json:"last_exit_code,omitempty"`
	LastSuccessAt *time.Time `json:"last_success_at"`
	LastFailAt    *time.Time `json:"last_fail_at"`
	StartedAt     *time.Time `json:"started_at"`
	LastDuration  Duration   `json:"last_duration"`
	// PingURL is the success URL; /start, /fail and /{exit-code} follow
	// it. Only responders and better see it: it is the credential.
	PingURL string `json:"ping_url,omitempty"`
}

// HeartbeatService takes pings and reports heartbeats.
type HeartbeatService interface {
	// Ping records a ping to the heartbeat whose secret it is. ENOTFOUND
	// for an unknown secret or one of a heartbeat no longer configured.
	Ping(ctx context.Context, secret string, p Ping) error
	// Heartbeats lists the configured heartbeats by name, with their
	// secrets in PingURL (the caller drops them for viewers; base is the
	// server's public URL).
	Heartbeats(ctx context.Context, base string) ([]*Heartbeat, error)
}

// Duration is a time.Duration that JSON shows as Go's duration text
// ("1h30m0s").
type Duration time.Duration

// MarshalText writes the duration as "1h30m0s".
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// UnmarshalText reads Go's duration text.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return Errorf(EINVALID, "duration %q: %v", CutText(string(b), 64), err)
	}
	*d = Duration(v)
	return nil
}
