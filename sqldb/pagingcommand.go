package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/quench-sh/quench"
)

var _ quench.PagingCommandQueue = (*PagingStore)(nil)

// keepCommands is how long finished commands stay for their callers to
// read before a claim deletes them.
const keepCommands = 24 * time.Hour

// QueueCommand stores a paging command for the escalation leader.
func (s *PagingStore) QueueCommand(ctx context.Context, c quench.PagingCommand) (int64, error) {
	var id int64
	err := s.db.w.QueryRowContext(ctx, `INSERT INTO paging_commands (kind, actor, args, created_at) VALUES ($1, $2, $3, $4) RETURNING id`,
		string(c.Kind), c.Actor, string(c.Args), utc(s.db.now())).Scan(&id)
	if err != nil {
		return 0, unavailable("queue paging command", err)
	}
	return id, nil
}

// ClaimCommands takes up to n waiting commands for owner, oldest first.
// On PostgreSQL FOR UPDATE SKIP LOCKED hands each to one claimer even
// while two servers both believe they lead (a lead changing hands). First,
// commands older than expire that never finished end as expired (a caller
// waits far less than that), and finished ones older than a day go.
func (s *PagingStore) ClaimCommands(ctx context.Context, owner string, n int, expire time.Duration) ([]quench.PagingCommand, error) {
	if n <= 0 {
		return nil, nil
	}
	now := utc(s.db.now())
	lock := ` FOR UPDATE SKIP LOCKED`
	if s.db.dialect == DialectSQLite {
		lock = ""
	}
	tx, err := s.db.w.BeginTx(ctx, nil)
	if err != nil {
		return nil, unavailable("claim paging commands", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `UPDATE paging_commands SET done_at = $1, error_code = $2,
		error_message = 'expired: no server leading escalation finished it in time'
		WHERE done_at IS NULL AND created_at < $3`, now, quench.EUNAVAILABLE, now.Add(-expire)); err != nil {
		return nil, fmt.Errorf("sqldb: expire paging commands: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM paging_commands WHERE done_at < $1`, now.Add(-keepCommands)); err != nil {
		return nil, fmt.Errorf("sqldb: delete old paging commands: %w", err)
	}
	rows, err := tx.QueryContext(ctx, `UPDATE paging_commands SET owner = $1, claimed_at = $2
		WHERE id IN (SELECT id FROM paging_commands WHERE done_at IS NULL AND claimed_at IS NULL ORDER BY id LIMIT $3`+lock+`)
		RETURNING id, kind, actor, args, created_at`, owner, now, n)
	if err != nil {
		return nil, fmt.Errorf("sqldb: claim paging commands: %w", err)
	}
	var out []quench.PagingCommand
	for rows.Next() {
		var c quench.PagingCommand
		var kind, args string
		var at timeCol
		if err := rows.Scan(&c.ID, &kind, &c.Actor, &args, &at); err != nil {
			rows.Close()
			return nil, fmt.Errorf("sqldb: claim paging commands: %w", err)
		}
		c.Kind, c.Args, c.CreatedAt = quench.PagingCommandKind(kind), []byte(args), at.T
		out = append(out, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqldb: claim paging commands: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return nil, unavailable("claim paging commands", err)
	}
	return out, nil
}

// ReleaseCommand puts a claimed, unfinished command back in the queue.
func (s *PagingStore) ReleaseCommand(ctx context.Context, id int64) error {
	if _, err := s.db.w.ExecContext(ctx, `UPDATE paging_commands SET owner = '', claimed_at = NULL WHERE id = $1 AND done_at IS NULL`, id); err != nil {
		return unavailable("release paging command", err)
	}
	return nil
}

// FinishCommand records a command's result, once: a command that expired
// meanwhile keeps its expiry.
func (s *PagingStore) FinishCommand(ctx context.Context, id int64, r quench.PagingCommandResult) error {
	if _, err := s.db.w.ExecContext(ctx, `UPDATE paging_commands SET done_at = $1, result = $2, error_code = $3, error_message = $4
		WHERE id = $5 AND done_at IS NULL`, utc(s.db.now()), string(r.Result), r.ErrorCode, quench.CleanText(r.ErrorMessage), id); err != nil {
		return unavailable("finish paging command", err)
	}
	return nil
}

// CommandResult reads a command's result.
func (s *PagingStore) CommandResult(ctx context.Context, id int64) (*quench.PagingCommandResult, error) {
	var done timeCol
	var result string
	r := &quench.PagingCommandResult{}
	err := s.db.r.QueryRowContext(ctx, `SELECT done_at, result, error_code, error_message FROM paging_commands WHERE id = $1`, id).
		Scan(&done, &result, &r.ErrorCode, &r.ErrorMessage)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, quench.Errorf(quench.ENOTFOUND, "no paging command %d", id)
	}
	if err != nil {
		return nil, readErr(ctx, "paging command result", err)
	}
	r.Done = done.ptr() != nil
	if result != "" {
		r.Result = []byte(result)
	}
	return r, nil
}
