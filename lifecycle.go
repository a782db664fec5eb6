package quench

// Policy is how the incident lifecycle treats alerts, from the
// configuration.
type Policy struct {
	// KeepAcknowledgedOpen keeps an incident a person has acknowledged
	// open when its source reports the alert resolved: the responder who
	// took it over decides when it is over, and the timeline says the
	// source resolved. False (the default) resolves it, as PagerDuty does.
	KeepAcknowledgedOpen bool
}

// IncidentState is what the lifecycle knows of a dedup key's open
// incident. The zero value is a key with no open incident.
type IncidentState struct {
	Status   Status // triggered or acknowledged; "" for no open incident
	Severity Severity
}

// Open reports whether the key has an open incident.
func (s IncidentState) Open() bool {
	return s.Status == StatusTriggered || s.Status == StatusAcknowledged
}

// Change is what one alert, or one person's action, does to a key's
// incident: the state after it and what the store writes and publishes.
// A Change holds no slices, so deciding a repeat allocates nothing.
type Change struct {
	Outcome IngestOutcome
	// State is the incident after the change: the zero state when the key
	// has none; resolved when the change resolved it, which frees the key
	// (the next trigger opens a new incident).
	State IncidentState
	// Opened: a new incident is stored with State. Repeat: the alert is
	// counted on the open incident (alert count and last seen).
	Opened, Repeat bool
	// Raised: the repeat raised the incident's severity to State.Severity.
	Raised bool
	// Acknowledged and Resolved: the open incident's status changed.
	Acknowledged, Resolved bool
	// Timeline is the kind of the timeline event to add ("" for none),
	// Text its text. The event's actor is the alert's source or the person.
	Timeline string
	Text     string
	// Audit is the action of the audit entry to append ("" for none).
	Audit string
	// Event is the incident event to publish once the change commits (""
	// for none). A raised severity is IncidentSeverityRaised.
	Event IncidentEventKind
}

// AlertChange applies an alert to its key's open incident (cur; zero for
// none) under policy p:
//
//   - a trigger opens an incident when the key has none, and otherwise is
//     a repeat, raising the severity when the alert's is higher;
//   - an acknowledge acknowledges a triggered incident and is ignored when
//     there is none or it is already acknowledged, as with PagerDuty;
//   - a resolve resolves the open incident, frees the key and is ignored
//     when there is none; with KeepAcknowledgedOpen an acknowledged
//     incident stays open and the timeline says the source resolved.
//
// The alert must be valid (ValidateAlerts); its Source names the actor.
func AlertChange(cur IncidentState, a *Alert, p Policy) Change {
	switch a.Action {
	case ActionTrigger:
		if !cur.Open() {
			text := a.Summary
			if text == "" {
				text = "opened by " + a.Source
			}
			return Change{Outcome: OutcomeOpened, Opened: true,
				State:    IncidentState{Status: StatusTriggered, Severity: a.Severity},
				Timeline: EventOpened, Text: text, Audit: AuditIncidentOpen, Event: IncidentOpened}
		}
		c := Change{Outcome: OutcomeDeduplicated, State: cur, Repeat: true}
		if a.Severity.Rank() > cur.Severity.Rank() {
			c.State.Severity, c.Raised, c.Event = a.Severity, true, IncidentSeverityRaised
		}
		return c
	case ActionAcknowledge:
		if cur.Status != StatusTriggered {
			// No open incident, or already acknowledged: nothing changes.
			return Change{Outcome: OutcomeIgnored, State: cur}
		}
		return Change{Outcome: OutcomeAcknowledged, Acknowledged: true,
			State:    IncidentState{Status: StatusAcknowledged, Severity: cur.Severity},
			Timeline: EventAcknowledged, Text: "acknowledged by " + a.Source,
			Audit: AuditIncidentAck, Event: IncidentAcknowledged}
	case ActionResolve:
		if !cur.Open() {
			return Change{Outcome: OutcomeIgnored}
		}
		if cur.Status == StatusAcknowledged && p.KeepAcknowledgedOpen {
			return Change{Outcome: OutcomeIgnored, State: cur, Timeline: EventAlert,
				Text: a.Source + " reports the alert resolved; kept open because a person acknowledged it: resolve it when done"}
		}
		return Change{Outcome: OutcomeResolved, Resolved: true,
			State:    IncidentState{Status: StatusResolved, Severity: cur.Severity},
			Timeline: EventResolved, Text: "resolved by " + a.Source + ": the source reports the alert resolved",
			Audit: AuditIncidentResolve, Event: IncidentResolved}
	}
	return Change{Outcome: OutcomeIgnored, State: cur}
}

// ActionChange applies a person's acknowledge or resolve (action) by actor
// to incident in. ECONFLICT when it is resolved, or already acknowledged
// for an acknowledge; EINVALID for another action. Outcome is left empty:
// it speaks of alerts.
func ActionChange(in *Incident, action Action, actor string) (Change, error) {
	cur := IncidentState{Status: in.Status, Severity: in.Severity}
	switch {
	case action != ActionAcknowledge && action != ActionResolve:
		return Change{}, Errorf(EINVALID, "unknown action %q", action)
	case cur.Status == StatusResolved:
		return Change{}, Errorf(ECONFLICT, "incident %d is already resolved", in.ID)
	case !cur.Open():
		return Change{}, Errorf(EINVALID, "incident %d has an unknown status %q", in.ID, cur.Status)
	case action == ActionAcknowledge && cur.Status == StatusAcknowledged:
		return Change{}, Errorf(ECONFLICT, "incident %d is already acknowledged by %s", in.ID, in.AcknowledgedBy)
	case action == ActionAcknowledge:
		return Change{Acknowledged: true, State: IncidentState{Status: StatusAcknowledged, Severity: cur.Severity},
			Timeline: EventAcknowledged, Text: "acknowledged by " + actor,
			Audit: AuditIncidentAck, Event: IncidentAcknowledged}, nil
	}
	return Change{Resolved: true, State: IncidentState{Status: StatusResolved, Severity: cur.Severity},
		Timeline: EventResolved, Text: "resolved by " + actor,
		Audit: AuditIncidentResolve, Event: IncidentResolved}, nil
}
