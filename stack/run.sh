#!/usr/bin/env bash
# Bring up the local OpenStack (+ Docker hosts, registry, Horizon with docker_dashboard). Idempotent:
# re-running reuses the state dir, skips finished db syncs/seeding and starts only what is not running.
#
#   bash stack/run.sh                         state in .state/stack (or $STACK_DIR)
#   STACK_RESTART="horizon nova-compute-1" bash stack/run.sh   restart some processes (names: status.sh)
#   NOVA_DRIVER=fake|docker bash stack/run.sh  force the compute driver (default: docker when
#                                              nova_docker/cmd/compute.py exists, else nova's FakeDriver)
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
take_lock
. "$STACK_SRC/lib/infra.sh"
. "$STACK_SRC/lib/openstack.sh"
. "$STACK_SRC/lib/horizon.sh"

[ "$(id -u)" = 0 ] || die "run as root (dockerd, mariadb and rabbitmq run as their own users)"
[ -x "$VENV/bin/python" ] || die "no venv at $VENV (make venv)"
echo "=== run $(date -u +%FT%TZ) ===" >> "$LOG_DIR/timings.log"
rm -rf "$XDG_CACHE_HOME/python-entrypoints"

for name in ${STACK_RESTART:-}; do stop_proc "$name"; done

configure() {
    "$PY" "$STACK_SRC/py/render.py" secrets "$STACK_DIR"
    load_secrets
    COMPUTE_DRIVER=$(compute_driver)
    export COMPUTE_DRIVER
    "$PY" "$STACK_SRC/py/render.py" render "$STACK_SRC/etc" "$ETC_DIR"
    install -m 600 "$VENV/etc/nova/api-paste.ini" "$ETC_DIR/nova/api-paste.ini"
    install -m 600 "$VENV/etc/glance/glance-api-paste.ini" "$ETC_DIR/glance/glance-api-paste.ini"
    install -m 600 "$VENV/etc/neutron/api-paste.ini" "$ETC_DIR/neutron/api-paste.ini"
    log "configs rendered in $ETC_DIR (compute driver $COMPUTE_DRIVER)"
}
phase configure configure
load_secrets
COMPUTE_DRIVER=$(compute_driver)
PYPATH=(env PYTHONPATH="$STACK_SRC/py" STACK_DIR="$STACK_DIR" REPO="$REPO")

# 1. infrastructure, keystone/glance SQLite setup and Horizon's static files, all in parallel
phase horizon-files install_horizon_files
( phase horizon-static build_horizon_static || true ) &
HORIZON_STATIC_PID=$!
bg phase mariadb start_mariadb
bg phase rabbitmq-start start_rabbitmq
bg phase dockerd-1 start_dockerd docker-host-1
bg phase dockerd-2 start_dockerd docker-host-2 --tcp "$DOCKER2_TCP"
bg phase registry start_registry
bg phase keystone-setup setup_keystone
bg phase glance-setup setup_glance
wait_all

# 2. keystone up and seeded (service role before nova-api starts); databases synced in parallel
start_keystone_and_seed() {
    start_keystone
    "${PYPATH[@]}" "$PY" "$STACK_SRC/py/seed_keystone.py"
}
bg phase keystone start_keystone_and_seed
bg phase placement-db setup_placement
bg phase neutron-db setup_neutron
bg phase nova-db setup_nova
bg phase rabbitmq wait_rabbitmq
wait_all

# 3. API services and nova's control plane
phase start-apis start_glance
start_placement
start_neutron
start_nova_api
start_nova_services
bg phase glance-ready wait_http "http://127.0.0.1:$GLANCE_PORT/versions" 180 glance
bg phase placement-ready wait_http "http://127.0.0.1:$PLACEMENT_PORT/" 180 placement
bg phase neutron-ready wait_http "http://127.0.0.1:$NEUTRON_PORT/" 180 neutron
bg phase nova-api-ready wait_http "http://127.0.0.1:$NOVA_PORT/" 180 nova-api
wait_all

# 4. computes; flavors, images and the demo network meanwhile; then wait until both hosts are mapped and up
phase computes start_computes
bg phase flavors "${PYPATH[@]}" "$PY" "$STACK_SRC/py/seed_cloud.py" flavors
bg phase images "${PYPATH[@]}" "$PY" "$STACK_SRC/py/seed_cloud.py" images
bg phase network "${PYPATH[@]}" "$PY" "$STACK_SRC/py/seed_network.py"
bg phase computes-ready "${PYPATH[@]}" "$PY" "$STACK_SRC/py/wait_ready.py"
wait_all

# 5. Horizon (restarted when its static files were rebuilt, i.e. the plugin or settings changed)
wait "$HORIZON_STATIC_PID" || true
if [ -f "$STACK_DIR/horizon/static.sum" ]; then
    if [ -f "$STACK_DIR/horizon/static.rebuilt" ] && pid_alive horizon >/dev/null; then
        log "horizon: plugin/settings changed, restarting"
        stop_proc horizon
    fi
    rm -f "$STACK_DIR/horizon/static.rebuilt"
    phase horizon start_horizon || log "WARNING: Horizon did not start; see $LOG_DIR/horizon.log"
elif pid_alive horizon >/dev/null; then
    log "WARNING: Horizon static files failed to build (see $LOG_DIR/horizon-static.log); the running Horizon keeps its old files and settings"
else
    log "WARNING: Horizon static files failed to build (see $LOG_DIR/horizon-static.log); Horizon not started"
fi

phase stack-env "${PYPATH[@]}" "$PY" "$STACK_SRC/py/write_env.py"
log "ready in $(since "$T0")s; logs and timings in $LOG_DIR"
echo "total                  $(since "$T0")s" >> "$LOG_DIR/timings.log"
"${PYPATH[@]}" "$PY" "$STACK_SRC/py/write_env.py" --banner
