package shell

import "strings"

// awk programs are read by a parser of a subset of the POSIX awk grammar
// that decides every program it accepts: patterns and actions, print and
// printf, expressions, if/while/do/for, delete, next, exit, and the
// built-in functions that only compute. Whether / starts a regex or
// divides is decided as awk's own grammar decides it: a regex only where
// an operand is expected (a++ / 2 divides), so nothing can hide inside a
// misread regex. Anything outside the subset is unknown: function
// definitions and calls of user functions, system(), close(), fflush(),
// getline, pipes (| and |&), @ (gawk's indirect calls, @load, @include),
// ENVIRON and PROCINFO. print > and >> write a file unless the target is
// a literal /dev/stdout, /dev/stderr or /dev/null.

var awkGrammar = newGrammar("awk", posix,
	"-F --field-separator=", "-v --assign=", "-e --source=", "-b --characters-as-bytes", "-c --traditional",
	"-C --copyright", "-h --help", "-V --version", "-k --csv", "-n --non-decimal-data", "-N --use-lc-numeric",
	"-P --posix", "-r --re-interval", "-s --no-optimize", "-O --optimize", "-S --sandbox", "-t --lint-old",
	"-L --lint[=]", "-M --bignum", "-g --gen-pot",
).valued("-W=", oneOf("version", "interactive", "usage")).
	deny(Unknown, "runs a program from a file", "-f --file=", "-E --exec=").
	deny(Unknown, "loads code from a file", "-i --include=", "-l --load=").
	deny(Mutating, "writes a file (awkvars.out, awkprof.out or the one named)", "-d --dump-variables[=]",
		"-o --pretty-print[=]", "-p --profile[=]").
	deny(Unknown, "runs the debugger or the tracer", "-D --debug[=]", "-I --trace").completeLongs()

func awkRule(c *classifier, x *call) verdict {
	who := x.name
	cl := awkGrammar.parse(x.args)
	for _, o := range cl.opts {
		if optIs(o, "-i") && o.val.val == "inplace" && !o.val.dyn {
			return mut(who + " -i inplace: edits files in place")
		}
	}
	if !cl.ok() {
		return cl.v
	}
	var progs []word
	for _, o := range cl.opts {
		switch {
		case optIs(o, "-v"):
			if name, _, _ := strings.Cut(o.val.val, "="); strings.Contains(name, dynMark) || o.val.glob {
				return unk(who + " -v: the variable's name is only known at run time")
			}
		case optIs(o, "-e"):
			progs = append(progs, o.val)
		}
	}
	if len(progs) == 0 {
		if w, ok := cl.value("-W"); cl.has("-V", "-h", "-C") || ok && w.val != "interactive" {
			return ro(who + " --version: prints its version")
		}
		if len(cl.args) == 0 {
			return unk(who + ": no program")
		}
		progs = cl.args[:1]
	}
	for _, w := range progs {
		s, ok := w.lit()
		if !ok {
			return unk(who + ": its program is only known at run time")
		}
		if class, why := awkProgram(s); class != ReadOnly {
			return verdict{class: class, reason: who + ": " + why}
		}
	}
	return roOpts(who + ": processes text")
}

// awkProgram classifies an awk program.
func awkProgram(s string) (Class, string) {
	p := &awkParser{src: s}
	p.advance()
	p.program()
	if p.verdict.class == "" {
		return ReadOnly, ""
	}
	return p.verdict.class, p.verdict.reason
}

// awkTok is one token: kind is the token itself for operators and
// punctuation ("+=", "{"), or one of "num", "str", "ere", "name",
// "funcname" (a name followed directly by "("), "builtin", "nl", "eof"
// or "bad". Keywords are their own kind ("print", "in").
type awkTok struct {
	kind  string
	text  string
	start int
}

type awkParser struct {
	src     string
	pos     int
	tok     awkTok
	verdict verdict // the first finding; parsing stops there
}

func (p *awkParser) stopped() bool { return p.verdict.class != "" }

func (p *awkParser) fail(v verdict) {
	if !p.stopped() {
		p.verdict = v
	}
}

