# shellcheck shell=bash
# Horizon (openstack_dashboard from the venv) with the docker_dashboard plugin, served by uwsgi.
# Operator-style install into the venv's openstack_dashboard/local/:
#   local/local_settings.py                       <- stack/etc/horizon/local_settings.py (rendered)
#   local/local_settings.d/_1920_docker_dashboard.py <- stack/etc/horizon/_1920_docker_dashboard.py
#   local/enabled/_NNNN_*.py                      <- copies of docker_dashboard/enabled/_NNNN_*.py

horizon_paths() {
    OSD_DIR=$("$PY" -c 'import os, openstack_dashboard; print(os.path.dirname(openstack_dashboard.__file__))')
    PLUGIN_ENABLED_DIR=$("$PY" -c 'import os, docker_dashboard.enabled as e; print(os.path.dirname(e.__file__))' 2>/dev/null || true)
}

install_horizon_files() {
    horizon_paths
    local local_dir="$OSD_DIR/local" manifest="$STACK_DIR/horizon/enabled-files" f
    mkdir -p "$STACK_DIR/horizon/cache" "$local_dir/enabled" "$local_dir/local_settings.d"
    install -m 644 "$ETC_DIR/horizon/local_settings.py" "$local_dir/local_settings.py"
    install -m 644 "$ETC_DIR/horizon/_1920_docker_dashboard.py" "$local_dir/local_settings.d/_1920_docker_dashboard.py"
    # drop enabled files copied by an earlier run, then copy the plugin's current ones
    if [ -f "$manifest" ]; then
        while read -r f; do rm -f "$local_dir/enabled/$f"; done < "$manifest"
    fi
    : > "$manifest"
    if [ -n "$PLUGIN_ENABLED_DIR" ] && compgen -G "$PLUGIN_ENABLED_DIR/_[0-9]*.py" >/dev/null; then
        for f in "$PLUGIN_ENABLED_DIR"/_[0-9]*.py; do
            install -m 644 "$f" "$local_dir/enabled/"
            basename "$f" >> "$manifest"
        done
        log "horizon: enabled files $(tr '\n' ' ' < "$manifest")"
        check_enabled_files "$local_dir/enabled"
    else
        log "horizon: WARNING no docker_dashboard enabled files found; Horizon runs without the plugin"
    fi
}

# Django refuses an app listed twice in INSTALLED_APPS; Horizon concatenates every enabled file's
# ADD_INSTALLED_APPS, so a plugin must name its app in one enabled file only. Say so plainly.
check_enabled_files() {
    "$PY" - "$1" <<'PYEOF' || true
import collections, glob, os, runpy, sys
seen = collections.defaultdict(list)
for path in sorted(glob.glob(os.path.join(sys.argv[1], '_[0-9]*.py'))):
    try:
        for app in runpy.run_path(path).get('ADD_INSTALLED_APPS', []):
            seen[app].append(os.path.basename(path))
    except Exception as error:
        print(f'[stack] horizon: WARNING enabled file {os.path.basename(path)} fails to load: {error}', file=sys.stderr)
for app, files in seen.items():
    if len(files) > 1:
        print(f'[stack] horizon: WARNING {app!r} is in ADD_INSTALLED_APPS of {", ".join(files)}; Django will '
              f'refuse the duplicate app label (plugin bug: list it in one enabled file only)', file=sys.stderr)
PYEOF
}

# collectstatic + compress (offline) when anything they depend on changed
build_horizon_static() {
    local sum
    sum=$( { cat "$ETC_DIR/horizon/"*.py "$OSD_DIR/local/enabled/"_*.py 2>/dev/null
             find -L "$REPO/static" "$REPO/templates" "$REPO/docker_dashboard" "$REPO/enabled" -type f \
                 \( -name '*.html' -o -name '*.js' -o -name '*.css' -o -name '*.scss' -o -name '*.py' \) \
                 -printf '%p %s %T@\n' 2>/dev/null | sort
             "$PY" -c 'import horizon, openstack_dashboard; print(horizon.__file__)'; } | md5sum | cut -d' ' -f1)
    if [ -f "$STACK_DIR/horizon/static.sum" ] && [ "$(cat "$STACK_DIR/horizon/static.sum")" = "$sum" ] \
        && [ -d "$STACK_DIR/horizon/static" ]; then
        log "horizon: static files up to date"
        return 0
    fi
    rm -f "$STACK_DIR/horizon/static.sum"
    touch "$STACK_DIR/horizon/static.rebuilt"
    local dj=(env DJANGO_SETTINGS_MODULE=openstack_dashboard.settings "$VENV/bin/django-admin")
    "${dj[@]}" collectstatic --noinput --clear -v 0 > "$LOG_DIR/horizon-static.log" 2>&1 \
        || { log "horizon: collectstatic FAILED; see $LOG_DIR/horizon-static.log"; return 1; }
    "${dj[@]}" compress --force -v 0 >> "$LOG_DIR/horizon-static.log" 2>&1 \
        || { log "horizon: compress FAILED; see $LOG_DIR/horizon-static.log"; return 1; }
    echo "$sum" > "$STACK_DIR/horizon/static.sum"
    log "horizon: static files collected and compressed"
}

start_horizon() {
    start_uwsgi horizon $HORIZON_PORT openstack_dashboard.wsgi:application 2 8 \
        DJANGO_SETTINGS_MODULE=openstack_dashboard.settings \
        -- --static-map "/static=$STACK_DIR/horizon/static" --offload-threads 1
    wait_http "http://127.0.0.1:$HORIZON_PORT/auth/login/" 180 horizon
}
