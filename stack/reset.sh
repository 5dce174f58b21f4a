#!/usr/bin/env bash
# Stop the stack and delete its whole state dir (databases, images, Docker data, secrets, logs).
# The next run.sh starts from nothing (new passwords).
set -uo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
bash "$STACK_SRC/stop.sh"
for name in docker-host-1 docker-host-2; do
    [ -d "$STACK_DIR/docker/$name" ] && "$PY" "$REPO/tools/dockerd.py" destroy "$name" "$STACK_DIR/docker/$name"
done
rm -rf "$STACK_DIR"
log "removed $STACK_DIR"
