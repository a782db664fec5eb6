package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/quench-sh/quench"
)

// SilenceService stores silences and the alerts held back
// (quench.SilenceStore, and the suppression step's storage).
type SilenceService struct{ db *DB }

var _ quench.SilenceStore = (*SilenceService)(nil)

// NewSilenceService returns the silences of db.
func NewSilenceService(db *DB) *SilenceService { return &SilenceService{db: db} }

// Page sizes of the silence list.
const (
	DefaultSilenceLimit = 100
	MaxSilenceLimit     = 1000
)

const silenceCols = `id, matchers, starts_at, ends_at, created_by, comment, created_at, expired_by`

func scanSilence(row interface{ Scan(...any) error }) (*quench.Silence, error) {
	var s quench.Silence
	var matchers string
	var starts, ends, created timeCol
	if err := row.Scan(&s.ID, &matchers, &starts, &ends, &s.CreatedBy, &s.Comment, &created, &s.ExpiredBy); err != nil {
		return nil, err
	}
	s.StartsAt, s.EndsAt, s.CreatedAt = starts.T, ends.T, created.T
	if err := json.Unmarshal([]byte(matchers), &s.Matchers); err != nil {
		return nil, fmt.Errorf("silence #%d matchers: %w", s.ID, err)
	}
	return &s, nil
}

// CreateSilence validates and stores a silence and audits who made it.
func (s *SilenceService) CreateSilence(ctx context.Context, sl *quench.Silence) error {
	now := utc(s.db.now())
	sl.Comment, sl.CreatedBy = quench.CleanText(sl.Comment), quench.CleanText(sl.CreatedBy)
	if sl.StartsAt.IsZero() || sl.StartsAt.Before(now) {
		sl.StartsAt = now
	}
	sl.StartsAt, sl.EndsAt, sl.CreatedAt = utc(sl.StartsAt), utc(sl.EndsAt), now
	if err := sl.Validate(now); err != nil {
		return err
	}
	if sl.CreatedBy == "" {
		return quench.Errorf(quench.EINVALID, "silence: the author is required")
	}
	matchers, err := json.Marshal(sl.Matchers)
	if err != nil {
		return fmt.Errorf("sqldb: silence matchers: %w", err)
	}
	return s.db.write(ctx, func(tx *txn) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO silences (matchers, starts_at, ends_at, created_by, comment, created_at)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, string(matchers), sl.StartsAt, sl.EndsAt, sl.CreatedBy, sl.Comment, sl.CreatedAt).Scan(&sl.ID); err != nil {
			return fmt.Errorf("sqldb: create silence: %w", err)
		}
		sl.State = sl.StateAt(now)
		_, err := tx.audit(ctx, quench.AuditEntry{Actor: sl.CreatedBy, Action: quench.AuditSilenceCreate, Subject: "silence/" + strconv.FormatInt(sl.ID, 10),
			Data: auditData(map[string]any{"matchers": sl.Matchers, "starts_at": sl.StartsAt, "ends_at": sl.EndsAt, "comment": sl.Comment})})
		return err
	})
}

// ExpireSilence ends a silence now and audits who ended it.
func (s *SilenceService) ExpireSilence(ctx context.Context, id int64, actor string) (*quench.Silence, error) {
	now := utc(s.db.now())
	var out *quench.Silence
	err := s.db.write(ctx, func(tx *txn) error {
		sl, err := scanSilence(tx.QueryRowContext(ctx, `SELECT `+silenceCols+` FROM silences WHERE id = $1`, id))
		if errors.Is(err, sql.ErrNoRows) {
			return quench.Errorf(quench.ENOTFOUND, "no silence #%d", id)
		}
		if err != nil {
			return fmt.Errorf("sqldb: find silence: %w", err)
		}
		if !now.Before(sl.EndsAt) {
			return quench.Errorf(quench.ECONFLICT, "silence #%d has already ended (%s)", id, sl.EndsAt.Format("2006-01-02 15:04:05Z07:00"))
		}
		if now.Before(sl.StartsAt) {
			sl.StartsAt = now // a pending silence ends before it began
		}
		sl.EndsAt, sl.ExpiredBy = now, quench.CleanText(actor)
		if _, err := tx.ExecContext(ctx, `UPDATE silences SET starts_at = $1, ends_at = $2, expired_by = $3 WHERE id = $4`,
			sl.StartsAt, sl.EndsAt, sl.ExpiredBy, id); err != nil {
			return fmt.Errorf("sqldb: expire silence: %w", err)
		}
		sl.State = quench.SilenceExpired
		out = sl
		_, err = tx.audit(ctx, quench.AuditEntry{Actor: sl.ExpiredBy, Action: quench.AuditSilenceExpire, Subject: "silence/" + strconv.FormatInt(id, 10)})
		return err
	})
	return out, err
}

