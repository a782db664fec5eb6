package shell

import (
	"sort"
	"strings"
	"sync"
)

// This file is the option grammar every tool rule parses its command line
// with. A rule declares the options it knows to be read-only, with the
// real spelling and arity the program accepts, and gets back the options
// and operands as the program will see them, plus a verdict for anything
// the grammar does not prove read-only. Whatever is not declared is
// unknown: an allowlist, so a program's new option is never read-only by
// accident.
//
// A grammar is written as a list of option specs, one string per option
// naming all its spellings:
//
//	"-n --lines="     -n and --lines, a required value (-n 5, -n5, --lines=5, --lines 5)
//	"-f --follow[=]"  --follow takes an optional value, only attached (--follow=name)
//	"-h --no-filename" no value; short options cluster (-hn5 is -h -n 5)
//	"-name="          a single-dash long option (find, openssl): -name VALUE
//
// and options that are not read-only are declared with a reason, so the
// verdict names them instead of saying "not recognised":
//
//	var tailGrammar = newGrammar("tail", gnu,
//		"-c --bytes=", "-f --follow[=]", "-F", "-n --lines=", "-q --quiet --silent",
//		"-s --sleep-interval=", "-v --verbose", "-z --zero-terminated", "--pid=", "--retry",
//	).numeric()
//
//	var sortGrammar = newGrammar("sort", gnu, "-r --reverse", "-n --numeric-sort", "-k --key=", …).
//		writes("-o --output=").                       // mutating unless the value is - or /dev/null
//		deny(Unknown, "runs a program", "--compress-program=").
//		valued("--parallel=", allDigits)              // read-only only for values the check accepts
//
//	func tailRule(c *classifier, x *call) verdict {
//		cl := tailGrammar.parse(x.args)
//		if !cl.ok() {
//			return cl.v // names the option or word that is not read-only
//		}
//		return ro("tail: prints the end of files")
//	}
//
// parse applies the program's real rules: clustered short options,
// -oVALUE and --opt=VALUE, a value in the next word, -- ending the
// options, options after operands (GNU permutation) unless the grammar
// stops at the first operand, -NUM for head and tail, and unique-prefix
// abbreviations of long options only for grammars that declare every long
// option the program has (complete), resolved the way getopt_long does: an
// exact name wins, a prefix must be unique, and prefixes of one option's
// spellings are not ambiguous.
//
// parse also enforces the alert-value rule: a word that may turn into an
// option at run time (an expansion an alert, a command's output or an
// unknown script variable controls, at the start of a word, or unquoted so
// it may split into several words) is unknown in every slot where the
// program still reads options, and as an option's value when it may
// split. After "--", or once options have stopped, it is an operand, and
// the rule decides whether that operand is inert.

// style is the command-line convention a program follows.
type style uint8

const (
	// gnu: getopt_long with permutation: options anywhere before "--",
	// clustered short options, --long=VALUE.
	gnu style = iota
	// posix: getopt without permutation: options end at the first
	// operand (wrappers such as timeout and env, and programs run with
	// POSIXLY_CORRECT semantics).
	posix
	// pflag: Go programs built on cobra/pflag (docker, kubectl): like gnu
	// without abbreviations, -f=VALUE accepted, and boolean flags take
	// an attached =true or =false.
	pflag
	// dashLong: every option is a whole word starting with one dash
	// (-name, -connect) with its value in the next word; nothing clusters
	// (find, openssl, java-style tools).
	dashLong
)

// argKind says whether an option takes a value.
type argKind uint8

const (
	noArg  argKind = iota
	reqArg         // -o VALUE, -oVALUE, --opt VALUE, --opt=VALUE
	optArg         // attached only: -oVALUE, --opt=VALUE
)

// option is one option of a program: every spelling, its value, and what
// it does when it is not read-only.
type option struct {
	names []string // "-n", "--lines", "-name"; names[0] is the one reasons show
	arg   argKind
	// out marks a value naming a file the program writes: read-only only
	// when it is -, /dev/null or another sink that changes nothing.
	out bool
	// check, when set, decides a value known before running (a method, a
	// protocol, a format): false makes the option unknown, or failClass
	// when set. A value only known at run time is unknown.
	check     func(val string) bool
	failClass Class
	// class and why are set for an option that is not read-only.
	class Class
	why   string
}

