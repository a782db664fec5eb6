package escalate

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/quench-sh/quench"
)

// Engine pages an incident's escalation roles in order until someone
// acknowledges. One goroutine owns all state: it reacts to incident events
// (opened: start; acknowledged: stop; resolved: tell everyone paged),
// sleeps until the first due time of a heap of timers (steps, sends,
// retries, storm summaries) and hands notifications to a pool of senders.
// Everything it decides is written to the store before it is sent, so a
// crash loses nothing that was due; only a send in flight at the crash can
// be repeated.
type Engine struct {
	Store     quench.EscalationStore
	Incidents quench.IncidentService
	Runbooks  quench.RunbookService
	Overrides quench.OverrideService
	Events    quench.EventService
	Channels  map[quench.ContactKind]quench.Channel
	Config    *Holder       // the on-call file in force
	Roles     []quench.Role // the pack's escalation matrix, for names
	Links     *Links        // signs ack/resolve links; nil sends none
	BaseURL   string        // public URL for incident links; "" for none
	Metrics   quench.PagingMetrics
	Log       *slog.Logger
	Now       func() time.Time
	// Jitter returns a number in [0, 1) that spreads retries; nil means
	// a fixed half.
	Jitter func() float64

	// RateLimit is how many notifications one person gets per minute
	// before the rest fold into one summary (default 10).
	RateLimit int
	// Workers send in parallel (default 64).
	Workers int
	// SendTimeout bounds one attempt (default 10s).
	SendTimeout time.Duration
	// RetryFor is how long a notification is retried before it fails
	// (default 1h).
	RetryFor time.Duration
	// Lead is how long before a step is due the engine writes its
	// notifications to the outbox (due at the step's time), so a burst of
	// steps costs no lateness (default 5s).
	Lead time.Duration

	// Commands, when set, carries the calls that need the escalation loop
	// (Escalate, Page, NotifyTest, counting a multi-ack) from a server
	// that does not lead escalation to the one that does: the caller
	// queues the call, the leader claims it within CommandPoll, runs it as
	// the caller's actor and records the result, which the caller waits
	// for up to CommandWait (then it answers EQUEUED: the command stays
	// queued). Unset (SQLite: one server, always the leader), such calls
	// answer ErrNotRunning off the leader.
	Commands quench.PagingCommandQueue
	// CommandWait is how long a caller waits for a queued command's result
	// (default 20s: a test notification waits up to SendTimeout for its
	// sends).
	CommandWait time.Duration
	// CommandPoll is how often the leader looks for queued commands
	// (default 200ms); a caller reads its result twice as often.
	CommandPoll time.Duration
	// CommandExpiry is how long a command may wait for a leader before it
	// ends as expired (default 10m).
	CommandExpiry time.Duration

	owner    string // this engine, in the commands it claims
	initOnce sync.Once
	linkMu   sync.Mutex // loading the link key
	runMu    sync.Mutex
	running  bool
	started  chan struct{} // closed while Run serves
	cmds     chan command
	results  chan outcome
	jobs     chan *job

	// Owned by the loop goroutine.
	heap    timerHeap
	tracked map[int64]*tracked
	pending map[string]*pendingSend // notifications waiting for their due time
	sending map[string]bool         // handed to a sender, outcome not back yet
	gen     uint64                  // the last timer generation handed out
	limits  map[string]*personLimit
	linkKey []byte

	verdicts verdictCache   // diagnosis views read ahead of steps
	readers  sync.WaitGroup // read-aheads under way

	idleMu   sync.Mutex
	inflight int
	idle     chan struct{}

	wg sync.WaitGroup
}

// tracked is an incident the engine escalates.
type tracked struct {
	incident *quench.Incident
	runbook  string // title
	state    quench.EscalationState
	gen      uint64 // invalidates older step timers
}

// command runs on the loop goroutine.
type command struct {
	fn   func(ctx context.Context) error
	done chan error
}

