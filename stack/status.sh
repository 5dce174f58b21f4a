#!/usr/bin/env bash
# What runs: one line per process of the stack (name, pid, RSS MB), then the endpoints' HTTP status.
set -uo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

group_rss() {  # RSS (MB) of a process group
    ps -o rss= -g "$1" 2>/dev/null | awk '{ s += $1 } END { printf "%d", s / 1024 }'
}
total=0
printf '%-22s %-8s %8s\n' NAME PID RSS_MB
for name in mariadb rabbitmq epmd registry keystone glance placement neutron nova-api nova-conductor \
            nova-scheduler nova-serialproxy nova-compute-1 nova-compute-2 horizon; do
    if pid=$(pid_alive "$name"); then
        rss=$(group_rss "$pid"); total=$((total + rss))
        printf '%-22s %-8s %8s\n' "$name" "$pid" "$rss"
    else
        printf '%-22s %-8s %8s\n' "$name" "-" "-"
    fi
done
for name in docker-host-1 docker-host-2; do
    pidf="$STACK_DIR/docker/$name/dockerd.pid"
    if [ -f "$pidf" ] && pid=$(cat "$pidf") && [ -d "/proc/$pid" ]; then
        rss=$(ps -o rss= -p "$pid" --ppid "$pid" | awk '{ s += $1 } END { printf "%d", s / 1024 }')
        total=$((total + rss))
        printf '%-22s %-8s %8s\n' "dockerd:$name" "$pid" "$rss"
    else
        printf '%-22s %-8s %8s\n' "dockerd:$name" "-" "-"
    fi
done
printf '%-22s %-8s %8s\n' total "" "$total"
echo
for url in http://127.0.0.1:5000/v3 http://127.0.0.1:9292/versions http://127.0.0.1:8778/ http://127.0.0.1:8774/ \
           http://127.0.0.1:9696/ http://127.0.0.1:5001/v2/ http://127.0.0.1:8000/auth/login/ http://127.0.0.1:6083/; do
    printf '%-40s %s\n' "$url" "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$url")"
done
