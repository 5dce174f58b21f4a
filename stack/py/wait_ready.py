"""Wait until both compute hosts are mapped into the cell (nova_api.host_mappings rows), their
nova-compute services are up and both hypervisors are registered."""
import datetime
import os
import sys
import time

import pymysql
from novaclient import client as nova_client

from common import STACK_DIR, log, secrets, session

HOSTS = ('docker-host-1', 'docker-host-2')


def check_processes():
    """Fail fast when a nova-compute process died (its log says why)."""
    for n in (1, 2):
        try:
            with open(os.path.join(STACK_DIR, 'run', f'nova-compute-{n}.pid')) as handle:
                pid = int(handle.readline())
            os.kill(pid, 0)
            with open(f'/proc/{pid}/status') as handle:
                if 'zombie' in handle.read():
                    raise OSError
        except (OSError, ValueError):
            sys.exit(f'wait_ready: nova-compute-{n} is not running; see {STACK_DIR}/logs/nova-compute-{n}.log')


def started_at(n):
    """When nova-compute-N was started (its pidfile is written then), as a naive UTC datetime."""
    mtime = os.path.getmtime(os.path.join(STACK_DIR, 'run', f'nova-compute-{n}.pid'))
    return datetime.datetime.fromtimestamp(mtime, datetime.timezone.utc).replace(tzinfo=None)


def reported_since_start(service, n):
    """A service row still says 'up' for a minute after its process died: require a fresh report."""
    updated = datetime.datetime.fromisoformat(service.updated_at.replace('Z', '')).replace(tzinfo=None)
    return updated >= started_at(n) - datetime.timedelta(seconds=1)


def main(timeout=240):
    sec = secrets()
    deadline = time.monotonic() + timeout
    mapped = set()
    while time.monotonic() < deadline:
        conn = pymysql.connect(host='127.0.0.1', port=3306, user='nova', password=sec['DB_PASS'],
                               database='nova_api', connect_timeout=5)
        try:
            with conn.cursor() as cur:
                cur.execute('SELECT host FROM host_mappings')
                mapped = {row[0] for row in cur.fetchall()}
        finally:
            conn.close()
        if set(HOSTS) <= mapped:
            break
        check_processes()
        time.sleep(1)
    else:
        sys.exit(f'wait_ready: hosts mapped after {timeout}s: {sorted(mapped)}; see logs/nova-compute-*.log')
    nova = nova_client.Client('2.87', session=session())
    while time.monotonic() < deadline:
        up = {s.host for s in nova.services.list(binary='nova-compute')
              if s.state == 'up' and s.host in HOSTS and s.updated_at
              and reported_since_start(s, HOSTS.index(s.host) + 1)}
        hypervisors = {h.hypervisor_hostname for h in nova.hypervisors.list()}
        if set(HOSTS) <= up and len(hypervisors) >= len(HOSTS):
            log(f'computes up: {sorted(up)}; hypervisors: {sorted(hypervisors)}')
            return 0
        check_processes()
        time.sleep(1)
    sys.exit(f'wait_ready: nova-compute up on {sorted(up)}, hypervisors {sorted(hypervisors)}')


if __name__ == '__main__':
    sys.exit(main())
