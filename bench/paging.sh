#!/usr/bin/env bash
# paging.sh: the paging figures of issue 9, each against a webhook
# receiver on loopback that verifies quench's signature and logs arrivals:
#   1. lateness: N (default 10000) open, unacknowledged incidents whose next
#      step is due at the same instant; p50/p99/max of (arrival - due) over
#      every step notification, and the process's heap and peak RSS
#      (the receiver runs in a process of its own);
#   2. outage: the receiver answers 503 for 10 minutes of injected time
#      while OUTAGE_N incidents page; after it recovers every page must
#      arrive exactly once;
#   3. crash: TestPagingCrashStorm SIGKILLs `quench serve` in a storm of
#      1,000 pages and restarts it: none may be lost; duplicates reported.
# DB=postgres://… runs 1 and 2 on PostgreSQL (3 runs on both when
# QUENCH_TEST_POSTGRES is set). The load average is printed beside the
# figures: on a shared machine it explains a bad run.
#
#   bench/paging.sh
#   N=2000 OUTAGE_N=100 bench/paging.sh
set -euo pipefail
cd "$(dirname "$0")/.."

N=${N:-10000}
OUTAGE_N=${OUTAGE_N:-200}
DB=${DB:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

go build -o "$tmp/pagingbench" ./bench/paging
echo "commit $(git rev-parse --short HEAD), $(nproc) CPUs, load before: $(cut -d' ' -f1-3 /proc/loadavg)"

echo "== lateness: $N incidents escalating at once"
"$tmp/pagingbench" -mode lateness -n "$N" ${DB:+-db "$DB"}
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"

echo "== outage: 503 for 10 minutes of injected time, $OUTAGE_N incidents"
"$tmp/pagingbench" -mode outage -n "$OUTAGE_N" ${DB:+-db "$DB"}
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"

echo "== crash: SIGKILL during a storm of 1,000 pages"
go test -count=1 -run 'TestPagingCrashStorm' -v ./cmd/quench 2>&1 | grep -E 'storm of|--- (PASS|FAIL|SKIP)|^(ok|FAIL)'
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
