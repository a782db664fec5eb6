package main

import (
	"fmt"
	"regexp"
	"sync"
	"text/tabwriter"
	"time"
	_ "time/tzdata" // heartbeat time zones work on hosts without a zoneinfo database

	"github.com/spf13/cobra"

	"github.com/quench-sh/quench"
	"github.com/quench-sh/quench/heartbeat"
)

// HeartbeatConfig is one entry of the config's heartbeats list: a job that
// pings quench when it runs (docs/signals.md).
type HeartbeatConfig struct {
	Name     string            `yaml:"name"`
	Period   time.Duration     `yaml:"period"`   // a success at least this often…
	Cron     string            `yaml:"cron"`     // …or after each tick of this schedule
	Timezone string            `yaml:"timezone"` // the cron schedule's zone (default UTC)
	Grace    time.Duration     `yaml:"grace"`    // how late a success may be; how long a run may take
	Severity string            `yaml:"severity"` // of its alert (default high)
	Runbook  string            `yaml:"runbook"`  // the runbook of its alert; "" routes by match
	Summary  string            `yaml:"summary"`  // the alert's one line; "" says which heartbeat and why
	Labels   map[string]string `yaml:"labels"`
}

// heartbeatName is what a heartbeat may be called: it is a label value,
// part of a dedup key and shown in URLs and tables.
var heartbeatName = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,62}$`) })

// Bounds of a heartbeat's timing: shorter periods are polling, not
// heartbeats; a minimum grace absorbs clock skew and slow starts.
const (
	minHeartbeatPeriod = time.Second
	minHeartbeatGrace  = time.Second
)

// validateHeartbeats checks the heartbeats' shape; runbooks are checked
// against the pack when the server opens.
func validateHeartbeats(hs []HeartbeatConfig) error {
	seen := map[string]bool{}
	for i, h := range hs {
		at := fmt.Sprintf("heartbeats[%d]", i)
		if !heartbeatName().MatchString(h.Name) {
			return fieldErrorf(at+".name", "%q: want lower-case letters, digits, '.', '_' or '-', at most 63", h.Name)
		}
		if seen[h.Name] {
			return fieldErrorf(at+".name", "%q is configured twice", h.Name)
		}
		seen[h.Name] = true
		if h.Period != 0 && h.Period < minHeartbeatPeriod {
			return fieldErrorf(at+".period", "%s: want at least %s", h.Period, minHeartbeatPeriod)
		}
		if h.Grace < minHeartbeatGrace {
			return fieldErrorf(at+".grace", "%s: want at least %s (how late a success may be)", h.Grace, minHeartbeatGrace)
		}
		if h.Timezone != "" && h.Cron == "" {
			return fieldErrorf(at+".timezone", "is for a cron schedule; this heartbeat has a period")
		}
		if h.Severity != "" && !quench.Severity(h.Severity).Valid() {
			return fieldErrorf(at+".severity", "%q: want critical, high, medium or low", h.Severity)
		}
		c, err := h.config()
		if err != nil {
			return fieldErrorf(at+".timezone", "%v", err)
		}
		if _, err := heartbeat.NewSchedule(c); err != nil {
			key := at + ".cron"
			if h.Cron == "" {
				key = at + ".period"
			}
			return fieldErrorf(key, "%s", quench.ErrorMessage(err))
		}
	}
	return nil
}

// config turns the entry into the monitor's form.
func (h HeartbeatConfig) config() (heartbeat.Config, error) {
	c := heartbeat.Config{Name: h.Name, Period: h.Period, Cron: h.Cron, Grace: h.Grace, Severity: quench.Severity(h.Severity),
		Runbook: h.Runbook, Summary: h.Summary, Labels: h.Labels}
	if c.Severity == "" {
		c.Severity = quench.SeverityHigh
	}
	if h.Timezone != "" {
		loc, err := time.LoadLocation(h.Timezone)
		if err != nil {
			return c, fmt.Errorf("%q is not a time zone (want an IANA name such as Europe/Madrid)", h.Timezone)
		}
		c.Location = loc
	}
	return c, nil
}

func newHeartbeatsCommand() *cobra.Command {
	var cf clientFlags
	cmd := &cobra.Command{
		Use:   "heartbeats",
		Short: "List heartbeats: their state, deadline and ping URLs",
		Long: `List the heartbeats the server watches (the config's heartbeats section):
each one's schedule, status (new, up, late or failed), whether a run is
going, its next deadline, its last ping and its ping URL.

A job pings the URL when it succeeds, URL/start when it begins, URL/fail or
URL/EXIT-STATUS when it ends; GET, HEAD and POST all work, and a POSTed body
(the first 10 KiB) goes on the incident's timeline. Ping URLs are shown only
to a responder's token or better: the URL is the credential.` + clientLong,
		Example: `  quench heartbeats
  quench heartbeats --url-of backup
  # in a crontab, with the URL quench heartbeats printed:
  0 3 * * * curl -fsS -m 10 https://quench.example.com/ping/SECRET/start; /opt/backup.sh > /tmp/backup.log 2>&1; curl -fsS -m 10 --retry 5 --data-binary @/tmp/backup.log https://quench.example.com/ping/SECRET/$?
  quench heartbeats --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := cf.client()
			if err != nil {
				return err
			}
			hbs, err := c.Heartbeats(cmd.Context())
			if err != nil {
				return clientError(err)
			}
			if urlOf, _ := cmd.Flags().GetString("url-of"); urlOf != "" {
				for _, h := range hbs {
					if h.Name == urlOf {
						if h.PingURL == "" {
							return fmt.Errorf("heartbeat %s: the server shows ping URLs only to a responder's token or better", urlOf)
						}
						fmt.Fprintln(cmd.OutOrStdout(), h.PingURL)
						return nil
					}
				}
				return fmt.Errorf("no heartbeat %q is configured", urlOf)
			}
			if cf.json {
				return writeJSON(cmd.OutOrStdout(), hbs)
			}
			if len(hbs) == 0 {
				fmt.Fprintln(cmd.ErrOrStderr(), "no heartbeats configured (the config's heartbeats section)")
				return nil
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "NAME\tSTATUS\tSCHEDULE\tGRACE\tDUE\tLAST PING\tPING URL")
			now := time.Now()
			for _, h := range hbs {
				status := h.Status
				if h.Running {
					status += " (running)"
				}
				due, last := "-", "never"
				if h.DueAt != nil {
					due = until(now, *h.DueAt)
				}
				if h.LastPingAt != nil {
					last = string(h.LastPing) + " " + age(now, *h.LastPingAt)
				}
				url := h.PingURL
				if url == "" {
					url = "(responder only)"
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", h.Name, status, h.Schedule, time.Duration(h.Grace), due, last, url)
			}
			return w.Flush()
		},
	}
	cmd.Flags().String("url-of", "", "print only this heartbeat's ping URL (for scripts)")
	cf.register(cmd)
	return cmd
}

// until says how far ahead t is ("in 3h"), or how long ago it passed.
func until(now, t time.Time) string {
	if t.Before(now) {
		return age(now, t)
	}
	return "in " + t.Sub(now).Round(time.Second).String()
}
