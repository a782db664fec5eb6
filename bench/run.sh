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
#   BENCH_ROUNDS=1              repeat (a)-(d) this many times, alternating peer and
#                               quench, and judge by the median: on a shared
#                               machine one round can catch a neighbour's burst
#   BENCH_KEYS=1000             distinct fingerprints / label sets / dedup keys
#   BENCH_RESOLVED=0.1          fraction of alerts sent resolved
#   BENCH_RESULTS=bench/RESULTS.md   where the report goes ("-": stdout only)
#   BENCH_DIAGNOSIS=1           keep quench's automatic diagnosis on; by default
#                               the bench turns it off (diagnosis.auto: false),
#                               so the figures are ingest's, not the diagnosis
#                               commands' that every new incident would start
#   BENCH_PROFILE=1             also record quench with `perf record -g` for
#                               10 s during (b) and (d) and add the hottest
#                               functions to the report (needs perf)
#
# Phases, all driven by bench/loadgen against loopback:
#   (a) peer:   Alertmanager POST /api/v2/alerts, 100 alerts/request
#   (b) quench: POST /ingest/alertmanager, 100 alerts/request over BENCH_KEYS fingerprints, SQLite
#   (c) peer:   Alertmanager POST /api/v2/alerts, single alerts from 64 clients
#   (d) quench: POST /v2/enqueue, single PagerDuty events from 64 clients, SQLite
#   (e) quench: as (b) on PostgreSQL (only with BENCH_PG)
#
# Besides rates and latency, each phase records the target's CPU time per
# alert (from /proc/PID/stat) and its peak memory (VmHWM, reset before the
# phase): on a shared machine the CPU cost per alert is the steadier figure.
set -euo pipefail

cd "$(dirname "$0")/.."
root=$(pwd)
duration=${BENCH_DURATION:-30s}
quick=""
if [[ ${1:-} == -q ]]; then
	duration=5s
	quick=1
	shift
