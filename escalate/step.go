package escalate

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/quench-sh/quench"
)

// applyChunk bounds the incidents of one transaction, so a storm of steps
// commits in pieces that each hand their sends over quickly.
const applyChunk = 500

// fireSteps pages the next step of each incident, writing every change
// before anything is sent.
func (e *Engine) fireSteps(ctx context.Context, trs []*tracked) {
	began := time.Now()
	defer func() { e.Log.Debug("escalate: steps written", "incidents", len(trs), "took", time.Since(began)) }()
	cfg := e.Config.Load()
	from, to := trs[0].state.NextAt, trs[0].state.NextAt
	for _, tr := range trs {
		from = minTime(from, tr.state.NextAt)
		to = maxTime(to, tr.state.NextAt)
	}
	res := &Resolver{Config: cfg}
	if e.Overrides != nil {
		ovs, err := e.Overrides.FindOverrides(ctx, "", from, to.Add(time.Second))
		if err != nil {
			e.Log.Error("escalate: overrides; paging by the schedules alone", "err", err)
		}
		res.Overrides = ovs
	}
	for i := 0; i < len(trs); i += applyChunk {
		chunk := trs[i:min(i+applyChunk, len(trs))]
		changes := make([]quench.EscalationChange, 0, len(chunk))
		next := make([]quench.EscalationState, 0, len(chunk))
		for _, tr := range chunk {
			st, ch := e.nextStep(cfg, res, tr, tr.state.NextAt, "")
			changes = append(changes, ch)
			next = append(next, st)
		}
		inserted, err := e.Store.ApplyEscalations(ctx, changes)
		if err != nil {
			// Nothing was written: try these steps again shortly.
			e.Log.Error("escalate: write steps; retrying in 5s", "incidents", len(chunk), "err", err)
			for _, tr := range chunk {
				tr.state.NextAt = e.Now().Add(5 * time.Second)
				e.schedule(tr)
			}
			continue
		}
		ahead := make([]*quench.Incident, 0, len(chunk))
		soon := e.Now().Add(time.Second)
		for j, tr := range chunk {
			due := tr.state.NextAt
			tr.state = next[j]
			e.schedule(tr)
			// A step due in a second or more is read ahead; one due now
			// (an incident just opened) reads as it sends.
			if len(changes[j].Notifications) > 0 && due.After(soon) {
				in := *tr.incident // the loop owns tracked incidents
				ahead = append(ahead, &in)
			}
		}
		if len(ahead) > 0 {
			e.readAhead(ctx, ahead)
		}
		for _, n := range inserted {
			e.queue(n)
		}
	}
}

// nextStep works out the step after tr's current one at time at: who it
// pages, their notifications, and the state after it. manual is "" for
// the engine's own steps; a person's escalation passes a fresh id, so its
// notifications are new rows even for a step paged before, and they are
// manual pages, sent although the incident may be acknowledged.
func (e *Engine) nextStep(cfg *quench.OnCallConfig, res *Resolver, tr *tracked, at time.Time, manual string) (quench.EscalationState, quench.EscalationChange) {
	st := tr.state
	st.Steps = slices.Clone(st.Steps)
	pol := e.policy(tr.incident)
	id := tr.incident.ID
	var events []quench.TimelineEvent
	var audit []quench.AuditEntry
	var rows []quench.Notification
	// Skip steps that page nobody, at most one full round.
	for tries := 0; tries <= len(st.Steps); tries++ {
		st.Step++
		if st.Step > len(st.Steps) {
			if st.Round >= pol.Repeat || len(st.Steps) == 0 {
				st.Step--
				st.NextAt = time.Time{}
				st.Paged = nil
				text := fmt.Sprintf("escalation ended: nobody acknowledged after %d round(s) of %d step(s)", st.Round+1, len(st.Steps))
				if len(st.Steps) == 0 {
					text = "no escalation role: the runbook names none and the pack has no roles"
				}
				events = append(events, quench.TimelineEvent{IncidentID: id, At: at, Kind: quench.EventPaged, Actor: quench.SystemActor, Text: text})
				audit = append(audit, quench.AuditEntry{At: at, Actor: quench.SystemActor, Action: "paging.exhausted", Subject: incidentSubject(id)})
				st.Stopped = true
				return st, quench.EscalationChange{State: &st, Events: events, Audit: audit}
			}
			st.Round++
			st.Step = 1
		}
		role := st.Steps[st.Step-1]
		people, entry, err := res.Paged(role, at)
		if err == nil && entry.NotifyOnly && st.Round > 0 {
			continue // informed in the first round already
		}
		if err != nil || len(people) == 0 {
			why := "nobody is on call"
			if err != nil {
				why = quench.ErrorMessage(err)
			}
			events = append(events, quench.TimelineEvent{IncidentID: id, At: at, Kind: quench.EventPaged, Actor: quench.SystemActor,
				Text: fmt.Sprintf("step %d (%s): %s; going on to the next step", st.Step, role, why)})
			continue
		}
		kind, urgency := quench.MessagePage, pol.Urgency
		if urgency == "" {
			urgency = quench.UrgencyOf(tr.incident.Severity)
		}
		if entry.NotifyOnly {
			kind, urgency = quench.MessageNotify, quench.UrgencyLow
		}
		for _, who := range people {
			p, ok := cfg.FindPerson(who)
			if !ok {
				continue
			}
			key := fmt.Sprintf("i%d-r%d-s%d-%s", id, st.Round, st.Step, who)
			if manual != "" {
				key = fmt.Sprintf("e%s-i%d-s%d-%s", manual, id, st.Step, who)
				kind = quench.MessageManual
			}
			rows = append(rows, personNotifications(p, key, quench.Notification{IncidentID: id, Step: st.Step, Role: role,
				Kind: kind, Urgency: urgency}, at, pol.PageAtNight)...)
		}
		verb := "paging"
		st.Paged = nil
		if entry.NotifyOnly {
			verb = "informing (notify-only)"
		} else {
			st.Paged = slices.Clone(people)
		}
		st.AckedBy = nil
		data, _ := json.Marshal(map[string]any{"step": st.Step, "round": st.Round, "role": role, "people": people, "urgency": urgency})
		events = append(events, quench.TimelineEvent{IncidentID: id, At: at, Kind: quench.EventPaged, Actor: quench.SystemActor,
			Text: fmt.Sprintf("step %d (%s): %s %s", st.Step, role, verb, strings.Join(people, ", ")), Data: data})
		audit = append(audit, quench.AuditEntry{At: at, Actor: quench.SystemActor, Action: "paging.step", Subject: incidentSubject(id), Data: data})
		st.NextAt = at.Add(pol.StepDelay)
		return st, quench.EscalationChange{State: &st, Notifications: rows, Events: events, Audit: audit}
	}
	// Every step pages nobody: wait a step delay and look again.
	st.NextAt = at.Add(pol.StepDelay)
	return st, quench.EscalationChange{State: &st, Events: events}
}

