package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/spf13/cobra"

	"github.com/quench-sh/quench"
	"github.com/quench-sh/quench/check"
	"github.com/quench-sh/quench/drill"
	"github.com/quench-sh/quench/escalate"
	"github.com/quench-sh/quench/heartbeat"
	quenchhttp "github.com/quench-sh/quench/http"
	"github.com/quench-sh/quench/ingest"
	"github.com/quench-sh/quench/inmem"
	"github.com/quench-sh/quench/markdown"
	"github.com/quench-sh/quench/route"
	"github.com/quench-sh/quench/runner"
	"github.com/quench-sh/quench/sandbox"
	"github.com/quench-sh/quench/sqldb"
	"github.com/quench-sh/quench/suppress"
)

// ServeCommand is `quench serve`: it wires the store, the runbook pack and
// the HTTP server together, runs until its context ends, then shuts down in
// reverse order.
type ServeCommand struct {
	Config Config
	// ConfigPath is the file Config came from, reread on SIGHUP for the
	// signals quench watches (signals.go); "" for none.
	ConfigPath string
	Log        *slog.Logger
	Now        func() time.Time

	DB *sqldb.DB
	// Events carries incident events to the runner, paging, drills and the
	// live streams: in memory on SQLite; on PostgreSQL shared with every
	// instance on the database (sharedEvents).
	Events       quench.EventService
	sharedEvents *sqldb.EventService
	// gcPinned: the collector's setting was chosen at open (GOGC=40 for
	// many checks); Run leaves it alone.
	gcPinned bool
	Pack     *markdown.Pack
	Server   *quenchhttp.Server
	Runner   *runner.Runner   // diagnosis and remediation (steprunner.go)
	Paging   *escalate.Engine // escalation and notifications (paging.go); nil when off
	Drills   *drill.Service   // drills on request and on schedule (drill.go)
	// Heartbeats watches the jobs that ping quench (signals.go).
	Heartbeats *heartbeat.Monitor
	Checks     *check.Engine // built-in checks (checks.go)
	// Suppress holds back silenced, maintenance and symptom alerts
	// (signals.go).
	Suppress *suppress.Service

	stopSignals func()
	stopPaging  func()
	stopChecks  func()
	sandbox     *sandbox.Launcher // starts read-only steps confined (steprunner.go); nil without the sandbox
}

func newServeCommand() *cobra.Command {
	var configPath string
	def := DefaultConfig()
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the quench server: API, ingest, diagnosis",
		Long: `Run the quench server. With no flags it uses the embedded SQLite database in
./quench-data, the runbooks in ./runbooks (or, when there is no such
directory, the reference pack built into quench) and listens on
127.0.0.1:8080.
Flags override the config file. Stop it with Ctrl-C (SIGINT) or SIGTERM:
in-flight requests finish and every accepted alert is already on disk.`,
		Example: `  quench serve
  quench serve --config quench.example.yaml
  quench serve --db postgres://quench@db:5432/quench --listen :8080`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg := DefaultConfig()
			if configPath != "" {
				var err error
				if cfg, err = LoadConfig(configPath, os.Getenv); err != nil {
					return err
				}
			}
			f := cmd.Flags()
			for name, dst := range map[string]*string{"listen": &cfg.Listen, "data": &cfg.Data, "db": &cfg.DB, "runbooks": &cfg.Runbooks} {
				if f.Changed(name) {
					v, _ := f.GetString(name)
					*dst = v
				}
			}
			if err := cfg.Validate(); err != nil {
				return err
			}
			s := &ServeCommand{Config: cfg, ConfigPath: configPath, Log: newLogger(cfg, cmd.ErrOrStderr())}
			return s.Run(cmd.Context())
		},
	}
	f := cmd.Flags()
	f.StringVar(&configPath, "config", "", "YAML config file (see quench.example.yaml)")
	// The flags are read in RunE only when set, so they override the file.
	f.String("listen", def.Listen, "address to listen on")
	f.String("data", def.Data, "data directory (SQLite database)")
	f.String("db", def.DB, "PostgreSQL URL (postgres://…); empty for the embedded SQLite")
	f.String("runbooks", def.Runbooks, "runbook pack directory")
	return cmd
}