func (p *awkParser) syntax(what string) {
	p.fail(unk("program not understood near " + clip(strings.TrimSpace(p.tok.text), 20) + ": " + what))
}

// awkKeywords are the words the grammar reads; awkFuncs the built-in
// functions that only compute.
var awkKeywords = setOf("BEGIN", "END", "BEGINFILE", "ENDFILE", "function", "func", "getline", "print",
	"printf", "if", "else", "while", "for", "do", "break", "continue", "next", "nextfile", "exit", "return",
	"delete", "in")

var awkFuncs = setOf("length", "substr", "index", "split", "sub", "gsub", "match", "sprintf", "sin", "cos",
	"atan2", "exp", "log", "sqrt", "int", "rand", "srand", "tolower", "toupper", "gensub", "strftime",
	"systime", "mktime", "asort", "asorti", "patsplit", "strtonum", "and", "or", "xor", "lshift", "rshift",
	"compl", "isarray", "typeof")

// awkUnsafe are names whose use is unknown, with why.
var awkUnsafe = map[string]string{
	"system":   "system() runs a command",
	"close":    "close() closes pipes and files",
	"fflush":   "fflush() flushes pipes and files",
	"getline":  "getline reads files or runs commands",
	"ENVIRON":  "ENVIRON reads the environment, secrets included",
	"PROCINFO": "PROCINFO reads and changes the interpreter's state",
	"SYMTAB":   "SYMTAB reaches any variable by name",
	"FUNCTAB":  "FUNCTAB reaches any function by name",
	"function": "defines a function",
	"func":     "defines a function",
	"return":   "return outside a function",
}

// advance lexes the next token with / as division; primary() re-lexes
// it as a regex where an operand is expected.
func (p *awkParser) advance() {
	s := p.src
	for p.pos < len(s) {
		ch := s[p.pos]
		switch {
		case ch == ' ' || ch == '\t' || ch == '\r':
			p.pos++
			continue
		case ch == '\\' && p.pos+1 < len(s) && s[p.pos+1] == '\n':
			p.pos += 2
			continue
		case ch == '\\' && p.pos+2 < len(s) && s[p.pos+1] == '\r' && s[p.pos+2] == '\n':
			p.pos += 3
			continue
		case ch == '#':
			for p.pos < len(s) && s[p.pos] != '\n' {
				p.pos++
			}
			continue
		}
		break
	}
	start := p.pos
	if p.pos >= len(s) {
		p.tok = awkTok{kind: "eof", start: start}
		return
	}
	ch := s[p.pos]
	switch {
	case ch == '\n':
		p.pos++
		p.tok = awkTok{kind: "nl", text: "newline", start: start}
	case ch == '"':
		end := p.pos + 1
		for end < len(s) && s[end] != '"' && s[end] != '\n' {
			if s[end] == '\\' {
				end++
			}
			end++
		}
		if end >= len(s) || s[end] != '"' {
			p.tok = awkTok{kind: "bad", text: s[start:], start: start}
			p.pos = len(s)
			return
		}
		p.pos = end + 1
		p.tok = awkTok{kind: "str", text: s[start+1 : end], start: start}
	case ch >= '0' && ch <= '9' || ch == '.' && p.pos+1 < len(s) && s[p.pos+1] >= '0' && s[p.pos+1] <= '9':
		end := p.pos
		for end < len(s) && (isSQLIdent(s[end]) && s[end] != '$' || s[end] == '.' ||
			(s[end] == '+' || s[end] == '-') && (s[end-1] == 'e' || s[end-1] == 'E') && !strings.HasPrefix(s[start:], "0x")) {
			end++
		}
		p.pos = end
		p.tok = awkTok{kind: "num", text: s[start:end], start: start}
	case ch == '_' || ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z':
		end := p.pos
		for end < len(s) && isSQLIdent(s[end]) && s[end] != '$' && s[end] < 0x80 {
			end++
		}
		p.pos = end
		name := s[start:end]
		kind := "name"
		switch {
		case awkKeywords[name]:
			kind = name
		case awkFuncs[name]:
			kind = "builtin"
		case end < len(s) && s[end] == '(':
			kind = "funcname"
		}
		p.tok = awkTok{kind: kind, text: name, start: start}
	default:
		for _, op := range []string{"**=", "**", "+=", "-=", "*=", "/=", "%=", "^=", "==", "<=", ">=", "!=", "++",
			"--", "&&", "||", ">>", "!~", "|&"} {
			if strings.HasPrefix(s[p.pos:], op) {
				p.pos += len(op)
				p.tok = awkTok{kind: op, text: op, start: start}
				return
			}
		}
		p.pos++
		p.tok = awkTok{kind: string(ch), text: string(ch), start: start}
	}
}

