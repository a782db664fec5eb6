cd /opt/cleaning
git log --oneline -3
./ops/deploy.sh
