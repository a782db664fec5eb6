package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/quench-sh/quench"
)

// ChangeControlService stores the change freeze and break-glass grants.
// Grant secrets are stored as SHA-256 hashes, like tokens.
type ChangeControlService struct{ db *DB }

var _ quench.ChangeControlService = (*ChangeControlService)(nil)

// NewChangeControlService returns the change controls of db.
func NewChangeControlService(db *DB) *ChangeControlService { return &ChangeControlService{db: db} }

const settingFreeze = "freeze"

// Frozen reports whether a change freeze is on; it is off until set.
func (s *ChangeControlService) Frozen(ctx context.Context) (bool, error) {
	var v string
	err := s.db.r.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = $1`, settingFreeze).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, readErr(ctx, "frozen", err)
	}
	return v == "on", nil
}

// SetFrozen turns the freeze on or off and audits who did it.
func (s *ChangeControlService) SetFrozen(ctx context.Context, frozen bool, actor string) error {
	actor = quench.CleanText(actor)
	if actor == "" {
		return quench.Errorf(quench.EINVALID, "an actor is required")
	}
	v, action := "off", quench.AuditFreezeOff
	if frozen {
		v, action = "on", quench.AuditFreezeOn
	}
	now := utc(s.db.now())
	return s.db.write(ctx, func(tx *txn) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
			settingFreeze, v, now); err != nil {
			return fmt.Errorf("sqldb: set freeze: %w", err)
		}
		_, err := tx.audit(ctx, quench.AuditEntry{At: now, Actor: actor, Action: action, Subject: "freeze"})
		return err
	})
}

// CreateGrant stores a break-glass grant and returns it with its secret,
// shown once. EINVALID without a reason or actor, or with a TTL outside
// (0, MaxBreakGlassTTL].
func (s *ChangeControlService) CreateGrant(ctx context.Context, reason string, ttl time.Duration, actor string) (*quench.BreakGlassGrant, string, error) {
	reason, actor = quench.CleanText(strings.TrimSpace(reason)), quench.CleanText(actor)
	switch {
	case reason == "":
		return nil, "", quench.Errorf(quench.EINVALID, "break-glass: a reason is required")
	case actor == "":
		return nil, "", quench.Errorf(quench.EINVALID, "break-glass: an actor is required")
	case ttl <= 0 || ttl > quench.MaxBreakGlassTTL:
		return nil, "", quench.Errorf(quench.EINVALID, "break-glass: ttl %s is outside (0, %s]", ttl, quench.MaxBreakGlassTTL)
	}
	now := utc(s.db.now())
	g := &quench.BreakGlassGrant{Reason: reason, Actor: actor, CreatedAt: now, ExpiresAt: utc(now.Add(ttl))}
	secret := newSecret(GrantSecretPrefix, len(GrantSecretPrefix)+43)
	err := s.db.write(ctx, func(tx *txn) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO break_glass_grants (reason, actor, hash, created_at, expires_at)
			VALUES ($1, $2, $3, $4, $5) RETURNING id`, g.Reason, g.Actor, hashSecret(secret), g.CreatedAt, g.ExpiresAt).Scan(&g.ID); err != nil {
			return fmt.Errorf("sqldb: create grant: %w", err)
		}
		_, err := tx.audit(ctx, quench.AuditEntry{At: now, Actor: actor, Action: quench.AuditBreakGlassCreate, Subject: grantSubject(g.ID),
			Data: auditData(map[string]string{"reason": reason, "expires_at": g.ExpiresAt.Format(time.RFC3339Nano)})})
		return err
	})
	if err != nil {
		return nil, "", err
	}
	return g, secret, nil
}

func grantSubject(id int64) string { return "breakglass/" + strconv.FormatInt(id, 10) }

const grantCols = `id, reason, actor, created_at, expires_at, revoked_at`

func scanGrant(row interface{ Scan(...any) error }) (*quench.BreakGlassGrant, error) {
	var g quench.BreakGlassGrant
	var created, expires, revoked timeCol
	if err := row.Scan(&g.ID, &g.Reason, &g.Actor, &created, &expires, &revoked); err != nil {
		return nil, err
	}
	g.CreatedAt, g.ExpiresAt, g.RevokedAt = created.T, expires.T, revoked.ptr()
	return &g, nil
}

// FindGrantBySecret returns the active grant with that secret: EUNAUTHORIZED
// for an unknown secret, EFORBIDDEN for an expired or revoked grant.
func (s *ChangeControlService) FindGrantBySecret(ctx context.Context, secret string) (*quench.BreakGlassGrant, error) {
	if secret == "" {
		return nil, quench.Errorf(quench.EUNAUTHORIZED, "no break-glass grant")
	}
	g, err := scanGrant(s.db.r.QueryRowContext(ctx, `SELECT `+grantCols+` FROM break_glass_grants WHERE hash = $1`, hashSecret(secret)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, quench.Errorf(quench.EUNAUTHORIZED, "invalid break-glass grant")
	}
	if err != nil {
		return nil, readErr(ctx, "find grant", err)
	}
	now := s.db.now()
	switch {
	case g.RevokedAt != nil:
		return nil, quench.Errorf(quench.EFORBIDDEN, "break-glass grant %d was revoked", g.ID)
	case !g.Active(now):
		return nil, quench.Errorf(quench.EFORBIDDEN, "break-glass grant %d expired at %s", g.ID, g.ExpiresAt.Format(time.RFC3339))
	}
	return g, nil
}

// RevokeGrant revokes a grant: ENOTFOUND for an unknown id, ECONFLICT when
// it is already revoked.
func (s *ChangeControlService) RevokeGrant(ctx context.Context, id int64, actor string) error {
	actor = quench.CleanText(actor)
	if actor == "" {
		return quench.Errorf(quench.EINVALID, "an actor is required")
	}
	now := utc(s.db.now())
	return s.db.write(ctx, func(tx *txn) error {
		g, err := scanGrant(tx.QueryRowContext(ctx, `SELECT `+grantCols+` FROM break_glass_grants WHERE id = $1`, id))
		if errors.Is(err, sql.ErrNoRows) {
			return quench.Errorf(quench.ENOTFOUND, "break-glass grant %d not found", id)
		}
		if err != nil {
			return fmt.Errorf("sqldb: revoke grant: %w", err)
		}
		if g.RevokedAt != nil {
			return quench.Errorf(quench.ECONFLICT, "break-glass grant %d is already revoked", id)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE break_glass_grants SET revoked_at = $1 WHERE id = $2`, now, id); err != nil {
			return fmt.Errorf("sqldb: revoke grant: %w", err)
		}
		_, err = tx.audit(ctx, quench.AuditEntry{At: now, Actor: actor, Action: quench.AuditBreakGlassRevoke, Subject: grantSubject(id)})
		return err
	})
}

// FindGrants lists grants, newest first.
func (s *ChangeControlService) FindGrants(ctx context.Context) ([]*quench.BreakGlassGrant, error) {
	return queryAll(ctx, s.db.r, "find grants", scanGrant, `SELECT `+grantCols+` FROM break_glass_grants ORDER BY id DESC`)
}
