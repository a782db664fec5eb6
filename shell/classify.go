// Package shell classifies and runs the shell commands of runbook steps.
//
// The classifier parses a step with mvdan.cc/sh (bash dialect) and decides,
// without running anything, whether every simple command in it only reads
// (read-only), changes something (mutating) or cannot be proven safe
// (unknown). Unknown is treated like mutating by everything downstream, so
// the rules err towards it: a command is read-only only when a rule knows
// the command, its subcommand and the options it was given.
package shell

import (
	"sort"
	"strings"

	"mvdan.cc/sh/v3/syntax"

	"github.com/quench-sh/quench"
)

// Class is the safety class of a command; an alias so callers can write
// shell.Class next to shell.ReadOnly.
type Class = quench.Class

// The three classes, as the domain defines them.
const (
	ReadOnly = quench.ReadOnly
	Mutating = quench.Mutating
	Unknown  = quench.Unknown
)

// MaxScript is the size of the largest script the classifier parses. Runbook
// steps are a few lines; refusing megabytes keeps a hostile input from
// costing deep parser recursion.
const MaxScript = 64 << 10

// maxReason bounds a reason, which the linter prints on one line.
const maxReason = 240

// maxDepth bounds scripts inside scripts (watch 'cmd', trap 'cmd' EXIT) and
// wrappers inside wrappers (timeout 5 nice ionice …).
const maxDepth = 8

// Command is one simple command of a script with its class, so the linter
// and `quench show` can point at the exact command that needs confirmation.
type Command struct {
	Text   string // the command as written, with its redirections
	Line   int    // 1-based line of the command in the script
	Col    int    // 1-based column
	Class  Class
	Reason string // one line, naming the command: "docker compose restart: restarts containers"
}

// Classify parses a script with mvdan.cc/sh/v3/syntax (bash dialect) and
// returns the worst class of all its simple commands, with a one-line reason
// naming the command that decided it (e.g. "docker compose restart: restarts
// containers", "psql -c DELETE: modifies data", "eval: runs a dynamic
// script", "echo: redirects output to /tmp/x"). A script that does not parse
// returns Unknown, the reason, and the parse error (code EINVALID).
func Classify(script string) (Class, string, error) {
	es, err := classify(script)
	if err != nil {
		return Unknown, clip("does not parse: "+strings.TrimPrefix(quench.ErrorMessage(err), "shell: "), maxReason), err
	}
	if len(es) == 0 {
		return ReadOnly, "empty script: runs nothing", nil
	}
	worst := es[0]
	for _, e := range es[1:] {
		if e.Class != worst.Class && worst.Class.Worse(e.Class) == e.Class || e.Class == worst.Class && worst.minor && !e.minor {
			worst = e
		}
	}
	return worst.Class, worst.Reason, nil
}

// ClassifyEach returns one entry per simple command in source order (command
// text, line, class, reason). Commands inside pipelines, lists, subshells,
// command and process substitutions, compound commands and function bodies
// are all included. A redirection of a compound command ({ …; } > file) is
// reported as an entry of its own when it writes somewhere.
func ClassifyEach(script string) ([]Command, error) {
	es, err := classify(script)
	if err != nil {
		return nil, err
	}
	cmds := make([]Command, len(es))
	for i, e := range es {
		cmds[i] = e.Command
	}
	return cmds, nil
}

// Options tune a classification to the configuration a step runs under.
// The zero value is the default every caller without a configuration
// uses (the linter on a pack alone).
type Options struct {
	// OperatorVars names the variables the operator gives every step
	// (the config's env and secrets). Their values are the operator's:
	// trusted not to start with a dash or to carry code, so they may
	// stand where an option could be read ("$API_URL/healthz",
	// -U "$DB_USER"). They are never a command name. Names that follow
	// the naming rule of OperatorVar are trusted without being listed.
	OperatorVars []string
}

func newClassifier(src string, opts Options) *classifier {
	return &classifier{src: src, opts: opts}
}

// classify parses a script and classifies its commands in source order.
func classify(script string) ([]entry, error) {
	if len(script) > MaxScript {
		return nil, quench.Errorf(quench.ETOOLARGE, "shell: script is %d bytes, more than the %d the classifier reads", len(script), MaxScript)
	}
	f, err := parse(script)
	if err != nil {
		return nil, err
	}
	c := newClassifier(script, Options{})
	c.file(f)
	sort.SliceStable(c.out, func(i, j int) bool { return c.out[i].offset < c.out[j].offset })
	return c.out, nil
}

