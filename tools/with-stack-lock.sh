#!/usr/bin/env bash
# Run a command holding the shared stack's lock (.state/stack.lock), e.g. a benchmark or a manual
# `make stop && make run`, so test runs using the same stack wait instead of failing under it.
# Test runs started inside see STACK_LOCK_HELD=1 and do not take the lock a second time.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .state
exec env STACK_LOCK_HELD=1 flock -o -w "${STACK_LOCK_WAIT:-1800}" .state/stack.lock "$@"
