package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/quench-sh/quench"
	"github.com/quench-sh/quench/markdown"
)

// defaultRunbooks is where the runbook commands look without a DIR.
const defaultRunbooks = "./runbooks"

func newLintCommand() *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "lint [DIR]",
		Short: "Check a runbook pack for format, safety and index problems",
		Long: `lint checks every runbook in DIR (default ./runbooks), its pack.yaml and
README.md, and prints each problem as path:line: message, sorted by path and
line.

It checks the front matter (fields present and valid, id equal to the file
name, unique ids, category and escalation roles defined in pack.yaml, match
expressions that compile), the six level-2 sections in order, step attributes
and names, that Quick diagnosis steps and the pack's first steps are
read-only, that remediation and rollback steps that may change anything carry
{"confirm": true}, relative links, and that README.md's index is current.

Exit status: 0 when clean, 1 when there are problems, 2 on a usage error.`,
		Example: `  quench lint
  quench lint runbooks
  quench lint --format json runbooks | jq '.[] | select(.rule == "confirm")'`,
		Args: usageArgs(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "text" && format != "json" {
				return usageError(cmd, fmt.Errorf("--format must be text or json, not %q", format))
			}
			dir := dirArg(args)
			ps, err := markdown.Lint(dir)
			if err != nil {
				return dirError(cmd, err)
			}
			if err := printProblems(cmd.OutOrStdout(), format, ps); err != nil {
				return err
			}
			if len(ps) > 0 {
				if format == "text" {
					fmt.Fprintf(cmd.ErrOrStderr(), "quench lint: %s\n", plural(len(ps), "problem"))
				}
				return exitError{1}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "output format: text (path:line: message) or json")
	cmd.SetFlagErrorFunc(usageError)
	return cmd
}

// printProblems writes problems as lines or as a JSON array (always an
// array, empty when clean, so tools need no special case).
func printProblems(w io.Writer, format string, ps []markdown.Problem) error {
	if format == "json" {
		if ps == nil {
			ps = []markdown.Problem{}
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(ps)
	}
	for _, p := range ps {
		if _, err := fmt.Fprintln(w, p); err != nil {
			return err
		}
	}
	return nil
}

// plural says "1 problem", "2 problems".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func dirArg(args []string) string {
	if len(args) > 0 {
		return args[0]
	}
	return defaultRunbooks
}

// dirError turns a pack directory that cannot be found into a usage error:
// the argument is what is wrong.
func dirError(cmd *cobra.Command, err error) error {
	if quench.ErrorCode(err) == quench.ENOTFOUND {
		return usageError(cmd, err)
	}
	return err
}

// usageError prints a command-line mistake and ends with exit status 2, so
// scripts can tell "you called me wrong" from "your runbooks have problems".
func usageError(cmd *cobra.Command, err error) error {
	fmt.Fprintf(cmd.ErrOrStderr(), "%s: %v\nRun '%s --help' for usage.\n", cmd.CommandPath(), err, cmd.CommandPath())
	return exitError{2}
}

// usageArgs wraps a cobra argument check so its failures are usage errors.
func usageArgs(check cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := check(cmd, args); err != nil {
			var ee exitError
			if errors.As(err, &ee) {
				return err
			}
			return usageError(cmd, err)
		}
		return nil
	}
}
