package shell

import (
	"strconv"
	"strings"

	"mvdan.cc/sh/v3/expand"
	"mvdan.cc/sh/v3/syntax"
)

// Words are evaluated as bash expands them, as far as the state knows:
// brace expansion, parameter expansion with the values the script set,
// field splitting of unquoted known values, command substitutions walked
// as commands of their own. What stays unknown is marked in the word: an
// expansion that may start with a dash (inject), one that may split into
// several words or none (split), glob characters (glob).

// seg is one part of a word after expansion.
type seg struct {
	text   string // the text, when known
	v      value  // what is known of an expansion's value
	known  bool
	quoted bool
	exp    bool // the text comes from an expansion: unquoted, it is split
	glob   bool // unquoted glob characters
}

// maxBraceWords bounds what one word may brace-expand to; more is unknown.
const maxBraceWords = 256

// word evaluates a word that is not split or brace-expanded: an
// assignment's value, a redirection's target.
func (c *classifier) word(w *syntax.Word) word {
	out := c.join(c.segs(w.Parts, false))
	out.src = c.source(w)
	return out
}

// source is a word as written, for reasons.
func (c *classifier) source(w *syntax.Word) string {
	src := c.text(w.Pos(), w.End())
	if src == "" {
		src = "$…"
	}
	return clip(src, maxShown)
}

// fields evaluates a word of a command line into the words the command
// will see: find . -{delete,print} is find . -delete -print, and A='-l
// -a'; ls $A is ls -l -a. A word expanding to more than maxBraceWords
// words is one unknown word.
func (c *classifier) fields(w *syntax.Word) []word {
	words := []*syntax.Word{w}
	if hasBrace(w) {
		words = c.braces(w)
		if words == nil {
			c.segs(w.Parts, false) // still walk what it runs
			return []word{{src: c.source(w), val: dynMark, dyn: true, inject: true, split: true, brace: true}}
		}
	}
	src := c.source(w)
	if len(words) == 1 {
		out := c.split(c.segs(words[0].Parts, false))
		for i := range out {
			out[i].src = src
		}
		return out
	}
	var out []word
	for _, bw := range words {
		ss := c.segs(bw.Parts, false)
		for _, f := range c.split(ss) {
			f.src = src
			f.brace = true
			out = append(out, f)
		}
	}
	return out
}

// hasBrace reports an unquoted { in a word, the only place brace
// expansion can start.
func hasBrace(w *syntax.Word) bool {
	for _, p := range w.Parts {
		if l, ok := p.(*syntax.Lit); ok && strings.IndexByte(l.Value, '{') >= 0 {
			return true
		}
	}
	return false
}

// braces returns the words a word brace-expands to, itself when it has
// no brace expansion, or nil when it expands to more than maxBraceWords.
func (c *classifier) braces(w *syntax.Word) []*syntax.Word {
	words := []*syntax.Word{w}
	if cp := copyWord(w); syntax.SplitBraces(cp) {
		words = words[:0]
		for bw, err := range expand.BracesSeq(nil, cp) {
			if err != nil || len(words) == maxBraceWords {
				return nil
			}
			words = append(words, bw)
		}
	}
	return words
}

// copyWord copies a word's literal parts, which SplitBraces rewrites.
func copyWord(w *syntax.Word) *syntax.Word {
	cp := &syntax.Word{Parts: make([]syntax.WordPart, len(w.Parts))}
	for i, p := range w.Parts {
		if l, ok := p.(*syntax.Lit); ok {
			l2 := *l
			p = &l2
		}
		cp.Parts[i] = p
	}
	return cp
}

// split applies field splitting when every part is known, and returns
// the one word join makes otherwise.
func (c *classifier) split(ss []seg) []word {
	for _, s := range ss {
		if !s.known {
			return []word{c.join(ss)}
		}
	}
	if len(ss) == 1 && ss[0].known && !ss[0].exp {
		// One literal, the common case: the loop below without copying it.
		s := ss[0]
		switch {
		case s.quoted:
			return []word{{val: s.text}}
		case s.text == "":
			return nil
		}
		return []word{{val: s.text, glob: s.glob, split: s.glob, inject: s.glob && strings.ContainsAny(s.text[:1], "*?[")}}
	}
	var out []word
	var cur strings.Builder
	have, glob := false, false
	exp := false
	for _, s := range ss {
		exp = exp || s.exp
	}
	flush := func() {
		if have {
			out = append(out, word{val: cur.String(), glob: glob, split: glob, exp: exp, inject: glob && strings.ContainsAny(cur.String()[:min(1, cur.Len())], "*?[")})
		}
		cur.Reset()
		have, glob = false, false
	}
	for _, s := range ss {
		if s.quoted {
			cur.WriteString(s.text)
			have = true
			continue
		}
		if !s.exp {
			cur.WriteString(s.text)
			have = have || s.text != ""
			glob = glob || s.glob
			continue
		}
		for i, piece := range strings.FieldsFunc(" "+s.text+" ", isIFS) {
			if i > 0 || strings.IndexFunc(s.text[:min(1, len(s.text))], isIFS) == 0 {
				flush()
			}
			cur.WriteString(piece)
			have = true
			glob = glob || strings.ContainsAny(piece, "*?[")
		}
		if s.text != "" && strings.LastIndexFunc(s.text, isIFS) == len(s.text)-1 {
			flush()
		}
	}
	flush()
	return out
}

