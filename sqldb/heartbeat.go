package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/quench-sh/quench"
)

// HeartbeatService stores heartbeat state (quench.HeartbeatStore).
type HeartbeatService struct{ db *DB }

var _ quench.HeartbeatStore = (*HeartbeatService)(nil)

// NewHeartbeatService returns the heartbeats of db.
func NewHeartbeatService(db *DB) *HeartbeatService { return &HeartbeatService{db: db} }

const heartbeatCols = `name, secret, created_at, status, alerting, last_ping_at, last_ping, last_exit_code,
	last_success_at, last_fail_at, started_at, last_duration_ns, last_body, version`

func scanHeartbeat(row interface{ Scan(...any) error }) (*quench.HeartbeatState, error) {
	var st quench.HeartbeatState
	var created, ping, success, fail, started timeCol
	var last string
	var took int64
	if err := row.Scan(&st.Name, &st.Secret, &created, &st.Status, &st.Alerting, &ping, &last, &st.LastExitCode,
		&success, &fail, &started, &took, &st.LastBody, &st.Version); err != nil {
		return nil, err
	}
	st.CreatedAt, st.LastPingAt, st.LastSuccessAt, st.LastFailAt, st.StartedAt = created.T, ping.ptr(), success.ptr(), fail.ptr(), started.ptr()
	st.LastPing, st.LastDuration = quench.PingKind(last), time.Duration(took)
	return &st, nil
}

// EnsureHeartbeat returns name's state, first storing a new one (status
// new, created at now, with secret) when there is none. Two servers
// starting at once agree: the first insert wins and both read it.
func (s *HeartbeatService) EnsureHeartbeat(ctx context.Context, name, secret string, now time.Time) (*quench.HeartbeatState, error) {
	name = quench.CleanText(name)
	if name == "" || secret == "" {
		return nil, quench.Errorf(quench.EINVALID, "heartbeat: a name and a secret are required")
	}
	st, err := scanHeartbeat(s.db.r.QueryRowContext(ctx, `SELECT `+heartbeatCols+` FROM heartbeats WHERE name = $1`, name))
	if err == nil {
		return st, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return nil, readErr(ctx, "find heartbeat", err)
	}
	err = s.db.write(ctx, func(tx *txn) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO heartbeats (name, secret, created_at, status) VALUES ($1, $2, $3, $4)
			ON CONFLICT (name) DO NOTHING`, name, secret, utc(now), quench.HeartbeatNew)
		if err != nil {
			return fmt.Errorf("sqldb: create heartbeat: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	st, err = scanHeartbeat(s.db.w.QueryRowContext(ctx, `SELECT `+heartbeatCols+` FROM heartbeats WHERE name = $1`, name))
	if err != nil {
		return nil, readErr(ctx, "find heartbeat", err)
	}
	return st, nil
}

// HeartbeatStates returns every stored heartbeat by name.
func (s *HeartbeatService) HeartbeatStates(ctx context.Context) ([]*quench.HeartbeatState, error) {
	return queryAll(ctx, s.db.r, "list heartbeats", scanHeartbeat, `SELECT `+heartbeatCols+` FROM heartbeats ORDER BY name`)
}

// HeartbeatBySecret returns ENOTFOUND, saying nothing more, for a secret
// no heartbeat has.
func (s *HeartbeatService) HeartbeatBySecret(ctx context.Context, secret string) (*quench.HeartbeatState, error) {
	st, err := scanHeartbeat(s.db.r.QueryRowContext(ctx, `SELECT `+heartbeatCols+` FROM heartbeats WHERE secret = $1`, secret))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, quench.Errorf(quench.ENOTFOUND, "not found")
	}
	if err != nil {
		return nil, readErr(ctx, "find heartbeat", err)
	}
	return st, nil
}

// SaveHeartbeats writes each state whose version is still the stored one
// (bumping it), all in one transaction, and returns the names of the
// others.
func (s *HeartbeatService) SaveHeartbeats(ctx context.Context, states []*quench.HeartbeatState) ([]string, error) {
	var stale []string
	saved := make([]bool, len(states))
	err := s.db.write(ctx, func(tx *txn) error {
		stale = stale[:0]
		for i, st := range states {
			res, err := tx.ExecContext(ctx, `UPDATE heartbeats SET status = $1, alerting = $2, last_ping_at = $3, last_ping = $4,
				last_exit_code = $5, last_success_at = $6, last_fail_at = $7, started_at = $8, last_duration_ns = $9,
				last_body = $10, version = version + 1 WHERE name = $11 AND version = $12`,
				st.Status, st.Alerting, nullTime(st.LastPingAt), string(st.LastPing), st.LastExitCode, nullTime(st.LastSuccessAt),
				nullTime(st.LastFailAt), nullTime(st.StartedAt), int64(st.LastDuration), quench.CleanText(st.LastBody), st.Name, st.Version)
			if err != nil {
				return fmt.Errorf("sqldb: save heartbeat: %w", err)
			}
			n, _ := res.RowsAffected()
			saved[i] = n == 1
			if n != 1 {
				stale = append(stale, st.Name)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for i, st := range states {
		if saved[i] {
			st.Version++
		}
	}
	return stale, nil
}
