package shell

import (
	"strings"
	"unicode/utf8"
)

// dynMark stands in a word's value for an expansion known only at run time.
const dynMark = "\x00"

// word is a shell word as far as it can be known without running anything.
type word struct {
	src string // as written, for reasons
	val string // the value after quote removal; dynMark for each expansion
	dyn bool   // some part is only known at run time
	// glob is set for unquoted glob characters and brace expansions, which
	// turn one word into any number of file names or words.
	glob bool
	// inject is set when the word may turn into options at run time: an
	// unquoted or leading expansion of a value an alert can control, a
	// command substitution, or a leading glob.
	inject bool
	// split is set when the word may turn into several words: an unquoted
	// expansion of a value an alert can control, or a glob. As an option's
	// value it shifts the words after it.
	split bool
	// brace is set for a word that came out of a brace expansion.
	brace bool
	// exp is set when some part of the word came from an expansion.
	exp bool
	// v is what is known of the value of a word made of one expansion
	// ("$now", $(date +%s)), when hasV is set.
	v    value
	hasV bool
	// paths marks a pipe carrying NUL-separated file names from find
	// under starting points that do not start with a dash.
	paths bool
	// alert is set when some expansion in the word is not known to be the
	// operator's (an alert value, a command's output, anything tainted),
	// wherever it stands: such a word cannot choose a host or a database.
	alert bool
}

// writes reports whether giving w as an output file writes to disk: "-"
// (standard output) and /dev/null do not.
func writes(w word) bool {
	return w.dyn || w.glob || (w.val != "-" && !safeSink(w.val))
}

// maxShown is how much of a word a reason quotes.
const maxShown = 60

// clip makes s fit on one line of a reason: whitespace runs become one
// space and text past n bytes becomes an ellipsis.
func clip(s string, n int) string {
	if len(s) <= n && !strings.ContainsAny(s, "\t\n\r\v\f") && !strings.Contains(s, "  ") && strings.TrimSpace(s) == s {
		return s
	}
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// globLit reports unquoted, unescaped glob or brace-expansion syntax.
func globLit(s string) bool {
	brace := -1
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '*', '?':
			return true
		case '[':
			if strings.IndexByte(s[i+1:], ']') >= 0 {
				return true
			}
		case '{':
			brace = i
		case ',':
			if brace >= 0 {
				return true
			}
		case '.':
			if brace >= 0 && i+1 < len(s) && s[i+1] == '.' {
				return true
			}
		}
	}
	return false
}