func isIFS(r rune) bool { return r == ' ' || r == '\t' || r == '\n' }

// join makes one word of parts some of which are unknown.
func (c *classifier) join(ss []seg) word {
	var b strings.Builder
	var out word
	lead := true
	for _, s := range ss {
		out.exp = out.exp || s.exp || !s.known
		if s.known {
			b.WriteString(s.text)
			if !s.quoted && (s.glob || s.exp && strings.ContainsAny(s.text, "*?[")) {
				out.glob, out.split = true, true
				if lead && strings.ContainsAny(s.text[:min(1, len(s.text))], "*?[") {
					out.inject = true
				}
			}
			if !s.quoted && s.exp && strings.IndexFunc(s.text, isIFS) >= 0 {
				out.split = true
			}
			if s.text != "" {
				lead = false
			}
			continue
		}
		out.dyn = true
		out.alert = out.alert || !s.v.trusted
		b.WriteString(dynMark)
		if lead && !s.v.noDash {
			out.inject = true
		}
		if !s.quoted && !s.v.noSplit {
			out.split = true
			if !s.v.fieldsSafe {
				out.inject = true
			}
		}
		lead = false
	}
	out.val = b.String()
	var unknown []seg
	for _, s := range ss {
		if !s.known {
			unknown = append(unknown, s)
		} else if s.text != "" {
			return out
		}
	}
	if len(unknown) == 1 {
		out.v, out.hasV = unknown[0].v, true
		if unknown[0].quoted {
			out.v.noSplit = true
			out.v.fieldsSafe = out.v.noDash
		}
	}
	return out
}

// asValue is what a word's value is known to be, for a variable that
// takes it (for f in …, X=…).
func (w word) asValue() value {
	if s, ok := w.lit(); ok {
		return litValue(s)
	}
	if w.hasV {
		return w.v
	}
	v := value{noDash: !w.inject && !strings.HasPrefix(w.val, "-"), noSplit: !w.split && !w.glob}
	v.fieldsSafe = v.noDash && v.noSplit
	return v
}

// segs evaluates word parts; quoted is set inside double quotes.
func (c *classifier) segs(parts []syntax.WordPart, quoted bool) []seg {
	var out []seg
	for _, part := range parts {
		switch p := part.(type) {
		case *syntax.Lit:
			if quoted {
				out = append(out, seg{text: unescapeDQ(p.Value), known: true, quoted: true})
			} else {
				out = append(out, seg{text: unescape(p.Value), known: true, glob: globLit(p.Value)})
			}
		case *syntax.SglQuoted:
			if !p.Dollar {
				out = append(out, seg{text: p.Value, known: true, quoted: true})
			} else if s, ok := ansiC(p.Value); ok {
				out = append(out, seg{text: s, known: true, quoted: true})
			} else {
				out = append(out, seg{v: value{noSplit: true}, quoted: true})
			}
		case *syntax.DblQuoted:
			in := c.segs(p.Parts, true)
			if len(in) == 0 {
				in = []seg{{known: true, quoted: true}} // "" is a word
			}
			out = append(out, in...)
		case *syntax.ParamExp:
			v := c.param(p)
			out = append(out, seg{text: v.val, known: v.known, v: v, quoted: quoted, exp: true})
		case *syntax.CmdSubst:
			c.subst(p.Stmts)
			out = append(out, seg{v: substValue(p.Stmts), quoted: quoted})
		case *syntax.ArithmExp:
			c.arithCheck(p, p.X)
			out = append(out, seg{v: intValue, quoted: quoted})
		case *syntax.ProcSubst:
			saved, in := c.st.clone(), c.stdin
			if p.Op == syntax.CmdOut {
				c.stdin = &word{src: "a pipe", val: dynMark, dyn: true}
			}
			c.stmts(p.Stmts)
			c.st, c.stdin = saved, in
			out = append(out, seg{text: "/dev/fd/63", known: true, quoted: true})
		case *syntax.ExtGlob:
			out = append(out, seg{text: p.Op.String() + p.Pattern.Value + ")", known: true, glob: !quoted})
		default:
			c.add(part.Pos(), part.End(), unk("an expansion the classifier does not model"))
			out = append(out, seg{v: tainted, quoted: quoted})
		}
	}
	return out
}

