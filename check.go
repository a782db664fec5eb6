package quench

import (
	"context"
	"time"
)

// CheckStatus is what the latest run of a check found.
type CheckStatus string

// Check statuses. A check is firing (its incident open) only once it failed
// FailureThreshold times in a row; Status alone says how the last run went.
const (
	CheckPending CheckStatus = "pending" // not run yet
	CheckPassing CheckStatus = "passing"
	CheckFailing CheckStatus = "failing"
)

// Check kinds: what a built-in check probes.
const (
	CheckHTTP      = "http"
	CheckTCP       = "tcp"
	CheckDNS       = "dns"
	CheckTLS       = "tls"
	CheckPostgres  = "postgres"
	CheckRedis     = "redis"
	CheckDisk      = "disk"
	CheckHost      = "host"
	CheckContainer = "container"
	CheckCommand   = "command"
)

// CheckResult is one run of a check.
type CheckResult struct {
	At        time.Time `json:"at"`
	OK        bool      `json:"ok"`
	LatencyMS float64   `json:"latency_ms"`
	// Message says what failed ("status 503, want 200", "connection
	// refused", "condition body.db_connected == true is false"), or what
	// the probe saw when it passed.
	Message string `json:"message,omitempty"`
}

// CheckState is what quench knows of one configured check: its settings
// that matter to a reader, the last result, its recent history and whether
// its incident is open.
type CheckState struct {
	Name      string       `json:"name"`
	Kind      string       `json:"kind"`
	Status    CheckStatus  `json:"status"`
	Firing    bool         `json:"firing"`            // an alert is open for it
	Since     time.Time    `json:"since,omitzero"`    // when Status last changed
	Failures  int          `json:"failures"`          // consecutive failed runs
	Successes int          `json:"successes"`         // consecutive passed runs
	Interval  string       `json:"interval"`          // how often it runs ("30s")
	Severity  Severity     `json:"severity"`          // of its alert
	RunbookID string       `json:"runbook,omitempty"` // explicit runbook; "" routes by match
	DependsOn []string     `json:"depends_on,omitempty"`
	Last      *CheckResult `json:"last,omitempty"`
	// History is the most recent results, oldest first; only the server
	// running the checks keeps it (it is not stored).
	History []CheckResult `json:"history,omitempty"`
}

// CheckStore keeps the state of checks across restarts: whether each is
// firing, and its last result at its latest change.
type CheckStore interface {
	// CheckStates returns every stored state, by name.
	CheckStates(ctx context.Context) ([]*CheckState, error)
	// SaveCheckState stores a check's status, firing flag, since and last
	// result (its configuration and history are not stored).
	SaveCheckState(ctx context.Context, s *CheckState) error
	// DeleteCheckState forgets a check that left the configuration.
	DeleteCheckState(ctx context.Context, name string) error
}

// CheckService answers what the built-in checks see, for the API.
type CheckService interface {
	// Checks returns the state of every configured check, by name.
	Checks(ctx context.Context) ([]*CheckState, error)
}
