#!/usr/bin/env bash
# bench/lint-corpus.sh — how long `quench lint` takes, on the reference pack
# and on a generated corpus of runbooks with ten steps each.
#
#   bench/lint-corpus.sh          1,000 generated runbooks
#   bench/lint-corpus.sh 5000     another corpus size
#
# The corpus has the shape of markdown/bench_test.go's BenchmarkLintCorpus
# (three diagnosis, five remediation, two rollback steps, two match
# expressions, a link per runbook, a current README index) and must lint
# clean, so the time covers every check. Uses hyperfine, installing it with
# apt-get when it is missing and this runs as root (and saying so);
# otherwise a loop under `time`. The budget for the shipped pack is 50 ms.
set -euo pipefail

cd "$(dirname "$0")/.."
n=${1:-1000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

go build -o "$work/quench" ./cmd/quench
quench=$work/quench
corpus=$work/runbooks
mkdir -p "$corpus"

cat >"$corpus/pack.yaml" <<'EOF'
categories: [Infrastructure & Services, Application & Jobs, External Integrations, Backup & Recovery]
roles:
  - {id: oncall-ops, name: On-call Engineer (Ops)}
  - {id: backend-lead, name: Backend Lead}
first_steps:
  - name: health
    title: Check overall health
    command: set -o pipefail; curl -fsS https://api.example.com/healthz | jq
EOF

cats=("Infrastructure & Services" "Application & Jobs" "External Integrations" "Backup & Recovery")
sevs=(critical high medium low)
fence='```'
for ((i = 1; i <= n; i++)); do
	next=$((i % n + 1))
	printf -v id 'rb-%04d' "$i"
	printf -v nextid 'rb-%04d' "$next"
	cat="${cats[i % 4]}"
	sev="${sevs[i % 4]}"
	printf '%s' "---
id: $id
title: Generated Runbook $i
category: $cat
severity: $sev
signal: \"Synthetic signal $i, \`healthy: false\`\"
order: $i
match:
  - labels.alertname == \"Synthetic$i\"
  - source == \"check\" && check == \"synthetic-$i\" && body.healthy == false
escalation: [oncall-ops, backend-lead]
---
# Generated Runbook $i

## Alert signal

The synthetic check $i fails; see [the next runbook](./$nextid.md).

## Quick diagnosis

1. Check the containers:
   ${fence}sh
   set -o pipefail
   docker compose ps
   docker compose logs --tail=200 api | grep -i error
   $fence
2. Check health:
   ${fence}sh {\"timeout\": \"20s\"}
   set -o pipefail
   curl -fsS https://api.example.com/healthz | jq .
   $fence
3. Check the disk:
   ${fence}sh
   df -h /var/lib/docker
   $fence

## Likely causes

- A bad deploy.
- The database is down.

## Safe remediation steps

1. Restart the API.
   ${fence}sh {\"confirm\": true, \"name\": \"restart-api\"}
   docker compose restart api
   $fence
2. Check it answers.
   ${fence}sh
   curl -fsS https://api.example.com/readyz
   $fence
3. Restart Redis.
   ${fence}sh {\"confirm\": true}
   docker compose restart redis
   $fence
4. Look at the logs again.
   ${fence}sh
   docker compose logs --tail=50 api
   $fence
5. Clear the failed jobs.
   ${fence}sh {\"confirm\": true, \"target\": \"db-host\"}
   PGCONNECT_TIMEOUT=5 PGOPTIONS='-c statement_timeout=10s -c lock_timeout=1s' timeout 20 psql -U app -c \"DELETE FROM jobs WHERE state = 'failed'\"
   $fence

## Rollback/restore pointers

${fence}sh {\"confirm\": true}
cd /opt/app && git reset --hard HEAD~1
$fence

${fence}sh {\"confirm\": true}
./ops/deploy.sh
$fence

## Escalation roles

On-call first, then the backend lead.
" >"$corpus/$id.md"
done
printf '# Runbooks\n\n<!-- quench:index:begin -->\n<!-- quench:index:end -->\n' >"$corpus/README.md"
"$quench" index "$corpus" 2>/dev/null
"$quench" lint "$corpus" >/dev/null || { echo "the generated corpus does not lint clean:"; "$quench" lint "$corpus" | head; exit 1; }

if ! command -v hyperfine >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
	echo "hyperfine is not installed: installing it with apt-get"
	apt-get install -y -qq hyperfine >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq hyperfine >/dev/null; } ||
		echo "could not install hyperfine; timing with a loop instead"
fi

echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
if command -v hyperfine >/dev/null; then
	if [ -d runbooks ]; then
		hyperfine -N --warmup 3 --runs 30 -i "$quench lint runbooks"
	fi
	hyperfine -N --warmup 2 --runs 10 "$quench lint $corpus"
else
	runs=10
	if [ -d runbooks ]; then
		echo "quench lint runbooks, $runs runs:"
		time (for ((r = 0; r < runs; r++)); do "$quench" lint runbooks >/dev/null || true; done)
	fi
	echo "quench lint on $n runbooks, $runs runs:"
	time (for ((r = 0; r < runs; r++)); do "$quench" lint "$corpus" >/dev/null; done)
fi
