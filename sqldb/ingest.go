package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/quench-sh/quench"
)

// Group commit bounds.
const (
	// maxBatchAlerts bounds one ingest transaction: enough alerts to make
	// the sync cheap per alert, few enough that a batch commits in
	// milliseconds. A single request may exceed it; it is never split.
	maxBatchAlerts = 4096
	// ingestQueue is how many requests may wait for the writer.
	ingestQueue = 1024
)

// Request states: a request is applied only if the writer claims it before
// its caller gives up.
const (
	reqPending int32 = iota
	reqClaimed
	reqAbandoned
)

type ingestReq struct {
	alerts  []quench.Alert
	results []quench.IngestResult
	state   atomic.Int32
	done    chan error // buffered: the writer never blocks on a caller
}

// ingester is the group-commit loop: callers enqueue their alerts, one
// goroutine applies everything queued in one transaction, commits once and
// answers every caller.
type ingester struct {
	db    *DB
	queue chan *ingestReq

	mu     sync.RWMutex // guards closed against sends on a closed queue
	closed bool
	done   chan struct{}

	// Statements prepared once on the writer; each transaction binds them.
	findOpen, insertIncident, bumpIncident, insertEvent *sql.Stmt
}

const (
	sqlFindOpen = `SELECT id, status, severity FROM incidents
		WHERE integration = $1 AND dedup_key = $2 AND status <> 'resolved'`
	sqlInsertIncident = `INSERT INTO incidents (status, severity, summary, runbook_id, source, integration, dedup_key,
		alert_count, labels, annotations, opened_at, last_seen_at)
		VALUES ('triggered', $1, $2, $3, $4, $5, $6, 1, $7, $8, $9, $9) RETURNING id`
	sqlBumpIncident = `UPDATE incidents SET alert_count = alert_count + $1, last_seen_at = $2, severity = $3 WHERE id = $4`
	sqlInsertEvent  = `INSERT INTO timeline_events (incident_id, at, kind, actor, text, data) VALUES ($1, $2, $3, $4, $5, $6)`
)

func newIngester(ctx context.Context, db *DB) (*ingester, error) {
	g := &ingester{db: db, queue: make(chan *ingestReq, ingestQueue), done: make(chan struct{})}
	for _, p := range []struct {
		stmt **sql.Stmt
		sql  string
	}{
		{&g.findOpen, sqlFindOpen},
		{&g.insertIncident, sqlInsertIncident},
		{&g.bumpIncident, sqlBumpIncident},
		{&g.insertEvent, sqlInsertEvent},
	} {
		s, err := db.w.PrepareContext(ctx, p.sql)
		if err != nil {
			g.closeStmts()
			return nil, fmt.Errorf("sqldb: prepare ingest: %w", err)
		}
		*p.stmt = s
	}
	go g.run()
	return g, nil
}

func (g *ingester) closeStmts() {
	for _, s := range []*sql.Stmt{g.findOpen, g.insertIncident, g.bumpIncident, g.insertEvent} {
		if s != nil {
			s.Close()
		}
	}
}

// close stops taking requests, lets the loop apply what is queued and waits
// for it.
func (g *ingester) close() {
	g.mu.Lock()
	if !g.closed {
		g.closed = true
		close(g.queue)
	}
	g.mu.Unlock()
	<-g.done
	g.closeStmts()
}

// IngestAlerts applies alerts to incidents. When it returns nil every alert
// is committed durably; results are in the order of alerts. Concurrent
// calls share transactions (group commit). If ctx ends first it returns
// ctx.Err(): alerts the writer had not yet taken are not applied; alerts it
// had taken may still commit, and a retry then counts as a repeat.
//
// Per alert: a trigger counts onto the key's open incident (raising its
// severity if higher) or opens one; acknowledge and resolve act on the
// open incident, or are ignored when there is none (or, for acknowledge,
// when it is already acknowledged). Text is stored cleaned: invalid UTF-8
// and NUL become U+FFFD.
func (s *IncidentService) IngestAlerts(ctx context.Context, alerts []quench.Alert) ([]quench.IngestResult, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := validateAlerts(alerts); err != nil {
		return nil, err
	}
	if len(alerts) == 0 {
		return []quench.IngestResult{}, nil
	}
	g := s.db.ingest
	// The writer may still read the alerts after a cancelled caller has
	// returned; a copy keeps the caller free to reuse its slice.
	req := &ingestReq{alerts: slices.Clone(alerts), done: make(chan error, 1)}
	if err := g.enqueue(ctx, req); err != nil {
		return nil, err
	}
	select {
	case err := <-req.done:
		if err != nil {
			return nil, err
		}
		return req.results, nil
	case <-ctx.Done():
		req.state.CompareAndSwap(reqPending, reqAbandoned)
		return nil, ctx.Err()
	}
}

