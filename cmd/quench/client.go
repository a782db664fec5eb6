package main

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"
	"unicode"

	"github.com/spf13/cobra"

	"github.com/quench-sh/quench"
	quenchhttp "github.com/quench-sh/quench/http"
)

// clientFlags locate the server a client command talks to.
type clientFlags struct {
	url, token string
	json       bool
}

func (f *clientFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.url, "url", "", "server URL (default $QUENCH_URL, else http://127.0.0.1:8080)")
	cmd.Flags().StringVar(&f.token, "token", "", "API token (default $QUENCH_TOKEN)")
	cmd.Flags().BoolVar(&f.json, "json", false, "print JSON for scripts")
}

func (f *clientFlags) client() (*quenchhttp.Client, error) {
	u := cmp.Or(f.url, os.Getenv("QUENCH_URL"), "http://127.0.0.1:8080")
	tok := cmp.Or(f.token, os.Getenv("QUENCH_TOKEN"))
	if tok == "" {
		return nil, fmt.Errorf("no token: set QUENCH_TOKEN (create one with: quench token create --role responder --name $USER)")
	}
	return &quenchhttp.Client{URL: strings.TrimRight(u, "/"), Token: tok}, nil
}

const clientLong = `
The server is $QUENCH_URL (default http://127.0.0.1:8080) and the token
$QUENCH_TOKEN; --url and --token override them.`

func newIncidentsCommand() *cobra.Command {
	var cf clientFlags
	var status, severity, runbook string
	var limit int
	var before int64
	cmd := &cobra.Command{
		Use:   "incidents",
		Short: "List incidents, newest first",
		Long:  "List incidents, newest first, optionally filtered." + clientLong,
		Example: `  quench incidents
  quench incidents --status triggered --severity critical
  quench incidents --runbook db-down --json
  quench incidents --before 120 --limit 200`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := cf.client()
			if err != nil {
				return err
			}
			f := quench.IncidentFilter{Status: quench.Status(status), Severity: quench.Severity(severity), RunbookID: runbook, Limit: limit, BeforeID: before}
			list, err := c.FindIncidents(cmd.Context(), f)
			if err != nil {
				return clientError(err)
			}
			if cf.json {
				return writeJSON(cmd.OutOrStdout(), list)
			}
			if len(list.Incidents) == 0 {
				fmt.Fprintln(cmd.ErrOrStderr(), "no incidents")
				return nil
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "ID\tSTATUS\tSEVERITY\tRUNBOOK\tALERTS\tOPENED\tSUMMARY")
			now := time.Now()
			for _, inc := range list.Incidents {
				fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%d\t%s\t%s%s\n", inc.ID, inc.Status, inc.Severity, runbookName(inc.Runbook),
					inc.AlertCount, age(now, inc.OpenedAt), drillMark(inc), printable(inc.Summary, 80))
			}
			if err := w.Flush(); err != nil {
				return err
			}
			if list.Next != 0 {
				fmt.Fprintf(cmd.ErrOrStderr(), "more incidents are older than these: quench incidents --before %d\n", list.Next)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&status, "status", "", "triggered, acknowledged or resolved")
	cmd.Flags().StringVar(&severity, "severity", "", "critical, high, medium or low")
	cmd.Flags().StringVar(&runbook, "runbook", "", "runbook id")
	cmd.Flags().IntVar(&limit, "limit", 50, fmt.Sprintf("at most this many (up to %d, the server's page size)", quenchhttp.MaxPageSize))
	cmd.Flags().Int64Var(&before, "before", 0, "only incidents with a lower id: the next page")
	cf.register(cmd)
	return cmd
}

func newIncidentCommand() *cobra.Command {
	var cf clientFlags
	var fullOutput bool
	cmd := &cobra.Command{
		Use:     "incident ID",
		Short:   "Show one incident with its timeline",
		Long:    "Show one incident: its state, labels and every event of its timeline." + clientLong,
		Example: "  quench incident 42\n  quench incident 42 --json | jq .timeline",
		Args:    cobra.ExactArgs(1),
		RunE: cf.incidentRunE(func(cmd *cobra.Command, c *quenchhttp.Client, id int64) error {
			inc, err := c.FindIncident(cmd.Context(), id)
			if err != nil {
				return clientError(err)
			}
			if cf.json {
				return writeJSON(cmd.OutOrStdout(), inc)
			}
			printIncident(cmd.OutOrStdout(), inc, fullOutput)
			return nil
		}),
	}
	cmd.Flags().BoolVar(&fullOutput, "output", false, "print steps' whole output, not only its last lines")
	cf.register(cmd)
	return cmd
}