// unescape removes the backslashes of an unquoted literal.
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// unescapeDQ removes the backslashes that are special inside double quotes.
func unescapeDQ(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) && strings.IndexByte("$`\"\\\n", s[i+1]) >= 0 {
			i++
			if s[i] == '\n' {
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// lit returns the value of a word known before running, and whether it is.
func (w word) lit() (string, bool) { return w.val, !w.dyn && !w.glob }

// show returns the word for a reason: its value when known, else its source.
func (w word) show() string {
	if v, ok := w.lit(); ok && v != "" {
		return clip(v, maxShown)
	}
	return w.src
}

// sub returns part of a word's value as a word of its own: the value of
// --output=FILE or -oFILE.
func (w word) sub(val string) word {
	return word{src: w.src, val: val, dyn: strings.Contains(val, dynMark), glob: w.glob}
}

// optSpec describes a command's options: which of them take a value.
type optSpec struct {
	short string   // single-letter options that take a value, e.g. "CcX"
	long  []string // long options that take a value, without the dashes
	// stop ends the options at the first operand, as git, docker and
	// command wrappers (timeout, nice) do.
	stop bool
}

// opt is one option as given: "-X" or "--request", with its value.
type opt struct {
	name string
	val  word
	has  bool // the option took a value
}

// parsed is a command line split into options and operands.
type parsed struct {
	opts []opt
	pos  []word // operands, in order
	// inject is the first word that may turn into options at run time;
	// with optSpec.stop it may also be the first operand.
	inject *word
}

// parseOpts splits args getopt-style: clustered short options, -oVALUE,
// --long=VALUE and --long VALUE, and -- ending the options.
func parseOpts(args []word, spec optSpec) parsed {
	var p parsed
	for i := 0; i < len(args); i++ {
		a := args[i]
		s := a.val
		if a.inject && p.inject == nil {
			p.inject = &args[i]
		}
		if s == "--" && !a.dyn {
			p.pos = append(p.pos, args[i+1:]...)
			return p
		}
		if len(s) < 2 || s[0] != '-' {
			if spec.stop {
				p.pos = append(p.pos, args[i:]...)
				return p
			}
			p.pos = append(p.pos, a)
			continue
		}
		if strings.HasPrefix(s, "--") {
			name, val, eq := strings.Cut(s[2:], "=")
			o := opt{name: "--" + name}
			switch {
			case eq:
				o.val, o.has = a.sub(val), true
			case contains(spec.long, name) && i+1 < len(args):
				i++
				o.val, o.has = args[i], true
				p.splitValue(&args[i])
			}
			p.opts = append(p.opts, o)
			continue
		}
		for j := 1; j < len(s); j++ {
			ch := s[j]
			if ch == dynMark[0] {
				// -$X: any option at all.
				if p.inject == nil {
					p.inject = &args[i]
				}
				p.opts = append(p.opts, opt{name: "-" + dynMark})
				break
			}
			o := opt{name: "-" + string(ch)}
			if strings.IndexByte(spec.short, ch) >= 0 {
				if j+1 < len(s) {
					o.val, o.has = a.sub(s[j+1:]), true
				} else if i+1 < len(args) {
					i++
					o.val, o.has = args[i], true
					p.splitValue(&args[i])
				}
				p.opts = append(p.opts, o)
				break
			}
			p.opts = append(p.opts, o)
		}
	}
	return p
}

// splitValue records an option value that may become several words and
// so shift every word after it.
func (p *parsed) splitValue(w *word) {
	if w.split && p.inject == nil {
		p.inject = w
	}
}

// flag reports whether any of the named options was given, names matching
// exactly. Use it for options that make a command safe (--spider, -l).
func (p parsed) flag(names ...string) bool {
	for _, o := range p.opts {
		if contains(names, o.name) {
			return true
		}
	}
	return false
}

// get returns the options given under any of the names, long names also
// matching their abbreviations (--out for --output, as getopt_long
// accepts). Use it for options that make a command unsafe.
func (p parsed) get(names ...string) []opt {
	var out []opt
	for _, o := range p.opts {
		if matchOpt(o.name, names) {
			out = append(out, o)
		}
	}
	return out
}

// any reports whether get would return something.
func (p parsed) any(names ...string) bool { return len(p.get(names...)) > 0 }

// value returns the last value given to one of the named options.
func (p parsed) value(names ...string) (word, bool) {
	os := p.get(names...)
	for i := len(os) - 1; i >= 0; i-- {
		if os[i].has {
			return os[i].val, true
		}
	}
	return word{}, false
}

// output returns the first of the named options that writes a file: its
// value is not "-" or /dev/null, or it has none because it was given as an
// abbreviation the parser did not know takes a value (--out FILE).
func (p parsed) output(names ...string) (opt, bool) {
	for _, o := range p.get(names...) {
		if !o.has || writes(o.val) {
			return o, true
		}
	}
	return opt{}, false
}

// target names where an output option writes, for reasons.
func (o opt) target() string {
	if !o.has {
		return "a file"
	}
	return o.val.show()
}

// matchOpt reports whether an option as given names one of names: short
// options exactly, long ones also by an abbreviation of two or more letters.
func matchOpt(given string, names []string) bool {
	for _, n := range names {
		if given == n {
			return true
		}
		if strings.HasPrefix(given, "--") && strings.HasPrefix(n, "--") && len(given) >= 4 && strings.HasPrefix(n, given) {
			return true
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// anyInject returns the first word that may turn into options, up to a
// "--" that ends the options.
func anyInject(ws []word) *word {
	for i := range ws {
		if ws[i].val == "--" && !ws[i].dyn {
			return nil
		}
		if ws[i].inject {
			return &ws[i]
		}
	}
	return nil
}

// words joins the shown form of words, for reasons.
func words(ws []word) string {
	parts := make([]string, len(ws))
	for i, w := range ws {
		parts[i] = w.show()
	}
	return strings.Join(parts, " ")
}