func parse(script string) (*syntax.File, error) {
	p := syntax.NewParser(syntax.Variant(syntax.LangBash))
	f, err := p.Parse(strings.NewReader(script), "")
	if err != nil {
		return nil, quench.Errorf(quench.EINVALID, "shell: %v", err)
	}
	return f, nil
}

// verdict is a rule's answer for one command.
type verdict struct {
	class  Class
	reason string
	// optsMatter marks a read-only answer that holds only if no argument
	// turns into an option at run time (find -delete, curl -o, sed -i).
	optsMatter bool
	// minor marks shell plumbing (cd, echo, test) that a script's reason
	// names only when nothing else decides.
	minor bool
}

func ro(reason string) verdict  { return verdict{class: ReadOnly, reason: reason} }
func mut(reason string) verdict { return verdict{class: Mutating, reason: reason} }
func unk(reason string) verdict { return verdict{class: Unknown, reason: reason} }

// minorRO is a read-only answer for shell plumbing.
func minorRO(reason string) verdict { return verdict{class: ReadOnly, reason: reason, minor: true} }

// roOpts is a read-only answer that depends on the command's options.
func roOpts(reason string) verdict {
	return verdict{class: ReadOnly, reason: reason, optsMatter: true}
}

// worse returns the less safe verdict, the first one on a tie.
func worse(a, b verdict) verdict {
	if a.class != b.class && a.class.Worse(b.class) == b.class {
		return b
	}
	return a
}

// prefixed returns v with its reason prefixed, for wrappers that report
// the command they run: "timeout 10 " + "docker compose restart: …".
func (v verdict) prefixed(p string) verdict {
	v.reason = p + " " + v.reason
	return v
}

type entry struct {
	Command
	offset uint
	minor  bool
}

// classifier holds the state of one classification: the source for
// command text, the functions the script defines, and the results.
type classifier struct {
	src   string
	opts  Options
	funcs map[string]bool
	depth int
	out   []entry
}

func (c *classifier) file(f *syntax.File) {
	syntax.Walk(f, func(n syntax.Node) bool {
		if fd, ok := n.(*syntax.FuncDecl); ok && fd.Name != nil {
			if c.funcs == nil {
				c.funcs = map[string]bool{}
			}
			c.funcs[fd.Name.Value] = true
		}
		return true
	})
	syntax.Walk(f, func(n syntax.Node) bool {
		switch n := n.(type) {
		case *syntax.Stmt:
			c.stmt(n)
		case *syntax.ArithmExp:
			c.arith(n, n.X)
		case *syntax.ArithmCmd:
			c.arith(n, n.X)
		case *syntax.LetClause:
			for _, x := range n.Exprs {
				c.arith(n, x)
			}
		case *syntax.CStyleLoop:
			c.arith(n, n.Init, n.Cond, n.Post)
		case *syntax.ParamExp:
			if n.Index != nil {
				c.arith(n, n.Index)
			}
			if n.Slice != nil {
				c.arith(n, n.Slice.Offset, n.Slice.Length)
			}
		case *syntax.BinaryTest:
			switch n.Op {
			case syntax.TsEql, syntax.TsNeq, syntax.TsLeq, syntax.TsGeq, syntax.TsLss, syntax.TsGtr:
				c.arith(n, n.X, n.Y)
			}
		}
		return true
	})
}

// arith reports arithmetic on a value an alert controls. Bash evaluates
// such a value as an expression, and an array subscript in it runs command
// substitutions: QUENCH_LABEL_N='a[$(rm -rf ~)]' makes $((QUENCH_LABEL_N))
// and [[ $QUENCH_LABEL_N -gt 1 ]] run rm.
func (c *classifier) arith(at syntax.Node, exprs ...syntax.Node) {
	name := ""
	for _, x := range exprs {
		if x == nil || isNilNode(x) {
			continue
		}
		syntax.Walk(x, func(n syntax.Node) bool {
			switch n := n.(type) {
			case *syntax.ParamExp:
				if n.Param != nil && alertVar(n.Param.Value) {
					name = "$" + n.Param.Value
				}
			case *syntax.Lit:
				if alertVar(n.Value) {
					name = n.Value
				}
			case *syntax.CmdSubst:
				return false // classified as commands of their own
			}
			return name == ""
		})
		if name != "" {
			break
		}
	}
	if name == "" {
		return
	}
	c.out = append(c.out, entry{
		Command: Command{
			Text:   c.text(at.Pos(), at.End()),
			Line:   int(at.Pos().Line()),
			Col:    int(at.Pos().Col()),
			Class:  Unknown,
			Reason: clip("arithmetic on "+name+": bash evaluates the value as an expression, which can run commands", maxReason),
		},
		offset: at.Pos().Offset(),
	})
}