func (g *ingester) enqueue(ctx context.Context, req *ingestReq) error {
	g.mu.RLock()
	defer g.mu.RUnlock()
	if g.closed {
		return quench.Errorf(quench.EUNAVAILABLE, "the store is closed")
	}
	select {
	case g.queue <- req:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func validateAlerts(alerts []quench.Alert) error {
	if len(alerts) > quench.MaxAlertsPerCall {
		return quench.Errorf(quench.ETOOLARGE, "%d alerts in one call, at most %d", len(alerts), quench.MaxAlertsPerCall)
	}
	for i := range alerts {
		a := &alerts[i]
		switch {
		case a.DedupKey == "":
			return quench.Errorf(quench.EINVALID, "alert %d: dedup key is empty", i)
		case len(a.DedupKey) > quench.MaxDedupKeyBytes:
			return quench.Errorf(quench.EINVALID, "alert %d: dedup key is longer than %d bytes", i, quench.MaxDedupKeyBytes)
		case a.Action != quench.ActionTrigger && a.Action != quench.ActionAcknowledge && a.Action != quench.ActionResolve:
			return quench.Errorf(quench.EINVALID, "alert %d: unknown action %q", i, a.Action)
		case a.Action == quench.ActionTrigger && !a.Severity.Valid():
			return quench.Errorf(quench.EINVALID, "alert %d: unknown severity %q", i, a.Severity)
		case len(a.Labels) > quench.MaxLabels || len(a.Annotations) > quench.MaxLabels:
			return quench.Errorf(quench.ETOOLARGE, "alert %d: more than %d labels or annotations", i, quench.MaxLabels)
		}
		if a.Action != quench.ActionTrigger {
			continue // only a trigger's labels are stored
		}
		for _, m := range []map[string]string{a.Labels, a.Annotations} {
			for k, v := range m {
				if len(k) > quench.MaxLabelBytes || len(v) > quench.MaxLabelBytes {
					return quench.Errorf(quench.ETOOLARGE, "alert %d: label %q is longer than %d bytes", i, cut(clean(k), 64), quench.MaxLabelBytes)
				}
			}
		}
	}
	return nil
}

func (g *ingester) run() {
	defer close(g.done)
	var batch []*ingestReq
	for {
		req, ok := <-g.queue
		if !ok {
			return
		}
		batch = batch[:0]
		n := 0
		take := func(r *ingestReq) {
			if r.state.CompareAndSwap(reqPending, reqClaimed) {
				batch = append(batch, r)
				n += len(r.alerts)
			}
		}
		take(req)
	drain:
		for n < maxBatchAlerts {
			select {
			case r, ok := <-g.queue:
				if !ok {
					break drain
				}
				take(r)
			default:
				break drain
			}
		}
		if len(batch) > 0 {
			g.commit(batch)
		}
	}
}

// commit applies a batch in one transaction. If that fails, each request
// is retried alone, so one request's failure never fails its neighbours.
func (g *ingester) commit(batch []*ingestReq) {
	// The batch outlives any one caller: a caller's cancellation must not
	// roll back the others' alerts.
	ctx := context.Background()
	err := g.apply(ctx, batch)
	if err == nil {
		for _, r := range batch {
			r.done <- nil
		}
		return
	}
	if len(batch) == 1 {
		batch[0].done <- err
		return
	}
	g.db.log.Warn("sqldb: ingest batch failed, retrying requests one by one", "requests", len(batch), "err", err)
	for _, r := range batch {
		r.done <- g.apply(ctx, []*ingestReq{r})
	}
}

// openKey names the one open incident an alert can belong to.
type openKey struct{ integration, dedupKey string }

// openState is what a transaction knows of an open incident: the database
// state plus the repeats not yet written.
type openState struct {
	id       int64
	status   quench.Status
	severity quench.Severity
	repeats  int64 // repeats seen in this batch and not yet written
	lastSeen time.Time
	dirty    bool
}

// batchTx is one group-commit transaction.
type batchTx struct {
	*txn
	g   *ingester
	now time.Time
	// open holds every key the batch has looked at: its open incident, or
	// nil for a key known to have none. Repeats then cost a map lookup.
	open  map[openKey]*openState
	dirty []*openState

	findOpen, insertIncident, bumpIncident, insertEvent *sql.Stmt
}

func (g *ingester) apply(ctx context.Context, batch []*ingestReq) error {
	tx, err := g.db.begin(ctx)
	if err != nil {
		return err
	}
	b := &batchTx{
		txn: tx, g: g, now: utc(g.db.now()),
		open:           make(map[openKey]*openState),
		findOpen:       tx.StmtContext(ctx, g.findOpen),
		insertIncident: tx.StmtContext(ctx, g.insertIncident),
		bumpIncident:   tx.StmtContext(ctx, g.bumpIncident),
		insertEvent:    tx.StmtContext(ctx, g.insertEvent),
	}
	if g.db.multiRow {
		if err := b.prefetch(ctx, batch); err != nil {
			tx.Rollback()
			return err
		}
	}
	for _, r := range batch {
		r.results = make([]quench.IngestResult, len(r.alerts))
		for i := range r.alerts {
			if r.results[i], err = b.alert(ctx, &r.alerts[i]); err != nil {
				tx.Rollback()
				return err
			}
		}
	}
	if err := b.flush(ctx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.commit(ctx)
}

// lookup returns the key's open incident, or nil.
func (b *batchTx) lookup(ctx context.Context, k openKey) (*openState, error) {
	if st, ok := b.open[k]; ok {
		return st, nil
	}
	st := &openState{}
	err := b.findOpen.QueryRowContext(ctx, k.integration, k.dedupKey).Scan(&st.id, &st.status, &st.severity)
	if errors.Is(err, sql.ErrNoRows) {
		st = nil
	} else if err != nil {
		return nil, fmt.Errorf("sqldb: find open incident: %w", err)
	}
	b.open[k] = st
	return st, nil
}

func (b *batchTx) alert(ctx context.Context, a *quench.Alert) (quench.IngestResult, error) {
	k := openKey{clean(a.Integration), clean(a.DedupKey)}
	res := quench.IngestResult{DedupKey: k.dedupKey}
	at := b.now
	if !a.ReceivedAt.IsZero() {
		at = utc(a.ReceivedAt)
	}
	st, err := b.lookup(ctx, k)
	if err != nil {
		return res, err
	}
	source := clean(a.Source)
	actor := k.integration
	if actor == "" {
		actor = source
	}
	switch a.Action {
	case quench.ActionTrigger:
		if st != nil {
			res.IncidentID, res.Outcome = st.id, quench.OutcomeDeduplicated
			if !st.dirty {
				st.dirty = true
				b.dirty = append(b.dirty, st)
			}
			st.repeats++
			if at.After(st.lastSeen) {
				st.lastSeen = at
			}
			if a.Severity.Rank() > st.severity.Rank() {
				st.severity = a.Severity
			}
			return res, nil
		}
		id, err := b.openIncident(ctx, k, a, source, actor, at)
		if err != nil {
			return res, err
		}
		b.open[k] = &openState{id: id, status: quench.StatusTriggered, severity: a.Severity, lastSeen: at}
		res.IncidentID, res.Outcome = id, quench.OutcomeOpened
	case quench.ActionAcknowledge:
		if st == nil {
			res.Outcome = quench.OutcomeIgnored
			return res, nil
		}
		res.IncidentID = st.id
		if st.status != quench.StatusTriggered {
			// Already acknowledged: nothing changes, as with PagerDuty.
			res.Outcome = quench.OutcomeIgnored
			return res, nil
		}
		if err := b.acknowledge(ctx, st.id, b.now, source); err != nil {
			return res, err
		}
		if err := b.event(ctx, st.id, b.now, quench.EventAcknowledged, source, "acknowledged by "+source, ""); err != nil {
			return res, err
		}
		if err := b.auditIncident(ctx, actor, "incident.ack", st.id, source, k.dedupKey); err != nil {
			return res, err
		}
		st.status = quench.StatusAcknowledged
		res.Outcome = quench.OutcomeAcknowledged
	case quench.ActionResolve:
		if st == nil {
			res.Outcome = quench.OutcomeIgnored
			return res, nil
		}
		if st.status == quench.StatusAcknowledged && b.g.db.keepAcked {
			res.IncidentID, res.Outcome = st.id, quench.OutcomeIgnored
			text := source + " reports the alert resolved; kept open because a person acknowledged it: resolve it when done"
			return res, b.event(ctx, st.id, b.now, quench.EventAlert, source, text, "")
		}
		if err := b.resolve(ctx, st.id, b.now, source); err != nil {
			return res, err
		}
		if err := b.event(ctx, st.id, b.now, quench.EventResolved, source, "resolved by "+source+": the source reports the alert resolved", ""); err != nil {
			return res, err
		}
		if err := b.auditIncident(ctx, actor, "incident.resolve", st.id, source, k.dedupKey); err != nil {
			return res, err
		}
		// Repeats counted earlier in the batch still belong to this
		// incident: st stays in b.dirty. The key has no open incident now,
		// so a later trigger opens a new one.
		b.open[k] = nil
		res.IncidentID, res.Outcome = st.id, quench.OutcomeResolved
	}
	return res, nil
}

func (b *batchTx) openIncident(ctx context.Context, k openKey, a *quench.Alert, source, actor string, at time.Time) (int64, error) {
	labels, err := encodeMap(a.Labels)
	if err != nil {
		return 0, err
	}
	annotations, err := encodeMap(a.Annotations)
	if err != nil {
		return 0, err
	}
	summary := cut(clean(a.Summary), quench.MaxSummaryBytes)
	runbook := clean(a.RunbookID)
	var id int64
	if err := b.insertIncident.QueryRowContext(ctx, string(a.Severity), summary, nullString(runbook), source,
		k.integration, k.dedupKey, labels, annotations, at).Scan(&id); err != nil {
		return 0, fmt.Errorf("sqldb: open incident: %w", err)
	}
	text := summary
	if text == "" {
		text = "opened by " + source
	}
	if _, err := b.insertEvent.ExecContext(ctx, id, at, quench.EventOpened, source, text, nil); err != nil {
		return 0, fmt.Errorf("sqldb: timeline event: %w", err)
	}
	data := map[string]string{"source": source, "dedup_key": k.dedupKey, "severity": string(a.Severity)}
	if runbook != "" {
		data["runbook"] = runbook
	}
	if _, err := b.audit(ctx, quench.AuditEntry{At: b.now, Actor: actor, Action: "incident.open",
		Subject: incidentSubject(id), Data: auditData(data)}); err != nil {
		return 0, err
	}
	return id, nil
}

func (b *batchTx) auditIncident(ctx context.Context, actor, action string, id int64, source, dedupKey string) error {
	_, err := b.audit(ctx, quench.AuditEntry{At: b.now, Actor: actor, Action: action, Subject: incidentSubject(id),
		Data: auditData(map[string]string{"source": source, "dedup_key": dedupKey})})
	return err
}

// Multi-row statement sizes. A lookup takes up to prefetchRows keys, so a
// batch over a thousand keys costs one round trip; an update takes up to
// chunkRows incidents, since the work of its CASE grows with rows × rows.
// Both stay well under the databases' parameter limits.
const (
	prefetchRows = 1024
	chunkRows    = 256
)

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
			k := openKey{clean(r.alerts[i].Integration), clean(r.alerts[i].DedupKey)}
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
			q.WriteString(`SELECT id, status, severity, dedup_key FROM incidents WHERE status <> 'resolved' AND integration = $1 AND dedup_key IN (`)
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
		if err := rows.Scan(&st.id, &st.status, &st.severity, &key); err != nil {
			return fmt.Errorf("sqldb: find open incidents: %w", err)
		}
		b.open[openKey{integration, key}] = st
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqldb: find open incidents: %w", err)
	}
	return nil
}

// flush writes the repeats counted in the batch. With multiRow one
// statement updates up to chunkRows incidents, whatever their values: the
// CASE branches carry them, and each ELSE gives PostgreSQL the type.
func (b *batchTx) flush(ctx context.Context) error {
	if !b.g.db.multiRow || len(b.dirty) == 1 {
		for _, st := range b.dirty {
			if _, err := b.bumpIncident.ExecContext(ctx, st.repeats, st.lastSeen, string(st.severity), st.id); err != nil {
				return fmt.Errorf("sqldb: count repeats: %w", err)
			}
		}
		return nil
	}
	var q strings.Builder
	for sts := b.dirty; len(sts) > 0; {
		chunk := sts[:min(len(sts), chunkRows)]
		sts = sts[len(chunk):]
		rows := padRows(len(chunk), chunkRows)
		args := make([]any, 0, 4*rows)
		for i := range rows {
			// Padding repeats the last row: a repeated WHEN is never
			// reached, and a repeated IN value changes nothing.
			st := chunk[min(i, len(chunk)-1)]
			args = append(args, st.id, st.repeats, st.lastSeen, string(st.severity))
		}
		q.Reset()
		column := func(set string, col int, elseSQL string) {
			q.WriteString(set + "CASE id")
			for i := range rows {
				fmt.Fprintf(&q, " WHEN $%d THEN $%d", 4*i+1, 4*i+col)
			}
			q.WriteString(" ELSE " + elseSQL + " END")
		}
		q.WriteString("UPDATE incidents SET ")
		column("alert_count = alert_count + ", 2, "CAST(0 AS BIGINT)")
		q.WriteString(", ")
		column("last_seen_at = ", 3, "last_seen_at")
		q.WriteString(", ")
		column("severity = ", 4, "severity")
		q.WriteString(" WHERE id IN (")
		for i := range rows {
			if i > 0 {
				q.WriteString(", ")
			}
			fmt.Fprintf(&q, "$%d", 4*i+1)
		}
		q.WriteString(")")
		if _, err := b.ExecContext(ctx, q.String(), args...); err != nil {
			return fmt.Errorf("sqldb: count repeats: %w", err)
		}
	}
	return nil
}
