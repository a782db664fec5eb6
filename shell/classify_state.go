package shell

import (
	"maps"
	"slices"
	"strconv"
	"strings"
)

// value is what the classifier knows about the value of a variable or
// an expansion at one point of a script: the exact text when it is known
// before running, otherwise the properties it is proven to have.
type value struct {
	val   string // the exact value, when known
	known bool
	// noDash: it cannot start with "-", so it cannot become an option.
	noDash bool
	// noSplit: unquoted, it stays exactly one word (no blank, no glob
	// character, not empty).
	noSplit bool
	// fieldsSafe: unquoted, every word it splits into is safe in an
	// operand slot: none starts with a dash, none holds a glob character
	// (docker ps -q prints IDs, pgrep prints numbers).
	fieldsSafe bool
	// integer: it is a decimal integer, safe in arithmetic.
	integer bool
	// trusted: it is the operator's (config env and secrets), safe in
	// arithmetic, formats and option slots.
	trusted bool
}

// tainted is a value about which nothing is known: an alert's, a
// command's output, a line read from input.
var tainted = value{}

// operatorValue is the value of a variable the operator configures.
var operatorValue = value{noDash: true, noSplit: true, fieldsSafe: true, trusted: true}

// litValue is a value known exactly.
func litValue(s string) value {
	return value{
		val: s, known: true,
		noDash:     !strings.HasPrefix(s, "-"),
		noSplit:    s != "" && !strings.ContainsAny(s, " \t\n*?["),
		fieldsSafe: fieldsSafe(s),
		integer:    isInteger(s),
	}
}

// fieldsSafe reports text whose every blank-separated word neither starts
// with a dash nor holds a glob character.
func fieldsSafe(s string) bool {
	if strings.ContainsAny(s, "*?[") {
		return false
	}
	for _, f := range strings.Fields(s) {
		if strings.HasPrefix(f, "-") {
			return false
		}
	}
	return true
}

// intValue is the result of arithmetic: an integer, possibly negative.
var intValue = value{noSplit: true, integer: true}

// idsValue is the output of a command that prints identifiers that never
// start with a dash: container IDs, process IDs, commit hashes.
var idsValue = value{noDash: true, fieldsSafe: true}

// countValue is the output of a command that prints one count.
var countValue = value{noDash: true, noSplit: true, fieldsSafe: true, integer: true}

// merge is what is known of a value that is either a or b.
func (a value) merge(b value) value {
	if a.known && b.known && a.val == b.val {
		return a
	}
	return value{
		noDash:     a.noDash && b.noDash,
		noSplit:    a.noSplit && b.noSplit,
		fieldsSafe: a.fieldsSafe && b.fieldsSafe,
		integer:    a.integer && b.integer,
		trusted:    a.trusted && b.trusted,
	}
}

// arithSafe reports whether bash may evaluate the value as an arithmetic
// expression without running anything: a string such as a[$(cmd)] runs
// cmd when evaluated.
func (a value) arithSafe() bool { return a.integer || a.trusted }

// isInteger reports an optionally signed decimal integer.
func isInteger(s string) bool {
	s = strings.TrimPrefix(strings.TrimPrefix(s, "-"), "+")
	return allDigits(s)
}

// state is what the classifier knows about the shell at one point of a
// script: the variables the script set and the functions it defined.
type state struct {
	vars map[string]value
	// funcs maps a function name to true when it is defined on every
	// path to this point, false when only on some.
	funcs map[string]bool
	// havoc is set inside the bodies of functions the script never
	// calls by name (so they run, if at all, from somewhere the
	// classifier does not follow): every variable the script sets
	// anywhere is unknown there.
	havoc bool
	// args are the positional parameters when argsKnown: none at the
	// top of a step, a function call's arguments in its body.
	args      []value
	argsKnown bool
}

func newState() *state {
	return &state{vars: map[string]value{}, funcs: map[string]bool{}, argsKnown: true}
}

func (s *state) clone() *state {
	return &state{vars: maps.Clone(s.vars), funcs: maps.Clone(s.funcs), havoc: s.havoc,
		args: append([]value(nil), s.args...), argsKnown: s.argsKnown}
}

