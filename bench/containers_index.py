"""Containers index vs Horizon's own Instances index, same servers, same run (needs `make run`).

Boots N containers (default 200) as `demo` across both Docker hosts, then renders, in this process and
against the real stack, our /project/docker_containers/ and Horizon's /project/instances/ alternately,
page size N, and prints medians (min/max) of the server time, the ratio, and the Docker API calls our index
made per render (target: one list call per host). Cleans up what it booted unless --keep.

    .venv/bin/python bench/containers_index.py [--count 200] [--runs 7] [--keep] [--json FILE]
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import statistics
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STACK_DIR = os.environ.get('STACK_DIR', os.path.join(REPO, '.state', 'stack'))
PREFIX = 'bench-index-'


def stack_env() -> tuple:
    with open(os.path.join(STACK_DIR, 'stack.json')) as handle:
        env = json.load(handle)
    with open(env['CREDENTIALS_FILE']) as handle:
        return env, json.load(handle)


def clients(env: dict, creds: dict, user: str):
    from keystoneauth1 import session as ks_session
    from keystoneauth1.identity import v3
    from novaclient import client as nova_client
    from glanceclient import client as glance_client
    c = creds[user]
    auth = v3.Password(auth_url=c['auth_url'], username=c['username'], password=c['password'],
                       project_name=c['project_name'], user_domain_id='default', project_domain_id='default')
    session = ks_session.Session(auth=auth, timeout=120)
    return session, nova_client.Client(env['NOVA_MICROVERSION'], session=session), glance_client.Client('2', session=session)


def ensure_servers(env: dict, creds: dict, count: int) -> list:
    session, nova, glance = clients(env, creds, 'demo')
    _admin_session, admin_nova, _ = clients(env, creds, 'admin')
    project_id = session.get_project_id()
    admin_nova.quotas.update(project_id, instances=count + 50, cores=count + 50, ram=(count + 50) * 64)
    existing = [s for s in nova.servers.list(search_opts={'name': '^' + PREFIX}) if s.status != 'ERROR']
    missing = count - len(existing)
    if missing > 0:
        image = next(i.id for i in glance.images.list() if i.name == 'busybox:latest')
        flavor = nova.flavors.find(name='m1.tiny')
        while missing > 0:
            batch = min(missing, 50)
            nova.servers.create(f'{PREFIX}{int(time.time())}', image=image, flavor=flavor.id, nics='none',
                                min_count=batch, max_count=batch)
            missing -= batch
    deadline = time.monotonic() + 900
    while True:
        servers = nova.servers.list(search_opts={'name': '^' + PREFIX})
        states = collections.Counter(s.status for s in servers)
        if states.get('ACTIVE', 0) >= count:
            return servers
        if time.monotonic() > deadline:
            raise SystemExit(f'servers not ACTIVE in time: {dict(states)}')
        print(f'  waiting for servers: {dict(states)}', file=sys.stderr)
        time.sleep(5)


def delete_servers(env: dict, creds: dict) -> None:
    _session, nova, _glance = clients(env, creds, 'demo')
    for server in nova.servers.list(search_opts={'name': '^' + PREFIX}):
        nova.servers.delete(server.id)


def measure(env: dict, creds: dict, count: int, runs: int) -> dict:
    os.environ['DJANGO_SETTINGS_MODULE'] = 'openstack_dashboard.settings'
    import django
    django.setup()
    import docker
    from django.test import Client

    docker_calls = collections.Counter()
    original_get = docker.APIClient._get

    def counting_get(self, url, *args, **kwargs):
        docker_calls[self.base_url] += 1
        return original_get(self, url, *args, **kwargs)
    docker.APIClient._get = counting_get

    host = env['HORIZON_URL'].split('://', 1)[1]
    client = Client(HTTP_HOST=host)
    c = creds['demo']
    response = client.post('/auth/login/', {'username': c['username'], 'password': c['password'], 'region': 'default'})
    if response.status_code != 302:
        raise SystemExit(f'login failed: {response.status_code}')
    client.cookies['API_RESULT_PAGE_SIZE'] = str(count + 10)

    def timed(path: str) -> float:
        started = time.perf_counter()
        response = client.get(path)
        elapsed = time.perf_counter() - started
        if response.status_code != 200:
            raise SystemExit(f'{path}: HTTP {response.status_code}')
        return elapsed

    ours, theirs, calls = [], [], []
    timed('/project/docker_containers/')   # warm caches and clients on both sides
    timed('/project/instances/')
    rows = client.get('/project/docker_containers/').content.decode().count('id="containers__row__')
    for _ in range(runs):
        docker_calls.clear()
        ours.append(timed('/project/docker_containers/'))
        calls.append(sum(docker_calls.values()))
        theirs.append(timed('/project/instances/'))
    from docker_dashboard import conf
    hosts = len(conf.get_settings().hosts)
    return {'rows': rows, 'ours_s': ours, 'instances_s': theirs, 'docker_calls': calls, 'hosts': hosts}


def summary(name: str, values: list) -> str:
    return f'{name}: median {statistics.median(values):.3f}  min {min(values):.3f}  max {max(values):.3f}'


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--count', type=int, default=200)
    parser.add_argument('--runs', type=int, default=7)
    parser.add_argument('--keep', action='store_true', help='leave the benchmark servers running')
    parser.add_argument('--json', help='also write the figures to this file')
    args = parser.parse_args()
    env, creds = stack_env()
    try:
        ensure_servers(env, creds, args.count)
        result = measure(env, creds, args.count, args.runs)
    finally:
        if not args.keep:
            delete_servers(env, creds)
    ratio = statistics.median(result['ours_s']) / statistics.median(result['instances_s'])
    print(f'containers index, {result["rows"]} rows on {result["hosts"]} hosts, {args.runs} runs')
    print('  ' + summary('ours (s)', result['ours_s']))
    print('  ' + summary('Horizon Instances (s)', result['instances_s']))
    print(f'  ratio ours/Instances: {ratio:.2f}  (target <= 1.3)')
    print(f'  Docker API calls per render: {sorted(set(result["docker_calls"]))}  (target: {result["hosts"]}, one per host)')
    if args.json:
        with open(args.json, 'w') as handle:
            json.dump(dict(result, ratio=ratio, count=args.count), handle, indent=2)
    return 0


if __name__ == '__main__':
    sys.exit(main())
