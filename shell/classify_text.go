package shell

import "strings"

// sed and awk are programming languages: their scripts are read here for
// the few commands that write files (sed w, awk print > file) or run
// programs (sed e, awk system()). A script that cannot be read is unknown.

func sedRule(c *classifier, x *call) verdict {
	p := parseOpts(x.args, optSpec{short: "efl", long: []string{"expression", "file", "line-length"}})
	if p.any("-i", "--in-place") {
		return mut("sed -i: edits files in place")
	}
	if p.any("-f", "--file") {
		return unk("sed -f: runs a script from a file")
	}
	var scripts []word
	for _, o := range p.get("-e", "--expression") {
		scripts = append(scripts, o.val)
	}
	if len(scripts) == 0 && len(p.pos) > 0 {
		scripts = p.pos[:1]
	}
	for _, w := range scripts {
		s, ok := w.lit()
		if !ok {
			return unk("sed: its script is only known at run time")
		}
		if class, why := sedScript(s); class != ReadOnly {
			return verdict{class: class, reason: why}
		}
	}
	return roOpts("sed: edits a stream")
}

// sedScript finds the commands of a sed script that write or execute.
func sedScript(s string) (Class, string) {
	const notRead = "sed: script not understood"
	n := len(s)
	i := 0
	space := func() {
		for i < n && (s[i] == ' ' || s[i] == '\t') {
			i++
		}
	}
	toEOL := func() string {
		start := i
		for i < n && s[i] != '\n' {
			i++
		}
		return strings.TrimSpace(s[start:i])
	}
	for i < n {
		for i < n && strings.IndexByte(" \t\r\n;}", s[i]) >= 0 {
			i++
		}
		if i >= n {
			break
		}
		if s[i] == '#' {
			toEOL()
			continue
		}
		if !sedAddr(s, &i, false) {
			return Unknown, notRead
		}
		space()
		if i < n && s[i] == ',' {
			i++
			space()
			if !sedAddr(s, &i, true) {
				return Unknown, notRead
			}
		}
		space()
		for i < n && s[i] == '!' {
			i++
			space()
		}
		if i >= n {
			return Unknown, notRead
		}
		cmd := s[i]
		i++
		switch cmd {
		case '{':
		case '=', 'd', 'D', 'g', 'G', 'h', 'H', 'l', 'L', 'n', 'N', 'p', 'P', 'x', 'z', 'F', 'q', 'Q':
			space()
			for i < n && s[i] >= '0' && s[i] <= '9' {
				i++
			}
		case 'a', 'i', 'c':
			for i < n && s[i] != '\n' {
				if s[i] == '\\' {
					i++
				}
				i++
			}
		case ':', 'b', 't', 'T', 'v':
			for i < n && s[i] != '\n' && s[i] != ';' {
				i++
			}
		case 'r', 'R':
			toEOL()
		case 'w', 'W':
			if f := toEOL(); !safeSink(f) {
				return Mutating, "sed w: writes " + f
			}
		case 'e':
			return Unknown, "sed e: runs a command"
		case 's', 'y':
			if i >= n || s[i] == '\n' || s[i] == '\\' {
				return Unknown, notRead
			}
			delim := s[i]
			i++
			if !sedPart(s, &i, delim) || !sedPart(s, &i, delim) {
				return Unknown, notRead
			}
			for cmd == 's' && i < n {
				ch := s[i]
				switch {
				case strings.IndexByte("gpiImM", ch) >= 0 || ch >= '0' && ch <= '9':
					i++
					continue
				case ch == 'e':
					return Unknown, "sed s///e: runs the pattern space as a command"
				case ch == 'w':
					i++
					if f := toEOL(); !safeSink(f) {
						return Mutating, "sed s///w: writes " + f
					}
				}
				break
			}
		default:
			return Unknown, "sed: command " + string(cmd) + " not understood"
		}
	}
	return ReadOnly, ""
}

// sedAddr skips an address: 3, $, /re/I, \%re%, first~step, and after a
// comma also +N and ~N. It reports false for an unterminated regex.
func sedAddr(s string, i *int, second bool) bool {
	n := len(s)
	switch {
	case *i >= n:
	case s[*i] == '$':
		*i++
	case s[*i] >= '0' && s[*i] <= '9' || second && (s[*i] == '+' || s[*i] == '~'):
		*i++
		for *i < n && (s[*i] >= '0' && s[*i] <= '9' || s[*i] == '~') {
			*i++
		}
	case s[*i] == '/' || s[*i] == '\\':
		if s[*i] == '\\' {
			*i++
			if *i >= n {
				return false
			}
		}
		delim := s[*i]
		*i++
		if !sedPart(s, i, delim) {
			return false
		}
		for *i < n && (s[*i] == 'I' || s[*i] == 'M') {
			*i++
		}
	}
	return true
}

