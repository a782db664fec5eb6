package main

import (
	"context"

	quenchhttp "github.com/quench-sh/quench/http"
	"github.com/quench-sh/quench/runner"
	"github.com/quench-sh/quench/shell"
	"github.com/quench-sh/quench/sqldb"
	"github.com/quench-sh/quench/ssh"
)

// stepTargets builds the places steps run from the config: "local" is
// always this machine, and every target with an ssh section is that host.
// A target without one is another name for this machine.
func stepTargets(cfg Config, s *ServeCommand) map[string]shell.Runner {
	targets := map[string]shell.Runner{runner.LocalTarget: shell.Local{}}
	for name, t := range cfg.Targets {
		if t.SSH == nil {
			targets[name] = shell.Local{}
			continue
		}
		targets[name] = &ssh.Runner{
			Target: ssh.Target{
				Name: name, Addr: t.SSH.Addr, User: t.SSH.User, KeyFile: t.SSH.KeyFile,
				KnownHostsFile: t.SSH.KnownHosts, Timeout: t.SSH.Timeout,
			},
			Logger: s.Log,
		}
	}
	return targets
}

// openRunner starts the diagnosis and remediation runner over the
// server's services, configured by the diagnosis, targets, env and
// secrets sections.
func (s *ServeCommand) openRunner(ctx context.Context, srv *quenchhttp.Server) (*runner.Runner, error) {
	cfg := s.Config
	r := &runner.Runner{
		Incidents:     srv.Incidents,
		StepLog:       sqldb.NewIncidentService(s.DB),
		Events:        s.Events,
		Audit:         srv.Audit,
		ChangeControl: srv.ChangeControl,
		Deploys:       srv.Deploys,
		Runbooks:      srv.Runbooks,
		FirstSteps:    s.Pack.FirstSteps,
		Targets:       stepTargets(cfg, s),
		Env:           stepEnv(s.Pack, cfg.Env, s.Log), // pack.go
		Secrets:       cfg.Secrets,
		Workers:       cfg.Diagnosis.Workers,
		Timeout:       cfg.Diagnosis.Timeout,
		MaxOutput:     cfg.Diagnosis.MaxOutput,
		AutoDiagnosis: cfg.AutoDiagnosis(),
		Logger:        s.Log,
		Now:           s.Now,
	}
	if err := r.Open(ctx); err != nil {
		return nil, err
	}
	return r, nil
}
