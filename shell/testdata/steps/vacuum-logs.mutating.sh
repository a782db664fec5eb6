journalctl --vacuum-size=500M
find /var/log/app -name '*.gz' -mtime +7 -delete
docker builder prune -f
