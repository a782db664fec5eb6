package quench

import (
	"context"
	"time"
)

// Role of a token: what its holder may do.
type TokenRole string

// Token roles. Ingest tokens only reach ingest routes; the others are
// ordered viewer < responder < admin < owner.
const (
	RoleIngest    TokenRole = "ingest"
	RoleViewer    TokenRole = "viewer"
	RoleResponder TokenRole = "responder"
	RoleAdmin     TokenRole = "admin"
	RoleOwner     TokenRole = "owner"
)

// TokenRoles lists every role, ingest first, then by rising power.
var TokenRoles = []TokenRole{RoleIngest, RoleViewer, RoleResponder, RoleAdmin, RoleOwner}

// Level orders the person roles: viewer 1 … owner 4; ingest and unknown 0.
func (r TokenRole) Level() int {
	switch r {
	case RoleViewer:
		return 1
	case RoleResponder:
		return 2
	case RoleAdmin:
		return 3
	case RoleOwner:
		return 4
	}
	return 0
}

// Valid reports whether r is a known role.
func (r TokenRole) Valid() bool { return r == RoleIngest || r.Level() > 0 }

// Allows reports whether a token of role r may do what needs role need.
// Ingest tokens allow only ingest; person roles allow their level and below.
func (r TokenRole) Allows(need TokenRole) bool {
	if need == RoleIngest {
		return r == RoleIngest
	}
	return r.Level() >= need.Level() && need.Level() > 0
}

// Token is a credential. Only its hash is stored; the secret is shown once.
type Token struct {
	ID        int64      `json:"id"`
	Name      string     `json:"name"`
	Role      TokenRole  `json:"role"`
	CreatedAt time.Time  `json:"created_at"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
}

// TokenService creates, checks and revokes tokens.
type TokenService interface {
	// CreateToken returns the new token and its secret, which is never stored.
	// ECONFLICT when an active token already has that name.
	CreateToken(ctx context.Context, name string, role TokenRole) (*Token, string, error)
	// Authenticate returns EUNAUTHORIZED for an unknown or revoked secret.
	Authenticate(ctx context.Context, secret string) (*Token, error)
	// FindTokens lists tokens, active and revoked.
	FindTokens(ctx context.Context) ([]*Token, error)
	// RevokeToken revokes the active token called name and audits actor
	// (the token name of the person revoking, or "cli:USER") as who did
	// it. ENOTFOUND when no active token has that name.
	RevokeToken(ctx context.Context, name, actor string) error
}
