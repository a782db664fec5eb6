package main

import (
	"context"
	"os"

	"github.com/prometheus/client_golang/prometheus"

	quenchhttp "github.com/quench-sh/quench/http"
	"github.com/quench-sh/quench/runner"
	"github.com/quench-sh/quench/sandbox"
	"github.com/quench-sh/quench/shell"
	"github.com/quench-sh/quench/sqldb"
	"github.com/quench-sh/quench/ssh"
)

// stepTargets builds the places steps run from the config: "local" is
// always this machine, and every target with an ssh section is that host.
// A target without one is another name for this machine.
func stepTargets(cfg Config, s *ServeCommand, local shell.Local) map[string]shell.Runner {
	targets := map[string]shell.Runner{runner.LocalTarget: local}
	for name, t := range cfg.Targets {
		if t.SSH == nil {
			targets[name] = local
			continue
		}
		targets[name] = &ssh.Runner{
			Target: ssh.Target{
				Name: name, Addr: t.SSH.Addr, User: t.SSH.User, KeyFile: t.SSH.KeyFile,
				KnownHostsFile: t.SSH.KnownHosts, Timeout: t.SSH.Timeout,
			},
			ReadOnlyWrapper: t.SSH.ReadOnlyWrapper,
			Logger:          s.Log,
		}
	}
	return targets
}

// localRunner is the local target: with diagnosis.sandbox auto or
// required, and a kernel whose Landlock the sandbox can use, read-only
// steps run confined, started by one launcher child (quench's own
// executable re-run as `quench sandbox-exec --launcher`, from the first
// such step on) that checks its own confinement before it starts any.
// Nothing restricts the server. Where the sandbox cannot work the server
// says so at start, and every read-only step's timeline says so again.
func (s *ServeCommand) localRunner() shell.Local {
	mode := s.Config.Diagnosis.Sandbox
	if mode == runner.SandboxOff {
		s.Log.Warn("diagnosis.sandbox is off: read-only steps run without the sandbox, the classifier is their only wall")
		return shell.Local{NoSandbox: "diagnosis.sandbox is off"}
	}
	exe, err := os.Executable()
	if err == nil {
		s.sandbox, err = sandbox.NewLauncher(exe)
	}
	if err != nil {
		consequence := "read-only steps run without it, the classifier is their only wall"
		if mode == runner.SandboxRequired {
			consequence = "diagnosis.sandbox is required: read-only steps run only when a person confirms them, and automatic diagnosis runs none"
		}
		s.Log.Warn("the sandbox does not work here: "+consequence, "reason", err)
		return shell.Local{NoSandbox: "the sandbox does not work here: " + err.Error()}
	}
	s.Log.Info("read-only steps run sandboxed", "sandbox", s.sandbox.Name())
	return shell.Local{Sandbox: &shell.Sandbox{Launcher: s.sandbox, Name: s.sandbox.Name()}}
}

// openRunner starts the diagnosis and remediation runner over the
// server's services, configured by the diagnosis, targets, env and
// secrets sections.
func (s *ServeCommand) openRunner(ctx context.Context, srv *quenchhttp.Server) (*runner.Runner, error) {
	cfg := s.Config
	local := s.localRunner()
	sandboxed := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "quench_diagnosis_sandboxed",
		Help: "1 when read-only local steps run in the Landlock sandbox, 0 when they run without it (unsupported here, or diagnosis.sandbox off).",
	})
	if local.Sandbox != nil {
		sandboxed.Set(1)
	}
	if err := srv.Registry.Register(sandboxed); err != nil {
		return nil, err
	}
	r := &runner.Runner{
		Incidents:     srv.Incidents,
		StepLog:       sqldb.NewIncidentService(s.DB),
		Events:        s.Events,
		Audit:         srv.Audit,
		ChangeControl: srv.ChangeControl,
		Deploys:       srv.Deploys,
		Runbooks:      srv.Runbooks,
		FirstSteps:    s.Pack.FirstSteps,
		Targets:       stepTargets(cfg, s, local),
		Env:           stepEnv(s.Pack, cfg.Env, s.Log), // pack.go
		Secrets:       cfg.Secrets,
		Workers:       cfg.Diagnosis.Workers,
		Timeout:       cfg.Diagnosis.Timeout,
		MaxOutput:     cfg.Diagnosis.MaxOutput,
		AutoDiagnosis: cfg.AutoDiagnosis(),
		Sandbox:       cfg.Diagnosis.Sandbox,
		Queue:         sqldb.NewDiagnosisQueue(s.DB), // the store queues one per opened incident
		Logger:        s.Log,
		Now:           s.Now,
	}
	if err := r.Open(ctx); err != nil {
		return nil, err
	}
	return r, nil
}
