"""Resize and cold migration through the real Nova API (nova_docker.migration).

Same-host resize: the server's flavors require a custom trait that only docker-host-1's resource
provider carries for the duration of the module, so Nova schedules the resize back to it. Cold
migration: admin `migrate --host` between the two Docker hosts. Placement allocations (admin) are
checked for the server and for the migration record that holds the other side until confirm/revert.
"""
from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.stack import nova_helpers as h

pytestmark = pytest.mark.stack

BUSYBOX = 'busybox:latest'
MiB = 1024 * 1024
PLACEMENT = {'service_type': 'placement'}
PLACEMENT_HEADERS = {'OpenStack-API-Version': 'placement 1.6'}


# -- Placement (admin) ------------------------------------------------------------------------------------
def placement(openstack: Any, method: str, path: str, **kwargs: Any) -> Any:
    response = openstack.session('admin').request(path, method, endpoint_filter=PLACEMENT,
                                                  headers=PLACEMENT_HEADERS, raise_exc=False, **kwargs)
    assert response.status_code < 400 or response.status_code == 409, \
        f'{method} {path}: {response.status_code} {response.text}'
    return response


def provider_uuid(openstack: Any, host: str) -> str:
    found = placement(openstack, 'GET', f'/resource_providers?name={host}').json()['resource_providers']
    assert len(found) == 1, found
    return found[0]['uuid']


def set_trait(openstack: Any, rp_uuid: str, trait: str, present: bool) -> None:
    """Add or remove one trait on a provider, keeping the others (retried on a generation conflict)."""
    for _attempt in range(10):
        current = placement(openstack, 'GET', f'/resource_providers/{rp_uuid}/traits').json()
        traits = set(current['traits']) | {trait} if present else set(current['traits']) - {trait}
        response = placement(openstack, 'PUT', f'/resource_providers/{rp_uuid}/traits', json={
            'traits': sorted(traits),
            'resource_provider_generation': current['resource_provider_generation']})
        if response.status_code != 409:
            return
    raise AssertionError(f'could not set {trait} on {rp_uuid}')


def allocations(openstack: Any, consumer: str) -> dict[str, dict]:
    """{provider uuid: resources} of a consumer (a server or a migration)."""
    found = placement(openstack, 'GET', f'/allocations/{consumer}').json()['allocations']
    return {rp: value['resources'] for rp, value in found.items()}


def migration_uuid(nova_admin: Any, server_id: str) -> str:
    found = sorted(nova_admin.migrations.list(instance_uuid=server_id), key=lambda m: m.id)
    assert found, f'no migration of {server_id}'
    return found[-1].uuid


# -- fixtures ---------------------------------------------------------------------------------------------
@pytest.fixture(scope='module')
def nova(openstack):
    return openstack.nova('demo')


@pytest.fixture(scope='module')
def nova_admin(openstack):
    return openstack.nova('admin')


@pytest.fixture(scope='module')
def busybox(openstack):
    return h.image_id(openstack.glance('demo'), BUSYBOX)


@pytest.fixture(scope='module')
def pinned_flavors(openstack, nova_admin):
    """Two public flavors (64 MiB/1 vCPU, 128 MiB/2 vCPUs) that only docker-host-1 can hold."""
    trait = f'CUSTOM_DDTEST_RESIZE_{uuid.uuid4().hex[:8].upper()}'
    placement(openstack, 'PUT', f'/traits/{trait}')
    rp_uuid = provider_uuid(openstack, 'docker-host-1')
    set_trait(openstack, rp_uuid, trait, True)
    made = []
    try:
        for ram, vcpus in ((64, 1), (128, 2)):
            flavor = nova_admin.flavors.create(h.unique(f'ddtest-r{ram}'), ram, vcpus, 1,
                                               flavorid='auto', is_public=True)
            made.append(flavor)
            flavor.set_keys({f'trait:{trait}': 'required'})
        yield made[0], made[1], rp_uuid
    finally:
        for flavor in made:
            nova_admin.flavors.delete(flavor.id)
        set_trait(openstack, rp_uuid, trait, False)
        placement(openstack, 'DELETE', f'/traits/{trait}')


@pytest.fixture
def servers(nova):
    created: list[str] = []
    yield created
    h.delete_servers(nova, created)


def exec_in(openstack: Any, host: str, server_id: str, script: str) -> str:
    client = openstack.docker(host)
    exec_id = client.exec_create(f'nova-{server_id}', ['sh', '-c', script])
    return client.exec_start(exec_id).decode().strip()


def memory_limit_inside(openstack: Any, host: str, server_id: str) -> int:
    """The memory limit the container itself sees in its cgroup (v2, or v1)."""
    return int(exec_in(openstack, host, server_id, 'cat /sys/fs/cgroup/memory.max 2>/dev/null '
                       '|| cat /sys/fs/cgroup/memory/memory.limit_in_bytes'))


