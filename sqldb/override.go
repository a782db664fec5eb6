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

// OverrideService stores on-call overrides. Removing one keeps the row
// (deleted_at) so the audit trail's subject still resolves.
type OverrideService struct{ db *DB }

var _ quench.OverrideService = (*OverrideService)(nil)

// NewOverrideService returns the overrides of db.
func NewOverrideService(db *DB) *OverrideService { return &OverrideService{db: db} }

func overrideSubject(id int64) string { return "override/" + strconv.FormatInt(id, 10) }

// CreateOverride validates and stores an override and audits who made it.
func (s *OverrideService) CreateOverride(ctx context.Context, o quench.Override) (*quench.Override, error) {
	o.Schedule, o.Person, o.Replaces = quench.CleanText(o.Schedule), quench.CleanText(o.Person), quench.CleanText(o.Replaces)
	o.Reason, o.Actor = quench.CleanText(strings.TrimSpace(o.Reason)), quench.CleanText(o.Actor)
	if err := o.Validate(); err != nil {
		return nil, err
	}
	if o.Actor == "" {
		return nil, quench.Errorf(quench.EINVALID, "override: an actor is required")
	}
	o.Start, o.End, o.CreatedAt = utc(o.Start), utc(o.End), utc(s.db.now())
	err := s.db.write(ctx, func(tx *txn) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO overrides (schedule, person, replaces, starts_at, ends_at, reason, actor, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
			o.Schedule, o.Person, o.Replaces, o.Start, o.End, o.Reason, o.Actor, o.CreatedAt).Scan(&o.ID); err != nil {
			return fmt.Errorf("sqldb: create override: %w", err)
		}
		_, err := tx.audit(ctx, quench.AuditEntry{At: o.CreatedAt, Actor: o.Actor, Action: "override.create", Subject: overrideSubject(o.ID),
			Data: auditData(map[string]string{"schedule": o.Schedule, "person": o.Person, "replaces": o.Replaces,
				"start": o.Start.Format(time.RFC3339), "end": o.End.Format(time.RFC3339), "reason": o.Reason})})
		return err
	})
	if err != nil {
		return nil, err
	}
	return &o, nil
}

const overrideCols = `id, schedule, person, replaces, starts_at, ends_at, reason, actor, created_at`

func scanOverride(row interface{ Scan(...any) error }) (*quench.Override, error) {
	var o quench.Override
	var start, end, created timeCol
	if err := row.Scan(&o.ID, &o.Schedule, &o.Person, &o.Replaces, &start, &end, &o.Reason, &o.Actor, &created); err != nil {
		return nil, err
	}
	o.Start, o.End, o.CreatedAt = start.T, end.T, created.T
	return &o, nil
}

// FindOverrides returns live overrides overlapping [from, to), for one
// schedule or every one (""), by start.
func (s *OverrideService) FindOverrides(ctx context.Context, schedule string, from, to time.Time) ([]*quench.Override, error) {
	q := `SELECT ` + overrideCols + ` FROM overrides WHERE deleted_at IS NULL AND ends_at > $1 AND starts_at < $2`
	args := []any{utc(from), utc(to)}
	if schedule != "" {
		q += ` AND schedule = $3`
		args = append(args, schedule)
	}
	return queryAll(ctx, s.db.r, "find overrides", scanOverride, q+` ORDER BY starts_at, id`, args...)
}

// DeleteOverride removes an override and audits it; ENOTFOUND for an
// unknown or already removed id.
func (s *OverrideService) DeleteOverride(ctx context.Context, id int64, actor string) error {
	actor = quench.CleanText(actor)
	if actor == "" {
		return quench.Errorf(quench.EINVALID, "an actor is required")
	}
	now := utc(s.db.now())
	return s.db.write(ctx, func(tx *txn) error {
		o, err := scanOverride(tx.QueryRowContext(ctx, `SELECT `+overrideCols+` FROM overrides WHERE id = $1 AND deleted_at IS NULL`, id))
		if errors.Is(err, sql.ErrNoRows) {
			return quench.Errorf(quench.ENOTFOUND, "override %d not found", id)
		}
		if err != nil {
			return fmt.Errorf("sqldb: delete override: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE overrides SET deleted_at = $1 WHERE id = $2`, now, id); err != nil {
			return fmt.Errorf("sqldb: delete override: %w", err)
		}
		_, err = tx.audit(ctx, quench.AuditEntry{At: now, Actor: actor, Action: "override.delete", Subject: overrideSubject(id),
			Data: auditData(map[string]string{"schedule": o.Schedule, "person": o.Person})})
		return err
	})
}
