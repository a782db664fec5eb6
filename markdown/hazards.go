package markdown

import (
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/quench-sh/quench"
	"github.com/quench-sh/quench/shell"
)

// Rules of the warnings about steps that are safe to run but unwise: they
// hide a failure, wait forever, or hit more than they mean to. Each was a
// real defect of the shipped pack.
const (
	RulePipefail      = "pipefail"       // a pipeline into jq or grep without set -o pipefail
	RulePsqlTimeout   = "psql-timeout"   // psql without a statement or connect timeout
	RuleExecTimeout   = "exec-timeout"   // docker (compose) exec without timeout N inside the container
	RuleRedisTimeout  = "redis-timeout"  // redis-cli without a timeout
	RuleBackendFilter = "backend-filter" // pg_cancel_backend/pg_terminate_backend without a backend_type filter
	RuleComposeUp     = "compose-up"     // docker compose up that may recreate drifted services
)

// pipeReaders are programs whose exit status hides a failure on their
// left unless pipefail is on: jq and grep exit 0 (or 1) on an empty input
// exactly as they do when the command feeding them failed.
var pipeReaders = []string{"jq", "grep", "egrep", "fgrep"}

// cancelCall finds the backend-signalling functions in SQL text.
var cancelCall = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?i)\bpg_(cancel|terminate)_backend\s*\(`) })

// stepHazards returns the warnings about one step's script.
func stepHazards(path string, s quench.Step) []Problem {
	invs, err := shell.Invocations(s.Command)
	if err != nil {
		return nil // the classifier reports scripts that do not parse
	}
	return hazards(path, s, invs)
}

// hazards returns the warnings about a step whose script has the
// invocations invs.
func hazards(path string, s quench.Step, invs []shell.Invocation) []Problem {
	ps := problems{path: path}
	line := func(inv shell.Invocation) int {
		if s.Section == SectionFirstSteps {
			return s.Line // pack.yaml: the first step's entry
		}
		return s.Line + inv.Line
	}
	warn := func(at int, rule, fix, format string, args ...any) {
		ps.add(at, rule, format, args...)
		last := &ps.list[len(ps.list)-1]
		last.Warning, last.Fix = true, fix
	}
	pipes := map[int]bool{} // pipelines already reported, by line
	for _, inv := range invs {
		if len(inv.Chain) == 0 {
			continue
		}
		if r := reader(inv); r != "" && inv.Piped && !inv.Pipefail && !pipes[inv.PipeLine] {
			pipes[inv.PipeLine] = true
			at := line(inv)
			if s.Section != SectionFirstSteps {
				at = s.Line + inv.PipeLine
			}
			warn(at, RulePipefail, "start the step with set -o pipefail",
				"step %q pipes into %s without pipefail: when the command feeding it fails, the step still exits 0 and shows nothing", s.Name, r)
		}
		if inv.Runs("psql") {
			var missing []string
			if !strings.Contains(inv.Text, "statement_timeout") {
				missing = append(missing, "a statement timeout")
			}
			if !strings.Contains(inv.Text, "connect_timeout") && !strings.Contains(inv.Text, "PGCONNECT_TIMEOUT") {
				missing = append(missing, "a connect timeout")
			}
			if len(missing) > 0 {
				warn(line(inv), RulePsqlTimeout, `docker compose exec -T -e PGCONNECT_TIMEOUT=5 -e PGOPTIONS='-c statement_timeout=10s -c lock_timeout=1s' SERVICE timeout 20 psql …`,
					"step %q runs psql without %s: against a struggling database, or behind a lock, it waits until someone kills it", s.Name, strings.Join(missing, " or "))
			}
		}
		redis, ok := inv.Find("redis-cli")
		redisUnbounded := ok && !bounded(inv, redis) && !slices.Contains(inv.Chain[redis].Args, "-t")
		if redisUnbounded {
			warn(line(inv), RuleRedisTimeout, "timeout 10 redis-cli … (inside the container when it runs through docker compose exec)",
				"step %q runs redis-cli without a timeout: a Redis that accepts connections but does not answer keeps it waiting forever", s.Name)
		}
		if exec, ok := execIn(inv); ok && !redisUnbounded && inv.Chain[exec+1].Name != "timeout" {
			warn(line(inv), RuleExecTimeout, "docker compose exec -T SERVICE timeout 20 COMMAND",
				"step %q runs a command in a container without timeout inside it: the step's timeout kills the docker client, and the command goes on running in the container", s.Name)
		}
		if cancelCall().MatchString(inv.Text) && !strings.Contains(inv.Text, "backend_type") {
			warn(line(inv), RuleBackendFilter, "add backend_type = 'client backend' and an application_name filter that leaves pg_dump and the migration tool alone, and a read-only step that previews the same WHERE clause",
				"step %q cancels or terminates backends without a backend_type filter: it can hit a running backup, replication or the database's own workers", s.Name)
		}
		if composeUp(inv) {
			warn(line(inv), RuleComposeUp, "docker compose start SERVICE, or docker compose up -d --no-recreate SERVICE; to recreate on purpose, up -d --force-recreate --no-deps SERVICE",
				"step %q runs docker compose up, which recreates every service whose configuration or image changed since it started, not only the one it names", s.Name)
		}
	}
	return ps.list
}

// reader returns the jq or grep an invocation runs, or "".
func reader(inv shell.Invocation) string {
	for _, p := range inv.Chain {
		if slices.Contains(pipeReaders, p.Name) {
			return p.Name
		}
	}
	return ""
}

// bounded reports whether a timeout wrapper runs the chain's program i.
func bounded(inv shell.Invocation, i int) bool {
	return slices.ContainsFunc(inv.Chain[:i], func(p shell.Program) bool { return p.Name == "timeout" })
}

// execIn returns the position of a docker exec in the chain: the program
// after it runs in a container.
func execIn(inv shell.Invocation) (int, bool) {
	for i, p := range inv.Chain {
		if (p.Name == "docker" || p.Name == "docker-compose") && i+1 < len(inv.Chain) && slices.Contains(p.Args, "exec") {
			return i, true
		}
	}
	return 0, false
}

// composeUp reports a `docker compose up` (or docker-compose up) that may
// recreate services: without --no-recreate, and not a deliberate
// --force-recreate --no-deps of the services it names.
func composeUp(inv shell.Invocation) bool {
	p := inv.Chain[0]
	var args []string
	switch {
	case p.Name == "docker" && len(p.Args) > 0 && p.Args[0] == "compose":
		args = p.Args[1:]
	case p.Name == "docker-compose":
		args = p.Args
	default:
		return false
	}
	up := slices.Index(args, "up")
	if up < 0 {
		return false
	}
	rest := args[up+1:]
	if slices.Contains(rest, "--no-recreate") {
		return false
	}
	named := slices.ContainsFunc(rest, func(a string) bool { return !strings.HasPrefix(a, "-") })
	return !(slices.Contains(rest, "--force-recreate") && slices.Contains(rest, "--no-deps") && named)
}