def boot(nova: Any, image: str, flavor_id: str, servers: list[str]) -> Any:
    server = nova.servers.create(h.unique('ddresize'), image=image, flavor=flavor_id, nics='none',
                                 meta={'docker_command': h.shell(h.SLEEP_FOREVER)})
    servers.append(server.id)
    return h.wait_active(nova, server.id)


# -- tests ------------------------------------------------------------------------------------------------
def test_resize_on_the_same_host_changes_live_limits_confirm_and_revert(
        openstack, nova, nova_admin, busybox, pinned_flavors, servers):
    small, big, rp_uuid = pinned_flavors
    server = boot(nova, busybox, small.id, servers)
    assert h.host_of(openstack, server) == 'docker-host-1'
    before = h.container(openstack, 'docker-host-1', server.id)

    nova.servers.resize(server.id, big.id)
    h.wait_status(nova, server.id, 'VERIFY_RESIZE')
    after = h.container(openstack, 'docker-host-1', server.id)
    assert (after['Id'], after['State']['StartedAt']) == (before['Id'], before['State']['StartedAt'])
    assert after['HostConfig']['Memory'] == 128 * MiB
    assert memory_limit_inside(openstack, 'docker-host-1', server.id) == 128 * MiB
    held = migration_uuid(nova_admin, server.id)
    assert allocations(openstack, server.id)[rp_uuid]['MEMORY_MB'] == 128
    assert allocations(openstack, held)[rp_uuid]['MEMORY_MB'] == 64
    nova.servers.confirm_resize(server.id)
    h.wait_active(nova, server.id)
    assert allocations(openstack, server.id) == {rp_uuid: {'VCPU': 2, 'MEMORY_MB': 128, 'DISK_GB': 1}}
    assert allocations(openstack, held) == {}

    nova.servers.resize(server.id, small.id)  # down, then revert to the big flavor
    h.wait_status(nova, server.id, 'VERIFY_RESIZE')
    assert memory_limit_inside(openstack, 'docker-host-1', server.id) == 64 * MiB
    nova.servers.revert_resize(server.id)
    h.wait_active(nova, server.id)
    reverted = h.container(openstack, 'docker-host-1', server.id)
    assert (reverted['Id'], reverted['State']['StartedAt']) == (before['Id'], before['State']['StartedAt'])
    assert reverted['State']['Running']
    assert memory_limit_inside(openstack, 'docker-host-1', server.id) == 128 * MiB
    assert allocations(openstack, server.id) == {rp_uuid: {'VCPU': 2, 'MEMORY_MB': 128, 'DISK_GB': 1}}
    assert allocations(openstack, migration_uuid(nova_admin, server.id)) == {}


def test_cold_migration_keeps_files_revert_and_confirm(openstack, nova, nova_admin, busybox, servers):
    server = boot(nova, busybox, h.flavor(nova).id, servers)
    source = h.host_of(openstack, server)
    target = next(host for host in h.HOSTS if host != source)
    source_rp, target_rp = provider_uuid(openstack, source), provider_uuid(openstack, target)
    exec_in(openstack, source, server.id, 'echo written-inside > /root/kept')

    nova_admin.servers.migrate(server.id, host=target)
    h.wait_status(nova, server.id, 'VERIFY_RESIZE')
    assert h.host_of(openstack, nova.servers.get(server.id)) == target
    assert exec_in(openstack, target, server.id, 'cat /root/kept') == 'written-inside'
    held = h.container(openstack, source, f'{server.id}-resize')
    assert held is not None and not held['State']['Running']
    assert list(allocations(openstack, server.id)) == [target_rp]
    assert list(allocations(openstack, migration_uuid(nova_admin, server.id))) == [source_rp]

    nova.servers.revert_resize(server.id)  # the owner reverts: the source container comes back
    h.wait_active(nova, server.id)
    assert h.host_of(openstack, nova.servers.get(server.id)) == source
    assert h.container(openstack, source, server.id)['State']['Running']
    assert exec_in(openstack, source, server.id, 'cat /root/kept') == 'written-inside'
    assert h.container(openstack, target, server.id) is None
    assert list(allocations(openstack, server.id)) == [source_rp]

    exec_in(openstack, source, server.id, 'echo second-move >> /root/kept')
    nova_admin.servers.migrate(server.id, host=target)
    h.wait_status(nova, server.id, 'VERIFY_RESIZE')
    nova.servers.confirm_resize(server.id)
    h.wait_active(nova, server.id)
    assert h.host_of(openstack, nova.servers.get(server.id)) == target
    assert exec_in(openstack, target, server.id, 'cat /root/kept') == 'written-inside\nsecond-move'
    assert h.container(openstack, source, f'{server.id}-resize') is None
    assert h.container(openstack, source, server.id) is None
    assert list(allocations(openstack, server.id)) == [target_rp]
    assert allocations(openstack, migration_uuid(nova_admin, server.id)) == {}
