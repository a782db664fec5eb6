package check

import (
	"context"
	"strings"
	"time"

	"github.com/quench-sh/quench/shell"
)

type commandProbe struct {
	script  string
	timeout time.Duration
}

func newCommandProbe(s CommandSpec, timeout time.Duration, opts shell.Options) (*commandProbe, error) {
	if strings.TrimSpace(s.Run) == "" {
		return nil, fieldErr("command.run", "is required (a read-only command)")
	}
	class, why, err := opts.Classify(s.Run)
	if err != nil || class != shell.ReadOnly {
		return nil, fieldErr("command.run", "is %s (%s): a check runs only commands the classifier proves read-only", class, why)
	}
	return &commandProbe{script: s.Run, timeout: timeout}, nil
}

// probe runs the command as a diagnosis step runs: a clean environment
// of the operator's variables, a process group killed at the timeout,
// output capped and scrubbed of secrets.
func (p *commandProbe) probe(ctx context.Context, d *deps, o *observation) error {
	res, err := d.shell.Run(ctx, shell.Spec{Script: p.script, Env: d.env, Timeout: p.timeout,
		MaxOutput: d.maxOutput, Secrets: d.secrets}, nil)
	if err != nil {
		return err
	}
	if res.TimedOut {
		return context.DeadlineExceeded
	}
	o.vars["exit_code"] = res.ExitCode
	o.vars["output"] = string(res.Output)
	return nil
}

// commandDefault is what a command check without conditions wants.
const commandDefault = `exit_code == 0`
