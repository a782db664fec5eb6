// Package route picks the runbook that answers an alert. It wraps
// expr-lang/expr: runbooks' match expressions are compiled once, at load or
// lint time, against Env, and evaluated for every alert.
package route

import (
	"fmt"
	"path"
	"strings"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm"

	"github.com/quench-sh/quench"
)

// Env is what a match expression sees of an alert.
type Env struct {
	Source      string            `expr:"source"`
	Labels      map[string]string `expr:"labels"`
	Annotations map[string]string `expr:"annotations"`
	Summary     string            `expr:"summary"`
	Severity    string            `expr:"severity"`
	Check       string            `expr:"check"`
	Body        map[string]any    `expr:"body"`
}

// EnvFor returns the expression environment of an alert.
func EnvFor(a *quench.Alert) Env {
	return Env{
		Source:      a.Source,
		Labels:      a.Labels,
		Annotations: a.Annotations,
		Summary:     a.Summary,
		Severity:    string(a.Severity),
		Check:       a.Check,
		Body:        a.Body,
	}
}

// Compile compiles one match expression; it must yield a boolean. The error
// says what is wrong, without position prefixes the caller adds itself.
func Compile(expression string) (*vm.Program, error) {
	prog, err := expr.Compile(expression, expr.Env(Env{}), expr.AsBool())
	if err != nil {
		return nil, fmt.Errorf("match expression %q: %s", expression, firstLine(err.Error()))
	}
	return prog, nil
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// Router routes alerts to runbooks. It is safe for concurrent use: compiled
// programs are read-only and each evaluation gets its own VM state.
type Router struct {
	ids     map[string]bool
	entries []entry
}

type entry struct {
	runbookID string
	rank      int
	progs     []*vm.Program
}

// New compiles every runbook's match expressions. Runbooks must be in file
// order, which breaks ties between equally severe matches.
func New(runbooks []*quench.Runbook) (*Router, error) {
	r := &Router{ids: make(map[string]bool, len(runbooks))}
	for _, rb := range runbooks {
		r.ids[rb.ID] = true
		e := entry{runbookID: rb.ID, rank: rb.Severity.Rank()}
		for _, m := range rb.Match {
			prog, err := Compile(m.Expr)
			if err != nil {
				return nil, fmt.Errorf("%s:%d: %w", rb.Path, m.Line, err)
			}
			e.progs = append(e.progs, prog)
		}
		r.entries = append(r.entries, e)
	}
	return r, nil
}

// Route returns the id of the runbook that answers a, or "" when none does.
// An explicit `runbook` label or annotation, or a `runbook_url` whose last
// path element names a known runbook, wins over match expressions; among
// matching runbooks the most severe wins, ties going to the first in file order.
func (r *Router) Route(a *quench.Alert) string {
	if id := r.explicit(a); id != "" {
		return id
	}
	env := EnvFor(a)
	best, bestRank := "", 0
	for _, e := range r.entries {
		if e.rank <= bestRank && best != "" {
			continue
		}
		if e.matches(env) {
			best, bestRank = e.runbookID, e.rank
		}
	}
	return best
}

func (e entry) matches(env Env) bool {
	for _, p := range e.progs {
		out, err := expr.Run(p, env)
		if err != nil {
			// A runtime error (a nil map index on a missing body, say) means
			// this expression does not match; it must not stop routing.
			continue
		}
		if ok, _ := out.(bool); ok {
			return true
		}
	}
	return false
}

func (r *Router) explicit(a *quench.Alert) string {
	for _, m := range []map[string]string{a.Labels, a.Annotations} {
		if id := strings.TrimSpace(m["runbook"]); r.ids[id] {
			return id
		}
	}
	for _, m := range []map[string]string{a.Labels, a.Annotations} {
		u := strings.TrimSpace(m["runbook_url"])
		if u == "" {
			continue
		}
		if i := strings.IndexAny(u, "?#"); i >= 0 {
			u = u[:i]
		}
		id := strings.TrimSuffix(path.Base(strings.TrimRight(u, "/")), ".md")
		if r.ids[id] {
			return id
		}
	}
	return ""
}
