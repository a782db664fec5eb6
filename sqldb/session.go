package sqldb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/quench-sh/quench"
)

// SessionService stores the web UI's browser sessions. Only SHA-256
// hashes of session secrets are stored.
type SessionService struct {
	db *DB

	mu  sync.Mutex
	key []byte // the signing key, once read: it never changes
}

var _ quench.SessionService = (*SessionService)(nil)

// NewSessionService returns the session store of db.
func NewSessionService(db *DB) *SessionService { return &SessionService{db: db} }

// SessionSecretPrefix starts every session secret (a cookie value).
const SessionSecretPrefix = "qs_"

// settingSigningKey names the signing key's row in settings.
const settingSigningKey = "web.signing_key"

func sessionSubject(id int64) string { return "session/" + strconv.FormatInt(id, 10) }

// CreateSession starts a session for an active person token and audits
// it. The secret has 256 random bits.
func (s *SessionService) CreateSession(ctx context.Context, tokenID int64, ttl time.Duration) (*quench.Session, string, error) {
	if ttl <= 0 || ttl > quench.MaxSessionTTL {
		return nil, "", quench.Errorf(quench.EINVALID, "session lifetime %s is not within (0, %s]", ttl, quench.MaxSessionTTL)
	}
	secret := newSecret(SessionSecretPrefix, len(SessionSecretPrefix)+43)
	now := utc(s.db.now())
	sess := &quench.Session{CreatedAt: now, ExpiresAt: now.Add(ttl)}
	err := s.db.write(ctx, func(tx *txn) error {
		t, err := scanToken(tx.QueryRowContext(ctx, `SELECT `+tokenCols+` FROM tokens WHERE id = $1 AND revoked_at IS NULL`, tokenID))
		if errors.Is(err, sql.ErrNoRows) {
			return quench.Errorf(quench.ENOTFOUND, "no active token with id %d", tokenID)
		}
		if err != nil {
			return fmt.Errorf("sqldb: create session: %w", err)
		}
		if t.Role.Level() == 0 {
			return quench.Errorf(quench.EINVALID, "a %s token cannot sign in; use a viewer, responder, admin or owner token", t.Role)
		}
		sess.Token = *t
		if err := tx.QueryRowContext(ctx, `INSERT INTO sessions (token_id, hash, created_at, expires_at) VALUES ($1, $2, $3, $4) RETURNING id`,
			tokenID, hashSecret(secret), sess.CreatedAt, sess.ExpiresAt).Scan(&sess.ID); err != nil {
			return fmt.Errorf("sqldb: create session: %w", err)
		}
		_, err = tx.audit(ctx, quench.AuditEntry{At: now, Actor: t.Name, Action: "session.create", Subject: sessionSubject(sess.ID),
			Data: auditData(map[string]string{"role": string(t.Role), "expires_at": sess.ExpiresAt.Format(time.RFC3339)})})
		return err
	})
	if err != nil {
		return nil, "", err
	}
	return sess, secret, nil
}

// FindSessionBySecret returns the live session with that secret and its
// token as it is now, in one read: a revoked token or an ended or expired
// session is EUNAUTHORIZED, with one message for all, so the answer tells
// a guesser nothing.
func (s *SessionService) FindSessionBySecret(ctx context.Context, secret string) (*quench.Session, error) {
	invalid := quench.Errorf(quench.EUNAUTHORIZED, "not signed in, or the session ended")
	if secret == "" {
		return nil, invalid
	}
	var sess quench.Session
	var created, expires, tokCreated timeCol
	err := s.db.r.QueryRowContext(ctx, `SELECT s.id, s.created_at, s.expires_at, t.id, t.name, t.role, t.created_at
		FROM sessions s JOIN tokens t ON t.id = s.token_id
		WHERE s.hash = $1 AND s.ended_at IS NULL AND s.expires_at > $2 AND t.revoked_at IS NULL`,
		hashSecret(secret), utc(s.db.now())).
		Scan(&sess.ID, &created, &expires, &sess.Token.ID, &sess.Token.Name, &sess.Token.Role, &tokCreated)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, invalid
	}
	if err != nil {
		return nil, readErr(ctx, "find session", err)
	}
	sess.CreatedAt, sess.ExpiresAt, sess.Token.CreatedAt = created.T, expires.T, tokCreated.T
	return &sess, nil
}

// EndSession ends a session and audits it; an ended or unknown one is left
// as it is.
func (s *SessionService) EndSession(ctx context.Context, id int64) error {
	now := utc(s.db.now())
	return s.db.write(ctx, func(tx *txn) error {
		var name string
		err := tx.QueryRowContext(ctx, `SELECT t.name FROM sessions s JOIN tokens t ON t.id = s.token_id
			WHERE s.id = $1 AND s.ended_at IS NULL`, id).Scan(&name)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("sqldb: end session: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE sessions SET ended_at = $1 WHERE id = $2`, now, id); err != nil {
			return fmt.Errorf("sqldb: end session: %w", err)
		}
		_, err = tx.audit(ctx, quench.AuditEntry{At: now, Actor: name, Action: "session.end", Subject: sessionSubject(id)})
		return err
	})
}

// SigningKey returns the installation's 256-bit signing key, creating it
// on first use. Servers sharing a database race to insert it; the first
// insert wins and everyone reads that one.
func (s *SessionService) SigningKey(ctx context.Context) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.key != nil {
		return s.key, nil
	}
	var v string
	err := s.db.r.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = $1`, settingSigningKey).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		fresh := make([]byte, 32)
		rand.Read(fresh)
		err = s.db.write(ctx, func(tx *txn) error {
			if _, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3) ON CONFLICT (key) DO NOTHING`,
				settingSigningKey, hex.EncodeToString(fresh), utc(s.db.now())); err != nil {
				return fmt.Errorf("sqldb: signing key: %w", err)
			}
			return tx.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = $1`, settingSigningKey).Scan(&v)
		})
	}
	if err != nil {
		return nil, readErr(ctx, "signing key", err)
	}
	key, err := hex.DecodeString(v)
	if err != nil || len(key) < 32 {
		return nil, fmt.Errorf("sqldb: signing key in settings is not 32 hex-encoded bytes")
	}
	s.key = key
	return key, nil
}
