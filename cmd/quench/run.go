package main

import (
	"bufio"
	"cmp"
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/quench-sh/quench"
	quenchhttp "github.com/quench-sh/quench/http"
)

// envBreakGlass is where `quench run` finds a break-glass grant's secret
// when --break-glass is not given.
const envBreakGlass = "QUENCH_BREAK_GLASS"

func newRunCommand() *cobra.Command {
	var cf clientFlags
	var yes, dryRun bool
	var breakGlass string
	cmd := &cobra.Command{
		Use:   "run INCIDENT [STEP]",
		Short: "List an incident's runbook steps, or run one",
		Long: `Without STEP, list the steps of the incident: the pack's first steps, then
its runbook's, each with its number, name, class and status.

With STEP (a name or a number from that list), show the step (its class and
why, where it runs, its command) and run it on the server, streaming the
output here. A mutating or unknown step, or one marked confirm, asks first:
"Run this mutating step on TARGET? [y/N]"; anything but y or yes aborts. A
step the runbook marks destructive (it cannot be undone) asks for its name to
be typed instead. --yes answers for scripts; without a terminal and without --yes nothing runs.
--dry-run shows exactly what would run, where, and with which environment
variable names, and runs nothing.

During a change freeze a mutating step needs a break-glass grant (an admin
opens one with quench break-glass create): pass its secret with
--break-glass or $QUENCH_BREAK_GLASS.

The exit status is 0 when the step ran and exited 0, 1 otherwise (refused,
aborted, failed or timed out).` + clientLong,
		Example: `  quench run 42                      # list the steps of incident 42
  quench run 42 restart-db --dry-run  # what would run, where, with which env
  quench run 42 restart-db            # asks before running a mutating step
  quench run 42 3 --yes               # step number 3, no question (scripts)
  QUENCH_BREAK_GLASS=qb_… quench run 42 restart-db`,
		Args: usageArgs(cobra.RangeArgs(1, 2)),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseID(args[0])
			if err != nil {
				return usageError(cmd, err)
			}
			c, err := cf.client()
			if err != nil {
				return err
			}
			r := &stepRun{cmd: cmd, c: c, json: cf.json, incident: id, yes: yes, dryRun: dryRun,
				grant: cmp.Or(breakGlass, os.Getenv(envBreakGlass))}
			if len(args) == 1 {
				return r.list()
			}
			return r.run(args[1])
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&yes, "yes", "y", false, "run a mutating or unknown step without asking (for scripts)")
	f.BoolVar(&dryRun, "dry-run", false, "show what would run, where and with which environment; run nothing")
	f.StringVar(&breakGlass, "break-glass", "", "break-glass grant secret, needed during a change freeze (default $"+envBreakGlass+")")
	cf.register(cmd)
	cmd.SetFlagErrorFunc(usageError)
	return cmd
}

// stepRun is one invocation of `quench run`.
type stepRun struct {
	cmd      *cobra.Command
	c        *quenchhttp.Client
	json     bool
	incident int64
	yes      bool
	dryRun   bool
	grant    string
}

func (r *stepRun) ctx() context.Context { return r.cmd.Context() }
func (r *stepRun) out() io.Writer       { return r.cmd.OutOrStdout() }
func (r *stepRun) errOut() io.Writer    { return r.cmd.ErrOrStderr() }

// list prints the incident's steps and how to run one.
func (r *stepRun) list() error {
	steps, err := r.c.Steps(r.ctx(), r.incident)
	if err != nil {
		return clientError(err)
	}
	if r.json {
		return writeJSON(r.out(), quenchhttp.StepList{Steps: steps})
	}
	inc, err := r.c.FindIncident(r.ctx(), r.incident)
	if err != nil {
		return clientError(err)
	}
	fmt.Fprintf(r.out(), "Incident #%d  %s  %s\n", inc.ID, strings.ToUpper(string(inc.Status)), printable(inc.Summary, 80))
	fmt.Fprintf(r.out(), "Runbook: %s\n", runbookName(inc.Runbook))
	if d := inc.LastGood.Deploy; d != nil {
		fmt.Fprintf(r.out(), "Last good deploy: %s %s (%s, by %s)\n", printable(d.Service, 40), printable(d.SHA, 40),
			d.DeployedAt.Local().Format(time.DateTime), printable(d.Actor, 40))
	}
	if len(steps) == 0 {
		fmt.Fprintln(r.errOut(), "this incident has no steps: it has no runbook and the pack defines no first steps")
		return nil
	}
	fmt.Fprintln(r.out())
	w := tabwriter.NewWriter(r.out(), 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "#\tNAME\tSECTION\tCLASS\tSTATUS\tTITLE")
	for _, s := range steps {
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\n", s.Number, printable(s.Name, 40), printable(s.Section, 30),
			classLabel(s), s.Status, printable(s.Title, 60))
	}
	if err := w.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(r.out(), "\nRun one with: quench run %d STEP   (a name or a number; --dry-run shows what it would do)\n", r.incident)
	return nil
}

