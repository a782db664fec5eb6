package shell_test

import (
	"reflect"
	"testing"

	"github.com/quench-sh/quench/shell"
)

func TestInvocations(t *testing.T) {
	type inv struct {
		line     int
		chain    []string
		piped    bool
		pipefail bool
	}
	for _, tt := range []struct {
		script string
		want   []inv
	}{
		{"docker compose exec -T -e A=1 db timeout 20 psql -c 'SELECT 1'", []inv{
			{1, []string{"docker", "timeout", "psql"}, false, false}}},
		{"docker exec -i -u postgres app-db-1 pg_isready", []inv{
			{1, []string{"docker", "pg_isready"}, false, false}}},
		{"docker --context prod container exec c redis-cli PING", []inv{
			{1, []string{"docker", "redis-cli"}, false, false}}},
		{"docker-compose exec redis redis-cli INFO", []inv{
			{1, []string{"docker-compose", "redis-cli"}, false, false}}},
		{"docker compose ps db", []inv{{1, []string{"docker"}, false, false}}},
		{"timeout -k 5 -s KILL 10 env -u X A=1 nice -n 5 /usr/bin/redis-cli PING", []inv{
			{1, []string{"timeout", "env", "nice", "redis-cli"}, false, false}}},
		{"timeout 10", []inv{{1, []string{"timeout"}, false, false}}},
		{"curl -sS x | jq .\nset -o pipefail\ncurl -sS x | jq .", []inv{
			{1, []string{"curl"}, false, false},
			{1, []string{"jq"}, true, false},
			{2, []string{"set"}, false, false},
			{3, []string{"curl"}, false, true},
			{3, []string{"jq"}, true, true}}},
		{"set -euo pipefail\na | { grep x || echo none; } | tail", []inv{
			{1, []string{"set"}, false, false},
			{2, []string{"a"}, false, true},
			{2, []string{"grep"}, true, true},
			{2, []string{"echo"}, true, true},
			{2, []string{"tail"}, true, true}}},
		{"set -e -o nounset\nx=$(a | grep b)", []inv{
			{1, []string{"set"}, false, false},
			{2, []string{"a"}, false, false},
			{2, []string{"grep"}, true, false}}},
		{"if a; then b | c; fi\nfor x in 1; do d; done", []inv{
			{1, []string{"a"}, false, false},
			{1, []string{"b"}, false, false},
			{1, []string{"c"}, true, false},
			{2, []string{"d"}, false, false}}},
	} {
		invs, err := shell.Invocations(tt.script)
		if err != nil {
			t.Errorf("Invocations(%q): %v", tt.script, err)
			continue
		}
		var got []inv
		for _, i := range invs {
			var names []string
			for _, p := range i.Chain {
				names = append(names, p.Name)
			}
			got = append(got, inv{i.Line, names, i.Piped, i.Pipefail})
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Invocations(%q) =\n %v\nwant\n %v", tt.script, got, tt.want)
		}
	}
}

func TestInvocationsWords(t *testing.T) {
	invs, err := shell.Invocations(`docker compose exec -T "$DB_SERVICE" timeout 20 psql -c "SELECT $X" -c 'SET a = 1'`)
	if err != nil || len(invs) != 1 {
		t.Fatalf("Invocations = %v, %v", invs, err)
	}
	want := []shell.Program{
		{Name: "docker", Args: []string{"compose", "exec", "-T", `"$DB_SERVICE"`}},
		{Name: "timeout", Args: []string{"20"}},
		{Name: "psql", Args: []string{"-c", `"SELECT $X"`, "-c", "SET a = 1"}},
	}
	if !reflect.DeepEqual(invs[0].Chain, want) {
		t.Errorf("Chain = %#v, want %#v", invs[0].Chain, want)
	}
	if i, ok := invs[0].Find("psql"); !ok || i != 2 || !invs[0].Runs("timeout") || invs[0].Runs("redis-cli") {
		t.Errorf("Find(psql) = %d, %v", i, ok)
	}
	if _, err := shell.Invocations("echo 'unclosed"); err == nil {
		t.Error("Invocations of a script that does not parse: no error")
	}
}

// FuzzInvocations: whatever a runbook's step holds, Invocations answers
// without crashing, and every chain it returns is non-empty.
func FuzzInvocations(f *testing.F) {
	for _, s := range []string{
		"docker compose exec -T db timeout 20 psql -c 'SELECT 1' | jq .",
		"set -euo pipefail; a | { grep x || true; }",
		"timeout", "docker compose exec", "env A=1", "f() { a | b; }; f",
		"x=$(docker exec c redis-cli --scan | sort)",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, script string) {
		invs, err := shell.Invocations(script)
		if err != nil {
			return
		}
		for _, inv := range invs {
			if len(inv.Chain) == 0 || inv.Line < 1 {
				t.Fatalf("Invocations(%q): %+v", script, inv)
			}
		}
	})
}
