package main

import (
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/quench-sh/quench"
	quenchhttp "github.com/quench-sh/quench/http"
	"github.com/quench-sh/quench/sqldb"
)

func newAuditCommand() *cobra.Command {
	var cf clientFlags
	var after int64
	var limit int
	cmd := &cobra.Command{
		Use:   "audit [--after SEQ] [--limit N]",
		Short: "List the audit trail, oldest first (admin or owner)",
		Long: `List audit trail entries after sequence number --after, oldest first: every
step run and refusal, incident change, token, freeze and break-glass change,
with who did it and the outcome. The trail is hash-chained; check it with
quench audit verify.` + clientLong,
		Example: `  quench audit
  quench audit --after 1200 --limit 50
  quench audit --json | jq '.entries[] | select(.outcome == "refused")'`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if after < 0 || limit < 1 || limit > 1000 {
				return usageError(cmd, fmt.Errorf("--after must be 0 or more and --limit between 1 and 1000"))
			}
			c, err := cf.client()
			if err != nil {
				return err
			}
			page, err := c.FindAuditEntries(cmd.Context(), after, limit)
			if err != nil {
				return clientError(err)
			}
			if cf.json {
				return writeJSON(cmd.OutOrStdout(), page)
			}
			if len(page.Entries) == 0 {
				fmt.Fprintf(cmd.ErrOrStderr(), "no audit entries after %d\n", after)
				return nil
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "SEQ\tAT\tACTOR\tACTION\tSUBJECT\tOUTCOME\tDATA")
			for _, e := range page.Entries {
				fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", e.Seq, e.At.Local().Format(time.DateTime),
					printable(e.Actor, 30), printable(e.Action, 30), printable(e.Subject, 40), printable(e.Outcome, 10),
					printable(string(e.Data), 80))
			}
			if err := w.Flush(); err != nil {
				return err
			}
			if page.Next != 0 {
				fmt.Fprintf(cmd.ErrOrStderr(), "more entries follow: quench audit --after %d\n", page.Next)
			}
			return nil
		},
	}
	cmd.Flags().Int64Var(&after, "after", 0, "list entries after this sequence number")
	cmd.Flags().IntVar(&limit, "limit", 100, "at most this many entries (up to 1000)")
	cf.register(cmd)
	cmd.SetFlagErrorFunc(usageError)
	cmd.AddCommand(newAuditVerifyCommand())
	return cmd
}

func newAuditVerifyCommand() *cobra.Command {
	var sf storeFlags
	var cf clientFlags
	cmd := &cobra.Command{
		Use:   "verify [--config FILE | --data DIR | --db URL | --url URL]",
		Short: "Check the audit trail's hash chain; exit 1 naming the first bad entry",
		Long: `Walk the whole audit trail and check its hash chain: every entry's hash
must match its contents and the previous entry's hash, so an edited,
deleted or inserted entry is found and named. Exit status 0 when the chain
holds, 1 when it does not.

By default it reads the database directly (the server's --config, or
--data, the SQLite data directory, or --db, a PostgreSQL URL), so it works with the server down and
does not trust the server's answer. With --url it asks a running server
instead (admin or owner token in $QUENCH_TOKEN).`,
		Example: `  quench audit verify --config /etc/quench/quench.yaml
  quench audit verify --data /var/lib/quench
  quench audit verify --db postgres://quench@db:5432/quench
  quench audit verify --url https://quench.example.com`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			f := cmd.Flags()
			viaAPI := f.Changed("url")
			if viaAPI && (f.Changed("data") || f.Changed("db") || f.Changed("config")) {
				return usageError(cmd, fmt.Errorf("--url asks a server; --config, --data and --db read a database: give one or the other"))
			}
			var res quenchhttp.AuditVerification
			if viaAPI {
				c, err := cf.client()
				if err != nil {
					return err
				}
				v, err := c.VerifyAudit(cmd.Context())
				if err != nil {
					return clientError(err)
				}
				res = *v
			} else {
				db, err := sf.open(cmd)
				if err != nil {
					return err
				}
				defer db.Close()
				checked, err := sqldb.NewAuditService(db).Verify(cmd.Context())
				if err != nil && quench.ErrorCode(err) != quench.EINVALID {
					return fmt.Errorf("verify: %w", err)
				}
				res = quenchhttp.AuditVerification{OK: err == nil, Checked: checked, Error: quench.ErrorMessage(err)}
			}
			if cf.json {
				if err := writeJSON(cmd.OutOrStdout(), res); err != nil {
					return err
				}
			} else if res.OK {
				fmt.Fprintf(cmd.OutOrStdout(), "audit trail intact: %s checked\n", entries(res.Checked))
			} else {
				fmt.Fprintf(cmd.ErrOrStderr(), "audit trail BROKEN: %s\n%s before it hold; keep the database as it is and investigate\n",
					res.Error, entries(res.Checked))
			}
			if !res.OK {
				return exitError{1}
			}
			return nil
		},
	}
	sf.register(cmd)
	cf.register(cmd)
	cmd.SetFlagErrorFunc(usageError)
	return cmd
}

func entries(n int64) string {
	if n == 1 {
		return "1 entry"
	}
	return fmt.Sprintf("%d entries", n)
}
