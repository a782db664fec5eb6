package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"sync/atomic"

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
	// alerts are prepared by the caller: everything an alert needs that
	// is not SQL is done on the caller's goroutine, so the one writer
	// only runs statements.
	alerts  []prepAlert
	router  quench.Router // routes the alerts that open incidents; nil keeps their RunbookID
	results []quench.IngestResult
	sts     []*openState // per alert, the incident its result names
	state   atomic.Int32
	done    chan error // buffered: the writer never blocks on a caller

	// record, when set, is a timeline event (and audit entry) to write
	// instead of alerts: a step's start or result, a note.
	record *recordWrite
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
	stmts [numStmts]*sql.Stmt

	// cache is the open incidents the writer knows (SQLite only).
	cache openCache
	// dataVersion reads PRAGMA data_version (SQLite only).
	dataVersion *sql.Stmt
	// counts holds the multi-row count statements by row count (SQLite
	// only).
	counts map[int]*sql.Stmt
	// inserts are the multi-row INSERTs of flush (SQLite only).
	inserts [numInserts]*multiInsert
}

// Statements the writer prepares once.
const (
	stFindOpen = iota
	stRaiseSeverity
	stAcknowledge
	stResolve
	stInsertAudit
	stIncidentState
	stInsertEventID
	stMaxIncident
	numStmts
)

var ingestSQL = [numStmts]string{
	stFindOpen: `SELECT id, status, severity, COALESCE(runbook_id, '') FROM incidents
		WHERE integration = $1 AND dedup_key = $2 AND status <> 'resolved'`,
	// Repeats are counted in incident_repeats (flushRepeats); only a raised
	// severity touches the incident's own row.
	stRaiseSeverity: `UPDATE incidents SET severity = $1 WHERE id = $2`,
	stAcknowledge:   `UPDATE incidents SET status = 'acknowledged', acknowledged_at = $1, acknowledged_by = $2 WHERE id = $3`,
	stResolve:       `UPDATE incidents SET status = 'resolved', resolved_at = $1, resolved_by = $2 WHERE id = $3`,
	stInsertAudit: `INSERT INTO audit_log (seq, at, actor, action, subject, outcome, data, prev_hash, hash)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
	stIncidentState: `SELECT status, severity, COALESCE(runbook_id, '') FROM incidents WHERE id = $1`,
	stInsertEventID: `INSERT INTO timeline_events (incident_id, at, kind, actor, text, data) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
	stMaxIncident:   `SELECT COALESCE(MAX(id), 0) FROM incidents`,
}

func newIngester(ctx context.Context, db *DB) (*ingester, error) {
	g := &ingester{db: db, queue: make(chan *ingestReq, ingestQueue), done: make(chan struct{})}
	g.cache.on = db.dialect == DialectSQLite
	for i, q := range ingestSQL {
		s, err := db.w.PrepareContext(ctx, q)
		if err != nil {
			g.closeStmts()
			return nil, fmt.Errorf("sqldb: prepare ingest: %w", err)
		}
		g.stmts[i] = s
	}
	if g.cache.on {
		s, err := db.w.PrepareContext(ctx, `PRAGMA data_version`)
		if err != nil {
			g.closeStmts()
			return nil, fmt.Errorf("sqldb: prepare ingest: %w", err)
		}
		g.dataVersion = s
		if err := g.prepareCounts(ctx); err != nil {
			g.closeStmts()
			return nil, err
		}
		if err := g.prepareInserts(ctx); err != nil {
			g.closeStmts()
			return nil, err
		}
	}
	go g.run()
	return g, nil
}

func (g *ingester) closeStmts() {
	for _, s := range append(g.stmts[:], g.dataVersion) {
		if s != nil {
			s.Close()
		}
	}
	for _, s := range g.counts {
		s.Close()
	}
	for _, m := range g.inserts {
		m.close()
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

// IngestAlerts applies alerts to incidents, following the lifecycle
// (quench.AlertChange under the store's policy). When it returns nil every
// alert is committed durably; results are in the order of alerts.
// Concurrent calls share transactions (group commit). If ctx ends first it
// returns ctx.Err(): alerts the writer had not yet taken are not applied;
// alerts it had taken may still commit, and a retry then counts as a
// repeat.
//
// router is asked for the runbook of each alert that opens an incident,
// and of no other: a repeat costs no routing. With a nil router an
// opening alert keeps its RunbookID. Once the batch commits, its incident
// events (opened, acknowledged, resolved, severity raised) are published.
// Text is stored cleaned: invalid UTF-8 and NUL become U+FFFD.
func (s *IncidentService) IngestAlerts(ctx context.Context, alerts []quench.Alert, router quench.Router) ([]quench.IngestResult, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := quench.ValidateAlerts(alerts); err != nil {
		return nil, err
	}
	if len(alerts) == 0 {
		return []quench.IngestResult{}, nil
	}
	g := s.db.ingest
	// The writer may still read the alerts after a cancelled caller has
	// returned; the prepared copy keeps the caller free to reuse its slice.
	prepared, resolves := g.prepare(alerts, router)
	defer g.cache.resolved(resolves)
	req := &ingestReq{alerts: prepared, router: router, done: make(chan error, 1)}
	if err := g.submit(ctx, req); err != nil {
		return nil, err
	}
	return req.results, nil
}

// submit queues a request for the writer and waits until it committed or
// ctx ended; a request the writer had not claimed by then is not applied.
func (g *ingester) submit(ctx context.Context, req *ingestReq) error {
	if err := g.enqueue(ctx, req); err != nil {
		return err
	}
	select {
	case err := <-req.done:
		return err
	case <-ctx.Done():
		req.state.CompareAndSwap(reqPending, reqAbandoned)
		return ctx.Err()
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
				n += max(1, len(r.alerts))
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