// grammar is a program's command-line grammar. Declare it with newGrammar
// and the methods below, at package initialisation and nowhere else. The
// declarations are only recorded there: the option tables are built from
// them the first time a command line is parsed with the grammar, once, and
// are read-only afterwards and shared by every classification. quench
// declares a few hundred grammars and a lint or a step uses a handful;
// building them all at start-up was the largest part of every quench
// command's start (lint, version, the sandbox child).
type grammar struct {
	name     string
	style    style
	complete bool // every long option is declared: abbreviations resolve
	num      bool // -NUM is an option (head -20, tail -5)
	stop     bool // options end at the first operand
	// base is the grammar this one was cloned from, and baseDecls how
	// many declarations it had then: the clone's tables start with those.
	base      *grammar
	baseDecls int
	decls     []decl
	once      sync.Once
	tab       optionTables
}

// optionTables are a grammar's options by spelling.
type optionTables struct {
	short map[byte]*option
	long  map[string]*option // "--lines", or "-name" for dashLong
	longs []string           // sorted keys of long, for abbreviations (complete grammars)
}

// decl is one declaring call: option specs and what they share.
type decl struct {
	specs     []string
	out       bool
	check     func(string) bool
	failClass Class
	class     Class
	why       string
}

// newGrammar declares a grammar with option specs (see the file comment).
// A malformed spec is a programming error and panics at start-up, where
// the tests see it.
func newGrammar(name string, st style, specs ...string) *grammar {
	g := &grammar{name: name, style: st, stop: st == posix}
	return g.declare(decl{specs: specs})
}

// declare records a declaration after checking its specs' syntax (parseSpec
// reads them again when the tables are built).
func (g *grammar) declare(d decl) *grammar {
	for _, s := range d.specs {
		checkSpec(s)
	}
	g.decls = append(g.decls, d)
	return g
}

// tables returns the option tables, building them on first use.
func (g *grammar) tables() *optionTables {
	g.once.Do(func() {
		n := g.specCount(len(g.decls))
		t := optionTables{short: make(map[byte]*option, n), long: make(map[string]*option, n*2)}
		g.fill(&t, len(g.decls))
		if g.complete {
			t.longs = make([]string, 0, len(t.long))
			for name := range t.long {
				t.longs = append(t.longs, name)
			}
			sort.Strings(t.longs)
		}
		g.tab = t
	})
	return &g.tab
}

// specCount counts the specs of the first n declarations, the base's
// included, to size the tables.
func (g *grammar) specCount(n int) int {
	c := 0
	if g.base != nil {
		c = g.base.specCount(g.baseDecls)
	}
	for _, d := range g.decls[:n] {
		c += len(d.specs)
	}
	return c
}

// fill adds the options of the first n declarations to t, the base's
// first, so a later declaration of a spelling replaces an earlier one.
func (g *grammar) fill(t *optionTables, n int) {
	if g.base != nil {
		g.base.fill(t, g.baseDecls)
	}
	for _, d := range g.decls[:n] {
		for _, s := range d.specs {
			o := parseSpec(s)
			o.out, o.check, o.failClass, o.class, o.why = d.out, d.check, d.failClass, d.class, d.why
			if d.out && o.arg == noArg {
				o.arg = reqArg
			}
			g.add(t, o)
		}
	}
}

// checkSpec panics on a spec parseSpec would refuse, without allocating.
func checkSpec(spec string) {
	n := 0
	for f := range strings.FieldsSeq(spec) {
		if len(strings.TrimSuffix(strings.TrimSuffix(f, "[=]"), "=")) < 2 || f[0] != '-' {
			panic("shell: bad option spec " + spec)
		}
		n++
	}
	if n == 0 {
		panic("shell: empty option spec")
	}
}

// parseSpec turns "-n --lines=" into an option.
func parseSpec(spec string) *option {
	fields := strings.Fields(spec)
	o := &option{names: make([]string, 0, len(fields))}
	for _, f := range fields {
		switch {
		case strings.HasSuffix(f, "[=]"):
			o.arg, f = optArg, strings.TrimSuffix(f, "[=]")
		case strings.HasSuffix(f, "="):
			o.arg, f = reqArg, strings.TrimSuffix(f, "=")
		}
		if len(f) < 2 || f[0] != '-' {
			panic("shell: bad option spec " + spec)
		}
		o.names = append(o.names, f)
	}
	if len(o.names) == 0 {
		panic("shell: empty option spec")
	}
	return o
}

func (g *grammar) add(t *optionTables, o *option) {
	for _, n := range o.names {
		switch {
		case g.style != dashLong && len(n) == 2:
			t.short[n[1]] = o
		default:
			t.long[n] = o
		}
	}
}

// numeric makes -NUM an option (head -20).
func (g *grammar) numeric() *grammar { g.num = true; return g }

// stopAtOperand makes options end at the first operand.
func (g *grammar) stopAtOperand() *grammar { g.stop = true; return g }

