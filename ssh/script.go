package ssh

import (
	"strconv"
	"strings"
	"time"

	"github.com/quench-sh/quench/shell"
)

// Quote returns s as one single-quoted shell word, which bash reads back
// byte for byte without expanding anything in it: `$(…)`, backticks,
// newlines and quotes are all data. s must not hold a NUL byte (a Spec
// cannot).
func Quote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// payload is what the session's stdin carries: a line with the length of
// the body, then the body: the environment as export lines, the working
// directory, and the script as written. Setenv would need AcceptEnv on
// every server; export lines need nothing.
//
// With a read-only wrapper (a Sandboxed spec) the body instead pipes all
// of that into `WRAPPER bash -c …`, which reads it and evals it: the
// wrapper runs the whole step, and the environment (secrets among it)
// travels through the pipe, never on a command line the host's other
// users could list.
func payload(spec shell.Spec, readOnlyWrapper string) []byte {
	var b strings.Builder
	for _, name := range shell.EnvNames(spec.Env) {
		b.WriteString("export " + name + "=" + Quote(spec.Env[name]) + "\n")
	}
	if spec.Dir != "" {
		b.WriteString("cd -- " + Quote(spec.Dir) + " || exit 1\n")
	}
	b.WriteString(spec.Script)
	body := b.String()
	if spec.Sandboxed {
		body = "printf '%s' " + Quote(body) + " | " + readOnlyWrapper + " bash -c " + Quote(wrappedStep)
	}
	return []byte(strconv.Itoa(len(body)) + "\n" + body)
}

// wrappedStep runs under the read-only wrapper: it reads the step from its
// stdin, gives the step /dev/null as stdin, and runs it.
const wrappedStep = `__quench_s=$(cat); exec </dev/null; eval "$__quench_s"`

// wrapper runs on the remote host under `bash -c`. It reads the payload
// whole before running anything, so the script's own stdin is /dev/null
// and a command in it that reads stdin cannot swallow the rest of the
// script; a payload cut short (the connection died) runs nothing, as a
// truncated command could do something else entirely. The script runs in a process group of its own; a watcher waits
// for stdin to end, which happens when quench closes it on timeout or
// cancel, or when the connection dies, and then stops the whole group:
// SIGTERM, then SIGKILL after the grace period. What the script leaves
// running when it exits is stopped the same way.
//
// Its own stderr goes to /dev/null once the payload is read: bash reports
// jobs there, and the script's stderr is already joined to its stdout.
// It must not contain a single quote: it is sent single-quoted.
const wrapper = `
IFS= read -r __quench_n || exit 125
case $__quench_n in ""|*[!0-9]*) echo "quench: bad script header" >&2; exit 125;; esac
__quench_s=$(head -c "$__quench_n"; echo .)
__quench_s=${__quench_s%.}
[ "$(printf %s "$__quench_s" | wc -c)" -eq "$__quench_n" ] || { echo "quench: script cut short" >&2; exit 125; }
__quench_stop() {
	kill -TERM -- "-$1" 2>/dev/null || return 0
	__quench_i=0
	while kill -0 -- "-$1" 2>/dev/null && [ "$__quench_i" -lt GRACE ]; do
		sleep 0.1
		__quench_i=$((__quench_i + 1))
	done
	kill -KILL -- "-$1" 2>/dev/null
	return 0
}
exec 2>/dev/null
set -m
( eval "$__quench_s" ) </dev/null 2>&1 &
__quench_job=$!
( cat >/dev/null; __quench_stop "$__quench_job" ) >/dev/null 2>&1 &
__quench_watch=$!
set +m
trap "kill -TERM -- -$__quench_job" TERM HUP INT
while :; do
	wait "$__quench_job"
	__quench_rc=$?
	kill -0 "$__quench_job" || break
done
kill -KILL -- "-$__quench_watch"
__quench_stop "$__quench_job"
exit "$__quench_rc"
`

// remoteCommand is the session's command: the wrapper, run by bash
// whatever the user's login shell is.
func remoteCommand(grace time.Duration) string {
	tenths := max(1, int(grace/(100*time.Millisecond)))
	return "exec bash -c " + Quote(strings.ReplaceAll(wrapper, "GRACE", strconv.Itoa(tenths)))
}
