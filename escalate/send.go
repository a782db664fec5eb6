package escalate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/quench-sh/quench"
)

// pendingSend is a notification waiting for its due time.
type pendingSend struct {
	n   quench.Notification
	gen uint64
}

// job is one attempt handed to a sender.
type job struct {
	n    quench.Notification
	done chan outcome // set by NotifyTest, which waits for the result
	// moreAcks: the incident escalates under a multi-ack policy that
	// still waits for someone, so its pages go out although it is
	// acknowledged.
	moreAcks bool
	// incident is the loop's copy of a tracked incident, so a storm of
	// sends does not read every incident back from the store; nil loads it.
	incident *quench.Incident
	runbook  string
}

// outcome is an attempt's result on its way to the store.
type outcome struct {
	quench.NotificationOutcome
	n    quench.Notification
	done chan outcome
}

// personLimit is one person's storm window.
type personLimit struct {
	start     time.Time
	count     int
	held      map[int64]quench.Severity // incidents folded into the summary
	heldRows  int
	contact   quench.Notification // the first held row: where the summary goes
	scheduled bool
}

// queue schedules a pending notification for its due time.
func (e *Engine) queue(n quench.Notification) {
	e.gen++
	e.pending[n.Key] = &pendingSend{n: n, gen: e.gen}
	e.heap.add(timer{at: n.DueAt, kind: timerSend, key: n.Key, gen: e.gen})
}

// limited reports whether a kind of message counts against a person's
// storm limit: pages, notices and manual pages do; tests, summaries,
// failure notices and follow-ups do not.
func limited(k quench.MessageKind) bool {
	return k == quench.MessagePage || k == quench.MessageNotify || k == quench.MessageManual
}

// dispatch hands a due notification to a sender, or folds it into the
// person's storm summary when they had RateLimit notifications this minute.
func (e *Engine) dispatch(ctx context.Context, p *pendingSend, now time.Time) {
	n := p.n
	if limited(n.Kind) {
		l := e.limits[n.Person]
		if l == nil || now.Sub(l.start) >= time.Minute {
			if l != nil && l.scheduled {
				// The summary of the last window is still to go: keep it.
			} else {
				l = &personLimit{start: now}
				e.limits[n.Person] = l
			}
		}
		if l.count >= e.RateLimit {
			if l.held == nil {
				l.held = map[int64]quench.Severity{}
				l.contact = n
			}
			sev := quench.Severity("")
			if tr := e.tracked[n.IncidentID]; tr != nil {
				sev = tr.incident.Severity
			}
			l.held[n.IncidentID] = sev
			l.heldRows++
			if !l.scheduled {
				l.scheduled = true
				e.heap.add(timer{at: l.start.Add(time.Minute), kind: timerSummary, key: n.Person})
			}
			e.addInflight(1)
			e.sending[n.Key] = true
			e.results <- outcome{n: n, NotificationOutcome: quench.NotificationOutcome{Key: n.Key, Status: quench.NotificationSummarised,
				Attempts: n.Attempts, At: now, Error: "folded into a storm summary"}}
			return
		}
		l.count++
	}
	j := &job{n: n}
	if tr := e.tracked[n.IncidentID]; tr != nil {
		// Under a multi-ack policy an acknowledged incident escalates on
		// until everyone of a step has acknowledged.
		j.moreAcks = e.policy(tr.incident).MultiAck && !tr.state.Stopped
		in := *tr.incident
		j.incident, j.runbook = &in, tr.runbook
	}
	e.addInflight(1)
	e.sending[n.Key] = true
	e.jobs <- j
}

// sendSummary sends the one message that stands for a person's held
// notifications ("37 new incidents, 3 critical").
func (e *Engine) sendSummary(ctx context.Context, person string, now time.Time) {
	l := e.limits[person]
	if l == nil || !l.scheduled {
		return
	}
	delete(e.limits, person)
	if len(l.held) == 0 {
		return
	}
	critical := 0
	for _, s := range l.held {
		if s == quench.SeverityCritical {
			critical++
		}
	}
	c := l.contact
	row := quench.Notification{Key: fmt.Sprintf("sum-%s-%d", person, l.start.UnixMicro()), Person: person, Contact: c.Contact,
		Channel: c.Channel, Kind: quench.MessageSummary, Urgency: quench.UrgencyHigh, DueAt: now,
		Text: fmt.Sprintf("%d new incidents, %d critical (%d notifications held back)", len(l.held), critical, l.heldRows)}
	inserted, err := e.Store.ApplyEscalations(ctx, []quench.EscalationChange{{Notifications: []quench.Notification{row}}})
	if err != nil {
		e.Log.Error("escalate: storm summary", "person", person, "err", err)
		return
	}
	for _, n := range inserted {
		e.addInflight(1)
		e.sending[n.Key] = true
		e.jobs <- &job{n: n}
	}
}

