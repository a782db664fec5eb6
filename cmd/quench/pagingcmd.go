package main

import (
	"cmp"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/quench-sh/quench"
	quenchhttp "github.com/quench-sh/quench/http"
)

// parseWhen reads a time for the paging commands: RFC 3339
// (2026-03-29T09:00:00+02:00), a local "2026-03-29 09:00", "now", or an
// offset from now ("+2h", "-30m").
func parseWhen(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "" || s == "now":
		return now, nil
	case strings.HasPrefix(s, "+") || strings.HasPrefix(s, "-"):
		d, err := time.ParseDuration(s)
		if err != nil {
			return time.Time{}, fmt.Errorf("time %q: want an offset like +2h or -30m", s)
		}
		return now.Add(d), nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation("2006-01-02 15:04", s, time.Local); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("time %q: want RFC 3339 (2026-03-29T09:00:00+02:00), \"2026-03-29 09:00\" (local), now, or +2h", s)
}

func newOnCallCommand() *cobra.Command {
	var cf clientFlags
	var at string
	cmd := &cobra.Command{
		Use:   "oncall [ROLE]",
		Short: "Show who is on call for each role, now or at a time",
		Long: `Show who is on call for every role of the escalation matrix (or one role),
now or at --at, with overrides applied: the person, until when, and whether
the role is only informed (notify-only).` + clientLong + `

Subcommand lint checks an on-call file without a server.`,
		Example: `  quench oncall
  quench oncall oncall-ops --at "2026-03-29 03:00"
  quench oncall --at +12h --json
  quench oncall lint oncall.yaml`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			when, err := parseWhen(at, time.Now())
			if err != nil {
				return err
			}
			c, err := cf.client()
			if err != nil {
				return err
			}
			role := ""
			if len(args) == 1 {
				role = args[0]
			}
			view, err := c.OnCall(cmd.Context(), role, when)
			if err != nil {
				return clientError(err)
			}
			if cf.json {
				return writeJSON(cmd.OutOrStdout(), view)
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "ROLE\tON CALL\tUNTIL\tNOTE")
			for _, e := range view.OnCall {
				who := strings.Join(e.People, ", ")
				if who == "" {
					who = "(nobody)"
				}
				until := "-"
				if !e.Until.IsZero() {
					until = e.Until.Local().Format("Mon 2006-01-02 15:04 MST")
				}
				var notes []string
				if e.NotifyOnly {
					notes = append(notes, "notify-only")
				}
				if e.Schedule != "" {
					notes = append(notes, "schedule "+e.Schedule)
				}
				for _, id := range e.Overrides {
					notes = append(notes, fmt.Sprintf("override #%d", id))
				}
				name := e.Role
				if e.RoleName != "" {
					name += " (" + e.RoleName + ")"
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", name, who, until, strings.Join(notes, ", "))
			}
			return w.Flush()
		},
	}
	cmd.Flags().StringVar(&at, "at", "", "a time: RFC 3339, \"2026-03-29 09:00\" (local), or +2h (default now)")
	cf.register(cmd)
	cmd.AddCommand(newOnCallLintCommand())
	return cmd
}

func newOverrideCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "override",
		Short: "Take a shift, swap, or cover a range of an on-call schedule",
		Long: `Overrides put a person on call for a schedule over a range of time. They are
stored in the database, audited, shown by quench oncall and in the calendar
feeds, and win over the schedule's layers. With --replaces, the override
applies only while that person would be on call (a swap).` + clientLong,
		Example: `  quench override add --schedule ops-primary --person bob --start "2026-03-29 09:00" --for 12h --reason "alice at the dentist"
  quench override add --schedule ops-primary --person bob --replaces alice --start now --end +48h
  quench override list
  quench override remove 7`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(newOverrideAddCommand(), newOverrideListCommand(), newOverrideRemoveCommand())
	return cmd
}

