package shell

import (
	"path"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// call is one command line being classified: the command's name (a path
// reduced to its base name), its arguments, what it reads on standard
// input, and the variables given to its environment.
type call struct {
	name  string
	args  []word
	stdin *word // a here-document, here-string or pipe feeding it; nil when nothing does
	env   []envVar
}

// envVar is NAME=value given before a command.
type envVar struct {
	name string
	val  word
}

// rule classifies a command the tables do not settle by name alone.
type rule func(c *classifier, x *call) verdict

// lookupMode says which kinds of command a name may run: a script's own
// commands find functions, builtins and programs; command skips
// functions; builtin finds only builtins; wrappers (timeout, env, xargs,
// find -exec) run programs only.
type lookupMode uint8

const (
	modeDirect lookupMode = iota
	modeCommand
	modeBuiltin
	modeProgram
)

// callExpr classifies a simple command: its assignments and its words.
func (c *classifier) callExpr(x *syntax.CallExpr, s *syntax.Stmt) verdict {
	ws := make([]word, 0, len(x.Args))
	for _, w := range x.Args {
		ws = append(ws, c.fields(w)...)
	}
	if len(x.Args) == 0 || len(ws) == 0 {
		v := minorRO("assignment: sets a shell variable")
		if len(x.Assigns) > 0 && x.Assigns[0].Name != nil {
			v = minorRO(x.Assigns[0].Name.Value + "=: sets a shell variable")
		}
		if len(x.Args) > 0 {
			v = minorRO(c.source(x.Args[0]) + ": expands to nothing and runs nothing")
		}
		for _, a := range x.Assigns {
			v = worse(v, c.assignStmt(a, false))
		}
		return v
	}
	var env []envVar
	bad := ro("")
	for _, a := range x.Assigns {
		if a.Name == nil || a.Index != nil || a.Array != nil || a.Append {
			bad = worse(bad, unk("a prefix assignment the classifier does not model"))
			continue
		}
		val := word{}
		if a.Value != nil {
			val = c.word(a.Value)
		}
		env = append(env, envVar{name: a.Name.Value, val: val})
	}
	return worse(c.argv(ws, env, c.stdin, modeDirect), bad)
}

// argv classifies one command line, words[0] being the command.
func (c *classifier) argv(ws []word, env []envVar, stdin *word, mode lookupMode) verdict {
	if c.depth >= maxDepth {
		return unk(ws[0].show() + ": commands nested too deeply to classify")
	}
	n, ok := ws[0].lit()
	if !ok || n == "" {
		return unk(ws[0].src + ": the command name is only known at run time")
	}
	if ws[0].brace {
		return unk(ws[0].src + ": a brace expansion in the command name")
	}
	if ws[0].exp {
		return unk(ws[0].src + ": the command name comes from an expansion; write the command itself")
	}
	x := &call{name: n, args: ws[1:], stdin: stdin, env: env}
	if strings.Contains(n, "/") {
		dir, base := path.Split(n)
		if !systemBin(dir) || base == "" {
			return unk(n + ": runs a script or program by path")
		}
		x.name = base
		return c.program(x)
	}
	if mode == modeDirect {
		if sure, ok := c.st.funcs[n]; ok {
			before := c.st.clone()
			fn := worse(c.callFunc(n, x.args, stdin), c.envOf(x, true))
			if sure {
				return fn
			}
			after := c.st
			c.st = before
			cmd := c.lookup(x, modeCommand)
			c.st = after.merge(c.st, c)
			return worse(fn, cmd).prefixed("maybe a function:")
		}
	}
	return c.lookup(x, mode)
}

// lookup resolves a name to a builtin or a program, as mode allows.
func (c *classifier) lookup(x *call, mode lookupMode) verdict {
	if b, ok := builtinOf(x.name); ok && mode != modeProgram {
		return worse(b.rule(c, x), c.envOf(x, b.special))
	}
	if mode == modeBuiltin {
		return unk("builtin " + x.name + ": not a builtin")
	}
	if b, ok := builtinOf(x.name); ok && !b.program {
		return unk(x.name + ": a shell builtin, not a program another command can run")
	}
	return c.program(x)
}

// program classifies a program by its rule.
func (c *classifier) program(x *call) verdict {
	if v := c.envOf(x, false); v.class != ReadOnly {
		return v
	}
	if r := ruleFor(x.name); r == nil {
		if why, ok := mutatingCommands[x.name]; ok {
			return mut(x.name + ": " + why)
		}
		if why, ok := unknownCommands[x.name]; ok {
			return unk(x.name + ": " + why)
		}
	}
	if r := ruleFor(x.name); r != nil {
		v := r(c, x)
		if v.class == ReadOnly && v.optsMatter {
			if w := anyInject(x.args); w != nil {
				name, _, _ := strings.Cut(v.reason, ":")
				return unk(name + ": argument " + w.src + " may turn into an option at run time; put it after -- or give it a fixed prefix")
			}
		}
		return v
	}
	return unk(x.name + ": command not recognised")
}

// envOf checks the variables given before a command. For a builtin that
// is not special (and a function) they last for the command; read and
// mapfile may be given IFS.
func (c *classifier) envOf(x *call, shellOnly bool) verdict {
	for _, e := range x.env {
		if e.name == "IFS" && (x.name == "read" || x.name == "mapfile" || x.name == "readarray") {
			continue
		}
		if shellControl(e.name) {
			return unk(e.name + "=: changes how the shell runs " + x.name)
		}
		if v := envVerdict(e.name, e.val); v.class != ReadOnly {
			return v.prefixed(x.name + ":")
		}
	}
	return ro("")
}

// inner classifies the command a wrapper runs (timeout, docker exec, …):
// a program, never a function or a builtin of this shell.
func (c *classifier) inner(ws []word, stdin *word) verdict {
	if len(ws) == 0 {
		return ro("runs nothing")
	}
	c.depth++
	defer func() { c.depth-- }()
	return c.argv(ws, nil, stdin, modeProgram)
}

// script classifies a shell command string that a command runs in a new
// shell (bash -c '…', watch 'df -h'): a fresh state, the same options.
func (c *classifier) script(w word, who string) verdict {
	return c.scriptAs(w, who, syntax.LangBash)
}

// scriptAs classifies a command string in a new shell of the given
// dialect; args are its positional parameters ($1 …), when given.
func (c *classifier) scriptAs(w word, who string, lang syntax.LangVariant, args ...word) verdict {
	s, ok := w.lit()
	if !ok {
		return unk(who + ": runs a command string only known at run time")
	}
	if c.depth >= maxDepth {
		return unk(who + ": command strings nested too deeply to classify")
	}
	f, err := c.parseAs(s, lang)
	if err != nil {
		return unk(who + ": its command string does not parse")
	}
	sub := newClassifier(s, c.opts)
	sub.parser = c.parser
	sub.depth = c.depth + 1
	sub.stdin = c.stdin
	for _, a := range args {
		if a.split {
			sub.st.argsKnown = false
		}
		sub.st.args = append(sub.st.args, a.asValue())
	}
	sub.file(f)
	if len(sub.out) == 0 {
		return ro(who + ": runs nothing")
	}
	worst := verdict{class: sub.out[0].Class, reason: sub.out[0].Reason}
	for _, e := range sub.out[1:] {
		worst = worse(worst, verdict{class: e.Class, reason: e.Reason})
	}
	return worst.prefixed(who)
}

// systemBin reports directories whose programs are the ones named by their
// base name: /usr/bin/docker is docker, ./ops/deploy.sh is a script.
func systemBin(dir string) bool {
	switch strings.TrimSuffix(dir, "/") {
	case "/bin", "/usr/bin", "/sbin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin":
		return true
	}
	return false
}

// assignStmt classifies NAME=value as a statement of its own, or an
// argument of declare and friends (exported: export, declare -x).
func (c *classifier) assignStmt(a *syntax.Assign, exported bool) verdict {
	if a.Name == nil {
		return unk("an assignment whose name is only known at run time")
	}
	name := a.Name.Value
	if a.Index != nil {
		if w, ok := a.Index.(*syntax.Word); !ok || !arithNumber(w.Lit()) {
			// An associative key or an arithmetic subscript: checked
			// as arithmetic, which a literal key passes.
			c.arithCheck(a, a.Index)
		}
	}
	v := litValue("")
	var w word
	switch {
	case a.Array != nil:
		first := true
		for _, el := range a.Array.Elems {
			if el.Index != nil {
				c.arithCheck(a, el.Index)
			}
			if el.Value == nil {
				continue
			}
			for _, f := range c.fields(el.Value) {
				if first {
					v, first = f.asValue(), false
				} else {
					v = v.merge(f.asValue())
				}
			}
		}
		w = word{src: name + "=(…)", val: dynMark, dyn: true}
	case a.Value != nil:
		w = c.word(a.Value)
		v = w.asValue()
	case a.Naked:
		// export NAME: exports the value it already has.
		v = c.st.lookup(c, name)
		if _, set := c.st.vars[name]; !set {
			c.assign(name, v)
			return minorRO(name + ": exports a variable")
		}
		w = word{src: name, val: v.val, dyn: !v.known}
	}
	if a.Append || a.Index != nil {
		v = v.merge(c.st.lookup(c, name))
	}
	c.assign(name, v)
	switch {
	case shellControl(name):
		return unk(name + "=: changes how the shell runs later commands")
	case exported:
		if ev := envVerdict(name, w); ev.class != ReadOnly {
			return ev
		}
	case programEnv(name):
		return unk(name + "=: a variable programs read, if the environment already has it")
	}
	return minorRO(name + "=: sets a shell variable")
}

// programEnv reports the names programs read from their environment to
// decide what they run, load, read as configuration or write, which a
// plain assignment changes when the step's environment already has them.
func programEnv(name string) bool {
	if _, ok := envAllowed[name]; ok {
		return false
	}
	switch name {
	case "HOME", "SHELL", "EDITOR", "VISUAL", "PAGER", "MANPAGER", "BROWSER", "TERMINFO", "TMPDIR", "TMP", "TEMP",
		"NETRC", "WGETRC", "PSQLRC", "KUBECONFIG", "GCONV_PATH", "NLSPATH", "LOCPATH", "HOSTALIASES",
		"LOCALDOMAIN", "GODEBUG", "GOFLAGS", "CURL_HOME", "SSLKEYLOGFILE", "OPENSSL_CONF", "GZIP", "BZIP2",
		"XZ_OPT", "ZSTD_CLEVEL", "TAR_OPTIONS", "AWKPATH", "AWKLIBPATH", "GREP_OPTIONS", "LESSOPEN", "LESSCLOSE",
		"USER", "LOGNAME", "MAIL":
		return true
	}
	for _, p := range []string{"LD_", "GIT_", "DOCKER_", "KUBE", "COMPOSE_", "PG", "MYSQL", "REDIS", "PYTHON",
		"PERL", "RUBY", "NODE_", "NPM_", "JAVA", "_JAVA", "JDK_", "SSL", "OPENSSL", "CURL", "WGET", "SYSTEMD_",
		"LESS", "AWS_", "GOOGLE_", "AZURE_", "VAULT_", "ANSIBLE_", "TF_", "HELM_", "SSH_", "GNUPG", "GPG_",
		"XDG_", "MALLOC", "GLIBC_", "RES_", "PS4", "BASH", "ENV", "SQLITE", "JQ_", "GAWK", "POSIXLY"} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}