// sender takes jobs until the queue closes.
func (e *Engine) sender(ctx context.Context) {
	for j := range e.jobs {
		o := e.attempt(ctx, j)
		o.done = j.done
		e.results <- o
	}
}

// attempt sends one notification once and classifies the result.
func (e *Engine) attempt(ctx context.Context, j *job) outcome {
	n := j.n
	start := e.Now()
	n.Attempts++
	o := outcome{n: n, NotificationOutcome: quench.NotificationOutcome{Key: n.Key, Attempts: n.Attempts, At: start}}
	m, err := e.message(ctx, &n, start, j)
	if err == nil && stale(m, j.moreAcks) {
		// Acknowledged or resolved meanwhile, perhaps through another
		// server: a page that is no longer wanted is not sent.
		o.Status, o.Attempts, o.Error = quench.NotificationCancelled, n.Attempts-1, "the incident is "+string(m.Incident.Status)
		return o
	}
	if err == nil {
		ch := e.Channels[n.Channel]
		if ch == nil {
			err = &quench.SendError{Message: fmt.Sprintf("no %s channel is configured on this server", n.Channel)}
		} else {
			if n.Attempts == 1 && n.Step > 0 && e.Metrics != nil {
				e.Metrics.StepLateness(start.Sub(n.DueAt))
			}
			sctx, cancel := context.WithTimeout(ctx, e.SendTimeout)
			var res quench.SendResult
			res, err = ch.Send(sctx, m)
			cancel()
			o.ProviderID = res.ProviderID
		}
	}
	now := e.Now()
	o.At = now
	if err == nil {
		o.Status = quench.NotificationSent
		e.observe(n.Channel, "sent")
		return o
	}
	o.Error = err.Error()
	var se *quench.SendError
	retry := true
	var after time.Duration
	if errors.As(err, &se) {
		retry, after = se.Retry, se.RetryAfter
	}
	if retry && now.Sub(n.CreatedAt) < e.RetryFor && n.Kind != quench.MessageTest {
		backoff := min(time.Second<<min(n.Attempts-1, 9), 5*time.Minute)
		backoff = time.Duration(float64(backoff) * (0.5 + e.Jitter()))
		o.Status = quench.NotificationPending
		o.DueAt = now.Add(max(backoff, after))
		e.observe(n.Channel, "retry")
		return o
	}
	o.Status = quench.NotificationFailed
	e.observe(n.Channel, "failed")
	return o
}

func (e *Engine) observe(ch quench.ContactKind, outcome string) {
	if e.Metrics != nil {
		e.Metrics.NotificationDone(ch, outcome)
	}
}

// message renders what a channel needs for a notification.
func (e *Engine) message(ctx context.Context, n *quench.Notification, now time.Time, j *job) (*quench.Message, error) {
	cfg := e.Config.Load()
	p, ok := cfg.FindPerson(n.Person)
	if !ok {
		return nil, &quench.SendError{Message: fmt.Sprintf("%s is no longer in the on-call file", n.Person)}
	}
	c, ok := p.Contact(n.Contact)
	if !ok {
		return nil, &quench.SendError{Message: fmt.Sprintf("%s no longer has contact method %s", n.Person, n.Contact)}
	}
	m := &quench.Message{Notification: *n, Person: *p, Address: c}
	if n.IncidentID != 0 {
		in, title := j.incident, j.runbook
		if in == nil {
			var err error
			if in, err = e.Incidents.FindIncident(ctx, n.IncidentID); err != nil {
				return nil, &quench.SendError{Retry: quench.ErrorCode(err) != quench.ENOTFOUND, Message: "load incident: " + quench.ErrorMessage(err)}
			}
			title = e.runbookTitle(ctx, in.RunbookID)
		}
		m.Incident = in
		m.Runbook = title
		if n.Kind == quench.MessagePage || n.Kind == quench.MessageManual || n.Kind == quench.MessageNotify {
			d := e.diagnosis(ctx, in)
			m.Diagnosis = d.verdict
			if n.Channel == quench.ContactEmail {
				m.Summary = d.summary
			}
		}
		if e.BaseURL != "" {
			m.IncidentURL = fmt.Sprintf("%s/incidents/%d", strings.TrimRight(e.BaseURL, "/"), in.ID)
		}
		if in.Status != quench.StatusResolved && (n.Kind == quench.MessagePage || n.Kind == quench.MessageManual || n.Kind == quench.MessageNotify) {
			if in.Status == quench.StatusTriggered {
				m.AckURL = e.Links.URL(in.ID, p.ID, LinkAck, now)
			}
			m.ResolveURL = e.Links.URL(in.ID, p.ID, LinkResolve, now)
		}
	}
	return m, nil
}

