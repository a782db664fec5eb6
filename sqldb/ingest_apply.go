package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/quench-sh/quench"
)

// openKey names the one open incident an alert can belong to.
type openKey struct{ integration, dedupKey string }

// openState is what a transaction knows of an incident: the database state
// plus what the batch has done to it and not yet written.
type openState struct {
	id       int64 // 0 for a new incident until flush inserts it
	status   quench.Status
	severity quench.Severity
	runbook  string
	repeats  int64 // repeats seen in this batch and not yet written
	lastSeen time.Time
	dirty    bool // an existing incident with repeats to write
	raised   bool // a repeat raised the severity of an existing incident

	// A new incident: the alert that opened it and when.
	isNew    bool
	opener   *prepAlert
	openedAt time.Time

	// Status changes made in this batch.
	changed           bool // an existing incident in b.changed
	acked, resolved   bool
	ackAt, resolvedAt time.Time
	ackBy, resolvedBy string
}

// eventRow and auditRow are writes the batch makes at flush, in order,
// once every new incident has its id.
type eventRow struct {
	st               *openState
	at               time.Time
	kind, actor, txt string
	data             string // JSON or ""
}

type auditRow struct {
	st                  *openState
	actor, action, data string
}

// eventNote is an incident event the batch publishes once it commits,
// when the incident's id is known: the state it describes is the one
// right after its change, not the batch's end.
type eventNote struct {
	st       *openState
	kind     quench.IncidentEventKind
	status   quench.Status
	severity quench.Severity
	actor    string
	at       time.Time
}

// batchTx is one group-commit transaction. Applying alerts only decides,
// in memory; flush then writes everything with few statements.
type batchTx struct {
	*txn
	g   *ingester
	now time.Time
	// open holds every key the batch has looked at: its open incident, or
	// nil for a key known to have none. Repeats then cost a map lookup.
	open    map[openKey]*openState
	dirty   []*openState // existing incidents with repeats
	changed []*openState // existing incidents whose status changed
	created []*openState // new incidents, in order
	events  []eventRow
	audits  []auditRow
	notes   []eventNote

	stmts [numStmts]*sql.Stmt // bound to the transaction on first use
}

func (b *batchTx) stmt(ctx context.Context, i int) *sql.Stmt {
	if b.stmts[i] == nil {
		b.stmts[i] = b.StmtContext(ctx, b.g.stmts[i])
	}
	return b.stmts[i]
}

func (g *ingester) apply(ctx context.Context, batch []*ingestReq) (err error) {
	tx, err := g.db.begin(ctx)
	if err != nil {
		return err
	}
	var gen uint64
	if g.cache.on {
		// The transaction holds the writer connection: no other write
		// can invalidate the cache until it ends.
		gen, err = g.checkDataVersion(ctx, tx)
		if err != nil {
			tx.Rollback()
			return err
		}
	}
	b := &batchTx{txn: tx, g: g, now: utc(g.db.now()), open: make(map[openKey]*openState)}
	defer func() {
		if err != nil {
			g.cache.invalidate()
		}
	}()
	if g.db.multiRow {
		if err := b.prefetch(ctx, batch); err != nil {
			tx.Rollback()
			return err
		}
	}
	for _, r := range batch {
		r.results = make([]quench.IngestResult, len(r.alerts))
		r.sts = make([]*openState, len(r.alerts))
		for i := range r.alerts {
			if r.results[i], r.sts[i], err = b.alert(ctx, r, &r.alerts[i]); err != nil {
				tx.Rollback()
				return err
			}
		}
	}
	if err := b.flush(ctx); err != nil {
		tx.Rollback()
		return err
	}
	tx.publish(b.incidentEvents()...)
	for _, r := range batch {
		if r.record != nil {
			if err := b.record(ctx, r.record); err != nil {
				tx.Rollback()
				return err
			}
		}
	}
	if err := tx.commit(ctx); err != nil {
		return err
	}
	for _, r := range batch {
		for i, st := range r.sts {
			if st != nil {
				r.results[i].IncidentID = st.id
			}
		}
		r.sts = nil
	}
	g.cache.store(gen, b.open)
	return nil
}

