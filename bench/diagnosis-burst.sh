#!/usr/bin/env bash
# diagnosis-burst.sh: open N incidents (default 1000) in one burst through a
# real `quench serve` (generic ingest route, PAR concurrent curl clients, one
# alert per request) and measure, from outside the server:
#   - the time until every diagnosis finished (3 read-only steps each, one of
#     them a 20 ms sleep so the sampler below can see processes; the
#     server logs "step finished" once per step),
#   - the most step processes running at once (process groups whose
#     environment carries this run's marker, sampled from /proc), which must
#     never exceed the configured workers,
#   - the server's peak memory (VmHWM of its process),
#   - steps per second, beside the bare process-start rate of the same run
#     (the same number of `sh -c` processes, WORKERS at a time, started by
#     xargs right after): how far the runner and the store are from the
#     machine's own limit.
# Exits 1 when a diagnosis is missing or the process bound was broken.
#
#   bench/diagnosis-burst.sh              # N=1000 WORKERS=4 PAR=50
#   N=200 WORKERS=2 bench/diagnosis-burst.sh
#
# The precise version of the process bound (every millisecond, plus the
# runner's own gauge) is TestDiagnosisBurst / BenchmarkDiagnosisBurst in
# runner/; this script adds the real HTTP path and the server's memory.
set -euo pipefail
cd "$(dirname "$0")/.."

N=${N:-1000}
WORKERS=${WORKERS:-4}
PAR=${PAR:-50}
TIMEOUT=${TIMEOUT:-600} # seconds to wait for all diagnoses

tmp=$(mktemp -d)
server=""
sampler=""
cleanup() {
	[ -n "$sampler" ] && kill "$sampler" 2>/dev/null || true
	[ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

go build -o "$tmp/quench" ./cmd/quench
marker="burst-$(date +%s%N)"

mkdir -p "$tmp/runbooks" "$tmp/data"
cat >"$tmp/runbooks/pack.yaml" <<'EOF'
categories:
  - Infrastructure & Services
roles:
  - id: oncall-ops
    name: On-call
    scope: Everything
    contact_when: Always
first_steps:
  - name: first
    title: First step
    command: echo first step for $QUENCH_INCIDENT_ID
EOF
cat >"$tmp/runbooks/burst.md" <<'EOF'
---
id: burst
title: Burst
category: Infrastructure & Services
order: 1
severity: critical
signal: the burst test alert
match:
  - labels.alertname == "BurstTest"
escalation: [oncall-ops]
---
# Burst

## Alert signal

The burst test alert.

## Quick diagnosis

1. Nothing.
   ```sh {"name": "quiet"}
   sleep 0.02
   ```
2. The labels.
   ```sh {"name": "labels"}
   env | grep '^QUENCH_LABEL_'
   ```

## Likely causes

A benchmark.

## Safe remediation steps

Nothing.

## Rollback/restore pointers

Nothing.

## Escalation roles

On-call.
EOF
cat >"$tmp/quench.yaml" <<EOF
listen: 127.0.0.1:0
data: $tmp/data
runbooks: $tmp/runbooks
log:
  level: info
  format: text
diagnosis:
  workers: $WORKERS
  # Every incident here has the same runbook: with the default window a
  # storm shares one diagnosis, and the burst would run 3 steps, not 3*N.
  share_within: 0s
env:
  BURST_MARK: $marker
EOF

token=$("$tmp/quench" token create --role ingest --name burst --data "$tmp/data")
"$tmp/quench" serve --config "$tmp/quench.yaml" 2>"$tmp/server.log" &
server=$!
url=""
for _ in $(seq 1 200); do
	url=$(grep -o 'url=http://[0-9.:]*' "$tmp/server.log" | head -n1 | cut -d= -f2 || true)
	[ -n "$url" ] && break
	sleep 0.05
done
[ -n "$url" ] || { echo "server did not start:"; cat "$tmp/server.log"; exit 1; }

# Outside sampler: distinct process groups of processes carrying the marker.
(
	max=0
	while :; do
		# grep exits 2 when a process vanished while it read: not a failure.
		n=$({ grep -l -s -a -F "BURST_MARK=$marker" /proc/[0-9]*/environ 2>/dev/null || true; } |
			sed 's|/environ$|/stat|' | { xargs -r cat 2>/dev/null || true; } |
			awk '{ sub(/^.*\) /, ""); if ($1 != "Z") print $3 }' | sort -u | wc -l)
		if [ "$n" -gt "$max" ]; then
			max=$n
			echo "$max" >"$tmp/maxprocs"
		fi
	done
) &
sampler=$!

start=$(date +%s%N)
seq 1 "$N" | xargs -P "$PAR" -I{} curl -fsS -o /dev/null \
	-H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
	-d '{"summary":"burst {}","severity":"critical","dedup_key":"burst-{}","labels":{"alertname":"BurstTest","n":"{}"}}' \
	"$url/ingest/generic"
ingested=$(date +%s%N)

want=$((3 * N))
deadline=$(($(date +%s) + TIMEOUT))
done_steps=0
while :; do
	done_steps=$(grep -c 'msg="step finished"' "$tmp/server.log" || true)
	[ "$done_steps" -ge "$want" ] && break
	if [ "$(date +%s)" -gt "$deadline" ]; then
		echo "FAIL: $done_steps of $want steps finished after ${TIMEOUT}s"
		exit 1
	fi
	sleep 0.1
done
finished=$(date +%s%N)
hwm=$(awk '/^VmHWM/ { print $2 }' "/proc/$server/status")
kill "$sampler" 2>/dev/null || true
wait "$sampler" 2>/dev/null || true
sampler=""
maxprocs=$(cat "$tmp/maxprocs" 2>/dev/null || echo 0)
failed=$(grep 'msg="step finished"' "$tmp/server.log" | grep -vc 'exit_code=0' || true)

# The bare process-start rate of this machine now: as many shells as steps,
# WORKERS at a time, each doing what the first step does.
bare_start=$(date +%s%N)
seq 1 "$want" | xargs -P "$WORKERS" -I{} sh -c 'echo first step for {} >/dev/null'
bare_end=$(date +%s%N)

printf 'diagnosis burst: %d incidents, %d workers, %d concurrent clients, load average %s\n' "$N" "$WORKERS" "$PAR" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '  ingested (all 2xx) in  %6.2f s\n' "$(echo "($ingested - $start) / 1000000000" | bc -l)"
printf '  all diagnosed in       %6.2f s  (%d steps, %d not exit 0)\n' "$(echo "($finished - $start) / 1000000000" | bc -l)" "$done_steps" "$failed"
printf '  max step processes     %6d    (sampled from /proc; bound %d)\n' "$maxprocs" "$WORKERS"
printf '  server peak memory     %6.1f MiB (VmHWM)\n' "$(echo "$hwm / 1024" | bc -l)"
printf '  steps per second       %8.1f  (all steps / time to all diagnosed)\n' "$(echo "$done_steps * 1000000000 / ($finished - $start)" | bc -l)"
printf '  bare process starts/s  %8.1f  (%d sh -c, %d at a time, same run)\n' "$(echo "$want * 1000000000 / ($bare_end - $bare_start)" | bc -l)" "$want" "$WORKERS"

status=0
if [ "$maxprocs" -gt "$WORKERS" ]; then
	echo "FAIL: $maxprocs step processes at once, more than the $WORKERS workers"
	status=1
fi
if [ "$failed" -ne 0 ]; then
	echo "FAIL: $failed steps did not exit 0"
	status=1
fi
exit $status
