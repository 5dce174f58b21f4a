# shellcheck shell=bash
# MariaDB, RabbitMQ (+ epmd), the two Docker Engines and the Docker registry.

start_mariadb() {
    local dir="$STACK_DIR/mariadb"
    mkdir -p "$dir/data" "$dir/run"
    chown mysql:mysql "$dir/data" "$dir/run"
    if [ ! -d "$dir/data/mysql" ]; then
        log "mariadb: initialising datadir"
        mariadb-install-db --no-defaults --user=mysql --datadir="$dir/data" \
            --auth-root-authentication-method=socket --skip-test-db > "$LOG_DIR/mariadb-install.log" 2>&1 \
            || die "mariadb-install-db failed; see $LOG_DIR/mariadb-install.log"
    fi
    spawn mariadb "$dir/data" mariadbd --no-defaults --user=mysql --datadir="$dir/data" \
        --socket="$MYSQL_SOCK" --pid-file="$dir/run/mariadbd.pid" --bind-address=127.0.0.1 --port=$MYSQL_PORT \
        --skip-log-bin --skip-name-resolve --max-connections=500 --innodb-buffer-pool-size=128M \
        --innodb-flush-log-at-trx-commit=2 --character-set-server=utf8mb4 --collation-server=utf8mb4_general_ci
    local i
    for ((i = 0; i < 300; i++)); do
        mysql_root -e 'select 1' >/dev/null 2>&1 && break
        pid_alive mariadb >/dev/null || die "mariadbd exited; see $LOG_DIR/mariadb.log"
        sleep 0.2
    done
    mysql_root -e 'select 1' >/dev/null || die "mariadb does not answer on $MYSQL_SOCK"
    if ! stamp_done mariadb-dbs; then
        local sql="" db
        for db in nova_api nova nova_cell0 placement neutron; do
            sql+="CREATE DATABASE IF NOT EXISTS $db CHARACTER SET utf8;"
        done
        for user in nova placement neutron; do
            sql+="CREATE USER IF NOT EXISTS '$user'@'127.0.0.1' IDENTIFIED BY '$DB_PASS';"
            sql+="CREATE USER IF NOT EXISTS '$user'@'localhost' IDENTIFIED BY '$DB_PASS';"
        done
        for db in nova_api nova nova_cell0; do
            sql+="GRANT ALL ON $db.* TO 'nova'@'127.0.0.1'; GRANT ALL ON $db.* TO 'nova'@'localhost';"
        done
        sql+="GRANT ALL ON placement.* TO 'placement'@'127.0.0.1'; GRANT ALL ON placement.* TO 'placement'@'localhost';"
        sql+="GRANT ALL ON neutron.* TO 'neutron'@'127.0.0.1'; GRANT ALL ON neutron.* TO 'neutron'@'localhost';"
        mysql_root -e "$sql" || die "creating databases failed"
        stamp mariadb-dbs
    fi
}

# Environment for rabbitmq-server and rabbitmqctl (both run as user rabbitmq, node rabbit@localhost).
rabbit_env_vars() {
    local dir="$STACK_DIR/rabbitmq"
    RABBIT_ENV=(HOME=/var/lib/rabbitmq RABBITMQ_NODENAME=rabbit@localhost RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
        RABBITMQ_NODE_PORT=$RABBIT_PORT RABBITMQ_DIST_PORT=25672 ERL_EPMD_ADDRESS=127.0.0.1
        RABBITMQ_MNESIA_BASE="$dir/mnesia" RABBITMQ_LOG_BASE="$dir/log" RABBITMQ_PID_FILE="$dir/rabbit.pid"
        RABBITMQ_CONFIG_FILE="$ETC_DIR/rabbitmq/rabbitmq.conf"
        RABBITMQ_ENABLED_PLUGINS_FILE="$ETC_DIR/rabbitmq/enabled_plugins"
        "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS=-kernel inet_dist_use_interface {127,0,0,1}")
}
AS_RABBITMQ=(setpriv --reuid rabbitmq --regid rabbitmq --init-groups --)

rabbitmqctl_() {
    rabbit_env_vars
    (cd /var/lib/rabbitmq && env "${RABBIT_ENV[@]}" "${AS_RABBITMQ[@]}" /usr/lib/rabbitmq/bin/rabbitmqctl "$@")
}

start_rabbitmq() {
    local dir="$STACK_DIR/rabbitmq"
    mkdir -p "$dir/mnesia" "$dir/log"
    chown -R rabbitmq:rabbitmq "$dir"
    chmod 644 "$ETC_DIR/rabbitmq/rabbitmq.conf" "$ETC_DIR/rabbitmq/enabled_plugins"
    chmod 755 "$ETC_DIR/rabbitmq"
    # epmd: start our own (and stop it later) only if none runs; one started by someone else stays theirs.
    if ! pid_alive epmd >/dev/null && ! epmd -names >/dev/null 2>&1; then
        spawn epmd "epmd" "${AS_RABBITMQ[@]}" epmd -address 127.0.0.1
        local i
        for ((i = 0; i < 50; i++)); do epmd -names >/dev/null 2>&1 && break; sleep 0.1; done
    fi
    if ! pid_alive rabbitmq >/dev/null; then
        rabbit_env_vars
        (cd /var/lib/rabbitmq && spawn rabbitmq "rabbitmq-server" env "${RABBIT_ENV[@]}" "${AS_RABBITMQ[@]}" \
            /usr/lib/rabbitmq/bin/rabbitmq-server)
    fi
}

wait_rabbitmq() {
    wait_tcp 127.0.0.1 $RABBIT_PORT 120 rabbitmq
    if ! stamp_done rabbitmq-user; then
        rabbitmqctl_ await_startup >/dev/null
        rabbitmqctl_ add_user stack "$RABBIT_PASS" >/dev/null 2>&1 || rabbitmqctl_ change_password stack "$RABBIT_PASS" >/dev/null
        rabbitmqctl_ set_permissions stack '.*' '.*' '.*' >/dev/null
        stamp rabbitmq-user
    fi
}

start_dockerd() {  # NAME [--tcp ADDR]
    local name=$1; shift
    "$PY" "$REPO/tools/dockerd.py" start "$name" "$STACK_DIR/docker/$name" "$@" >/dev/null \
        || die "dockerd $name failed; see $STACK_DIR/docker/$name/dockerd.log"
    log "dockerd $name ready"
}

start_registry() {
    mkdir -p "$STACK_DIR/registry/data"
    spawn registry "$ETC_DIR/registry/config.yml" docker-registry serve "$ETC_DIR/registry/config.yml"
    wait_http "http://$REGISTRY_ADDR/v2/" 60 registry
}
