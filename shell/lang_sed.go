package shell

import "strings"

// sed is read with GNU sed 4.9's grammar (compile.c): its options, and in
// its script every command, address and s/// part, including bracket
// expressions that hide the delimiter (s/[/]/x/w FILE writes FILE) and
// the rest-of-line file names of w, W, r, R and s///w. The script is
// read-only when no command writes a file (w, W, s///w other than
// /dev/stdout and /dev/stderr) or runs one (e, s///e); anything the
// grammar below does not accept is unknown.

var sedGrammar = newGrammar("sed", gnu,
	"-n --quiet --silent", "-e --expression=", "-E -r --regexp-extended", "-s --separate", "-z --null-data",
	"-u --unbuffered", "-l --line-length=", "--posix", "--debug", "--sandbox", "--follow-symlinks",
	"-b --binary", "--help", "--version",
).deny(Unknown, "runs a script from a file", "-f --file=").
	deny(Mutating, "edits files in place", "-i --in-place[=]").completeLongs()

func sedRule(c *classifier, x *call) verdict {
	cl := sedGrammar.parse(x.args)
	if !cl.ok() {
		return cl.v
	}
	var parts []string
	for _, o := range cl.opts {
		if !optIs(o, "-e") {
			continue
		}
		s, ok := o.val.lit()
		if !ok {
			return unk("sed -e: its script is only known at run time")
		}
		parts = append(parts, s)
	}
	if len(parts) == 0 {
		if cl.has("--help", "--version") {
			return ro("sed --version: prints its version")
		}
		if len(cl.args) == 0 {
			return unk("sed: no script")
		}
		s, ok := cl.args[0].lit()
		if !ok {
			return unk("sed: its script is only known at run time")
		}
		parts = []string{s}
	}
	// GNU sed joins the -e scripts with newlines: 'a\' -e 'text' is one
	// command.
	class, why, _ := sedScript(strings.Join(parts, "\n"))
	if class != ReadOnly {
		return verdict{class: class, reason: "sed " + why}
	}
	return roOpts("sed: edits a stream")
}

// sedScript classifies a GNU sed script. reads reports an r or R command,
// which reads a file (allowed), for the oracle test against sed
// --sandbox, which refuses r along with w and e.
func sedScript(s string) (class Class, why string, reads bool) {
	p := sedParser{s: s}
	class, why = p.script()
	return class, why, p.reads
}

type sedParser struct {
	s     string
	i     int
	depth int
	reads bool
}

const sedNotRead = "script not understood"