// isNilNode reports a typed nil inside a Node interface (an omitted part
// of for ((;;))).
func isNilNode(n syntax.Node) bool {
	switch n := n.(type) {
	case *syntax.Word:
		return n == nil
	case *syntax.BinaryArithm:
		return n == nil
	case *syntax.UnaryArithm:
		return n == nil
	case *syntax.ParenArithm:
		return n == nil
	}
	return false
}

// alertVar reports the variables whose values come from an alert: quench
// passes alert labels and annotations in as $QUENCH_*.
func alertVar(name string) bool { return strings.HasPrefix(name, "QUENCH_") }

// stmt classifies the simple command of one statement. Walk reaches the
// statements nested in it (substitutions, bodies) on its own.
func (c *classifier) stmt(s *syntax.Stmt) {
	redir := c.redirects(s.Redirs)
	switch x := s.Cmd.(type) {
	case nil:
		v := redir
		if v.class == ReadOnly {
			v = minorRO("redirection without a command: changes nothing")
		}
		c.add(s, v)
	case *syntax.CallExpr:
		v := c.call(x, stdinOf(s.Redirs))
		c.add(s, worse(v, c.named(redir, v)))
	case *syntax.DeclClause:
		v := c.decl(x)
		c.add(s, worse(v, c.named(redir, v)))
	case *syntax.TestClause:
		c.add(s, worse(minorRO("[[: tests a condition"), redir))
	case *syntax.ArithmCmd:
		c.add(s, worse(minorRO("((: evaluates arithmetic"), redir))
	case *syntax.LetClause:
		c.add(s, worse(minorRO("let: evaluates arithmetic"), redir))
	default:
		if redir.class != ReadOnly {
			c.addRedirs(s, redir)
		}
	}
}

// named prefixes a redirection's reason with the command it belongs to.
func (c *classifier) named(redir, cmd verdict) verdict {
	if redir.class == ReadOnly {
		return redir
	}
	if name, _, ok := strings.Cut(cmd.reason, ":"); ok && name != "" {
		redir.reason = name + ": " + redir.reason
	}
	return redir
}

func (c *classifier) add(s *syntax.Stmt, v verdict) {
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
	c.out = append(c.out, entry{
		Command: Command{
			Text:   c.text(start, end),
			Line:   int(start.Line()),
			Col:    int(start.Col()),
			Class:  v.class,
			Reason: clip(v.reason, maxReason),
		},
		offset: start.Offset(),
		minor:  v.minor,
	})
}

// addRedirs reports the redirections of a compound command.
func (c *classifier) addRedirs(s *syntax.Stmt, v verdict) {
	first, last := s.Redirs[0], s.Redirs[len(s.Redirs)-1]
	c.out = append(c.out, entry{
		Command: Command{
			Text:   c.text(first.Pos(), last.Word.End()),
			Line:   int(first.Pos().Line()),
			Col:    int(first.Pos().Col()),
			Class:  v.class,
			Reason: clip(v.reason, maxReason),
		},
		offset: first.Pos().Offset(),
	})
}

// text returns the source between two positions, guarding against the
// positions the parser saturates on huge inputs.
func (c *classifier) text(start, end syntax.Pos) string {
	a, b := start.Offset(), end.Offset()
	if a > b || b > uint(len(c.src)) {
		return ""
	}
	return strings.TrimSpace(c.src[a:b])
}

// call classifies one simple command: its assignments and its argv.
func (c *classifier) call(x *syntax.CallExpr, stdin *word) verdict {
	var v verdict
	if len(x.Args) == 0 {
		name := "assignment"
		if len(x.Assigns) > 0 && x.Assigns[0].Name != nil {
			name = x.Assigns[0].Name.Value + "="
		}
		v = minorRO(name + ": sets a shell variable")
	} else {
		words := make([]word, len(x.Args))
		for i, w := range x.Args {
			words[i] = c.word(w)
		}
		v = c.argv(words, stdin)
	}
	for _, a := range x.Assigns {
		v = worse(v, c.assign(a))
	}
	return v
}

// decl classifies export, local, declare, readonly and typeset.
func (c *classifier) decl(d *syntax.DeclClause) verdict {
	v := minorRO(d.Variant.Value + ": sets shell variables")
	for _, a := range d.Args {
		v = worse(v, c.assign(a))
	}
	return v
}

