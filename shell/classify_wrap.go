package shell

import (
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// Wrappers run another program; they are as safe as the program they
// run, which is looked up as a program (never a function or a builtin of
// this shell). Their own options stop at the first operand.

func wrapped(c *classifier, x *call, cl cmdline, who string) verdict {
	if !cl.ok() {
		return cl.v
	}
	if len(cl.args) == 0 {
		return ro(who + ": runs nothing")
	}
	return c.inner(cl.args, x.stdin).prefixed(who)
}

var timeoutGrammar = newGrammar("timeout", posix, "-s --signal=", "-k --kill-after=", "--preserve-status",
	"--foreground", "-v --verbose", "--help", "--version")

func timeoutRule(c *classifier, x *call) verdict {
	cl := timeoutGrammar.parse(x.args)
	if !cl.ok() || len(cl.args) == 0 {
		return wrapped(c, x, cl, "timeout")
	}
	who := "timeout " + cl.args[0].show()
	cl.args = cl.args[1:]
	return wrapped(c, x, cl, who)
}

var niceGrammar = newGrammar("nice", posix, "-n --adjustment=", "--help", "--version").numeric()

func niceRule(c *classifier, x *call) verdict {
	cl := niceGrammar.parse(x.args)
	if cl.ok() && len(cl.args) == 0 {
		return ro("nice: prints the niceness")
	}
	return wrapped(c, x, cl, "nice")
}

var ioniceGrammar = newGrammar("ionice", posix, "-c --class=", "-n --classdata=", "-t --ignore", "-h --help", "-V --version").
	deny(Mutating, "changes the I/O priority of running processes", "-p --pid=", "-P --pgid=", "-u --uid=")

func ioniceRule(c *classifier, x *call) verdict {
	cl := ioniceGrammar.parse(x.args)
	if cl.ok() && len(cl.args) == 0 {
		return ro("ionice: prints the I/O priority")
	}
	return wrapped(c, x, cl, "ionice")
}

var timeGrammar = newGrammar("time", posix, "-f --format=", "-p --portability", "-v --verbose", "-q --quiet",
	"--help", "-V --version").
	writes("-o --output=").
	deny(Mutating, "appends to its output file", "-a --append")

func timeRule(c *classifier, x *call) verdict {
	return wrapped(c, x, timeGrammar.parse(x.args), "time")
}

var stdbufGrammar = newGrammar("stdbuf", posix, "-i --input=", "-o --output=", "-e --error=", "--help", "--version")

func stdbufRule(c *classifier, x *call) verdict {
	return wrapped(c, x, stdbufGrammar.parse(x.args), "stdbuf")
}

var watchGrammar = newGrammar("watch", posix, "-n --interval=", "-d --differences[=]", "-t --no-title",
	"-b --beep", "-e --errexit", "-g --chgexit", "-c --color", "-C --no-color", "-p --precise", "-w --no-wrap",
	"-x --exec", "-q --equexit=", "-r --no-rerun", "-s --shotsfile=", "-h --help", "-v --version")

// watch runs its arguments joined by spaces with sh -c, or as argv with -x.
func watchRule(c *classifier, x *call) verdict {
	cl := watchGrammar.parse(x.args)
	if !cl.ok() {
		return cl.v
	}
	if cl.has("-s") {
		return mut("watch -s: writes screenshots")
	}
	if cl.has("-x") {
		return wrapped(c, x, cl, "watch -x")
	}
	if len(cl.args) == 0 {
		return ro("watch: runs nothing")
	}
	joined := word{src: words(cl.args)}
	parts := make([]string, len(cl.args))
	for i, w := range cl.args {
		parts[i] = w.val
		joined.dyn = joined.dyn || w.dyn
		joined.glob = joined.glob || w.glob
	}
	joined.val = strings.Join(parts, " ")
	return c.scriptAs(joined, "watch", syntax.LangPOSIX)
}

// env sets variables for, or clears the environment of, the program it
// runs; -S splits a string into a command line.
var envGrammar = newGrammar("env", posix, "-i --ignore-environment", "-0 --null", "-u --unset=", "-C --chdir=",
	"-v --debug", "--help", "--version", "--default-signal[=]", "--ignore-signal[=]", "--block-signal[=]",
	"--list-signal-handling").
	deny(Unknown, "splits a string into a command line", "-S --split-string=").
	deny(Unknown, "changes the program's name", "-a --argv0=")

func envRule(c *classifier, x *call) verdict {
	cl := envGrammar.parse(x.args)
	if !cl.ok() {
		return cl.v
	}
	args := cl.args
	var env []envVar
	for len(args) > 0 {
		if args[0].dyn && strings.Contains(args[0].val, "=") || args[0].inject {
			return unk("env: argument " + args[0].src + " may change which command runs")
		}
		name, val, isAssign := strings.Cut(args[0].val, "=")
		if !isAssign || name == "" {
			break
		}
		if strings.Contains(name, dynMark) {
			return unk("env: argument " + args[0].src + " may change which command runs")
		}
		env = append(env, envVar{name: name, val: args[0].sub(val)})
		args = args[1:]
	}
	if len(args) == 0 {
		return ro("env: prints the environment")
	}
	x2 := &call{name: x.name, stdin: x.stdin, env: env}
	if v := c.envOf(x2, false); v.class != ReadOnly {
		return v.prefixed("env")
	}
	c.depth++
	defer func() { c.depth-- }()
	return c.argv(args, env, x.stdin, modeProgram).prefixed("env")
}

var xargsGrammar = newGrammar("xargs", posix, "-0 --null", "-a --arg-file=", "-d --delimiter=", "-E=", "-e --eof[=]",
	"-I=", "-i --replace[=]", "-L --max-lines=", "-l[=]", "-n --max-args=", "-P --max-procs=", "-s --max-chars=",
	"-t --verbose", "-r --no-run-if-empty", "-x --exit", "--show-limits", "--help", "--version").
	deny(Unknown, "asks on the terminal before each command", "-p --interactive", "-o --open-tty").
	deny(Unknown, "sets a variable in the program's environment", "--process-slot-var=")

// xargs runs a program with arguments read from its input. Those
// arguments are data that could start with a dash, unless the input is a
// NUL-separated list of paths from find under a starting point that does
// not (find DIR … -print0 | xargs -0 …).
func xargsRule(c *classifier, x *call) verdict {
	cl := xargsGrammar.parse(x.args)
	if !cl.ok() {
		return cl.v
	}
	cmd := cl.args
	if len(cmd) == 0 {
		cmd = []word{{src: "echo", val: "echo"}}
	}
	item := word{src: "the input of xargs", val: dynMark, dyn: true, inject: true, split: true}
	if x.stdin != nil && x.stdin.paths && cl.has("-0") && !cl.has("-a") {
		item = word{src: "file names from find", val: dynMark, dyn: true}
	}
	replace := cl.has("-I", "-i")
	args := append([]word(nil), cmd...)
	if replace {
		for i := range args[1:] {
			if strings.Contains(args[i+1].val, "{}") {
				args[i+1] = item
			}
		}
	} else {
		args = append(args, item)
	}
	c.depth++
	defer func() { c.depth-- }()
	return c.argv(args, nil, nil, modeProgram).prefixed("xargs")
}

var shellGrammar = newGrammar("bash", posix, "-c", "-e", "-u", "-x", "-o=", "--norc", "--noprofile", "--posix",
	"-v", "-l", "--login", "-r", "--restricted").
	deny(Unknown, "reads commands from its input", "-s", "-i")

// A shell runs a command string, classified like the step itself in a new
// shell; a script file or its input is not read here.
func shellRule(c *classifier, x *call) verdict {
	cl := shellGrammar.parse(x.args)
	if !cl.ok() {
		return cl.v
	}
	for _, o := range cl.opts {
		if contains(o.opt.names, "-o") && o.val.val != "pipefail" && o.val.val != "errexit" && o.val.val != "nounset" {
			return unk(x.name + " -o " + o.val.show() + ": a shell option the classifier does not model")
		}
	}
	if cl.has("--posix") && !cl.has("-c") {
		return unk(x.name + " --posix: posix mode expands aliases")
	}
	if !cl.has("-c") {
		if len(cl.args) > 0 {
			return unk(x.name + ": runs the script " + cl.args[0].show())
		}
		return unk(x.name + ": runs commands from its input")
	}
	if len(cl.args) == 0 {
		return unk(x.name + " -c: no command string")
	}
	lang := syntax.LangBash
	if x.name != "bash" || cl.has("--posix") {
		lang = syntax.LangPOSIX
	}
	var args []word // after the command string come $0, then $1 …
	if len(cl.args) > 2 {
		args = cl.args[2:]
	}
	return c.scriptAs(cl.args[0], x.name+" -c", lang, args...)
}