// regex re-lexes the current / or /= token as a regex literal.
func (p *awkParser) regex() bool {
	s := p.src
	i := p.tok.start + 1
	bracket := false
	for ; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\n':
			return false
		case c == '\\':
			i++
		case c == '[' && !bracket:
			bracket = true
			if i+1 < len(s) && s[i+1] == '^' {
				i++
			}
			if i+1 < len(s) && s[i+1] == ']' {
				i++
			}
		case c == ']' && bracket:
			bracket = false
		case c == '/' && bracket:
			// Awks differ on whether a bracket hides the slash.
			return false
		case c == '/':
			p.pos = i + 1
			p.advance()
			return true
		}
	}
	return false
}

func (p *awkParser) is(kinds ...string) bool {
	for _, k := range kinds {
		if p.tok.kind == k {
			return true
		}
	}
	return false
}

func (p *awkParser) expect(kind string) bool {
	if p.stopped() {
		return false
	}
	if p.tok.kind != kind {
		p.syntax("expected " + kind)
		return false
	}
	p.advance()
	return true
}

func (p *awkParser) newlines() {
	for p.tok.kind == "nl" {
		p.advance()
	}
}

func (p *awkParser) terminators() {
	for p.is("nl", ";") {
		p.advance()
	}
}

// program reads items: BEGIN/END actions, pattern [action], action.
func (p *awkParser) program() {
	p.terminators()
	for !p.stopped() && !p.is("eof") {
		action := p.item()
		if p.stopped() {
			return
		}
		if !action && !p.is("nl", ";", "eof") {
			p.syntax("expected the end of an item")
			return
		}
		p.terminators()
	}
}

// item reads one item and reports whether it ended with an action, after
// which the next item may follow on the same line.
func (p *awkParser) item() bool {
	switch {
	case p.is("@"):
		p.fail(unk("@ calls a function by name or loads code"))
	case p.is("function", "func"):
		p.fail(unk(awkUnsafe[p.tok.kind]))
	case p.is("BEGIN", "END", "BEGINFILE", "ENDFILE"):
		p.advance()
		p.newlines()
		p.action()
		return true
	case p.is("{"):
		p.action()
		return true
	default:
		p.expr(false)
		if p.is(",") {
			p.advance()
			p.newlines()
			p.expr(false)
		}
		if p.is("{") {
			p.action()
			return true
		}
	}
	return false
}

func (p *awkParser) action() {
	if !p.expect("{") {
		return
	}
	p.statements()
	p.expect("}")
}

func (p *awkParser) statements() {
	for !p.stopped() {
		p.terminators()
		if p.is("}", "eof") {
			return
		}
		p.statement()
	}
}

// statement reads one statement and its terminator.
func (p *awkParser) statement() {
	switch {
	case p.is("{"):
		p.action()
		return
	case p.is("if"):
		p.advance()
		p.condition()
		p.newlines()
		p.body()
		save := *p
		p.terminators()
		if p.is("else") {
			p.advance()
			p.newlines()
			p.body()
		} else {
			*p = save
		}
		return
	case p.is("while"):
		p.advance()
		p.condition()
		p.newlines()
		p.body()
		return
	case p.is("do"):
		p.advance()
		p.newlines()
		p.body()
		p.terminators()
		if !p.expect("while") {
			return
		}
		p.condition()
	case p.is("for"):
		p.advance()
		p.forHead()
		p.newlines()
		p.body()
		return
	case p.is(";"):
		p.advance()
		return
	default:
		p.simple()
	}
	if !p.stopped() && !p.is("nl", ";", "}", "eof") {
		p.syntax("expected the end of a statement")
	}
}