// checkDataVersion empties the cache when another connection (another
// process) committed since the last batch, and returns the cache's
// generation.
func (g *ingester) checkDataVersion(ctx context.Context, tx *txn) (uint64, error) {
	var v int64
	if err := tx.StmtContext(ctx, g.dataVersion).QueryRowContext(ctx).Scan(&v); err != nil {
		return 0, fmt.Errorf("sqldb: data version: %w", err)
	}
	if v != g.cache.dataVersion {
		g.cache.invalidate()
		g.cache.dataVersion = v
	}
	return g.cache.generation(), nil
}

// lookup returns the key's open incident, or nil.
func (b *batchTx) lookup(ctx context.Context, k openKey) (*openState, error) {
	if st, ok := b.open[k]; ok {
		return st, nil
	}
	var st *openState
	if c, ok := b.g.cache.get(k); ok {
		if c.id != 0 {
			st = &openState{id: c.id, status: c.status, severity: c.severity, runbook: c.runbook}
		}
		b.open[k] = st
		return st, nil
	}
	st = &openState{}
	err := b.stmt(ctx, stFindOpen).QueryRowContext(ctx, k.integration, k.dedupKey).Scan(&st.id, &st.status, &st.severity, &st.runbook)
	if errors.Is(err, sql.ErrNoRows) {
		st = nil
	} else if err != nil {
		return nil, fmt.Errorf("sqldb: find open incident: %w", err)
	}
	b.open[k] = st
	return st, nil
}

func (b *batchTx) event(st *openState, at time.Time, kind, actor, text, data string) {
	b.events = append(b.events, eventRow{st: st, at: at, kind: kind, actor: actor, txt: text, data: data})
}

// alert decides what one alert does, with the lifecycle
// (quench.AlertChange), and notes what flush writes and what is published
// after commit.
func (b *batchTx) alert(ctx context.Context, req *ingestReq, p *prepAlert) (quench.IngestResult, *openState, error) {
	res := quench.IngestResult{DedupKey: p.key.dedupKey}
	at := p.at
	if at.IsZero() {
		at = b.now
	}
	st, err := b.lookup(ctx, p.key)
	if err != nil {
		return res, nil, err
	}
	var cur quench.IncidentState
	if st != nil {
		cur = quench.IncidentState{Status: st.status, Severity: st.severity}
	}
	c := quench.AlertChange(cur, &p.a, b.g.db.policy)
	res.Outcome = c.Outcome
	switch {
	case c.Opened:
		if err := p.encode(req.router); err != nil {
			return res, nil, err
		}
		st = &openState{isNew: true, opener: p, openedAt: at, status: c.State.Status,
			severity: c.State.Severity, runbook: p.runbook, lastSeen: at}
		b.created = append(b.created, st)
		b.open[p.key] = st
		res.RunbookID = p.runbook
	case c.Repeat:
		if !st.isNew && !st.dirty {
			st.dirty = true
			b.dirty = append(b.dirty, st)
		}
		st.repeats++
		if at.After(st.lastSeen) {
			st.lastSeen = at
		}
		if c.Raised {
			st.severity, st.raised = c.State.Severity, true
		}
	case c.Acknowledged:
		// A source's acknowledge takes the batch's time: it says when
		// quench learnt it, not when the source says the alert began.
		at = b.now
		st.status, st.acked, st.ackAt, st.ackBy = c.State.Status, true, at, p.a.Source
		b.change(st)
	case c.Resolved:
		at = b.now
		st.status, st.resolved, st.resolvedAt, st.resolvedBy = c.State.Status, true, at, p.a.Source
		b.change(st)
		// Repeats counted earlier in the batch still belong to this
		// incident. The key has no open incident now, so a later trigger
		// opens a new one.
		b.open[p.key] = nil
	case c.Timeline != "":
		at = b.now // a resolve kept open: only the timeline says so
	}
	if st == nil {
		return res, nil, nil
	}
	if c.Timeline != "" {
		data := ""
		if c.Opened {
			data = p.openedEvent
		}
		b.event(st, at, c.Timeline, p.a.Source, c.Text, data)
	}
	if c.Audit != "" {
		data := p.keyData
		if c.Opened {
			data = p.openData
		}
		b.audits = append(b.audits, auditRow{st: st, actor: p.actor, action: c.Audit, data: data})
	}
	if c.Event != "" {
		b.notes = append(b.notes, eventNote{st: st, kind: c.Event, status: c.State.Status,
			severity: c.State.Severity, actor: p.actor, at: at})
	}
	return res, st, nil
}