// outputLines is how many trailing lines of a step's output `quench
// incident` prints unless --output asks for all of it.
const outputLines = 12

func printIncident(out io.Writer, inc *quenchhttp.IncidentView, fullOutput bool) {
	fmt.Fprintf(out, "%sIncident #%d  %s  %s\n", drillMark(inc), inc.ID, strings.ToUpper(string(inc.Status)), inc.Severity)
	fmt.Fprintf(out, "Summary:  %s\n", printable(inc.Summary, 0))
	fmt.Fprintf(out, "Runbook:  %s\n", runbookName(inc.Runbook))
	fmt.Fprintf(out, "Source:   %s (%s), dedup key %s, %d alert(s)\n", inc.Source, inc.Integration, printable(inc.DedupKey, 0), inc.AlertCount)
	fmt.Fprintf(out, "Opened:   %s\n", inc.OpenedAt.Local().Format(time.DateTime))
	if inc.AcknowledgedAt != nil {
		fmt.Fprintf(out, "Acked:    %s by %s\n", inc.AcknowledgedAt.Local().Format(time.DateTime), inc.AcknowledgedBy)
	}
	if inc.ResolvedAt != nil {
		fmt.Fprintf(out, "Resolved: %s by %s\n", inc.ResolvedAt.Local().Format(time.DateTime), inc.ResolvedBy)
	}
	if len(inc.Labels) > 0 {
		fmt.Fprintln(out, "Labels:")
		for _, k := range slices.Sorted(maps.Keys(inc.Labels)) {
			fmt.Fprintf(out, "  %s=%s\n", printable(k, 0), printable(inc.Labels[k], 200))
		}
	}
	if len(inc.Deploys) > 0 {
		fmt.Fprintln(out, "Deploys in the hour before it opened:")
		for _, d := range inc.Deploys {
			fmt.Fprintf(out, "  %s  %s %s by %s\n", d.DeployedAt.Local().Format(time.DateTime), printable(d.Service, 40), printable(d.SHA, 40), printable(d.Actor, 30))
		}
	}
	if inc.LastGood.Known {
		if d := inc.LastGood.Deploy; d != nil {
			fmt.Fprintf(out, "Last good: %s %s (%s); steps get it as $QUENCH_LAST_GOOD_SHA\n", printable(d.Service, 40), printable(d.SHA, 40), d.DeployedAt.Local().Format(time.DateTime))
		} else {
			fmt.Fprintln(out, "Last good: no deploy recorded before that hour (quench deploy record)")
		}
	}
	fmt.Fprintln(out, "Timeline:")
	for _, ev := range inc.Timeline {
		fmt.Fprintf(out, "  %s  %-14s %-14s %s\n", ev.At.Local().Format(time.TimeOnly), ev.Kind, printable(ev.Actor, 30), printable(ev.Text, 0))
		if ev.Kind == quench.EventStepFinished {
			printStepOutput(out, ev.Data, fullOutput)
		}
	}
}

// printStepOutput prints the tail of a finished step's output under its
// timeline line, escaped so output cannot drive the terminal.
func printStepOutput(out io.Writer, data json.RawMessage, full bool) {
	var d struct {
		Output string `json:"output"`
	}
	if json.Unmarshal(data, &d) != nil || d.Output == "" {
		return
	}
	lines := strings.Split(strings.TrimRight(d.Output, "\n"), "\n")
	if !full && len(lines) > outputLines {
		fmt.Fprintf(out, "      … %d earlier lines (--output shows all)\n", len(lines)-outputLines)
		lines = lines[len(lines)-outputLines:]
	}
	for _, l := range lines {
		fmt.Fprintf(out, "      | %s\n", printable(l, 0))
	}
}

// newTransitionCommand builds ack and resolve, which differ only in the call.
func newTransitionCommand(use, short string, call func(c *quenchhttp.Client, cmd *cobra.Command, id int64) (*quenchhttp.IncidentView, error)) *cobra.Command {
	var cf clientFlags
	cmd := &cobra.Command{
		Use:   use + " ID",
		Short: short,
		Long:  short + "." + clientLong,
		Args:  cobra.ExactArgs(1),
		RunE: cf.incidentRunE(func(cmd *cobra.Command, c *quenchhttp.Client, id int64) error {
			inc, err := call(c, cmd, id)
			if err != nil {
				return clientError(err)
			}
			if cf.json {
				return writeJSON(cmd.OutOrStdout(), inc)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "incident #%d is %s\n", inc.ID, inc.Status)
			return nil
		}),
	}
	cf.register(cmd)
	return cmd
}

