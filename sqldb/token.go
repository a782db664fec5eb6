package sqldb

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"unicode"
	"unicode/utf8"

	"github.com/quench-sh/quench"
)

// TokenService creates, checks and revokes tokens. Only SHA-256 hashes of
// secrets are stored.
type TokenService struct{ db *DB }

var _ quench.TokenService = (*TokenService)(nil)

// NewTokenService returns the token store of db.
func NewTokenService(db *DB) *TokenService { return &TokenService{db: db} }

// Secret prefixes make quench secrets recognisable to people and secret
// scanners. An ingest secret is exactly IngestSecretLen characters, so it
// also fits a PagerDuty routing key.
const (
	IngestSecretPrefix = "qi_"
	TokenSecretPrefix  = "qt_"
	GrantSecretPrefix  = "qb_"
	IngestSecretLen    = 32
	MaxTokenNameLen    = 100
)

// newSecret returns prefix followed by random URL-safe characters, n
// characters in all. Each character carries 6 bits from crypto/rand.
func newSecret(prefix string, n int) string {
	b := make([]byte, (n-len(prefix)+3)/4*3)
	rand.Read(b) // never returns an error; it aborts the program instead
	return (prefix + base64.RawURLEncoding.EncodeToString(b))[:n]
}

// hashSecret is what the database keeps of a secret.
func hashSecret(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

func validTokenName(name string) error {
	if name == "" {
		return quench.Errorf(quench.EINVALID, "token name is required")
	}
	if len(name) > MaxTokenNameLen {
		return quench.Errorf(quench.EINVALID, "token name is longer than %d bytes", MaxTokenNameLen)
	}
	if !utf8.ValidString(name) {
		return quench.Errorf(quench.EINVALID, "token name is not valid UTF-8")
	}
	for _, r := range name {
		if unicode.IsControl(r) || unicode.IsSpace(r) {
			return quench.Errorf(quench.EINVALID, "token name %q contains spaces or control characters", name)
		}
	}
	return nil
}

// CreateToken stores a new token and returns it with its secret, which is
// not stored and cannot be shown again. Ingest secrets are 32 characters;
// others 46 (256 random bits). ECONFLICT when an active token has the name.
func (s *TokenService) CreateToken(ctx context.Context, name string, role quench.TokenRole) (*quench.Token, string, error) {
	if err := validTokenName(name); err != nil {
		return nil, "", err
	}
	if !role.Valid() {
		return nil, "", quench.Errorf(quench.EINVALID, "unknown role %q", role)
	}
	secret := newSecret(TokenSecretPrefix, len(TokenSecretPrefix)+43)
	if role == quench.RoleIngest {
		secret = newSecret(IngestSecretPrefix, IngestSecretLen)
	}
	t := &quench.Token{Name: name, Role: role, CreatedAt: utc(s.db.now())}
	err := s.db.write(ctx, func(tx *txn) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM tokens WHERE name = $1 AND revoked_at IS NULL`, name).Scan(&n); err != nil {
			return fmt.Errorf("sqldb: create token: %w", err)
		}
		if n > 0 {
			return quench.Errorf(quench.ECONFLICT, "a token named %q already exists", name)
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO tokens (name, role, hash, created_at) VALUES ($1, $2, $3, $4) RETURNING id`,
			name, string(role), hashSecret(secret), t.CreatedAt).Scan(&t.ID); err != nil {
			return fmt.Errorf("sqldb: create token: %w", err)
		}
		_, err := tx.audit(ctx, quench.AuditEntry{At: t.CreatedAt, Actor: quench.SystemActor, Action: quench.AuditTokenCreate,
			Subject: "token/" + name, Data: auditData(map[string]string{"role": string(role)})})
		return err
	})
	if err != nil {
		return nil, "", err
	}
	return t, secret, nil
}

const tokenCols = `id, name, role, created_at, revoked_at`

func scanToken(row interface{ Scan(...any) error }) (*quench.Token, error) {
	var t quench.Token
	var created, revoked timeCol
	if err := row.Scan(&t.ID, &t.Name, &t.Role, &created, &revoked); err != nil {
		return nil, err
	}
	t.CreatedAt, t.RevokedAt = created.T, revoked.ptr()
	return &t, nil
}

// Authenticate returns the active token with that secret; EUNAUTHORIZED for
// an unknown or revoked secret.
func (s *TokenService) Authenticate(ctx context.Context, secret string) (*quench.Token, error) {
	if secret == "" {
		return nil, quench.Errorf(quench.EUNAUTHORIZED, "no token")
	}
	t, err := scanToken(s.db.r.QueryRowContext(ctx, `SELECT `+tokenCols+` FROM tokens WHERE hash = $1`, hashSecret(secret)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, quench.Errorf(quench.EUNAUTHORIZED, "invalid token")
	}
	if err != nil {
		return nil, readErr(ctx, "authenticate", err)
	}
	if t.RevokedAt != nil {
		return nil, quench.Errorf(quench.EUNAUTHORIZED, "token %q was revoked", t.Name)
	}
	return t, nil
}

// FindTokens lists tokens, active and revoked, oldest first.
func (s *TokenService) FindTokens(ctx context.Context) ([]*quench.Token, error) {
	return queryAll(ctx, s.db.r, "find tokens", scanToken, `SELECT `+tokenCols+` FROM tokens ORDER BY id`)
}

// RevokeToken revokes the active token with that name; ENOTFOUND when there
// is none. The name can then be given to a new token.
func (s *TokenService) RevokeToken(ctx context.Context, name, actor string) error {
	now := utc(s.db.now())
	return s.db.write(ctx, func(tx *txn) error {
		res, err := tx.ExecContext(ctx, `UPDATE tokens SET revoked_at = $1 WHERE name = $2 AND revoked_at IS NULL`, now, name)
		if err != nil {
			return fmt.Errorf("sqldb: revoke token: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("sqldb: revoke token: %w", err)
		} else if n == 0 {
			return quench.Errorf(quench.ENOTFOUND, "no active token named %q", name)
		}
		_, err = tx.audit(ctx, quench.AuditEntry{At: now, Actor: actor, Action: quench.AuditTokenRevoke, Subject: "token/" + name})
		return err
	})
}