// completeLongs declares that every long option of the program is in the
// grammar, so unique-prefix abbreviations can be resolved as getopt_long
// does. Only set it for a grammar listing the program's whole --help.
func (g *grammar) completeLongs() *grammar { g.complete = true; return g }

// clone returns a copy to extend (a subcommand sharing global options):
// the options declared so far, and the settings.
func (g *grammar) clone(name string) *grammar {
	return &grammar{name: name, style: g.style, complete: g.complete, num: g.num, stop: g.stop,
		base: g, baseDecls: len(g.decls)}
}

// writes declares options whose value is a file the program writes:
// read-only only when the value is -, /dev/null or another sink that
// changes nothing.
func (g *grammar) writes(specs ...string) *grammar {
	return g.declare(decl{specs: specs, out: true})
}

// deny declares options that are not read-only, with the class they make
// the command and why ("deletes the files it finds").
func (g *grammar) deny(class Class, why string, specs ...string) *grammar {
	return g.declare(decl{specs: specs, class: class, why: why})
}

// valued declares an option that is read-only only for the values check
// accepts (curl -X GET, --proto-default https).
func (g *grammar) valued(spec string, check func(string) bool) *grammar {
	return g.declare(decl{specs: []string{spec}, check: check})
}

// valuedAs is valued with the class a literal value the check refuses
// makes the command (curl -X POST is mutating, not unknown).
func (g *grammar) valuedAs(spec string, check func(string) bool, class Class) *grammar {
	return g.declare(decl{specs: []string{spec}, check: check, failClass: class})
}

// opts declares more read-only options.
func (g *grammar) opts(specs ...string) *grammar {
	return g.declare(decl{specs: specs})
}

// given is one option as the program will read it.
type given struct {
	opt *option
	as  string // as written: "-n", "--lin" (an abbreviation), "-name"
	val word
	has bool // a value was given
}

// cmdline is a command line split by a grammar.
type cmdline struct {
	opts []given
	args []word // operands, in order
	// v is ReadOnly when every option is declared read-only and no word
	// may change into an option; otherwise it names the first problem.
	v verdict
	// split is set when an operand may be several words or none, so a
	// rule that gives meaning to operand positions cannot count them.
	split bool
}

// ok reports whether the options are all read-only.
func (cl cmdline) ok() bool { return cl.v.class == ReadOnly }

// has reports whether any of the named options was given (by any of its
// spellings or an abbreviation).
func (cl cmdline) has(names ...string) bool {
	for _, g := range cl.opts {
		for _, n := range names {
			if contains(g.opt.names, n) {
				return true
			}
		}
	}
	return false
}

// value returns the last value given to the named option.
func (cl cmdline) value(name string) (word, bool) {
	for i := len(cl.opts) - 1; i >= 0; i-- {
		if g := cl.opts[i]; g.has && contains(g.opt.names, name) {
			return g.val, true
		}
	}
	return word{}, false
}

// fail records the first problem of a command line.
func (cl *cmdline) fail(v verdict) {
	if cl.v.class == ReadOnly {
		cl.v = v
	}
}

// parse splits args by the grammar; see the file comment for the rules.
func (g *grammar) parse(args []word) (cl cmdline) {
	cl = cmdline{v: ro(g.name)}
	defer func() {
		for _, a := range cl.args {
			if a.split {
				cl.split = true
			}
		}
	}()
	for i := 0; i < len(args); i++ {
		a := args[i]
		s := a.val
		if g.stop && len(cl.args) > 0 {
			cl.args = append(cl.args, args[i:]...) // options ended at the first operand
			break
		}
		if a.inject {
			cl.fail(unk(g.name + ": argument " + a.src + " may turn into an option at run time; put it after -- or give it a fixed prefix"))
			cl.args = append(cl.args, a)
			continue
		}
		if s == "--" && !a.dyn && g.style != dashLong {
			cl.args = append(cl.args, args[i+1:]...)
			break
		}
		if len(s) < 2 || s[0] != '-' {
			cl.args = append(cl.args, a)
			continue
		}
		if strings.HasPrefix(s, dynMark) || strings.HasPrefix(s, "-"+dynMark) {
			cl.fail(unk(g.name + ": option " + a.src + " is only known at run time"))
			continue
		}
		var next *word
		if i+1 < len(args) {
			next = &args[i+1]
		}
		used := g.option(&cl, a, next)
		i += used
	}
	return cl
}

