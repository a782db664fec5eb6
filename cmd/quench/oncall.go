package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/quench-sh/quench/escalate"
	"github.com/quench-sh/quench/markdown"
	"github.com/quench-sh/quench/notify"
)

func newOnCallLintCommand() *cobra.Command {
	var runbooks string
	cmd := &cobra.Command{
		Use:   "lint FILE",
		Short: "Check an on-call file without loading it into a server",
		Long: `lint checks an on-call file (people, schedules, role bindings, escalation
policies) exactly as quench serve does when it loads or reloads one, and
prints every problem as file:line: message.

Roles are checked against the runbook pack's escalation matrix
(--runbooks, default ./runbooks): every role of runbooks/pack.yaml must be
bound, and no other.

Exit status: 0 when the file is valid, 1 when it is not.`,
		Example: `  quench oncall lint oncall.yaml
  quench oncall lint --runbooks /etc/quench/runbooks /etc/quench/oncall.yaml`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			pack, err := markdown.LoadPack(runbooks)
			if err != nil {
				return fmt.Errorf("load runbooks (the roles come from %s/pack.yaml): %w", runbooks, err)
			}
			cfg, err := escalate.LoadFile(args[0], escalate.LoadOptions{Roles: pack.Roles, Templates: notify.TemplateNames()})
			if err != nil {
				fmt.Fprintln(cmd.OutOrStdout(), err)
				return exitError{1}
			}
			people := plural(len(cfg.People), "person")
			if len(cfg.People) != 1 {
				people = fmt.Sprintf("%d people", len(cfg.People))
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: ok: %s, %s, %s bound\n", args[0],
				people, plural(len(cfg.Schedules), "schedule"), plural(len(cfg.Roles), "role"))
			return nil
		},
	}
	cmd.Flags().StringVar(&runbooks, "runbooks", defaultRunbooks, "runbook pack whose roles the file binds")
	return cmd
}