// assign reports an assignment to a variable that changes which programs
// run or what they execute (PATH=/tmp/evil, LD_PRELOAD=…, GIT_PAGER=…).
// Other assignments only set a value and are read-only.
func (c *classifier) assign(a *syntax.Assign) verdict {
	if a.Name == nil {
		return ro("")
	}
	name := a.Name.Value
	if !execVar(name) {
		return ro("")
	}
	if strings.HasSuffix(name, "PAGER") && a.Value != nil {
		if w := c.word(a.Value); !w.dyn && (w.val == "" || w.val == "cat" || w.val == "less" || w.val == "more") {
			return ro("")
		}
	}
	if a.Value == nil && a.Array == nil && a.Naked {
		return ro("") // export PATH: exports what is already there
	}
	return unk(name + "=: changes which programs the shell and its commands run")
}

// execVar reports whether a variable decides what programs run.
func execVar(name string) bool {
	switch name {
	case "PATH", "BASH_ENV", "ENV", "PS4", "SHELLOPTS", "BASHOPTS", "PROMPT_COMMAND",
		"GIT_SSH", "GIT_SSH_COMMAND", "GIT_EXTERNAL_DIFF", "GIT_PAGER", "PAGER", "GIT_EDITOR",
		"EDITOR", "VISUAL", "LESSOPEN", "LESSCLOSE", "SYSTEMD_PAGER", "PSQL_PAGER", "PSQLRC",
		"GIT_CONFIG", "GIT_CONFIG_GLOBAL", "GIT_CONFIG_SYSTEM", "GIT_CONFIG_PARAMETERS",
		"GIT_CONFIG_COUNT", "GIT_EXEC_PATH", "GIT_ASKPASS", "SSH_ASKPASS", "MANPAGER", "BROWSER",
		"DOCKER_CONFIG", "PYTHONSTARTUP", "PYTHONPATH", "NODE_OPTIONS", "PERL5OPT", "PERL5LIB":
		return true
	}
	return strings.HasPrefix(name, "LD_") || strings.HasPrefix(name, "GIT_CONFIG_KEY_") ||
		strings.HasPrefix(name, "GIT_CONFIG_VALUE_")
}

// redirects classifies a statement's redirections: writing anywhere but
// /dev/null, /dev/std* or /dev/fd/* is mutating; reading is fine.
func (c *classifier) redirects(rs []*syntax.Redirect) verdict {
	v := ro("")
	for _, r := range rs {
		if r.Word == nil {
			continue
		}
		switch r.Op {
		case syntax.RdrOut, syntax.AppOut, syntax.RdrClob, syntax.AppClob,
			syntax.RdrAll, syntax.RdrAllClob, syntax.AppAll, syntax.AppAllClob:
			if w := c.word(r.Word); w.dyn || !safeSink(w.val) {
				v = worse(v, mut("redirects output to "+w.src))
			}
		case syntax.DplOut:
			// >&2 and 2>&1 duplicate a descriptor; >&file writes file.
			if w := c.word(r.Word); w.dyn || !(fdNumber(w.val) || safeSink(w.val)) {
				v = worse(v, mut("redirects output to "+w.src))
			}
		case syntax.RdrInOut:
			if w := c.word(r.Word); w.dyn || !safeSink(w.val) {
				v = worse(v, mut("opens "+w.src+" for writing"))
			}
		}
	}
	return v
}

// stdinOf returns the text a here-document or here-string feeds the
// command, so psql <<'SQL' … SQL can be read like psql -c.
func stdinOf(rs []*syntax.Redirect) *word {
	var in *word
	for _, r := range rs {
		switch r.Op {
		case syntax.Hdoc, syntax.DashHdoc:
			var w word // an empty here-document
			if r.Hdoc != nil {
				w = hdocWord(r.Hdoc)
			}
			in = &w
		case syntax.WordHdoc:
			w := evalWord(r.Word)
			if !w.dyn {
				w.val += "\n"
			}
			in = &w
		case syntax.RdrIn, syntax.DplIn, syntax.RdrInOut:
			in = nil
		}
	}
	return in
}

// safeSink reports whether writing to a path changes nothing on disk.
func safeSink(p string) bool {
	switch p {
	case "/dev/null", "/dev/stdout", "/dev/stderr", "/dev/stdin", "/dev/tty":
		return true
	}
	return strings.HasPrefix(p, "/dev/fd/") && fdNumber(p[len("/dev/fd/"):])
}

// fdNumber reports whether s is a descriptor operand of >&: 2, 1-, -.
func fdNumber(s string) bool {
	s = strings.TrimSuffix(s, "-")
	if s == "" {
		return true
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