func newLogger(cfg Config, w io.Writer) *slog.Logger {
	level, _ := parseLevel(cfg.Log.Level)
	opts := &slog.HandlerOptions{Level: level}
	if cfg.Log.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// Run opens everything, serves until ctx is done, then closes.
func (s *ServeCommand) Run(ctx context.Context) error {
	if err := s.Open(ctx); err != nil {
		s.Close(context.Background())
		return err
	}
	s.Log.Info("quench serving", "url", s.Server.URL(), "runbooks", len(s.Pack.Runbooks), "pack", s.Pack.Dir, "db", s.DB.Dialect())
	if os.Getenv("GOGC") == "" && !s.gcPinned {
		go tuneGC(ctx) // gc.go
	}
	<-ctx.Done()
	s.Log.Info("shutting down: finishing in-flight requests (Ctrl-C again to stop at once)")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return s.Close(shutdownCtx)
}

// isPostgres reports whether a --db URL names PostgreSQL.
func isPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// Open loads the pack, opens the database and starts listening.
func (s *ServeCommand) Open(ctx context.Context) error {
	if s.Now == nil {
		s.Now = time.Now
	}
	if s.Log == nil {
		s.Log = slog.New(slog.DiscardHandler)
	}
	pack, err := loadServePack(s.Config.Runbooks, s.Log) // pack.go
	if err != nil {
		return fmt.Errorf("load runbooks: %w", err)
	}
	s.Pack = pack
	for _, p := range pack.Problems {
		s.Log.Warn("runbook pack", "problem", p.String())
	}
	router, err := route.New(pack.Runbooks)
	if err != nil {
		return fmt.Errorf("runbooks: %w", err)
	}
	if err := os.MkdirAll(s.Config.Data, 0o700); err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	local := inmem.NewEventService(0)
	s.Events = local
	if isPostgres(s.Config.DB) {
		s.sharedEvents = sqldb.NewEventService(local, s.Log)
		s.Events = s.sharedEvents
	}
	s.DB, err = sqldb.Open(ctx, sqldb.Config{DSN: s.Config.DB, DataDir: s.Config.Data, Logger: s.Log, Now: s.Now,
		KeepAcknowledgedOpen: s.Config.Incidents.KeepAcknowledgedOpen, Events: s.Events,
		QueueDiagnoses: s.Config.AutoDiagnosis(), ShareDiagnosesWithin: s.Config.DiagnosisShareWithin()})
	if err != nil {
		return fmt.Errorf("open database: %w", err)
	}
	if s.sharedEvents != nil {
		// Listening before anything subscribes or writes: no other
		// instance's event is missed from here on.
		if err := s.sharedEvents.Open(ctx, s.DB); err != nil {
			return fmt.Errorf("share incident events: %w", err)
		}
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	srv := quenchhttp.NewServer()
	srv.Addr = s.Config.Listen
	incidents := sqldb.NewIncidentService(s.DB)
	srv.Incidents = incidents
	srv.Alerts = &ingest.AlertService{Store: incidents, Router: router, Now: s.Now}
	srv.Events = s.Events
	srv.Tokens = sqldb.NewTokenService(s.DB)
	srv.Audit = sqldb.NewAuditService(s.DB)
	srv.Deploys = sqldb.NewDeployService(s.DB)
	srv.ChangeControl = sqldb.NewChangeControlService(s.DB)
	srv.Runbooks = &markdown.RunbookService{Pack: pack}
	srv.Sessions = sqldb.NewSessionService(s.DB)
	srv.Web = s.Config.Web.server(markdown.Index(pack))
	srv.Ready = s.DB.Ready
	srv.Logger = s.Log
	srv.Now = s.Now
	srv.Registry = reg
	s.Server = srv
	// Steps: the runner diagnoses every opened incident and runs steps on
	// request (steprunner.go). It opens before the server takes alerts.
	if s.Runner, err = s.openRunner(ctx, srv); err != nil {
		return fmt.Errorf("step runner: %w", err)
	}
	srv.Steps = s.Runner
	if err := s.openPaging(ctx, srv, reg); err != nil {
		return err
	}
	if s.Drills, err = s.openDrills(ctx, srv); err != nil {
		return fmt.Errorf("drills: %w", err)
	}
	srv.Drills = s.Drills
	if err := s.openSignals(ctx, srv); err != nil {
		return err
	}
	if err := s.openChecks(ctx, srv); err != nil {
		return err
	}
	if err := srv.Open(); err != nil {
		return fmt.Errorf("listen on %s: %w", s.Config.Listen, err)
	}
	return nil
}

// Close stops the server (in-flight requests finish), then the step runner,
// then the database.
func (s *ServeCommand) Close(ctx context.Context) error {
	var errs []error
	if s.Server != nil {
		errs = append(errs, s.Server.Close(ctx))
	}
	// Heartbeat deadlines stop before the pipeline they alert through.
	if s.stopSignals != nil {
		s.stopSignals()
	}
	// Drills stop waiting on the runner first.
	if s.Drills != nil {
		errs = append(errs, s.Drills.Close())
	}
	// Checks stop (runs in flight end) before the pipeline they feed.
	if s.stopChecks != nil {
		s.stopChecks()
	}
	// Escalation stops (sends in flight finish and are recorded) before
	// the database closes.
	if s.stopPaging != nil {
		s.stopPaging()
	}
	// The runner stops its steps and records how they ended before the
	// database closes.
	if s.Runner != nil {
		errs = append(errs, s.Runner.Close())
	}
	if s.sandbox != nil {
		errs = append(errs, s.sandbox.Close())
	}
	// Events still queued for the other instances are sent while the
	// database is open.
	if s.sharedEvents != nil {
		errs = append(errs, s.sharedEvents.Close())
	}
	if s.DB != nil {
		errs = append(errs, s.DB.Close())
	}
	return errors.Join(errs...)
}
