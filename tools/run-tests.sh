#!/usr/bin/env bash
# Every test: the wheel check, then one pytest run over unit, real-dockerd, driver and stack tests
# (stack tests bring the local OpenStack up through stack/run.sh when it is not running).
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== wheel: build, install into a clean venv beside Horizon, load the panels"
bash tools/check-wheel.sh 2>&1 | grep -v '^WARNING: Location' || exit 1
echo "== pytest"
# CI allows 90 minutes for everything: pytest gets at most 70 of them, so a run that hangs still ends
# with its output (each test is bounded too: pytest.ini timeout); the slowest tests are listed at the end.
exec timeout -k 60 "${TEST_TIME_LIMIT:-70m}" .venv/bin/pytest -p no:cacheprovider --durations=30 "$@" tests
