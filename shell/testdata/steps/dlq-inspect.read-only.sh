# How big is the dead-letter queue, and what failed last?
docker compose exec -T redis redis-cli LLEN queue:dead_letter
docker compose exec -T redis redis-cli LRANGE queue:dead_letter 0 4 \
  | jq -r '.job + " " + .error' 2>/dev/null || true
docker compose exec -T db psql -U app -d app -At -c "
  SELECT job_name, count(*), max(failed_at)
  FROM dead_letter_jobs
  WHERE failed_at > now() - interval '24 hours'
  GROUP BY job_name
  ORDER BY count(*) DESC
  LIMIT 10"
