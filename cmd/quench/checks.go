package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/quench-sh/quench"
	"github.com/quench-sh/quench/check"
	quenchhttp "github.com/quench-sh/quench/http"
	"github.com/quench-sh/quench/shell"
	"github.com/quench-sh/quench/sqldb"
)

// manyChecks is where serve trades CPU for memory: with this many checks
// the garbage collector runs at GOGC=40 (unless GOGC is set) and the
// config's parse garbage is returned at once, which keeps 10,000 checks
// under 100 MB.
const manyChecks = 1000

// compileChecks compiles the config's checks; an error names the check's
// key (checks[2].http.url) so Validate can say file:line.
func (c *Config) compileChecks() ([]*check.Check, error) {
	cs, err := check.CompileAll(c.Checks, check.CompileOptions{Shell: shell.EnvOptions(c.Env, c.Secrets)})
	if err == nil {
		return cs, nil
	}
	var ie *check.IndexError
	if !errors.As(err, &ie) {
		return nil, err
	}
	field := fmt.Sprintf("checks[%d]", ie.Index)
	msg := ie.Err.Error()
	var fe *check.FieldError
	if errors.As(ie.Err, &fe) {
		msg = fe.Msg
		if fe.Field != "kind" {
			field += "." + fe.Field
		}
	}
	if name := c.Checks[ie.Index].Name; name != "" {
		msg = fmt.Sprintf("(%s) %s", name, msg)
	}
	return nil, fieldErrorf(field, "%s", msg)
}

// openChecks starts the check engine: on the server holding the checks
// lead (the only one on SQLite), it runs the config's checks; every server
// answers GET /api/v1/checks. SIGHUP reloads the checks from the config
// file.
func (s *ServeCommand) openChecks(ctx context.Context, srv *quenchhttp.Server) error {
	checks, err := s.Config.compileChecks()
	if err != nil {
		return s.Config.source.locate(err)
	}
	if len(checks) >= manyChecks && os.Getenv("GOGC") == "" {
		debug.SetGCPercent(40)
		s.gcPinned = true
	}
	eng := &check.Engine{
		Alerts:    srv.Alerts,
		Store:     sqldb.NewCheckStore(s.DB),
		Env:       stepEnv(s.Pack, s.Config.Env, s.Log),
		Secrets:   s.Config.Secrets,
		MaxOutput: s.Config.Diagnosis.MaxOutput,
		Log:       s.Log,
		Now:       s.Now,
	}
	eng.SetChecks(ctx, checks)
	if len(checks) >= manyChecks {
		// Decoding a config of thousands of checks leaves tens of MB of
		// parse garbage; give it back now rather than when the scavenger
		// gets to it.
		debug.FreeOSMemory()
	}
	s.Checks = eng
	srv.Checks = eng

	s.stopChecks = runInBackground(ctx, s.reloadChecks, func(ctx context.Context) {
		eng.RunLeader(ctx, s.DB.TryLeader, leaderInterval)
	})
	if len(checks) > 0 {
		s.Log.Info("checks on", "checks", len(checks))
	}
	return nil
}

// reloadChecks reads the config file again and swaps the checks; a file
// that does not load leaves the running checks alone and says why.
func (s *ServeCommand) reloadChecks(ctx context.Context) {
	if s.ConfigPath == "" {
		return
	}
	cfg, err := LoadConfig(s.ConfigPath, os.Getenv)
	if err == nil {
		err = cfg.Validate()
	}
	var checks []*check.Check
	if err == nil {
		checks, err = cfg.compileChecks()
	}
	if err != nil {
		s.Log.Error("checks: reload failed; the running checks stay", "err", err)
		return
	}
	s.Checks.SetChecks(ctx, checks)
	s.Log.Info("checks reloaded", "checks", len(checks))
}

func newChecksCommand() *cobra.Command {
	var cf clientFlags
	cmd := &cobra.Command{
		Use:   "checks",
		Short: "List the built-in checks and their state",
		Long: `List the server's built-in checks (the config's checks section): each one's
state (passing, failing, pending), whether its incident is open (FIRING),
since when, the latency and message of its last run, and its runbook.
--json prints everything, with each check's recent history.` + clientLong,
		Example: `  quench checks
  quench checks --json | jq '.checks[] | select(.firing)'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := cf.client()
			if err != nil {
				return err
			}
			list, err := c.FindChecks(cmd.Context())
			if err != nil {
				return clientError(err)
			}
			if cf.json {
				return writeJSON(cmd.OutOrStdout(), list)
			}
			if len(list.Checks) == 0 {
				fmt.Fprintln(cmd.ErrOrStderr(), "no checks configured (the config's checks section; see docs/checks.md)")
				return nil
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "NAME\tKIND\tSTATE\tSINCE\tLATENCY\tEVERY\tRUNBOOK\tLAST")
			now := time.Now()
			for _, st := range list.Checks {
				printCheck(w, now, st)
			}
			return w.Flush()
		},
	}
	cf.register(cmd)
	return cmd
}

func printCheck(w *tabwriter.Writer, now time.Time, st *quench.CheckState) {
	state := strings.ToUpper(string(st.Status))
	if st.Firing {
		state = "FIRING"
	}
	since, latency, last := "-", "-", ""
	if !st.Since.IsZero() {
		since = age(now, st.Since)
	}
	if st.Last != nil {
		latency = fmt.Sprintf("%.0fms", st.Last.LatencyMS)
		if st.Last.LatencyMS < 10 {
			latency = fmt.Sprintf("%.1fms", st.Last.LatencyMS)
		}
		last = st.Last.Message
		if st.Last.OK {
			last = "ok"
		}
	}
	runbook := st.RunbookID
	if runbook == "" {
		runbook = "(match)"
	}
	fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", printable(st.Name, 40), st.Kind, state, since, latency, st.Interval,
		printable(runbook, 40), printable(last, 80))
}
