package runner

import (
	"context"
	"maps"
	"strconv"
	"strings"

	"github.com/quench-sh/quench"
	"github.com/quench-sh/quench/shell"
)

// Variables quench sets for every step.
const (
	EnvIncidentID      = "QUENCH_INCIDENT_ID"
	EnvRunbook         = "QUENCH_RUNBOOK" // "" when no runbook answers the incident
	EnvStep            = "QUENCH_STEP"
	EnvLastGoodSHA     = "QUENCH_LAST_GOOD_SHA"     // only when a deploy is recorded before the incident's suspect window
	EnvLastGoodService = "QUENCH_LAST_GOOD_SERVICE" // the service of that deploy
)

// reservedEnv reports whether quench sets the variable itself.
func reservedEnv(name string) bool {
	switch name {
	case EnvIncidentID, EnvRunbook, EnvStep, EnvLastGoodSHA, EnvLastGoodService:
		return true
	}
	return strings.HasPrefix(name, shell.LabelPrefix)
}

// incidentEnv is what every step of one incident gets beside its own name:
// computed once per diagnosis or request.
type incidentEnv struct {
	incident *quench.Incident
	vars     map[string]string
}

// envFor builds the environment of an incident's steps: the configured
// variables and secrets, the incident's id and runbook, its labels as
// QUENCH_LABEL_<NAME>, and its last-good deploy. Labels are
// values only: nothing here is ever spliced into a script.
func (r *Runner) envFor(ctx context.Context, inc *quench.Incident) incidentEnv {
	labels := shell.LabelEnv(inc.Labels)
	vars := make(map[string]string, len(r.baseEnv)+len(labels)+5)
	maps.Copy(vars, r.baseEnv)
	maps.Copy(vars, labels)
	vars[EnvIncidentID] = strconv.FormatInt(inc.ID, 10)
	vars[EnvRunbook] = inc.RunbookID
	if r.Deploys != nil {
		// The last-good deploy is the newest before the suspect window, as
		// the API shows it (quench.DeployWindow).
		from, _ := quench.DeployWindow(inc.OpenedAt)
		d, err := r.Deploys.LastDeployBefore(ctx, from)
		switch {
		case err == nil:
			vars[EnvLastGoodSHA] = d.SHA
			vars[EnvLastGoodService] = d.Service
		case quench.ErrorCode(err) != quench.ENOTFOUND:
			r.Logger.Warn("last good deploy unknown", "incident", inc.ID, "err", err)
		}
	}
	return incidentEnv{incident: inc, vars: vars}
}

// forStep returns the environment of one step; the shared map is not
// changed.
func (e incidentEnv) forStep(step string) map[string]string {
	vars := maps.Clone(e.vars)
	vars[EnvStep] = step
	return vars
}
