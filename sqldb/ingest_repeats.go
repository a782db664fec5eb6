package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// flushRepeats writes the repeats the batch counted on existing incidents:
// each one's count and last alert go to incident_repeats, a narrow table
// (see its migration), and only a raised severity rewrites the incident's
// own row.
func (b *batchTx) flushRepeats(ctx context.Context) error {
	if len(b.dirty) == 0 {
		return nil
	}
	if b.db.dialect == DialectPostgres {
		return b.flushRepeatsPostgres(ctx)
	}
	for _, st := range b.dirty {
		if !st.raised {
			continue
		}
		if _, err := b.stmt(ctx, stRaiseSeverity).ExecContext(ctx, string(st.severity), st.id); err != nil {
			return fmt.Errorf("sqldb: raise severity of incident %d: %w", st.id, err)
		}
	}
	for rest := b.dirty; len(rest) > 0; {
		// The largest prepared size the rows fill, so no statement is
		// padding: 300 repeats take a 256, two 16s and three 4s.
		rows := countRows
		for rows > len(rest) {
			rows /= 4
		}
		chunk := rest[:rows]
		rest = rest[rows:]
		args := make([]any, 0, 3*rows)
		for _, st := range chunk {
			args = append(args, st.id, st.repeats, st.lastSeen)
		}
		if _, err := b.StmtContext(ctx, b.g.counts[rows]).ExecContext(ctx, args...); err != nil {
			return fmt.Errorf("sqldb: count repeats: %w", err)
		}
	}
	return nil
}

// flushRepeatsPostgres is flushRepeats in two round trips at most, every row
// as arrays.
func (b *batchTx) flushRepeatsPostgres(ctx context.Context) error {
	n := len(b.dirty)
	ids, counts, lastSeen := make([]int64, n), make([]int64, n), make([]time.Time, n)
	var raisedIDs []int64
	var raisedTo []string
	for i, st := range b.dirty {
		ids[i], counts[i], lastSeen[i] = st.id, st.repeats, st.lastSeen
		if st.raised {
			raisedIDs, raisedTo = append(raisedIDs, st.id), append(raisedTo, string(st.severity))
		}
	}
	if len(raisedIDs) > 0 {
		if _, err := b.ExecContext(ctx, `UPDATE incidents AS i SET severity = u.severity
			FROM unnest($1::bigint[], $2::text[]) AS u(id, severity) WHERE i.id = u.id`, raisedIDs, raisedTo); err != nil {
			return fmt.Errorf("sqldb: raise severity: %w", err)
		}
	}
	if _, err := b.ExecContext(ctx, `INSERT INTO incident_repeats (incident_id, repeats, last_seen_at)
		SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::timestamptz[])
		ON CONFLICT (incident_id) DO UPDATE SET repeats = incident_repeats.repeats + excluded.repeats,
			last_seen_at = excluded.last_seen_at`, ids, counts, lastSeen); err != nil {
		return fmt.Errorf("sqldb: count repeats: %w", err)
	}
	return nil
}

// countRows is the largest multi-row count statement on SQLite.
const countRows = 256

// prepareCounts prepares SQLite's count statements of 1, 4, 16, 64 and
// countRows rows: one statement per few hundred incidents instead of one
// each, which was most of the writer's work when a batch repeats many keys.
// It runs before the writer starts, since a statement cannot be prepared on
// SQLite's one writer connection while a batch holds it.
func (g *ingester) prepareCounts(ctx context.Context) error {
	g.counts = map[int]*sql.Stmt{}
	for rows := 1; rows <= countRows; rows *= 4 {
		var q strings.Builder
		q.WriteString("INSERT INTO incident_repeats (incident_id, repeats, last_seen_at) VALUES ")
		for i := range rows {
			if i > 0 {
				q.WriteString(", ")
			}
			// Anonymous parameters: the driver looks each $N name up
			// in a list as long as the statement's, which made binding
			// a large statement cost more than running it.
			q.WriteString("(?, ?, ?)")
		}
		q.WriteString(" ON CONFLICT (incident_id) DO UPDATE SET repeats = repeats + excluded.repeats, last_seen_at = excluded.last_seen_at")
		s, err := g.db.w.PrepareContext(ctx, q.String())
		if err != nil {
			return fmt.Errorf("sqldb: prepare count repeats: %w", err)
		}
		g.counts[rows] = s
	}
	return nil
}
