"""Rebuild and restart policy through the real Nova API (user demo): a rebuild from the container's own
snapshot rolls its filesystem back and keeps the server's id, name, port and fixed IP; changed metadata
applied by a rebuild from the same image; Docker's restart policy restarts a failing command while Nova
stays ACTIVE/Running. One server carries the rebuild assertions (about 40 s)."""
from __future__ import annotations

import time

import pytest

from tests.stack import nova_helpers as h
from tests.stack.neutron_helpers import endpoint, own_network, ports_of

pytestmark = pytest.mark.stack

PREFIX = 'rbld'
POWER_RUNNING = 1


def exec_in(openstack, host, server_id, cmd):
    client = openstack.docker(host)
    exec_id = client.exec_create(f'nova-{server_id}', cmd)
    return client.exec_start(exec_id).decode('utf-8', 'replace')  # bounded by the client's timeout


@pytest.fixture(scope='module')
def nova(openstack):
    return openstack.nova('demo')


@pytest.fixture(scope='module')
def net(openstack):
    with own_network(openstack, h.unique(PREFIX)) as network:
        yield network


def test_rebuild_from_a_snapshot_rolls_back_then_edited_metadata_applies(openstack, nova, net):
    glance = openstack.glance('demo')
    name = h.unique(PREFIX)
    server = nova.servers.create(name, image=h.image_id(glance, 'busybox:latest'), flavor=h.flavor(nova).id,
                                 nics=[{'net-id': net['id']}],
                                 meta={'docker_command': h.shell('echo v1; ' + h.SLEEP_FOREVER)})
    snapshot_id = None
    try:
        server = h.wait_active(nova, server.id)
        host = h.host_of(openstack, server)
        (port,) = ports_of(openstack, server.id)
        address = port['fixed_ips'][0]['ip_address']
        exec_in(openstack, host, server.id, ['sh', '-c', 'echo before > /before.txt'])
        snapshot_id = nova.servers.create_image(server.id, h.unique(PREFIX))
        h.wait_image_active(glance, snapshot_id)
        h.wait_active(nova, server.id)
        exec_in(openstack, host, server.id, ['sh', '-c', 'echo after > /after.txt'])
        old = h.container(openstack, host, server.id)

        nova.servers.rebuild(server.id, snapshot_id)
        h.wait_for(lambda: h.container(openstack, host, server.id) is not None
                   and h.container(openstack, host, server.id)['Id'] != old['Id'], 60,
                   message='a new container')
        rebuilt = h.wait_active(nova, server.id)
        assert (rebuilt.id, rebuilt.name, rebuilt.image['id']) == (server.id, name, snapshot_id)
        assert getattr(rebuilt, 'OS-EXT-STS:power_state') == POWER_RUNNING
        assert ports_of(openstack, server.id)[0]['id'] == port['id']
        assert [a['addr'] for a in rebuilt.addresses[net['name']]] == [address]
        found = h.container(openstack, host, server.id)
        assert found['State']['Running'] and endpoint(found, net['id'])['IPAddress'] == address
        assert found['Config']['Labels'][h.LABEL_IMAGE] == snapshot_id
        assert found['Config']['Labels'][h.LABEL_UUID] == server.id
        assert exec_in(openstack, host, server.id, ['cat', '/before.txt']).strip() == 'before'
        assert 'No such file' in exec_in(openstack, host, server.id, ['cat', '/after.txt'])

        # Edit: new command and environment as metadata, applied by a rebuild from the same image.
        nova.servers.set_meta(server.id, {'docker_command': h.shell('echo "v2 $MODE"; ' + h.SLEEP_FOREVER),
                                          'docker_env_MODE': 'edited'})
        nova.servers.rebuild(server.id, snapshot_id)
        h.wait_for(lambda: 'v2 edited' in h.docker_logs(openstack, host, server.id), 60,
                   message=lambda: h.describe(nova, server.id))
        assert h.wait_active(nova, server.id).addresses[net['name']][0]['addr'] == address
        assert 'v1' not in h.docker_logs(openstack, host, server.id)
    finally:
        h.delete_servers(nova, [server.id])
        if snapshot_id:
            h.delete_image(glance, snapshot_id)
            h.remove_cached_image(openstack, snapshot_id)


def test_restart_policy_on_failure_restarts_and_nova_stays_active(openstack, nova):
    glance = openstack.glance('demo')
    # Fails on its first run only: the file stays in the container across Docker's restart.
    command = h.shell('test -f /ran || { touch /ran; echo failing; exit 3; }; echo recovered; ' + h.SLEEP_FOREVER)
    server = h.boot(nova, h.image_id(glance, 'busybox:latest'),
                    meta={'docker_command': command, 'docker_restart_policy': 'on-failure:2'})
    try:
        server = h.wait_active(nova, server.id)
        host = h.host_of(openstack, server)
        h.wait_for(lambda: 'recovered' in h.docker_logs(openstack, host, server.id), 30,
                   message='the restarted command')
        found = h.container(openstack, host, server.id)
        assert found['HostConfig']['RestartPolicy'] == {'Name': 'on-failure', 'MaximumRetryCount': 2}
        assert found['RestartCount'] == 1 and found['State']['Running']
        # Longer than the driver's STOPPED delay and its repeat: Nova never saw the restart as a stop.
        time.sleep(8)
        server = h.wait_active(nova, server.id)
        assert getattr(server, 'OS-EXT-STS:power_state') == POWER_RUNNING
        assert [a.action for a in nova.instance_action.list(server.id)] == ['create']
    finally:
        h.delete_servers(nova, [server.id])
