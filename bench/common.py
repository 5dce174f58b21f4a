"""What every benchmark script shares: the stack's endpoints and logins, OpenStack clients, which Docker
host runs a server, the docker CLI environment for a host, Horizon's processes and their memory, and one
JSON shape for a figure (medians with min/max, the baseline of the same run, the ratio, the target).

bench/report.py reads the figures back and prints one table.
"""
from __future__ import annotations

import hashlib
import json
import os
import statistics
import sys
import threading
import time
from typing import Any, Callable

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STACK_DIR = os.environ.get('STACK_DIR', os.path.join(REPO, '.state', 'stack'))
HOSTS = ('docker-host-1', 'docker-host-2')
MB = 1_000_000

if REPO not in sys.path:
    sys.path.insert(0, REPO)


def quick() -> bool:
    """BENCH_QUICK=1: small sizes, one smoke pass (figures then only say the scripts still run)."""
    return os.environ.get('BENCH_QUICK') == '1'


def stack_env() -> tuple:
    """(stack.json, credentials.json) of the running local stack."""
    with open(os.path.join(STACK_DIR, 'stack.json')) as handle:
        env = json.load(handle)
    env.setdefault('STACK_DIR', STACK_DIR)
    with open(env['CREDENTIALS_FILE']) as handle:
        return env, json.load(handle)


def clients(env: dict, creds: dict, user: str) -> tuple:
    """(keystone session, nova client, glance client) logged in as `user` (demo, demo2, admin)."""
    from glanceclient import client as glance_client
    from keystoneauth1 import session as ks_session
    from keystoneauth1.identity import v3
    from novaclient import client as nova_client
    c = creds[user]
    auth = v3.Password(auth_url=c['auth_url'], username=c['username'], password=c['password'],
                       project_name=c['project_name'], user_domain_id='default', project_domain_id='default')
    session = ks_session.Session(auth=auth, timeout=120)
    return (session, nova_client.Client(env['NOVA_MICROVERSION'], session=session),
            glance_client.Client('2', session=session))


def image_id(glance: Any, name: str) -> str:
    # (a Glance name filter containing ':' is read as an operator: filter here)
    return next(image.id for image in glance.images.list() if image.name == name)


def host_of(env: dict, project_id: str, server: Any) -> str:
    """The compute host of a server, from its hostId = sha224(project_id + host) (no admin rights needed)."""
    by_hash = {hashlib.sha224((project_id + host).encode()).hexdigest(): host for host in env['DOCKER_HOSTS'].split()}
    return by_hash[server.hostId]


def docker_cli_env(env: dict, host: str) -> dict:
    """Environment for the `docker` CLI talking to a compute host's dockerd (docker-host-2 on its unix socket)."""
    url = env['DOCKER_HOST_1_URL'] if host == 'docker-host-1' else env['DOCKER_HOST_2_UNIX_URL']
    return dict(os.environ, DOCKER_HOST=url)


def docker_client(env: dict, host: str, timeout: int = 120) -> Any:
    """A docker-py APIClient on a compute host's unix socket."""
    import docker
    url = env['DOCKER_HOST_1_URL'] if host == 'docker-host-1' else env['DOCKER_HOST_2_UNIX_URL']
    client = docker.APIClient(base_url=url, version='1.41', timeout=timeout)
    client.trust_env = False
    return client


def wait_until(predicate: Callable[[], Any], timeout: float, what: str, interval: float = 0.5) -> Any:
    """Poll until `predicate` returns something truthy (tests/stack/nova_helpers.wait_for), bounded."""
    from tests.stack.nova_helpers import wait_for
    return wait_for(predicate, timeout, interval, what)


def wait_active(nova: Any, server_id: str, timeout: float = 180) -> Any:
    def active():
        server = nova.servers.get(server_id)
        if server.status == 'ERROR':
            raise SystemExit(f'server {server_id} went to ERROR: {getattr(server, "fault", "")}')
        return server if server.status == 'ACTIVE' else None
    return wait_until(active, timeout, f'server {server_id} ACTIVE', 1)


