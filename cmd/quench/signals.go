package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/quench-sh/quench"
	"github.com/quench-sh/quench/heartbeat"
	quenchhttp "github.com/quench-sh/quench/http"
	"github.com/quench-sh/quench/ingest"
	"github.com/quench-sh/quench/sqldb"
	"github.com/quench-sh/quench/suppress"
)

// heartbeatResync is how often the server leading heartbeats on
// PostgreSQL rereads their state, to see the /start pings other servers
// took (a success or failure alerts on whichever server takes it).
const heartbeatResync = 2 * time.Second

// openSignals starts what quench watches for itself: heartbeats, and the
// suppression step (silences, maintenance windows, inhibition) of the
// server's AlertService. It hands their routes to the server and rereads
// the config file's heartbeats and rules on SIGHUP.
func (s *ServeCommand) openSignals(ctx context.Context, srv *quenchhttp.Server) error {
	cfgs, err := s.heartbeatConfigs(s.Config)
	if err != nil {
		return err
	}
	rules, err := suppressRules(s.Config, s.Pack)
	if err != nil {
		return err
	}
	alerts := srv.Alerts.(*ingest.AlertService)
	sup := &suppress.Service{
		Store: sqldb.NewSilenceService(s.DB), Incidents: srv.Incidents, Alerts: alerts, Router: alerts.Router, Events: s.Events,
		Leader: s.DB.TryLeader, LeaderInterval: leaderInterval, Logger: s.Log, Now: s.Now,
	}
	if s.DB.Dialect() == sqldb.DialectPostgres {
		sup.Resync = heartbeatResync
	}
	if err := sup.Open(ctx, rules); err != nil {
		return fmt.Errorf("silences: %w", err)
	}
	alerts.Suppressor = sup
	s.Suppress = sup
	srv.Silences = sup

	mon := &heartbeat.Monitor{
		Store: sqldb.NewHeartbeatService(s.DB), Alerts: srv.Alerts, Incidents: srv.Incidents,
		Leader: s.DB.TryLeader, LeaderInterval: leaderInterval, Logger: s.Log, Now: s.Now,
	}
	if s.DB.Dialect() == sqldb.DialectPostgres {
		mon.Resync = heartbeatResync
	}
	if err := mon.Open(ctx, cfgs); err != nil {
		return fmt.Errorf("heartbeats: %w", err)
	}
	s.Heartbeats = mon
	srv.Heartbeats = mon
	srv.PublicURL = s.Config.Paging.PublicURL

	stop := runInBackground(ctx, s.reloadSignals)
	s.stopSignals = func() {
		stop()
		mon.Close()
		sup.Close()
	}
	if len(cfgs) > 0 {
		s.Log.Info("heartbeats on", "heartbeats", len(cfgs))
	}
	return nil
}

// reloadSignals rereads the config file and applies its heartbeats; a
// file that does not load or validate changes nothing and is logged with
// its file:line.
func (s *ServeCommand) reloadSignals(ctx context.Context) {
	if s.ConfigPath == "" {
		return
	}
	cfg, err := LoadConfig(s.ConfigPath, os.Getenv)
	if err == nil {
		err = cfg.Validate()
	}
	var cfgs []heartbeat.Config
	if err == nil {
		cfgs, err = s.heartbeatConfigs(cfg)
	}
	var rules suppress.Rules
	if err == nil {
		rules, err = suppressRules(cfg, s.Pack)
	}
	if err == nil {
		err = s.Heartbeats.Reload(ctx, cfgs)
	}
	if err != nil {
		s.Log.Error("reload: the config's signals are unchanged", "err", err)
		return
	}
	s.Suppress.SetRules(rules)
	s.Log.Info("reloaded signals", "config", s.ConfigPath, "heartbeats", len(cfgs), "maintenance", len(rules.Windows), "inhibit_rules", len(rules.Inhibit))
}

// heartbeatConfigs turns the config's heartbeats into the monitor's form,
// checking each named runbook is in the pack.
func (s *ServeCommand) heartbeatConfigs(cfg Config) ([]heartbeat.Config, error) {
	out := make([]heartbeat.Config, 0, len(cfg.Heartbeats))
	for i, h := range cfg.Heartbeats {
		c, err := h.config()
		if err != nil {
			return nil, cfg.source.locate(fieldErrorf(fmt.Sprintf("heartbeats[%d].timezone", i), "%v", err))
		}
		if h.Runbook != "" {
			if _, err := s.Pack.Runbook(h.Runbook); err != nil {
				return nil, cfg.source.locate(fieldErrorf(fmt.Sprintf("heartbeats[%d].runbook", i), "%s", quench.ErrorMessage(err)))
			}
		}
		out = append(out, c)
	}
	return out, nil
}
