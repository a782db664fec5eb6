package main

import (
	"fmt"
	"os"
	"os/user"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/quench-sh/quench"
	"github.com/quench-sh/quench/sqldb"
)

// storeFlags name the database a command opens directly, server running or not.
// storeFlags are how a command that works on the database directly finds
// the server's store: the same --config file the server reads, or --data /
// --db, flags overriding the file as they do for serve.
type storeFlags struct {
	config string
	data   string
	db     string
	// mayCreate lets the command create the store, but only where it was
	// named explicitly (--config, --data or --db): the first token is often
	// made before the server first starts, but never in a directory the
	// person did not choose.
	mayCreate bool
}

func (f *storeFlags) register(cmd *cobra.Command) {
	def := DefaultConfig()
	cmd.Flags().StringVar(&f.config, "config", "", "the server's YAML config file: its data and db settings name the store")
	cmd.Flags().StringVar(&f.data, "data", def.Data, "data directory of the embedded SQLite database")
	cmd.Flags().StringVar(&f.db, "db", "", "PostgreSQL URL (postgres://…) instead of the embedded SQLite")
}

// open opens the existing store; it never creates one, so a command run in
// the wrong directory says where it looked instead of leaving an empty
// database behind.
func (f *storeFlags) open(cmd *cobra.Command) (*sqldb.DB, error) {
	cfg := DefaultConfig()
	if f.config != "" {
		var err error
		if cfg, err = LoadConfig(f.config, os.Getenv); err != nil {
			return nil, err
		}
	}
	if cmd.Flags().Changed("data") {
		cfg.Data = f.data
	}
	if cmd.Flags().Changed("db") {
		cfg.DB = f.db
	}
	fl := cmd.Flags()
	named := f.config != "" || fl.Changed("data") || fl.Changed("db")
	db, err := sqldb.Open(cmd.Context(), sqldb.Config{DSN: cfg.DB, DataDir: cfg.Data, Now: time.Now, MustExist: !(f.mayCreate && named)})
	if err != nil {
		return nil, fmt.Errorf("open database: %s", describeStoreError(err))
	}
	return db, nil
}

// describeStoreError keeps a store error's own message when it has one a
// person can act on, and the cause otherwise.
func describeStoreError(err error) string {
	if quench.ErrorCode(err) == quench.EINTERNAL {
		return err.Error()
	}
	if msg := quench.ErrorMessage(err); msg != "database unavailable" {
		return msg
	}
	return err.Error()
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
	sf := storeFlags{mayCreate: true}
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
			if strings.HasPrefix(name, "-") {
				// `--name $USER` with USER unset passes the next flag as the name.
				return fmt.Errorf("--name %q looks like a flag, not a name: was a variable such as $USER empty? Give the name itself, e.g. --name alice", name)
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
			if err := sqldb.NewTokenService(db).RevokeToken(cmd.Context(), args[0], localActor()); err != nil {
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

// localActor names the person running a command on the store directly, for
// the audit trail: "cli:" and their login name (or uid when the system has
// no name for it).
func localActor() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return "cli:" + u.Username
	}
	return "cli:uid" + strconv.Itoa(os.Getuid())
}