// option reads the option word a (and its value from next when it takes
// one); it returns how many extra words it used.
func (g *grammar) option(cl *cmdline, a word, next *word) int {
	s := a.val
	if g.style == dashLong || strings.HasPrefix(s, "--") {
		return g.longOption(cl, a, next)
	}
	if g.num && allDigits(s[1:]) {
		cl.opts = append(cl.opts, given{opt: &option{names: []string{"-NUM"}}, as: s})
		return 0
	}
	for j := 1; j < len(s); j++ {
		ch := s[j]
		o := g.tables().short[ch]
		if o == nil {
			cl.fail(unk(g.name + ": option -" + string(ch) + " is not known to be read-only"))
			return 0
		}
		gv := given{opt: o, as: "-" + string(ch)}
		if o.arg == noArg {
			g.accept(cl, gv)
			continue
		}
		rest := s[j+1:]
		if g.style == pflag {
			rest = strings.TrimPrefix(rest, "=")
		}
		switch {
		case rest != "":
			gv.val, gv.has = a.sub(rest), true
			g.accept(cl, gv)
			return 0
		case o.arg == reqArg && next != nil:
			gv.val, gv.has = *next, true
			g.accept(cl, gv)
			return 1
		case o.arg == reqArg:
			cl.fail(unk(g.name + ": option -" + string(ch) + " lacks its value"))
			return 0
		}
		g.accept(cl, gv)
		return 0
	}
	return 0
}

// longOption reads --name, --name=value, --name value, or -name value for
// dashLong grammars.
func (g *grammar) longOption(cl *cmdline, a word, next *word) int {
	name, val, eq := strings.Cut(a.val, "=")
	if _, whole := g.tables().long[a.val]; g.style == dashLong && whole {
		eq = false
		name = a.val
	}
	if strings.Contains(name, dynMark) {
		cl.fail(unk(g.name + ": option " + a.src + " is only known at run time"))
		return 0
	}
	o, ok := g.resolve(name)
	if !ok {
		cl.fail(unk(g.name + ": option " + clip(name, maxShown) + " is not known to be read-only"))
		return 0
	}
	gv := given{opt: o, as: name}
	switch {
	case eq && o.arg == noArg:
		if g.style == pflag && (val == "true" || val == "false") && !a.dyn {
			if val == "false" {
				return 0 // --flag=false: as if not given
			}
			g.accept(cl, gv)
			return 0
		}
		cl.fail(unk(g.name + ": option " + name + " takes no value"))
		return 0
	case eq:
		gv.val, gv.has = a.sub(val), true
	case o.arg == reqArg && next != nil:
		gv.val, gv.has = *next, true
		g.accept(cl, gv)
		return 1
	case o.arg == reqArg:
		cl.fail(unk(g.name + ": option " + name + " lacks its value"))
		return 0
	}
	g.accept(cl, gv)
	return 0
}

// resolve finds a long option by exact name or, for complete grammars,
// by a unique prefix as getopt_long resolves it.
func (g *grammar) resolve(name string) (*option, bool) {
	t := g.tables()
	if o, ok := t.long[name]; ok {
		return o, true
	}
	if !g.complete || g.style == pflag || g.style == dashLong || len(name) < 3 {
		return nil, false
	}
	var found *option
	i := sort.SearchStrings(t.longs, name)
	for ; i < len(t.longs) && strings.HasPrefix(t.longs[i], name); i++ {
		o := t.long[t.longs[i]]
		if found != nil && found != o {
			return nil, false // ambiguous: the program refuses it
		}
		found = o
	}
	return found, found != nil
}

// accept records an option and checks what it does and its value.
func (g *grammar) accept(cl *cmdline, gv given) {
	cl.opts = append(cl.opts, gv)
	o := gv.opt
	who := g.name + " " + o.names[0]
	switch {
	case o.class != "" && o.class != ReadOnly:
		cl.fail(verdict{class: o.class, reason: who + ": " + o.why})
	case !gv.has:
	case gv.val.split:
		cl.fail(unk(who + ": its value " + gv.val.src + " may split into several words at run time"))
	case o.out && writes(gv.val):
		cl.fail(mut(who + ": writes " + gv.val.show()))
	case o.check != nil:
		v, ok := gv.val.lit()
		switch {
		case ok && !o.check(v) && o.failClass != "":
			cl.fail(verdict{class: o.failClass, reason: who + " " + gv.val.show() + ": not read-only"})
		case !ok || !o.check(v):
			cl.fail(unk(who + " " + gv.val.show() + ": not known to be read-only"))
		}
	}

}

// allDigits reports a non-empty string of ASCII digits.
func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// oneOf returns a check accepting the listed values, case-insensitively.
func oneOf(vals ...string) func(string) bool {
	return func(v string) bool {
		for _, x := range vals {
			if strings.EqualFold(v, x) {
				return true
			}
		}
		return false
	}
}
