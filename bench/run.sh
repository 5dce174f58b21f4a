#!/usr/bin/env bash
# make bench: every benchmark against the local stack (start it with `make run` first).
# Each script measures its baseline in the same run and prints the ratio; JSON goes to bench/results/.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p bench/results
stamp=$(date -u +%Y%m%dT%H%M%SZ)
echo "== containers index vs Horizon Instances ($(date -u), $(nproc) cores)"
.venv/bin/python bench/containers_index.py --json "bench/results/containers_index-$stamp.json" "$@"