// body reads the statement of if/while/for; a lone ; is an empty one.
func (p *awkParser) body() {
	if p.is(";") {
		p.advance()
		return
	}
	p.statement()
}

func (p *awkParser) condition() {
	if p.expect("(") {
		p.expr(false)
		p.expect(")")
	}
}

// forHead reads (init; cond; step) or (name in array).
func (p *awkParser) forHead() {
	if !p.expect("(") {
		return
	}
	if p.is("name") {
		save := *p
		p.advance()
		if p.is("in") {
			p.advance()
			if p.expect("name") {
				p.expect(")")
			}
			return
		}
		*p = save
	}
	if !p.is(";") {
		p.simple()
	}
	p.expect(";")
	p.newlines()
	if !p.is(";") {
		p.expr(false)
	}
	p.expect(";")
	p.newlines()
	if !p.is(")") {
		p.simple()
	}
	p.expect(")")
}

// simple reads print, printf, delete, next, exit, break, continue or an
// expression.
func (p *awkParser) simple() {
	switch {
	case p.is("print", "printf"):
		p.print()
	case p.is("delete"):
		p.advance()
		if p.is("(") { // delete (a) in some awks; not read here
			p.syntax("delete (…)")
			return
		}
		if p.expect("name") && p.is("[") {
			p.advance()
			p.exprList(false)
			p.expect("]")
		}
	case p.is("next", "nextfile", "break", "continue"):
		p.advance()
	case p.is("exit"):
		p.advance()
		if !p.is("nl", ";", "}", "eof") {
			p.expr(false)
		}
	case p.is("return", "getline"):
		p.fail(unk(awkUnsafe[p.tok.kind]))
	default:
		p.expr(false)
	}
}

// print reads print/printf, its list (where > is a redirection, not a
// comparison) and its redirection.
func (p *awkParser) print() {
	who := p.tok.kind
	p.advance()
	if !p.is("nl", ";", "}", "eof", ">", ">>", "|", "|&") {
		p.exprList(true)
	}
	switch {
	case p.is("|", "|&"):
		p.fail(unk(who + " | runs a command"))
	case p.is(">", ">>"):
		op := p.tok.kind
		p.advance()
		if p.is("str") && safeSink(p.tok.text) {
			p.advance()
			if p.is("nl", ";", "}", "eof") {
				return
			}
		}
		p.fail(mut(who + " " + op + " writes to a file"))
	}
}

func (p *awkParser) exprList(noGT bool) {
	p.expr(noGT)
	for p.is(",") && !p.stopped() {
		p.advance()
		p.newlines()
		p.expr(noGT)
	}
}

var awkAssignOps = setOf("=", "+=", "-=", "*=", "/=", "%=", "^=", "**=")

// expr reads an expression: a ternary, or an assignment to an lvalue.
// noGT leaves > to the print statement around it.
func (p *awkParser) expr(noGT bool) {
	lvalue := p.ternary(noGT)
	if awkAssignOps[p.tok.kind] && !p.stopped() {
		if !lvalue {
			p.syntax("assignment to a non-variable")
			return
		}
		p.advance()
		p.newlines()
		p.expr(noGT)
	}
}

// The levels below return whether what they read is an lvalue (a
// variable, an array element or a field), which only a bare primary is.

func (p *awkParser) ternary(noGT bool) bool {
	lv := p.or(noGT)
	if p.is("?") {
		p.advance()
		p.newlines()
		p.expr(noGT)
		p.newlines()
		if p.expect(":") {
			p.newlines()
			p.expr(noGT)
		}
		return false
	}
	return lv
}

func (p *awkParser) or(noGT bool) bool {
	lv := p.and(noGT)
	for p.is("||") && !p.stopped() {
		p.advance()
		p.newlines()
		p.and(noGT)
		lv = false
	}
	return lv
}

func (p *awkParser) and(noGT bool) bool {
	lv := p.in(noGT)
	for p.is("&&") && !p.stopped() {
		p.advance()
		p.newlines()
		p.in(noGT)
		lv = false
	}
	return lv
}

