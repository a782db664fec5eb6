#!/usr/bin/env bash
# bench/safety.sh — the safety gate's figures (bench/RESULTS-safety.md):
#   1. the sandbox's cost per step: the same step run without it, through
#      the launcher quench serve uses, and through a child of its own, in
#      turn in one run (BenchmarkSandboxCost, with a built quench as the
#      sandbox child);
#   2. incident commit → first diagnosis command running, at 5 and 20
#      incidents/s, with the sandbox and without it in the same run
#      (runner's BenchmarkDiagnosisStartLatency; target p99 < 50 ms at 20/s);
#   3. `quench lint runbooks` wall time (hyperfine; budget 50 ms);
#   4. classifications per second over shell/testdata/corpus.
# It prints `uptime` before and after: on a shared machine the load moves
# every figure.
#
#   bench/safety.sh            400 steps / incidents per benchmark
#   N=100 bench/safety.sh
set -euo pipefail
cd "$(dirname "$0")/.."

N=${N:-400}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if ! command -v hyperfine >/dev/null; then
	if [ "$(id -u)" = 0 ]; then
		echo "installing hyperfine (apt-get)"
		apt-get install -y -qq hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine >/dev/null; }
	else
		echo "hyperfine is missing: apt-get install hyperfine" >&2
		exit 1
	fi
fi

go build -o "$tmp/q" ./cmd/quench
echo "== before: $(uptime)"

echo "== 1. sandbox cost per step (date +%s%N; plain / launcher / child per step)"
QUENCH_SANDBOX_EXE="$tmp/q" go test -run='^$' -bench=SandboxCost -benchtime="${N}x" ./sandbox |
	grep -E 'Benchmark|bench_test'

echo "== 2. incident commit -> first diagnosis command running"
go test -run='^$' -bench='DiagnosisStartLatency|ProcessStartBaseline' -benchtime="${N}x" ./runner |
	grep -E 'Benchmark|bench_test'

echo "== 3. quench lint runbooks"
hyperfine -N --warmup 3 --runs 40 "$tmp/q lint runbooks"

echo "== 4. classifications per second"
go test -run='^$' -bench='ClassifyCorpus' ./shell | grep -E 'Benchmark'

echo "== after: $(uptime)"
