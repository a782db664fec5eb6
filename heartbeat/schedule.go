// Package heartbeat watches jobs that ping quench (healthchecks.io style):
// each heartbeat expects a success every period, or at each tick of a cron
// schedule in a time zone, plus a grace; a job that is late, reports a
// failure, or starts and never finishes submits an alert (source
// heartbeat) through the AlertService, and its next success resolves it.
// It wraps github.com/robfig/cron/v3 for the schedules.
//
// Deadlines sit in a timer heap: the server that leads (one of several
// sharing PostgreSQL) sleeps until the earliest one, so a late heartbeat
// opens its incident within milliseconds of its deadline, and nothing is
// polled.
package heartbeat

import (
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/quench-sh/quench"
)

// Config is one heartbeat from the configuration.
type Config struct {
	Name string
	// Period: a success is expected at most this long after the last
	// one. Exactly one of Period and Cron is set.
	Period time.Duration
	// Cron is a five-field cron expression (minute hour day month
	// weekday) in Location: a success is expected after each tick.
	Cron     string
	Location *time.Location
	// Grace is how late a success may be, and how long a started run may
	// take, before the heartbeat alerts.
	Grace    time.Duration
	Severity quench.Severity
	// Runbook, when set, names the runbook of its alerts; otherwise the
	// runbooks' match expressions decide (source == "heartbeat" && check
	// == NAME).
	Runbook string
	Labels  map[string]string
	// Summary is the alert's one line; empty gives one naming the
	// heartbeat.
	Summary string
}

// Schedule says when a heartbeat next expects a success.
type Schedule struct {
	period time.Duration
	cron   cron.Schedule
	text   string
}

// cronParser takes the five standard fields and the descriptors
// (@daily, @hourly, @every 1h).
var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// NewSchedule builds c's schedule: EINVALID when it has neither or both
// of a period and a cron expression, or the expression does not parse.
func NewSchedule(c Config) (*Schedule, error) {
	switch {
	case c.Period > 0 && c.Cron != "":
		return nil, quench.Errorf(quench.EINVALID, "give period or cron, not both")
	case c.Period > 0:
		return &Schedule{period: c.Period, text: "every " + c.Period.String()}, nil
	case c.Cron == "":
		return nil, quench.Errorf(quench.EINVALID, "needs a period (e.g. 5m) or a cron expression (e.g. \"0 3 * * *\")")
	case strings.HasPrefix(strings.TrimSpace(c.Cron), "CRON_TZ=") || strings.HasPrefix(strings.TrimSpace(c.Cron), "TZ="):
		return nil, quench.Errorf(quench.EINVALID, "cron %q: give the time zone as timezone, not in the expression", c.Cron)
	}
	loc := c.Location
	if loc == nil {
		loc = time.UTC
	}
	s, err := cronParser.Parse(c.Cron)
	if err != nil {
		return nil, quench.Errorf(quench.EINVALID, "cron %q: %v", c.Cron, err)
	}
	if spec, ok := s.(*cron.SpecSchedule); ok {
		spec.Location = loc
	}
	return &Schedule{cron: s, text: fmt.Sprintf("cron %s (%s)", c.Cron, loc)}, nil
}

// String describes the schedule: "every 1h0m0s" or "cron 0 3 * * * (UTC)".
func (s *Schedule) String() string { return s.text }

// Next returns when a success is expected after one at t.
func (s *Schedule) Next(t time.Time) time.Time {
	if s.cron != nil {
		return s.cron.Next(t)
	}
	return t.Add(s.period)
}

// Due returns when a heartbeat with state st turns late: a grace after
// the success expected next (counted from its last success, or from when
// quench first saw it), or a grace after a run started, whichever comes
// first. The zero time while it is alerting: only a ping changes it then.
func Due(s *Schedule, grace time.Duration, st *quench.HeartbeatState) time.Time {
	if st.Alerting {
		return time.Time{}
	}
	base := st.CreatedAt
	if st.LastSuccessAt != nil {
		base = *st.LastSuccessAt
	}
	due := s.Next(base).Add(grace)
	if st.StartedAt != nil {
		if run := st.StartedAt.Add(grace); run.Before(due) {
			due = run
		}
	}
	return due
}