// subst walks a command substitution: a subshell whose output is data.
func (c *classifier) subst(ss []*syntax.Stmt) {
	saved := c.st.clone()
	c.stmts(ss)
	c.st = saved
}

// hdocWord evaluates a here-document body, which expands like a
// double-quoted string unless its delimiter was quoted (then the parser
// gives one literal).
func (c *classifier) hdocWord(w *syntax.Word) word {
	out := c.join(c.segs(w.Parts, true))
	out.src = "here-document"
	return out
}

// param evaluates a parameter expansion.
func (c *classifier) param(p *syntax.ParamExp) value {
	if p.Param == nil || p.Flags != nil || p.NestedParam != nil || p.Width || p.IsSet || len(p.Modifiers) > 0 {
		c.add(p.Pos(), p.End(), unk("an expansion the classifier does not model"))
		return tainted
	}
	name := p.Param.Value
	switch {
	case p.Excl && p.Names != 0:
		return value{noDash: true, fieldsSafe: true} // ${!prefix*}: variable names
	case p.Excl && p.Index != nil:
		c.index(p)
		return tainted // ${!a[@]}: the keys
	case p.Excl:
		c.add(p.Pos(), p.End(), unk("${!"+name+"}: reads a variable whose name is only known at run time"))
		return tainted
	case p.Length:
		c.index(p)
		return countValue
	}
	v := c.lookupParam(name)
	c.index(p)
	if p.Slice != nil {
		c.arithCheck(p, p.Slice.Offset)
		if p.Slice.Length != nil {
			c.arithCheck(p, p.Slice.Length)
		}
		return derived(v)
	}
	if p.Repl != nil {
		pat := c.word(p.Repl.Orig)
		with := litValue("")
		if p.Repl.With != nil {
			with = c.word(p.Repl.With).asValue()
		}
		if v.known && !pat.dyn && !pat.glob && with.known && pat.val != "" {
			n := 1
			if p.Repl.All {
				n = -1
			}
			return litValue(strings.Replace(v.val, pat.val, with.val, n))
		}
		return derived(v).merge(derived(with))
	}
	if p.Exp == nil {
		return v
	}
	var arg value
	var argWord word
	if p.Exp.Word != nil {
		argWord = c.word(p.Exp.Word)
		arg = argWord.asValue()
	} else {
		arg = litValue("")
	}
	switch op := p.Exp.Op; op {
	case syntax.DefaultUnset, syntax.DefaultUnsetOrNull, syntax.AssignUnset, syntax.AssignUnsetOrNull:
		out := v.merge(arg)
		if v.known && v.val != "" {
			out = v
		}
		if op == syntax.AssignUnset || op == syntax.AssignUnsetOrNull {
			c.assign(name, out)
		}
		return out
	case syntax.AlternateUnset, syntax.AlternateUnsetOrNull:
		if v.known {
			if v.val == "" {
				return litValue("")
			}
			return arg
		}
		return arg.merge(litValue(""))
	case syntax.ErrorUnset, syntax.ErrorUnsetOrNull:
		return v
	case syntax.RemSmallPrefix, syntax.RemLargePrefix, syntax.RemSmallSuffix, syntax.RemLargeSuffix:
		if v.known && !argWord.dyn && !argWord.glob {
			switch op {
			case syntax.RemSmallPrefix, syntax.RemLargePrefix:
				return litValue(strings.TrimPrefix(v.val, argWord.val))
			default:
				return litValue(strings.TrimSuffix(v.val, argWord.val))
			}
		}
		return derived(v)
	case syntax.OtherParamOps:
		switch argWord.val {
		case "P":
			c.add(p.Pos(), p.End(), unk("${"+name+"@P}: prompt expansion runs the command substitutions in the value"))
			return tainted
		case "Q", "A", "a", "K", "k":
			return value{noDash: true, noSplit: v.noSplit, trusted: v.trusted}
		}
		return derived(v)
	}
	return derived(v)
}

