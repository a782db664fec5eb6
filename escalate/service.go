package escalate

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/quench-sh/quench"
)

var _ quench.PagingService = (*Engine)(nil)

// OnCall says who is on call for every role (or one) at a time, overrides
// included. It needs no leader: any server can answer.
func (e *Engine) OnCall(ctx context.Context, role string, at time.Time) ([]quench.OnCallEntry, error) {
	e.init()
	res, err := e.resolver(ctx, at)
	if err != nil {
		return nil, err
	}
	cfg := res.Config
	var roles []string
	if role != "" {
		roles = []string{role}
	} else {
		for _, b := range cfg.Roles {
			roles = append(roles, b.Role)
		}
	}
	out := []quench.OnCallEntry{}
	for _, r := range roles {
		_, entry, err := res.Role(r, at)
		if err != nil {
			return nil, err
		}
		for _, pr := range e.Roles {
			if pr.ID == r {
				entry.RoleName = pr.Name
			}
		}
		out = append(out, entry)
	}
	return out, nil
}

// resolver returns a resolver with the overrides that matter from at on.
func (e *Engine) resolver(ctx context.Context, at time.Time) (*Resolver, error) {
	res := &Resolver{Config: e.Config.Load()}
	if e.Overrides != nil {
		ovs, err := e.Overrides.FindOverrides(ctx, "", at, at.Add(61*24*time.Hour))
		if err != nil {
			return nil, err
		}
		res.Overrides = ovs
	}
	return res, nil
}

// Shifts returns the shifts of a schedule or a person over [from, to), for
// the iCalendar feeds.
func (e *Engine) Shifts(ctx context.Context, schedule, person string, from, to time.Time) ([]quench.Shift, error) {
	e.init()
	res := &Resolver{Config: e.Config.Load()}
	if e.Overrides != nil {
		ovs, err := e.Overrides.FindOverrides(ctx, "", from, to)
		if err != nil {
			return nil, err
		}
		res.Overrides = ovs
	}
	if person != "" {
		return res.PersonShifts(person, from, to)
	}
	return res.ScheduleShifts(schedule, from, to)
}

// Escalate pages the next step of an incident now, or step (1-based) when
// step > 0. An acknowledged incident is paged once and not escalated on.
// On a server that does not lead escalation it is queued for the leader
// (see Commands).
func (e *Engine) Escalate(ctx context.Context, incidentID int64, step int, actor string) (*quench.EscalationState, error) {
	out, err := e.escalate(ctx, incidentID, step, actor)
	if e.routed(err) {
		out = &quench.EscalationState{}
		err = e.remote(ctx, quench.CommandEscalate, actor, escalateArgs{Incident: incidentID, Step: step}, out)
	}
	return out, err
}

// escalate is Escalate on this server's loop.
func (e *Engine) escalate(ctx context.Context, incidentID int64, step int, actor string) (*quench.EscalationState, error) {
	var out *quench.EscalationState
	err := e.do(ctx, func(ctx context.Context) error {
		in, err := e.Incidents.FindIncident(ctx, incidentID)
		if err != nil {
			return err
		}
		if in.Status == quench.StatusResolved {
			return quench.Errorf(quench.ECONFLICT, "incident %d is resolved: there is nobody left to escalate to", incidentID)
		}
		tr := e.tracked[incidentID]
		if tr == nil {
			tr = &tracked{incident: in, runbook: e.runbookTitle(ctx, in.RunbookID)}
			if st, err := e.Store.FindEscalation(ctx, incidentID); err == nil {
				tr.state = *st
			} else if quench.ErrorCode(err) == quench.ENOTFOUND {
				tr.state = e.newState(ctx, in)
			} else {
				return err
			}
		}
		tr.incident = in
		n := len(tr.state.Steps)
		if n == 0 {
			return quench.Errorf(quench.ECONFLICT, "incident %d has no escalation roles", incidentID)
		}
		if step < 0 || step > n {
			return quench.Errorf(quench.EINVALID, "step %d: incident %d has steps 1 to %d (%v)", step, incidentID, n, tr.state.Steps)
		}
		if step == 0 {
			step = tr.state.Step + 1
			if step > n {
				step = n // the last step again: there is no further one
			}
		}
		from := tr.state.Step
		tr.state.Step = step - 1
		tr.state.Stopped = false
		now := e.Now()
		tr.state.NextAt = now
		e.tracked[incidentID] = tr
		cfg := e.Config.Load()
		res, err := e.resolver(ctx, now)
		if err != nil {
			return err
		}
		st, ch := e.nextStep(cfg, res, tr, now, randomID())
		if in.Status != quench.StatusTriggered {
			st.NextAt = time.Time{}
			st.Stopped = true
		}
		ch.State = &st
		ch.Events = append([]quench.TimelineEvent{{IncidentID: incidentID, At: now, Kind: quench.EventEscalated, Actor: actor,
			Text: fmt.Sprintf("%s escalated from step %d to step %d (%s)", actor, from, step, tr.state.Steps[step-1])}}, ch.Events...)
		ch.Audit = append(ch.Audit, quench.AuditEntry{At: now, Actor: actor, Action: "paging.escalate", Subject: incidentSubject(incidentID),
			Data: mustJSON(map[string]any{"from": from, "to": step})})
		inserted, err := e.Store.ApplyEscalations(ctx, []quench.EscalationChange{ch})
		if err != nil {
			return err
		}
		tr.state = st
		if st.Stopped {
			delete(e.tracked, incidentID)
		} else {
			e.schedule(tr)
		}
		for _, n := range inserted {
			e.queue(n)
		}
		out = &st
		return nil
	})
	return out, err
}

