"""Containers index vs Horizon's own Instances index, same servers, same run (needs `make run`).

For each count in --counts (default BENCH_COUNTS or 50,200,1000) boots containers as `demo` across both
Docker hosts (growing the same set), then renders, in this process and against the real stack, our
/project/docker_containers/ and Horizon's /project/instances/ alternately, page size = count, and reports
medians (min/max) of the server time, the ratio (target <= 1.3 at 200), and the Docker API calls our index
made per render (target: one list call per host). The rows show the scaling: time should grow linearly in
rows, Docker calls not at all. Deletes what it booted unless --keep.

    .venv/bin/python bench/containers_index.py [--counts 50,200,1000] [--runs 7] [--keep] [--json FILE]
"""
from __future__ import annotations

import argparse
import collections
import os
import sys
import time
import warnings

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench import common  # noqa: E402

PREFIX = 'bench-index-'
BOOT_BATCH = 50


def ensure_servers(env: dict, creds: dict, count: int) -> float:
    """Grow the benchmark's servers to `count` ACTIVE ones; returns the seconds it took."""
    started = time.monotonic()
    session, nova, glance = common.clients(env, creds, 'demo')
    _admin_session, admin_nova, _ = common.clients(env, creds, 'admin')
    admin_nova.quotas.update(session.get_project_id(), instances=count + 50, cores=count + 50,
                             ram=(count + 50) * 64)
    existing = [s for s in nova.servers.list(search_opts={'name': '^' + PREFIX}) if s.status != 'ERROR']
    missing = count - len(existing)
    if missing > 0:
        image = common.image_id(glance, 'busybox:latest')
        flavor = nova.flavors.find(name='m1.tiny')
        while missing > 0:
            batch = min(missing, BOOT_BATCH)
            nova.servers.create(f'{PREFIX}{int(time.time())}', image=image, flavor=flavor.id, nics='none',
                                min_count=batch, max_count=batch)
            missing -= batch
    deadline = time.monotonic() + 300 + 3 * count
    while True:
        states = collections.Counter(s.status for s in nova.servers.list(search_opts={'name': '^' + PREFIX}))
        if states.get('ACTIVE', 0) >= count:
            return time.monotonic() - started
        if states.get('ERROR'):
            raise SystemExit(f'benchmark servers went to ERROR: {dict(states)}')
        if time.monotonic() > deadline:
            raise SystemExit(f'servers not ACTIVE in time: {dict(states)}')
        print(f'  waiting for servers: {dict(states)}', file=sys.stderr)
        time.sleep(5)


def delete_servers(env: dict, creds: dict) -> None:
    _session, nova, _glance = common.clients(env, creds, 'demo')
    servers = nova.servers.list(search_opts={'name': '^' + PREFIX})
    for server in servers:
        nova.servers.delete(server.id)
    common.wait_until(lambda: not nova.servers.list(search_opts={'name': '^' + PREFIX}), 120 + len(servers),
                      'the benchmark servers to be deleted', 3)


class IndexRenderer:
    """A Django test client logged in as demo, rendering pages in this process against the real services,
    counting the Docker API GETs our code makes."""

    def __init__(self, env: dict, creds: dict) -> None:
        os.environ['DJANGO_SETTINGS_MODULE'] = 'openstack_dashboard.settings'
        import django
        django.setup()
        warnings.simplefilter('ignore')   # Horizon's settings turn deprecation warnings back on: noise here
        import docker
        from django.test import Client

        self.docker_calls = collections.Counter()
        original_get = docker.APIClient._get
        calls = self.docker_calls

        def counting_get(self, url, *args, **kwargs):
            calls[self.base_url] += 1
            return original_get(self, url, *args, **kwargs)
        docker.APIClient._get = counting_get
        self.client = Client(HTTP_HOST=env['HORIZON_URL'].split('://', 1)[1])
        c = creds['demo']
        response = self.client.post('/auth/login/', {'username': c['username'], 'password': c['password'],
                                                     'region': 'default'})
        if response.status_code != 302:
            raise SystemExit(f'login failed: {response.status_code}')

    def timed(self, path: str) -> float:
        started = time.perf_counter()
        response = self.client.get(path)
        elapsed = time.perf_counter() - started
        if response.status_code != 200:
            raise SystemExit(f'{path}: HTTP {response.status_code}')
        return elapsed

    def measure(self, count: int, runs: int) -> dict:
        self.client.cookies['API_RESULT_PAGE_SIZE'] = str(count + 10)
        self.timed('/project/docker_containers/')   # warm caches and clients on both sides
        self.timed('/project/instances/')
        rows = self.client.get('/project/docker_containers/').content.decode().count('id="containers__row__')
        ours, theirs, calls = [], [], []
        for _ in range(runs):
            self.docker_calls.clear()
            ours.append(self.timed('/project/docker_containers/'))
            calls.append(sum(self.docker_calls.values()))
            theirs.append(self.timed('/project/instances/'))
        return {'rows': rows, 'ours_s': ours, 'instances_s': theirs, 'docker_calls': calls}


def rows_for(count: int, result: dict, hosts: int, boot_s: float) -> list:
    note = f'{result["rows"]} rows rendered; booting the servers took {boot_s:.0f} s'
    return [
        common.figure(f'index_time@{count}', f'containers index, {count} containers on {hosts} hosts', 's',
                      result['ours_s'], result['instances_s'], "Horizon's Instances index", ('<=', 1.3), note),
        common.figure(f'docker_calls@{count}', f'Docker calls per index render, {count} containers', 'calls',
                      result['docker_calls'], float(hosts), 'number of hosts', ('==', 1.0)),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--counts', default=os.environ.get('BENCH_COUNTS', '4' if common.quick() else '50,200,1000'))
    parser.add_argument('--runs', type=int, default=3 if common.quick() else 7)
    parser.add_argument('--keep', action='store_true', help='leave the benchmark servers running')
    parser.add_argument('--json', help='also write the figures to this file')
    args = parser.parse_args()
    counts = sorted({int(c) for c in args.counts.split(',') if c.strip()})
    env, creds = common.stack_env()
    rows = []
    try:
        renderer = None
        for count in counts:
            boot_s = ensure_servers(env, creds, count)
            renderer = renderer or IndexRenderer(env, creds)
            result = renderer.measure(count, args.runs)
            from docker_dashboard import conf
            rows += rows_for(count, result, len(conf.get_settings().hosts), boot_s)
            for row in rows[-2:]:
                common.print_figure(row)
    finally:
        if not args.keep:
            delete_servers(env, creds)
    common.write_figures(args.json, 'containers_index', rows, echo=False, counts=counts, runs=args.runs)
    return 0


if __name__ == '__main__':
    sys.exit(main())
