# shellcheck shell=bash
# Keystone, Glance, Placement, Nova and Neutron: database setup and processes.

KEYSTONE_URL="http://127.0.0.1:$KEYSTONE_PORT/v3"
NOVA_CONF="$ETC_DIR/nova/nova.conf"
NEUTRON_CONFS=(--config-file "$ETC_DIR/neutron/neutron.conf" --config-file "$ETC_DIR/neutron/plugins/ml2/ml2_conf.ini")

# start_uwsgi NAME PORT MODULE PROCESSES THREADS [ENV=VALUE...] [-- extra uwsgi args]
start_uwsgi() {
    local name=$1 port=$2 module=$3 procs=$4 threads=$5; shift 5
    local envs=() extra=()
    while [ $# -gt 0 ] && [ "$1" != -- ]; do envs+=("$1"); shift; done
    [ "${1:-}" = -- ] && shift && extra=("$@")
    spawn "$name" "127.0.0.1:$port" env "${envs[@]}" "$VENV/bin/uwsgi" \
        --http-socket "127.0.0.1:$port" --module "$module" --home "$VENV" \
        --master --processes "$procs" --threads "$threads" --enable-threads --lazy-apps --need-app \
        --die-on-term --hook-master-start "unix_signal:15 gracefully_kill_them_all" \
        --add-header "Connection: close" --buffer-size 65535 --disable-logging --log-4xx --log-5xx \
        --worker-reload-mercy 5 --umask 022 "${extra[@]}"
}

# --- Keystone (SQLite) ---------------------------------------------------------------------------
setup_keystone() {
    local conf="$ETC_DIR/keystone/keystone.conf" km="$VENV/bin/keystone-manage"
    mkdir -p "$STACK_DIR/keystone/fernet-keys" "$STACK_DIR/keystone/credential-keys"
    chmod 700 "$STACK_DIR/keystone/fernet-keys" "$STACK_DIR/keystone/credential-keys"
    stamp_done keystone-db && return 0
    {
        "$km" --config-file "$conf" db_sync &&
        "$km" --config-file "$conf" fernet_setup --keystone-user root --keystone-group root &&
        "$km" --config-file "$conf" credential_setup --keystone-user root --keystone-group root &&
        "$km" --config-file "$conf" bootstrap --bootstrap-password "$ADMIN_PASS" \
            --bootstrap-username admin --bootstrap-project-name admin --bootstrap-role-name admin \
            --bootstrap-service-name keystone --bootstrap-region-id RegionOne \
            --bootstrap-admin-url "$KEYSTONE_URL/" --bootstrap-internal-url "$KEYSTONE_URL/" \
            --bootstrap-public-url "$KEYSTONE_URL/"
    } >> "$LOG_DIR/keystone-manage.log" 2>&1 || die "keystone setup failed; see $LOG_DIR/keystone-manage.log"
    stamp keystone-db
}

start_keystone() {
    start_uwsgi keystone $KEYSTONE_PORT keystone.wsgi.api:application 2 2 \
        OS_KEYSTONE_CONFIG_FILES="$ETC_DIR/keystone/keystone.conf"
    wait_http "$KEYSTONE_URL" 120 keystone
}

# --- Glance (SQLite + file store) ------------------------------------------------------------------
setup_glance() {
    mkdir -p "$STACK_DIR/glance/"{images,staging,tasks,lock}
    stamp_done glance-db && return 0
    "$VENV/bin/glance-manage" --config-file "$ETC_DIR/glance/glance-api.conf" db_sync \
        >> "$LOG_DIR/glance-manage.log" 2>&1 || die "glance db_sync failed; see $LOG_DIR/glance-manage.log"
    stamp glance-db
}

start_glance() {
    # chunked uploads (docker save streamed into Glance) need these three uwsgi flags
    start_uwsgi glance $GLANCE_PORT glance.wsgi.api:application 1 4 OS_GLANCE_CONFIG_DIR="$ETC_DIR/glance" \
        -- --chunked-input-limit 10485760 --http-raw-body --http-auto-chunked
}

# --- Placement (MariaDB) ----------------------------------------------------------------------------
setup_placement() {
    stamp_done placement-db && return 0
    "$VENV/bin/placement-manage" --config-file "$ETC_DIR/placement/placement.conf" db sync \
        >> "$LOG_DIR/placement-manage.log" 2>&1 || die "placement db sync failed; see $LOG_DIR/placement-manage.log"
    stamp placement-db
}

start_placement() {
    start_uwsgi placement $PLACEMENT_PORT placement.wsgi.api:application 1 4 \
        OS_PLACEMENT_CONFIG_DIR="$ETC_DIR/placement"
}

# --- Neutron API server (MariaDB, ML2, no agents) ---------------------------------------------------
setup_neutron() {
    mkdir -p "$STACK_DIR/neutron/lock"
    stamp_done neutron-db && return 0
    "$VENV/bin/neutron-db-manage" "${NEUTRON_CONFS[@]}" upgrade head \
        >> "$LOG_DIR/neutron-db-manage.log" 2>&1 || die "neutron-db-manage failed; see $LOG_DIR/neutron-db-manage.log"
    stamp neutron-db
}

start_neutron() {
    # stack/wsgi/neutron_api.py wraps neutron.wsgi.api and configures the SQLAlchemy mappers up front
    start_uwsgi neutron $NEUTRON_PORT neutron_api:application 2 1 \
        OS_NEUTRON_CONFIG_DIR="$ETC_DIR/neutron" "OS_NEUTRON_CONFIG_FILES=neutron.conf;plugins/ml2/ml2_conf.ini" \
        -- --pythonpath "$STACK_SRC/wsgi"
}

# --- Nova (MariaDB) ----------------------------------------------------------------------------------
setup_nova() {
    mkdir -p "$STACK_DIR/nova/lock"
    stamp_done nova-db && return 0
    local nm=("$VENV/bin/nova-manage" --config-file "$NOVA_CONF")
    {
        "${nm[@]}" api_db sync &&
        "${nm[@]}" cell_v2 map_cell0 \
            --database_connection "mysql+pymysql://nova:$DB_PASS@127.0.0.1:$MYSQL_PORT/nova_cell0?charset=utf8" &&
        "${nm[@]}" db sync &&
        { "${nm[@]}" cell_v2 list_cells | grep -q ' cell1 ' || "${nm[@]}" cell_v2 create_cell --name cell1; }
    } >> "$LOG_DIR/nova-manage.log" 2>&1 || die "nova db setup failed; see $LOG_DIR/nova-manage.log"
    stamp nova-db
}

start_nova_api() {
    start_uwsgi nova-api $NOVA_PORT nova.wsgi.osapi_compute:application 2 1 OS_NOVA_CONFIG_DIR="$ETC_DIR/nova"
}

start_nova_services() {
    spawn nova-conductor "nova-conductor" "$VENV/bin/nova-conductor" --config-file "$NOVA_CONF"
    spawn nova-scheduler "nova-scheduler" "$VENV/bin/nova-scheduler" --config-file "$NOVA_CONF"
    spawn nova-serialproxy "nova-serialproxy" "$VENV/bin/nova-serialproxy" --config-file "$NOVA_CONF"
}

# The Docker virt driver's launcher once nova_docker/cmd/compute.py exists (and NOVA_DRIVER is not "fake").
compute_driver() {
    case "${NOVA_DRIVER:-auto}" in
        fake) echo fake.FakeDriver ;;
        docker) echo docker.DockerDriver ;;
        *) if [ -f "$REPO/nova_docker/cmd/compute.py" ]; then echo docker.DockerDriver; else echo fake.FakeDriver; fi ;;
    esac
}

