// Package suppress is the step of the alert pipeline that holds back
// alerts that must not open an incident: those a silence matches, those in
// a maintenance window, and symptoms of an open incident (inhibition rules
// and runbook dependencies). A held-back alert is stored and listed, opens
// nothing and pages no one; when what holds it back ends while it still
// fires, it goes through the pipeline again and opens its incident then.
// A symptom is shown on the timeline of the incident that inhibits it.
package suppress

import (
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/quench-sh/quench"
)

// Window is a recurring maintenance window: from each tick of Schedule,
// for Duration, alerts matching all Matchers are held back.
type Window struct {
	Name     string
	Schedule cron.Schedule
	Duration time.Duration
	Matchers []quench.LabelMatcher
	Comment  string
}

// cronParser takes the five standard fields and the descriptors.
var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// NewWindow builds a window from a cron expression in loc (nil: UTC).
func NewWindow(name, expr string, loc *time.Location, d time.Duration, ms []quench.LabelMatcher, comment string) (Window, error) {
	s, err := cronParser.Parse(expr)
	if err != nil {
		return Window{}, quench.Errorf(quench.EINVALID, "cron %q: %v", expr, err)
	}
	if loc == nil {
		loc = time.UTC
	}
	if spec, ok := s.(*cron.SpecSchedule); ok {
		spec.Location = loc
	}
	return Window{Name: name, Schedule: s, Duration: d, Matchers: ms, Comment: comment}, nil
}

// ActiveAt reports whether the window is open at now and when it closes:
// a tick in (now-Duration, now] opened it.
func (w Window) ActiveAt(now time.Time) (end time.Time, ok bool) {
	tick := w.Schedule.Next(now.Add(-w.Duration))
	if tick.After(now) {
		return time.Time{}, false
	}
	return tick.Add(w.Duration), true
}

// InhibitRule: while an incident matching Source is open, an alert
// matching Target with the same values of the Equal labels is its
// symptom: held back and shown on that incident's timeline.
type InhibitRule struct {
	Name   string // for the timeline and the held alert's reference
	Source []quench.LabelMatcher
	Target []quench.LabelMatcher
	Equal  []string
}

// DependsOn turns "runbook depends on these runbooks" into inhibition
// rules: an open incident of a dependency holds back alerts routed to
// the dependent runbook.
func DependsOn(deps map[string][]string) []InhibitRule {
	return dependencies(deps, "", func(id string) []quench.LabelMatcher {
		return []quench.LabelMatcher{{Name: "runbook", Op: quench.MatchEqual, Value: id}}
	})
}

// CheckDependsOn turns each check's depends_on (check name → the checks
// it needs) into inhibition rules: while a check it depends on has an
// open incident, the check's own failure is that incident's symptom.
func CheckDependsOn(deps map[string][]string) []InhibitRule {
	return dependencies(deps, "check ", func(name string) []quench.LabelMatcher {
		return []quench.LabelMatcher{
			{Name: "source", Op: quench.MatchEqual, Value: quench.SourceCheck},
			{Name: "check", Op: quench.MatchEqual, Value: name},
		}
	})
}

// dependencies makes one rule per dependency, in a stable order: the
// dependency's matchers (match) as source, the dependent's as target.
func dependencies(deps map[string][]string, kind string, match func(string) []quench.LabelMatcher) []InhibitRule {
	var out []InhibitRule
	for _, dependent := range slices.Sorted(maps.Keys(deps)) {
		for _, on := range deps[dependent] {
			out = append(out, InhibitRule{
				Name:   fmt.Sprintf("%s%s depends on %s", kind, dependent, on),
				Source: match(on),
				Target: match(dependent),
			})
		}
	}
	return out
}

// Rules are the configured windows and inhibition rules.
type Rules struct {
	Windows []Window
	Inhibit []InhibitRule
}

// equalOn reports whether two label sets agree on every name (a label
// both lack counts as equal, as in Alertmanager).
func equalOn(names []string, a, b map[string]string) bool {
	for _, n := range names {
		if a[n] != b[n] {
			return false
		}
	}
	return true
}

// alertLabels is what matchers see of an alert: its labels, plus source,
// severity and check (a check's or heartbeat's name) when it does not
// carry such labels itself, and runbook (routed when runbook is non-nil
// and the alert names none).
func alertLabels(a *quench.Alert, runbook func(*quench.Alert) string) map[string]string {
	l := make(map[string]string, len(a.Labels)+4)
	maps.Copy(l, a.Labels)
	fill := func(k, v string) {
		if _, ok := l[k]; !ok && v != "" {
			l[k] = v
		}
	}
	fill("source", a.Source)
	fill("severity", string(a.Severity))
	fill("check", a.Check)
	if _, ok := l["runbook"]; !ok && runbook != nil {
		fill("runbook", runbook(a))
	}
	return l
}

// incidentLabels is what inhibition source matchers see of an open
// incident: its labels plus source, severity and runbook.
func incidentLabels(in *quench.Incident) map[string]string {
	l := make(map[string]string, len(in.Labels)+3)
	maps.Copy(l, in.Labels)
	fill := func(k, v string) {
		if _, ok := l[k]; !ok && v != "" {
			l[k] = v
		}
	}
	fill("source", in.Source)
	fill("severity", string(in.Severity))
	l["runbook"] = in.RunbookID
	return l
}