func newOverrideAddCommand() *cobra.Command {
	var cf clientFlags
	var req quenchhttp.OverrideRequest
	var start, end string
	var span time.Duration
	cmd := &cobra.Command{
		Use:   "add",
		Short: "Add an override (needs a responder token)",
		Long:  "Add an override: --person is on call for --schedule from --start to --end (or for --for)." + clientLong,
		Example: `  quench override add --schedule ops-primary --person bob --start "2026-03-29 09:00" --for 12h
  quench override add --schedule ops-primary --person carol --replaces alice --start now --end +3d`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			now := time.Now()
			var err error
			if req.Start, err = parseWhen(start, now); err != nil {
				return err
			}
			switch {
			case end != "" && span != 0:
				return fmt.Errorf("give --end or --for, not both")
			case span != 0:
				req.End = req.Start.Add(span)
			case end != "":
				if req.End, err = parseWhen(end, now); err != nil {
					return err
				}
			default:
				return fmt.Errorf("--end or --for is required")
			}
			c, err := cf.client()
			if err != nil {
				return err
			}
			o, err := c.CreateOverride(cmd.Context(), req)
			if err != nil {
				return clientError(err)
			}
			if cf.json {
				return writeJSON(cmd.OutOrStdout(), o)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "override #%d: %s is on call for %s from %s to %s\n", o.ID, o.Person, o.Schedule,
				o.Start.Local().Format("Mon 2006-01-02 15:04 MST"), o.End.Local().Format("Mon 2006-01-02 15:04 MST"))
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&req.Schedule, "schedule", "", "schedule id (required)")
	f.StringVar(&req.Person, "person", "", "who is on call instead (required)")
	f.StringVar(&req.Replaces, "replaces", "", "only while this person would be on call (a swap)")
	f.StringVar(&start, "start", "now", "start: RFC 3339, \"2026-03-29 09:00\" (local), now, or +2h")
	f.StringVar(&end, "end", "", "end, in the same forms")
	f.DurationVar(&span, "for", 0, "length instead of --end, e.g. 12h")
	f.StringVar(&req.Reason, "reason", "", "why, for the audit trail")
	_ = cmd.MarkFlagRequired("schedule")
	_ = cmd.MarkFlagRequired("person")
	cf.register(cmd)
	return cmd
}

func newOverrideListCommand() *cobra.Command {
	var cf clientFlags
	var schedule, from, to string
	cmd := &cobra.Command{
		Use:     "list",
		Short:   "List overrides in force or to come",
		Long:    "List overrides overlapping --from (default now) to --to (default 30 days on)." + clientLong,
		Example: "  quench override list\n  quench override list --schedule ops-primary --to +90d",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			now := time.Now()
			f, err := parseWhen(from, now)
			if err != nil {
				return err
			}
			t := f.Add(30 * 24 * time.Hour)
			if to != "" {
				if t, err = parseWhen(to, now); err != nil {
					return err
				}
			}
			c, err := cf.client()
			if err != nil {
				return err
			}
			list, err := c.Overrides(cmd.Context(), schedule, f, t)
			if err != nil {
				return clientError(err)
			}
			if cf.json {
				return writeJSON(cmd.OutOrStdout(), list)
			}
			if len(list) == 0 {
				fmt.Fprintln(cmd.ErrOrStderr(), "no overrides")
				return nil
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "ID\tSCHEDULE\tPERSON\tREPLACES\tSTART\tEND\tBY\tREASON")
			for _, o := range list {
				fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", o.ID, o.Schedule, o.Person, cmp.Or(o.Replaces, "-"),
					o.Start.Local().Format("2006-01-02 15:04"), o.End.Local().Format("2006-01-02 15:04"), o.Actor, printable(o.Reason, 60))
			}
			return w.Flush()
		},
	}
	cmd.Flags().StringVar(&schedule, "schedule", "", "only this schedule")
	cmd.Flags().StringVar(&from, "from", "now", "from this time")
	cmd.Flags().StringVar(&to, "to", "", "to this time (default 30 days after --from)")
	cf.register(cmd)
	return cmd
}

func newOverrideRemoveCommand() *cobra.Command {
	var cf clientFlags
	cmd := &cobra.Command{
		Use:     "remove ID",
		Short:   "Remove an override (needs a responder token)",
		Long:    "Remove an override; the schedule's layers apply again. The removal is audited." + clientLong,
		Example: "  quench override remove 7",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil || id <= 0 {
				return fmt.Errorf("override id %q is not a positive number (see quench override list)", args[0])
			}
			c, err := cf.client()
			if err != nil {
				return err
			}
			if err := c.DeleteOverride(cmd.Context(), id); err != nil {
				return clientError(err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "override #%d removed\n", id)
			return nil
		},
	}
	cf.register(cmd)
	return cmd
}