// ErrNotRunning is returned by calls that need the engine's loop when it
// is not running (this server is not the escalation leader).
var ErrNotRunning = quench.Errorf(quench.EUNAVAILABLE, "escalation is not running on this server (another server holds the lead); try again there or in a few seconds")

func (e *Engine) defaults() {
	if e.Now == nil {
		e.Now = time.Now
	}
	if e.Log == nil {
		e.Log = slog.New(slog.DiscardHandler)
	}
	if e.RateLimit <= 0 {
		e.RateLimit = 10
	}
	if e.Workers <= 0 {
		e.Workers = 64
	}
	if e.SendTimeout <= 0 {
		e.SendTimeout = 10 * time.Second
	}
	if e.RetryFor <= 0 {
		e.RetryFor = time.Hour
	}
	if e.Lead <= 0 {
		e.Lead = 5 * time.Second
	}
	if e.Jitter == nil {
		e.Jitter = func() float64 { return 0.5 }
	}
	if e.Config == nil {
		e.Config = NewHolder(nil)
	}
	if e.CommandWait <= 0 {
		e.CommandWait = defaultCommandWait
	}
	if e.CommandPoll <= 0 {
		e.CommandPoll = defaultCommandPoll
	}
	if e.CommandExpiry <= 0 {
		e.CommandExpiry = defaultCommandExpiry
	}
}

// init fills in defaults and makes the command channel, once: Run and
// every call that needs the loop go through it, so calls made before Run
// starts wait for it.
func (e *Engine) init() {
	e.initOnce.Do(func() {
		e.defaults()
		e.cmds = make(chan command, 64)
		e.started = make(chan struct{})
		e.owner = randomID()
	})
}

// Run escalates until ctx ends: it subscribes to incident events, loads
// open escalations and pending notifications from the store, then serves.
// Run it only on the leader (see RunLeader).
func (e *Engine) Run(ctx context.Context) error {
	e.init()
	sub, err := e.Events.Subscribe(ctx)
	if err != nil {
		return fmt.Errorf("escalate: subscribe: %w", err)
	}
	defer sub.Close()
	e.results = make(chan outcome, 4096)
	e.jobs = make(chan *job, 1<<16)
	e.heap = nil
	e.tracked = map[int64]*tracked{}
	e.pending = map[string]*pendingSend{}
	e.sending = map[string]bool{}
	e.limits = map[string]*personLimit{}
	if e.Links != nil {
		if _, err := e.links(ctx); err != nil {
			return fmt.Errorf("escalate: link key: %w", err)
		}
	}
	if err := e.reload(ctx); err != nil {
		return err
	}
	sendCtx, stopSends := context.WithCancel(context.WithoutCancel(ctx))
	var senders sync.WaitGroup
	for range e.Workers {
		senders.Add(1)
		go func() {
			defer senders.Done()
			e.sender(sendCtx)
		}()
	}
	writerDone := make(chan struct{})
	back := newHandback()
	go func() {
		defer close(writerDone)
		e.writer(ctx, back)
	}()
	defer func() {
		// Stop: senders finish what they hold (bounded by SendTimeout),
		// the writer records it, then the loop's state goes.
		close(e.jobs)
		senders.Wait()
		stopSends()
		close(e.results)
		<-writerDone
		e.readers.Wait()
	}()

	t := time.NewTimer(time.Hour)
	defer t.Stop()
	e.setRunning(true)
	defer e.setRunning(false)
	if e.Commands != nil {
		// Other servers' commands, while this one leads. They go through
		// the loop like local calls; stopping waits for those under way.
		cmdCtx, stopCmds := context.WithCancel(ctx)
		cmdsDone := make(chan struct{})
		go func() {
			defer close(cmdsDone)
			e.serveCommands(cmdCtx)
		}()
		defer func() {
			e.setRunning(false) // new calls queue for the next leader
			stopCmds()
			<-cmdsDone
			e.drainCommands()
		}()
	}
	for {
		e.fireDue(ctx)
		t.Reset(e.untilNext())
		select {
		case <-ctx.Done():
			e.drainCommands()
			return nil
		case ev, ok := <-sub.Events():
			if !ok {
				if ctx.Err() != nil {
					e.drainCommands()
					return nil
				}
				return errors.New("escalate: event subscription closed")
			}
			e.handleEvent(ctx, ev)
		case <-sub.Lagged():
			e.Log.Warn("escalate: events were dropped; reloading open incidents from the store")
			if err := e.reload(ctx); err != nil {
				e.Log.Error("escalate: reload", "err", err)
			}
		case <-back.signal:
			e.requeue(ctx, back.take())
		case c := <-e.cmds:
			// Whatever was published before the command is handled first,
			// so a caller that published and then synced sees its effect.
			if err := e.drainEvents(ctx, sub); err != nil {
				c.done <- err
				return err
			}
			e.requeue(ctx, back.take())
			err := c.fn(ctx)
			e.fireDue(ctx)
			c.done <- err
		case <-t.C:
		}
	}
}