// merge is the state after either s or o: a variable or function known
// on only one side is merged with the other side's default.
func (s *state) merge(o *state, c *classifier) *state {
	out := &state{vars: map[string]value{}, funcs: map[string]bool{}, havoc: s.havoc || o.havoc}
	if s.argsKnown && o.argsKnown && len(s.args) == len(o.args) {
		out.argsKnown = true
		for i := range s.args {
			out.args = append(out.args, s.args[i].merge(o.args[i]))
		}
	}
	for k, v := range s.vars {
		out.vars[k] = v.merge(o.lookup(c, k))
	}
	for k, v := range o.vars {
		if _, done := out.vars[k]; !done {
			out.vars[k] = v.merge(s.lookup(c, k))
		}
	}
	for k, v := range s.funcs {
		out.funcs[k] = v && o.funcs[k]
	}
	for k := range o.funcs {
		if _, done := out.funcs[k]; !done {
			out.funcs[k] = false
		}
	}
	return out
}

// equal reports whether two states know the same.
func (s *state) equal(o *state) bool {
	return s.havoc == o.havoc && maps.Equal(s.vars, o.vars) && maps.Equal(s.funcs, o.funcs) &&
		s.argsKnown == o.argsKnown && slices.Equal(s.args, o.args)
}

// lookup returns what is known of a variable's value.
func (s *state) lookup(c *classifier, name string) value {
	if v, ok := s.vars[name]; ok {
		return v
	}
	if s.havoc && c.assigned[name] {
		return tainted
	}
	return c.initial(name)
}

// set records an assignment.
func (s *state) set(name string, v value) { s.vars[name] = v }

// initial is the value a variable has when the script has not set it:
// the step's environment, which quench builds from the operator's
// configuration and the alert, or what bash itself sets.
func (c *classifier) initial(name string) value {
	switch name {
	case "?", "#", "$", "!", "PPID", "UID", "EUID", "BASHPID", "SHLVL", "OPTIND", "RANDOM", "SRANDOM",
		"SECONDS", "LINENO", "EPOCHSECONDS", "HISTCMD", "COLUMNS", "LINES", "PIPESTATUS":
		return value{noDash: name != "PIPESTATUS", noSplit: true, fieldsSafe: true, integer: true}
	case "-", "EPOCHREALTIME", "HOSTNAME", "HOSTTYPE", "OSTYPE", "MACHTYPE", "BASH", "BASH_VERSION",
		"HOME", "PWD", "OLDPWD", "USER", "LOGNAME", "SHELL", "TERM", "LANG", "PATH", "TMPDIR", "TZ", "IFS":
		return operatorValue
	}
	if OperatorVar(name) || contains(c.opts.OperatorVars, name) && !strings.HasPrefix(name, "QUENCH_") {
		return operatorValue
	}
	return tainted
}

// OperatorVar reports whether a variable that a script reads without
// setting it holds the operator's value, by the naming rule both the
// linter and the runner apply: its name is upper case (A-Z, 0-9, _),
// does not start with QUENCH_ (quench fills those from the alert), and
// is not one bash fills with data (REPLY, MAPFILE, OPTARG, BASH_REMATCH
// and the other BASH_* variables, COPROC). Such variables come from the
// configuration's env and secrets, or from the target host's own
// environment; Options.OperatorVars adds names outside this rule.
func OperatorVar(name string) bool {
	if name == "" || name[0] >= '0' && name[0] <= '9' || strings.HasPrefix(name, "QUENCH_") || strings.HasPrefix(name, "BASH") {
		return false
	}
	switch name {
	case "REPLY", "MAPFILE", "OPTARG", "COPROC", "FUNCNAME", "READLINE_LINE", "READLINE_POINT", "COMP_LINE",
		"COMP_WORDS", "COMPREPLY", "GROUPS", "DIRSTACK", "HISTFILE", "PS4", "PS1", "PS2", "PS3", "PROMPT_COMMAND":
		return false
	}
	for i := 0; i < len(name); i++ {
		ch := name[i]
		if !(ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || ch == '_') {
			return false
		}
	}
	return true
}

