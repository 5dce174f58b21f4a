"""Diagnostics (admin) and the refused live migration through the real Nova API (nova_docker.diagnostics).

One server is shared by the module: it holds 8 MiB in /dev/shm, so its memory use is known from below.
"""
from __future__ import annotations

from typing import Any

import pytest
from novaclient import client as nova_client
from novaclient import exceptions as nova_exc

from tests.stack import nova_helpers as h

pytestmark = pytest.mark.stack

HOLD_8_MIB = 'dd if=/dev/zero of=/dev/shm/held bs=1M count=8 && ' + h.SLEEP_FOREVER


def nova_at(openstack: Any, version: str, user: str = 'admin') -> Any:
    return nova_client.Client(version, session=openstack.session(user))


@pytest.fixture(scope='module')
def server(openstack: Any) -> Any:
    nova = openstack.nova('demo')
    busybox = h.image_id(openstack.glance('demo'), 'busybox:latest')
    booted = h.boot(nova, busybox, name=h.unique('dddiag'), meta={'docker_command': h.shell(HOLD_8_MIB)})
    try:
        yield h.wait_active(nova, booted.id)
    finally:
        h.delete_servers(nova, [booted.id])


def test_diagnostics_from_docker_stats(openstack, server):
    flavor = h.flavor(openstack.nova('demo'))
    _resp, body = nova_at(openstack, '2.48').servers.diagnostics(server.id)
    assert body['state'] == 'running' and body['hypervisor'] == 'docker'
    assert body['hypervisor_os'] == 'linux' and body['config_drive'] is False
    assert body['memory_details']['maximum'] == flavor.ram
    assert 8 <= body['memory_details']['used'] <= flavor.ram
    assert body['num_cpus'] == len(body['cpu_details']) >= 1
    assert sum(cpu['time'] for cpu in body['cpu_details']) > 0
    assert body['num_nics'] == 0 and body['nic_details'] == []  # booted with nics='none'
    assert body['uptime'] is not None and body['uptime'] >= 0

    _resp, flat = nova_at(openstack, '2.1').servers.diagnostics(server.id)
    assert flat['memory'] == flavor.ram * 1024 and flat['cpu0_time'] > 0

    with pytest.raises(nova_exc.Forbidden):  # admin only, by Nova's default policy
        openstack.nova('demo').servers.diagnostics(server.id)


def placement_of(nova_admin: Any, server_id: str) -> tuple[str, str]:
    found = nova_admin.servers.get(server_id)
    return found.status, getattr(found, 'OS-EXT-SRV-ATTR:host')


def test_live_migration_is_refused_up_front_and_the_server_stays(openstack, server):
    nova_admin = openstack.nova('admin')
    status, host = placement_of(nova_admin, server.id)
    assert status == 'ACTIVE'
    other = next(name for name in h.HOSTS if name != host)
    started = h.container(openstack, host, server.id)['State']['StartedAt']

    # Before microversion 2.34 the API waits for the pre-checks. A forced host skips the scheduler: Nova's
    # own 400 carries the driver's reason; through the scheduler the refused host leaves no valid host.
    with pytest.raises(nova_exc.BadRequest) as caught:
        nova_at(openstack, '2.30').servers.live_migrate(server.id, other, 'auto', force=True)
    assert 'cannot live-migrate' in str(caught.value)
    with pytest.raises(nova_exc.BadRequest) as caught:
        nova_at(openstack, '2.30').servers.live_migrate(server.id, other, 'auto')
    assert 'No valid host' in str(caught.value)
    assert placement_of(nova_admin, server.id) == ('ACTIVE', host)

    # From 2.34 on the request is accepted and the conductor records the refusal on the migration.
    nova_admin.servers.live_migrate(server.id, None, 'auto')

    def refused() -> Any:
        found = nova_admin.migrations.list(instance_uuid=server.id, migration_type='live-migration')
        return [m for m in found if m.status in ('error', 'failed')] and \
            nova_admin.servers.get(server.id).status == 'ACTIVE' and \
            getattr(nova_admin.servers.get(server.id), 'OS-EXT-STS:task_state') is None
    h.wait_for(refused, 60, message=lambda: h.describe(nova_admin, server.id))
    assert placement_of(nova_admin, server.id) == ('ACTIVE', host)
    after = h.container(openstack, host, server.id)
    assert after['State']['Running'] and after['State']['StartedAt'] == started
    assert h.container(openstack, other, server.id) is None