// incidentEvents returns what the batch publishes once it committed.
func (b *batchTx) incidentEvents() []quench.IncidentEvent {
	if len(b.notes) == 0 {
		return nil
	}
	out := make([]quench.IncidentEvent, len(b.notes))
	for i, n := range b.notes {
		out[i] = quench.IncidentEvent{Kind: n.kind, IncidentID: n.st.id, Status: n.status, Severity: n.severity,
			RunbookID: n.st.runbook, Actor: n.actor, At: n.at}
	}
	return out
}

// change notes a status change of an existing incident; a new one is
// inserted with its final status.
func (b *batchTx) change(st *openState) {
	if !st.isNew && !st.changed {
		st.changed = true
		b.changed = append(b.changed, st)
	}
}

// flush writes what the batch decided. The order keeps the one-open-
// incident index satisfied at every statement: existing incidents change
// status (a resolve frees its key) before new ones are inserted, each with
// its final status, count and times; then repeats, timeline events and
// the audit entries, in the order the alerts came.
func (b *batchTx) flush(ctx context.Context) error {
	if b.db.dialect == DialectPostgres {
		return b.flushPostgres(ctx)
	}
	for _, st := range b.changed {
		if st.acked {
			if _, err := b.stmt(ctx, stAcknowledge).ExecContext(ctx, st.ackAt, st.ackBy, st.id); err != nil {
				return fmt.Errorf("sqldb: acknowledge incident %d: %w", st.id, err)
			}
		}
		if st.resolved {
			if _, err := b.stmt(ctx, stResolve).ExecContext(ctx, st.resolvedAt, st.resolvedBy, st.id); err != nil {
				return fmt.Errorf("sqldb: resolve incident %d: %w", st.id, err)
			}
		}
	}
	if len(b.created) > 0 {
		// New incidents take the ids SQLite would give them (the largest
		// plus one, in order): this transaction holds the only writer,
		// and with the ids known they go in multi-row statements.
		var last int64
		if err := b.stmt(ctx, stMaxIncident).QueryRowContext(ctx).Scan(&last); err != nil {
			return fmt.Errorf("sqldb: open incident: %w", err)
		}
		for i, st := range b.created {
			st.id = last + 1 + int64(i)
		}
		if err := b.insert(ctx, insIncident, len(b.created), func(i int, args []any) []any {
			st := b.created[i]
			p := st.opener
			ackAt, ackBy, resAt, resBy := st.statusColumns()
			return append(args, st.id, string(st.status), string(st.severity), p.a.Summary, nullString(p.runbook),
				p.a.Source, p.key.integration, p.key.dedupKey, 1+st.repeats, p.labels, p.annotations, st.openedAt, st.lastSeen,
				ackAt, ackBy, resAt, resBy)
		}); err != nil {
			return err
		}
	}
	if err := b.queueDiagnoses(ctx); err != nil {
		return err
	}
	if err := b.flushRepeats(ctx); err != nil {
		return err
	}
	if err := b.insert(ctx, insEvent, len(b.events), func(i int, args []any) []any {
		ev := &b.events[i]
		return append(args, ev.st.id, ev.at, ev.kind, ev.actor, ev.txt, nullString(ev.data))
	}); err != nil {
		return err
	}
	// Rows are made in order, so the chain grows in the audits' order.
	return b.insert(ctx, insAudit, len(b.audits), func(i int, args []any) []any {
		e := b.chain(b.audits[i])
		return append(args, e.Seq, e.At, e.Actor, e.Action, e.Subject, e.Outcome, string(e.Data), e.PrevHash, e.Hash)
	})
}

