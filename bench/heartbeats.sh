#!/usr/bin/env bash
# heartbeats.sh: how late a missed heartbeat's incident is committed after
# its deadline (period + grace), for 1, 100 and 1,000 heartbeats whose
# deadlines fall within three seconds, on the real SQLite store and alert
# pipeline (BenchmarkLateness in heartbeat/). Target: p99 at most 1 s.
#
#   bench/heartbeats.sh            # ROUNDS=3
#   ROUNDS=5 bench/heartbeats.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-3}
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
go test -run '^$' -bench 'BenchmarkLateness' -benchtime "${ROUNDS}x" ./heartbeat | grep -E '^(Benchmark|ok|FAIL)'
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
