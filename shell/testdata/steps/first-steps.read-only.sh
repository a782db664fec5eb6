# Common first steps for any incident.
curl -fsS https://api.panidobro.com/healthz | jq
curl -fsS https://api.panidobro.com/readyz | jq
cd /opt/cleaning
git log --oneline -10
docker compose logs --tail=500 api
docker compose logs --tail=500 db
docker compose logs --tail=500 redis
docker compose ps
docker stats --no-stream
