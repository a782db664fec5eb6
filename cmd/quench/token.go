package main

import (
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/quench-sh/quench"
	"github.com/quench-sh/quench/sqldb"
)

// storeFlags name the database a command opens directly, server running or not.
type storeFlags struct {
	data string
	db   string
}

func (f *storeFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.data, "data", "./quench-data", "data directory of the embedded SQLite database")
	cmd.Flags().StringVar(&f.db, "db", "", "PostgreSQL URL (postgres://…) instead of the embedded SQLite")
}

func (f *storeFlags) open(cmd *cobra.Command) (*sqldb.DB, error) {
	db, err := sqldb.Open(cmd.Context(), sqldb.Config{DSN: f.db, DataDir: f.data, Now: time.Now})
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	return db, nil
}

func newTokenCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "token",
		Short: "Create, list and revoke API and ingest tokens",
		Long: `Tokens authenticate everything but /healthz and /readyz. They are stored
hashed: a new token's secret is printed once and cannot be shown again.

Roles: ingest (ingest routes only; 32 characters, so it also serves as a
PagerDuty routing key), viewer, responder, admin, owner.
These commands work on the database directly, with the server running or not.`,
	}
	cmd.AddCommand(newTokenCreateCommand(), newTokenListCommand(), newTokenRevokeCommand())
	return cmd
}

func newTokenCreateCommand() *cobra.Command {
	var sf storeFlags
	var name, role string
	cmd := &cobra.Command{
		Use:   "create --role ROLE --name NAME",
		Short: "Create a token and print its secret once",
		Example: `  quench token create --role ingest --name alertmanager
  quench token create --role responder --name alice`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			r := quench.TokenRole(role)
			if !r.Valid() {
				return fmt.Errorf("--role %q: want one of %s", role, joinRoles())
			}
			if strings.TrimSpace(name) == "" {
				return fmt.Errorf("--name is required: a name says whose token it is (e.g. alertmanager, alice)")
			}
			db, err := sf.open(cmd)
			if err != nil {
				return err
			}
			defer db.Close()
			_, secret, err := sqldb.NewTokenService(db).CreateToken(cmd.Context(), name, r)
			if err != nil {
				return fmt.Errorf("create token: %s", quench.ErrorMessage(err))
			}
			fmt.Fprintln(cmd.OutOrStdout(), secret)
			fmt.Fprintf(cmd.ErrOrStderr(), "created %s token %q; store the secret now, it is not shown again\n", r, name)
			return nil
		},
	}
	cmd.Flags().StringVar(&name, "name", "", "who or what uses the token (required)")
	cmd.Flags().StringVar(&role, "role", "", "one of "+joinRoles()+" (required)")
	sf.register(cmd)
	return cmd
}

func newTokenListCommand() *cobra.Command {
	var sf storeFlags
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List tokens (names and roles, never secrets)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			db, err := sf.open(cmd)
			if err != nil {
				return err
			}
			defer db.Close()
			tokens, err := sqldb.NewTokenService(db).FindTokens(cmd.Context())
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "NAME\tROLE\tCREATED\tREVOKED")
			for _, t := range tokens {
				revoked := "-"
				if t.RevokedAt != nil {
					revoked = t.RevokedAt.Local().Format(time.DateTime)
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", t.Name, t.Role, t.CreatedAt.Local().Format(time.DateTime), revoked)
			}
			return w.Flush()
		},
	}
	sf.register(cmd)
	return cmd
}

func newTokenRevokeCommand() *cobra.Command {
	var sf storeFlags
	cmd := &cobra.Command{
		Use:   "revoke NAME",
		Short: "Revoke a token by name; it stops working at once",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			db, err := sf.open(cmd)
			if err != nil {
				return err
			}
			defer db.Close()
			if err := sqldb.NewTokenService(db).RevokeToken(cmd.Context(), args[0]); err != nil {
				return fmt.Errorf("revoke token: %s", quench.ErrorMessage(err))
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "revoked token %q\n", args[0])
			return nil
		},
	}
	sf.register(cmd)
	return cmd
}

func joinRoles() string {
	names := make([]string, len(quench.TokenRoles))
	for i, r := range quench.TokenRoles {
		names[i] = string(r)
	}
	return strings.Join(names, ", ")
}