// personNotifications turns a person's rules for an urgency into outbox
// rows, each keyed base-contact. Low urgency respects the person's night:
// held until morning unless the policy pages at night, and never by SMS at
// night unless the person asks for it.
func personNotifications(p *quench.Person, base string, tmpl quench.Notification, at time.Time, pageAtNight bool) []quench.Notification {
	rules := p.Rules[tmpl.Urgency]
	if len(rules) == 0 {
		for _, c := range p.Contacts {
			rules = append(rules, quench.NotificationRule{Contact: c.Name})
		}
	}
	var out []quench.Notification
	for _, r := range rules {
		c, ok := p.Contact(r.Contact)
		if !ok {
			continue
		}
		n := tmpl
		n.Person, n.Contact, n.Channel = p.ID, c.Name, c.Kind
		n.Key = base + "-" + c.Name + "-" + string(n.Kind)
		n.DueAt = at.Add(r.Delay)
		if n.Urgency == quench.UrgencyLow {
			if morning, night := nightEnd(p, n.DueAt); night {
				if !pageAtNight && n.Kind != quench.MessageResolved && n.Kind != quench.MessageAck {
					n.DueAt = morning
				} else if c.Kind == quench.ContactSMS && !p.SMSAtNight {
					continue
				}
			}
		}
		out = append(out, n)
	}
	return out
}

// nightEnd reports whether t falls in the person's night and, if so, when
// that night ends.
func nightEnd(p *quench.Person, t time.Time) (time.Time, bool) {
	start, err1 := parseClock(p.NightStart)
	end, err2 := parseClock(p.NightEnd)
	if err1 != nil || err2 != nil || start == end {
		return time.Time{}, false
	}
	loc := p.Location
	if loc == nil {
		loc = location(p.TimeZone)
	}
	lt := t.In(loc)
	m := lt.Hour()*60 + lt.Minute()
	var in bool
	if start < end {
		in = m >= start && m < end
	} else {
		in = m >= start || m < end
	}
	if !in {
		return time.Time{}, false
	}
	day := lt.Day()
	if m >= end {
		day++ // the night ends tomorrow
	}
	return time.Date(lt.Year(), lt.Month(), day, 0, end, 0, 0, lt.Location()), true
}

func incidentSubject(id int64) string { return "incident/" + strconv.FormatInt(id, 10) }

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// stop ends an incident's escalation: its state is written stopped and its
// pending pages are cancelled.
func (e *Engine) stop(ctx context.Context, tr *tracked, why string) {
	tr.state.Stopped = true
	tr.state.NextAt = time.Time{}
	st := tr.state
	id := tr.incident.ID
	if _, err := e.Store.ApplyEscalations(ctx, []quench.EscalationChange{{State: &st, CancelPending: id}}); err != nil {
		e.Log.Error("escalate: stop", "incident", id, "err", err)
	}
	for key, p := range e.pending {
		if p.n.IncidentID == id && (p.n.Kind == quench.MessagePage || p.n.Kind == quench.MessageNotify) {
			delete(e.pending, key)
		}
	}
	delete(e.tracked, id)
	e.Log.Debug("escalate: stopped", "incident", id, "why", why)
}

