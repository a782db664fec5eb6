package runner

import (
	"errors"
	"fmt"

	"github.com/quench-sh/quench"
	"github.com/quench-sh/quench/shell"
)

// Sandbox modes (the config's diagnosis.sandbox): how steps that run
// because they are read-only are confined.
const (
	// SandboxAuto confines read-only steps where the target can; where it
	// cannot they run unconfined, with a note on their timeline.
	SandboxAuto = "auto"
	// SandboxRequired refuses a read-only step the target cannot confine
	// unless a person confirms it: automatic diagnosis skips it.
	SandboxRequired = "required"
	// SandboxOff runs read-only steps unconfined: the classifier is their
	// only wall.
	SandboxOff = "off"
)

// ValidSandbox reports whether mode is a sandbox mode ("" means auto).
func ValidSandbox(mode string) bool {
	switch mode {
	case "", SandboxAuto, SandboxRequired, SandboxOff:
		return true
	}
	return false
}

// confine decides how a checked step runs: a read-only step runs
// sandboxed where its target can confine it (p.sandbox names the wall);
// otherwise it runs unconfined with the reason noted (p.unsandboxed),
// unless the mode is required and no person confirmed it, when it returns
// why it must not run. A step that is not read-only runs as a person
// confirmed it, unconfined: it may be meant to change things.
func (r *Runner) confine(p *plan, confirmed bool) (refusal string) {
	if p.class != quench.ReadOnly {
		return ""
	}
	if r.Sandbox == SandboxOff {
		p.unsandboxed = "diagnosis.sandbox is off"
		return ""
	}
	name, err := confinement(p.runner, p.target)
	if err == nil {
		p.sandbox = name
		return ""
	}
	if r.Sandbox == SandboxRequired && !confirmed {
		return fmt.Sprintf("step %s cannot run sandboxed on %s (%v) and diagnosis.sandbox is required; a person may confirm it to run it without the sandbox", p.step.Name, p.target, err)
	}
	p.unsandboxed = err.Error()
	return ""
}

// confinement asks a target how it confines read-only steps.
func confinement(rn shell.Runner, target string) (string, error) {
	c, ok := rn.(shell.Confiner)
	if !ok {
		return "", errors.New("target " + target + " has no sandbox")
	}
	return c.Confinement()
}

// readOnlyPGOptions makes every transaction a libpq client opens read-only
// (PostgreSQL's default_transaction_read_only): a wall inside the
// database, for psql and pg_* tools the sandbox cannot see into.
const readOnlyPGOptions = "-c default_transaction_read_only=on"

// readOnlyEnv gives a read-only step PGOPTIONS=readOnlyPGOptions, unless
// the operator's configuration sets PGOPTIONS (an empty value opts out,
// e.g. for a pgbouncer that refuses startup options). p.env is the
// step's own copy.
func readOnlyEnv(p *plan) {
	if p.class != quench.ReadOnly {
		return
	}
	if _, set := p.env["PGOPTIONS"]; !set {
		p.env["PGOPTIONS"] = readOnlyPGOptions
	}
}
