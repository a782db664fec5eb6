set -euo pipefail
cd /opt/cleaning
git fetch --all --prune
git log --oneline -10
git reset --hard "${QUENCH_LAST_GOOD_SHA:?no last good deploy}"
docker compose up -d --build api