// writer records outcomes in batches and hands retries and failures back
// to the loop.
func (e *Engine) writer(ctx context.Context, back *handback) {
	for o := range e.results {
		batch := e.gather(o)
		began := time.Now()
		outs := make([]quench.NotificationOutcome, len(batch))
		for i, o := range batch {
			outs[i] = e.record(o)
		}
		for wait := 100 * time.Millisecond; ; wait = min(wait*2, 5*time.Second) {
			err := e.Store.FinishNotifications(context.WithoutCancel(ctx), outs)
			if err == nil {
				break
			}
			e.Log.Error("escalate: record send outcomes; retrying", "n", len(outs), "err", err)
			if ctx.Err() != nil {
				break // the rows stay pending and are sent again after restart
			}
			select {
			case <-time.After(wait):
			case <-ctx.Done():
			}
		}
		for _, o := range batch {
			if o.done != nil {
				o.done <- o
			}
		}
		back.put(batch)
		e.addInflight(-len(batch))
		e.Log.Debug("escalate: outcomes recorded", "n", len(batch), "took", time.Since(began))
	}
}

// Recording outcomes is batched: at most writeBatch to a transaction, and
// while other sends are still out, the writer waits up to writeLinger for
// their outcomes. In a storm the sends then have the machine to
// themselves instead of sharing it with a transaction per handful of
// outcomes; the price is that a crash can repeat the sends of the last
// writeLinger whose outcomes were not yet recorded.
const (
	writeBatch  = 16384
	writeLinger = 250 * time.Millisecond
)

// gather collects the outcomes to record with first.
func (e *Engine) gather(first outcome) []outcome {
	batch := []outcome{first}
	var linger <-chan time.Time
	for len(batch) < writeBatch {
		select {
		case o, ok := <-e.results:
			if !ok {
				return batch
			}
			batch = append(batch, o)
			continue
		default:
		}
		if !e.outstanding(len(batch)) {
			return batch
		}
		if linger == nil {
			t := time.NewTimer(writeLinger)
			defer t.Stop()
			linger = t.C
		}
		select {
		case o, ok := <-e.results:
			if !ok {
				return batch
			}
			batch = append(batch, o)
		case <-linger:
			return batch
		}
	}
	return batch
}

// outstanding reports whether sends other than the held outcomes are
// still out, so more outcomes are coming.
func (e *Engine) outstanding(held int) bool {
	e.idleMu.Lock()
	defer e.idleMu.Unlock()
	return e.inflight > held
}

