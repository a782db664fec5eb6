package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/quench-sh/quench"
)

// AuditService is the hash-chained audit trail.
type AuditService struct{ db *DB }

var _ quench.AuditService = (*AuditService)(nil)

// NewAuditService returns the audit trail of db.
func NewAuditService(db *DB) *AuditService { return &AuditService{db: db} }

// Append fills Seq, PrevHash and Hash and stores the entry in a transaction
// of its own. At defaults to now and Outcome to "ok".
func (s *AuditService) Append(ctx context.Context, e quench.AuditEntry) (*quench.AuditEntry, error) {
	var out *quench.AuditEntry
	err := s.db.write(ctx, func(tx *txn) error {
		var err error
		out, err = tx.audit(ctx, e)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// audit appends an entry within the transaction; the transaction already
// holds the chain head (see begin), so appends are serialised.
func (tx *txn) audit(ctx context.Context, e quench.AuditEntry) (*quench.AuditEntry, error) {
	e, data, err := tx.chain(e)
	if err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO audit_log (seq, at, actor, action, subject, outcome, data, prev_hash, hash)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		e.Seq, e.At, e.Actor, e.Action, e.Subject, e.Outcome, data, e.PrevHash, e.Hash); err != nil {
		return nil, fmt.Errorf("sqldb: append audit entry: %w", err)
	}
	return &e, nil
}

// chain cleans an entry, fills its Seq, PrevHash and Hash after the
// transaction's head and moves the head past it; the caller inserts it
// (with data, its cleaned JSON) before the transaction commits. Callers
// writing many entries insert them in one statement.
func (tx *txn) chain(e quench.AuditEntry) (quench.AuditEntry, string, error) {
	if e.Actor == "" || e.Action == "" {
		return e, "", quench.Errorf(quench.EINVALID, "audit entry needs an actor and an action")
	}
	data, err := cleanJSON("audit entry", e.Data)
	if err != nil {
		return e, "", err
	}
	if e.At.IsZero() {
		e.At = tx.db.now()
	}
	if e.Outcome == "" {
		e.Outcome = quench.AuditOK
	}
	e.At = utc(e.At)
	e.Actor, e.Action, e.Subject, e.Outcome = quench.CleanText(e.Actor), quench.CleanText(e.Action), quench.CleanText(e.Subject), quench.CleanText(e.Outcome)
	e.Data = nil
	if data != "" {
		e.Data = json.RawMessage(data)
	}
	e.Seq = tx.headSeq + 1
	e.PrevHash = tx.headHash
	e.Hash = e.ComputeHash()
	tx.headSeq, tx.headHash, tx.dirty = e.Seq, e.Hash, true
	return e, data, nil
}

// auditData encodes the data of an entry the store writes itself.
func auditData(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		// Only maps of strings and numbers are passed; this cannot fail.
		panic(fmt.Sprintf("sqldb: audit data: %v", err))
	}
	return b
}

const auditCols = `seq, at, actor, action, subject, outcome, data, prev_hash, hash`

func scanAudit(row interface{ Scan(...any) error }) (*quench.AuditEntry, error) {
	var e quench.AuditEntry
	var at timeCol
	var data string
	if err := row.Scan(&e.Seq, &at, &e.Actor, &e.Action, &e.Subject, &e.Outcome, &data, &e.PrevHash, &e.Hash); err != nil {
		return nil, err
	}
	e.At = at.T
	if data != "" {
		e.Data = json.RawMessage(data)
	}
	return &e, nil
}

// FindAuditEntries returns entries with Seq > after, oldest first; limit
// defaults to 100 and is capped at 1000.
func (s *AuditService) FindAuditEntries(ctx context.Context, after int64, limit int) ([]*quench.AuditEntry, error) {
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, 1000)
	return queryAll(ctx, s.db.r, "find audit entries", scanAudit, `SELECT `+auditCols+` FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2`, after, limit)
}

// Verify walks the chain in seq order and returns EINVALID naming the first
// entry that does not hold: its hash does not match its fields (edited), its
// seq does not follow the previous one (deleted before it), or its prev_hash
// is not the previous entry's hash (deleted or inserted before it). The
// chain's end must also match the head every append updates, which catches
// entries deleted from the end. checked counts the entries that held.
func (s *AuditService) Verify(ctx context.Context) (checked int64, err error) {
	// One read transaction: on SQLite and PostgreSQL alike the walk and the
	// head come from the same snapshot, so concurrent appends are not
	// reported as tampering.
	tx, err := s.db.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true, Isolation: sql.LevelRepeatableRead})
	if err != nil {
		return 0, readErr(ctx, "verify", err)
	}
	defer tx.Rollback()
	var headSeq int64
	var headHash string
	if err := tx.QueryRowContext(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&headSeq, &headHash); err != nil {
		return 0, readErr(ctx, "verify", err)
	}
	rows, err := tx.QueryContext(ctx, `SELECT `+auditCols+` FROM audit_log ORDER BY seq`)
	if err != nil {
		return 0, readErr(ctx, "verify", err)
	}
	defer rows.Close()
	var prevSeq int64
	prevHash := ""
	for rows.Next() {
		e, err := scanAudit(rows)
		if err != nil {
			return checked, fmt.Errorf("sqldb: verify: %w", err)
		}
		switch {
		case e.Seq != prevSeq+1:
			return checked, quench.Errorf(quench.EINVALID,
				"audit entry %d: expected seq %d; entries %d to %d were deleted", e.Seq, prevSeq+1, prevSeq+1, e.Seq-1)
		case e.PrevHash != prevHash:
			return checked, quench.Errorf(quench.EINVALID,
				"audit entry %d: prev_hash does not match the hash of entry %d; an entry was deleted or inserted before it", e.Seq, prevSeq)
		case e.ComputeHash() != e.Hash:
			return checked, quench.Errorf(quench.EINVALID, "audit entry %d: hash does not match its contents; the entry was edited", e.Seq)
		}
		prevSeq, prevHash = e.Seq, e.Hash
		checked++
	}
	if err := rows.Err(); err != nil {
		return checked, readErr(ctx, "verify", err)
	}
	switch {
	case headSeq > prevSeq:
		return checked, quench.Errorf(quench.EINVALID,
			"audit entry %d: missing; the chain ends at %d but %d entries were appended", prevSeq+1, prevSeq, headSeq)
	case headSeq < prevSeq || headHash != prevHash:
		return checked, quench.Errorf(quench.EINVALID,
			"audit entry %d: does not match the chain head (seq %d); entries were inserted or the last one edited", prevSeq, headSeq)
	}
	return checked, nil
}

// readErr wraps a read failure: the caller's cancellation as is, a domain
// error as is, anything else with a prefix (an internal error).
func readErr(ctx context.Context, what string, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var qe *quench.Error
	if errors.As(err, &qe) {
		return err
	}
	return fmt.Errorf("sqldb: %s: %w", what, err)
}