fi
if [[ $# -gt 0 ]]; then
	sed -n '2,/^set -euo/p' "$0" | sed '$d' >&2
	exit 2
fi
batch_clients=${BENCH_BATCH_CLIENTS:-8}
single_clients=${BENCH_SINGLE_CLIENTS:-64}
keys=${BENCH_KEYS:-1000}
rounds=${BENCH_ROUNDS:-1}
resolved=${BENCH_RESOLVED:-0.1}
results=${BENCH_RESULTS:-$root/bench/RESULTS.md}

# The command as run, for the report, with any password hidden.
command="bench/run.sh"
[[ -z $quick ]] || command+=" -q"
for v in BENCH_DURATION BENCH_ROUNDS BENCH_PG BENCH_BATCH_CLIENTS BENCH_SINGLE_CLIENTS BENCH_KEYS BENCH_RESOLVED BENCH_DIAGNOSIS BENCH_PROFILE; do
	if [[ -n ${!v:-} ]]; then
		command="$v=$(sed -E 's#//([^:@/]*):[^@]*@#//\1:***@#' <<<"${!v}") $command"
	fi
done

work=$(mktemp -d "${TMPDIR:-/tmp}/quench-bench.XXXXXX")
pids=()
pgdb=""
# alive PID: the process exists and is not a zombie waiting to be reaped.
alive() { [[ -e /proc/$1/stat && $(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) != Z ]]; }

cleanup() {
	local pid deadline
	for pid in "${pids[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	# A graceful stop gets 10 s; a server stuck in shutdown is killed, not
	# left running after the bench.
	deadline=$((SECONDS + 10))
	for pid in "${pids[@]}"; do
		while alive "$pid" && ((SECONDS < deadline)); do
			sleep 0.1
		done
		if alive "$pid"; then
			log "pid $pid ignored SIGTERM for 10 s; killing it"
			kill -KILL "$pid" 2>/dev/null || true
		fi
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
		# Below the kernel's ephemeral range (32768+ by default), where
		# the load generator's own connections take their ports.
		p=$((20000 + RANDOM % 12000))
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

# cpu_ticks PID: user+system CPU time the process has used, in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)

# phase NAME PID ARGS…: run loadgen against the process PID with ARGS and
# keep, in $work/NAME.*, its JSON summary, the process's CPU time and its
# peak memory during the phase.
phase() {
	local name=$1 pid=$2
	shift 2
	log ""
	log "== ($name) $(sed -E 's/(-token )[^ ]+/\1…/' <<<"$*")"
	# Start a new peak-memory window (Linux clear_refs 5); where that is
	# not allowed the figure is the peak since the process started.
	echo 5 >"/proc/$pid/clear_refs" 2>/dev/null || true
	local before prof=""
	before=$(cpu_ticks "$pid")
	if [[ ${BENCH_PROFILE:-} == 1 && $name =~ ^[bde](\.1)?$ ]]; then
		(sleep 2 && perf record -q -F 499 -g -p "$pid" -o "$work/$name.perf" -- sleep 10 >/dev/null 2>&1) &
		prof=$!
	fi
	"$work/loadgen" -label "$name" -duration "$duration" -keys "$keys" -resolved "$resolved" \
		-sync-probe "$work" "$@" >"$work/$name.json"
	if ! alive "$pid"; then
		log "the target (pid $pid) died during phase ($name); its log:"
		tail -n 30 "$work"/quench-*.log "$work/alertmanager.log" >&2 2>/dev/null || true
		exit 1
	fi
	if [[ $(jq -r .ok "$work/$name.json") == 0 ]]; then
		log "phase ($name): no request succeeded: $(jq -c .errors,.error_samples "$work/$name.json")"
		exit 1
	fi
	echo $(($(cpu_ticks "$pid") - before)) >"$work/$name.cpu"
	awk '/^VmHWM:/ {print $2}' "/proc/$pid/status" >"$work/$name.peak"
	if [[ -n $prof ]]; then
		wait "$prof" || true
		perf report -i "$work/$name.perf" --children --sort symbol -g none --stdio 2>/dev/null |
			grep -E '^ +[0-9]' | grep -vE 'gowrap|-fm |\.func[0-9]' |
			grep -E 'quench-sh/quench|net/http\.\(\*conn\)\.serve |regexp\.\(\*Regexp\)\.doExecute|sqlite\.\(\*conn\)\.prepareV2|_sqlite3VdbeExec|pgconn\.\(\*PgConn\)\.ExecStatement|runtime\.gcBgMarkWorker |runtime\.mallocgc |linux\.Syscall6 |encoding/json\.' |
			head -n 40 | awk '{ printf "%8s  %s\n", $1, $4 }' >"$work/$name.top" || true
	fi
}

field() { jq -r ".$2" "$work/$1.json"; }

if [[ ${BENCH_PROFILE:-} == 1 ]] && ! command -v perf >/dev/null; then
	log "BENCH_PROFILE=1 needs perf (apt-get install linux-perf)"
	exit 1
fi
log "building quench and loadgen"
# What was built: other people may commit while the bench runs.
built="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD -- . 2>/dev/null || echo ' plus uncommitted changes') (built $(date -u '+%H:%M UTC'))"
go build -o "$work/quench" ./cmd/quench
go build -o "$work/loadgen" ./bench/loadgen

# The disk's cost of one synced 4 KiB write right now: what a durable
# commit pays at least once.
sync_ms=$(dd if=/dev/zero of="$work/synctest" bs=4k count=200 oflag=dsync 2>&1 |
	awk '/copied/ {for (i = 1; i <= NF; i++) if ($i ~ /^s,?$/) printf "%.2f", $(i-1) * 1000 / 200}')
rm -f "$work/synctest"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

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

# quench's config: everything default but, unless BENCH_DIAGNOSIS=1, the
# automatic diagnosis, which would run the runbook's commands on this machine
# for every incident the churn of resolved alerts opens.
diagnosis=false
[[ ${BENCH_DIAGNOSIS:-} != 1 ]] || diagnosis=true
printf 'diagnosis:\n  auto: %s\n' "$diagnosis" >"$work/quench.yaml"

# start_quench NAME DATA [--db DSN]: token, then server; sets q_pid, q_url, q_token.
start_quench() {
	local name=$1 data=$2
	shift 2
	q_token=$("$work/quench" token create --role ingest --name "bench-$name" --data "$data" "$@" 2>/dev/null | tail -n1 | tr -d '[:space:]')
	if [[ -z $q_token ]]; then
		log "quench token create printed no token"
		return 1
	fi
	local port
	port=$(free_port)
	"$work/quench" serve --config "$work/quench.yaml" --data "$data" --listen "127.0.0.1:$port" --runbooks "$root/runbooks" "$@" \
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
phases=()
for r in $(seq "$rounds"); do
	sfx=""
	((rounds == 1)) || sfx=".$r"
	phase "a$sfx" "$am_pid" -url "$am_url" -mode am-api -batch 100 -clients "$batch_clients"
	phase "b$sfx" "$q_pid" -url "$q_url" -mode alertmanager-webhook -token "$q_token" -batch 100 -clients "$batch_clients"
	phase "c$sfx" "$am_pid" -url "$am_url" -mode am-api -batch 1 -clients "$single_clients"
	phase "d$sfx" "$q_pid" -url "$q_url" -mode pagerduty -token "$q_token" -clients "$single_clients"
	phases+=("a$sfx" "b$sfx" "c$sfx" "d$sfx")
done
db_bytes=$(du -sb "$work/data" | cut -f1)

if [[ -n ${BENCH_PG:-} ]]; then
	# (e) in a database of its own, dropped on exit.
	pgdb="quench_bench_$$_$RANDOM"
	psql "$BENCH_PG" -qXc "CREATE DATABASE $pgdb" >/dev/null
	pg_dsn=$(sed -E "s#^(postgres(ql)?://[^/]*)/[^?]*#\1/$pgdb#" <<<"$BENCH_PG")
	start_quench postgres "$work/data-pg" --db "$pg_dsn"
	phase e "$q_pid" -url "$q_url" -mode alertmanager-webhook -token "$q_token" -batch 100 -clients "$batch_clients"
	phases+=(e)
fi
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# --- the report
declare -A what=(
	[a]="peer: Alertmanager /api/v2/alerts, 100 alerts/request"
	[b]="quench /ingest/alertmanager, 100 alerts/request, SQLite"
	[c]="peer: Alertmanager /api/v2/alerts, 1 alert/request"
	[d]="quench /v2/enqueue (PagerDuty), 1 event/request, SQLite"
	[e]="quench /ingest/alertmanager, 100 alerts/request, PostgreSQL"
)
row() {
	local n=$1 alerts cpu
	alerts=$(field "$n" alerts)
	cpu=$(cat "$work/$n.cpu")
	printf '| (%s) | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$n" "${what[${n:0:1}]}" \
		"$(field "$n" clients)" "$(printf '%.0f' "$(field "$n" alerts_per_s)")" \
		"$(field "$n" p50_ms)" "$(field "$n" p99_ms)" \
		"$(awk -v t="$cpu" -v hz="$hz" -v a="$alerts" 'BEGIN { if (a > 0) printf "%.0f", t / hz * 1e6 / a; else print "n/a" }')" \
		"$(awk -v t="$cpu" -v hz="$hz" -v s="$(field "$n" seconds)" 'BEGIN { printf "%.2f", t / hz / s }')" \
		"$(awk -v k="$(cat "$work/$n.peak")" 'BEGIN { printf "%.0f", k / 1024 }')" \
		"$(jq -r '.sync | if . == null then "n/a" else "\(.p50_ms) / \(.max_ms)" end' "$work/$n.json")" \
		"$(jq -r '.errors | to_entries | map("\(.key): \(.value)") | join(", ") | if . == "" then "0" else . end' "$work/$n.json")"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
# median of the arguments (the lower middle one for an even count)
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
ratios_b=() ratios_d=() rates_d=() p99s_d=()
for r in $(seq "$rounds"); do
	sfx=""
	((rounds == 1)) || sfx=".$r"
	ratios_b+=("$(ratio "$(field "b$sfx" alerts_per_s)" "$(field "a$sfx" alerts_per_s)")")
	ratios_d+=("$(ratio "$(field "d$sfx" alerts_per_s)" "$(field "c$sfx" alerts_per_s)")")
	rates_d+=("$(field "d$sfx" alerts_per_s)")
	p99s_d+=("$(field "d$sfx" p99_ms)")
done
ratio_b=$(median "${ratios_b[@]}")
ratio_d=$(median "${ratios_d[@]}")
rate_d=$(median "${rates_d[@]}")
p99_d=$(median "${p99s_d[@]}")
per_round=""
((rounds == 1)) || per_round=" (median of rounds: b/a ${ratios_b[*]}; d/c ${ratios_d[*]})"
verdict_b=$(awk -v r="$ratio_b" 'BEGIN { print (r >= 1.0 ? "met" : "NOT met") }')
verdict_d=$(awk -v r="$rate_d" -v p="$p99_d" 'BEGIN { print (r >= 10000 && p < 25 ? "met" : "NOT met") }')

report=$(
	cat <<EOF
# quench ingest benchmark

- date: $(date -u '+%Y-%m-%d %H:%M UTC')
- machine: $(nproc) cores, $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo), $(awk '/^MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo) RAM; the load generator runs on the same machine
- load average (1, 5, 15 min) before: $load_before, after: $load_after; one synced 4 KiB write (dd oflag=dsync): ${sync_ms} ms
- command: \`$command\`
- quench $built, $(go version | awk '{print $3}'); peer: $("$am_bin" --version 2>&1 | head -n1)
- each phase: $duration measured, $keys distinct keys, $resolved of alerts resolved; latency per request, 2xx only; quench's automatic diagnosis: $([[ $diagnosis == true ]] && echo on || echo off)

| phase | what | clients | alerts/s | p50 ms | p99 ms | CPU µs/alert | cores used | peak MiB | disk sync p50 / max ms | errors |
|---|---|---|---|---|---|---|---|---|---|---|
$(for n in "${phases[@]}"; do row "$n"; done)

- (b)/(a), quench webhook vs the peer, batches of 100: **$ratio_b** (target ≥ 1.0: $verdict_b)
- (d)/(c), quench PagerDuty vs the peer, single alerts: **$ratio_d**; (d): **$(printf '%.0f' "$rate_d") events/s, p99 $p99_d ms** (target ≥ 10,000 events/s and p99 < 25 ms: $verdict_d)$per_round
- "disk sync" is a 4 KiB write+fsync in the data dir's file system timed every 100 ms during the phase (in quench's phases it queues behind quench's own syncs): quench answers only after its commit's fsync, the peer never syncs, so a phase where a neighbour's I/O makes syncs slow (tens of ms and more) says more about the machine than about quench
- peak memory is VmHWM of the target process during the phase ("peak MiB"); the quench SQLite data dir after (b) and (d): $(awk -v b="$db_bytes" 'BEGIN { printf "%.0f MiB", b / 1048576 }')
$([[ -n ${BENCH_PG:-} ]] || echo "- (e) PostgreSQL: not run (set BENCH_PG=postgres://…)")
EOF
)
for n in "${phases[@]}"; do
	if [[ -s $work/$n.top ]]; then
		report+=$'\n\n'"Where quench's CPU goes during ($n): \`perf record -g\` for 10 s, share of the server's CPU samples spent in each function and its callees (the writer is \`sqldb.(*ingester).run\`):"$'\n\n```\n'"$(cat "$work/$n.top")"$'\n```'
	fi
done

log ""
printf '%s\n' "$report"
if [[ $results != - ]]; then
	printf '%s\n' "$report" >"$results"
	log ""
	log "written to $results"
fi
