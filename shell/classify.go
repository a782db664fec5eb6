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

// Classify classifies a script with the default Options; see
// Options.Classify.
func Classify(script string) (Class, string, error) { return Options{}.Classify(script) }

// ClassifyEach classifies a script with the default Options; see
// Options.ClassifyEach.
func ClassifyEach(script string) ([]Command, error) { return Options{}.ClassifyEach(script) }

// Options tune a classification to the configuration a step runs under.
// The zero value applies the naming rule of OperatorVar alone; the linter
// and the runner build theirs with the same function, so a step the
// linter accepts is accepted when it runs.
type Options struct {
	// OperatorVars names the variables the operator gives every step
	// (the config's env and secrets names). Their values are the
	// operator's: trusted not to start with a dash or to carry code, so
	// they may stand where an option could be read ("$API_URL/healthz",
	// -U "$DB_USER"). They are never a command name. Upper-case names
	// follow that rule without being listed (OperatorVar); list names
	// outside it here. Names starting with QUENCH_ are never the
	// operator's: quench fills them from the alert.
	OperatorVars []string
}

// EnvOptions returns the Options of steps run with the operator's
// environment maps: their names are the operator's variables. The runner
// classifies every step with the config's env and secrets right before
// running it; the linter with the variables the pack declares.
func EnvOptions(envs ...map[string]string) Options {
	var names []string
	for _, env := range envs {
		for name := range env {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return Options{OperatorVars: names}
}

// Classify parses a script with mvdan.cc/sh/v3/syntax (bash dialect) and
// returns the worst class of all its simple commands, with a one-line
// reason naming the command that decided it (e.g. "docker compose
// restart: restarts containers", "eval: runs a dynamic script", "echo:
// redirects output to /tmp/x"). A script that does not parse returns
// Unknown, the reason, and the parse error (code EINVALID).
func (o Options) Classify(script string) (Class, string, error) {
	return worst(o.classify(script))
}

// worst is Classify's answer for a classification's entries.
func worst(es []entry, err error) (Class, string, error) {
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

// ClassifyEach returns one entry per simple command in source order
// (command text, line, column, class, reason). Commands inside pipelines,
// lists, subshells, command and process substitutions, compound commands
// and function bodies are all included, each once. Expansions that are
// unknown on their own ($((X)) over a string, ${X@P}) and redirections
// of compound commands that write are entries of their own.
func (o Options) ClassifyEach(script string) ([]Command, error) {
	es, err := o.classify(script)
	if err != nil {
		return nil, err
	}
	cmds := make([]Command, len(es))
	for i, e := range es {
		cmds[i] = e.Command
	}
	return cmds, nil
}

// ClassifyInvocations is Classify and Invocations of one script from a
// single parse, for the linter, which needs both for every step: the
// class and reason as Classify returns them, and the invocations, nil
// when the script does not parse.
func (o Options) ClassifyInvocations(script string) (Class, string, []Invocation, error) {
	var invs []Invocation
	es, err := o.classifyWith(script, func(f *syntax.File) { invs = invocations(script, f) })
	class, reason, err := worst(es, err)
	return class, reason, invs, err
}

// classify parses a script and classifies its commands in source order.
func (o Options) classify(script string) ([]entry, error) { return o.classifyWith(script, nil) }

// classifyWith is classify, calling also, when set, with the parsed script.
func (o Options) classifyWith(script string, also func(*syntax.File)) ([]entry, error) {
	if len(script) > MaxScript {
		return nil, quench.Errorf(quench.ETOOLARGE, "shell: script is %d bytes, more than the %d the classifier reads", len(script), MaxScript)
	}
	c := newClassifier(script, o)
	f, err := c.parseAs(script, syntax.LangBash)
	if err != nil {
		return nil, err
	}
	if also != nil {
		also(f)
	}
	c.file(f)
	return dedupe(c.out), nil
}

// dedupe sorts entries by position and keeps the worst of the entries
// for one command, which a function called twice or a brace expansion
// reports more than once.
func dedupe(es []entry) []entry {
	sort.SliceStable(es, func(i, j int) bool { return es[i].offset < es[j].offset })
	out := es[:0]
	for _, e := range es {
		if n := len(out); n > 0 && out[n-1].offset == e.offset && out[n-1].Text == e.Text {
			if out[n-1].Class != e.Class && out[n-1].Class.Worse(e.Class) == e.Class {
				out[n-1] = e
			}
			continue
		}
		out = append(out, e)
	}
	return out
}

func parse(script string) (*syntax.File, error) {
	return parseWith(syntax.NewParser(), script, syntax.LangBash)
}

// parseAs parses a script of the classification: the script itself and
// the command strings and arithmetic inside it. One parser serves them
// all, the nested classifications' included (each parse ends before the
// next starts, and the nodes of one survive the next): a parser is a few
// kilobytes, and a lint creates hundreds of classifications.
func (c *classifier) parseAs(script string, lang syntax.LangVariant) (*syntax.File, error) {
	if c.parser == nil {
		c.parser = syntax.NewParser()
	}
	return parseWith(c.parser, script, lang)
}

func parseWith(p *syntax.Parser, script string, lang syntax.LangVariant) (*syntax.File, error) {
	syntax.Variant(lang)(p)
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
// command text, what the script has set so far, and the results.
type classifier struct {
	src   string
	opts  Options
	st    *state
	depth int
	out   []entry
	// quiet > 0 while a loop body is walked to find what it changes:
	// those walks report nothing.
	quiet int
	// stdin is what the commands being walked read: nil when nothing
	// (the runner gives /dev/null), else a here-document, a file or a pipe.
	stdin *word
	// assigned names every variable the script sets anywhere, and
	// defined every function it defines: inside a function body, which
	// runs later, their values are unknown.
	assigned map[string]bool
	defined  map[string]bool
	// called names the commands the script calls by a literal name;
	// bodies holds each function's definitions, walked where it is
	// called, with the state and arguments of the call; calling names
	// the functions being walked, to refuse recursion; locals collects
	// the variables the innermost call declares local.
	called  map[string]bool
	bodies  map[string][]*syntax.FuncDecl
	calling map[string]bool
	locals  map[string]bool
	// parser is shared with the nested classifications (parseAs).
	parser *syntax.Parser
}

func newClassifier(src string, opts Options) *classifier {
	return &classifier{src: src, opts: opts, st: newState(), assigned: map[string]bool{}, defined: map[string]bool{},
		called: map[string]bool{}, bodies: map[string][]*syntax.FuncDecl{}, calling: map[string]bool{}}
}

// add reports one entry at a node's position unless walking quietly.
func (c *classifier) add(start, end syntax.Pos, v verdict) {
	if c.quiet > 0 {
		return
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

// text returns the source between two positions, guarding against the
// positions the parser saturates on huge inputs.
func (c *classifier) text(start, end syntax.Pos) string {
	a, b := start.Offset(), end.Offset()
	if a > b || b > uint(len(c.src)) {
		return ""
	}
	return strings.TrimSpace(c.src[a:b])
}

// safeSink reports whether writing to a path changes nothing on disk.
func safeSink(p string) bool {
	switch p {
	case "/dev/null", "/dev/stdout", "/dev/stderr", "/dev/tty":
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
