#!/usr/bin/env bash
# make bench: every benchmark against the local stack (start it with `make run` first), then one table.
# Each script measures its baseline in the same run; its JSON goes to bench/results/<stamp>/, and
# bench/report.py writes summary.{md,json} there and (full runs only) bench/results/latest.{md,json}.
#   BENCH_COUNTS=50,200,1000   container counts of the index scaling rows (quick: 4)
#   BENCH_QUICK=1              small sizes, one run each: a smoke run (does not update latest.*)
#   BENCH_SCRIPTS="boot_time changes_tab"   only these scripts (does not update latest.*)
#   BENCH_OUT=DIR              write the JSON and summary there instead of bench/results/<stamp>
# Run it holding the shared stack's lock: tools/with-stack-lock.sh make bench
set -uo pipefail
cd "$(dirname "$0")/.."
if [ "${BENCH_QUICK:-0}" = 1 ]; then export BENCH_COUNTS="${BENCH_COUNTS:-4}"; fi
export BENCH_COUNTS="${BENCH_COUNTS:-50,200,1000}"
all="changes_tab boot_time log_latency log_stream image_import containers_index console_latency"
scripts="${BENCH_SCRIPTS:-$all}"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
out="${BENCH_OUT:-bench/results/$stamp}"
mkdir -p "$out"
report_args=(--counts "$BENCH_COUNTS" --only "${scripts// /,}")
if [ "${BENCH_QUICK:-0}" = 1 ] || [ "$scripts" != "$all" ]; then
    report_args+=(--no-latest)
fi
echo "== bench $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, counts $BENCH_COUNTS${BENCH_QUICK:+, quick=$BENCH_QUICK}"
for script in $scripts; do
    echo "== $script"
    started=$SECONDS
    # a failed script leaves its figures missing; report.py then exits 1
    PYTHONWARNINGS=ignore .venv/bin/python "bench/$script.py" --json "$out/$script.json" \
        || echo "!! $script failed (exit $?)" >&2
    echo "   ($script took $((SECONDS - started)) s)"
done
echo "== summary ($out)"
.venv/bin/python bench/report.py "$out" "${report_args[@]}"
