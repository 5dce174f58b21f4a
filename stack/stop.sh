#!/usr/bin/env bash
# Stop everything stack/run.sh started (by pidfile only), newest first. State stays; see README for a reset.
set -uo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
take_lock

for name in horizon nova-serialproxy nova-compute-1 nova-compute-2 nova-scheduler nova-conductor nova-api neutron placement \
            glance keystone registry; do
    stop_proc "$name" 20 &
done
wait
for name in docker-host-1 docker-host-2; do
    if [ -f "$STACK_DIR/docker/$name/dockerd.pid" ]; then
        "$PY" "$REPO/tools/dockerd.py" stop "$name" "$STACK_DIR/docker/$name" && log "stopped dockerd $name" &
    fi
done
stop_proc rabbitmq 60 &
stop_proc mariadb 60 &
wait
stop_proc epmd 10   # only present when run.sh started it
leftover=$(ls "$RUN_DIR"/*.pid 2>/dev/null || true)
[ -z "$leftover" ] || log "pidfiles left: $leftover"
log "stack stopped"
