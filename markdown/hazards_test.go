package markdown_test

import (
	"slices"
	"strings"
	"testing"
)

// TestLintHazards pins the warnings about steps that are safe but unwise:
// each unwise form is reported once, on its line, and the safe form of the
// same command next to it is not.
func TestLintHazards(t *testing.T) {
	const (
		pipefail = ` without pipefail: when the command feeding it fails, the step still exits 0 and shows nothing (fix: start the step with set -o pipefail)`
		psql     = ` runs psql without a statement timeout or a connect timeout: against a struggling database, or behind a lock, it waits until someone kills it (fix: docker compose exec -T -e PGCONNECT_TIMEOUT=5 -e PGOPTIONS='-c statement_timeout=10s -c lock_timeout=1s' SERVICE timeout 20 psql …)`
		redis    = ` runs redis-cli without a timeout: a Redis that accepts connections but does not answer keeps it waiting forever (fix: timeout 10 redis-cli … (inside the container when it runs through docker compose exec))`
		exec     = ` runs a command in a container without timeout inside it: the step's timeout kills the docker client, and the command goes on running in the container (fix: docker compose exec -T SERVICE timeout 20 COMMAND)`
		backend  = ` cancels or terminates backends without a backend_type filter: it can hit a running backup, replication or the database's own workers (fix: add backend_type = 'client backend' and an application_name filter that leaves pg_dump and the migration tool alone, and a read-only step that previews the same WHERE clause)`
		up       = ` runs docker compose up, which recreates every service whose configuration or image changed since it started, not only the one it names (fix: docker compose start SERVICE, or docker compose up -d --no-recreate SERVICE; to recreate on purpose, up -d --force-recreate --no-deps SERVICE)`
	)
	want := []string{
		`hazards.md:22: warning: step "pipe-into-jq" pipes into jq` + pipefail,
		`hazards.md:23: warning: step "pipe-into-jq" pipes into grep` + pipefail,
		`hazards.md:33: warning: step "psql-bare"` + psql,
		`hazards.md:42: warning: step "redis-bare"` + redis,
		`hazards.md:43: warning: step "redis-bare"` + redis,
		`hazards.md:52: warning: step "exec-bare"` + exec,
		`hazards.md:53: warning: step "exec-bare"` + exec,
		`hazards.md:67: warning: step "cancel-all"` + backend,
		`hazards.md:72: warning: step "start-db"` + up,
		`hazards.md:75: warning: step "start-db"` + up,
	}
	if got := lintFixture(t, "hazards.md"); !slices.Equal(got, want) {
		t.Errorf("lint hazards.md:\n got %s\nwant %s", strings.Join(got, "\n     "), strings.Join(want, "\n     "))
	}
}

// TestLintVariables pins the checks of pack.yaml's variables.
func TestLintVariables(t *testing.T) {
	want := []string{
		`pack.yaml:6: variable "APP_DIR" is declared twice`,
		`pack.yaml:7: variable "api_url" must be upper-case letters, digits and underscores, starting with a letter`,
		`pack.yaml:8: variable "QUENCH_API" must not start with QUENCH_: quench sets those for every step (the incident, the alert's labels)`,
		`pack.yaml:9: variable "PATH" is read by the shell or the programs steps run; choose another name`,
		`pack.yaml:10: variable "DB_NAME" has no description: say what it is, for the person who sets it`,
		`pack.yaml:11: variable "DB_USER" has no default: give one that points at this machine ("" when there is none)`,
		`pack.yaml:13: warning: step "health" pipes into jq without pipefail: when the command feeding it fails, the step still exits 0 and shows nothing (fix: start the step with set -o pipefail)`,
	}
	if got := lintFixture(t, "bad-variables"); !slices.Equal(got, want) {
		t.Errorf("lint bad-variables:\n got %s\nwant %s", strings.Join(got, "\n     "), strings.Join(want, "\n     "))
	}
}