// acknowledged stops an incident's escalation, unless its step waits for
// everyone it paged; then it counts who acknowledged.
func (e *Engine) acknowledged(ctx context.Context, id int64, actor string, at time.Time) {
	tr := e.tracked[id]
	if tr == nil {
		return
	}
	if e.policy(tr.incident).MultiAck && len(tr.state.Paged) > 1 {
		e.countAck(ctx, tr, actor, at)
		return
	}
	e.stop(ctx, tr, "acknowledged by "+actor)
	e.followUp(ctx, id, quench.MessageAck, at)
}

// countAck records one person's acknowledgement of a multi-ack step and
// stops once everyone paged in it has acknowledged.
func (e *Engine) countAck(ctx context.Context, tr *tracked, person string, at time.Time) {
	if slices.Contains(tr.state.AckedBy, person) {
		return
	}
	tr.state.AckedBy = append(tr.state.AckedBy, person)
	missing := missingAcks(tr.state)
	id := tr.incident.ID
	text := fmt.Sprintf("%s acknowledged step %d (%d of %d)", person, tr.state.Step, len(tr.state.Paged)-len(missing), len(tr.state.Paged))
	if len(missing) > 0 {
		text += "; waiting for " + strings.Join(missing, ", ")
	}
	st := tr.state
	if _, err := e.Store.ApplyEscalations(ctx, []quench.EscalationChange{{State: &st,
		Events: []quench.TimelineEvent{{IncidentID: id, At: at, Kind: quench.EventPageAcknowledged, Actor: person, Text: text}},
		Audit:  []quench.AuditEntry{{At: at, Actor: person, Action: "paging.ack", Subject: incidentSubject(id)}},
	}}); err != nil {
		e.Log.Error("escalate: record acknowledgement", "incident", id, "err", err)
	}
	if len(missing) == 0 {
		e.stop(ctx, tr, "everyone acknowledged")
		e.followUp(ctx, id, quench.MessageAck, at)
	}
}

// resolved stops an incident's escalation and tells everyone who was paged.
func (e *Engine) resolved(ctx context.Context, id int64, at time.Time) {
	if tr := e.tracked[id]; tr != nil {
		e.stop(ctx, tr, "resolved")
	} else {
		// Acknowledged earlier: nothing is pending, but make sure.
		e.stop(ctx, &tracked{incident: &quench.Incident{ID: id}}, "resolved")
	}
	e.followUp(ctx, id, quench.MessageResolved, at)
}

// followUp tells the people whose pages were delivered that the incident
// was acknowledged (Slack only: its message is updated in place) or
// resolved (every contact method that carried a page).
func (e *Engine) followUp(ctx context.Context, id int64, kind quench.MessageKind, at time.Time) {
	sent, err := e.Store.FindNotifications(ctx, id)
	if err != nil {
		e.Log.Error("escalate: follow-up", "incident", id, "err", err)
		return
	}
	cfg := e.Config.Load()
	seen := map[string]bool{}
	var rows []quench.Notification
	for _, n := range sent {
		if n.Status != quench.NotificationSent || (n.Kind != quench.MessagePage && n.Kind != quench.MessageNotify && n.Kind != quench.MessageManual) {
			continue
		}
		if kind == quench.MessageAck && n.Channel != quench.ContactSlack {
			continue
		}
		k := n.Person + "/" + n.Contact
		if seen[k] {
			continue
		}
		seen[k] = true
		p, ok := cfg.FindPerson(n.Person)
		if !ok {
			continue
		}
		c, ok := p.Contact(n.Contact)
		if !ok {
			continue
		}
		row := quench.Notification{Key: fmt.Sprintf("i%d-%s-%s-%s", id, kind, n.Person, n.Contact), IncidentID: id, Person: n.Person,
			Contact: c.Name, Channel: c.Kind, Kind: kind, Urgency: quench.UrgencyLow, DueAt: at, ProviderID: n.ProviderID}
		if c.Kind == quench.ContactSMS && !p.SMSAtNight {
			if _, night := nightEnd(p, at); night {
				continue
			}
		}
		rows = append(rows, row)
	}
	if len(rows) == 0 {
		return
	}
	inserted, err := e.Store.ApplyEscalations(ctx, []quench.EscalationChange{{Notifications: rows}})
	if err != nil {
		e.Log.Error("escalate: follow-up", "incident", id, "err", err)
		return
	}
	for _, n := range inserted {
		e.queue(n)
	}
}