func newAckCommand() *cobra.Command {
	return newTransitionCommand("ack", "Acknowledge an incident: you are on it, paging stops",
		func(c *quenchhttp.Client, cmd *cobra.Command, id int64) (*quenchhttp.IncidentView, error) {
			return c.Acknowledge(cmd.Context(), id)
		})
}

func newResolveCommand() *cobra.Command {
	return newTransitionCommand("resolve", "Resolve an incident",
		func(c *quenchhttp.Client, cmd *cobra.Command, id int64) (*quenchhttp.IncidentView, error) {
			return c.Resolve(cmd.Context(), id)
		})
}

func newNoteCommand() *cobra.Command {
	var cf clientFlags
	cmd := &cobra.Command{
		Use:     "note ID TEXT...",
		Short:   "Add a note to an incident's timeline",
		Long:    "Add a note to an incident's timeline; the words after ID are joined with spaces." + clientLong,
		Example: `  quench note 42 "restarted db, watching replication lag"`,
		Args:    cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return cf.incidentRunE(func(cmd *cobra.Command, c *quenchhttp.Client, id int64) error {
				return addNote(cmd, c, &cf, id, strings.Join(args[1:], " "))
			})(cmd, args)
		},
	}
	cf.register(cmd)
	return cmd
}

func addNote(cmd *cobra.Command, c *quenchhttp.Client, cf *clientFlags, id int64, text string) error {
	ev, err := c.AddNote(cmd.Context(), id, text)
	if err != nil {
		return clientError(err)
	}
	if cf.json {
		return writeJSON(cmd.OutOrStdout(), ev)
	}
	fmt.Fprintf(cmd.OutOrStdout(), "note added to incident #%d\n", id)
	return nil
}

// incidentRunE is the RunE of a command whose first argument is an
// incident id: it parses the id and connects before calling fn.
func (f *clientFlags) incidentRunE(fn func(cmd *cobra.Command, c *quenchhttp.Client, id int64) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		id, err := parseID(args[0])
		if err != nil {
			return err
		}
		c, err := f.client()
		if err != nil {
			return err
		}
		return fn(cmd, c, id)
	}
}

func parseID(s string) (int64, error) {
	id, err := strconv.ParseInt(strings.TrimPrefix(s, "#"), 10, 64)
	if err != nil || id <= 0 {
		return 0, fmt.Errorf("incident id %q: want a positive number (see: quench incidents)", s)
	}
	return id, nil
}

// neededRole finds the role in the server's "needs an admin token or
// better" answer.
var neededRole = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`needs an? (\w+) token or better`) })

// clientError turns a server error into one line saying what to do.
func clientError(err error) error {
	switch quench.ErrorCode(err) {
	case quench.EUNAUTHORIZED:
		return fmt.Errorf("%s: check QUENCH_TOKEN", quench.ErrorMessage(err))
	case quench.EFORBIDDEN:
		msg := quench.ErrorMessage(err)
		if role := neededRole().FindStringSubmatch(msg); role != nil {
			// The role is too low: say how to get one that is not.
			return fmt.Errorf("%s; on the server's machine create one with `quench token create --role %s --name NAME --config …` and export it as QUENCH_TOKEN", msg, role[1])
		}
		return errors.New(msg)
	case quench.EINTERNAL:
		return err
	}
	return fmt.Errorf("%s", quench.ErrorMessage(err))
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func runbookName(id *string) string {
	if id == nil {
		return "(none)"
	}
	return *id
}

func age(now, t time.Time) string {
	d := now.Sub(t).Round(time.Second)
	switch {
	case d < time.Minute:
		return d.String() + " ago"
	case d < time.Hour:
		return fmt.Sprintf("%dm ago", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh%02dm ago", int(d.Hours()), int(d.Minutes())%60)
	}
	return t.Local().Format(time.DateOnly)
}

// printable makes text from an alert safe for a terminal: control
// characters (escape sequences could rewrite the screen) become visible
// escapes, and long text is cut at max runes when max > 0.
func printable(s string, max int) string {
	var b strings.Builder
	n := 0
	for _, r := range s {
		if max > 0 && n >= max {
			b.WriteString("…")
			break
		}
		if unicode.IsControl(r) {
			q := strconv.QuoteRune(r) // '\x1b' → \x1b
			b.WriteString(q[1 : len(q)-1])
		} else {
			b.WriteRune(r)
		}
		n++
	}
	return b.String()
}