// record adds the timeline event and audit entry an outcome deserves.
func (e *Engine) record(o outcome) quench.NotificationOutcome {
	r := o.NotificationOutcome
	n := o.n
	what := fmt.Sprintf("%s to %s by %s", n.Kind, n.Person, n.Contact)
	var kind, action, auditOutcome string
	switch r.Status {
	case quench.NotificationSent:
		kind, action, auditOutcome = quench.EventNotificationSent, "paging.deliver", "ok"
	case quench.NotificationFailed:
		kind, action, auditOutcome = quench.EventNotificationFailed, "paging.deliver", "failed"
		what += ": " + r.Error
	case quench.NotificationPending:
		what += fmt.Sprintf(": attempt %d failed (%s); retrying at %s", r.Attempts, r.Error, r.DueAt.UTC().Format(time.RFC3339))
		kind, action, auditOutcome = quench.EventNotificationFailed, "paging.retry", "failed"
	case quench.NotificationSummarised:
		kind, action, auditOutcome = quench.EventNotificationSent, "paging.summarise", "ok"
		what += ": held back in a storm, folded into one summary"
	}
	if n.IncidentID != 0 && kind != "" {
		r.Event = &quench.TimelineEvent{IncidentID: n.IncidentID, At: r.At, Kind: kind, Actor: quench.SystemActor, Text: what}
	}
	if action != "" {
		subject := incidentSubject(n.IncidentID)
		if n.IncidentID == 0 {
			subject = "person/" + n.Person
		}
		r.Audit = &quench.AuditEntry{At: r.At, Actor: quench.SystemActor, Action: action, Subject: subject, Outcome: auditOutcome,
			Data: mustJSON(map[string]any{"key": n.Key, "channel": n.Channel, "attempts": r.Attempts, "error": r.Error})}
	}
	return r
}

// handback carries outcomes from the writer to the loop without either
// waiting on the other.
type handback struct {
	mu     sync.Mutex
	outs   []outcome
	signal chan struct{}
}

func newHandback() *handback { return &handback{signal: make(chan struct{}, 1)} }

func (h *handback) put(outs []outcome) {
	h.mu.Lock()
	h.outs = append(h.outs, outs...)
	h.mu.Unlock()
	select {
	case h.signal <- struct{}{}:
	default:
	}
}

func (h *handback) take() []outcome {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := h.outs
	h.outs = nil
	return out
}

// requeue schedules retries and tells admins about contact methods that
// fail for good.
func (e *Engine) requeue(ctx context.Context, outs []outcome) {
	for _, o := range outs {
		delete(e.sending, o.Key)
		switch o.Status {
		case quench.NotificationPending:
			n := o.n
			n.DueAt, n.Error = o.DueAt, o.Error
			e.queue(n)
		case quench.NotificationFailed:
			if o.n.Kind != quench.MessageFailure && o.n.Kind != quench.MessageTest {
				e.tellAdmin(ctx, o)
			}
		}
	}
}

// tellAdmin notifies the admin of a person whose contact method failed
// for good (a 4xx from the provider, an unknown address).
func (e *Engine) tellAdmin(ctx context.Context, o outcome) {
	cfg := e.Config.Load()
	p, ok := cfg.FindPerson(o.n.Person)
	if !ok || p.Admin == "" {
		e.Log.Warn("escalate: notification failed", "person", o.n.Person, "contact", o.n.Contact, "err", o.Error)
		return
	}
	admin, ok := cfg.FindPerson(p.Admin)
	if !ok {
		return
	}
	text := fmt.Sprintf("%s's contact method %s (%s) failed: %s", p.ID, o.n.Contact, o.n.Channel, o.Error)
	rows := personNotifications(admin, "fail-"+o.n.Key, quench.Notification{Kind: quench.MessageFailure, Urgency: quench.UrgencyLow,
		Text: text, IncidentID: o.n.IncidentID}, e.Now(), true)
	// The admin hears about it once, on their first rule's method.
	if len(rows) > 1 {
		rows = rows[:1]
	}
	inserted, err := e.Store.ApplyEscalations(ctx, []quench.EscalationChange{{Notifications: rows}})
	if err != nil {
		e.Log.Error("escalate: tell admin", "admin", admin.ID, "err", err)
		return
	}
	for _, n := range inserted {
		e.queue(n)
	}
}

// mustJSON encodes data the engine builds itself (maps of strings and
// numbers), which cannot fail.
func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("escalate: %v", err))
	}
	return b
}

// stale reports whether a page or notice is about an incident that no
// longer needs it.
func stale(m *quench.Message, moreAcks bool) bool {
	if m.Incident != nil && m.Kind == quench.MessageManual {
		// A page by hand goes out although the incident is acknowledged
		// (help was asked for); a later rule of it is not wanted once the
		// incident is resolved.
		return m.Incident.Status == quench.StatusResolved && m.DueAt.After(m.CreatedAt)
	}
	if m.Incident == nil || (m.Kind != quench.MessagePage && m.Kind != quench.MessageNotify) {
		return false
	}
	switch m.Incident.Status {
	case quench.StatusResolved:
		return true
	case quench.StatusAcknowledged:
		return !moreAcks
	}
	return false
}
