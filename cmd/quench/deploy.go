package main

import (
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
)

func newDeployCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "deploy",
		Short: "Record and list deploys",
		Long: `Deploys are what changed before an incident: an incident shows the deploys
of the hour before it opened, and the newest deploy before that hour as its
last-good pointer, which steps receive as $QUENCH_LAST_GOOD_SHA (a rollback
goes back to it). Record each release from your deploy script.` + clientLong,
		Example: `  quench deploy record --service api --sha "$(git rev-parse HEAD)" --note "release 42"
  quench deploy list --since 24h`,
	}
	cmd.AddCommand(newDeployRecordCommand(), newDeployListCommand())
	return cmd
}

func newDeployRecordCommand() *cobra.Command {
	var cf clientFlags
	var service, sha, note string
	cmd := &cobra.Command{
		Use:   "record --service S --sha SHA [--note TEXT]",
		Short: "Record a deploy of a service (responder or better)",
		Long:  "Record that a service was just deployed at a commit, as your token." + clientLong,
		Example: `  quench deploy record --service api --sha 0a1b2c3
  quench deploy record --service api --sha "$(git rev-parse HEAD)" --note "release 42"`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if strings.TrimSpace(service) == "" || strings.TrimSpace(sha) == "" {
				return usageError(cmd, fmt.Errorf("--service and --sha are required"))
			}
			c, err := cf.client()
			if err != nil {
				return err
			}
			d, err := c.RecordDeploy(cmd.Context(), service, sha, note)
			if err != nil {
				return clientError(err)
			}
			if cf.json {
				return writeJSON(cmd.OutOrStdout(), d)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "recorded deploy #%d: %s at %s\n", d.ID, d.Service, d.SHA)
			return nil
		},
	}
	cmd.Flags().StringVar(&service, "service", "", "the service deployed (required)")
	cmd.Flags().StringVar(&sha, "sha", "", "the commit or version deployed (required)")
	cmd.Flags().StringVar(&note, "note", "", "a note: release name, ticket, …")
	cf.register(cmd)
	cmd.SetFlagErrorFunc(usageError)
	return cmd
}

func newDeployListCommand() *cobra.Command {
	var cf clientFlags
	var since time.Duration
	cmd := &cobra.Command{
		Use:     "list [--since DURATION]",
		Short:   "List recent deploys, newest first",
		Long:    "List the deploys recorded in the last --since (default 30 days), newest first." + clientLong,
		Example: "  quench deploy list\n  quench deploy list --since 2h --json",
		Args:    usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if since <= 0 {
				return usageError(cmd, fmt.Errorf("--since %s: want a positive duration such as 2h", since))
			}
			c, err := cf.client()
			if err != nil {
				return err
			}
			now := time.Now()
			ds, err := c.FindDeploys(cmd.Context(), now.Add(-since), now.Add(time.Second))
			if err != nil {
				return clientError(err)
			}
			if cf.json {
				return writeJSON(cmd.OutOrStdout(), map[string]any{"deploys": ds})
			}
			if len(ds) == 0 {
				fmt.Fprintf(cmd.ErrOrStderr(), "no deploys in the last %s: record them with quench deploy record\n", since)
				return nil
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "ID\tDEPLOYED\tSERVICE\tSHA\tBY\tNOTE")
			for _, d := range ds {
				fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\n", d.ID, d.DeployedAt.Local().Format(time.DateTime),
					printable(d.Service, 40), printable(d.SHA, 40), printable(d.Actor, 30), printable(d.Note, 60))
			}
			return w.Flush()
		},
	}
	cmd.Flags().DurationVar(&since, "since", 30*24*time.Hour, "how far back to list")
	cf.register(cmd)
	cmd.SetFlagErrorFunc(usageError)
	return cmd
}
