package escalate

import (
	"encoding/json"
	"testing"

	"github.com/quench-sh/quench"
)

// stepEvent is a timeline event of a diagnosis step as the runner writes it.
func stepEvent(kind, actor, step string, data map[string]any) quench.TimelineEvent {
	d := map[string]any{"step": step, "section": quench.SectionDiagnosis}
	for k, v := range data {
		d[k] = v
	}
	b, _ := json.Marshal(d)
	return quench.TimelineEvent{Kind: kind, Actor: actor, Data: b}
}

func TestDiagnosisVerdict(t *testing.T) {
	started := func(step string) quench.TimelineEvent { return stepEvent(quench.EventStepStarted, "system", step, nil) }
	ok := func(step string) quench.TimelineEvent {
		return stepEvent(quench.EventStepFinished, "system", step, map[string]any{"exit_code": 0})
	}
	exit := func(step string, code int) quench.TimelineEvent {
		return stepEvent(quench.EventStepFinished, "system", step, map[string]any{"exit_code": code})
	}
	for _, tt := range []struct {
		name     string
		tl       []quench.TimelineEvent
		expected []string
		want     string
	}{
		{"no diagnosis", nil, nil, ""},
		{"queued", nil, []string{"a", "b"}, "diagnosis running (0 of 2 steps done)"},
		{"a step runs", []quench.TimelineEvent{started("a"), ok("a"), started("b")}, []string{"a", "b"}, "diagnosis running (1 of 2 steps done)"},
		{"between steps", []quench.TimelineEvent{started("a"), ok("a")}, []string{"a", "b", "c"}, "diagnosis running (1 of 3 steps done)"},
		{"all ok", []quench.TimelineEvent{started("a"), ok("a"), started("b"), ok("b")}, []string{"a", "b"}, "diagnosis done: 2 steps ok"},
		{"one ok", []quench.TimelineEvent{started("a"), ok("a")}, nil, "diagnosis done: 1 step ok"},
		{"failures", []quench.TimelineEvent{exit("a", 2), ok("b"),
			stepEvent(quench.EventStepFinished, "system", "c", map[string]any{"timed_out": true, "exit_code": -1}),
			stepEvent(quench.EventStepFinished, "system", "d", map[string]any{"error": "no such host"})},
			[]string{"a", "b", "c", "d"}, "diagnosis done: 3 of 4 steps failed (a: exit 2, c: timed out, d: could not run)"},
		{"many failures", []quench.TimelineEvent{exit("a", 1), exit("b", 1), exit("c", 1), exit("d", 1), exit("e", 1)}, nil,
			"diagnosis done: 5 of 5 steps failed (a: exit 1, b: exit 1, c: exit 1, 2 more)"},
		{"refused", []quench.TimelineEvent{ok("a"), stepEvent(quench.EventStepRefused, "system", "b", nil)}, []string{"a", "b"},
			"diagnosis done: 1 of 2 steps ok, 1 not run (not read-only)"},
		{"run again, now ok", []quench.TimelineEvent{exit("a", 1), started("a"), ok("a")}, []string{"a"}, "diagnosis done: 1 step ok"},
		{"a person's runs do not count", []quench.TimelineEvent{ok("a"), stepEvent(quench.EventStepFinished, "alice", "fix", map[string]any{"exit_code": 1})},
			[]string{"a"}, "diagnosis done: 1 step ok"},
		{"the pack's first steps count", []quench.TimelineEvent{
			stepEvent(quench.EventStepFinished, "system", "health", map[string]any{"section": "first steps", "exit_code": 7}), ok("a")},
			[]string{"a"}, "diagnosis done: 1 of 2 steps failed (health: exit 7)"},
		{"unreadable data", []quench.TimelineEvent{{Kind: quench.EventStepFinished, Actor: "system", Data: json.RawMessage(`{`)}}, nil, ""},
	} {
		if got := diagnosisVerdict(tt.tl, tt.expected); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}