// classLabel shouts the classes that need a person's confirmation.
func classLabel(s quenchhttp.StepStateView) string {
	label := string(s.Class)
	if s.Class != quench.ReadOnly {
		label = strings.ToUpper(label)
	}
	if s.Confirm {
		label += " [confirm]"
	}
	return label
}

// findStep picks a step by name, or by number when the argument is one.
func (r *stepRun) findStep(arg string) (*quenchhttp.StepStateView, error) {
	steps, err := r.c.Steps(r.ctx(), r.incident)
	if err != nil {
		return nil, clientError(err)
	}
	for i := range steps {
		if steps[i].Name == arg {
			return &steps[i], nil
		}
	}
	if n, err := strconv.Atoi(strings.TrimPrefix(arg, "#")); err == nil {
		for i := range steps {
			if steps[i].Number == n {
				return &steps[i], nil
			}
		}
	}
	return nil, fmt.Errorf("incident #%d has no step %q: list its steps with: quench run %d", r.incident, arg, r.incident)
}

// run shows one step, asks when it must, runs it and streams its output.
func (r *stepRun) run(arg string) error {
	st, err := r.findStep(arg)
	if err != nil {
		return err
	}
	// Only --json keeps stdout for the answer alone; the step's
	// description goes to stderr then.
	show := r.out()
	if r.json {
		show = r.errOut()
	}
	printStep(show, st)

	if r.dryRun {
		run, err := r.c.RunStep(r.ctx(), r.incident, st.Name, quenchhttp.RunStepOptions{DryRun: true, BreakGlass: r.grant})
		if err != nil {
			return r.refused(err)
		}
		if r.json {
			return writeJSON(r.out(), run)
		}
		printDryRun(r.out(), run)
		return nil
	}

	confirmed := false
	if st.NeedsConfirmation {
		if err := r.confirm(st); err != nil {
			return err
		}
		confirmed = true
	}
	opts := quenchhttp.RunStepOptions{Confirm: confirmed, BreakGlass: r.grant}
	var run *quench.StepRun
	if r.json {
		run, err = r.c.RunStep(r.ctx(), r.incident, st.Name, opts)
	} else {
		live := &terminalWriter{w: r.out(), header: "--- output ---\n"}
		run, err = r.c.RunStepStream(r.ctx(), r.incident, st.Name, opts, live)
		if err == nil && live.n == 0 && run.Output != "" {
			// The server kept the output but sent none live.
			_, _ = live.Write([]byte(run.Output))
		}
		if live.n > 0 && !live.endsInNewline {
			fmt.Fprintln(r.out())
		}
		if err == nil && live.n == 0 {
			fmt.Fprintln(r.out(), "--- no output ---")
		} else if err == nil {
			fmt.Fprintln(r.out(), "--- end ---")
		}
	}
	if err != nil {
		if ctxErr := r.ctx().Err(); ctxErr != nil {
			fmt.Fprintf(r.errOut(), "interrupted: the step keeps running on the server; see its result with: quench incident %d\n", r.incident)
			return exitError{1}
		}
		return r.refused(err)
	}
	if r.json {
		if err := writeJSON(r.out(), run); err != nil {
			return err
		}
	} else {
		fmt.Fprintln(r.errOut(), runSummary(run))
	}
	if run.ExitCode != 0 || run.TimedOut {
		return exitError{1}
	}
	return nil
}

// confirm asks on the terminal before a step that needs a person's yes.
func (r *stepRun) confirm(st *quenchhttp.StepStateView) error {
	if r.yes {
		return nil
	}
	what := string(st.Class)
	if st.Class == quench.ReadOnly {
		what = "confirm-marked"
	}
	in := r.cmd.InOrStdin()
	if !interactive(in) {
		return fmt.Errorf("step %s is %s and needs confirmation, but there is no terminal to ask on: pass --yes to run it (or --dry-run to see what it would do)", st.Name, what)
	}
	var line string
	var err error
	if st.Destructive {
		// As the web UI does: a step that loses data or work for good is
		// confirmed by typing its name, not by a reflexive "y".
		fmt.Fprintf(r.errOut(), "Step %s is DESTRUCTIVE (it cannot be undone). Type its name to run it on %s: ", st.Name, targetName(st.Target))
		line, err = bufio.NewReader(in).ReadString('\n')
		if strings.TrimSpace(line) == st.Name {
			return nil
		}
	} else {
		fmt.Fprintf(r.errOut(), "Run this %s step on %s? [y/N] ", what, targetName(st.Target))
		line, err = bufio.NewReader(in).ReadString('\n')
		if answer := strings.ToLower(strings.TrimSpace(line)); answer == "y" || answer == "yes" {
			return nil
		}
	}
	answer := strings.TrimSpace(line)
	if err != nil && answer == "" {
		fmt.Fprintln(r.errOut())
		fmt.Fprintln(r.errOut(), "no answer: nothing was run (pass --yes to run without asking)")
	} else {
		fmt.Fprintln(r.errOut(), "aborted: nothing was run")
	}
	return exitError{1}
}

