package shell

import "strings"

// Wrappers run another command; they are as safe as the command they run.
// An argument that may turn into options before the inner command makes
// the inner command unknowable, so such wrappers are unknown.

func wrapped(c *classifier, x *call, p parsed, who string) verdict {
	if p.inject != nil {
		return unk(who + ": argument " + p.inject.src + " may change which command runs")
	}
	if len(p.pos) == 0 {
		return ro(who + ": runs nothing")
	}
	return c.inner(p.pos, x.stdin).prefixed(who)
}

func timeoutRule(c *classifier, x *call) verdict {
	p := parseOpts(x.args, optSpec{short: "sk", long: []string{"signal", "kill-after"}, stop: true})
	if len(p.pos) == 0 || p.inject != nil {
		return wrapped(c, x, p, "timeout")
	}
	who := "timeout " + p.pos[0].show()
	p.pos = p.pos[1:]
	return wrapped(c, x, p, who)
}

func niceRule(c *classifier, x *call) verdict {
	p := parseOpts(x.args, optSpec{short: "n", long: []string{"adjustment"}, stop: true})
	if len(p.pos) == 0 && p.inject == nil {
		return ro("nice: prints the niceness")
	}
	return wrapped(c, x, p, "nice")
}

func ioniceRule(c *classifier, x *call) verdict {
	p := parseOpts(x.args, optSpec{short: "cnpPu", long: []string{"class", "classdata", "pid", "pgid", "uid"}, stop: true})
	if p.any("-p", "-P", "-u", "--pid", "--pgid", "--uid") {
		return mut("ionice -p: changes the I/O priority of running processes")
	}
	if len(p.pos) == 0 && p.inject == nil {
		return ro("ionice: prints the I/O priority")
	}
	return wrapped(c, x, p, "ionice")
}

func timeRule(c *classifier, x *call) verdict {
	p := parseOpts(x.args, optSpec{short: "fo", long: []string{"format", "output"}, stop: true})
	if o, ok := p.output("-o", "--output", "-a", "--append"); ok {
		return mut("time " + o.name + ": writes " + o.target())
	}
	return wrapped(c, x, p, "time")
}

func stdbufRule(c *classifier, x *call) verdict {
	p := parseOpts(x.args, optSpec{short: "ioe", long: []string{"input", "output", "error"}, stop: true})
	return wrapped(c, x, p, "stdbuf")
}

func builtinRule(c *classifier, x *call) verdict {
	return wrapped(c, x, parsed{pos: x.args}, "builtin")
}

// watch runs its arguments joined by spaces with sh -c, or as argv with -x.
func watchRule(c *classifier, x *call) verdict {
	p := parseOpts(x.args, optSpec{short: "nq", long: []string{"interval", "equexit"}, stop: true})
	if p.flag("-x", "--exec") || p.inject != nil {
		return wrapped(c, x, p, "watch")
	}
	if len(p.pos) == 0 {
		return ro("watch: runs nothing")
	}
	joined := word{src: words(p.pos)}
	parts := make([]string, len(p.pos))
	for i, w := range p.pos {
		parts[i] = w.val
		joined.dyn = joined.dyn || w.dyn
		joined.glob = joined.glob || w.glob
	}
	joined.val = strings.Join(parts, " ")
	return c.script(joined, "watch")
}

func commandRule(c *classifier, x *call) verdict {
	p := parseOpts(x.args, optSpec{stop: true})
	if p.flag("-v", "-V") {
		return minorRO("command -v: looks a command up")
	}
	return wrapped(c, x, p, "command")
}

// env sets variables for, or clears the environment of, the command it runs.
func envRule(c *classifier, x *call) verdict {
	args := x.args
opts:
	for len(args) > 0 {
		s := args[0].val
		if args[0].dyn {
			return unk("env: argument " + args[0].src + " may change which command runs")
		}
		switch {
		case s == "--":
			args = args[1:]
			break opts
		case strings.HasPrefix(s, "--split-string") || strings.HasPrefix(s, "-") && !strings.HasPrefix(s, "--") && strings.Contains(s, "S"):
			return unk("env -S: runs a command string")
		case s == "-u" || s == "-C" || s == "--unset" || s == "--chdir":
			if len(args) < 2 {
				return ro("env: prints the environment")
			}
			args = args[2:]
		case strings.HasPrefix(s, "-") && len(s) > 1:
			args = args[1:]
		default:
			break opts
		}
	}
	for len(args) > 0 {
		name, _, isAssign := strings.Cut(args[0].val, "=")
		if !isAssign || name == "" {
			break
		}
		if strings.Contains(name, dynMark) {
			return unk("env: argument " + args[0].src + " may change which command runs")
		}
		if execVar(name) {
			return unk("env " + name + "=: changes which programs the command runs")
		}
		args = args[1:]
	}
	if len(args) == 0 {
		return ro("env: prints the environment")
	}
	return c.inner(args, x.stdin).prefixed("env")
}

// xargs runs a command with arguments read from its input; the input may
// carry options, so only a command that is mutating anyway is known.
func xargsRule(c *classifier, x *call) verdict {
	p := parseOpts(x.args, optSpec{
		short: "aEdIiLlnPs",
		long:  []string{"arg-file", "delimiter", "max-args", "max-procs", "max-chars", "process-slot-var", "max-lines", "replace", "eof"},
		stop:  true,
	})
	if len(p.pos) == 0 && p.inject == nil {
		return ro("xargs: echoes its input")
	}
	v := wrapped(c, x, p, "xargs")
	if v.class == Mutating {
		return v
	}
	return unk("xargs: runs " + p.pos[0].show() + " with arguments read from its input")
}

// trap runs its command string when a signal arrives or the script exits.
func trapRule(c *classifier, x *call) verdict {
	p := parseOpts(x.args, optSpec{stop: true})
	if len(p.pos) < 2 || p.flag("-l", "-p") {
		return ro("trap: lists traps")
	}
	if s, ok := p.pos[0].lit(); ok && (s == "" || s == "-") {
		return ro("trap: resets traps")
	}
	return c.script(p.pos[0], "trap")
}

func aliasRule(c *classifier, x *call) verdict {
	for _, a := range x.args {
		if strings.Contains(a.val, "=") || a.dyn {
			return unk("alias: changes what later commands run")
		}
	}
	return ro("alias: lists aliases")
}

func shoptRule(c *classifier, x *call) verdict {
	for _, a := range x.args {
		if a.dyn || a.val == "expand_aliases" {
			return unk("shopt: may make aliases change what later commands run")
		}
	}
	return ro("shopt: sets shell options")
}

func hashRule(c *classifier, x *call) verdict {
	p := parseOpts(x.args, optSpec{short: "p"})
	if p.any("-p") {
		return unk("hash -p: changes which program a name runs")
	}
	return ro("hash: lists remembered commands")
}

// A shell runs code this classifier does not see: a command string (which
// could be parsed, but a runbook should write the commands themselves), a
// script file, or its input.
func shellRule(c *classifier, x *call) verdict {
	p := parseOpts(x.args, optSpec{short: "co", stop: true})
	switch {
	case p.any("-c"):
		return unk(x.name + " -c: runs a command string in another shell")
	case len(p.pos) > 0:
		return unk(x.name + ": runs the script " + p.pos[0].show())
	}
	return unk(x.name + ": runs commands from its input")
}