// lookupParam returns what is known of a parameter: a variable, a
// positional parameter or a special one.
func (c *classifier) lookupParam(name string) value {
	switch {
	case name == "@" || name == "*":
		return c.st.arg(0)
	case name == "#":
		return c.st.arg(-1)
	case allDigits(name):
		n, _ := strconv.Atoi(name)
		if n == 0 {
			return operatorValue // $0: the shell's name
		}
		return c.st.arg(n)
	}
	return c.st.lookup(c, name)
}

// derived is what is known of a value computed from v by an operation
// the classifier does not evaluate (a case change, a slice).
func derived(v value) value {
	if v.trusted {
		return operatorValue
	}
	return tainted
}

// index checks an array subscript, which bash evaluates as arithmetic.
func (c *classifier) index(p *syntax.ParamExp) {
	if p.Index == nil {
		return
	}
	if w, ok := p.Index.(*syntax.Word); ok {
		if s := w.Lit(); s == "@" || s == "*" {
			return
		}
	}
	c.arithCheck(p, p.Index)
}

// ansiC decodes the escapes of a $'…' string; ok is false for escapes it
// does not decode.
func ansiC(s string) (string, bool) {
	if !strings.Contains(s, `\`) {
		return s, true
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		i++
		switch s[i] {
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case '\\', '\'', '"', '?':
			b.WriteByte(s[i])
		case 'a':
			b.WriteByte('\a')
		case 'e', 'E':
			b.WriteByte(0x1b)
		case '0', '1', '2', '3', '4', '5', '6', '7':
			j := i
			for j < len(s) && j < i+3 && s[j] >= '0' && s[j] <= '7' {
				j++
			}
			n, err := strconv.ParseUint(s[i:j], 8, 8)
			if err != nil || n == 0 {
				return "", false
			}
			b.WriteByte(byte(n))
			i = j - 1
		default:
			return "", false
		}
	}
	return b.String(), true
}

// validName reports a shell variable name.
func validName(s string) bool {
	if s == "" || s[0] >= '0' && s[0] <= '9' {
		return false
	}
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if !(ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || ch == '_') {
			return false
		}
	}
	return true
}

// substValue is what is known of a command substitution's output: data,
// except for the few commands whose output format is fixed: IDs that
// never start with a dash (docker ps -q, pgrep, git rev-parse) and
// counts (wc -l on its input, grep -c, date +%s).
func substValue(ss []*syntax.Stmt) value {
	if len(ss) != 1 || ss[0].Background {
		return tainted
	}
	x, ok := ss[0].Cmd.(*syntax.CallExpr)
	if !ok || len(x.Assigns) > 0 || len(x.Args) == 0 {
		return tainted
	}
	var args []string
	for _, w := range x.Args {
		s, ok := staticWord(w)
		if !ok {
			return tainted
		}
		args = append(args, s)
	}
	has := func(flags ...string) bool {
		for _, a := range args[1:] {
			for _, f := range flags {
				if a == f || len(f) == 2 && strings.HasPrefix(a, "-") && !strings.HasPrefix(a, "--") && strings.Contains(a[1:], f[1:]) {
					return true
				}
			}
		}
		return false
	}
	operands := 0
	for _, a := range args[1:] {
		if !strings.HasPrefix(a, "-") {
			operands++
		}
	}
	switch args[0] {
	case "pgrep", "pidof":
		if !has("-l", "-a", "-d", "--list-name", "--list-full", "--delimiter") {
			return idsValue
		}
	case "docker", "podman":
		if has("-q", "--quiet") && !has("--format", "-f") {
			return idsValue
		}
	case "id":
		if has("-u", "-g", "-G") && !has("-n") {
			return idsValue
		}
	case "nproc":
		return countValue
	case "wc":
		if operands == 0 {
			return countValue
		}
	case "grep", "egrep", "fgrep":
		files := operands
		if !has("-e", "-f", "--regexp", "--file") {
			files--
		}
		if has("-c", "--count") && files <= 1 && !has("-r", "-R", "--recursive") {
			return countValue
		}
	case "git":
		if len(args) > 1 && args[1] == "rev-parse" && !has("--sq", "--local-env-vars", "--git-path") {
			return idsValue
		}
	case "date":
		for _, a := range args[1:] {
			if strings.HasPrefix(a, "+") && a != "+" {
				f := a[1:]
				if !strings.HasPrefix(f, "-") && !strings.Contains(f, " -") && !strings.ContainsAny(f, "*?[\t\n") {
					if f == "%s" {
						return countValue
					}
					return idsValue
				}
				return tainted
			}
		}
	case "hostname":
		if operands == 0 {
			return idsValue
		}
	}
	return tainted
}