func (p *sedParser) more() bool { return p.i < len(p.s) }
func (p *sedParser) peek() byte {
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

func (p *sedParser) blanks() {
	for p.more() && (p.s[p.i] == ' ' || p.s[p.i] == '\t') {
		p.i++
	}
}

func (p *sedParser) script() (Class, string) {
	for {
		for p.more() && strings.IndexByte(" \t\r\n;", p.s[p.i]) >= 0 {
			p.i++
		}
		if !p.more() {
			break
		}
		if p.peek() == '#' {
			p.toEOL()
			continue
		}
		if class, why := p.command(); class != ReadOnly {
			return class, why
		}
	}
	if p.depth != 0 {
		return Unknown, "unmatched {"
	}
	return ReadOnly, ""
}

// command reads one command with its addresses.
func (p *sedParser) command() (Class, string) {
	if p.peek() == '}' {
		if p.depth == 0 {
			return Unknown, "unexpected }"
		}
		p.depth--
		p.i++
		return p.end()
	}
	if !p.address() {
		return Unknown, sedNotRead + ": an address"
	}
	p.blanks()
	if p.peek() == ',' {
		p.i++
		p.blanks()
		if !p.address2() {
			return Unknown, sedNotRead + ": an address"
		}
	}
	p.blanks()
	if p.peek() == '!' {
		p.i++
		p.blanks()
	}
	if !p.more() {
		return Unknown, sedNotRead + ": an address without a command"
	}
	cmd := p.s[p.i]
	p.i++
	switch cmd {
	case '{':
		p.depth++
		return ReadOnly, ""
	case '=', 'd', 'D', 'g', 'G', 'h', 'H', 'n', 'N', 'p', 'P', 'x', 'z', 'F':
		return p.end()
	case 'l', 'L', 'q', 'Q':
		p.blanks()
		for p.more() && p.peek() >= '0' && p.peek() <= '9' {
			p.i++
		}
		return p.end()
	case ':', 'b', 't', 'T', 'v':
		// A label ends at a blank or ;, and the next command may follow
		// a blank (bx p is b x, then p).
		p.blanks()
		if p.label() == "" && cmd == ':' {
			return Unknown, sedNotRead + ": a label"
		}
		return ReadOnly, ""
	case 'a', 'i', 'c':
		p.text()
		return ReadOnly, ""
	case 'r', 'R':
		p.reads = true
		p.blanks()
		p.toEOL()
		return ReadOnly, ""
	case 'w', 'W':
		p.blanks()
		if f := p.toEOL(); !safeSink(f) {
			return Mutating, string(cmd) + ": writes " + clip(f, maxShown)
		}
		return ReadOnly, ""
	case 'e':
		return Unknown, "e: runs a command"
	case 's':
		return p.substitute()
	case 'y':
		delim, ok := p.delim()
		if !ok || !p.part(delim, false) || !p.part(delim, false) {
			return Unknown, sedNotRead + ": y"
		}
		return p.end()
	}
	return Unknown, "command " + string(cmd) + " not recognised"
}

// substitute reads s/regex/replacement/flags.
func (p *sedParser) substitute() (Class, string) {
	delim, ok := p.delim()
	if !ok || !p.part(delim, true) || !p.part(delim, false) {
		return Unknown, sedNotRead + ": s"
	}
	for p.more() {
		switch ch := p.peek(); {
		case strings.IndexByte("gpiImM", ch) >= 0 || ch >= '0' && ch <= '9':
			p.i++
		case ch == 'e':
			return Unknown, "s///e: runs the pattern space as a command"
		case ch == 'w':
			p.i++
			p.blanks()
			if f := p.toEOL(); !safeSink(f) {
				return Mutating, "s///w: writes " + clip(f, maxShown)
			}
			return ReadOnly, ""
		default:
			return p.end()
		}
	}
	return ReadOnly, ""
}

// end accepts what may follow a command: blanks, then ; } # a newline or
// the end.
func (p *sedParser) end() (Class, string) {
	p.blanks()
	if !p.more() || strings.IndexByte(";\n\r}#", p.peek()) >= 0 {
		return ReadOnly, ""
	}
	return Unknown, sedNotRead + ": extra characters after a command"
}

// address skips an optional first address: N, first~step, $, /re/I,
// \cREc. It reports false when one starts but does not end.
func (p *sedParser) address() bool {
	switch ch := p.peek(); {
	case ch == '$':
		p.i++
	case ch >= '0' && ch <= '9':
		p.digits()
		if p.peek() == '~' {
			p.i++
			p.digits()
		}
	case ch == '/' || ch == '\\':
		return p.regexAddress()
	}
	return true
}

// address2 reads the address after a comma: also +N and ~N.
func (p *sedParser) address2() bool {
	switch ch := p.peek(); {
	case ch == '+' || ch == '~':
		p.i++
		return p.digits() > 0
	case ch == '$', ch >= '0' && ch <= '9', ch == '/', ch == '\\':
		return p.address()
	}
	return false
}

func (p *sedParser) regexAddress() bool {
	if p.peek() == '\\' {
		p.i++
	}
	delim, ok := p.delim()
	if !ok || !p.part(delim, true) {
		return false
	}
	for p.peek() == 'I' || p.peek() == 'M' {
		p.i++
	}
	return true
}

func (p *sedParser) digits() int {
	start := p.i
	for p.more() && p.peek() >= '0' && p.peek() <= '9' {
		p.i++
	}
	return p.i - start
}

// delim reads a delimiter: any character but a newline or a backslash.
func (p *sedParser) delim() (byte, bool) {
	if !p.more() || p.peek() == '\n' || p.peek() == '\\' {
		return 0, false
	}
	p.i++
	return p.s[p.i-1], true
}

// part skips to just past the next unescaped delimiter. In a regex, a
// bracket expression hides the delimiter and its backslashes are literal;
// [: [. [= open elements that end at :] .] =].
func (p *sedParser) part(delim byte, regex bool) bool {
	for p.more() {
		ch := p.s[p.i]
		switch {
		case ch == '\\':
			p.i += 2
			continue
		case ch == delim:
			p.i++
			return true
		case ch == '\n' && regex:
			return false
		case ch == '[' && regex:
			if !p.bracket() {
				return false
			}
			continue
		}
		p.i++
	}
	return false
}

// bracket skips a bracket expression at p.i.
func (p *sedParser) bracket() bool {
	p.i++ // [
	if p.peek() == '^' {
		p.i++
	}
	if p.peek() == ']' {
		p.i++
	}
	for p.more() {
		ch := p.s[p.i]
		switch {
		case ch == ']':
			p.i++
			return true
		case ch == '[' && p.i+1 < len(p.s) && strings.IndexByte(":.=", p.s[p.i+1]) >= 0:
			closer := string(p.s[p.i+1]) + "]"
			k := strings.Index(p.s[p.i+2:], closer)
			if k < 0 {
				return false
			}
			p.i += 2 + k + 2
			continue
		}
		p.i++
	}
	return false
}

// label reads a label: up to a semicolon or blank.
func (p *sedParser) label() string {
	start := p.i
	for p.more() && strings.IndexByte("; \t\n\r", p.peek()) < 0 {
		p.i++
	}
	return p.s[start:p.i]
}

// text skips the text of a, i and c: one line (GNU's a text) or, after a
// backslash, lines continued by a trailing backslash.
func (p *sedParser) text() {
	p.blanks()
	if p.peek() == '\\' {
		p.i++
		if p.peek() == '\n' {
			p.i++
		}
	}
	for p.more() && p.peek() != '\n' {
		if p.peek() == '\\' {
			p.i++
		}
		p.i++
	}
}

// toEOL returns the rest of the line, where GNU sed's file names end.
func (p *sedParser) toEOL() string {
	start := p.i
	for p.more() && p.peek() != '\n' {
		p.i++
	}
	return p.s[start:p.i]
}
