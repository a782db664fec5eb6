package quench

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"time"
)

// Audit actions: what an entry records. Every package that appends to the
// trail, and everything that reads it, uses these names.
const (
	AuditIncidentOpen     = "incident.open"
	AuditIncidentAck      = "incident.ack"
	AuditIncidentResolve  = "incident.resolve"
	AuditStepRun          = "step.run"
	AuditStepDryRun       = "step.dry_run"
	AuditTokenCreate      = "token.create"
	AuditTokenRevoke      = "token.revoke"
	AuditDeployRecord     = "deploy.record"
	AuditFreezeOn         = "freeze.on"
	AuditFreezeOff        = "freeze.off"
	AuditBreakGlassCreate = "breakglass.create"
	AuditBreakGlassRevoke = "breakglass.revoke"
)

// Audit outcomes.
const (
	AuditOK      = "ok"
	AuditRefused = "refused"
	AuditFailed  = "failed"
)

// SystemActor is who quench itself acts as in timelines and the audit
// trail: the automatic diagnosis, escalation, anything no person or check
// started.
const SystemActor = "system"

// AuditEntry is one link of the append-only, hash-chained audit trail.
// Hash covers every other field and PrevHash, so editing or deleting any
// entry breaks the chain at that point.
type AuditEntry struct {
	Seq      int64           `json:"seq"`
	At       time.Time       `json:"at"`
	Actor    string          `json:"actor"`  // token name, "system" or a check name
	Action   string          `json:"action"` // one of the Audit… actions
	Subject  string          `json:"subject"`
	Outcome  string          `json:"outcome"` // AuditOK, AuditRefused or AuditFailed
	Data     json.RawMessage `json:"data,omitempty"`
	PrevHash string          `json:"prev_hash"`
	Hash     string          `json:"hash"`
}

// ComputeHash returns the hex SHA-256 of the entry's canonical encoding:
// seq, at (RFC 3339 with nanoseconds, UTC), actor, action, subject,
// outcome, data and prev_hash, each written as its byte length, a colon,
// the bytes and a newline, so no field can run into the next. Hash holds
// it once the entry is chained; `quench audit verify` recomputes it.
func (e *AuditEntry) ComputeHash() string {
	h := sha256.New()
	var buf []byte
	field := func(s string) {
		buf = strconv.AppendInt(buf[:0], int64(len(s)), 10)
		buf = append(buf, ':')
		buf = append(buf, s...)
		buf = append(buf, '\n')
		h.Write(buf)
	}
	field(strconv.FormatInt(e.Seq, 10))
	field(e.At.UTC().Format(time.RFC3339Nano))
	field(e.Actor)
	field(e.Action)
	field(e.Subject)
	field(e.Outcome)
	field(string(e.Data))
	field(e.PrevHash)
	return hex.EncodeToString(h.Sum(nil))
}

// AuditService appends to and checks the audit trail.
type AuditService interface {
	// Append fills Seq, PrevHash and Hash and stores the entry.
	Append(ctx context.Context, e AuditEntry) (*AuditEntry, error)
	// FindAuditEntries returns entries with Seq > after, oldest first.
	FindAuditEntries(ctx context.Context, after int64, limit int) ([]*AuditEntry, error)
	// Verify walks the whole chain and returns an EINVALID error naming the
	// first entry that was edited, removed or inserted.
	Verify(ctx context.Context) (checked int64, err error)
}

// Deploy is one release of a service, recorded so incidents can show what
// changed before they opened and where the last good version is.
type Deploy struct {
	ID         int64     `json:"id"`
	Service    string    `json:"service"`
	SHA        string    `json:"sha"`
	Actor      string    `json:"actor"`
	Note       string    `json:"note,omitempty"`
	DeployedAt time.Time `json:"deployed_at"`
}

// DeployService records deploys.
type DeployService interface {
	RecordDeploy(ctx context.Context, d Deploy) (*Deploy, error)
	// FindDeploys returns deploys in [from, to), newest first.
	FindDeploys(ctx context.Context, from, to time.Time) ([]*Deploy, error)
	// LastDeployBefore returns the newest deploy strictly before t, or ENOTFOUND.
	LastDeployBefore(ctx context.Context, t time.Time) (*Deploy, error)
}

// BreakGlassGrant lets mutating steps run during a change freeze, for a
// reason and for a bounded time.
type BreakGlassGrant struct {
	ID        int64      `json:"id"`
	Reason    string     `json:"reason"`
	Actor     string     `json:"actor"`
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt time.Time  `json:"expires_at"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
}

// MaxBreakGlassTTL bounds a break-glass grant.
const MaxBreakGlassTTL = 24 * time.Hour

// Active reports whether the grant can be used at now.
func (g *BreakGlassGrant) Active(now time.Time) bool {
	return g.RevokedAt == nil && now.Before(g.ExpiresAt)
}

// ChangeControlService stores the change freeze and break-glass grants.
type ChangeControlService interface {
	// Frozen reports whether a change freeze is on.
	Frozen(ctx context.Context) (bool, error)
	// SetFrozen turns the freeze on or off and audits who did it.
	SetFrozen(ctx context.Context, frozen bool, actor string) error
	// CreateGrant stores a grant and returns it with its secret, shown once.
	// EINVALID without a reason or with a TTL outside (0, MaxBreakGlassTTL].
	CreateGrant(ctx context.Context, reason string, ttl time.Duration, actor string) (*BreakGlassGrant, string, error)
	// FindGrantBySecret returns EUNAUTHORIZED for an unknown secret and
	// EFORBIDDEN for an expired or revoked grant.
	FindGrantBySecret(ctx context.Context, secret string) (*BreakGlassGrant, error)
	// RevokeGrant returns ENOTFOUND for an unknown id.
	RevokeGrant(ctx context.Context, id int64, actor string) error
	// FindGrants lists grants, newest first.
	FindGrants(ctx context.Context) ([]*BreakGlassGrant, error)
}
