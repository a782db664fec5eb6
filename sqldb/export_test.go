package sqldb

import (
	"context"
	"database/sql"

	"github.com/quench-sh/quench"
)

// Test hooks: tests live in package sqldb_test (they use sqldbtest, which
// imports sqldb) and reach a few internals through these.

// Clean is quench.CleanText, for the fuzz test.
var Clean = quench.CleanText

// ExecRaw runs SQL on the writer, bypassing the store: how tests tamper.
func (db *DB) ExecRaw(ctx context.Context, q string, args ...any) (int64, error) {
	res, err := db.w.ExecContext(ctx, q, args...)
	// Tampering changes rows behind the ingester's cache.
	db.ingest.cache.invalidate()
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// QueryStrings returns the first column of every row, as text.
func (db *DB) QueryStrings(ctx context.Context, q string, args ...any) ([]string, error) {
	rows, err := db.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// HoldWriter opens a write transaction, which holds the audit head (and on
// SQLite the writer) until release, so the group-commit loop blocks.
func (db *DB) HoldWriter(ctx context.Context) (release func(), err error) {
	tx, err := db.begin(ctx)
	if err != nil {
		return nil, err
	}
	return func() { tx.Rollback() }, nil
}

// IngestQueueLen is how many requests wait for the group-commit loop.
func (db *DB) IngestQueueLen() int { return len(db.ingest.queue) }

// SetMultiRow switches ingest between per-incident and multi-row
// statements, so both paths are tested on SQLite too. Call it before the
// first ingest.
func (db *DB) SetMultiRow(on bool) { db.multiRow = on }

// WriterPragma reads a pragma on the writer connection, where the
// durability settings live.
func (db *DB) WriterPragma(ctx context.Context, name string) (string, error) {
	var v string
	err := db.w.QueryRowContext(ctx, "PRAGMA "+name).Scan(&v)
	return v, err
}

// PadRows is padRows, for its table test.
var PadRows = padRows

// Stats reports the writer pool's statistics.
func (db *DB) Stats() sql.DBStats { return db.w.Stats() }

// Channel is the NOTIFY channel the service shares events on.
func (s *EventService) Channel() string { return s.channel }

// TerminateLeaderSession terminates, through db's pool, the database
// session that holds name's leader lock in db's schema, as a failover or a
// network cut would; it returns how many sessions it terminated.
func (db *DB) TerminateLeaderSession(ctx context.Context, name string) (int, error) {
	var schema string
	if err := db.r.QueryRowContext(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		return 0, err
	}
	key := uint64(lockKey(schema + "/leader:" + name))
	// A bigint advisory lock shows its key's high half as classid and its
	// low half as objid.
	var n int
	err := db.r.QueryRowContext(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_locks
		WHERE locktype = 'advisory' AND objsubid = 1 AND granted AND classid::bigint = $1 AND objid::bigint = $2`,
		int64(key>>32), int64(key&0xffffffff)).Scan(&n)
	return n, err
}
