package shell

import (
	"strconv"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// builtin is a command bash runs itself.
type builtin struct {
	rule rule
	// program: a program of the same name exists (echo, test, kill), so
	// wrappers such as timeout and xargs can run it.
	program bool
	// special: variables given before it stay set afterwards.
	special bool
}

// builtinOf returns the bash builtin of a name and what it does. Those that change
// the shell in ways the classifier does not model are unknown.
func builtinOf(name string) (builtin, bool) {
	switch name {
	case ":":
		return builtin{rule: fixed(minorRO(": does nothing")), special: true}, true
	case "true":
		return builtin{rule: fixed(minorRO("true: does nothing")), program: true}, true
	case "false":
		return builtin{rule: fixed(minorRO("false: does nothing")), program: true}, true
	case "echo":
		return builtin{rule: fixed(minorRO("echo: prints its arguments")), program: true}, true
	case "printf":
		return builtin{rule: printfRule, program: true}, true
	case "cd":
		return builtin{rule: fixed(minorRO("cd: changes the shell's directory"))}, true
	case "pushd":
		return builtin{rule: fixed(minorRO("pushd: changes the shell's directory"))}, true
	case "popd":
		return builtin{rule: fixed(minorRO("popd: changes the shell's directory"))}, true
	case "dirs":
		return builtin{rule: fixed(minorRO("dirs: lists the directory stack"))}, true
	case "pwd":
		return builtin{rule: fixed(minorRO("pwd: prints the directory")), program: true}, true
	case "test":
		return builtin{rule: testRule, program: true}, true
	case "[":
		return builtin{rule: testRule, program: true}, true
	case "sleep":
		return builtin{rule: sleepRule, program: true}, true
	case "wait":
		return builtin{rule: waitRule}, true
	case "read":
		return builtin{rule: readRule}, true
	case "mapfile":
		return builtin{rule: mapfileRule}, true
	case "readarray":
		return builtin{rule: mapfileRule}, true
	case "getopts":
		return builtin{rule: getoptsRule}, true
	case "set":
		return builtin{rule: setRule, special: true}, true
	case "shopt":
		return builtin{rule: shoptRule}, true
	case "unset":
		return builtin{rule: unsetRule, special: true}, true
	case "shift":
		return builtin{rule: shiftRule, special: true}, true
	case "exit":
		return builtin{rule: fixed(minorRO("exit: exits the script")), special: true}, true
	case "return":
		return builtin{rule: fixed(minorRO("return: returns from a function")), special: true}, true
	case "break":
		return builtin{rule: fixed(minorRO("break: leaves a loop")), special: true}, true
	case "continue":
		return builtin{rule: fixed(minorRO("continue: continues a loop")), special: true}, true
	case "umask":
		return builtin{rule: umaskRule}, true
	case "ulimit":
		return builtin{rule: fixed(minorRO("ulimit: sets the shell's limits"))}, true
	case "times":
		return builtin{rule: fixed(minorRO("times: prints process times")), special: true}, true
	case "help":
		return builtin{rule: fixed(minorRO("help: prints help"))}, true
	case "type":
		return builtin{rule: fixed(minorRO("type: describes a command"))}, true
	case "jobs":
		return builtin{rule: jobsRule}, true
	case "hash":
		return builtin{rule: hashRule}, true
	case "caller":
		return builtin{rule: fixed(minorRO("caller: prints the call stack"))}, true
	case "kill":
		return builtin{rule: killRule, program: true}, true
	case "command":
		return builtin{rule: commandRule}, true
	case "builtin":
		return builtin{rule: builtinRule}, true
	case "exec":
		return builtin{rule: execRule, special: true}, true
	case "trap":
		return builtin{rule: trapRule, special: true}, true
	case "alias":
		return builtin{rule: aliasRule}, true
	case "unalias":
		return builtin{rule: fixed(minorRO("unalias: removes aliases"))}, true
	case "eval":
		return builtin{rule: fixed(unk("eval: runs a dynamic script")), special: true}, true
	case "source":
		return builtin{rule: fixed(unk("source: runs another script in this shell")), special: true}, true
	case ".":
		return builtin{rule: fixed(unk(".: runs another script in this shell")), special: true}, true
	case "enable":
		return builtin{rule: fixed(unk("enable: loads or disables shell builtins"))}, true
	case "bind":
		return builtin{rule: fixed(unk("bind: changes key bindings and can run commands"))}, true
	case "complete":
		return builtin{rule: fixed(unk("complete: defines completions that run commands"))}, true
	case "compgen":
		return builtin{rule: fixed(unk("compgen: can run functions and commands"))}, true
	case "compopt":
		return builtin{rule: fixed(unk("compopt: changes completions"))}, true
	case "fc":
		return builtin{rule: fixed(unk("fc: re-runs commands from history"))}, true
	case "history":
		return builtin{rule: fixed(unk("history: reads or writes the history file"))}, true
	case "disown":
		return builtin{rule: fixed(unk("disown: lets a job outlive the step"))}, true
	case "suspend":
		return builtin{rule: fixed(unk("suspend: stops the shell"))}, true
	case "logout":
		return builtin{rule: fixed(unk("logout: leaves a login shell"))}, true
	case "bg":
		return builtin{rule: fixed(unk("bg: resumes a job"))}, true
	case "fg":
		return builtin{rule: fixed(unk("fg: resumes a job"))}, true
	case "let":
		return builtin{rule: letRule}, true
	case "declare":
		return builtin{rule: declWords}, true
	case "typeset":
		return builtin{rule: declWords}, true
	case "local":
		return builtin{rule: declWords}, true
	case "export":
		return builtin{rule: declWords, special: true}, true
	case "readonly":
		return builtin{rule: declWords, special: true}, true
	}
	return builtin{}, false
}

func fixed(v verdict) rule { return func(*classifier, *call) verdict { return v } }

// printf -v sets a variable; a format only known at run time can be
// anything, including %q tricks and -v given by the value itself.
func printfRule(c *classifier, x *call) verdict {
	args := x.args
	if len(args) > 0 && args[0].val == "-v" && !args[0].dyn {
		if len(args) < 2 {
			return unk("printf -v: no variable named")
		}
		if !c.setName(args[1], tainted) {
			return unk("printf -v " + args[1].src + ": a variable name only known at run time, or with a subscript, can run commands")
		}
		args = args[2:]
	}
	if len(args) > 0 && args[0].val == "--" && !args[0].dyn {
		args = args[1:]
	}
	if len(args) == 0 {
		return minorRO("printf: prints nothing")
	}
	if f := args[0]; f.dyn || f.glob || f.inject {
		if !f.dyn || !c.trustedWord(f) {
			return unk("printf: its format " + f.src + " is only known at run time")
		}
	}
	return minorRO("printf: prints its arguments")
}

// trustedWord reports a word whose unknown parts are all the operator's.
func (c *classifier) trustedWord(w word) bool {
	return !w.inject && !w.split && strings.Count(w.val, dynMark) > 0 && strings.HasPrefix(w.src, `"$`) && OperatorVar(strings.Trim(w.src, `"${}`))
}

// setName records a variable that read, printf -v, mapfile or getopts
// sets; it reports false for a name that is not a literal identifier
// (a subscript is arithmetic, which can run commands).
func (c *classifier) setName(w word, v value) bool {
	s, ok := w.lit()
	if !ok || !validName(s) {
		return false
	}
	c.assign(s, v)
	return true
}

var testUnaryNames = map[string]bool{"-v": true, "-R": true}

// test and [ only read, but -v and -R evaluate the subscript of the name
// they are given, and a word that splits can become -v.
func testRule(c *classifier, x *call) verdict {
	for i, a := range x.args {
		if a.split {
			return unk(x.name + ": argument " + a.src + " may split into test operators at run time")
		}
		if testUnaryNames[a.val] && !a.dyn && i+1 < len(x.args) {
			if s, ok := x.args[i+1].lit(); !ok || !validName(s) {
				return unk(x.name + " " + a.val + ": a variable name only known at run time can run commands in its subscript")
			}
		}
		if a.dyn && i+1 < len(x.args) && x.args[i+1].dyn {
			return unk(x.name + ": two arguments only known at run time may form any test")
		}
	}
	return minorRO(x.name + ": tests a condition")
}

func sleepRule(c *classifier, x *call) verdict {
	for _, a := range x.args {
		if a.inject || a.split {
			return unk("sleep: argument " + a.src + " may turn into an option")
		}
	}
	return minorRO("sleep: waits")
}

func waitRule(c *classifier, x *call) verdict {
	for i, a := range x.args {
		if a.val == "-p" && i+1 < len(x.args) {
			if !c.setName(x.args[i+1], intValue) {
				return unk("wait -p: a variable name only known at run time")
			}
		}
	}
	return minorRO("wait: waits for background jobs")
}

var readGrammar = newGrammar("read", posix, "-a=", "-d=", "-e", "-E", "-i=", "-n=", "-N=", "-p=", "-r", "-s", "-t=", "-u=")

// read sets the variables it names to a line of input: data.
func readRule(c *classifier, x *call) verdict {
	cl := readGrammar.parse(x.args)
	if !cl.ok() {
		return cl.v
	}
	names := cl.args
	if a, ok := cl.value("-a"); ok {
		names = append(names, a)
	}
	if len(names) == 0 {
		c.assign("REPLY", tainted)
	}
	for _, n := range names {
		if !c.setName(n, tainted) {
			return unk("read " + n.src + ": a variable name only known at run time, or with a subscript, can run commands")
		}
	}
	return minorRO("read: reads a line of input")
}

var mapfileGrammar = newGrammar("mapfile", posix, "-d=", "-n=", "-O=", "-s=", "-t", "-u=").
	deny(Unknown, "runs a command for every few lines read", "-C=", "-c=")

func mapfileRule(c *classifier, x *call) verdict {
	cl := mapfileGrammar.parse(x.args)
	if !cl.ok() {
		return cl.v
	}
	if len(cl.args) == 0 {
		c.assign("MAPFILE", tainted)
		return minorRO(x.name + ": reads lines into an array")
	}
	if len(cl.args) > 1 || !c.setName(cl.args[0], tainted) {
		return unk(x.name + ": the array name is only known at run time")
	}
	return minorRO(x.name + ": reads lines into an array")
}

func getoptsRule(c *classifier, x *call) verdict {
	if len(x.args) < 2 || !c.setName(x.args[1], tainted) {
		return unk("getopts: the variable name is only known at run time")
	}
	c.assign("OPTARG", tainted)
	return minorRO("getopts: parses options")
}

// set: only the options that make a script stricter or trace it.
func setRule(c *classifier, x *call) verdict {
	args := x.args
	for i := 0; i < len(args); i++ {
		a := args[i]
		s, ok := a.lit()
		if !ok {
			return unk("set: argument " + a.src + " may set any shell option")
		}
		if s == "--" || s == "-" {
			c.setArgs(args[i+1:])
			return minorRO("set: sets the positional parameters")
		}
		if len(s) < 2 || s[0] != '-' && s[0] != '+' {
			c.setArgs(args[i:])
			return minorRO("set: sets the positional parameters")
		}
		for _, ch := range s[1:] {
			switch ch {
			case 'e', 'u', 'x', 'C', 'f', 'v', 'B', 'h', 'P':
			case 'o':
				if i+1 >= len(args) {
					return minorRO("set -o: lists shell options")
				}
				i++
				switch args[i].val {
				case "pipefail", "errexit", "nounset", "xtrace", "noclobber", "noglob", "verbose", "braceexpand", "hashall", "physical":
				default:
					return unk("set -o " + args[i].show() + ": a shell option the classifier does not model")
				}
			default:
				return unk("set " + s + ": a shell option the classifier does not model")
			}
		}
	}
	return minorRO("set: sets shell options")
}

// setArgs records set -- ARGS.
func (c *classifier) setArgs(args []word) {
	c.st.args, c.st.argsKnown = nil, true
	for _, a := range args {
		if a.split {
			c.st.argsKnown = false
		}
		c.st.args = append(c.st.args, a.asValue())
	}
}

func shiftRule(c *classifier, x *call) verdict {
	n := 1
	if len(x.args) > 0 {
		s, ok := x.args[0].lit()
		if !ok || !allDigits(s) {
			c.st.argsKnown = false
			return minorRO("shift: shifts the positional parameters")
		}
		n, _ = strconv.Atoi(s)
	}
	if c.st.argsKnown && n <= len(c.st.args) {
		c.st.args = c.st.args[n:]
	}
	return minorRO("shift: shifts the positional parameters")
}

// shopt: queries, and the glob and error options that only narrow what
// words expand to.
func shoptRule(c *classifier, x *call) verdict {
	set := false
	for _, a := range x.args {
		s, ok := a.lit()
		if !ok {
			return unk("shopt: argument " + a.src + " may set any shell option")
		}
		if strings.HasPrefix(s, "-") {
			for _, ch := range s[1:] {
				switch ch {
				case 's', 'u':
					set = true
				case 'p', 'q':
				default:
					return unk("shopt " + s + ": not modelled")
				}
			}
			continue
		}
		if !set {
			continue // shopt name: prints its state
		}
		switch s {
		case "nullglob", "failglob", "globstar", "dotglob", "nocaseglob", "nocasematch", "extglob", "inherit_errexit",
			"globasciiranges", "checkwinsize", "xpg_echo":
		default:
			return unk("shopt " + s + ": a shell option the classifier does not model")
		}
	}
	return minorRO("shopt: sets shell options")
}

// unset: variables by literal name; unset -f or a name only known at run
// time changes what later commands run.
func unsetRule(c *classifier, x *call) verdict {
	for _, a := range x.args {
		s, ok := a.lit()
		if !ok {
			return unk("unset " + a.src + ": a name only known at run time can run commands in its subscript")
		}
		switch {
		case s == "-f" || strings.HasPrefix(s, "-") && strings.Contains(s, "f"):
			return unk("unset -f: removes a function, so its name runs a command again")
		case s == "-v" || s == "-n":
		case validName(s):
			c.assign(s, litValue(""))
			if _, ok := c.st.funcs[s]; ok {
				c.st.funcs[s] = false // unset NAME removes a function when no variable has the name
			}
		default:
			name, sub, ok := strings.Cut(s, "[")
			if !ok || !validName(name) || !allDigits(strings.TrimSuffix(sub, "]")) {
				return unk("unset " + s + ": bash evaluates the subscript, which can run commands")
			}
		}
	}
	return minorRO("unset: unsets shell variables")
}

func umaskRule(c *classifier, x *call) verdict {
	return minorRO("umask: sets the shell's file mode mask")
}

func jobsRule(c *classifier, x *call) verdict {
	for _, a := range x.args {
		if a.dyn || strings.HasPrefix(a.val, "-") && strings.Contains(a.val, "x") {
			return unk("jobs -x: runs a command")
		}
	}
	return minorRO("jobs: lists background jobs")
}

func hashRule(c *classifier, x *call) verdict {
	for _, a := range x.args {
		if a.dyn || strings.HasPrefix(a.val, "-") && strings.Contains(a.val, "p") {
			return unk("hash -p: changes which program a name runs")
		}
	}
	return minorRO("hash: lists remembered commands")
}

// command runs a builtin or a program, never a function; -v and -V only
// describe.
func commandRule(c *classifier, x *call) verdict {
	args := x.args
	for len(args) > 0 && !args[0].dyn && strings.HasPrefix(args[0].val, "-") && len(args[0].val) > 1 {
		s := args[0].val
		if s == "--" {
			args = args[1:]
			break
		}
		for _, ch := range s[1:] {
			switch ch {
			case 'v', 'V':
				return minorRO("command -v: looks a command up")
			case 'p':
			default:
				return unk("command " + s + ": not known")
			}
		}
		args = args[1:]
	}
	if len(args) == 0 {
		return minorRO("command: runs nothing")
	}
	c.depth++
	defer func() { c.depth-- }()
	return c.argv(args, x.env, x.stdin, modeCommand).prefixed("command")
}

func builtinRule(c *classifier, x *call) verdict {
	if len(x.args) == 0 {
		return minorRO("builtin: runs nothing")
	}
	c.depth++
	defer func() { c.depth-- }()
	return c.argv(x.args, x.env, x.stdin, modeBuiltin).prefixed("builtin")
}

// exec without a command only applies its redirections (checked on the
// statement); with one it replaces the shell with that program.
func execRule(c *classifier, x *call) verdict {
	args := x.args
	for len(args) > 0 && !args[0].dyn && strings.HasPrefix(args[0].val, "-") {
		switch args[0].val {
		case "-c", "-l", "-cl", "-lc":
			args = args[1:]
		case "-a":
			if len(args) < 2 {
				return unk("exec -a: no name")
			}
			args = args[2:]
		case "--":
			args = args[1:]
		default:
			return unk("exec " + args[0].val + ": not known")
		}
		if len(args) > 0 && args[0].val == "--" {
			args = args[1:]
			break
		}
	}
	if len(args) == 0 {
		return minorRO("exec: applies its redirections to the shell")
	}
	return c.inner(args, x.stdin).prefixed("exec")
}

// trap runs its command string later, with whatever the script set by
// then; only listing and resetting traps is read-only.
func trapRule(c *classifier, x *call) verdict {
	if len(x.args) == 0 {
		return minorRO("trap: lists traps")
	}
	if s, ok := x.args[0].lit(); ok && (s == "-l" || s == "-p") {
		return minorRO("trap " + s + ": lists traps")
	}
	if s, ok := x.args[0].lit(); ok && s == "-" {
		return minorRO("trap -: resets traps")
	}
	return unk("trap: runs a command string when a signal arrives or the script exits")
}

func aliasRule(c *classifier, x *call) verdict {
	for _, a := range x.args {
		if strings.Contains(a.val, "=") || a.dyn {
			return unk("alias: changes what later commands run")
		}
	}
	return minorRO("alias: lists aliases")
}

// let evaluates its arguments as arithmetic; as words (after quote
// removal) they are only checked when literal.
func letRule(c *classifier, x *call) verdict {
	for _, a := range x.args {
		s, ok := a.lit()
		if !ok {
			return unk("let " + a.src + ": arithmetic over a value only known at run time can run commands")
		}
		f, err := c.parseAs("(( "+s+" ))", syntax.LangBash)
		if err != nil || len(f.Stmts) != 1 {
			return unk("let " + a.src + ": arithmetic not understood")
		}
		ac, ok := f.Stmts[0].Cmd.(*syntax.ArithmCmd)
		if !ok {
			return unk("let " + a.src + ": arithmetic not understood")
		}
		if why := c.arith(ac.X); why != "" {
			return unk("let: " + why)
		}
	}
	return minorRO("let: evaluates arithmetic")
}

// declWords handles declare and friends reached as words (builtin
// declare …, command export …): only printing is read-only there.
func declWords(c *classifier, x *call) verdict {
	for _, a := range x.args {
		if s, ok := a.lit(); !ok || !strings.HasPrefix(s, "-") || strings.ContainsAny(s, "nixt") {
			return unk(x.name + ": sets variables in a way the classifier does not model")
		}
	}
	return minorRO(x.name + ": prints variables")
}

// decl classifies export, local, declare, readonly and typeset as the
// parser gives them: options, then assignments.
func (c *classifier) decl(d *syntax.DeclClause) verdict {
	variant := d.Variant.Value
	v := minorRO(variant + ": sets shell variables")
	exported := variant == "export"
	printOnly := true
	local := c.locals != nil && (variant == "local" || variant == "declare" || variant == "typeset")
	for _, a := range d.Args {
		if a.Name == nil {
			if a.Value == nil {
				continue
			}
			w := c.word(a.Value)
			s, ok := w.lit()
			if !ok || !(strings.HasPrefix(s, "-") || strings.HasPrefix(s, "+")) {
				return unk(variant + " " + w.src + ": an argument only known at run time may set any variable")
			}
			for _, ch := range s[1:] {
				switch ch {
				case 'x':
					exported = exported || s[0] == '-'
				case 'g':
					local = false
				case 'a', 'A', 'r', 'l', 'u', 'p', 'F':
				case 'f':
					if variant == "export" || strings.Contains(s, "x") {
						return unk(variant + " -fx: gives a function to every program the script runs")
					}
				case 'n':
					if variant == "export" {
						continue // export -n: stops exporting
					}
					return unk(variant + " -n: a name reference makes a variable an alias of another")
				case 'i':
					return unk(variant + " -i: every later assignment to the variable is evaluated as arithmetic")
				default:
					return unk(variant + " " + s + ": an attribute the classifier does not model")
				}
			}
			continue
		}
		printOnly = false
		if local {
			c.locals[a.Name.Value] = true
		}
		if a.Naked && (variant == "local" || variant == "declare" || variant == "typeset") {
			c.assign(a.Name.Value, litValue("").merge(c.st.lookup(c, a.Name.Value)))
			continue
		}
		v = worse(v, c.assignStmt(a, exported))
	}
	if printOnly {
		return minorRO(variant + ": prints variables")
	}
	return v
}
