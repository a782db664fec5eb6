package sqldb

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/quench-sh/quench"
)

// LocalEvents is the event bus that delivers to this process's
// subscribers (inmem.EventService).
type LocalEvents interface {
	quench.EventService
	// Lag tells every subscription it missed events, so it reloads from
	// the store.
	Lag()
}

// Bounds of the shared event stream.
const (
	// notifyQueue is how many events may wait to be sent to the other
	// instances; past it they are dropped and the others told they lagged.
	notifyQueue = 8192
	// maxNotifyBytes keeps a notification under PostgreSQL's 8000-byte
	// payload limit.
	maxNotifyBytes = 7000
	// maxNotifyText cuts an event's actor and step name in a notification.
	maxNotifyText = 128
	// maxOrigins bounds the instances whose sequence a listener tracks.
	maxOrigins = 1024
	// listenRetry is the pause before the listener reconnects.
	listenRetry = time.Second
)

// EventService shares incident events among every quench instance on one
// PostgreSQL database. An event published here reaches this process's
// subscribers at once, through Local, and the other instances through
// LISTEN/NOTIFY: the notification carries only each event's incident id,
// kind, actor, step and time; a receiving instance reloads the incident's
// status, severity and runbook from the store and publishes the event to
// its own subscribers with Remote set.
//
// Nothing waits on another instance: events to send queue in a bounded
// buffer, a dropped one (a full buffer, a failed send) leaves a gap in the
// sender's sequence, and a receiver that sees a gap, or lost its
// connection, tells its subscribers they lagged (Local.Lag) so they reload
// from the store.
type EventService struct {
	Local LocalEvents
	Log   *slog.Logger

	db      *DB
	origin  string // this instance, in every notification it sends
	channel string // per database schema, so stores sharing a server stay apart
	out     chan quench.IncidentEvent
	dropped atomic.Bool
	started atomic.Bool

	mu     sync.Mutex // guards out against a send after Close
	closed bool
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

var _ quench.EventService = (*EventService)(nil)

// NewEventService returns an event service that delivers through local and,
// once Open, shares events with the other instances.
func NewEventService(local LocalEvents, log *slog.Logger) *EventService {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &EventService{Local: local, Log: log, out: make(chan quench.IncidentEvent, notifyQueue)}
}

// Open starts sharing events through db, which must be PostgreSQL: it
// returns once this instance listens, so every event another instance
// publishes after Open reaches its subscribers. Close stops it.
func (s *EventService) Open(ctx context.Context, db *DB) error {
	if db.dialect != DialectPostgres {
		return quench.Errorf(quench.EINVALID, "sqldb: shared incident events need PostgreSQL")
	}
	var schema string
	if err := db.r.QueryRowContext(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		return unavailable("event channel", err)
	}
	h := fnv.New64a()
	h.Write([]byte(schema))
	s.channel = fmt.Sprintf("quench_events_%016x", h.Sum64())
	b := make([]byte, 8)
	rand.Read(b)
	s.origin = hex.EncodeToString(b)
	s.db = db

	conn, err := s.connect(ctx)
	if err != nil {
		return err
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s.cancel = cancel
	s.started.Store(true)
	s.wg.Add(2)
	go s.send(runCtx)
	go s.listen(runCtx, conn)
	return nil
}

// Close stops sending and listening; events still queued are sent first.
func (s *EventService) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	close(s.out)
	s.mu.Unlock()
	if s.started.Load() {
		s.wg.Wait() // the sender drains out, then cancels the listener
	}
	return nil
}

// Publish delivers events to this process's subscribers and queues them
// for the other instances. It never waits: when the queue is full the
// events are dropped for the others, who are told they lagged.
func (s *EventService) Publish(ctx context.Context, events ...quench.IncidentEvent) error {
	err := s.Local.Publish(ctx, events...)
	if !s.started.Load() {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return err
	}
	for _, ev := range events {
		if ev.Remote {
			continue // another instance's: it sent it to everyone
		}
		select {
		case s.out <- ev:
		default:
			s.dropped.Store(true)
		}
	}
	return err
}

// Subscribe subscribes to every instance's events.
func (s *EventService) Subscribe(ctx context.Context) (quench.Subscription, error) {
	return s.Local.Subscribe(ctx)
}

// notification is one NOTIFY payload: a run of one instance's events,
// numbered so a receiver notices a lost one.
type notification struct {
	Origin string        `json:"o"`
	Seq    uint64        `json:"q"`
	Events []notifyEvent `json:"e"`
}

type notifyEvent struct {
	ID    int64                    `json:"i"`
	Kind  quench.IncidentEventKind `json:"k"`
	Actor string                   `json:"a,omitempty"`
	Step  string                   `json:"s,omitempty"`
	At    int64                    `json:"t"` // Unix microseconds
}

// send notifies the other instances of queued events, many to a
// notification and many notifications to a round trip, until out closes.
func (s *EventService) send(ctx context.Context) {
	defer s.wg.Done()
	defer s.cancel() // the listener stops once everything queued is sent
	var seq uint64
	var batch []quench.IncidentEvent
	for {
		ev, ok := <-s.out
		if !ok {
			return
		}
		batch = append(batch[:0], ev)
	drain:
		for len(batch) < 1024 {
			select {
			case ev, ok := <-s.out:
				if !ok {
					break drain
				}
				batch = append(batch, ev)
			default:
				break drain
			}
		}
		if s.dropped.Swap(false) {
			seq++ // a gap: the receivers reload
		}
		payloads := s.pack(&seq, batch)
		sendCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
		_, err := s.db.w.ExecContext(sendCtx, `SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p`, s.channel, payloads)
		cancel()
		if err != nil {
			// The numbers were used: the receivers see the gap.
			s.Log.Warn("sqldb: notify other instances of incident events", "events", len(batch), "err", err)
		}
	}
}

// pack encodes events as notifications of at most maxNotifyBytes each,
// numbering them from *seq+1.
func (s *EventService) pack(seq *uint64, events []quench.IncidentEvent) []string {
	var out []string
	n := notification{Origin: s.origin}
	size := 0
	flush := func() {
		if len(n.Events) == 0 {
			return
		}
		*seq++
		n.Seq = *seq
		b, _ := json.Marshal(n)
		out = append(out, string(b))
		n.Events, size = n.Events[:0], 0
	}
	for _, ev := range events {
		e := notifyEvent{ID: ev.IncidentID, Kind: ev.Kind, Actor: quench.CutText(ev.Actor, maxNotifyText),
			Step: quench.CutText(ev.Step, maxNotifyText), At: ev.At.UnixMicro()}
		// An upper bound of the event's encoded size: escapes at most
		// six bytes a byte of text.
		es := 96 + len(e.Kind) + 6*(len(e.Actor)+len(e.Step))
		if size+es > maxNotifyBytes-64 {
			flush()
		}
		n.Events = append(n.Events, e)
		size += es
	}
	flush()
	return out
}

// connect opens the listening connection (outside the store's pool) and
// listens on the channel.
func (s *EventService) connect(ctx context.Context) (*pgx.Conn, error) {
	conn, err := pgx.Connect(ctx, s.db.dsn)
	if err != nil {
		return nil, unavailable("listen for incident events", err)
	}
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{s.channel}.Sanitize()); err != nil {
		conn.Close(context.Background())
		return nil, unavailable("listen for incident events", err)
	}
	return conn, nil
}

