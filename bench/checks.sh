#!/usr/bin/env bash
# checks.sh: the check figures of issue 10, quench and its peer Gatus in the
# same run, one after the other, against the same local HTTP target (which
# counts the requests of each, so the checks run are counted, not assumed):
#   1. N HTTP checks every 10 s (N = 1,000 and 10,000): CPU per check run
#      (user+system time of the process over the window / requests the
#      target saw from it) and RSS (at the end, and the peak);
#   2. detection: interval 1 s, threshold 1, the target flips to failing:
#      time from the failing response to the incident's commit (median, p99).
# The load average is printed beside the figures: on a shared machine it
# explains a bad run. Gatus comes from ../shared/peers (see its README).
#
#   bench/checks.sh
#   SIZES="1000" WINDOW=30 bench/checks.sh
set -euo pipefail
cd "$(dirname "$0")/.."

SIZES=${SIZES:-"1000 10000"}
WARMUP=${WARMUP:-25}   # seconds before measuring: every check has started
WINDOW=${WINDOW:-60}   # seconds measured
GATUS_WARMUP=${GATUS_WARMUP:-120} # Gatus staggers its endpoints' first runs
FLIPS=${FLIPS:-30}
GATUS=${GATUS:-1}     # 0 measures quench alone
PEERS=${PEERS:-/work/shared/peers}   # ../shared/peers from /work/main
TARGET=127.0.0.1:18480
tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$tmp"; }
trap cleanup EXIT

go build -o "$tmp/quench" ./cmd/quench
go build -o "$tmp/checksbench" ./bench/checks
xz -dc "$PEERS"/gatus-*.xz > "$tmp/gatus" && chmod +x "$tmp/gatus"
echo "commit $(git rev-parse --short HEAD), $(nproc) CPUs, load before: $(cut -d' ' -f1-3 /proc/loadavg)"

"$tmp/checksbench" -mode target -addr "$TARGET" & pids+=($!)
sleep 1
tck=$(getconf CLK_TCK)

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hits() { curl -fsS "http://$TARGET/_hits" | python3 -c "import json,sys; print(json.load(sys.stdin).get('$1', 0))"; }
rss_kb() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }

# measure NAME PID PREFIX N WARMUP: CPU per check and RSS of PID over WINDOW.
measure() {
	local name=$1 pid=$2 prefix=$3 n=$4
	sleep "$5"
	local c0 h0 c1 h1 t0 t1
	h0=$(hits "$prefix"); c0=$(cpu_ticks "$pid"); t0=$(date +%s.%N)
	sleep "$WINDOW"
	h1=$(hits "$prefix"); c1=$(cpu_ticks "$pid"); t1=$(date +%s.%N)
	python3 - "$name" "$n" "$c0" "$c1" "$h0" "$h1" "$tck" "$(echo "$t1 - $t0" | bc)" "$(rss_kb "$pid" VmRSS)" "$(rss_kb "$pid" VmHWM)" <<'PY'
import sys
name, n, c0, c1, h0, h1, tck, window, rss, hwm = sys.argv[1:]
n, window = int(n), float(window)
cpu = (int(c1) - int(c0)) / int(tck)
runs = int(h1) - int(h0)
per = cpu / runs * 1e6 if runs else float("nan")
print(f"{name:7s} {n:6d} checks/10s: {runs} checks run in {window:.0f}s (expected {n * window / 10:.0f}), "
      f"CPU {cpu:.2f}s = {100 * cpu / window:.1f}% of a core, {per:.0f} µs per check; RSS {int(rss) / 1024:.0f} MB (peak {int(hwm) / 1024:.0f} MB)")
PY
}

for n in $SIZES; do
	echo "== $n HTTP checks every 10 s (warm-up ${WARMUP}s, Gatus ${GATUS_WARMUP}s; window ${WINDOW}s)"
	# quench: SQLite in a fresh data directory, the shipped runbooks.
	awk -v n="$n" -v t="$TARGET" 'BEGIN {
		print "checks:"
		for (i = 0; i < n; i++) printf "  - name: c%d\n    interval: 10s\n    http:\n      url: http://%s/q/%d\n", i, t, i
	}' > "$tmp/quench.yaml"
	rm -rf "$tmp/data"
	"$tmp/quench" serve --config "$tmp/quench.yaml" --data "$tmp/data" --listen 127.0.0.1:18481 --runbooks ./runbooks 2> "$tmp/quench.log" & qpid=$!
	pids+=("$qpid")
	measure quench "$qpid" q "$n" "$WARMUP"
	kill "$qpid"; wait "$qpid" 2>/dev/null || true
	echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"

	[ "$GATUS" = 1 ] || continue
	# Gatus: memory storage, the same target, one condition on the status.
	awk -v n="$n" -v t="$TARGET" 'BEGIN {
		print "storage:\n  type: memory\nweb:\n  address: 127.0.0.1\n  port: 18482\nendpoints:"
		for (i = 0; i < n; i++) printf "  - name: g%d\n    url: \"http://%s/g/%d\"\n    interval: 10s\n    conditions:\n      - \"[STATUS] == 200\"\n", i, t, i
	}' > "$tmp/gatus.yaml"
	GATUS_CONFIG_PATH="$tmp/gatus.yaml" "$tmp/gatus" > "$tmp/gatus.log" 2>&1 & gpid=$!
	pids+=("$gpid")
	measure gatus "$gpid" g "$n" "$GATUS_WARMUP"
	kill "$gpid"; wait "$gpid" 2>/dev/null || true
	echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
done

echo "== detection"
"$tmp/checksbench" -mode detect -n "$FLIPS"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