// drainEvents handles every event and lag signal already waiting.
func (e *Engine) drainEvents(ctx context.Context, sub quench.Subscription) error {
	for {
		select {
		case ev, ok := <-sub.Events():
			if !ok {
				return errors.New("escalate: event subscription closed")
			}
			e.handleEvent(ctx, ev)
		case <-sub.Lagged():
			if err := e.reload(ctx); err != nil {
				e.Log.Error("escalate: reload", "err", err)
			}
		default:
			return nil
		}
	}
}

// drainCommands answers commands that arrived as the loop stopped.
func (e *Engine) drainCommands() {
	for {
		select {
		case c := <-e.cmds:
			c.done <- ErrNotRunning
		default:
			return
		}
	}
}

// setRunning records whether Run serves commands.
func (e *Engine) setRunning(on bool) {
	e.runMu.Lock()
	defer e.runMu.Unlock()
	if on == e.running {
		return
	}
	e.running = on
	if on {
		close(e.started)
	} else {
		e.started = make(chan struct{})
	}
}

// WaitRunning waits until Run serves commands (this server leads
// escalation), or ctx ends.
func (e *Engine) WaitRunning(ctx context.Context) error {
	e.init()
	e.runMu.Lock()
	ch := e.started
	e.runMu.Unlock()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// do runs fn on the loop goroutine and waits for it; ErrNotRunning when
// this server does not run escalation.
func (e *Engine) do(ctx context.Context, fn func(ctx context.Context) error) error {
	e.init()
	e.runMu.Lock()
	running := e.running
	e.runMu.Unlock()
	if !running {
		return ErrNotRunning
	}
	c := command{fn: fn, done: make(chan error, 1)}
	select {
	case e.cmds <- c:
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-c.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Sync processes everything due at the engine's clock's now and returns:
// tests move the clock, then Sync, then Idle.
func (e *Engine) Sync(ctx context.Context) error {
	return e.do(ctx, func(context.Context) error { return nil })
}

// Idle waits until nothing is being sent or recorded, then syncs, so
// retries that became due are handled too.
func (e *Engine) Idle(ctx context.Context) error {
	for {
		if err := e.Sync(ctx); err != nil {
			return err
		}
		e.idleMu.Lock()
		if e.inflight == 0 {
			e.idleMu.Unlock()
			return nil
		}
		if e.idle == nil {
			e.idle = make(chan struct{})
		}
		ch := e.idle
		e.idleMu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (e *Engine) addInflight(n int) {
	e.idleMu.Lock()
	e.inflight += n
	if e.inflight == 0 && e.idle != nil {
		close(e.idle)
		e.idle = nil
	}
	e.idleMu.Unlock()
}

// untilNext is how long the loop may sleep.
func (e *Engine) untilNext() time.Duration {
	at, ok := e.heap.next()
	if !ok {
		return time.Hour
	}
	d := at.Sub(e.Now())
	if d < 0 {
		return 0
	}
	return min(d, time.Hour)
}

// fireDue handles every timer due now (steps come up Lead before their
// time), until firing adds nothing more that is due.
func (e *Engine) fireDue(ctx context.Context) {
	for e.fireRound(ctx) {
	}
}

// fireRound handles what is due now and reports whether it fired steps or
// summaries, which may have made sends due.
func (e *Engine) fireRound(ctx context.Context) bool {
	now := e.Now()
	var steps []*tracked
	var sends []*pendingSend
	var summaries []string
	for {
		t, ok := e.heap.popDue(now)
		if !ok {
			break
		}
		switch t.kind {
		case timerStep:
			if tr := e.tracked[t.incident]; tr != nil && tr.gen == t.gen && !tr.state.Stopped {
				steps = append(steps, tr)
			}
		case timerSend:
			if p := e.pending[t.key]; p != nil && p.gen == t.gen {
				delete(e.pending, t.key)
				sends = append(sends, p)
			}
		case timerSummary:
			summaries = append(summaries, t.key)
		}
	}
	if len(steps) > 0 {
		e.fireSteps(ctx, steps)
	}
	for _, p := range sends {
		e.dispatch(ctx, p, now)
	}
	for _, person := range summaries {
		e.sendSummary(ctx, person, now)
	}
	return len(steps) > 0 || len(summaries) > 0
}

// handleEvent reacts to one committed incident change.
func (e *Engine) handleEvent(ctx context.Context, ev quench.IncidentEvent) {
	switch ev.Kind {
	case quench.IncidentOpened, quench.IncidentReopened:
		e.start(ctx, ev.IncidentID, ev.At)
	case quench.IncidentAcknowledged:
		e.acknowledged(ctx, ev.IncidentID, ev.Actor, ev.At)
	case quench.IncidentResolved:
		e.resolved(ctx, ev.IncidentID, ev.At)
	case quench.IncidentSeverityRaised:
		if tr := e.tracked[ev.IncidentID]; tr != nil {
			tr.incident.Severity = ev.Severity
		}
	case quench.IncidentStepStarted, quench.IncidentStepFinished, quench.IncidentStepRefused:
		e.verdicts.forget(ev.IncidentID) // the diagnosis moved on
	}
}

// reload reconciles the engine with the store: every open incident whose
// escalation has not stopped is tracked and scheduled, every pending
// notification is scheduled, and anything else is forgotten.
func (e *Engine) reload(ctx context.Context) error {
	e.verdicts.forget(0) // step events may have been lost too
	open, err := e.Store.OpenEscalations(ctx)
	if err != nil {
		return fmt.Errorf("escalate: load open escalations: %w", err)
	}
	seen := map[int64]bool{}
	for _, oe := range open {
		if oe.Incident.IsDrill() {
			continue // a drill (quench drill) pages no one
		}
		seen[oe.Incident.ID] = true
		tr := e.tracked[oe.Incident.ID]
		if tr == nil {
			tr = &tracked{incident: oe.Incident}
			e.tracked[oe.Incident.ID] = tr
		}
		tr.incident = oe.Incident
		tr.runbook = e.runbookTitle(ctx, oe.Incident.RunbookID)
		if oe.State == nil {
			if oe.Incident.Status != quench.StatusTriggered {
				delete(e.tracked, oe.Incident.ID)
				continue
			}
			tr.state = e.newState(ctx, oe.Incident)
			tr.state.NextAt = e.Now()
		} else {
			tr.state = *oe.State
		}
		if oe.Incident.Status == quench.StatusAcknowledged && !e.waitingForMoreAcks(tr) {
			e.stop(ctx, tr, "acknowledged")
			continue
		}
		e.schedule(tr)
	}
	for id := range e.tracked {
		if !seen[id] {
			delete(e.tracked, id)
		}
	}
	pend, err := e.Store.PendingNotifications(ctx)
	if err != nil {
		return fmt.Errorf("escalate: load pending notifications: %w", err)
	}
	for _, n := range pend {
		if _, ok := e.pending[n.Key]; ok || e.sending[n.Key] {
			continue
		}
		e.queue(*n)
	}
	return nil
}

// runbookTitle returns a runbook's title, or its id when it is gone.
func (e *Engine) runbookTitle(ctx context.Context, id string) string {
	if id == "" || e.Runbooks == nil {
		return ""
	}
	rb, err := e.Runbooks.FindRunbook(ctx, id)
	if err != nil {
		return id
	}
	return rb.Title
}

// newState is the escalation of an incident about to page its first step:
// its runbook's escalation roles, or the pack's first role.
func (e *Engine) newState(ctx context.Context, in *quench.Incident) quench.EscalationState {
	var steps []string
	if in.RunbookID != "" && e.Runbooks != nil {
		if rb, err := e.Runbooks.FindRunbook(ctx, in.RunbookID); err == nil {
			steps = append(steps, rb.Escalation...)
		}
	}
	if len(steps) == 0 {
		if def := e.Config.Load().DefaultRole; def != "" {
			steps = []string{def}
		}
	}
	return quench.EscalationState{IncidentID: in.ID, Steps: steps}
}

// schedule puts a tracked incident's next step on the heap. Generations
// come from one counter, so a timer of a replaced tracked incident never
// matches its successor.
func (e *Engine) schedule(tr *tracked) {
	e.gen++
	tr.gen = e.gen
	if tr.state.Stopped || tr.state.NextAt.IsZero() {
		return
	}
	// A step is written Lead before it is due; its notifications are due
	// at the step's time and wait on the heap for it.
	e.heap.add(timer{at: tr.state.NextAt.Add(-e.Lead), kind: timerStep, incident: tr.incident.ID, gen: tr.gen})
}

// start begins escalating a newly opened (or reopened) incident.
func (e *Engine) start(ctx context.Context, id int64, at time.Time) {
	in, err := e.Incidents.FindIncident(ctx, id)
	if err != nil {
		e.Log.Error("escalate: opened incident", "incident", id, "err", err)
		return
	}
	if in.Status != quench.StatusTriggered || e.tracked[id] != nil {
		return // not for paging, or already escalating (a reload saw it first)
	}
	if in.IsDrill() {
		return // a drill (quench drill) pages no one
	}
	tr := &tracked{incident: in, runbook: e.runbookTitle(ctx, in.RunbookID), state: e.newState(ctx, in)}
	if at.IsZero() || at.Before(e.Now().Add(-time.Minute)) {
		at = e.Now()
	}
	tr.state.NextAt = at
	e.tracked[id] = tr
	e.schedule(tr)
}

// policy returns the escalation policy of an incident's severity.
func (e *Engine) policy(in *quench.Incident) quench.EscalationPolicy {
	cfg := e.Config.Load()
	if p, ok := cfg.Policies[in.Severity]; ok {
		return p
	}
	p := DefaultPolicies()[quench.SeverityCritical]
	if d, ok := DefaultPolicies()[in.Severity]; ok {
		p = d
	}
	return p
}

// waitingForMoreAcks reports whether a multi-ack step still waits for
// someone it paged.
func (e *Engine) waitingForMoreAcks(tr *tracked) bool {
	if !e.policy(tr.incident).MultiAck || len(tr.state.Paged) < 2 {
		return false
	}
	return len(missingAcks(tr.state)) > 0
}

func missingAcks(st quench.EscalationState) []string {
	var out []string
	for _, p := range st.Paged {
		found := false
		for _, a := range st.AckedBy {
			found = found || a == p
		}
		if !found {
			out = append(out, p)
		}
	}
	return out
}