start_computes() {
    local n name cmd running last
    for n in 1 2; do
        name=docker-host-$n
        mkdir -p "$STACK_DIR/nova/$name/instances" "$STACK_DIR/nova/$name/lock"
        running=$(cat "$RUN_DIR/nova-compute-$n.driver" 2>/dev/null || true)
        if pid_alive "nova-compute-$n" >/dev/null && [ "$running" != "$COMPUTE_DRIVER" ]; then
            log "nova-compute-$n runs $running, wanted $COMPUTE_DRIVER: restarting it"
            stop_proc "nova-compute-$n"
        fi
        # Another driver ran this host before: its compute node (uuid, inventory) does not carry over,
        # so drop the service record and the local node identity and let the host register anew.
        last=$(cat "$STACK_DIR/nova/$name/driver" 2>/dev/null || true)
        if [ -n "$last" ] && [ "$last" != "$COMPUTE_DRIVER" ] && ! pid_alive "nova-compute-$n" >/dev/null; then
            log "$name: driver changed ($last -> $COMPUTE_DRIVER): forgetting the old compute service"
            env PYTHONPATH="$STACK_SRC/py" "$PY" "$STACK_SRC/py/seed_cloud.py" forget-host "$name"
            rm -f "$STACK_DIR/nova/$name/compute_id"
        fi
        if [ "$COMPUTE_DRIVER" = docker.DockerDriver ]; then
            cmd=("$PY" -m nova_docker.cmd.compute)
        else
            cmd=("$VENV/bin/nova-compute")
        fi
        spawn "nova-compute-$n" "compute-$n.conf" "${cmd[@]}" --config-file "$NOVA_CONF" \
            --config-file "$ETC_DIR/nova/compute-$n.conf"
        echo "$COMPUTE_DRIVER" > "$RUN_DIR/nova-compute-$n.driver"
        echo "$COMPUTE_DRIVER" > "$STACK_DIR/nova/$name/driver"
    done
}
