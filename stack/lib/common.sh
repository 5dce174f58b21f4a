# shellcheck shell=bash
# Shared settings and helpers for stack/run.sh, stop.sh and status.sh.
# Every process the stack starts is recorded in $RUN_DIR/<name>.pid (line 1: pid, line 2: a string
# its command line must contain), so stop.sh only ever signals processes this stack started.

STACK_SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REPO="$(cd "$STACK_SRC/.." && pwd)"
VENV="${VENV:-$REPO/.venv}"
PY="$VENV/bin/python"
STACK_DIR="${STACK_DIR:-$REPO/.state/stack}"
mkdir -p "$STACK_DIR"
STACK_DIR="$(cd "$STACK_DIR" && pwd)"
RUN_DIR="$STACK_DIR/run"
LOG_DIR="$STACK_DIR/logs"
ETC_DIR="$STACK_DIR/etc"
STAMP_DIR="$STACK_DIR/stamps"
mkdir -p "$RUN_DIR" "$LOG_DIR" "$ETC_DIR" "$STAMP_DIR"

# Fixed addresses (all loopback).
HOST_IP=127.0.0.1
MYSQL_PORT=3306
RABBIT_PORT=5672
KEYSTONE_PORT=5000
GLANCE_PORT=9292
PLACEMENT_PORT=8778
NOVA_PORT=8774
NEUTRON_PORT=9696
HORIZON_PORT=8000
REGISTRY_ADDR=127.0.0.1:5001
DOCKER2_TCP=127.0.0.2:2376
DOCKER_HOSTS=(docker-host-1 docker-host-2)
MYSQL_SOCK="$STACK_DIR/mariadb/run/mysqld.sock"
export STACK_DIR ETC_DIR LOG_DIR RUN_DIR REPO VENV STACK_SRC
# stevedore caches entry points under $XDG_CACHE_HOME; the stack keeps its own cache (run.sh empties it)
# so a reinstalled plugin (the nova_docker ML2 driver, the virt driver) is never hidden by a stale one
export XDG_CACHE_HOME="$STACK_DIR/cache"

T0=${T0:-$EPOCHREALTIME}
export T0
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }
log() { printf '[stack %6ss] %s\n' "$(since "$T0")" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# phase NAME CMD...: run and record the elapsed time in $LOG_DIR/timings.log
phase() {
    local name=$1; shift
    local t=$EPOCHREALTIME rc=0 dt
    "$@" || rc=$?
    dt=$(since "$t")
    printf '%s %-22s %6.1fs rc=%s\n' "$(date -u +%H:%M:%S)" "$name" "$dt" "$rc" >> "$LOG_DIR/timings.log"
    log "phase $name: ${dt}s"
    return $rc
}

# pid_alive NAME -> prints pid and succeeds when the recorded process runs and matches its marker
pid_alive() {
    local f="$RUN_DIR/$1.pid" pid marker
    [ -f "$f" ] || return 1
    pid=$(sed -n 1p "$f"); marker=$(sed -n 2p "$f")
    [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
    if [ -n "$marker" ]; then
        tr '\0' ' ' < "/proc/$pid/cmdline" | grep -qF -- "$marker" || return 1
    fi
    echo "$pid"
}

# spawn NAME MARKER CMD...: start CMD in its own session, log to $LOG_DIR/NAME.log, record pid.
# Skips when NAME already runs.
spawn() {
    local name=$1 marker=$2; shift 2
    if pid_alive "$name" >/dev/null; then
        log "$name already running (pid $(pid_alive "$name"))"
        return 0
    fi
    # the daemon gets only stdin/out/err: no pipe or lock of whoever called run.sh may stay open in it
    setsid "$@" >>"$LOG_DIR/$name.log" 2>&1 </dev/null 9>&- 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- &
    printf '%s\n%s\n' "$!" "$marker" > "$RUN_DIR/$name.pid"
    log "started $name (pid $!)"
}

# running PID: the process exists and is not a zombie
running() { [ -d "/proc/$1" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null; }

# stop_proc NAME [TIMEOUT]: TERM the recorded process group, then KILL after TIMEOUT seconds.
stop_proc() {
    local name=$1 timeout=${2:-20} pid i
    pid=$(pid_alive "$name") || { rm -f "$RUN_DIR/$name.pid" "$RUN_DIR/$name.driver"; return 0; }
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null
    for ((i = 0; i < timeout * 5; i++)); do
        running "$pid" || break
        sleep 0.2
    done
    if running "$pid"; then
        log "$name did not stop in ${timeout}s, killing"
        kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null
    fi
    # leftover members of the process group (e.g. uwsgi workers)
    kill -KILL -- "-$pid" 2>/dev/null || true
    rm -f "$RUN_DIR/$name.pid" "$RUN_DIR/$name.driver"
    log "stopped $name"
}

# wait_tcp HOST PORT [TIMEOUT] [NAME]: wait until something accepts connections
wait_tcp() {
    local host=$1 port=$2 timeout=${3:-120} name=${4:-} i
    for ((i = 0; i < timeout * 5; i++)); do
        if (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; then return 0; fi
        if [ -n "$name" ] && ! pid_alive "$name" >/dev/null; then
            die "$name exited; see $LOG_DIR/$name.log"
        fi
        sleep 0.2
    done
    die "nothing listens on $host:$port after ${timeout}s${name:+; see $LOG_DIR/$name.log}"
}

# wait_http URL [TIMEOUT] [NAME]: wait until URL answers with any HTTP status below 500
wait_http() {
    local url=$1 timeout=${2:-120} name=${3:-} code deadline
    # a wall-clock deadline: each curl may itself take up to 5 s
    deadline=$((SECONDS + timeout))
    while ((SECONDS < deadline)); do
        code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$url" || true)
        if [ -n "$code" ] && [ "$code" != 000 ] && [ "$code" -lt 500 ]; then return 0; fi
        if [ -n "$name" ] && ! pid_alive "$name" >/dev/null; then
            die "$name exited; see $LOG_DIR/$name.log"
        fi
        sleep 0.25
    done
    die "$url did not answer after ${timeout}s (last status $code)${name:+; see $LOG_DIR/$name.log}"
}

# Run background jobs and fail if any of them failed: bg CMD...; then wait_all
BG_PIDS=()
bg() { "$@" & BG_PIDS+=($!); }
wait_all() {
    local rc=0 p
    for p in "${BG_PIDS[@]}"; do wait "$p" || rc=1; done
    BG_PIDS=()
    [ $rc = 0 ] || die "a parallel step failed (see messages above and $LOG_DIR)"
}

stamp_done() { [ -f "$STAMP_DIR/$1" ]; }
stamp() { date -u +%FT%TZ > "$STAMP_DIR/$1"; }

mysql_root() { mariadb --no-defaults -S "$MYSQL_SOCK" -u root "$@"; }

# One run.sh/stop.sh at a time per state dir (tests of several people may call run.sh at once).
# fd 9 holds the lock; spawn closes it for the daemons.
take_lock() {
    exec 9>"$STACK_DIR/.lock"
    flock -w 900 9 || die "another stack/run.sh or stop.sh holds $STACK_DIR/.lock"
}

load_secrets() {
    # shellcheck disable=SC1091
    [ -f "$STACK_DIR/secrets.env" ] && . "$STACK_DIR/secrets.env"
}
