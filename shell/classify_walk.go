package shell

import (
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// The walk follows the script in the order bash runs it, carrying a state
// (what each variable may hold, which functions are defined) so that a
// command is judged by what its words will be when it runs: A=-delete;
// find . $A is find . -delete. Branches are walked on copies of the state
// and merged; loop bodies are walked quietly until the state stops
// changing, then once more to report. Subshells, pipelines, command
// substitutions and background jobs run on a copy that is dropped.

// maxLoopPasses bounds the quiet passes over a loop body; a body whose
// state has not settled by then leaves every variable it touched unknown.
const maxLoopPasses = 6

func (c *classifier) file(f *syntax.File) {
	c.collect(f)
	c.stmts(f.Stmts)
}

// collect notes every variable the script sets and every function it
// defines, for function bodies, which run later.
func (c *classifier) collect(n syntax.Node) {
	syntax.Walk(n, func(n syntax.Node) bool {
		switch n := n.(type) {
		case *syntax.Assign:
			if n.Name != nil {
				c.assigned[n.Name.Value] = true
			}
		case *syntax.FuncDecl:
			if n.Name != nil {
				c.defined[n.Name.Value] = true
			}
		case *syntax.WordIter:
			if n.Name != nil {
				c.assigned[n.Name.Value] = true
			}
		case *syntax.BinaryArithm:
			if isArithAssign(n.Op) {
				if name := arithName(n.X); name != "" {
					c.assigned[name] = true
				}
			}
		case *syntax.UnaryArithm:
			if n.Op == syntax.Inc || n.Op == syntax.Dec {
				if name := arithName(n.X); name != "" {
					c.assigned[name] = true
				}
			}
		case *syntax.CallExpr:
			if len(n.Args) > 0 {
				c.called[n.Args[0].Lit()] = true
			}
			// read, mapfile, printf -v and getopts set the variables named
			// by their literal arguments.
			if len(n.Args) > 0 {
				switch n.Args[0].Lit() {
				case "read", "mapfile", "readarray", "printf", "getopts", "select":
					for _, w := range n.Args[1:] {
						if s := w.Lit(); validName(s) {
							c.assigned[s] = true
						}
					}
				}
			}
		}
		return true
	})
}

func (c *classifier) stmts(ss []*syntax.Stmt) {
	for _, s := range ss {
		c.stmt(s)
	}
}

// stmt walks one statement: its redirections, then its command.
func (c *classifier) stmt(s *syntax.Stmt) {
	if s.Background || s.Coprocess {
		saved := c.st.clone()
		defer func() { c.st = saved }()
	}
	if s.Coprocess {
		c.add(s.Pos(), s.End(), unk("coproc: starts a coprocess"))
	}
	savedIn := c.stdin
	defer func() { c.stdin = savedIn }()
	redir, stdin, hasIn := c.redirects(s.Redirs)
	if hasIn {
		c.stdin = stdin
	}
	switch x := s.Cmd.(type) {
	case nil:
		v := redir
		if v.class == ReadOnly {
			v = minorRO("redirection without a command: changes nothing")
		}
		c.addStmt(s, v)
	case *syntax.CallExpr:
		v := c.callExpr(x, s)
		c.addStmt(s, worse(v, named(redir, v)))
	case *syntax.DeclClause:
		v := c.decl(x)
		c.addStmt(s, worse(v, named(redir, v)))
	case *syntax.TestClause:
		v := c.testExpr(x.X)
		c.addStmt(s, worse(v, redir))
	case *syntax.ArithmCmd:
		v := c.arithVerdict("((", x.X)
		c.addStmt(s, worse(v, redir))
	case *syntax.LetClause:
		v := minorRO("let: evaluates arithmetic")
		for _, e := range x.Exprs {
			v = worse(v, c.arithVerdict("let", e))
		}
		c.addStmt(s, worse(v, redir))
	default:
		if redir.class != ReadOnly {
			c.addRedirs(s, redir)
		}
		c.compound(x)
	}
}

// named prefixes a redirection's reason with the command it belongs to.
func named(redir, cmd verdict) verdict {
	if redir.class == ReadOnly {
		return redir
	}
	if name, _, ok := strings.Cut(cmd.reason, ":"); ok && name != "" {
		redir.reason = name + ": " + redir.reason
	}
	return redir
}

// addStmt reports a simple command with its redirections.
func (c *classifier) addStmt(s *syntax.Stmt, v verdict) {
	start := s.Pos()
	end := start
	if s.Cmd != nil {
		end = s.Cmd.End()
	}
	for _, r := range s.Redirs {
		if r.Word != nil && r.Word.End().After(end) {
			end = r.Word.End()
		}
	}
	c.add(start, end, v)
}

// addRedirs reports the redirections of a compound command.
func (c *classifier) addRedirs(s *syntax.Stmt, v verdict) {
	first, last := s.Redirs[0], s.Redirs[len(s.Redirs)-1]
	end := first.End()
	if last.Word != nil {
		end = last.Word.End()
	}
	c.add(first.Pos(), end, v)
}

// compound walks the commands inside a compound command.
func (c *classifier) compound(cmd syntax.Command) {
	switch x := cmd.(type) {
	case *syntax.Block:
		c.stmts(x.Stmts)
	case *syntax.Subshell:
		saved := c.st.clone()
		c.stmts(x.Stmts)
		c.st = saved
	case *syntax.BinaryCmd:
		c.binary(x)
	case *syntax.IfClause:
		c.ifClause(x)
	case *syntax.WhileClause:
		c.loop(func() {
			c.stmts(x.Cond)
			c.stmts(x.Do)
		})
	case *syntax.ForClause:
		c.forClause(x)
	case *syntax.CaseClause:
		c.caseClause(x)
	case *syntax.FuncDecl:
		c.funcDecl(x)
	case *syntax.TimeClause:
		if x.Stmt != nil {
			c.stmt(x.Stmt)
		}
	case *syntax.CoprocClause:
		c.add(x.Pos(), x.End(), unk("coproc: starts a coprocess"))
		saved := c.st.clone()
		if x.Stmt != nil {
			c.stmt(x.Stmt)
		}
		c.st = saved
	default:
		c.add(cmd.Pos(), cmd.End(), unk("a shell construct the classifier does not model"))
	}
}

// binary walks a && b, a || b and pipelines.
func (c *classifier) binary(x *syntax.BinaryCmd) {
	switch x.Op {
	case syntax.AndStmt, syntax.OrStmt:
		c.stmt(x.X)
		before := c.st.clone()
		c.stmt(x.Y)
		c.st = before.merge(c.st, c)
	default: // | and |&: every part runs in a subshell
		saved := c.st.clone()
		c.stmt(x.X)
		c.st = saved.clone()
		in := c.stdin
		c.stdin = pipeData(x.X)
		c.stmt(x.Y)
		c.stdin = in
		c.st = saved
	}
}

// pipeData is what a pipeline's left side feeds the right side: nothing
// worth reading when it prints at most blank lines (echo | openssl
// s_client), else data only known at run time.
func pipeData(s *syntax.Stmt) *word {
	if call, ok := s.Cmd.(*syntax.CallExpr); ok && len(s.Redirs) == 0 && len(call.Assigns) == 0 && len(call.Args) > 0 {
		switch call.Args[0].Lit() {
		case "true", ":", "false":
			return &word{src: "an empty pipe", val: ""}
		case "echo":
			if len(call.Args) == 1 {
				return &word{src: "an empty line", val: "\n"}
			}
		case "find":
			if findPaths(call.Args[1:]) {
				return &word{src: "file names from find", val: dynMark, dyn: true, paths: true}
			}
		}
	}
	return &word{src: "a pipe", val: dynMark, dyn: true}
}

func (c *classifier) ifClause(x *syntax.IfClause) {
	c.stmts(x.Cond)
	after := c.st.clone()
	c.stmts(x.Then)
	then := c.st
	c.st = after
	if x.Else != nil {
		if len(x.Else.Cond) > 0 {
			c.ifClause(x.Else)
		} else {
			c.stmts(x.Else.Then)
		}
	}
	c.st = then.merge(c.st, c)
}

func (c *classifier) caseClause(x *syntax.CaseClause) {
	c.fields(x.Word)
	start := c.st.clone()
	out := start.clone()
	for _, item := range x.Items {
		c.st = start.clone()
		for _, p := range item.Patterns {
			c.fields(p)
		}
		c.stmts(item.Stmts)
		out = out.merge(c.st, c)
	}
	c.st = out
}

// loop walks a loop body until the state at its head settles, quietly,
// then once more reporting; the state after the loop is the state of
// zero or more passes.
func (c *classifier) loop(body func()) {
	head := c.st.clone()
	c.quiet++
	settled := false
	for i := 0; i < maxLoopPasses && !settled; i++ {
		c.st = head.clone()
		body()
		next := head.merge(c.st, c)
		settled = next.equal(head)
		head = next
	}
	if !settled {
		for k := range head.vars {
			head.vars[k] = tainted
		}
		for k := range head.funcs {
			head.funcs[k] = false
		}
	}
	c.quiet--
	c.st = head.clone()
	body()
	c.st = head.merge(c.st, c)
}

func (c *classifier) forClause(x *syntax.ForClause) {
	switch l := x.Loop.(type) {
	case *syntax.WordIter:
		v := tainted // for x; do: the positional parameters
		if l.InPos.IsValid() {
			first := true
			for _, w := range l.Items {
				for _, f := range c.fields(w) {
					fv := f.asValue()
					if first {
						v, first = fv, false
					} else {
						v = v.merge(fv)
					}
				}
			}
			if first {
				v = litValue("")
			}
		}
		name := ""
		if l.Name != nil {
			name = l.Name.Value
		}
		c.loop(func() {
			c.assign(name, v)
			c.stmts(x.Do)
		})
	case *syntax.CStyleLoop:
		c.arithCheck(x, l.Init)
		c.loop(func() {
			c.arithCheck(x, l.Cond)
			c.stmts(x.Do)
			c.arithCheck(x, l.Post)
		})
	}
}

// assign records that a variable now holds v.
func (c *classifier) assign(name string, v value) {
	if name == "" {
		return
	}
	c.st.set(name, v)
}

// funcDecl records a function, whose body runs where it is called and is
// walked there, with the state and arguments of the call. A function the
// script never calls by name is walked here, with every variable the
// script sets unknown. A function named like a command changes what that
// name runs.
func (c *classifier) funcDecl(x *syntax.FuncDecl) {
	name := ""
	if x.Name != nil {
		name = x.Name.Value
	}
	if c.shadows(name) {
		c.add(x.Pos(), x.Body.Pos(), unk(name+"(): a function named like a command changes what every later "+name+" runs"))
	}
	c.bodies[name] = append(c.bodies[name], x)
	c.st.funcs[name] = true
	if c.called[name] {
		return
	}
	saved, savedIn := c.st, c.stdin
	body := newState()
	body.havoc, body.argsKnown = true, false
	for f := range c.defined {
		body.funcs[f] = false
	}
	c.st, c.stdin = body, &word{src: "the caller's input", val: dynMark, dyn: true}
	c.calling[name] = true
	c.stmt(x.Body)
	delete(c.calling, name)
	c.st, c.stdin = saved, savedIn
}

// callFunc walks the bodies of a function at a call, with its arguments
// as the positional parameters; the variables the body sets stay set,
// except those it declares local.
func (c *classifier) callFunc(name string, args []word, stdin *word) verdict {
	if c.calling[name] || c.depth >= maxDepth {
		return unk(name + ": a recursive function call")
	}
	v := minorRO(name + ": calls a function of this script")
	pre := c.st.clone()
	var out *state
	for _, fd := range c.bodies[name] {
		c.st = pre.clone()
		c.st.args, c.st.argsKnown = nil, true
		for _, a := range args {
			if a.split {
				c.st.argsKnown = false
			}
			c.st.args = append(c.st.args, a.asValue())
		}
		savedIn, savedLocals := c.stdin, c.locals
		c.stdin, c.locals = stdin, map[string]bool{}
		c.calling[name] = true
		c.depth++
		start := len(c.out)
		c.stmt(fd.Body)
		c.depth--
		delete(c.calling, name)
		for _, e := range c.out[start:] {
			v = worse(v, verdict{class: e.Class, reason: e.Reason})
		}
		for l := range c.locals {
			if pv, ok := pre.vars[l]; ok {
				c.st.vars[l] = pv
			} else {
				delete(c.st.vars, l)
			}
		}
		c.stdin, c.locals = savedIn, savedLocals
		c.st.args, c.st.argsKnown = pre.args, pre.argsKnown
		if out == nil {
			out = c.st
		} else {
			out = out.merge(c.st, c)
		}
	}
	if out != nil {
		c.st = out
	}
	if v.class != ReadOnly {
		v.reason = name + ": calls a function that runs " + v.reason
	}
	return v
}

// shadows reports a function name that is also a command, a builtin or a
// keyword the classifier knows.
func (c *classifier) shadows(name string) bool {
	if name == "" || strings.ContainsAny(name, "/=$`\\") || name == "command_not_found_handle" {
		return true // bash runs command_not_found_handle for every program it cannot find
	}
	if _, ok := builtinOf(name); ok {
		return true
	}
	if _, ok := mutatingCommands[name]; ok {
		return true
	}
	if _, ok := unknownCommands[name]; ok {
		return true
	}
	return ruleFor(name) != nil
}

// redirects classifies a statement's redirections: writing anywhere but
// /dev/null, /dev/std* or /dev/fd/* is mutating; reading is fine. It also
// returns what the command reads on its standard input when a
// redirection sets it.
func (c *classifier) redirects(rs []*syntax.Redirect) (v verdict, stdin *word, hasIn bool) {
	v = ro("")
	for _, r := range rs {
		if r.N != nil && !fdNumber(r.N.Value) {
			v = worse(v, unk("{"+r.N.Value+"}: a named descriptor sets a variable"))
		}
		if r.Word == nil {
			continue
		}
		switch r.Op {
		case syntax.Hdoc, syntax.DashHdoc:
			w := word{src: "here-document"}
			if r.Hdoc != nil {
				w = c.hdocWord(r.Hdoc)
			}
			if r.N == nil || r.N.Value == "0" {
				stdin, hasIn = &w, true
			}
			continue
		}
		w := c.word(r.Word)
		switch r.Op {
		case syntax.RdrOut, syntax.AppOut, syntax.RdrClob, syntax.AppClob,
			syntax.RdrAll, syntax.RdrAllClob, syntax.AppAll, syntax.AppAllClob:
			if w.dyn || w.glob || !safeSink(w.val) {
				v = worse(v, mut("redirects output to "+w.src))
			}
		case syntax.DplOut:
			// >&2 and 2>&1 duplicate a descriptor; >&file writes file.
			if w.dyn || w.glob || !(fdNumber(w.val) || safeSink(w.val)) {
				v = worse(v, mut("redirects output to "+w.src))
			}
		case syntax.RdrInOut:
			if w.dyn || w.glob || !safeSink(w.val) {
				v = worse(v, mut("opens "+w.src+" for writing"))
			}
			if r.N == nil || r.N.Value == "0" {
				stdin, hasIn = &word{src: w.src, val: dynMark, dyn: true}, true
			}
		case syntax.WordHdoc:
			in := w
			if !in.dyn {
				in.val += "\n"
			}
			if r.N == nil || r.N.Value == "0" {
				stdin, hasIn = &in, true
			}
		case syntax.RdrIn:
			if r.N == nil || r.N.Value == "0" {
				if s, ok := w.lit(); ok && s == "/dev/null" {
					stdin, hasIn = nil, true
				} else {
					stdin, hasIn = &word{src: w.src, val: dynMark, dyn: true}, true
				}
			}
		case syntax.DplIn:
			if r.N == nil || r.N.Value == "0" {
				stdin, hasIn = &word{src: w.src, val: dynMark, dyn: true}, true
			}
		}
	}
	return v, stdin, hasIn
}

// findPaths reports a find command whose output is only the paths it
// finds, NUL-terminated, under literal starting points that do not start
// with a dash: every name it prints starts like a starting point.
func findPaths(args []*syntax.Word) bool {
	if len(args) == 0 {
		return false
	}
	if s, ok := staticWord(args[0]); !ok || s == "" || strings.HasPrefix(s, "-") {
		return false
	}
	print0 := false
	for _, a := range args {
		s, ok := staticWord(a)
		if !ok {
			return false
		}
		switch s {
		case "-printf", "-fprintf", "-ls", "-fls", "-print", "-exec", "-execdir", "-ok", "-okdir", "-fprint", "-fprint0", "-delete":
			return false
		case "-print0":
			print0 = true
		}
	}
	return print0
}

// staticWord returns the value of a word made only of literal text and
// quotes, and whether it is one.
func staticWord(w *syntax.Word) (string, bool) {
	var b strings.Builder
	for _, p := range w.Parts {
		switch p := p.(type) {
		case *syntax.Lit:
			if globLit(p.Value) {
				return "", false
			}
			b.WriteString(unescape(p.Value))
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
				b.WriteString(unescapeDQ(l.Value))
			}
		default:
			return "", false
		}
	}
	return b.String(), true
}
