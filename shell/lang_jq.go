package shell

import (
	"strings"

	"github.com/itchyny/gojq"
)

// jq cannot write a file or run a program: its risks are code from
// files (-f, import, include, -L) and reading the environment ($ENV,
// env), which holds the operator's secrets and would print them into an
// incident's timeline, where only configured secrets are scrubbed; both
// are unknown. input and inputs read the inputs jq was given and are
// read-only. The filter is parsed and compiled with gojq, a real jq
// implementation: a filter gojq does not accept is unknown.

// jqOptArity is how many values each jq option takes (jq compares long
// options whole and clusters short ones without values).
var jqOptArity = map[string]int{
	"--null-input": 0, "--raw-input": 0, "--slurp": 0, "--compact-output": 0, "--raw-output": 0,
	"--join-output": 0, "--raw-output0": 0, "--ascii-output": 0, "--sort-keys": 0, "--color-output": 0,
	"--monochrome-output": 0, "--tab": 0, "--indent": 1, "--unbuffered": 0, "--stream": 0,
	"--stream-errors": 0, "--seq": 0, "--exit-status": 0, "--arg": 2, "--argjson": 2, "--slurpfile": 2,
	"--rawfile": 2, "--args": 0, "--jsonargs": 0, "--help": 0, "--version": 0, "--build-configuration": 0,
	"--from-file": -1, "--argfile": 2, "--binary": 0,
}

// jqShort are the short options, all without a value, by long name.
var jqShort = map[byte]string{
	'n': "--null-input", 'R': "--raw-input", 's': "--slurp", 'c': "--compact-output", 'r': "--raw-output",
	'j': "--join-output", 'a': "--ascii-output", 'S': "--sort-keys", 'C': "--color-output",
	'M': "--monochrome-output", 'e': "--exit-status", 'h': "--help", 'V': "--version", 'f': "--from-file",
	'b': "--binary",
}

func jqRule(c *classifier, x *call) verdict {
	who := x.name
	var filter *word
	vars := []string{"$ARGS"}
	optsDone, seen := false, map[string]bool{}
	for i := 0; i < len(x.args); i++ {
		a := x.args[i]
		s := a.val
		if a.inject && !optsDone {
			return unk(who + ": argument " + a.src + " may turn into an option at run time; put it after --")
		}
		if optsDone || len(s) < 2 || s[0] != '-' {
			if filter == nil && !seen["--from-file"] {
				filter = &x.args[i]
			}
			continue
		}
		if s == "--" && !a.dyn {
			optsDone = true
			continue
		}
		if strings.Contains(s, dynMark) {
			return unk(who + ": option " + a.src + " is only known at run time")
		}
		var names []string
		if strings.HasPrefix(s, "--") {
			names = []string{s}
		} else if s == "-L" || strings.HasPrefix(s, "-L") {
			return unk(who + " -L: loads modules from a directory")
		} else {
			for j := 1; j < len(s); j++ {
				long, ok := jqShort[s[j]]
				if !ok {
					return unk(who + ": option -" + string(s[j]) + " is not known to be read-only")
				}
				names = append(names, long)
			}
		}
		for _, n := range names {
			arity, ok := jqOptArity[n]
			switch {
			case !ok:
				return unk(who + ": option " + clip(n, maxShown) + " is not known to be read-only")
			case arity < 0:
				return unk(who + " " + n + ": runs a filter from a file")
			case i+arity >= len(x.args):
				return unk(who + " " + n + ": lacks its value")
			}
			seen[n] = true
			if arity == 2 {
				name, ok := x.args[i+1].lit()
				if !ok {
					return unk(who + " " + n + ": the variable's name is only known at run time")
				}
				vars = append(vars, "$"+name)
			}
			if x.args[i+arity].split {
				return unk(who + " " + n + ": its value " + x.args[i+arity].src + " may split into several words")
			}
			i += arity
		}
	}
	if filter == nil {
		if seen["--help"] || seen["--version"] || seen["--build-configuration"] {
			return ro(who + " --version: prints its version")
		}
		return ro(who + ": pretty-prints JSON") // jq with no filter is jq .
	}
	src, ok := filter.lit()
	if !ok {
		return unk(who + ": its filter is only known at run time")
	}
	class, why := jqFilter(src, vars)
	if class != ReadOnly {
		return verdict{class: class, reason: who + " " + why}
	}
	return ro(who + ": filters JSON")
}

// jqFilter parses and compiles a jq filter with gojq, with the variables
// the command line defines.
func jqFilter(src string, vars []string) (Class, string) {
	q, err := gojq.Parse(src)
	if err != nil {
		return Unknown, clip("filter does not parse: "+err.Error(), maxReason)
	}
	if len(q.Imports) > 0 {
		return Unknown, "import/include: loads modules from files"
	}
	readsEnv := false
	_, err = gojq.Compile(q,
		gojq.WithVariables(vars),
		gojq.WithInputIter(gojq.NewIter[any]()),
		gojq.WithEnvironLoader(func() []string { readsEnv = true; return nil }),
	)
	switch {
	case err != nil:
		return Unknown, clip("filter not understood: "+err.Error(), maxReason)
	case readsEnv:
		return Unknown, "$ENV/env: reads the environment, secrets included"
	}
	return ReadOnly, "filters JSON"
}
