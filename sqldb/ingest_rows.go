package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// multiInsert is one table's INSERT prepared for 1 and for rowSizes rows
// (SQLite only): a batch's new incidents, timeline events and audit
// entries go in a few statements instead of one each, and binding
// anonymous parameters costs little per row.
type multiInsert struct {
	name  string // for errors: what a row is
	cols  int
	sized map[int]*sql.Stmt // by row count; 1 is the single-row statement
}

// rowSizes are the multi-row statement sizes, largest last; a chunk takes
// the largest size the remaining rows fill, fewer than the smallest go one
// by one, so no statement is mostly padding and none is padded at all.
var rowSizes = [...]int{4, 16, 64, 256}

// Tables the SQLite writer inserts into with multiInsert.
const (
	insIncident = iota
	insEvent
	insAudit
	numInserts
)

var insertSQL = [numInserts]struct{ name, head, cols string }{
	insIncident: {"open incident", "INSERT INTO incidents (id, status, severity, summary, runbook_id, source, integration, dedup_key, " +
		"alert_count, labels, annotations, opened_at, last_seen_at, acknowledged_at, acknowledged_by, resolved_at, resolved_by) VALUES ",
		"(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"},
	insEvent: {"timeline event", "INSERT INTO timeline_events (incident_id, at, kind, actor, text, data) VALUES ",
		"(?, ?, ?, ?, ?, ?)"},
	insAudit: {"append audit entry", "INSERT INTO audit_log (seq, at, actor, action, subject, outcome, data, prev_hash, hash) VALUES ",
		"(?, ?, ?, ?, ?, ?, ?, ?, ?)"},
}

// prepareInserts prepares every multiInsert; like prepareCounts it runs
// before the writer starts.
func (g *ingester) prepareInserts(ctx context.Context) error {
	for i, t := range insertSQL {
		m := &multiInsert{name: t.name, cols: strings.Count(t.cols, "?"), sized: map[int]*sql.Stmt{}}
		g.inserts[i] = m
		for _, rows := range append([]int{1}, rowSizes[:]...) {
			var q strings.Builder
			q.WriteString(t.head)
			for r := range rows {
				if r > 0 {
					q.WriteString(", ")
				}
				q.WriteString(t.cols)
			}
			s, err := g.db.w.PrepareContext(ctx, q.String())
			if err != nil {
				return fmt.Errorf("sqldb: prepare %s: %w", t.name, err)
			}
			m.sized[rows] = s
		}
	}
	return nil
}

func (m *multiInsert) close() {
	if m == nil {
		return
	}
	for _, s := range m.sized {
		s.Close()
	}
}

// insert writes n rows; row appends row i's values, in column order, to
// args.
func (b *batchTx) insert(ctx context.Context, which, n int, row func(i int, args []any) []any) error {
	m := b.g.inserts[which]
	bound := map[int]*sql.Stmt{}
	var args []any
	for i := 0; i < n; {
		rows := 1
		for _, size := range rowSizes {
			if size <= n-i {
				rows = size
			}
		}
		args = args[:0]
		for r := range rows {
			args = row(i+r, args)
		}
		stmt := bound[rows]
		if stmt == nil {
			stmt = b.StmtContext(ctx, m.sized[rows])
			bound[rows] = stmt
		}
		if _, err := stmt.ExecContext(ctx, args...); err != nil {
			return fmt.Errorf("sqldb: %s: %w", m.name, err)
		}
		i += rows
	}
	return nil
}
