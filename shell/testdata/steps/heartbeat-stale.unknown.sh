last=$(docker compose exec -T redis redis-cli GET scheduler:heartbeat)
now=$(date +%s)
age=$(( now - ${last:-0} ))
if [ "$age" -gt 300 ]; then
  echo "scheduler heartbeat is ${age}s old"
  docker compose logs --since 30m api | grep -i schedul | tail -n 50
else
  echo "scheduler heartbeat ok (${age}s)"
fi
