"""Collects the JSON every benchmark script wrote into one table.

    .venv/bin/python bench/report.py DIR [--counts 50,200,1000] [--only containers_index,log_stream]

Reads DIR/*.json (written by the scripts' --json), writes DIR/summary.md and DIR/summary.json and copies
them to bench/results/latest.{md,json}, prints the table, and exits 1 if an expected figure is missing
(a script failed or was not run). --only limits the expected figures to some scripts (smoke runs).
"""
from __future__ import annotations

import argparse
import glob
import json
import os
import platform
import shutil
import sys
import time

RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'results')

# script -> the figures it must produce ({count} expands to every count of the run)
EXPECTED = {
    'containers_index': ('index_time@{count}', 'docker_calls@{count}'),
    'log_stream': ('log_throughput', 'log_memory'),
    'log_latency': ('log_latency',),
    'changes_tab': ('changes_tab',),
    'image_import': ('image_import_rate', 'image_import_memory'),
    'boot_time': ('boot_time',),
    'console_latency': ('console_latency', 'console_latency_added', 'console_throughput'),
}


def expected_keys(scripts: list, counts: list) -> list:
    keys = []
    for script in scripts:
        for pattern in EXPECTED[script]:
            keys += [pattern.format(count=c) for c in counts] if '{count}' in pattern else [pattern]
    return keys


def number(value: float) -> str:
    return f'{value:,.0f}' if abs(value) >= 1000 else f'{value:.3g}'


def cell(spread: dict, unit: str) -> str:
    if spread.get('fixed'):
        return f'{number(spread["median"])} {unit}'
    low, high, runs = number(spread['min']), number(spread['max']), len(spread['runs'])
    return f'{number(spread["median"])} {unit} ({low}–{high}, n={runs})'


def markdown(rows: list, missing: list, facts: dict) -> str:
    lines = [f'Measured {facts["date"]} on {facts["machine"]}{" (BENCH_QUICK smoke sizes)" if facts["quick"] else ""}.',
             '',
             '| figure | ours: median (min–max, runs) | baseline, same run | ratio ours/baseline | target (ratio) | |',
             '|---|---|---|---|---|---|']
    for row in rows:
        target = ' '.join(str(t) for t in row['target']) if row['target'] else 'report'
        verdict = {True: 'met', False: '**missed**', None: ''}[row['met']]
        cells = (row['title'], cell(row['ours'], row['unit']), f'{row["baseline_label"]}: '
                 f'{cell(row["baseline"], row["unit"])}', f'{row["ratio"]:.3g}', target, verdict)
        lines.append('| ' + ' | '.join(text.replace('|', '\\|') for text in cells) + ' |')
    notes = [f'- {row["title"]}: {row["note"]}' for row in rows if row.get('note')]
    if notes:
        lines += ['', *notes]
    if missing:
        lines += ['', 'MISSING (script failed or not run): ' + ', '.join(missing)]
    return '\n'.join(lines) + '\n'


def machine() -> str:
    cores = os.cpu_count()
    with open('/proc/meminfo') as handle:
        mem_gb = int(handle.readline().split()[1]) / 1e6
    model = next((line.split(':', 1)[1].strip() for line in open('/proc/cpuinfo') if line.startswith('model name')),
                 platform.machine())
    return f'{cores} cores ({model}), {mem_gb:.0f} GB RAM, {platform.system()} {platform.release()}'


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('directory')
    parser.add_argument('--counts', default=os.environ.get('BENCH_COUNTS', '50,200,1000'))
    parser.add_argument('--only', help='comma-separated scripts whose figures are expected (default: all)')
    parser.add_argument('--no-latest', action='store_true', help='do not update bench/results/latest.*')
    args = parser.parse_args()
    counts = sorted({int(c) for c in args.counts.split(',') if c.strip()})
    scripts = args.only.split(',') if args.only else list(EXPECTED)
    unknown = set(scripts) - set(EXPECTED)
    if unknown:
        parser.error(f'unknown scripts: {", ".join(sorted(unknown))}')

    rows, quick = {}, False
    for path in sorted(glob.glob(os.path.join(args.directory, '*.json'))):
        if os.path.basename(path).startswith('summary'):
            continue
        with open(path) as handle:
            data = json.load(handle)
        quick = quick or data.get('quick', False)
        for row in data['figures']:
            rows[row['key']] = row
    wanted = expected_keys(scripts, counts)
    missing = [key for key in wanted if key not in rows]
    ordered = [rows[key] for key in wanted if key in rows] + [r for k, r in rows.items() if k not in wanted]
    facts = {'date': time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime()), 'machine': machine(), 'quick': quick}
    text = markdown(ordered, missing, facts)
    summary = dict(facts, figures=ordered, missing=missing)
    with open(os.path.join(args.directory, 'summary.md'), 'w') as handle:
        handle.write(text)
    with open(os.path.join(args.directory, 'summary.json'), 'w') as handle:
        json.dump(summary, handle, indent=2)
    if not args.no_latest:
        for ext in ('md', 'json'):
            shutil.copyfile(os.path.join(args.directory, f'summary.{ext}'), os.path.join(RESULTS, f'latest.{ext}'))
    print(text)
    if missing:
        print(f'missing figures: {", ".join(missing)}', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
