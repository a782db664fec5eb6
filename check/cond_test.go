package check

import (
	"strings"
	"testing"

	"github.com/expr-lang/expr/vm"
)

// TestDecodeJSONExact: decimals compare exactly with the literal a person
// writes; integers stay integers; nothing rounds silently.
func TestDecodeJSONExact(t *testing.T) {
	for _, tt := range []struct {
		body, cond string
		want       bool
	}{
		{`{"ratio": 0.1}`, "body.ratio == 0.1", true},
		{`{"ratio": 0.30000000000000004}`, "body.ratio == 0.3", false},
		{`{"n": 3}`, "body.n == 3", true},
		{`{"n": 3}`, "body.n < 3.5", true},
		{`{"balance": 10.10}`, "body.balance == 10.1", true},
		{`{"big": 123456789012345678901234567890}`, "body.big == 123456789012345678901234567890.0", false},
		{`{"db_connected": false, "migrations_current": true}`, "body.db_connected == false && body.migrations_current", true},
		{`{"queues": {"dlq": 12}}`, "body.queues.dlq > 10", true},
		{`[1, 2, 3]`, "len(body) == 3", true},
	} {
		t.Run(tt.cond, func(t *testing.T) {
			conds, err := compileConditions("http", []string{tt.cond})
			if err != nil {
				t.Fatal(err)
			}
			body, err := DecodeJSON([]byte(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			msg := evalConditions(new(vm.VM), conds, Vars{"body": body, "status": 200, "duration": 1.0})
			if got := msg == ""; got != tt.want {
				t.Errorf("%s on %s = %v (%s), want %v", tt.cond, tt.body, got, msg, tt.want)
			}
		})
	}
}

// TestCompileConditions: a condition naming a variable its kind lacks, or
// not yielding a boolean, is a config error.
func TestCompileConditions(t *testing.T) {
	for _, tt := range []struct {
		kind, cond, want string
	}{
		{"http", "status == 200", ""},
		{"http", `headers["content-type"] contains "json"`, ""},
		{"disk", "used_percent < 90 && inodes_percent < 90", ""},
		{"host", "oom_kills == 0", ""},
		{"redis", `info.connected_clients < 100 && length < 1000`, ""},
		{"postgres", "value < 100", ""},
		{"disk", "status == 200", "unknown name status"},
		{"http", "status", "expected bool"},
		{"tcp", "duration <", "unexpected token"},
	} {
		t.Run(tt.kind+" "+tt.cond, func(t *testing.T) {
			_, err := compileConditions(tt.kind, []string{tt.cond})
			if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
				t.Errorf("compile %q (%s) = %v, want %q", tt.cond, tt.kind, err, tt.want)
			}
		})
	}
}

func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{`{"a":1}`, `1e400`, `{"x":[1.5,"s",null]}`, `99999999999999999999`, `-0.0`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := DecodeJSON([]byte(s))
		if err != nil {
			return
		}
		conds, _ := compileConditions("http", []string{"body != nil"})
		_ = evalConditions(new(vm.VM), conds, Vars{"body": v})
	})
}
