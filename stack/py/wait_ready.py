"""Wait until both compute hosts are mapped into the cell (nova_api.host_mappings rows), their
nova-compute services are up and both hypervisors are registered."""
import sys
import time

import pymysql
from novaclient import client as nova_client

from common import log, secrets, session

HOSTS = ('docker-host-1', 'docker-host-2')


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
        time.sleep(1)
    else:
        sys.exit(f'wait_ready: hosts mapped after {timeout}s: {sorted(mapped)}; see logs/nova-compute-*.log')
    nova = nova_client.Client('2.87', session=session())
    while time.monotonic() < deadline:
        up = {s.host for s in nova.services.list(binary='nova-compute') if s.state == 'up'}
        hypervisors = {h.hypervisor_hostname for h in nova.hypervisors.list()}
        if set(HOSTS) <= up and len(hypervisors) >= len(HOSTS):
            log(f'computes up: {sorted(up)}; hypervisors: {sorted(hypervisors)}')
            return 0
        time.sleep(1)
    sys.exit(f'wait_ready: nova-compute up on {sorted(up)}, hypervisors {sorted(hypervisors)}')


if __name__ == '__main__':
    sys.exit(main())
