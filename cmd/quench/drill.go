package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/quench-sh/quench"
	"github.com/quench-sh/quench/drill"
	quenchhttp "github.com/quench-sh/quench/http"
	"github.com/quench-sh/quench/sqldb"
)

// DrillsConfig is the config's drills section: drills run on a schedule.
type DrillsConfig struct {
	Schedule []DrillScheduleConfig `yaml:"schedule"`
}

// DrillScheduleConfig drills a runbook (or every runbook, "*") every
// Every, counted from its latest drill.
type DrillScheduleConfig struct {
	Runbook string        `yaml:"runbook"`
	Every   time.Duration `yaml:"every"`
}

// minDrillEvery keeps a schedule from drilling a runbook all the time: a
// drill runs its whole diagnosis on the production hosts.
const minDrillEvery = time.Hour

// validate checks the schedule's shape; the runbooks are checked against
// the pack when the server opens.
func (c DrillsConfig) validate() error {
	for i, s := range c.Schedule {
		switch {
		case strings.TrimSpace(s.Runbook) == "":
			return fmt.Errorf("config: drills.schedule[%d]: runbook is required (a runbook id, or \"*\" for every runbook)", i)
		case s.Every < minDrillEvery:
			return fmt.Errorf("config: drills.schedule[%d] (%s): every %s: want at least %s", i, s.Runbook, s.Every, minDrillEvery)
		}
	}
	return nil
}

// openDrills starts the drill service over the server's pipeline:
// drills submit through its AlertService and watch its runner's
// diagnosis.
func (s *ServeCommand) openDrills(ctx context.Context, srv *quenchhttp.Server) (*drill.Service, error) {
	cfg := s.Config
	var schedule []drill.Schedule
	for _, sc := range cfg.Drills.Schedule {
		if sc.Runbook != drill.AllRunbooks {
			if _, err := s.Pack.Runbook(sc.Runbook); err != nil {
				return nil, fmt.Errorf("config: drills.schedule: %w", err)
			}
		}
		schedule = append(schedule, drill.Schedule{Runbook: sc.Runbook, Every: sc.Every})
	}
	if len(schedule) > 0 && !cfg.AutoDiagnosis() {
		return nil, errors.New("config: drills.schedule needs diagnosis.auto: a drill tests the automatic diagnosis")
	}
	svc := &drill.Service{
		Store:         sqldb.NewDrillService(s.DB),
		Alerts:        srv.Alerts,
		Events:        s.Events,
		Incidents:     srv.Incidents,
		Steps:         s.Runner,
		Runbooks:      srv.Runbooks,
		FirstSteps:    s.Pack.FirstSteps,
		AutoDiagnosis: cfg.AutoDiagnosis(),
		StepTimeout:   cfg.Diagnosis.Timeout,
		Schedule:      schedule,
		Leader:        s.DB.TryLeader,
		Logger:        s.Log,
		Now:           s.Now,
	}
	if err := svc.Open(ctx); err != nil {
		return nil, err
	}
	return svc, nil
}

// drillMark marks a drill's incident in the CLI's lists and views.
func drillMark(inc *quenchhttp.IncidentView) string {
	if inc.Drill {
		return "[DRILL] "
	}
	return ""
}

// drillPoll is how often `quench drill` asks how its drills are doing.
const drillPoll = time.Second

