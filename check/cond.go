package check

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/types"
	"github.com/expr-lang/expr/vm"
)

// Vars are what a condition sees of one run: the variables of the check's
// kind (see kindVars), by name.
type Vars map[string]any

// kindVars declares the variables each kind's conditions may use, with
// their types, so a condition naming anything else is a config error at
// load time, not a silent false at 3 a.m.
func kindVars(kind string) types.Map {
	v := types.Map{"duration": types.Float64} // milliseconds the probe took
	switch kind {
	case "http":
		v["status"] = types.Int
		v["headers"] = types.TypeOf(map[string]string{})
		v["body"] = types.Any // decoded JSON (DecodeJSON), or the text
	case "dns":
		v["addresses"] = types.TypeOf([]string{})
	case "tls":
		v["days_left"] = types.Float64
	case "postgres":
		v["value"] = types.Any
	case "redis":
		v["info"] = types.TypeOf(map[string]any{})
		v["length"] = types.Int
	case "disk":
		v["used_percent"] = types.Float64
		v["inodes_percent"] = types.Float64
	case "host":
		v["cpu_percent"] = types.Float64
		v["memory_percent"] = types.Float64
		v["oom_kills"] = types.Int
	case "container":
		v["state"] = types.String
		v["restarts"] = types.Int
		v["oom_killed"] = types.Bool
		v["health"] = types.String
	case "command":
		v["exit_code"] = types.Int
		v["output"] = types.String
	}
	return v
}

// condition is one compiled condition of a check.
type condition struct {
	src  string
	prog *vm.Program
}

// compileConditions compiles a check's conditions against its kind's
// variables; each must yield true or false. Errors name the condition.
func compileConditions(kind string, srcs []string) ([]condition, error) {
	out := make([]condition, 0, len(srcs))
	for i, src := range srcs {
		prog, err := expr.Compile(src, expr.Env(kindVars(kind)), expr.AsBool())
		if err != nil {
			return nil, fmt.Errorf("conditions[%d] %q: %s", i, src, firstLine(err.Error()))
		}
		out = append(out, condition{src: src, prog: prog})
	}
	return out, nil
}

// eval returns "" when every condition holds, else says which did not.
// A condition that cannot be evaluated (a missing body field compared
// with <) is false, with the reason.
func evalConditions(machine *vm.VM, conds []condition, vars Vars) string {
	for _, c := range conds {
		out, err := machine.Run(c.prog, map[string]any(vars))
		if err != nil {
			return fmt.Sprintf("condition %s: %s", c.src, firstLine(err.Error()))
		}
		if ok, _ := out.(bool); !ok {
			return fmt.Sprintf("condition %s is false%s", c.src, explain(c.src, vars))
		}
	}
	return ""
}

// explain names the values a failed condition looked at, for the
// incident's summary: the scalar variables the condition mentions.
func explain(src string, vars Vars) string {
	var parts []string
	for name, v := range vars {
		if !strings.Contains(src, name) {
			continue
		}
		switch x := v.(type) {
		case int, int64, float64, bool, string:
			parts = append(parts, fmt.Sprintf("%s=%v", name, x))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	sort.Strings(parts)
	return " (" + strings.Join(parts, ", ") + ")"
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}

// DecodeJSON decodes a JSON document for conditions and routing, keeping
// numbers exact: an integer is an int64 (int when it fits), any other
// number the float64 that is nearest to its decimal text, which equals the
// same literal written in a condition (body.ratio == 0.1). An integer too
// large for int64 keeps its digits as a float only when that is exact, and
// is text otherwise, so no comparison passes on a rounded value.
func DecodeJSON(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("more than one JSON value")
	}
	return exactNumbers(v), nil
}

func exactNumbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		return number(string(x))
	case map[string]any:
		for k, e := range x {
			x[k] = exactNumbers(e)
		}
	case []any:
		for i, e := range x {
			x[i] = exactNumbers(e)
		}
	}
	return v
}

// number reads a decimal as int when it is a whole number that fits,
// float64 otherwise; text when a float would round an integer.
func number(s string) any {
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return int(i)
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) {
		return s
	}
	if !strings.ContainsAny(s, ".eE") {
		// A whole number beyond int64: exact as a float only if it
		// formats back to the same digits.
		if strconv.FormatFloat(f, 'f', -1, 64) != strings.TrimPrefix(s, "+") {
			return s
		}
	}
	return f
}