// refused explains a refusal and what to do about it.
func (r *stepRun) refused(err error) error {
	if quench.ErrorCode(err) != quench.EFORBIDDEN {
		return clientError(err)
	}
	msg := "refused: " + quench.ErrorMessage(err)
	if r.grant == "" {
		if frozen, ferr := r.c.Frozen(r.ctx()); ferr == nil && frozen {
			msg += "\na change freeze is on: an admin opens a grant with quench break-glass create --reason \"…\" --ttl 30m;" +
				" pass its secret with --break-glass or $" + envBreakGlass
		}
	}
	return fmt.Errorf("%s", msg)
}

// interactive reports whether answers can be read from in: a terminal, or
// a reader handed to run that is not a file (a test, an embedding program).
// A pipe, a regular file or /dev/null is not someone answering.
func interactive(in io.Reader) bool {
	f, ok := in.(*os.File)
	if !ok {
		return true
	}
	return term.IsTerminal(int(f.Fd()))
}

func targetName(t string) string {
	if t == "" {
		return "local"
	}
	return t
}

// printStep describes a step before it runs.
func printStep(w io.Writer, st *quenchhttp.StepStateView) {
	fmt.Fprintf(w, "Step %d: %s  (%s)\n", st.Number, printable(st.Name, 0), printable(st.Section, 0))
	if st.Title != "" {
		fmt.Fprintf(w, "  %s\n", printable(st.Title, 0))
	}
	class := classLabel(*st)
	if st.Reason != "" {
		class += " (" + printable(st.Reason, 0) + ")"
	}
	fmt.Fprintf(w, "  class:   %s\n", class)
	fmt.Fprintf(w, "  target:  %s\n", printable(targetName(st.Target), 0))
	if st.Timeout != "" {
		fmt.Fprintf(w, "  timeout: %s\n", st.Timeout)
	}
	fmt.Fprintf(w, "  status:  %s\n", st.Status)
	fmt.Fprintln(w, "  command:")
	for _, l := range strings.Split(strings.TrimRight(st.Command, "\n"), "\n") {
		fmt.Fprintf(w, "    %s\n", printable(l, 0))
	}
}

// printDryRun says exactly what would run, where and with which
// environment variable names (values can be secrets and are not shown).
func printDryRun(w io.Writer, run *quench.StepRun) {
	fmt.Fprintf(w, "Dry run: nothing was run.\n")
	fmt.Fprintf(w, "Would run step %s (%s) on %s as %s:\n", printable(run.Step, 0), run.Class,
		printable(targetName(run.Target), 0), printable(run.Actor, 0))
	for _, l := range strings.Split(strings.TrimRight(run.Command, "\n"), "\n") {
		fmt.Fprintf(w, "    %s\n", printable(l, 0))
	}
	if run.Reason != "" {
		fmt.Fprintf(w, "because: %s\n", printable(run.Reason, 0))
	}
	fmt.Fprintf(w, "with these environment variables (names only):\n")
	for _, n := range run.EnvNames {
		fmt.Fprintf(w, "    %s\n", printable(n, 0))
	}
}

// runSummary is the last line of a run: how it ended.
func runSummary(run *quench.StepRun) string {
	var b strings.Builder
	fmt.Fprintf(&b, "step %s on %s: ", run.Step, targetName(run.Target))
	switch {
	case run.TimedOut:
		fmt.Fprintf(&b, "timed out after %s (exit code %d)", run.Duration.Round(time.Millisecond), run.ExitCode)
	case run.ExitCode == 0:
		fmt.Fprintf(&b, "succeeded in %s (exit code 0)", run.Duration.Round(time.Millisecond))
	default:
		fmt.Fprintf(&b, "failed in %s (exit code %d)", run.Duration.Round(time.Millisecond), run.ExitCode)
	}
	if run.Truncated {
		b.WriteString("; output was cut, the tail is kept")
	}
	if run.GrantID != 0 {
		fmt.Fprintf(&b, "; ran under break-glass grant %d", run.GrantID)
	}
	return b.String()
}

// terminalWriter writes step output to a terminal with control characters
// other than newline, tab and carriage return made visible: output can
// carry text from outside (log lines), and escape sequences in it could
// rewrite the screen. The server sends whole UTF-8 characters per chunk.
type terminalWriter struct {
	w             io.Writer
	header        string // written before the first output
	n             int
	endsInNewline bool
}

func (t *terminalWriter) Write(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	written := len(p)
	var b strings.Builder
	if t.n == 0 {
		b.WriteString(t.header)
	}
	for len(p) > 0 {
		r, size := utf8.DecodeRune(p)
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, p[0])
		case r == '\n' || r == '\t' || r == '\r' || !unicode.IsControl(r):
			b.WriteRune(r)
		default:
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		}
		t.endsInNewline = r == '\n'
		p = p[size:]
		t.n += size
	}
	if _, err := io.WriteString(t.w, b.String()); err != nil {
		return 0, err
	}
	return written, nil
}
