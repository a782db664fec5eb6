package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	quenchhttp "github.com/quench-sh/quench/http"
)

func newSilenceCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "silence add|list|expire|held",
		Short: "Silence alerts: matching alerts are stored but open nothing and page no one",
		Long: `A silence holds back every alert whose labels match all its matchers, from
its start to its end: the alert is stored and listed (quench silence held),
opens no incident and pages no one. When the silence ends while the alert
still fires, its incident opens then. Matchers are Alertmanager's:
NAME=VALUE, NAME!=VALUE, NAME=~REGEX, NAME!~REGEX (anchored); besides an
alert's labels they see source, severity, check and runbook. Creating and
expiring need a responder's token and are audited.` + clientLong,
	}
	cmd.AddCommand(newSilenceAddCommand(), newSilenceListCommand(), newSilenceExpireCommand(), newSilenceHeldCommand())
	return cmd
}

func newSilenceAddCommand() *cobra.Command {
	var cf clientFlags
	var dur time.Duration
	var until, start, comment string
	cmd := &cobra.Command{
		Use:   "add MATCHER... (--for DURATION | --until TIME) -c COMMENT",
		Short: "Create a silence",
		Example: `  quench silence add alertname=PostgresDown instance=db:5432 --for 2h -c "failover test"
  quench silence add 'runbook=~"api-down|db-down"' --until 2026-12-01T06:00:00Z -c "datacenter move"`,
		Args: usageArgs(func(cmd *cobra.Command, args []string) error {
			switch {
			case len(args) == 0:
				return errors.New("give at least one matcher, e.g. alertname=PostgresDown")
			case (dur > 0) == (until != ""):
				return errors.New("give --for DURATION or --until TIME")
			case strings.TrimSpace(comment) == "":
				return errors.New(`say why with -c "…"`)
			}
			return nil
		}),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := cf.client()
			if err != nil {
				return err
			}
			req := quenchhttp.SilenceRequest{Matchers: args, Comment: comment}
			if start != "" {
				t, err := time.Parse(time.RFC3339, start)
				if err != nil {
					return fmt.Errorf("--start %q: want a time such as 2026-12-01T06:00:00Z", start)
				}
				req.StartsAt = &t
			}
			if until != "" {
				t, err := time.Parse(time.RFC3339, until)
				if err != nil {
					return fmt.Errorf("--until %q: want a time such as 2026-12-01T06:00:00Z", until)
				}
				req.EndsAt = &t
			} else {
				req.Duration = dur.String()
			}
			sl, err := c.CreateSilence(cmd.Context(), req)
			if err != nil {
				return clientError(err)
			}
			if cf.json {
				return writeJSON(cmd.OutOrStdout(), sl)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "silence %d %s until %s\n", sl.ID, sl.State, sl.EndsAt.Local().Format("2006-01-02 15:04 MST"))
			return nil
		},
	}
	cmd.Flags().DurationVar(&dur, "for", 0, "how long, from the start (e.g. 2h)")
	cmd.Flags().StringVar(&until, "until", "", "when it ends (RFC 3339)")
	cmd.Flags().StringVar(&start, "start", "", "when it starts (RFC 3339; default now)")
	cmd.Flags().StringVarP(&comment, "comment", "c", "", "why (required)")
	cf.register(cmd)
	return cmd
}

func newSilenceListCommand() *cobra.Command {
	var cf clientFlags
	var all bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List current silences (--all: expired ones too)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := cf.client()
			if err != nil {
				return err
			}
			sls, err := c.Silences(cmd.Context(), all)
			if err != nil {
				return clientError(err)
			}
			if cf.json {
				return writeJSON(cmd.OutOrStdout(), sls)
			}
			if len(sls) == 0 {
				fmt.Fprintln(cmd.ErrOrStderr(), "no silences")
				return nil
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "ID\tSTATE\tENDS\tHELD\tBY\tMATCHERS\tCOMMENT")
			now := time.Now()
			for _, sl := range sls {
				ms := make([]string, len(sl.Matchers))
				for i, m := range sl.Matchers {
					ms[i] = m.String()
				}
				fmt.Fprintf(w, "%d\t%s\t%s\t%d\t%s\t%s\t%s\n", sl.ID, sl.State, until(now, sl.EndsAt), sl.Suppressed,
					printable(sl.CreatedBy, 30), printable(strings.Join(ms, " "), 80), printable(sl.Comment, 60))
			}
			return w.Flush()
		},
	}
	cmd.Flags().BoolVar(&all, "all", false, "expired silences too")
	cf.register(cmd)
	return cmd
}

func newSilenceExpireCommand() *cobra.Command {
	var cf clientFlags
	cmd := &cobra.Command{
		Use:   "expire ID",
		Short: "End a silence now: alerts it held back that still fire open their incidents",
		Args:  usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil || id <= 0 {
				return fmt.Errorf("silence id %q is not a positive number", args[0])
			}
			c, err := cf.client()
			if err != nil {
				return err
			}
			sl, err := c.ExpireSilence(cmd.Context(), id)
			if err != nil {
				return clientError(err)
			}
			if cf.json {
				return writeJSON(cmd.OutOrStdout(), sl)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "silence %d expired\n", sl.ID)
			return nil
		},
	}
	cf.register(cmd)
	return cmd
}

func newSilenceHeldCommand() *cobra.Command {
	var cf clientFlags
	cmd := &cobra.Command{
		Use:   "held",
		Short: "List the alerts held back now (silence, maintenance window, or a symptom of an open incident)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := cf.client()
			if err != nil {
				return err
			}
			held, err := c.Suppressed(cmd.Context())
			if err != nil {
				return clientError(err)
			}
			if cf.json {
				return writeJSON(cmd.OutOrStdout(), held)
			}
			if len(held) == 0 {
				fmt.Fprintln(cmd.ErrOrStderr(), "no alerts held back")
				return nil
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "HELD BY\tCOUNT\tLAST\tDEDUP KEY\tSUMMARY")
			now := time.Now()
			for _, h := range held {
				by := h.Reason + " " + h.Ref
				if h.Reason == "inhibition" {
					by = "incident " + h.Ref
				}
				fmt.Fprintf(w, "%s\t%d\t%s\t%s\t%s\n", printable(by, 40), h.Count, age(now, h.LastAt), printable(h.DedupKey, 40), printable(h.Summary, 80))
			}
			return w.Flush()
		},
	}
	cf.register(cmd)
	return cmd
}
