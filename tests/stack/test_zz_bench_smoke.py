"""`make bench` still runs: a BENCH_QUICK pass of the cheapest benchmark scripts against the real stack
(containers index with 4 servers, boot time, changes tab), collected by bench/report.py into one table."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPTS = ('containers_index', 'boot_time', 'changes_tab')

pytestmark = pytest.mark.stack


def test_quick_bench_prints_every_figure_with_its_baseline(openstack, tmp_path):
    env = dict(os.environ, BENCH_QUICK='1', BENCH_COUNTS='4', BENCH_SCRIPTS=' '.join(SCRIPTS),
               BENCH_OUT=str(tmp_path), STACK_DIR=openstack.env['STACK_DIR'])
    latest = os.path.join(REPO, 'bench', 'results', 'latest.json')
    latest_before = open(latest).read() if os.path.exists(latest) else None
    run = subprocess.run(['bash', 'bench/run.sh'], cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]

    summary = json.loads((tmp_path / 'summary.json').read_text())
    figures = {row['key']: row for row in summary['figures']}
    assert set(figures) == {'index_time@4', 'docker_calls@4', 'boot_time', 'changes_tab'}, figures.keys()
    assert summary['missing'] == [] and summary['quick'] is True
    # one Docker list call per host and render, whatever the row count
    calls = figures['docker_calls@4']
    assert calls['ours']['runs'] and set(calls['ours']['runs']) == {2.0} and calls['met'] is True
    for row in figures.values():
        assert row['ours']['median'] > 0 and row['baseline']['median'] > 0
    assert figures['index_time@4']['baseline']['runs'], 'the Instances baseline was not measured in the run'
    assert figures['boot_time']['baseline']['runs'], 'the docker run baseline was not measured in the run'
    table = (tmp_path / 'summary.md').read_text()
    assert table in run.stdout and "Horizon's Instances index" in table and '`docker run`' in table
    # a smoke run never replaces the committed full results
    assert (open(latest).read() if os.path.exists(latest) else None) == latest_before

    # A figure that no script produced makes the report fail and name it.
    report = subprocess.run([sys.executable, 'bench/report.py', str(tmp_path), '--counts', '4', '--no-latest',
                             '--only', 'containers_index,log_latency'], cwd=REPO, capture_output=True, text=True,
                            timeout=60)
    assert report.returncode == 1 and 'missing figures: log_latency' in report.stderr, report.stderr
    # the benchmark cleaned up its servers
    names = [s.name for s in openstack.nova('demo').servers.list()]
    assert not [n for n in names if n.startswith(('bench-index-', 'bench-boot-'))], names
