#!/usr/bin/env bash
# bench/run.sh — quench's ingest figures against a real Alertmanager, in one run.
#
#   bench/run.sh            30 s per phase
#   bench/run.sh -q         quick mode: 5 s per phase, for trying things
#
# Environment:
#   BENCH_DURATION=30s          measured time per phase (-q sets 5s)
#   BENCH_PG=postgres://…       also run phase (e) on PostgreSQL, in a fresh
#                               database created and dropped by this script
#   BENCH_BATCH_CLIENTS=8       clients for the 100-alert phases (a), (b), (e)
#   BENCH_SINGLE_CLIENTS=64     clients for the single-alert phases (c), (d)
#   BENCH_KEYS=1000             distinct fingerprints / label sets / dedup keys
#   BENCH_RESOLVED=0.1          fraction of alerts sent resolved
#   BENCH_RESULTS=bench/RESULTS.md   where the report goes ("-" for stdout only)
#   BENCH_PROFILE=1             also take a 10 s CPU profile of quench during (b)
#                               and (d), if the server exposes /debug/pprof
#
# Phases, all driven by bench/loadgen against loopback:
#   (a) peer:   Alertmanager POST /api/v2/alerts, 100 alerts/request
#   (b) quench: POST /ingest/alertmanager, 100 alerts/request over BENCH_KEYS fingerprints, SQLite
#   (c) peer:   Alertmanager POST /api/v2/alerts, single alerts from 64 clients
#   (d) quench: POST /v2/enqueue, single PagerDuty events from 64 clients, SQLite
#   (e) quench: as (b) on PostgreSQL (only with BENCH_PG)
set -euo pipefail

cd "$(dirname "$0")/.."
root=$(pwd)
duration=${BENCH_DURATION:-30s}
quick=""
if [[ ${1:-} == -q ]]; then
	duration=5s
	quick=" -q"
	shift