// statusColumns returns a new incident's acknowledged_at, acknowledged_by,
// resolved_at and resolved_by, NULL where it has none.
func (st *openState) statusColumns() (ackAt, ackBy, resAt, resBy any) {
	if st.acked {
		ackAt, ackBy = st.ackAt, st.ackBy
	}
	if st.resolved {
		resAt, resBy = st.resolvedAt, st.resolvedBy
	}
	return ackAt, ackBy, resAt, resBy
}

// chain makes the next audit entry of the chain; its fields are clean
// already (cleaned keys, constant actions, data encoded from clean text).
func (b *batchTx) chain(a auditRow) *quench.AuditEntry {
	e := &quench.AuditEntry{Seq: b.headSeq + 1, At: b.now, Actor: a.actor, Action: a.action,
		Subject: incidentSubject(a.st.id), Outcome: quench.AuditOK, PrevHash: b.headHash}
	if a.data != "" {
		e.Data = []byte(a.data)
	}
	e.Hash = e.ComputeHash()
	b.headSeq, b.headHash, b.txn.dirty = e.Seq, e.Hash, true
	return e
}

// flushPostgres is flush in a handful of round trips: each statement takes
// every row of its kind as arrays.
func (b *batchTx) flushPostgres(ctx context.Context) error {
	if n := len(b.changed); n > 0 {
		ids, statuses := make([]int64, n), make([]string, n)
		acked, resolved := make([]bool, n), make([]bool, n)
		ackAt, resAt := make([]time.Time, n), make([]time.Time, n)
		ackBy, resBy := make([]string, n), make([]string, n)
		for i, st := range b.changed {
			ids[i], statuses[i] = st.id, string(st.status)
			acked[i], ackAt[i], ackBy[i] = st.acked, st.ackAt, st.ackBy
			resolved[i], resAt[i], resBy[i] = st.resolved, st.resolvedAt, st.resolvedBy
		}
		if _, err := b.ExecContext(ctx, `UPDATE incidents AS i SET status = u.status,
			acknowledged_at = CASE WHEN u.acked THEN u.ack_at ELSE i.acknowledged_at END,
			acknowledged_by = CASE WHEN u.acked THEN u.ack_by ELSE i.acknowledged_by END,
			resolved_at = CASE WHEN u.resolved THEN u.res_at ELSE i.resolved_at END,
			resolved_by = CASE WHEN u.resolved THEN u.res_by ELSE i.resolved_by END
			FROM unnest($1::bigint[], $2::text[], $3::boolean[], $4::timestamptz[], $5::text[], $6::boolean[], $7::timestamptz[], $8::text[])
				AS u(id, status, acked, ack_at, ack_by, resolved, res_at, res_by)
			WHERE i.id = u.id`, ids, statuses, acked, ackAt, ackBy, resolved, resAt, resBy); err != nil {
			return fmt.Errorf("sqldb: change incident status: %w", err)
		}
	}
	if n := len(b.created); n > 0 {
		ids, err := b.newIDs(ctx, n)
		if err != nil {
			return err
		}
		statuses, severities, summaries, runbooks := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		sources, integrations, keys := make([]string, n), make([]string, n), make([]string, n)
		counts := make([]int64, n)
		labels, annotations := make([]string, n), make([]string, n)
		opened, lastSeen := make([]time.Time, n), make([]time.Time, n)
		acked, resolved := make([]bool, n), make([]bool, n)
		ackAt, resAt := make([]time.Time, n), make([]time.Time, n)
		ackBy, resBy := make([]string, n), make([]string, n)
		for i, st := range b.created {
			p := st.opener
			st.id = ids[i]
			statuses[i], severities[i], summaries[i], runbooks[i] = string(st.status), string(st.severity), p.a.Summary, p.runbook
			sources[i], integrations[i], keys[i] = p.a.Source, p.key.integration, p.key.dedupKey
			counts[i], labels[i], annotations[i] = 1+st.repeats, p.labels, p.annotations
			opened[i], lastSeen[i] = st.openedAt, st.lastSeen
			acked[i], ackAt[i], ackBy[i] = st.acked, st.ackAt, st.ackBy
			resolved[i], resAt[i], resBy[i] = st.resolved, st.resolvedAt, st.resolvedBy
		}
		if _, err := b.ExecContext(ctx, `INSERT INTO incidents (id, status, severity, summary, runbook_id, source, integration,
			dedup_key, alert_count, labels, annotations, opened_at, last_seen_at, acknowledged_at, acknowledged_by, resolved_at, resolved_by)
			SELECT u.id, u.status, u.severity, u.summary, NULLIF(u.runbook, ''), u.source, u.integration, u.dedup_key,
				u.alert_count, u.labels, u.annotations, u.opened_at, u.last_seen_at,
				CASE WHEN u.acked THEN u.ack_at END, CASE WHEN u.acked THEN u.ack_by END,
				CASE WHEN u.resolved THEN u.res_at END, CASE WHEN u.resolved THEN u.res_by END
			FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
				$9::bigint[], $10::text[], $11::text[], $12::timestamptz[], $13::timestamptz[],
				$14::boolean[], $15::timestamptz[], $16::text[], $17::boolean[], $18::timestamptz[], $19::text[])
				AS u(id, status, severity, summary, runbook, source, integration, dedup_key, alert_count, labels, annotations,
				opened_at, last_seen_at, acked, ack_at, ack_by, resolved, res_at, res_by)`,
			ids, statuses, severities, summaries, runbooks, sources, integrations, keys, counts, labels, annotations,
			opened, lastSeen, acked, ackAt, ackBy, resolved, resAt, resBy); err != nil {
			return fmt.Errorf("sqldb: open incidents: %w", err)
		}
	}
	if err := b.queueDiagnoses(ctx); err != nil {
		return err
	}
	if err := b.flushRepeats(ctx); err != nil {
		return err
	}
	if n := len(b.events); n > 0 {
		ids, at := make([]int64, n), make([]time.Time, n)
		kinds, actors, texts, data := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		for i, ev := range b.events {
			ids[i], at[i], kinds[i], actors[i], texts[i], data[i] = ev.st.id, ev.at, ev.kind, ev.actor, ev.txt, ev.data
		}
		if _, err := b.ExecContext(ctx, `INSERT INTO timeline_events (incident_id, at, kind, actor, text, data)
			SELECT u.incident_id, u.at, u.kind, u.actor, u.text, NULLIF(u.data, '')
			FROM unnest($1::bigint[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[])
				AS u(incident_id, at, kind, actor, text, data)`,
			ids, at, kinds, actors, texts, data); err != nil {
			return fmt.Errorf("sqldb: timeline events: %w", err)
		}
	}
	if n := len(b.audits); n > 0 {
		seqs, at := make([]int64, n), make([]time.Time, n)
		actors, actions, subjects, outcomes := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		data, prev, hashes := make([]string, n), make([]string, n), make([]string, n)
		for i, a := range b.audits {
			e := b.chain(a)
			seqs[i], at[i], actors[i], actions[i], subjects[i], outcomes[i] = e.Seq, e.At, e.Actor, e.Action, e.Subject, e.Outcome
			data[i], prev[i], hashes[i] = string(e.Data), e.PrevHash, e.Hash
		}
		if _, err := b.ExecContext(ctx, `INSERT INTO audit_log (seq, at, actor, action, subject, outcome, data, prev_hash, hash)
			SELECT * FROM unnest($1::bigint[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[])`,
			seqs, at, actors, actions, subjects, outcomes, data, prev, hashes); err != nil {
			return fmt.Errorf("sqldb: append audit entries: %w", err)
		}
	}
	return nil
}