func (p *awkParser) in(noGT bool) bool {
	lv := p.match(noGT)
	for p.is("in") && !p.stopped() {
		p.advance()
		p.expect("name")
		lv = false
	}
	return lv
}

func (p *awkParser) match(noGT bool) bool {
	lv := p.compare(noGT)
	for p.is("~", "!~") && !p.stopped() {
		p.advance()
		p.compare(noGT)
		lv = false
	}
	return lv
}

func (p *awkParser) compare(noGT bool) bool {
	lv := p.concat(noGT)
	if p.is("|", "|&") {
		if !noGT { // in print's list, the print statement reads the pipe
			p.fail(unk("| getline runs a command"))
		}
		return false
	}
	if p.is("<", "<=", "!=", "==", ">=") || p.is(">") && !noGT {
		p.advance()
		p.concat(noGT)
		if p.is("|", "|&") {
			p.fail(unk("| getline runs a command"))
		}
		return false
	}
	return lv
}

// concat reads juxtaposed operands; the right one cannot start with a
// unary + or -, as in awk's grammar.
func (p *awkParser) concat(noGT bool) bool {
	lv := p.additive()
	for !p.stopped() && p.is("num", "str", "name", "funcname", "builtin", "$", "(", "++", "--", "@", "getline") {
		p.additive()
		lv = false
	}
	return lv
}

func (p *awkParser) additive() bool {
	lv := p.multiplicative()
	for p.is("+", "-") && !p.stopped() {
		p.advance()
		p.multiplicative()
		lv = false
	}
	return lv
}

func (p *awkParser) multiplicative() bool {
	lv := p.unary()
	for p.is("*", "/", "%") && !p.stopped() {
		p.advance()
		p.unary()
		lv = false
	}
	return lv
}

func (p *awkParser) unary() bool {
	if p.is("!", "-", "+") {
		p.advance()
		p.unary()
		return false
	}
	return p.power()
}

func (p *awkParser) power() bool {
	lv := p.postfix()
	if p.is("^", "**") && !p.stopped() {
		p.advance()
		p.unary() // right-associative, and -x is allowed: 2^-1
		return false
	}
	return lv
}

func (p *awkParser) postfix() bool {
	lv := p.primary()
	if lv && p.is("++", "--") {
		p.advance()
		return false
	}
	return lv
}

// primary reads an operand: the only place a regex may start.
func (p *awkParser) primary() bool {
	if p.stopped() {
		return false
	}
	switch {
	case p.is("/", "/="):
		if !p.regex() {
			p.syntax("a regex that does not end")
		}
		return false
	case p.is("num", "str"):
		p.advance()
		return false
	case p.is("("):
		p.advance()
		p.newlines()
		p.exprList(false)
		p.newlines()
		p.expect(")")
		return false
	case p.is("$"):
		p.advance()
		if p.is("++", "--") {
			p.advance()
		}
		p.primary()
		return true
	case p.is("++", "--"):
		p.advance()
		if !p.primary() {
			p.syntax("++ of a non-variable")
		}
		return false
	case p.is("-", "+", "!"):
		p.advance()
		p.unary()
		return false
	case p.is("name"):
		if why, ok := awkUnsafe[p.tok.text]; ok {
			p.fail(unk(why))
			return false
		}
		p.advance()
		if p.is("[") {
			p.advance()
			p.exprList(false)
			p.expect("]")
		}
		return true
	case p.is("builtin"):
		name := p.tok.text
		p.advance()
		if p.is("(") {
			p.advance()
			p.newlines()
			if !p.is(")") {
				p.exprList(false)
			}
			p.newlines()
			p.expect(")")
		} else if name != "length" {
			p.syntax(name + " without arguments")
		}
		return false
	case p.is("funcname"):
		if why, ok := awkUnsafe[p.tok.text]; ok {
			p.fail(unk(why))
		} else {
			p.fail(unk(p.tok.text + "() calls a function this classifier cannot read"))
		}
		return false
	case p.is("@"):
		p.fail(unk("@ calls a function by name or loads code"))
		return false
	case p.is("getline"):
		p.fail(unk(awkUnsafe["getline"]))
		return false
	}
	p.syntax("expected an operand")
	return false
}
