package shell

import (
	"path"
	"slices"
	"strings"

	"mvdan.cc/sh/v3/syntax"

	"github.com/quench-sh/quench"
)

// Invocation is one simple command of a script as a runbook linter sees
// it: what runs, through which wrappers, and in what shell state. The
// classifier decides whether a command is safe to run; Invocations lets
// lint rules find commands that are safe but unwise (a psql without a
// statement timeout, a pipeline whose failure is hidden).
type Invocation struct {
	Line int    // 1-based line of the command in the script
	Text string // the command as written, without redirections
	// Chain is the program and every program it runs through a known
	// wrapper, outermost first: `docker compose exec -T db timeout 20 psql
	// -c …` is docker (compose exec -T db), timeout (20), psql (-c …).
	Chain []Program
	// Piped is set when the command reads the output of a pipe: it is
	// right of a | or |&, itself or as part of a group ({ grep … || …; }).
	Piped bool
	// Pipefail is set when `set -o pipefail` (or -eo, -euo …) ran earlier
	// in the script, so a failure left of a pipe fails the pipeline.
	Pipefail bool
	// PipeLine is the line of the pipe operator the command reads from,
	// when Piped.
	PipeLine int
}

// Program is one program of an Invocation's chain with its arguments:
// invLiteral words as the program sees them, and expansions as written
// ("$DB_SERVICE").
type Program struct {
	Name string // the base name: psql, not /usr/bin/psql
	Args []string
}

// Runs reports whether the chain runs the program name.
func (inv Invocation) Runs(name string) bool {
	_, ok := inv.Find(name)
	return ok
}

// Find returns the position of the program name in the chain.
func (inv Invocation) Find(name string) (int, bool) {
	for i, p := range inv.Chain {
		if p.Name == name {
			return i, true
		}
	}
	return 0, false
}

// Invocations parses a script (bash) and returns its simple commands in
// source order, commands inside substitutions, groups and bodies included.
// It runs nothing and judges nothing.
func Invocations(script string) ([]Invocation, error) {
	if len(script) > MaxScript {
		return nil, quench.Errorf(quench.ETOOLARGE, "shell: script is %d bytes, more than the %d a linter reads", len(script), MaxScript)
	}
	f, err := parse(script)
	if err != nil {
		return nil, err
	}
	return invocations(script, f), nil
}

// invocations walks a parsed script.
func invocations(script string, f *syntax.File) []Invocation {
	w := &invocationWalker{src: script}
	w.stmts(f.Stmts, 0)
	return w.out
}

type invocationWalker struct {
	src      string
	pipefail bool
	out      []Invocation
}

// stmts walks statements in order, so `set -o pipefail` affects only the
// commands after it. pipeLine is the line of the pipe the statements read
// from, 0 when none.
func (w *invocationWalker) stmts(ss []*syntax.Stmt, pipeLine int) {
	for _, s := range ss {
		w.stmt(s, pipeLine)
	}
}

func (w *invocationWalker) stmt(s *syntax.Stmt, pipeLine int) {
	if s == nil {
		return
	}
	switch x := s.Cmd.(type) {
	case *syntax.CallExpr:
		w.substitutions(x)
		w.call(x, pipeLine)
	case *syntax.BinaryCmd:
		w.stmt(x.X, pipeLine)
		if x.Op == syntax.Pipe || x.Op == syntax.PipeAll {
			w.stmt(x.Y, int(x.OpPos.Line()))
		} else {
			w.stmt(x.Y, pipeLine)
		}
	case *syntax.Block:
		w.stmts(x.Stmts, pipeLine)
	case *syntax.Subshell:
		w.stmts(x.Stmts, pipeLine)
	case *syntax.IfClause:
		for c := x; c != nil; c = c.Else {
			w.stmts(c.Cond, pipeLine)
			w.stmts(c.Then, pipeLine)
		}
	case *syntax.WhileClause:
		w.stmts(x.Cond, pipeLine)
		w.stmts(x.Do, pipeLine)
	case *syntax.ForClause:
		w.stmts(x.Do, pipeLine)
	case *syntax.CaseClause:
		for _, it := range x.Items {
			w.stmts(it.Stmts, pipeLine)
		}
	case *syntax.FuncDecl:
		w.stmt(x.Body, 0)
	}
}

// substitutions walks the commands inside $(…) and <(…) of a call's words,
// before the call itself, the order they run in.
func (w *invocationWalker) substitutions(x *syntax.CallExpr) {
	syntax.Walk(x, func(n syntax.Node) bool {
		switch n := n.(type) {
		case *syntax.CmdSubst:
			w.stmts(n.Stmts, 0)
			return false
		case *syntax.ProcSubst:
			w.stmts(n.Stmts, 0)
			return false
		}
		return true
	})
}

func (w *invocationWalker) call(x *syntax.CallExpr, pipeLine int) {
	if len(x.Args) == 0 {
		return
	}
	words := make([]string, len(x.Args))
	for i, a := range x.Args {
		words[i] = w.word(a)
	}
	inv := Invocation{
		Line:     int(x.Pos().Line()),
		Text:     w.text(x.Pos(), x.End()),
		Chain:    invChain(words),
		Piped:    pipeLine > 0,
		PipeLine: pipeLine,
		Pipefail: w.pipefail,
	}
	w.out = append(w.out, inv)
	if words[0] == "set" && invSetsPipefail(words[1:]) {
		w.pipefail = true
	}
}

