package main

import (
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/quench-sh/quench"
)

func newFreezeCommand() *cobra.Command {
	var cf clientFlags
	cmd := &cobra.Command{
		Use:   "freeze on|off|status",
		Short: "Turn the change freeze on or off, or show it",
		Long: `While a change freeze is on, no mutating or unknown runbook step runs, for
anyone, unless the run carries a break-glass grant (quench break-glass
create). Read-only diagnosis keeps running. Turning it on or off needs an
admin or owner token and is audited; anyone with a token may see it.` + clientLong,
		Example: `  quench freeze status
  quench freeze on     # e.g. during a database restore
  quench freeze off`,
		Args:      usageArgs(cobra.ExactArgs(1)),
		ValidArgs: []string{"on", "off", "status"},
		RunE: func(cmd *cobra.Command, args []string) error {
			var set *bool
			switch args[0] {
			case "on", "off":
				v := args[0] == "on"
				set = &v
			case "status":
			default:
				return usageError(cmd, fmt.Errorf("%q: want on, off or status", args[0]))
			}
			c, err := cf.client()
			if err != nil {
				return err
			}
			if set != nil {
				if err := c.SetFrozen(cmd.Context(), *set); err != nil {
					return clientError(err)
				}
			}
			frozen, err := c.Frozen(cmd.Context())
			if err != nil {
				return clientError(err)
			}
			if cf.json {
				return writeJSON(cmd.OutOrStdout(), map[string]bool{"frozen": frozen})
			}
			if frozen {
				fmt.Fprintln(cmd.OutOrStdout(), "change freeze is ON: mutating steps need a break-glass grant")
			} else {
				fmt.Fprintln(cmd.OutOrStdout(), "change freeze is off")
			}
			return nil
		},
	}
	cf.register(cmd)
	cmd.SetFlagErrorFunc(usageError)
	return cmd
}

func newBreakGlassCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "break-glass",
		Short: "Open, list and revoke break-glass grants for a change freeze",
		Long: `A break-glass grant lets mutating steps run during a change freeze, for a
stated reason and at most 24 hours. An admin or owner opens it; its secret
is printed once and passed to quench run with --break-glass (or
$QUENCH_BREAK_GLASS). Every use names the grant on the incident's timeline
and in the audit trail; expired and revoked grants are refused.` + clientLong,
		Example: `  quench break-glass create --reason "restore orders table from backup" --ttl 60m
  quench break-glass list
  quench break-glass revoke 3`,
	}
	cmd.AddCommand(newGrantCreateCommand(), newGrantListCommand(), newGrantRevokeCommand())
	return cmd
}

func newGrantCreateCommand() *cobra.Command {
	var cf clientFlags
	var reason string
	var ttl time.Duration
	cmd := &cobra.Command{
		Use:   `create --reason "…" --ttl DURATION`,
		Short: "Open a grant and print its secret once (admin or owner)",
		Long: `Open a break-glass grant. The secret goes to stdout, once; the grant's id
and expiry go to stderr. The TTL is rounded up to whole minutes, at most 24h.` + clientLong,
		Example: `  quench break-glass create --reason "restore orders table from backup" --ttl 60m
  export QUENCH_BREAK_GLASS=$(quench break-glass create --reason "hotfix rollback" --ttl 30m)`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if strings.TrimSpace(reason) == "" {
				return usageError(cmd, fmt.Errorf("--reason is required: say why the freeze must be broken"))
			}
			if ttl <= 0 || ttl > quench.MaxBreakGlassTTL {
				return usageError(cmd, fmt.Errorf("--ttl %s: want a duration from 1m to 24h", ttl))
			}
			c, err := cf.client()
			if err != nil {
				return err
			}
			g, secret, err := c.CreateGrant(cmd.Context(), reason, ttl)
			if err != nil {
				return clientError(err)
			}
			if cf.json {
				return writeJSON(cmd.OutOrStdout(), map[string]any{"grant": g, "secret": secret})
			}
			fmt.Fprintln(cmd.OutOrStdout(), secret)
			fmt.Fprintf(cmd.ErrOrStderr(), "opened break-glass grant %d until %s; pass the secret to quench run with --break-glass or $%s; it is not shown again\n",
				g.ID, g.ExpiresAt.Local().Format(time.DateTime), envBreakGlass)
			return nil
		},
	}
	cmd.Flags().StringVar(&reason, "reason", "", "why the freeze must be broken (required, audited)")
	cmd.Flags().DurationVar(&ttl, "ttl", 30*time.Minute, "how long the grant lasts (1m to 24h)")
	cf.register(cmd)
	cmd.SetFlagErrorFunc(usageError)
	return cmd
}

func newGrantListCommand() *cobra.Command {
	var cf clientFlags
	cmd := &cobra.Command{
		Use:     "list",
		Short:   "List break-glass grants, newest first (admin or owner)",
		Long:    "List break-glass grants with their reason, who opened them and their state; never secrets." + clientLong,
		Example: "  quench break-glass list\n  quench break-glass list --json",
		Args:    usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := cf.client()
			if err != nil {
				return err
			}
			gs, err := c.FindGrants(cmd.Context())
			if err != nil {
				return clientError(err)
			}
			if cf.json {
				return writeJSON(cmd.OutOrStdout(), map[string]any{"grants": gs})
			}
			if len(gs) == 0 {
				fmt.Fprintln(cmd.ErrOrStderr(), "no break-glass grants")
				return nil
			}
			now := time.Now()
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "ID\tSTATE\tEXPIRES\tBY\tREASON")
			for _, g := range gs {
				state := "active"
				switch {
				case g.RevokedAt != nil:
					state = "revoked"
				case !g.Active(now):
					state = "expired"
				}
				fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\n", g.ID, state, g.ExpiresAt.Local().Format(time.DateTime),
					printable(g.Actor, 30), printable(g.Reason, 80))
			}
			return w.Flush()
		},
	}
	cf.register(cmd)
	cmd.SetFlagErrorFunc(usageError)
	return cmd
}

func newGrantRevokeCommand() *cobra.Command {
	var cf clientFlags
	cmd := &cobra.Command{
		Use:     "revoke ID",
		Short:   "Revoke a break-glass grant; it stops working at once (admin or owner)",
		Long:    "Revoke a break-glass grant by id (see quench break-glass list)." + clientLong,
		Example: "  quench break-glass revoke 3",
		Args:    usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseInt(strings.TrimPrefix(args[0], "#"), 10, 64)
			if err != nil || id <= 0 {
				return usageError(cmd, fmt.Errorf("grant id %q: want a positive number (see: quench break-glass list)", args[0]))
			}
			c, err := cf.client()
			if err != nil {
				return err
			}
			if err := c.RevokeGrant(cmd.Context(), id); err != nil {
				return clientError(err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "revoked break-glass grant %d\n", id)
			return nil
		},
	}
	cf.register(cmd)
	cmd.SetFlagErrorFunc(usageError)
	return cmd
}
