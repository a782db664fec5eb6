package check

import (
	"regexp"
	"sync"

	"github.com/quench-sh/quench"
)

// selfSourced matches a match expression that only alerts quench raises
// itself can satisfy: it requires source check or heartbeat.
var selfSourced = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`source\s*==\s*"(check|heartbeat)"`) })

// checkNamed finds the check names a match expression tests for.
var checkNamed = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`check\s*==\s*"([^"]+)"`) })

// Unreached returns the ids of runbooks that neither a configured check
// nor an outside alert can reach, in the pack's order: no check names the
// runbook, none of its match expressions tests a configured check's name
// or matches the alert a configured check raises, and every one of them
// requires source check or heartbeat (so Alertmanager, Grafana, PagerDuty
// and generic alerts cannot reach it either). A heartbeat named in an
// expression (source heartbeat) counts as reachable only through a check
// of that name.
func Unreached(runbooks []*quench.Runbook, checks []*Check, router quench.Router) []string {
	reached := map[string]bool{}
	names := map[string]bool{}
	for _, c := range checks {
		names[c.Spec.Name] = true
		if c.Spec.Runbook != "" {
			reached[c.Spec.Runbook] = true
			continue
		}
		if router != nil {
			a := FailingAlert(c, "", nil)
			if id := router.Route(&a); id != "" {
				reached[id] = true
			}
		}
	}
	var out []string
	for _, rb := range runbooks {
		if reached[rb.ID] || reachable(rb, names) {
			continue
		}
		out = append(out, rb.ID)
	}
	return out
}

func reachable(rb *quench.Runbook, checks map[string]bool) bool {
	for _, m := range rb.Match {
		if !selfSourced().MatchString(m.Expr) {
			return true
		}
		for _, sub := range checkNamed().FindAllStringSubmatch(m.Expr, -1) {
			if checks[sub[1]] {
				return true
			}
		}
	}
	return false
}
