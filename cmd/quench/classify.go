package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/quench-sh/quench"
	"github.com/quench-sh/quench/shell"
)

func newClassifyCommand() *cobra.Command {
	var (
		explain      bool
		format       string
		operatorVars []string
	)
	cmd := &cobra.Command{
		Use:   "classify 'COMMAND' | -",
		Short: "Show whether quench would run a command without asking, and why",
		Long: `classify prints the verdict quench's static classifier gives a shell
command, the same verdict lint and the runner use: read-only (a Quick
diagnosis step may run it on its own), mutating (it changes something) or
unknown (it cannot be proven read-only; a person must confirm it). The
reason names the command and the option or shell feature that decided.

Give the command as one argument (quote it), or - to read a whole step
from standard input. With --explain every simple command is listed with its
line:column, class and reason, so the one to change or move to remediation
is plain.

Variables a step reads but does not set are the operator's when their names
are upper case (A-Z, 0-9, _) and do not start with QUENCH_ (those carry alert
data); --operator-var adds names outside that rule, as quench serve does for
the config's env and secrets. The operator's values may stand where options
are read; alert values never may, unless after -- or quoted in a slot the
tool proves inert.

Exit status: 0 read-only, 1 mutating or unknown (including a command that
does not parse), 2 on a usage error.`,
		Example: `  quench classify 'docker compose logs --tail=200 api | grep -i error'
  quench classify --explain 'cd /opt/app && git log -5 && docker compose restart api'
  quench classify - < step.sh
  quench classify --format json 'curl -fsS "$API_URL/healthz"' | jq .class`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "text" && format != "json" {
				return usageError(cmd, fmt.Errorf("--format must be text or json, not %q", format))
			}
			script := args[0]
			if script == "-" {
				b, err := io.ReadAll(io.LimitReader(cmd.InOrStdin(), shell.MaxScript+1))
				if err != nil {
					return fmt.Errorf("read standard input: %w", err)
				}
				script = string(b)
			}
			opts := shell.Options{OperatorVars: operatorVars}
			class, reason, parseErr := opts.Classify(script)
			var cmds []shell.Command
			if parseErr == nil {
				cmds, _ = opts.ClassifyEach(script)
			}
			out := cmd.OutOrStdout()
			var err error
			if format == "json" {
				err = printClassJSON(out, class, reason, cmds, explain)
			} else {
				err = printClassText(out, class, reason, cmds, explain)
			}
			if err != nil {
				return err
			}
			if class != quench.ReadOnly {
				return exitError{1}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&explain, "explain", false, "list every simple command with its line:column, class and reason")
	cmd.Flags().StringVar(&format, "format", "text", "output format: text or json")
	cmd.Flags().StringArrayVar(&operatorVars, "operator-var", nil, "a variable the operator configures (repeatable), beside the upper-case naming rule")
	cmd.SetFlagErrorFunc(usageError)
	return cmd
}

func printClassText(w io.Writer, class quench.Class, reason string, cmds []shell.Command, explain bool) error {
	if _, err := fmt.Fprintf(w, "%s: %s\n", class, reason); err != nil {
		return err
	}
	if !explain || len(cmds) == 0 {
		return nil
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, c := range cmds {
		fmt.Fprintf(tw, "%d:%d\t%s\t%s\n", c.Line, c.Col, c.Class, oneLine(c.Text))
		fmt.Fprintf(tw, "\t\t  %s\n", c.Reason)
	}
	return tw.Flush()
}

// oneLine shows a multi-line command on one line.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 100 {
		s = s[:97] + "..."
	}
	return s
}

func printClassJSON(w io.Writer, class quench.Class, reason string, cmds []shell.Command, explain bool) error {
	type command struct {
		Line   int          `json:"line"`
		Col    int          `json:"col"`
		Text   string       `json:"text"`
		Class  quench.Class `json:"class"`
		Reason string       `json:"reason"`
	}
	v := struct {
		Class    quench.Class `json:"class"`
		Reason   string       `json:"reason"`
		Commands []command    `json:"commands,omitempty"`
	}{Class: class, Reason: reason}
	if explain {
		v.Commands = []command{}
		for _, c := range cmds {
			v.Commands = append(v.Commands, command{c.Line, c.Col, c.Text, c.Class, c.Reason})
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
