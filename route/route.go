// Package route picks the runbook that answers an alert. It wraps
// expr-lang/expr: runbooks' match expressions are compiled once, at load or
// lint time, against Env, and evaluated for every alert.
package route

import (
	"fmt"
	"path"
	"strconv"
	"strings"
	"sync"

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
		return nil, fmt.Errorf("match expression %q: %s", expression, compileMessage(err.Error()))
	}
	return prog, nil
}

// compileMessage keeps the first line of expr's error (the rest draws a
// caret under the source) and rewrites its "(line:column)" suffix, which
// would read as a file position next to the caller's file:line prefix, as
// "at column C" ("at line L, column C" in a multi-line expression).
func compileMessage(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	open := strings.LastIndex(s, " (")
	if open < 0 || !strings.HasSuffix(s, ")") {
		return s
	}
	l, c, ok := strings.Cut(s[open+2:len(s)-1], ":")
	line, err1 := strconv.Atoi(l)
	col, err2 := strconv.Atoi(c)
	if !ok || err1 != nil || err2 != nil {
		return s
	}
	if line == 1 {
		return fmt.Sprintf("%s at column %d", s[:open], col)
	}
	return fmt.Sprintf("%s at line %d, column %d", s[:open], line, col)
}

// Router routes alerts to runbooks. It is safe for concurrent use: compiled
// programs are read-only and each evaluation gets its own VM state.
type Router struct {
	ids     map[string]bool
	entries []entry
	// vms recycles expression VMs: expr.Run makes a new one per call,
	// which is most of the cost of routing an alert.
	vms sync.Pool
}

var _ quench.Router = (*Router)(nil)

type entry struct {
	runbookID string
	rank      int
	progs     []*vm.Program
}

// New compiles every runbook's match expressions. Runbooks must be in file
// order, which breaks ties between equally severe matches.
func New(runbooks []*quench.Runbook) (*Router, error) {
	r := &Router{ids: make(map[string]bool, len(runbooks))}
	r.vms.New = func() any { return new(vm.VM) }
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
	// A pointer, so the environment is boxed once per alert rather than
	// once per expression.
	env := EnvFor(a)
	machine := r.vms.Get().(*vm.VM)
	defer r.vms.Put(machine)
	best, bestRank := "", 0
	for _, e := range r.entries {
		if e.rank <= bestRank && best != "" {
			continue
		}
		if e.matches(machine, &env) {
			best, bestRank = e.runbookID, e.rank
		}
	}
	return best
}

func (e entry) matches(machine *vm.VM, env *Env) bool {
	for _, p := range e.progs {
		out, err := machine.Run(p, env)
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