func newDrillCommand() *cobra.Command {
	var cf clientFlags
	var all, noWait bool
	cmd := &cobra.Command{
		Use:   "drill RUNBOOK... | --all",
		Short: "Test runbooks where quench runs: a drill alert through the whole pipeline",
		Long: `drill proves that runbooks still work here. For each runbook, the server
submits a synthetic alert marked as a drill; it goes through the whole
pipeline: routing, an incident (marked as a drill, paged to no one, left out
of the statistics), and the automatic diagnosis. The drill waits for the
diagnosis and reports, per step (the first steps and the runbook's Quick
diagnosis): its exit status, duration and output size, and whether it
failed, timed out, printed nothing or was refused; the time from the alert
to the end of the diagnosis; and the verdict: the runbook works here, or
which steps drifted. The drill's incident is resolved when it ends; its
steps' output stays on it (quench incident ID).

Drills run one at a time on the server, and run only read-only diagnosis
steps, as every incident does. This command waits for them and prints each
report as it is done; Ctrl-C stops waiting, not the drills (quench drills
lists them). Drills can also run on a schedule (the config's drills
section).

Exit status: 0 when every runbook works here, 1 when one drifted or a drill
could not run, 2 on a usage error.` + clientLong,
		Example: `  quench drill db-down
  quench drill --all
  quench drill --all --json > drills.json
  quench drill redis-down --no-wait`,
		Args: usageArgs(func(cmd *cobra.Command, args []string) error {
			if all == (len(args) > 0) {
				return errors.New("name the runbooks to drill, or --all")
			}
			return nil
		}),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := cf.client()
			if err != nil {
				return err
			}
			ds, err := c.StartDrills(cmd.Context(), args, all)
			if err != nil {
				return clientError(err)
			}
			if noWait {
				if cf.json {
					return writeJSON(cmd.OutOrStdout(), map[string]any{"drills": ds})
				}
				for _, d := range ds {
					fmt.Fprintf(cmd.OutOrStdout(), "drill #%d of %s queued: quench drills %d\n", d.ID, d.RunbookID, d.ID)
				}
				return nil
			}
			done, err := waitDrills(cmd.Context(), c, ds, cmd.ErrOrStderr(), func(d *quench.Drill) {
				if !cf.json {
					printDrill(cmd.OutOrStdout(), d)
				}
			})
			if err != nil {
				if cmd.Context().Err() != nil {
					return fmt.Errorf("stopped waiting; the drills go on on the server: quench drills")
				}
				return clientError(err)
			}
			if cf.json {
				if err := writeJSON(cmd.OutOrStdout(), map[string]any{"drills": done}); err != nil {
					return err
				}
			}
			for _, d := range done {
				if d.Status != quench.DrillDone || d.Verdict != quench.VerdictWorks {
					return exitError{1}
				}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&all, "all", false, "drill every runbook of the server's pack")
	cmd.Flags().BoolVar(&noWait, "no-wait", false, "queue the drills and return")
	cf.register(cmd)
	cmd.SetFlagErrorFunc(usageError)
	return cmd
}

// waitDrills polls the drills until each is done or failed, calling
// finished for each as it ends, in the order they finish, and telling
// progress on progress.
func waitDrills(ctx context.Context, c *quenchhttp.Client, ds []*quench.Drill, progress io.Writer, finished func(*quench.Drill)) ([]*quench.Drill, error) {
	pending := map[int64]string{}
	for _, d := range ds {
		pending[d.ID] = ""
	}
	out := make([]*quench.Drill, 0, len(ds))
	tick := time.NewTicker(drillPoll)
	defer tick.Stop()
	for len(pending) > 0 {
		for _, d := range ds {
			was, ok := pending[d.ID]
			if !ok {
				continue
			}
			now, err := c.FindDrill(ctx, d.ID)
			if err != nil {
				return out, err
			}
			switch now.Status {
			case quench.DrillDone, quench.DrillError:
				delete(pending, d.ID)
				out = append(out, now)
				finished(now)
			default:
				if now.Status != was {
					fmt.Fprintf(progress, "drill #%d of %s: %s\n", now.ID, now.RunbookID, now.Status)
					pending[d.ID] = now.Status
				}
			}
		}
		if len(pending) == 0 {
			break
		}
		select {
		case <-ctx.Done():
			return out, ctx.Err()
		case <-tick.C:
		}
	}
	return out, nil
}

// printDrill prints a drill's report: the verdict first, then each step.
func printDrill(w io.Writer, d *quench.Drill) {
	inc := ""
	if d.IncidentID != 0 {
		inc = fmt.Sprintf(" (incident #%d)", d.IncidentID)
	}
	switch {
	case d.Status == quench.DrillError:
		fmt.Fprintf(w, "Drill #%d of %s%s: COULD NOT RUN: %s\n", d.ID, d.RunbookID, inc, d.Error)
		return
	case d.Status != quench.DrillDone:
		fmt.Fprintf(w, "Drill #%d of %s%s: %s\n", d.ID, d.RunbookID, inc, d.Status)
		return
	case d.Verdict == quench.VerdictWorks:
		fmt.Fprintf(w, "Drill #%d of %s%s: WORKS here: all %d diagnosis steps ran, succeeded and printed something; diagnosis complete %s after the alert\n",
			d.ID, d.RunbookID, inc, len(d.Steps), d.AlertToDiagnosis.Round(100*time.Millisecond))
	default:
		var names []string
		for _, s := range d.Drifted() {
			names = append(names, s.Name+" ("+s.Outcome+")")
		}
		fmt.Fprintf(w, "Drill #%d of %s%s: DRIFTED: %d of %d diagnosis steps: %s; diagnosis complete %s after the alert\n",
			d.ID, d.RunbookID, inc, d.FailedSteps, len(d.Steps), strings.Join(names, ", "), d.AlertToDiagnosis.Round(100*time.Millisecond))
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  STEP\tSECTION\tOUTCOME\tEXIT\tTIME\tOUTPUT\tWHY")
	for _, s := range d.Steps {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%d\t%s\t%s\t%s\n", s.Name, s.Section, s.Outcome, s.ExitCode,
			s.Duration.Round(10*time.Millisecond), byteSize(s.OutputBytes), printable(s.Reason, 100))
	}
	tw.Flush()
}

// byteSize says a size the way a person reads it.
func byteSize(n int) string {
	switch {
	case n < 1024:
		return strconv.Itoa(n) + " B"
	case n < 1024*1024:
		return fmt.Sprintf("%.1f KiB", float64(n)/1024)
	}
	return fmt.Sprintf("%.1f MiB", float64(n)/(1024*1024))
}

func newDrillsCommand() *cobra.Command {
	var cf clientFlags
	var runbook string
	var limit int
	cmd := &cobra.Command{
		Use:   "drills [ID]",
		Short: "List drills and their verdicts, or show one drill's report",
		Long: `drills lists the drills run on the server, newest first, with their
verdicts: on request (quench drill) or on the config's schedule. With an
ID, it prints that drill's report, step by step.` + clientLong,
		Example: `  quench drills
  quench drills --runbook db-down
  quench drills 12`,
		Args: usageArgs(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := cf.client()
			if err != nil {
				return err
			}
			if len(args) == 1 {
				id, err := strconv.ParseInt(args[0], 10, 64)
				if err != nil || id <= 0 {
					return usageError(cmd, fmt.Errorf("drill id %q is not a positive number", args[0]))
				}
				d, err := c.FindDrill(cmd.Context(), id)
				if err != nil {
					return clientError(err)
				}
				if cf.json {
					return writeJSON(cmd.OutOrStdout(), d)
				}
				printDrill(cmd.OutOrStdout(), d)
				return nil
			}
			list, err := c.FindDrills(cmd.Context(), quench.DrillFilter{RunbookID: runbook, Limit: limit})
			if err != nil {
				return clientError(err)
			}
			if cf.json {
				return writeJSON(cmd.OutOrStdout(), list)
			}
			if len(list.Drills) == 0 {
				fmt.Fprintln(cmd.ErrOrStderr(), "no drills yet: run one with quench drill RUNBOOK")
				return nil
			}
			now := time.Now()
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "ID\tRUNBOOK\tSTATUS\tVERDICT\tFAILED\tDIAGNOSIS\tASKED\tBY")
			for _, d := range list.Drills {
				verdict := d.Verdict
				if d.Status == quench.DrillError {
					verdict = printable(d.Error, 40)
				}
				fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%d\t%s\t%s\t%s\n", d.ID, d.RunbookID, d.Status, verdict, d.FailedSteps,
					d.AlertToDiagnosis.Round(100*time.Millisecond), age(now, d.CreatedAt), printable(d.Actor, 30))
			}
			if err := w.Flush(); err != nil {
				return err
			}
			if list.Next != 0 {
				fmt.Fprintf(cmd.ErrOrStderr(), "more drills are older than these: quench drills --limit %d\n", 2*max(limit, quenchhttp.DefaultDrillPage))
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&runbook, "runbook", "", "only drills of this runbook")
	cmd.Flags().IntVar(&limit, "limit", 0, "how many drills to list (default 50, at most 200)")
	cf.register(cmd)
	cmd.SetFlagErrorFunc(usageError)
	return cmd
}