func newPageCommand() *cobra.Command {
	var cf clientFlags
	var incident int64
	cmd := &cobra.Command{
		Use:   "page ROLE|PERSON TEXT",
		Short: "Page a role (whoever is on call for it) or a person with a message",
		Long: `Page a role of the escalation matrix (whoever is on call for it now) or one
person, at high urgency, on every contact method of their high-urgency
rules at once. --incident ties the page to an incident: it goes on the
incident's timeline and carries its ack/resolve links.` + clientLong,
		Example: `  quench page backend-lead "please join the incident bridge"
  quench page alice "call me" --incident 42`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := cf.client()
			if err != nil {
				return err
			}
			res, err := c.Page(cmd.Context(), quenchhttp.PageRequest{Target: args[0], Text: args[1], Incident: incident})
			if err != nil {
				return clientError(err)
			}
			if cf.json {
				return writeJSON(cmd.OutOrStdout(), res)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "paged %s: %d notification(s) queued\n", strings.Join(res.People, ", "), len(res.Notifications))
			return nil
		},
	}
	cmd.Flags().Int64Var(&incident, "incident", 0, "the incident the page is about")
	cf.register(cmd)
	return cmd
}

func newEscalateCommand() *cobra.Command {
	var cf clientFlags
	var step int
	cmd := &cobra.Command{
		Use:   "escalate INCIDENT",
		Short: "Escalate an incident by hand to the next step, or to --step N",
		Long: `Page the next step of an incident's escalation order now, or step N
(1-based) with --step. A triggered incident goes on escalating from there;
an acknowledged one is paged once.` + clientLong,
		Example: "  quench escalate 42\n  quench escalate 42 --step 3",
		Args:    cobra.ExactArgs(1),
		RunE: cf.incidentRunE(func(cmd *cobra.Command, c *quenchhttp.Client, id int64) error {
			st, err := c.Escalate(cmd.Context(), id, step)
			if err != nil {
				return clientError(err)
			}
			if cf.json {
				return writeJSON(cmd.OutOrStdout(), st)
			}
			role := ""
			if st.Step >= 1 && st.Step <= len(st.Steps) {
				role = st.Steps[st.Step-1]
			}
			fmt.Fprintf(cmd.OutOrStdout(), "incident %d: step %d (%s) paged %s\n", id, st.Step, role, strings.Join(st.Paged, ", "))
			if !st.NextAt.IsZero() {
				fmt.Fprintf(cmd.OutOrStdout(), "next step at %s unless acknowledged\n", st.NextAt.Local().Format("15:04:05 MST"))
			}
			return nil
		}),
	}
	cmd.Flags().IntVar(&step, "step", 0, "the step to page (1-based); default the next")
	cf.register(cmd)
	return cmd
}

func newNotifyCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "notify",
		Short:   "Test notifications",
		Long:    "Notification commands.",
		Example: "  quench notify test alice",
		Args:    cobra.NoArgs,
	}
	var cf clientFlags
	test := &cobra.Command{
		Use:   "test PERSON",
		Short: "Send a test message on every contact method of a person",
		Long: `Send a test message on every contact method of a person and report each
result, so a broken address is found before 3 a.m. Exit status 1 when any
method failed.` + clientLong,
		Example: "  quench notify test alice",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := cf.client()
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "sending a test to every contact method of %s…\n", args[0])
			list, err := c.NotifyTest(cmd.Context(), args[0])
			if err != nil {
				return clientError(err)
			}
			if cf.json {
				return writeJSON(cmd.OutOrStdout(), list)
			}
			failed := 0
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "CONTACT\tCHANNEL\tRESULT")
			for _, n := range list {
				result := "ok"
				if n.Status != quench.NotificationSent {
					failed++
					result = "FAILED: " + n.Error
				}
				fmt.Fprintf(w, "%s\t%s\t%s\n", n.Contact, n.Channel, result)
			}
			if err := w.Flush(); err != nil {
				return err
			}
			if failed > 0 {
				return exitError{1}
			}
			return nil
		},
	}
	cf.register(test)
	cmd.AddCommand(test)
	return cmd
}
