# Move every dead-lettered job back to the work queue.
n=$(docker compose exec -T redis redis-cli LLEN queue:dead_letter)
for _ in $(seq 1 "$n"); do
  docker compose exec -T redis redis-cli RPOPLPUSH queue:dead_letter queue:jobs >/dev/null
done
echo "requeued $n jobs"
