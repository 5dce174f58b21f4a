#!/usr/bin/env bash
# Every test: the wheel check, then one pytest run over unit, real-dockerd, driver and stack tests
# (stack tests bring the local OpenStack up through stack/run.sh when it is not running).
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== wheel: build, install into a clean venv beside Horizon, load the panels"
bash tools/check-wheel.sh 2>&1 | grep -v '^WARNING: Location' || exit 1
echo "== pytest"
exec .venv/bin/pytest -p no:cacheprovider "$@" tests
