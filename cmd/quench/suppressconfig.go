package main

import (
	"fmt"
	"slices"
	"time"

	"github.com/quench-sh/quench"
	"github.com/quench-sh/quench/markdown"
	"github.com/quench-sh/quench/suppress"
)

// MaintenanceConfig is a recurring maintenance window: from each tick of
// Cron (in Timezone), for Duration, alerts matching every matcher open
// nothing (docs/signals.md).
type MaintenanceConfig struct {
	Name     string        `yaml:"name"`
	Cron     string        `yaml:"cron"`
	Timezone string        `yaml:"timezone"`
	Duration time.Duration `yaml:"duration"`
	Matchers []string      `yaml:"matchers"`
	Comment  string        `yaml:"comment"`
}

// InhibitRuleConfig is an Alertmanager-style inhibition rule: while an
// incident matching source_matchers is open, alerts matching
// target_matchers with the same equal labels are its symptoms.
type InhibitRuleConfig struct {
	Name           string   `yaml:"name"`
	SourceMatchers []string `yaml:"source_matchers"`
	TargetMatchers []string `yaml:"target_matchers"`
	Equal          []string `yaml:"equal"`
}

// maxWindow bounds a maintenance window: longer is a silence to renew.
const maxWindow = 7 * 24 * time.Hour

// validateSuppression checks the maintenance windows, inhibition rules
// and dependencies; runbook ids are checked against the pack at open.
func (c *Config) validateSuppression() error {
	seen := map[string]bool{}
	for i, m := range c.Maintenance {
		at := fmt.Sprintf("maintenance[%d]", i)
		if !heartbeatName().MatchString(m.Name) {
			return fieldErrorf(at+".name", "%q: want lower-case letters, digits, '.', '_' or '-', at most 63", m.Name)
		}
		if seen[m.Name] {
			return fieldErrorf(at+".name", "%q is configured twice", m.Name)
		}
		seen[m.Name] = true
		if m.Duration <= 0 || m.Duration > maxWindow {
			return fieldErrorf(at+".duration", "%s: want more than 0 and at most %s", m.Duration, maxWindow)
		}
		if _, err := m.window(at); err != nil {
			return err
		}
	}
	for i, r := range c.InhibitRules {
		at := fmt.Sprintf("inhibit_rules[%d]", i)
		if _, err := r.rule(at); err != nil {
			return err
		}
	}
	for dependent, on := range c.DependsOn {
		if len(on) == 0 || slices.Contains(on, dependent) {
			return fieldErrorf("depends_on."+dependent, "want a list of other runbooks' ids")
		}
	}
	return nil
}

// window builds the suppress form of a maintenance window; at is its key.
func (m MaintenanceConfig) window(at string) (suppress.Window, error) {
	var loc *time.Location
	if m.Timezone != "" {
		l, err := time.LoadLocation(m.Timezone)
		if err != nil {
			return suppress.Window{}, fieldErrorf(at+".timezone", "%q is not a time zone (want an IANA name such as Europe/Madrid)", m.Timezone)
		}
		loc = l
	}
	ms, err := quench.ParseLabelMatchers(m.Matchers)
	if err == nil && (len(ms) == 0 || quench.MatchesEverything(ms)) {
		err = quench.Errorf(quench.EINVALID, "want matchers that name what the window covers (e.g. alertname=~\"Postgres.*\")")
	}
	if err != nil {
		return suppress.Window{}, fieldErrorf(at+".matchers", "%s", quench.ErrorMessage(err))
	}
	w, err := suppress.NewWindow(m.Name, m.Cron, loc, m.Duration, ms, m.Comment)
	if err != nil {
		return suppress.Window{}, fieldErrorf(at+".cron", "%s", quench.ErrorMessage(err))
	}
	return w, nil
}

// rule builds the suppress form of an inhibition rule; at is its key.
func (r InhibitRuleConfig) rule(at string) (suppress.InhibitRule, error) {
	src, err := quench.ParseLabelMatchers(r.SourceMatchers)
	if err == nil && len(src) == 0 {
		err = quench.Errorf(quench.EINVALID, "want at least one matcher (e.g. runbook=db-down)")
	}
	if err != nil {
		return suppress.InhibitRule{}, fieldErrorf(at+".source_matchers", "%s", quench.ErrorMessage(err))
	}
	dst, err := quench.ParseLabelMatchers(r.TargetMatchers)
	if err == nil && (len(dst) == 0 || quench.MatchesEverything(dst)) {
		err = quench.Errorf(quench.EINVALID, "want matchers that name the symptoms (e.g. runbook=api-down)")
	}
	if err != nil {
		return suppress.InhibitRule{}, fieldErrorf(at+".target_matchers", "%s", quench.ErrorMessage(err))
	}
	name := r.Name
	if name == "" {
		name = at
	}
	return suppress.InhibitRule{Name: name, Source: src, Target: dst, Equal: r.Equal}, nil
}

// suppressRules builds the windows and rules of cfg, checking the runbook
// ids of depends_on against the pack; each check's depends_on becomes
// rules too (its names were checked when the checks compiled).
func suppressRules(cfg Config, pack *markdown.Pack) (suppress.Rules, error) {
	var r suppress.Rules
	for i, m := range cfg.Maintenance {
		w, err := m.window(fmt.Sprintf("maintenance[%d]", i))
		if err != nil {
			return r, cfg.source.locate(err)
		}
		r.Windows = append(r.Windows, w)
	}
	for i, ir := range cfg.InhibitRules {
		rule, err := ir.rule(fmt.Sprintf("inhibit_rules[%d]", i))
		if err != nil {
			return r, cfg.source.locate(err)
		}
		r.Inhibit = append(r.Inhibit, rule)
	}
	for dependent, on := range cfg.DependsOn {
		for _, id := range append([]string{dependent}, on...) {
			if _, err := pack.Runbook(id); err != nil {
				return r, cfg.source.locate(fieldErrorf("depends_on."+dependent, "%s", quench.ErrorMessage(err)))
			}
		}
	}
	r.Inhibit = append(r.Inhibit, suppress.DependsOn(cfg.DependsOn)...)
	checkDeps := map[string][]string{}
	for _, c := range cfg.Checks {
		if len(c.DependsOn) > 0 {
			checkDeps[c.Name] = c.DependsOn
		}
	}
	r.Inhibit = append(r.Inhibit, suppress.CheckDependsOn(checkDeps)...)
	return r, nil
}
