package escalate

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/quench-sh/quench"
)

// diagnosisActor is who runs the automatic diagnosis (runner.SystemActor):
// steps a person ran later are not part of the verdict.
const diagnosisActor = "system"

// maxVerdictFailures bounds the failed steps a verdict names.
const maxVerdictFailures = 3

// diagnosisView is what a page says about an incident's automatic
// diagnosis: a one-line verdict for every channel, and the finished steps
// one line each for email.
type diagnosisView struct {
	verdict string
	summary string
}

// stepEventData is the part of a step_started, step_finished or
// step_refused event's data the verdict reads (the runner writes it).
type stepEventData struct {
	Step     string `json:"step"`
	Section  string `json:"section"`
	ExitCode int    `json:"exit_code"`
	TimedOut bool   `json:"timed_out"`
	Canceled bool   `json:"canceled"`
	Error    string `json:"error"`
}

// diagnosis reads an incident's diagnosis from its timeline: its own, or
// that of the incident it shares one with (a storm of incidents with the
// same runbook is diagnosed once).
func (e *Engine) diagnosis(ctx context.Context, in *quench.Incident, runbook *quench.Runbook) diagnosisView {
	tl, err := e.Incidents.Timeline(ctx, in.ID)
	if err != nil {
		return diagnosisView{}
	}
	prefix := ""
	for _, ev := range tl {
		if ev.Kind != quench.EventDiagnosisShared {
			continue
		}
		var d quench.DiagnosisSharedData
		if json.Unmarshal(ev.Data, &d) != nil || d.SharedWith == 0 || d.SharedWith == in.ID {
			continue
		}
		if shared, err := e.Incidents.Timeline(ctx, d.SharedWith); err == nil {
			tl, prefix = shared, fmt.Sprintf("shared with #%d: ", d.SharedWith)
		}
		break
	}
	var expected []string
	if runbook != nil {
		for _, s := range runbook.StepsIn(quench.SectionDiagnosis) {
			expected = append(expected, s.Name)
		}
	}
	v := diagnosisVerdict(tl, expected)
	if v != "" {
		v = prefix + v
	}
	return diagnosisView{verdict: v, summary: diagnosisSummary(tl)}
}

// diagnosisSummary is the last finished steps, one line each
// ("disk-usage: exit 0"), for an email.
func diagnosisSummary(tl []quench.TimelineEvent) string {
	var lines []string
	for _, ev := range tl {
		if ev.Kind == quench.EventStepFinished || ev.Kind == quench.EventStepRefused {
			lines = append(lines, ev.Text)
		}
	}
	if len(lines) > 12 {
		lines = lines[len(lines)-12:]
	}
	return strings.Join(lines, "\n")
}

// diagnosisVerdict is the short verdict of an automatic diagnosis from a
// timeline: "diagnosis running (1 of 3 steps done)" while a step runs or
// one of the runbook's diagnosis steps (expected) has no result yet, then
// "diagnosis done: 3 steps ok" or "diagnosis done: 1 of 3 steps failed
// (db-ping: exit 2)". It is "" when there was no diagnosis at all.
func diagnosisVerdict(tl []quench.TimelineEvent, expected []string) string {
	type result struct {
		running bool
		failed  string // why, or "" when it succeeded
		refused bool
	}
	results := map[string]*result{}
	var order []string
	for _, ev := range tl {
		if ev.Actor != diagnosisActor || (ev.Kind != quench.EventStepStarted && ev.Kind != quench.EventStepFinished && ev.Kind != quench.EventStepRefused) {
			continue
		}
		var d stepEventData
		if json.Unmarshal(ev.Data, &d) != nil || d.Step == "" {
			continue
		}
		key := d.Section + "\x00" + d.Step
		r := results[key]
		if r == nil {
			r = &result{}
			results[key] = r
			order = append(order, key)
		}
		*r = result{}
		switch ev.Kind {
		case quench.EventStepStarted:
			r.running = true
		case quench.EventStepRefused:
			r.refused = true
		case quench.EventStepFinished:
			switch {
			case d.Error != "":
				r.failed = d.Step + ": could not run"
			case d.TimedOut:
				r.failed = d.Step + ": timed out"
			case d.Canceled:
				r.failed = d.Step + ": cancelled"
			case d.ExitCode != 0:
				r.failed = fmt.Sprintf("%s: exit %d", d.Step, d.ExitCode)
			}
		}
	}
	total, done := len(order), 0
	running := false
	var failed []string
	refused := 0
	for _, key := range order {
		r := results[key]
		switch {
		case r.running:
			running = true
			continue
		case r.refused:
			refused++
		case r.failed != "":
			failed = append(failed, r.failed)
		}
		done++
	}
	for _, name := range expected {
		if results[quench.SectionDiagnosis+"\x00"+name] == nil {
			running = true
			total++
		}
	}
	switch {
	case total == 0:
		return ""
	case running:
		return fmt.Sprintf("diagnosis running (%d of %d steps done)", done, total)
	}
	var b strings.Builder
	ok := total - len(failed) - refused
	switch {
	case len(failed) == 0 && refused == 0:
		fmt.Fprintf(&b, "diagnosis done: %s ok", plural(total, "step"))
	case len(failed) == 0:
		fmt.Fprintf(&b, "diagnosis done: %d of %s ok", ok, plural(total, "step"))
	default:
		fmt.Fprintf(&b, "diagnosis done: %d of %s failed (", len(failed), plural(total, "step"))
		for i, f := range failed {
			if i == maxVerdictFailures {
				fmt.Fprintf(&b, ", %d more", len(failed)-i)
				break
			}
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(quench.CutText(f, 60))
		}
		b.WriteString(")")
	}
	if refused > 0 {
		fmt.Fprintf(&b, ", %d not run (not read-only)", refused)
	}
	return b.String()
}

// plural is "1 step" or "3 steps".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
