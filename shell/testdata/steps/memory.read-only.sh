free -m
vmstat 1 5
ps aux --sort=-%mem | head -15
dmesg -T | grep -iE 'out of memory|oom-kill' | tail -20
docker stats --no-stream --format 'table {{.Name}}\t{{.MemUsage}}\t{{.CPUPerc}}'
docker inspect --format '{{.Name}} oom={{.State.OOMKilled}} restarts={{.RestartCount}}' $(docker compose ps -q)