// newIDs takes n incident ids from the identity sequence in one round
// trip, ascending, so incidents opened earlier in a batch number lower.
func (b *batchTx) newIDs(ctx context.Context, n int) ([]int64, error) {
	rows, err := b.QueryContext(ctx, `SELECT nextval(pg_get_serial_sequence('incidents', 'id')) FROM generate_series(1, $1)`, n)
	if err != nil {
		return nil, fmt.Errorf("sqldb: incident ids: %w", err)
	}
	defer rows.Close()
	ids := make([]int64, 0, n)
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("sqldb: incident ids: %w", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqldb: incident ids: %w", err)
	}
	if len(ids) != n {
		return nil, fmt.Errorf("sqldb: incident ids: got %d, want %d", len(ids), n)
	}
	slices.Sort(ids)
	return ids, nil
}

// prefetchRows is how many keys one lookup of open incidents takes: a batch
// over a thousand keys costs one round trip, well under the databases'
// parameter limits.
const prefetchRows = 1024

// padRows rounds a multi-row statement's row count up to one of a few
// sizes, so the same SQL text recurs and the driver's prepared statement
// (and the server's plan) is reused instead of parsed anew every batch.
func padRows(n, limit int) int {
	size := 4
	for size < n && size < limit {
		size *= 4
	}
	return min(size, limit)
}

