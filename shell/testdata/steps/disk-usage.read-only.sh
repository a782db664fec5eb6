df -h / /var/lib/docker
du -xh --max-depth=1 /var/lib/docker 2>/dev/null | sort -rh | head -15
docker system df
find /var/lib/docker/containers -name '*-json.log' -size +100M -printf '%s %p\n' | sort -rn | head
journalctl --disk-usage
