#!/bin/bash
# A stand-in for docker and docker compose in quench's tests. Commands meant
# to run in a compose service's container (docker compose exec SERVICE CMD)
# run on this machine instead, against the test's own PostgreSQL and Redis;
# ps, logs, inspect and stats answer from the stack's state directory; what
# would change containers is recorded in calls.log and changes only that
# state. Written by throwaway.StartStack with the values below filled in.
set -u
STATE=@STATE@
CONTAINER_BIN=@CONTAINER_BIN@
PGHOST_DIR=@PGHOST@
PGPORT_NUM=@PGPORT@
SERVICES="api db redis"

echo "docker $*" >>"$STATE/calls.log"

known() {
	case " $SERVICES " in *" $1 "*) return 0 ;; esac
	echo "no such service: $1" >&2
	exit 1
}

running() { [ ! -e "$STATE/stopped-$1" ]; }

container_id() { echo "fake${1}0000000001"; }

compose_exec() {
	local envs=()
	while [ $# -gt 0 ]; do
		case $1 in
		-T | -d | --detach | --privileged | -i | --interactive | -t | --tty | --no-TTY) shift ;;
		-e | --env)
			case $2 in *=*) envs+=("$2") ;; *) envs+=("$2=${!2-}") ;; esac
			shift 2
			;;
		--env=*) envs+=("${1#--env=}"); shift ;;
		-u | --user | -w | --workdir | --index) shift 2 ;;
		-*) echo "fake docker: compose exec option $1 is not faked" >&2; exit 125 ;;
		*) break ;;
		esac
	done
	local service=$1
	shift
	known "$service"
	if ! running "$service"; then
		echo "service \"$service\" is not running" >&2
		exit 1
	fi
	exec env PGHOST="$PGHOST_DIR" PGPORT="$PGPORT_NUM" PATH="$CONTAINER_BIN:$PATH" "${envs[@]}" "$@"
}

compose_ps() {
	local quiet= services=()
	while [ $# -gt 0 ]; do
		case $1 in
		--quiet) quiet=1 ;;
		--all) ;;
		--format) shift ;;
		--*) ;;
		-*q*) quiet=1 ;; # -q, and clustered: -aq, -qa
		-*) ;;
		*) known "$1"; services+=("$1") ;;
		esac
		shift
	done
	[ ${#services[@]} -gt 0 ] || services=($SERVICES)
	[ -n "$quiet" ] || printf '%-16s %-10s %-22s\n' NAME SERVICE STATUS
	for s in "${services[@]}"; do
		if [ -n "$quiet" ]; then
			container_id "$s"
		elif running "$s"; then
			printf '%-16s %-10s %-22s\n' "app-$s-1" "$s" "Up 2 hours"
		else
			printf '%-16s %-10s %-22s\n' "app-$s-1" "$s" "Exited (1) 3 minutes ago"
		fi
	done
}

compose_logs() {
	local prefix=1 tail= services=()
	while [ $# -gt 0 ]; do
		case $1 in
		--no-log-prefix) prefix= ;;
		--tail | -n) tail=$2; shift ;;
		--tail=*) tail=${1#--tail=} ;;
		--since | --until) shift ;;
		-*) ;;
		*) known "$1"; services+=("$1") ;;
		esac
		shift
	done
	[ ${#services[@]} -gt 0 ] || services=($SERVICES)
	for s in "${services[@]}"; do
		local f="$STATE/logs/$s.log"
		[ -e "$f" ] || continue
		if [ -n "$tail" ]; then tail -n "$tail" "$f"; else cat "$f"; fi |
			if [ -n "$prefix" ]; then sed "s/^/app-$s-1  | /"; else cat; fi
	done
}

compose() {
	while [ $# -gt 0 ]; do
		case $1 in
		-f | --file | -p | --project-name | --project-directory | --env-file | --profile | --ansi | --progress) shift 2 ;;
		-*) shift ;;
		*) break ;;
		esac
	done
	local sub=${1-}
	shift
	case $sub in
	exec) compose_exec "$@" ;;
	ps) compose_ps "$@" ;;
	logs) compose_logs "$@" ;;
	restart | start | stop | up | down)
		for a in "$@"; do
			case $a in -*) ;; *) known "$a" 2>/dev/null && case $sub in stop | down) touch "$STATE/stopped-$a" ;; *) rm -f "$STATE/stopped-$a" ;; esac ;; esac
		done
		echo "fake docker: compose $sub $*"
		;;
	*) echo "fake docker: compose $sub is not faked" >&2; exit 125 ;;
	esac
}

inspect() {
	local format= ids=()
	while [ $# -gt 0 ]; do
		case $1 in
		-f | --format) format=$2; shift ;;
		--format=*) format=${1#--format=} ;;
		--) shift; ids+=("$@"); break ;;
		-*) ;;
		*) ids+=("$1") ;;
		esac
		shift
	done
	if [ ${#ids[@]} -eq 0 ]; then
		echo '"docker inspect" requires at least 1 argument.' >&2
		exit 1
	fi
	local sep="[" s
	for id in "${ids[@]}"; do
		s=${id#fake}
		s=${s%0000000001}
		known "$s" >/dev/null
		if [ -n "$format" ]; then
			case $format in *Config.Env*) cat "$STATE/env/$s" ;; *) echo "fake docker: inspect --format $format is not faked" >&2; exit 125 ;; esac
			continue
		fi
		local status=running code=0
		running "$s" || { status=exited; code=1; }
		printf '%s{"Name":"/app-%s-1","RestartCount":0,"State":{"Status":"%s","Restarting":false,"OOMKilled":false,"ExitCode":%d,"Error":"","StartedAt":"2026-11-30T01:00:00Z","FinishedAt":"0001-01-01T00:00:00Z"}}' "$sep" "$s" "$status" "$code"
		sep=","
	done
	[ -n "$format" ] || echo "]"
}

case ${1-} in
compose) shift; compose "$@" ;;
exec) echo "fake docker: docker exec is not faked; use docker compose exec" >&2; exit 125 ;;
inspect) shift; inspect "$@" ;;
stats)
	printf '%-14s %-16s %-8s %-22s %-6s\n' "CONTAINER ID" NAME "CPU %" "MEM USAGE / LIMIT" "MEM %"
	for s in $SERVICES; do
		running "$s" && printf '%-14s %-16s %-8s %-22s %-6s\n' "$(container_id "$s" | cut -c1-12)" "app-$s-1" "1.50%" "120MiB / 1GiB" "11.7%"
	done
	;;
system) printf 'TYPE            TOTAL     ACTIVE    SIZE      RECLAIMABLE\nImages          4         3         1.2GB     300MB (25%%)\nBuild Cache     10        0         500MB     500MB\n' ;;
builder | image) echo "fake docker: $*" ;;
*) echo "fake docker: docker ${1-} is not faked" >&2; exit 125 ;;
esac