// FindSilences returns silences newest first, each with its state now.
func (s *SilenceService) FindSilences(ctx context.Context, f quench.SilenceFilter) ([]*quench.Silence, error) {
	now := utc(s.db.now())
	limit := f.Limit
	if limit <= 0 {
		limit = DefaultSilenceLimit
	}
	limit = min(limit, MaxSilenceLimit)
	q := `SELECT ` + silenceCols + ` FROM silences`
	args := []any{limit}
	if f.Current {
		q += ` WHERE ends_at > $2`
		args = append(args, now)
	}
	q += ` ORDER BY id DESC LIMIT $1`
	out, err := queryAll(ctx, s.db.r, "list silences", scanSilence, q, args...)
	for _, sl := range out {
		sl.State = sl.StateAt(now)
	}
	return out, err
}

// HoldAlert stores (or counts again) a held-back alert under its key and
// reports whether the key was not held back before, or was held by
// something else.
func (s *SilenceService) HoldAlert(ctx context.Context, a *quench.Alert, reason, ref string) (fresh bool, err error) {
	raw, err := json.Marshal(a)
	if err != nil {
		return false, fmt.Errorf("sqldb: hold alert: %w", err)
	}
	at := utc(a.ReceivedAt)
	err = s.db.write(ctx, func(tx *txn) error {
		var prevRef string
		err := tx.QueryRowContext(ctx, `SELECT reason || ':' || ref FROM suppressed_alerts WHERE integration = $1 AND dedup_key = $2`,
			a.Integration, a.DedupKey).Scan(&prevRef)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			fresh = true
			_, err = tx.ExecContext(ctx, `INSERT INTO suppressed_alerts (integration, dedup_key, alert, reason, ref, first_at, last_at)
				VALUES ($1, $2, $3, $4, $5, $6, $6)`, a.Integration, a.DedupKey, string(raw), reason, ref, at)
		case err == nil:
			fresh = prevRef != reason+":"+ref
			_, err = tx.ExecContext(ctx, `UPDATE suppressed_alerts SET alert = $1, reason = $2, ref = $3, last_at = $4, count = count + 1
				WHERE integration = $5 AND dedup_key = $6`, string(raw), reason, ref, at, a.Integration, a.DedupKey)
		}
		if err != nil {
			return fmt.Errorf("sqldb: hold alert: %w", err)
		}
		return nil
	})
	return fresh, err
}

// ReleaseAlert forgets a held-back key (its alert resolved, or it is
// about to be submitted again) and reports whether it was held.
func (s *SilenceService) ReleaseAlert(ctx context.Context, integration, dedupKey string) (bool, error) {
	var held bool
	err := s.db.write(ctx, func(tx *txn) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM suppressed_alerts WHERE integration = $1 AND dedup_key = $2`, integration, dedupKey)
		if err != nil {
			return fmt.Errorf("sqldb: release alert: %w", err)
		}
		n, _ := res.RowsAffected()
		held = n > 0
		return nil
	})
	return held, err
}

// HeldAlerts returns the held-back alerts, newest first.
func (s *SilenceService) HeldAlerts(ctx context.Context) ([]*quench.SuppressedAlert, error) {
	rows, err := s.db.r.QueryContext(ctx, `SELECT integration, dedup_key, alert, reason, ref, first_at, last_at, count
		FROM suppressed_alerts ORDER BY last_at DESC LIMIT 10000`)
	if err != nil {
		return nil, readErr(ctx, "list held alerts", err)
	}
	defer rows.Close()
	out := []*quench.SuppressedAlert{}
	for rows.Next() {
		var sa quench.SuppressedAlert
		var raw string
		var first, last timeCol
		if err := rows.Scan(&sa.Integration, &sa.DedupKey, &raw, &sa.Reason, &sa.Ref, &first, &last, &sa.Count); err != nil {
			return nil, readErr(ctx, "list held alerts", err)
		}
		if err := json.Unmarshal([]byte(raw), &sa.Alert); err != nil {
			return nil, fmt.Errorf("sqldb: held alert %s: %w", sa.DedupKey, err)
		}
		sa.FirstAt, sa.LastAt = first.T, last.T
		sa.Summary, sa.Labels = sa.Alert.Summary, sa.Alert.Labels
		out = append(out, &sa)
	}
	if err := rows.Err(); err != nil {
		return nil, readErr(ctx, "list held alerts", err)
	}
	return out, nil
}

// AnyHeld reports whether any alert is held back: one indexed row read,
// cheap enough to ask every second on the ingest path.
func (s *SilenceService) AnyHeld(ctx context.Context) (bool, error) {
	var one int
	err := s.db.r.QueryRowContext(ctx, `SELECT 1 FROM suppressed_alerts LIMIT 1`).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, readErr(ctx, "any held alert", err)
	}
	return true, nil
}

// HasOpenIncident reports whether the key has an open incident: its
// alerts count there and are never held back.
func (s *SilenceService) HasOpenIncident(ctx context.Context, integration, dedupKey string) (bool, error) {
	var one int
	err := s.db.r.QueryRowContext(ctx, `SELECT 1 FROM incidents WHERE integration = $1 AND dedup_key = $2 AND status <> 'resolved'`,
		integration, dedupKey).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, readErr(ctx, "find open incident", err)
	}
	return true, nil
}