// envAllowed are the variables a command may be given in its
// environment (NAME=value cmd, export NAME=…) without changing what it
// runs, reads as configuration or writes: formatting, locale, time zone,
// and connection settings of the database clients. Any other name is
// unknown. A nil check accepts every value.
var envAllowed = map[string]func(string) bool{
	"LANG": nil, "LANGUAGE": nil, "LC_ALL": nil, "LC_CTYPE": nil, "LC_MESSAGES": nil, "LC_NUMERIC": nil,
	"LC_TIME": nil, "LC_COLLATE": nil, "LC_MONETARY": nil, "TZ": nil, "TERM": nil, "COLUMNS": nil,
	"LINES": nil, "NO_COLOR": nil, "CLICOLOR": nil, "CLICOLOR_FORCE": nil, "TIMEFORMAT": nil,
	"SYSTEMD_COLORS": nil, "SYSTEMD_URLIFY": nil, "SYSTEMD_PAGER": pagerOff, "PAGER": pagerOff,
	"GIT_PAGER": pagerOff, "MANPAGER": pagerOff, "PSQL_PAGER": pagerOff, "SYSTEMD_LESS": nil,
	"GIT_TERMINAL_PROMPT": nil, "DOCKER_CLI_HINTS": nil,
	"PGHOST": nil, "PGHOSTADDR": nil, "PGPORT": nil, "PGUSER": nil, "PGDATABASE": nil, "PGPASSWORD": nil,
	"PGCONNECT_TIMEOUT": nil, "PGAPPNAME": nil, "PGSSLMODE": nil, "PGTZ": nil, "PGDATESTYLE": nil,
	"PGOPTIONS": pgOptions, "REDISCLI_AUTH": nil, "MYSQL_PWD": nil, "MYSQL_HOST": nil, "MYSQL_TCP_PORT": nil,
	"COMPOSE_PROJECT_NAME": nil, "COMPOSE_ANSI": nil, "COMPOSE_STATUS_STDOUT": nil,
}

// pagerOff accepts pager settings that page nothing.
func pagerOff(v string) bool { return v == "" || v == "cat" }

// pgOptions accepts PGOPTIONS that only set timeouts, the application
// name or read-only transactions: -c statement_timeout=5s …
func pgOptions(v string) bool {
	f := strings.Fields(v)
	for i := 0; i < len(f); i++ {
		kv := f[i]
		switch {
		case kv == "-c" && i+1 < len(f):
			i++
			kv = f[i]
		case strings.HasPrefix(kv, "-c"):
			kv = kv[2:]
		default:
			return false
		}
		name, _, _ := strings.Cut(kv, "=")
		switch strings.ReplaceAll(name, "-", "_") {
		case "statement_timeout", "lock_timeout", "idle_in_transaction_session_timeout", "application_name",
			"default_transaction_read_only", "transaction_read_only":
		default:
			return false
		}
	}
	return true
}

// envVerdict checks one variable given to a program's environment.
func envVerdict(name string, v word) verdict {
	check, ok := envAllowed[name]
	if !ok && !strings.HasPrefix(name, "LC_") {
		return unk(name + "=: a variable not known to be harmless in a program's environment (it may change what the program runs, reads or writes)")
	}
	if check != nil {
		if s, known := v.lit(); !known || !check(s) {
			return unk(name + "=" + v.show() + ": not known to be harmless")
		}
	}
	return ro("")
}

// shellControl are variables that change how the shell itself behaves:
// how words split, what set -x runs, which programs names find.
func shellControl(name string) bool {
	switch name {
	case "IFS", "PS4", "PS1", "PS2", "PS3", "PATH", "ENV", "BASH_ENV", "CDPATH", "GLOBIGNORE", "SHELLOPTS",
		"BASHOPTS", "POSIXLY_CORRECT", "PROMPT_COMMAND", "PROMPT_DIRTRIM", "HISTFILE", "HISTCONTROL",
		"FUNCNEST", "TMOUT", "EXECIGNORE", "INPUTRC", "MAILPATH", "MAIL", "HOSTFILE", "TIMEFORMAT_OFF":
		return true
	}
	return strings.HasPrefix(name, "BASH") || strings.HasPrefix(name, "COMP_")
}

// arg returns the value of positional parameter n (1-based), $# for n = -1,
// and "$@" for n = 0.
func (s *state) arg(n int) value {
	if !s.argsKnown {
		if n == -1 {
			return countValue
		}
		return tainted
	}
	switch {
	case n == -1:
		return litValue(strconv.Itoa(len(s.args)))
	case n == 0:
		if len(s.args) == 0 {
			return litValue("")
		}
		v := s.args[0]
		for _, a := range s.args[1:] {
			v = v.merge(a)
			v.noSplit = false
		}
		return v
	case n <= len(s.args):
		return s.args[n-1]
	}
	return litValue("")
}