// word returns a word's literal value when it has one, else its source.
func (w *invocationWalker) word(x *syntax.Word) string {
	if lit, ok := invLiteral(x); ok {
		return lit
	}
	return w.text(x.Pos(), x.End())
}

func (w *invocationWalker) text(start, end syntax.Pos) string {
	a, b := start.Offset(), end.Offset()
	if a > b || b > uint(len(w.src)) {
		return ""
	}
	return strings.TrimSpace(w.src[a:b])
}

// invLiteral returns the value of a word made only of literal text and
// quotes.
func invLiteral(x *syntax.Word) (string, bool) {
	var b strings.Builder
	for _, part := range x.Parts {
		switch p := part.(type) {
		case *syntax.Lit:
			b.WriteString(p.Value)
		case *syntax.SglQuoted:
			if p.Dollar {
				return "", false
			}
			b.WriteString(p.Value)
		case *syntax.DblQuoted:
			for _, q := range p.Parts {
				l, ok := q.(*syntax.Lit)
				if !ok {
					return "", false
				}
				b.WriteString(l.Value)
			}
		default:
			return "", false
		}
	}
	return b.String(), true
}

// invSetsPipefail reports whether `set ARGS` turns pipefail on: -o pipefail,
// or -o clustered with other letters (-eo pipefail, -euo pipefail).
func invSetsPipefail(args []string) bool {
	for i := 1; i < len(args); i++ {
		prev := args[i-1]
		if args[i] == "pipefail" && strings.HasPrefix(prev, "-") && !strings.HasPrefix(prev, "--") && strings.HasSuffix(prev, "o") {
			return true
		}
	}
	return false
}

// invChain splits a command's words into the program and the programs it
// runs through wrappers that take a command line.
func invChain(words []string) []Program {
	var out []Program
	for len(words) > 0 {
		name := path.Base(words[0])
		n := invWrapped(name, words[1:])
		if n < 0 {
			return append(out, Program{Name: name, Args: words[1:]})
		}
		out = append(out, Program{Name: name, Args: words[1 : 1+n]})
		words = words[1+n:]
	}
	return out
}

// invWrapped returns how many of a wrapper's arguments belong to it before
// the command it runs, or -1 when name runs no command (or the words do
// not say which).
func invWrapped(name string, args []string) int {
	switch name {
	case "timeout":
		// timeout [-s SIG] [-k DUR] [--foreground …] DURATION CMD
		return invOptionsThen(args, []string{"-s", "--signal", "-k", "--kill-after"}, 1)
	case "env":
		i := invOptionsThen(args, []string{"-u", "--unset", "-C", "--chdir", "-S", "--split-string"}, 0)
		for i >= 0 && i < len(args) && strings.Contains(args[i], "=") {
			i++
		}
		return i
	case "nice", "ionice", "stdbuf", "nohup", "command", "exec", "time":
		return invOptionsThen(args, []string{"-n", "--adjustment", "-c", "--class", "-i", "-o", "-e"}, 0)
	case "sudo":
		return invOptionsThen(args, []string{"-u", "--user", "-g", "--group", "-C", "-D", "-h", "-p", "-r", "-t", "-U"}, 0)
	case "docker":
		return invDockerExec(args)
	case "docker-compose":
		if len(args) > 0 && args[0] == "exec" {
			return invComposeExec(args, 1)
		}
	}
	return -1
}

// invOptionsThen skips leading options (those in valued take the next word)
// and then fixed operands, and returns the index of the command.
func invOptionsThen(args []string, valued []string, operands int) int {
	i := 0
	for i < len(args) && strings.HasPrefix(args[i], "-") && args[i] != "-" {
		if args[i] == "--" {
			i++
			break
		}
		if slices.Contains(valued, args[i]) {
			i++
		}
		i++
	}
	i += operands
	if i >= len(args) {
		return -1
	}
	return i
}

// invDockerExec handles `docker compose exec`, `docker exec` and `docker
// container exec`: global options, then the subcommand.
func invDockerExec(args []string) int {
	i := 0
	for i < len(args) && strings.HasPrefix(args[i], "-") {
		if slices.Contains([]string{"-f", "--file", "-p", "--project-name", "--project-directory", "--env-file", "--profile", "-c", "--context", "-H", "--host", "--ansi", "--progress"}, args[i]) {
			i++
		}
		i++
	}
	if i >= len(args) {
		return -1
	}
	switch args[i] {
	case "exec":
		return invComposeExec(args, i+1)
	case "container":
		if i+1 < len(args) && args[i+1] == "exec" {
			return invComposeExec(args, i+2)
		}
	case "compose":
		j := i + 1
		for j < len(args) && strings.HasPrefix(args[j], "-") {
			if slices.Contains([]string{"-f", "--file", "-p", "--project-name", "--project-directory", "--env-file", "--profile", "--ansi", "--progress"}, args[j]) {
				j++
			}
			j++
		}
		if j < len(args) && args[j] == "exec" {
			return invComposeExec(args, j+1)
		}
	}
	return -1
}

// invComposeExec skips exec's options and the service or container, starting
// at args[i], and returns the index of the command.
func invComposeExec(args []string, i int) int {
	valued := []string{"-e", "--env", "-u", "--user", "-w", "--workdir", "--index", "--env-file", "--detach-keys"}
	for i < len(args) && strings.HasPrefix(args[i], "-") {
		if slices.Contains(valued, args[i]) {
			i++
		}
		i++
	}
	i++ // the service or container
	if i >= len(args) {
		return -1
	}
	return i
}
