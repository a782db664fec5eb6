package escalate

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/quench-sh/quench"
)

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

// verdictFresh is how long a diagnosis view read ahead of a step serves
// its sends; any step event of the incident drops it sooner.
const verdictFresh = 30 * time.Second

// verdictCache holds diagnosis views read ahead of a storm of steps, so
// the sends after their due time read no timeline. Senders read it, the
// loop (on step events) and the read-ahead write it.
type verdictCache struct {
	mu     sync.Mutex
	m      map[int64]cachedView
	forgot map[int64]time.Time // when a step event last dropped an incident's view
	all    time.Time           // when every view was last dropped
}

type cachedView struct {
	at   time.Time // wall clock: freshness, not escalation time
	view diagnosisView
}

func (c *verdictCache) get(id int64) (diagnosisView, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[id]
	if !ok || time.Since(v.at) > verdictFresh {
		return diagnosisView{}, false
	}
	return v.view, true
}

// put keeps views read from began on, except those an event dropped since
// began: that incident's diagnosis moved on while it was read.
func (c *verdictCache) put(views map[int64]diagnosisView, began time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.all.After(began) {
		return
	}
	if c.m == nil {
		c.m = map[int64]cachedView{}
	}
	for id, v := range c.m {
		if time.Since(v.at) > verdictFresh {
			delete(c.m, id)
		}
	}
	for id, at := range c.forgot {
		if time.Since(at) > verdictFresh {
			delete(c.forgot, id)
		}
	}
	for id, v := range views {
		if at, ok := c.forgot[id]; ok && !at.Before(began) {
			continue
		}
		c.m[id] = cachedView{at: began, view: v}
	}
}

// forget drops an incident's view (a step of it started or ended), or
// every view when id is 0 (events were lost).
func (c *verdictCache) forget(id int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := time.Now()
	if id == 0 {
		c.m, c.forgot, c.all = nil, nil, now
		return
	}
	delete(c.m, id)
	if c.forgot == nil {
		c.forgot = map[int64]time.Time{}
	}
	c.forgot[id] = now
}

// diagnosis is what a page about an incident says of its diagnosis: read
// ahead with its step (readAhead), or read now.
func (e *Engine) diagnosis(ctx context.Context, in *quench.Incident) diagnosisView {
	if v, ok := e.verdicts.get(in.ID); ok {
		return v
	}
	views, err := e.readDiagnoses(ctx, []*quench.Incident{in})
	if err != nil {
		e.Log.Warn("escalate: read the diagnosis for a page", "incident", in.ID, "err", err)
		return diagnosisView{}
	}
	return views[in.ID]
}

// readAhead reads the diagnosis views of incidents whose steps were just
// written (Lead before they are due), off the loop, for their sends.
func (e *Engine) readAhead(ctx context.Context, ins []*quench.Incident) {
	e.readers.Add(1)
	go func() {
		defer e.readers.Done()
		began := time.Now()
		views, err := e.readDiagnoses(ctx, ins)
		if err != nil {
			if ctx.Err() == nil {
				e.Log.Warn("escalate: read diagnoses ahead of steps; each send reads its own", "incidents", len(ins), "err", err)
			}
			return
		}
		e.verdicts.put(views, began)
	}()
}

// readDiagnoses reads incidents' diagnoses: their own, or that of the
// incident each shares one with (a storm of incidents with the same
// runbook is diagnosed once), in two queries at most.
func (e *Engine) readDiagnoses(ctx context.Context, ins []*quench.Incident) (map[int64]diagnosisView, error) {
	ids := make([]int64, len(ins))
	for i, in := range ins {
		ids[i] = in.ID
	}
	evs, err := e.Store.DiagnosisEvents(ctx, ids)
	if err != nil {
		return nil, err
	}
	sharedWith := map[int64]int64{}
	var more []int64
	for _, in := range ins {
		for _, ev := range evs[in.ID] {
			if ev.Kind != quench.EventDiagnosisShared {
				continue
			}
			var d quench.DiagnosisSharedData
			if json.Unmarshal(ev.Data, &d) != nil || d.SharedWith == 0 || d.SharedWith == in.ID {
				continue
			}
			sharedWith[in.ID] = d.SharedWith
			if _, ok := evs[d.SharedWith]; !ok {
				more = append(more, d.SharedWith)
			}
			break
		}
	}
	if len(more) > 0 {
		others, err := e.Store.DiagnosisEvents(ctx, more)
		if err != nil {
			return nil, err
		}
		for id, list := range others {
			evs[id] = list
		}
	}
	out := make(map[int64]diagnosisView, len(ins))
	for _, in := range ins {
		var expected []string
		if rb := e.runbook(ctx, in.RunbookID); rb != nil {
			for _, s := range rb.StepsIn(quench.SectionDiagnosis) {
				expected = append(expected, s.Name)
			}
		}
		tl, prefix := evs[in.ID], ""
		if other, ok := sharedWith[in.ID]; ok {
			tl, prefix = evs[other], fmt.Sprintf("shared with #%d: ", other)
		}
		v := diagnosisVerdict(tl, expected)
		if v != "" {
			v = prefix + v
		}
		out[in.ID] = diagnosisView{verdict: v, summary: diagnosisSummary(tl)}
	}
	return out, nil
}

// runbook returns a runbook of the pack, or nil.
func (e *Engine) runbook(ctx context.Context, id string) *quench.Runbook {
	if id == "" || e.Runbooks == nil {
		return nil
	}
	rb, err := e.Runbooks.FindRunbook(ctx, id)
	if err != nil {
		return nil
	}
	return rb
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
		// Steps a person ran later are not part of the diagnosis.
		if ev.Actor != quench.SystemActor || (ev.Kind != quench.EventStepStarted && ev.Kind != quench.EventStepFinished && ev.Kind != quench.EventStepRefused) {
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
