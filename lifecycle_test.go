package quench_test

import (
	"fmt"
	"testing"

	"github.com/quench-sh/quench"
)

// The lifecycle, written out: every state a key can be in, every action
// an alert can ask for, both policies, and for a repeat a lower, equal
// and higher severity. The expectations are the product rules (DESIGN.md:
// one open incident per key; an acknowledge from the source only moves a
// triggered incident, as PagerDuty does; a resolve frees the key unless a
// person took the incident over and the policy keeps it open), not the
// code's.
func TestAlertChange(t *testing.T) {
	const (
		none  = quench.Status("")
		trig  = quench.StatusTriggered
		acked = quench.StatusAcknowledged
		res   = quench.StatusResolved
		crit  = quench.SeverityCritical
		high  = quench.SeverityHigh
		low   = quench.SeverityLow
	)
	type want struct {
		outcome      quench.IngestOutcome
		status       quench.Status
		severity     quench.Severity
		opened       bool
		repeat       bool
		raised       bool
		acked, resol bool
		timeline     string
		audit        string
		event        quench.IncidentEventKind
	}
	for _, tt := range []struct {
		status   quench.Status // the key's open incident; none for no incident
		severity quench.Severity
		action   quench.Action
		alertSev quench.Severity
		keep     bool
		want     want
	}{
		// No open incident.
		{none, "", quench.ActionTrigger, high, false, want{outcome: "opened", status: trig, severity: high, opened: true, timeline: "opened", audit: "incident.open", event: "opened"}},
		{none, "", quench.ActionTrigger, high, true, want{outcome: "opened", status: trig, severity: high, opened: true, timeline: "opened", audit: "incident.open", event: "opened"}},
		{none, "", quench.ActionAcknowledge, "", false, want{outcome: "ignored"}},
		{none, "", quench.ActionAcknowledge, "", true, want{outcome: "ignored"}},
		{none, "", quench.ActionResolve, "", false, want{outcome: "ignored"}},
		{none, "", quench.ActionResolve, "", true, want{outcome: "ignored"}},

		// Triggered.
		{trig, high, quench.ActionTrigger, low, false, want{outcome: "deduplicated", status: trig, severity: high, repeat: true}},
		{trig, high, quench.ActionTrigger, high, false, want{outcome: "deduplicated", status: trig, severity: high, repeat: true}},
		{trig, high, quench.ActionTrigger, crit, false, want{outcome: "deduplicated", status: trig, severity: crit, repeat: true, raised: true, event: "severity_raised"}},
		{trig, high, quench.ActionTrigger, crit, true, want{outcome: "deduplicated", status: trig, severity: crit, repeat: true, raised: true, event: "severity_raised"}},
		{trig, high, quench.ActionAcknowledge, "", false, want{outcome: "acknowledged", status: acked, severity: high, acked: true, timeline: "acknowledged", audit: "incident.ack", event: "acknowledged"}},
		{trig, high, quench.ActionAcknowledge, "", true, want{outcome: "acknowledged", status: acked, severity: high, acked: true, timeline: "acknowledged", audit: "incident.ack", event: "acknowledged"}},
		{trig, high, quench.ActionResolve, "", false, want{outcome: "resolved", status: res, severity: high, resol: true, timeline: "resolved", audit: "incident.resolve", event: "resolved"}},
		{trig, high, quench.ActionResolve, "", true, want{outcome: "resolved", status: res, severity: high, resol: true, timeline: "resolved", audit: "incident.resolve", event: "resolved"}},

		// Acknowledged by a person.
		{acked, low, quench.ActionTrigger, low, false, want{outcome: "deduplicated", status: acked, severity: low, repeat: true}},
		{acked, low, quench.ActionTrigger, crit, true, want{outcome: "deduplicated", status: acked, severity: crit, repeat: true, raised: true, event: "severity_raised"}},
		{acked, low, quench.ActionAcknowledge, "", false, want{outcome: "ignored", status: acked, severity: low}},
		{acked, low, quench.ActionAcknowledge, "", true, want{outcome: "ignored", status: acked, severity: low}},
		{acked, low, quench.ActionResolve, "", false, want{outcome: "resolved", status: res, severity: low, resol: true, timeline: "resolved", audit: "incident.resolve", event: "resolved"}},
		// Kept open: only the timeline says the source resolved.
		{acked, low, quench.ActionResolve, "", true, want{outcome: "ignored", status: acked, severity: low, timeline: "alert"}},
	} {
		name := fmt.Sprintf("%s/%s/%s-%s/keep=%v", tt.status, tt.severity, tt.action, tt.alertSev, tt.keep)
		t.Run(name, func(t *testing.T) {
			a := &quench.Alert{Source: "alertmanager", DedupKey: "k", Action: tt.action, Severity: tt.alertSev, Summary: "disk full"}
			c := quench.AlertChange(quench.IncidentState{Status: tt.status, Severity: tt.severity}, a,
				quench.Policy{KeepAcknowledgedOpen: tt.keep})
			got := want{outcome: c.Outcome, status: c.State.Status, severity: c.State.Severity, opened: c.Opened,
				repeat: c.Repeat, raised: c.Raised, acked: c.Acknowledged, resol: c.Resolved, timeline: c.Timeline,
				audit: c.Audit, event: c.Event}
			if got != tt.want {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
			if (c.Timeline == "") != (c.Text == "") {
				t.Errorf("timeline %q with text %q", c.Timeline, c.Text)
			}
			// Exactly one effect at most.
			n := 0
			for _, b := range []bool{c.Opened, c.Repeat, c.Acknowledged, c.Resolved} {
				if b {
					n++
				}
			}
			if n > 1 {
				t.Errorf("%d effects at once: %+v", n, c)
			}
		})
	}
}

func TestAlertChangeTexts(t *testing.T) {
	open := quench.IncidentState{Status: quench.StatusTriggered, Severity: quench.SeverityHigh}
	acked := quench.IncidentState{Status: quench.StatusAcknowledged, Severity: quench.SeverityHigh}
	for _, tt := range []struct {
		cur     quench.IncidentState
		alert   quench.Alert
		keep    bool
		want    string
		comment string
	}{
		{quench.IncidentState{}, quench.Alert{Source: "grafana", Action: quench.ActionTrigger, Severity: "low", Summary: "CPU hot"}, false, "CPU hot", "the summary"},
		{quench.IncidentState{}, quench.Alert{Source: "grafana", Action: quench.ActionTrigger, Severity: "low"}, false, "opened by grafana", "no summary"},
		{open, quench.Alert{Source: "pagerduty", Action: quench.ActionAcknowledge}, false, "acknowledged by pagerduty", ""},
		{open, quench.Alert{Source: "alertmanager", Action: quench.ActionResolve}, false, "resolved by alertmanager: the source reports the alert resolved", ""},
		{acked, quench.Alert{Source: "alertmanager", Action: quench.ActionResolve}, true,
			"alertmanager reports the alert resolved; kept open because a person acknowledged it: resolve it when done", "kept open"},
	} {
		c := quench.AlertChange(tt.cur, &tt.alert, quench.Policy{KeepAcknowledgedOpen: tt.keep})
		if c.Text != tt.want {
			t.Errorf("%s: text %q, want %q", tt.comment, c.Text, tt.want)
		}
	}
}

func TestActionChange(t *testing.T) {
	for _, tt := range []struct {
		status   quench.Status
		action   quench.Action
		wantCode string
		wantMsg  string
		want     quench.Status
		event    quench.IncidentEventKind
		audit    string
		text     string
	}{
		{quench.StatusTriggered, quench.ActionAcknowledge, "", "", quench.StatusAcknowledged, "acknowledged", "incident.ack", "acknowledged by alice"},
		{quench.StatusTriggered, quench.ActionResolve, "", "", quench.StatusResolved, "resolved", "incident.resolve", "resolved by alice"},
		{quench.StatusAcknowledged, quench.ActionAcknowledge, quench.ECONFLICT, "incident 7 is already acknowledged by bob", "", "", "", ""},
		{quench.StatusAcknowledged, quench.ActionResolve, "", "", quench.StatusResolved, "resolved", "incident.resolve", "resolved by alice"},
		{quench.StatusResolved, quench.ActionAcknowledge, quench.ECONFLICT, "incident 7 is already resolved", "", "", "", ""},
		{quench.StatusResolved, quench.ActionResolve, quench.ECONFLICT, "incident 7 is already resolved", "", "", "", ""},
		{quench.StatusTriggered, quench.ActionTrigger, quench.EINVALID, `unknown action "trigger"`, "", "", "", ""},
	} {
		in := &quench.Incident{ID: 7, Status: tt.status, Severity: quench.SeverityHigh}
		if tt.status == quench.StatusAcknowledged {
			in.AcknowledgedBy = "bob"
		}
		c, err := quench.ActionChange(in, tt.action, "alice")
		if quench.ErrorCode(err) != tt.wantCode || quench.ErrorMessage(err) != tt.wantMsg {
			t.Errorf("%s %s: error %v, want %s %q", tt.action, tt.status, err, tt.wantCode, tt.wantMsg)
			continue
		}
		if err != nil {
			continue
		}
		if c.State.Status != tt.want || c.State.Severity != quench.SeverityHigh || c.Event != tt.event || c.Audit != tt.audit ||
			c.Text != tt.text || c.Timeline != string(tt.event) || c.Outcome != "" {
			t.Errorf("%s %s: %+v", tt.action, tt.status, c)
		}
	}
}