fi
if [[ $# -gt 0 ]]; then
	sed -n '2,/^set -euo/p' "$0" | sed '$d' >&2
	exit 2
fi
batch_clients=${BENCH_BATCH_CLIENTS:-8}
single_clients=${BENCH_SINGLE_CLIENTS:-64}
keys=${BENCH_KEYS:-1000}
resolved=${BENCH_RESOLVED:-0.1}
results=${BENCH_RESULTS:-$root/bench/RESULTS.md}
pg_shown=""
if [[ -n ${BENCH_PG:-} ]]; then
	pg_shown="BENCH_PG=$(sed -E 's#//([^:@/]*):[^@]*@#//\1:***@#' <<<"$BENCH_PG") "
fi
if [[ -n $quick ]]; then
	command="${pg_shown}bench/run.sh -q"
else
	command="${pg_shown}BENCH_DURATION=$duration bench/run.sh"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/quench-bench.XXXXXX")
pids=()
pgdb=""
cleanup() {
	local pid
	for pid in "${pids[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in "${pids[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	if [[ -n $pgdb ]]; then
		psql "$BENCH_PG" -qXc "DROP DATABASE IF EXISTS $pgdb WITH (FORCE)" >/dev/null 2>&1 || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { printf '%s\n' "$*" >&2; }

# free_port prints a loopback TCP port nobody listens on.
free_port() {
	local p
	for _ in $(seq 100); do
		p=$((20000 + RANDOM % 40000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return
		fi
	done
	log "no free port found"
	return 1
}

# wait_http URL: poll until URL answers 2xx, for up to 30 s.
wait_http() {
	local deadline=$((SECONDS + 30))
	until curl -fsS -o /dev/null "$1" 2>/dev/null; do
		if ((SECONDS > deadline)); then
			log "timed out waiting for $1"
			return 1
		fi
		sleep 0.1
	done
}

# peak_kb PID: the process's peak resident memory so far, in KiB.
peak_kb() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status"; }

# reset_peak PID: start a new peak-memory window (Linux clear_refs 5); when
# that is not allowed the figure stays the peak since the process started.
reset_peak() { echo 5 >"/proc/$1/clear_refs" 2>/dev/null || true; }

# load NAME ARGS…: run loadgen, keep its JSON line in $work/NAME.json.
load() {
	local name=$1
	shift
	log ""
	log "== ($name) $*"
	"$work/loadgen" -label "$name" -duration "$duration" -keys "$keys" -resolved "$resolved" "$@" >"$work/$name.json"
}

# profile NAME URL: a 10 s CPU profile of quench while a phase runs, when
# the server exposes net/http/pprof; prints the top functions.
profile() {
	[[ ${BENCH_PROFILE:-} == 1 ]] || return 0
	local name=$1 url=$2
	(
		sleep 2
		if curl -fsS -o "$work/$name.pprof" "$url/debug/pprof/profile?seconds=10" 2>/dev/null; then
			go tool pprof -top -nodecount=40 "$work/quench" "$work/$name.pprof" >"$work/$name.top" 2>&1 || true
			cp "$work/$name.pprof" "$root/bench/$name.pprof"
		else
			echo "the server exposes no /debug/pprof/profile" >"$work/$name.top"
		fi
	) &
	profiler=$!
}

field() { jq -r ".$2" "$work/$1.json"; }

log "building quench and loadgen"
go build -o "$work/quench" ./cmd/quench
go build -o "$work/loadgen" ./bench/loadgen

# --- the peer: a real Alertmanager, clustering off, a receiver that sends nothing
am_bin=$(command -v prometheus-alertmanager || command -v alertmanager || true)
if [[ -z $am_bin ]]; then
	log "prometheus-alertmanager is not installed (apt-get install prometheus-alertmanager)"
	exit 1
fi
am_port=$(free_port)
cat >"$work/alertmanager.yml" <<'EOF'
route:
  receiver: nowhere
  group_wait: 1h
  group_interval: 1h
  repeat_interval: 24h
receivers:
  - name: nowhere
EOF
"$am_bin" --config.file="$work/alertmanager.yml" --storage.path="$work/am" \
	--web.listen-address="127.0.0.1:$am_port" --cluster.listen-address= \
	--log.level=warn >"$work/alertmanager.log" 2>&1 &
am_pid=$!
pids+=("$am_pid")
am_url="http://127.0.0.1:$am_port"
wait_http "$am_url/-/ready"

# start_quench NAME DATA [--db DSN]: token, then server; sets q_pid, q_url, q_token.
start_quench() {
	local name=$1 data=$2
	shift 2
	q_token=$("$work/quench" token create --role ingest --name "bench-$name" --data "$data" "$@" | tail -n1 | tr -d '[:space:]')
	if [[ -z $q_token ]]; then
		log "quench token create printed no token"
		return 1
	fi
	local port
	port=$(free_port)
	"$work/quench" serve --data "$data" --listen "127.0.0.1:$port" --runbooks "$root/runbooks" "$@" \
		>"$work/quench-$name.log" 2>&1 &
	q_pid=$!
	pids+=("$q_pid")
	q_url="http://127.0.0.1:$port"
	if ! wait_http "$q_url/readyz"; then
		tail -n 20 "$work/quench-$name.log" >&2
		return 1
	fi
}

start_quench sqlite "$work/data"
sqlite_pid=$q_pid

# (a) and (b): batches of 100.
load a -url "$am_url" -mode am-api -batch 100 -clients "$batch_clients"
am_peak_a=$(peak_kb "$am_pid")
reset_peak "$sqlite_pid"
profiler=""
profile b "$q_url"
load b -url "$q_url" -mode alertmanager-webhook -token "$q_token" -batch 100 -clients "$batch_clients"
[[ -z $profiler ]] || wait "$profiler"
q_peak_b=$(peak_kb "$sqlite_pid")

# (c) and (d): single alerts from many clients.
reset_peak "$am_pid"
load c -url "$am_url" -mode am-api -batch 1 -clients "$single_clients"
am_peak_c=$(peak_kb "$am_pid")
reset_peak "$sqlite_pid"
profiler=""
profile d "$q_url"
load d -url "$q_url" -mode pagerduty -token "$q_token" -clients "$single_clients"
[[ -z $profiler ]] || wait "$profiler"
q_peak_d=$(peak_kb "$sqlite_pid")
db_bytes=$(du -sb "$work/data" | cut -f1)

# (e): (b) on PostgreSQL, in a database of its own.
have_pg=""
if [[ -n ${BENCH_PG:-} ]]; then
	pgdb="quench_bench_$$_$RANDOM"
	psql "$BENCH_PG" -qXc "CREATE DATABASE $pgdb" >/dev/null
	pg_dsn=$(sed -E "s#^(postgres(ql)?://[^/]*)/[^?]*#\1/$pgdb#" <<<"$BENCH_PG")
	start_quench postgres "$work/data-pg" --db "$pg_dsn"
	pg_pid=$q_pid
	reset_peak "$pg_pid"
	load e -url "$q_url" -mode alertmanager-webhook -token "$q_token" -batch 100 -clients "$batch_clients"
	q_peak_e=$(peak_kb "$pg_pid")
	have_pg=1
fi

# --- the report
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.0f MiB", k / 1024 }'; }
row() {
	local n=$1 what=$2
	printf '| (%s) | %s | %s | %s | %s | %s | %s | %s |\n' "$n" "$what" \
		"$(field "$n" clients)" "$(printf '%.0f' "$(field "$n" alerts_per_s)")" \
		"$(field "$n" p50_ms)" "$(field "$n" p99_ms)" "$(field "$n" ok)" \
		"$(jq -r '.errors | to_entries | map("\(.key): \(.value)") | join(", ") | if . == "" then "0" else . end' "$work/$n.json")"
}
ratio_b=$(ratio "$(field b alerts_per_s)" "$(field a alerts_per_s)")
ratio_d=$(ratio "$(field d alerts_per_s)" "$(field c alerts_per_s)")
verdict_b=$(awk -v r="$ratio_b" 'BEGIN { print (r >= 1.0 ? "met" : "NOT met") }')
verdict_d=$(awk -v r="$(field d alerts_per_s)" -v p="$(field d p99_ms)" 'BEGIN { print (r >= 10000 && p < 25 ? "met" : "NOT met") }')

report=$(
	cat <<EOF
# quench ingest benchmark

- date: $(date -u '+%Y-%m-%d %H:%M UTC')
- machine: $(nproc) cores, $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo), $(awk '/^MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo) RAM; load generator on the same machine
- command: \`$command\`
- quench $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD -- 2>/dev/null || echo ' (with uncommitted changes)'), $(go version | awk '{print $3}'), $("$am_bin" --version 2>&1 | head -n1)
- each phase: $duration measured, $keys distinct keys, ${resolved} of alerts resolved; latency is per request, 2xx only

| phase | what | clients | alerts/s | p50 ms | p99 ms | ok requests | errors |
|---|---|---|---|---|---|---|---|
$(row a "peer: Alertmanager /api/v2/alerts, 100 alerts/request")
$(row b "quench /ingest/alertmanager, 100 alerts/request, SQLite")
$(row c "peer: Alertmanager /api/v2/alerts, 1 alert/request")
$(row d "quench /v2/enqueue (PagerDuty), 1 event/request, SQLite")
$([[ -z $have_pg ]] || row e "quench /ingest/alertmanager, 100 alerts/request, PostgreSQL")

- (b)/(a), quench webhook vs peer, batches of 100: **$ratio_b** (target ≥ 1.0: $verdict_b)
- (d)/(c), quench PagerDuty vs peer, single alerts: **$ratio_d**; (d) target ≥ 10,000 events/s and p99 < 25 ms: $verdict_d
- quench peak memory (VmHWM): $(mib "$q_peak_b") during (b), $(mib "$q_peak_d") during (d)$([[ -z $have_pg ]] || echo ", $(mib "$q_peak_e") during (e) (PostgreSQL server)")
- peer peak memory (VmHWM): $(mib "$am_peak_a") during (a), $(mib "$am_peak_c") during (c)
- SQLite data dir after (b) and (d): $(awk -v b="$db_bytes" 'BEGIN { printf "%.0f MiB", b / 1048576 }')
$([[ -n $have_pg ]] || echo "- (e) PostgreSQL: not run (set BENCH_PG=postgres://…)")
EOF
)
for n in b d; do
	if [[ -f $work/$n.top ]]; then
		report+=$'\n\n'"CPU profile of quench during ($n), 10 s (\`go tool pprof -top\`):"$'\n\n```\n'"$(head -n 50 "$work/$n.top")"$'\n```'
	fi
done

log ""
printf '%s\n' "$report"
if [[ $results != - ]]; then
	printf '%s\n' "$report" >"$results"
	log ""
	log "written to $results"
fi