// sedPart skips to just past the next unescaped delim.
func sedPart(s string, i *int, delim byte) bool {
	for *i < len(s) {
		switch s[*i] {
		case '\\':
			*i += 2
			continue
		case delim:
			*i++
			return true
		}
		*i++
	}
	return false
}

func awkRule(c *classifier, x *call) verdict {
	p := parseOpts(x.args, optSpec{
		short: "FvfeEil",
		long:  []string{"field-separator", "assign", "file", "source", "exec", "include", "load"},
		stop:  true,
	})
	if p.any("-f", "--file", "-E", "--exec") {
		return unk(x.name + " -f: runs a program from a file")
	}
	for _, o := range p.get("-i", "--include", "-l", "--load") {
		if o.val.val == "inplace" {
			return mut(x.name + " -i inplace: edits files in place")
		}
		return unk(x.name + " -i: loads a library or extension")
	}
	var progs []word
	for _, o := range p.get("-e", "--source") {
		progs = append(progs, o.val)
	}
	if len(progs) == 0 && len(p.pos) > 0 {
		progs = p.pos[:1]
	}
	for _, w := range progs {
		s, ok := w.lit()
		if !ok {
			return unk(x.name + ": its program is only known at run time")
		}
		if class, why := awkProgram(s); class != ReadOnly {
			return verdict{class: class, reason: x.name + ": " + why}
		}
	}
	return roOpts(x.name + ": processes text")
}

// awkProgram finds output redirections (print > file), pipes to and from
// commands (print | "cmd", "cmd" | getline) and system() in a program.
// It tokenizes just enough to skip strings, regexes and comments, and to
// tell a redirection from a comparison: > is a redirection only in a
// print statement, outside parentheses.
func awkProgram(s string) (Class, string) {
	n := len(s)
	operand := false // the previous token ends an operand, so / divides
	depth := 0
	inPrint, printDepth := false, 0
	for i := 0; i < n; {
		ch := s[i]
		switch {
		case ch == '\n' || ch == ';' || ch == '{' || ch == '}':
			inPrint, operand = false, false
			i++
		case ch == ' ' || ch == '\t' || ch == '\r':
			i++
		case ch == '\\':
			i += 2
		case ch == '#':
			for i < n && s[i] != '\n' {
				i++
			}
		case ch == '"':
			i = awkString(s, i)
			operand = true
		case ch == '/' && !operand:
			i = awkRegex(s, i)
			operand = true
		case ch == '_' || ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch == '@':
			start := i
			i++
			for i < n && (s[i] == '_' || s[i] >= 'a' && s[i] <= 'z' || s[i] >= 'A' && s[i] <= 'Z' || s[i] >= '0' && s[i] <= '9') {
				i++
			}
			switch id := s[start:i]; id {
			case "print", "printf":
				inPrint, printDepth, operand = true, depth, false
			case "system":
				return Unknown, "system() runs a command"
			case "@load", "@include":
				return Unknown, id + " loads code"
			case "in", "return", "if", "else", "while", "for", "do", "getline":
				operand = false
			default:
				operand = true
			}
		case ch >= '0' && ch <= '9' || ch == '.':
			for i < n && (s[i] >= '0' && s[i] <= '9' || s[i] == '.' || s[i] == 'e' || s[i] == 'E' || s[i] == 'x') {
				i++
			}
			operand = true
		case ch == '(' || ch == '[':
			depth++
			operand = false
			i++
		case ch == ')' || ch == ']':
			depth--
			operand = true
			i++
		case ch == '|':
			if i+1 < n && s[i+1] == '|' {
				i += 2
				operand = false
				continue
			}
			if inPrint && depth == printDepth {
				return Unknown, "print | runs a command"
			}
			return Unknown, "| getline runs a command"
		case ch == '>' && inPrint && depth == printDepth:
			i++
			if i < n && s[i] == '>' {
				i++
			}
			for i < n && (s[i] == ' ' || s[i] == '\t') {
				i++
			}
			if i < n && s[i] == '"' {
				end := awkString(s, i)
				if target := s[i+1 : max(i+1, end-1)]; safeSink(target) {
					i = end
					continue
				}
			}
			return Mutating, "print > writes to a file"
		default:
			operand = false
			i++
		}
	}
	return ReadOnly, ""
}

// awkString returns the index just past the string literal starting at i.
func awkString(s string, i int) int {
	for i++; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return len(s)
}

// awkRegex returns the index just past the regex literal starting at i.
func awkRegex(s string, i int) int {
	bracket := false
	for i++; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '[':
			bracket = true
		case ']':
			bracket = false
		case '/':
			if !bracket {
				return i + 1
			}
		case '\n':
			return i
		}
	}
	return len(s)
}