// listen receives the other instances' notifications until ctx ends,
// reconnecting when the connection drops; after a reconnect the
// subscribers are told they lagged, since events may have passed.
func (s *EventService) listen(ctx context.Context, conn *pgx.Conn) {
	defer s.wg.Done()
	seqs := map[string]uint64{}
	for {
		err := s.receive(ctx, conn, seqs)
		conn.Close(context.Background())
		if ctx.Err() != nil {
			return
		}
		s.Log.Warn("sqldb: incident events from other instances interrupted; reconnecting", "err", err)
		for {
			select {
			case <-ctx.Done():
				return
			case <-time.After(listenRetry):
			}
			if conn, err = s.connect(ctx); err == nil {
				break
			}
		}
		s.Local.Lag()
	}
}

func (s *EventService) receive(ctx context.Context, conn *pgx.Conn, seqs map[string]uint64) error {
	for {
		msg, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		var n notification
		if err := json.Unmarshal([]byte(msg.Payload), &n); err != nil {
			s.Log.Warn("sqldb: undecodable incident event notification", "err", err)
			s.Local.Lag()
			continue
		}
		if n.Origin == s.origin {
			continue
		}
		last, known := seqs[n.Origin]
		if len(seqs) >= maxOrigins && !known {
			clear(seqs)
		}
		seqs[n.Origin] = n.Seq
		if known && n.Seq != last+1 {
			s.Local.Lag()
		}
		events, err := s.reload(ctx, conn, n.Events)
		if err != nil {
			s.Local.Lag()
			return err
		}
		if len(events) > 0 {
			s.Local.Publish(ctx, events...)
		}
	}
}

// reload reads the incidents of notified events and returns the events
// with their status, severity and runbook. An incident not found (not
// possible while incidents are never deleted) is skipped.
func (s *EventService) reload(ctx context.Context, conn *pgx.Conn, notes []notifyEvent) ([]quench.IncidentEvent, error) {
	ids := make([]int64, len(notes))
	for i, e := range notes {
		ids[i] = e.ID
	}
	rows, err := conn.Query(ctx, `SELECT id, status, severity, COALESCE(runbook_id, '') FROM incidents WHERE id = ANY($1)`, ids)
	if err != nil {
		return nil, fmt.Errorf("sqldb: reload notified incidents: %w", err)
	}
	type state struct {
		status   quench.Status
		severity quench.Severity
		runbook  string
	}
	found := make(map[int64]state, len(ids))
	for rows.Next() {
		var id int64
		var st state
		if err := rows.Scan(&id, &st.status, &st.severity, &st.runbook); err != nil {
			rows.Close()
			return nil, fmt.Errorf("sqldb: reload notified incidents: %w", err)
		}
		found[id] = st
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqldb: reload notified incidents: %w", err)
	}
	out := make([]quench.IncidentEvent, 0, len(notes))
	for _, e := range notes {
		st, ok := found[e.ID]
		if !ok {
			continue
		}
		out = append(out, quench.IncidentEvent{Kind: e.Kind, IncidentID: e.ID, Status: st.status, Severity: st.severity,
			RunbookID: st.runbook, Actor: e.Actor, Step: e.Step, At: time.UnixMicro(e.At).UTC(), Remote: true})
	}
	return out, nil
}
