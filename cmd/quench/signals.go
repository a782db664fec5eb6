package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/quench-sh/quench"
	"github.com/quench-sh/quench/heartbeat"
	quenchhttp "github.com/quench-sh/quench/http"
	"github.com/quench-sh/quench/sqldb"
)

// heartbeatResync is how often the server leading heartbeats on
// PostgreSQL rereads their state, to see the /start pings other servers
// took (a success or failure alerts on whichever server takes it).
const heartbeatResync = 2 * time.Second

// openSignals starts what quench watches for itself: heartbeats. It hands
// the ping routes to the server and rereads the config file's heartbeats
// on SIGHUP.
func (s *ServeCommand) openSignals(ctx context.Context, srv *quenchhttp.Server) error {
	cfgs, err := s.heartbeatConfigs(s.Config)
	if err != nil {
		return err
	}
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

	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer signal.Stop(hup)
		for {
			select {
			case <-runCtx.Done():
				return
			case <-hup:
				s.reloadSignals(runCtx)
			}
		}
	}()
	s.stopSignals = func() {
		cancel()
		wg.Wait()
		mon.Close()
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
	if err == nil {
		err = s.Heartbeats.Reload(ctx, cfgs)
	}
	if err != nil {
		s.Log.Error("reload: the config's signals are unchanged", "err", err)
		return
	}
	s.Log.Info("reloaded heartbeats", "config", s.ConfigPath, "heartbeats", len(cfgs))
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