def horizon_pids(env: dict) -> list:
    """The stack's Horizon uwsgi master and its workers."""
    import psutil
    with open(os.path.join(env['STACK_DIR'], 'run', 'horizon.pid')) as handle:
        master = int(handle.read().split()[0])
    return [master] + [child.pid for child in psutil.Process(master).children(recursive=True)]


class RSSWatch:
    """Samples the summed resident memory of some processes every 50 ms; stop() returns the peak growth.
    cpu_seconds() is the CPU time they used since the start (where a slow figure spends its time)."""

    def __init__(self, pids: list) -> None:
        import psutil
        self.processes = [psutil.Process(pid) for pid in pids]
        self.cpu_base = self._cpu()
        self.base = self.total()
        self.peak = self.base
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def total(self) -> int:
        import psutil
        rss = 0
        for process in self.processes:
            try:
                rss += process.memory_info().rss
            except psutil.Error:   # a worker recycled meanwhile
                pass
        return rss

    def _cpu(self) -> float:
        import psutil
        used = 0.0
        for process in self.processes:
            try:
                times = process.cpu_times()
                used += times.user + times.system
            except psutil.Error:
                pass
        return used

    def cpu_seconds(self) -> float:
        return self._cpu() - self.cpu_base

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            self.peak = max(self.peak, self.total())

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak - self.base


# -- figures ---------------------------------------------------------------------------------------------

def spread(values: list) -> dict:
    return {'median': statistics.median(values), 'min': min(values), 'max': max(values), 'runs': list(values)}


def figure(key: str, title: str, unit: str, ours: list, baseline: Any, baseline_label: str,
           target: tuple | None, note: str = '', higher_is_better: bool = False) -> dict:
    """One row of the table. `baseline` is a list (measured in the same run) or a number (a fixed bound);
    the ratio is median(ours) / median(baseline); `target` is (operator, ratio bound) or None (report only)."""
    ours_s = spread(ours)
    base_s = spread(baseline) if isinstance(baseline, list) else {'median': float(baseline), 'fixed': True}
    ratio = ours_s['median'] / base_s['median'] if base_s['median'] else float('inf')
    met = None
    if target:
        op, bound = target
        met = {'<=': ratio <= bound, '<': ratio < bound, '>=': ratio >= bound, '==': abs(ratio - bound) < 1e-9}[op]
    return {'key': key, 'title': title, 'unit': unit, 'ours': ours_s, 'baseline': base_s,
            'baseline_label': baseline_label, 'ratio': ratio, 'target': list(target) if target else None,
            'met': met, 'note': note, 'higher_is_better': higher_is_better}


def print_figure(row: dict) -> None:
    ours, base = row['ours'], row['baseline']
    base_text = (f'{base["median"]:.4g} {row["unit"]} (fixed)' if base.get('fixed') else
                 f'median {base["median"]:.4g} (min {base["min"]:.4g}, max {base["max"]:.4g}) {row["unit"]}')
    target = ' '.join(str(t) for t in row['target']) if row['target'] else 'report'
    verdict = {True: 'met', False: 'MISSED', None: ''}[row['met']]
    print(f'{row["title"]}\n  ours: median {ours["median"]:.4g} (min {ours["min"]:.4g}, max {ours["max"]:.4g}) '
          f'{row["unit"]}\n  {row["baseline_label"]}: {base_text}\n'
          f'  ratio {row["ratio"]:.3g} (target {target}) {verdict}' + (f'\n  {row["note"]}' if row['note'] else ''))


def write_figures(path: str | None, script: str, rows: list, echo: bool = True, **facts: Any) -> None:
    """Print the rows (unless already printed) and, if asked, write them with the script's facts as JSON
    for bench/report.py."""
    for row in rows if echo else ():
        print_figure(row)
    if path:
        with open(path, 'w') as handle:
            json.dump({'script': script, 'finished': time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime()),
                       'quick': quick(), 'figures': rows, 'facts': facts}, handle, indent=2)