// prefetch looks up the open incidents of every key in the batch with a few
// queries instead of one per key: on PostgreSQL each statement is a round
// trip.
func (b *batchTx) prefetch(ctx context.Context, batch []*ingestReq) error {
	byIntegration := map[string][]string{}
	for _, r := range batch {
		for i := range r.alerts {
			k := r.alerts[i].key
			if _, ok := b.open[k]; !ok {
				b.open[k] = nil // no open incident unless the query finds one
				byIntegration[k.integration] = append(byIntegration[k.integration], k.dedupKey)
			}
		}
	}
	var q strings.Builder
	for integration, keys := range byIntegration {
		for len(keys) > 0 {
			chunk := keys[:min(len(keys), prefetchRows)]
			keys = keys[len(chunk):]
			q.Reset()
			q.WriteString(`SELECT id, status, severity, COALESCE(runbook_id, ''), dedup_key FROM incidents WHERE status <> 'resolved' AND integration = $1 AND dedup_key IN (`)
			args := make([]any, 0, padRows(len(chunk), prefetchRows)+1)
			args = append(args, integration)
			for i := range padRows(len(chunk), prefetchRows) {
				if i > 0 {
					q.WriteString(", ")
				}
				// Padding repeats the last key; IN ignores duplicates.
				args = append(args, chunk[min(i, len(chunk)-1)])
				q.WriteString("$" + strconv.Itoa(len(args)))
			}
			q.WriteString(")")
			if err := b.scanOpen(ctx, q.String(), integration, args); err != nil {
				return err
			}
		}
	}
	return nil
}

func (b *batchTx) scanOpen(ctx context.Context, q, integration string, args []any) error {
	rows, err := b.QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("sqldb: find open incidents: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		st := &openState{}
		var key string
		if err := rows.Scan(&st.id, &st.status, &st.severity, &st.runbook, &key); err != nil {
			return fmt.Errorf("sqldb: find open incidents: %w", err)
		}
		b.open[openKey{integration, key}] = st
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqldb: find open incidents: %w", err)
	}
	return nil
}
