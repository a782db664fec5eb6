package quench

import (
	"context"
	"time"
)

// Session is a person's signed-in browser. A person exchanges a token for
// one once; the browser then carries the session's secret in a cookie. A
// session ends when it expires, when the person signs out, or when the
// token it was made from is revoked.
type Session struct {
	ID        int64     `json:"id"`
	Token     Token     `json:"token"` // the token it was made from, as it is now
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
}

// Limits on session lifetimes.
const (
	DefaultSessionTTL = 12 * time.Hour // one on-call shift
	MaxSessionTTL     = 7 * 24 * time.Hour
)

// SessionService stores browser sessions.
type SessionService interface {
	// CreateSession starts a session for an active person token (viewer or
	// better) and returns it with its secret, which is never stored.
	// EINVALID for a TTL outside (0, MaxSessionTTL] or an ingest token;
	// ENOTFOUND for an unknown or revoked token.
	CreateSession(ctx context.Context, tokenID int64, ttl time.Duration) (*Session, string, error)
	// FindSessionBySecret returns EUNAUTHORIZED for an unknown, expired or
	// ended session, or one whose token was revoked.
	FindSessionBySecret(ctx context.Context, secret string) (*Session, error)
	// EndSession ends a session (sign-out); ending an ended one is no error.
	EndSession(ctx context.Context, id int64) error
	// SigningKey returns this installation's key for signing form tokens,
	// the same on every server sharing the database; it is created on first
	// use and never leaves the server.
	SigningKey(ctx context.Context) ([]byte, error)
}
