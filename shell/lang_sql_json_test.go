package shell

import (
	"encoding/json"
	"reflect"
	"testing"
)

// pgPlain turns pgDecode's values into encoding/json's (pgObj into
// map[string]any) to compare them.
func pgPlain(v any) any {
	switch v := v.(type) {
	case pgObj:
		m := make(map[string]any, len(v))
		for _, f := range v {
			m[f.key] = pgPlain(f.val)
		}
		return m
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = pgPlain(e)
		}
		return out
	}
	return v
}

// checkPgDecode asserts that pgDecode accepts exactly the JSON that
// encoding/json accepts and decodes it to the same values.
func checkPgDecode(t *testing.T, js string) {
	t.Helper()
	var want any
	wantErr := json.Unmarshal([]byte(js), &want)
	got, err := pgDecode(js)
	switch {
	case wantErr != nil && err == nil:
		t.Fatalf("pgDecode(%q) accepted what encoding/json refuses (%v): %#v", js, wantErr, got)
	case wantErr == nil && err != nil:
		t.Fatalf("pgDecode(%q): %v; encoding/json decodes it", js, err)
	case wantErr == nil && !reflect.DeepEqual(pgPlain(got), want):
		t.Fatalf("pgDecode(%q) = %#v, encoding/json %#v", js, pgPlain(got), want)
	}
}

var pgJSONSeeds = []string{
	`{"version":170004,"stmts":[{"stmt":{"SelectStmt":{"targetList":[{"ResTarget":{"val":{"A_Const":{"ival":{"ival":1},"location":7}},"location":7}}],"limitOption":"LIMIT_OPTION_DEFAULT","op":"SETOP_NONE"}},"stmt_len":8}]}`,
	`{"a":[],"b":{},"c":null,"d":true,"e":false,"f":-0.5e+3,"g":"x\"y\\z\u00e9\ud83d\ude00","h":"caf\u00e9","i":"café"}`,
	` [ 1 , 2.0 , -3 , 1E2 , 0 ] `,
	`"\ud800"`, "\"\xff\"", `{"a":1,"a":2}`, `[1,]`, `{"a" 1}`, `01`, `1.`, `-`, `tru`, `nul`, `"a`, "\"\t\"", `{}x`, ``, `[[[]]]`,
	`1e400`, `{"a":[{"b":[null]}]}`,
}

func TestPgDecode(t *testing.T) {
	for _, js := range pgJSONSeeds {
		checkPgDecode(t, js)
	}
	// Real parse trees, when this quench has PostgreSQL's parser.
	for _, sql := range []string{
		"SELECT pid, usename, state, now() - query_start AS age, left(query, 100) FROM pg_stat_activity WHERE state <> 'idle' AND pid <> pg_backend_pid() ORDER BY age DESC NULLS LAST LIMIT 15",
		"SELECT E'it\\'s é \\u00e9', 1.5e3, -2, true, NULL; DELETE FROM jobs WHERE id = $1",
		"EXPLAIN (ANALYZE false, FORMAT json) SELECT * FROM t FOR UPDATE",
		"COPY (SELECT 1) TO STDOUT WITH (FORMAT csv)",
		"BEGIN READ ONLY; SET LOCAL statement_timeout = '5s'; SELECT current_setting('work_mem'); COMMIT",
	} {
		js, err := pgParseJSON(sql)
		if err != nil {
			t.Skip(err)
		}
		checkPgDecode(t, js)
	}
}

// FuzzPgDecode compares pgDecode with encoding/json on arbitrary input.
func FuzzPgDecode(f *testing.F) {
	for _, js := range pgJSONSeeds {
		f.Add(js)
	}
	f.Fuzz(func(t *testing.T, js string) { checkPgDecode(t, js) })
}