// Page sends a manual message to a role's people (on call now) or to one
// person, optionally about an incident, by each person's high-urgency
// notification rules: "Slack at once, SMS after 2 min" holds for a page
// by hand as for the engine's own (a later rule is dropped once the
// incident is resolved). On a server that does not lead escalation it is
// queued for the leader (see Commands).
func (e *Engine) Page(ctx context.Context, target quench.PageTarget, text string, incidentID int64, actor string) (*quench.PageResult, error) {
	if target.Name != "" && target.Role == "" && target.Person == "" {
		if _, ok := e.Config.Load().FindRole(target.Name); ok {
			target.Role = target.Name
		} else if _, ok := e.Config.Load().FindPerson(target.Name); ok {
			target.Person = target.Name
		} else {
			return nil, quench.Errorf(quench.ENOTFOUND, "%q is neither a role nor a person in the on-call file", target.Name)
		}
	}
	if (target.Role == "") == (target.Person == "") {
		return nil, quench.Errorf(quench.EINVALID, "page a role or a person")
	}
	if text == "" {
		return nil, quench.Errorf(quench.EINVALID, "a message is required")
	}
	if len(text) > 1000 {
		return nil, quench.Errorf(quench.EINVALID, "the message is %d bytes; 1000 at most", len(text))
	}
	out, err := e.page(ctx, target, text, incidentID, actor)
	if e.routed(err) {
		out = &quench.PageResult{}
		err = e.remote(ctx, quench.CommandPage, actor, pageArgs{Target: target, Text: text, Incident: incidentID}, out)
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

// page is Page on this server's loop, its arguments checked.
func (e *Engine) page(ctx context.Context, target quench.PageTarget, text string, incidentID int64, actor string) (*quench.PageResult, error) {
	out := &quench.PageResult{People: []string{}, Notifications: []*quench.Notification{}}
	err := e.do(ctx, func(ctx context.Context) error {
		now := e.Now()
		cfg := e.Config.Load()
		people := []string{target.Person}
		if target.Role != "" {
			res, err := e.resolver(ctx, now)
			if err != nil {
				return err
			}
			if people, _, err = res.Paged(target.Role, now); err != nil {
				return err
			}
			if len(people) == 0 {
				return quench.Errorf(quench.ECONFLICT, "nobody is on call for %s now", target.Role)
			}
		}
		if incidentID != 0 {
			if _, err := e.Incidents.FindIncident(ctx, incidentID); err != nil {
				return err
			}
		}
		id := randomID()
		var rows []quench.Notification
		for _, who := range people {
			p, ok := cfg.FindPerson(who)
			if !ok {
				return quench.Errorf(quench.ENOTFOUND, "person %q is not in the on-call file", who)
			}
			for _, n := range personNotifications(p, "m"+id+"-"+who, quench.Notification{IncidentID: incidentID, Role: target.Role,
				Kind: quench.MessageManual, Urgency: quench.UrgencyHigh, Text: actor + ": " + text}, now, true) {
				rows = append(rows, n)
			}
			out.People = append(out.People, who)
		}
		ch := quench.EscalationChange{Notifications: rows, Audit: []quench.AuditEntry{{At: now, Actor: actor, Action: "paging.page",
			Subject: pageSubject(target), Data: mustJSON(map[string]any{"people": people, "text": text, "incident": incidentID})}}}
		if incidentID != 0 {
			ch.Events = []quench.TimelineEvent{{IncidentID: incidentID, At: now, Kind: quench.EventPaged, Actor: actor,
				Text: fmt.Sprintf("%s paged %s: %s", actor, pageSubject(target), text)}}
		}
		inserted, err := e.Store.ApplyEscalations(ctx, []quench.EscalationChange{ch})
		if err != nil {
			return err
		}
		for i := range inserted {
			e.queue(inserted[i])
			out.Notifications = append(out.Notifications, &inserted[i])
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func pageSubject(t quench.PageTarget) string {
	if t.Role != "" {
		return "role/" + t.Role
	}
	return "person/" + t.Person
}

func randomID() string {
	b := make([]byte, 6)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// NotifyTest sends a test message on every contact method of a person and
// waits for each result (no retries: the answer is what a person needs).
// On a server that does not lead escalation it is queued for the leader
// (see Commands).
func (e *Engine) NotifyTest(ctx context.Context, person, actor string) ([]*quench.Notification, error) {
	out, err := e.notifyTest(ctx, person, actor)
	if e.routed(err) {
		out = nil
		err = e.remote(ctx, quench.CommandNotifyTest, actor, notifyTestArgs{Person: person}, &out)
	}
	return out, err
}

// notifyTest is NotifyTest on this server's loop.
func (e *Engine) notifyTest(ctx context.Context, person, actor string) ([]*quench.Notification, error) {
	var jobs []*job
	err := e.do(ctx, func(ctx context.Context) error {
		p, ok := e.Config.Load().FindPerson(person)
		if !ok {
			return quench.Errorf(quench.ENOTFOUND, "person %q is not in the on-call file", person)
		}
		now := e.Now()
		id := randomID()
		var rows []quench.Notification
		for _, c := range p.Contacts {
			rows = append(rows, quench.Notification{Key: "t" + id + "-" + p.ID + "-" + c.Name, Person: p.ID, Contact: c.Name, Channel: c.Kind,
				Kind: quench.MessageTest, Urgency: quench.UrgencyLow, DueAt: now, Text: "test by " + actor})
		}
		inserted, err := e.Store.ApplyEscalations(ctx, []quench.EscalationChange{{Notifications: rows, Audit: []quench.AuditEntry{{
			At: now, Actor: actor, Action: "paging.test", Subject: "person/" + p.ID}}}})
		if err != nil {
			return err
		}
		for _, n := range inserted {
			j := &job{n: n, done: make(chan outcome, 1)}
			jobs = append(jobs, j)
			e.addInflight(1)
			e.sending[n.Key] = true
			e.jobs <- j
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]*quench.Notification, 0, len(jobs))
	for _, j := range jobs {
		select {
		case o := <-j.done:
			n := o.n
			n.Status, n.Error, n.ProviderID = o.Status, o.Error, o.ProviderID
			out = append(out, &n)
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return out, nil
}

// Acknowledge acknowledges an incident as a person (a one-time link, an
// SMS reply, the API, the CLI, the web UI). A triggered incident is
// acknowledged in the store, which stops escalation through its event; in
// a multi-ack step that is already acknowledged, the person is counted.
// Whether a step still waits is read from the store first, so a plain
// "already acknowledged" needs no trip to the escalation loop.
func (e *Engine) Acknowledge(ctx context.Context, incidentID int64, person string) (*quench.EscalationState, error) {
	e.init()
	in, err := e.Incidents.FindIncident(ctx, incidentID)
	if err != nil {
		return nil, err
	}
	switch in.Status {
	case quench.StatusResolved:
		return nil, quench.Errorf(quench.ECONFLICT, "incident %d is already resolved", incidentID)
	case quench.StatusTriggered:
		if _, err := e.Incidents.Acknowledge(ctx, incidentID, person); err != nil {
			return nil, err
		}
	default:
		st, missing, err := e.awaiting(ctx, in)
		if err != nil {
			return nil, err
		}
		if len(missing) == 0 {
			return nil, quench.Errorf(quench.ECONFLICT, "incident %d is already acknowledged by %s", incidentID, in.AcknowledgedBy)
		}
		if slices.Contains(st.AckedBy, person) {
			return nil, quench.Errorf(quench.ECONFLICT, "%s already acknowledged step %d of incident %d; it waits for %s",
				person, st.Step, incidentID, strings.Join(missing, ", "))
		}
		err = e.countAckNow(ctx, incidentID, person)
		if e.routed(err) {
			err = e.remote(ctx, quench.CommandCountAck, person, countAckArgs{Incident: incidentID}, nil)
		}
		if err != nil {
			return nil, err
		}
	}
	st, err := e.Store.FindEscalation(ctx, incidentID)
	if quench.ErrorCode(err) == quench.ENOTFOUND {
		return &quench.EscalationState{IncidentID: incidentID, Stopped: true}, nil
	}
	return st, err
}

// countAckNow counts a person's acknowledgement of an incident's
// multi-ack step on this server's loop.
func (e *Engine) countAckNow(ctx context.Context, incidentID int64, person string) error {
	return e.do(ctx, func(ctx context.Context) error {
		tr := e.tracked[incidentID]
		if tr == nil || !e.waitingForMoreAcks(tr) {
			by := ""
			if tr != nil {
				by = " by " + tr.incident.AcknowledgedBy
			} else if in, err := e.Incidents.FindIncident(ctx, incidentID); err == nil && in.AcknowledgedBy != "" {
				by = " by " + in.AcknowledgedBy
			}
			return quench.Errorf(quench.ECONFLICT, "incident %d is already acknowledged%s", incidentID, by)
		}
		e.countAck(ctx, tr, person, e.Now())
		return nil
	})
}

// AwaitingAcks lists who an acknowledged incident's multi-ack step still
// waits for. Any server can answer: it reads the stored escalation.
func (e *Engine) AwaitingAcks(ctx context.Context, incidentID int64) ([]string, error) {
	e.init()
	in, err := e.Incidents.FindIncident(ctx, incidentID)
	if err != nil {
		return nil, err
	}
	_, missing, err := e.awaiting(ctx, in)
	return missing, err
}

// awaiting returns an incident's stored escalation and who its multi-ack
// step still waits for (none unless the incident is acknowledged and its
// step paged several people under a multi-ack policy).
func (e *Engine) awaiting(ctx context.Context, in *quench.Incident) (*quench.EscalationState, []string, error) {
	if in.Status != quench.StatusAcknowledged || !e.policy(in).MultiAck {
		return nil, nil, nil
	}
	st, err := e.Store.FindEscalation(ctx, in.ID)
	if quench.ErrorCode(err) == quench.ENOTFOUND {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	if st.Stopped || len(st.Paged) < 2 {
		return st, nil, nil
	}
	return st, missingAcks(*st), nil
}

// RunLeader runs the engine whenever this server holds the escalation
// lead (quench.Lead): it asks every interval (2s by default, so another
// server takes over well within 10s of a leader's death) and runs the
// engine while it holds the lead, until ctx ends.
func (e *Engine) RunLeader(ctx context.Context, leader quench.LeaderFunc, interval time.Duration) {
	e.init()
	if interval <= 0 {
		interval = 2 * time.Second
	}
	ask := func(ctx context.Context, name string) (*quench.Lease, error) {
		lease, err := leader(ctx, name)
		if err == nil && lease == nil {
			e.Log.Log(ctx, slog.LevelDebug, "escalate: another server leads escalation")
		}
		return lease, err
	}
	quench.Lead(ctx, ask, "escalation", interval, e.Log, func(ctx context.Context) {
		e.Log.Info("escalate: this server leads escalation")
		if err := e.Run(ctx); err != nil {
			e.Log.Error("escalate: engine stopped", "err", err)
		}
		if ctx.Err() == nil {
			e.Log.Info("escalate: gave up the lead")
		}
	})
}
