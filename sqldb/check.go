package sqldb

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/quench-sh/quench"
)

// CheckStore keeps the state of built-in checks (quench.CheckStore).
type CheckStore struct{ db *DB }

var _ quench.CheckStore = (*CheckStore)(nil)

// NewCheckStore returns the check states of db.
func NewCheckStore(db *DB) *CheckStore { return &CheckStore{db: db} }

// CheckStates returns every stored check state, by name.
func (s *CheckStore) CheckStates(ctx context.Context) ([]*quench.CheckState, error) {
	rows, err := s.db.r.QueryContext(ctx, `SELECT name, kind, status, firing, since, last_result FROM check_states ORDER BY name`)
	if err != nil {
		return nil, unavailable("check states", err)
	}
	defer rows.Close()
	var out []*quench.CheckState
	for rows.Next() {
		var st quench.CheckState
		var since timeCol
		var last string
		if err := rows.Scan(&st.Name, &st.Kind, &st.Status, &st.Firing, &since, &last); err != nil {
			return nil, fmt.Errorf("sqldb: scan check state: %w", err)
		}
		st.Since = since.T
		if last != "" {
			var r quench.CheckResult
			if err := json.Unmarshal([]byte(last), &r); err == nil {
				st.Last = &r
			}
		}
		out = append(out, &st)
	}
	if err := rows.Err(); err != nil {
		return nil, unavailable("check states", err)
	}
	return out, nil
}

// SaveCheckState stores a check's status, firing flag, since and last
// result, replacing what was stored under its name.
func (s *CheckStore) SaveCheckState(ctx context.Context, st *quench.CheckState) error {
	if st.Name == "" {
		return quench.Errorf(quench.EINVALID, "check state: name is required")
	}
	last := ""
	if st.Last != nil {
		b, err := json.Marshal(st.Last)
		if err != nil {
			return fmt.Errorf("sqldb: check result: %w", err)
		}
		last = string(b)
	}
	var since any
	if !st.Since.IsZero() {
		since = utc(st.Since)
	}
	return s.db.write(ctx, func(tx *txn) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO check_states (name, kind, status, firing, since, last_result, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (name) DO UPDATE SET kind = excluded.kind, status = excluded.status, firing = excluded.firing,
	since = excluded.since, last_result = excluded.last_result, updated_at = excluded.updated_at`,
			st.Name, st.Kind, string(st.Status), st.Firing, since, last, utc(s.db.now()))
		if err != nil {
			return fmt.Errorf("sqldb: save check state %s: %w", st.Name, err)
		}
		return nil
	})
}

// DeleteCheckState forgets a check; forgetting an unknown one is no error.
func (s *CheckStore) DeleteCheckState(ctx context.Context, name string) error {
	return s.db.write(ctx, func(tx *txn) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM check_states WHERE name = $1`, name); err != nil {
			return fmt.Errorf("sqldb: delete check state %s: %w", name, err)
		}
		return nil
	})
}
