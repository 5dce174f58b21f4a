"""Evacuate through the real Nova API: a server's compute host goes down (its nova-compute killed and
forced down), the admin evacuates it, the driver rebuilds it from its image on the other Docker host.
What was written inside the old container is not there (README: what evacuate loses). When the host's
nova-compute comes back, Nova removes the old container there. Puts the stack back (try/finally)."""
from __future__ import annotations

import concurrent.futures
import os
import signal

import pytest
from novaclient import exceptions as nova_exc

from tests.stack import nova_helpers as h

pytestmark = pytest.mark.stack


def exec_in(openstack, host, server_id, script):
    client = openstack.docker(host)
    exec_id = client.exec_create(f'nova-{server_id}', ['sh', '-c', script])
    return client.exec_start(exec_id).decode().strip()


def force_up(nova_admin, service_id):
    """Clear the service's forced-down flag; False while Nova still refuses (evacuation not processed)."""
    try:
        nova_admin.services.force_down(service_id, False)
    except nova_exc.BadRequest:
        return False
    return True


def test_evacuate_rebuilds_on_the_other_host_from_the_image(openstack):
    nova = openstack.nova('demo')
    nova_admin = openstack.nova('admin')
    busybox = h.image_id(openstack.glance('demo'), 'busybox:latest')
    server = h.wait_active(nova, h.boot(nova, busybox, name=h.unique('ddevac'),
                                        meta={'docker_command': h.shell(h.SLEEP_FOREVER)}).id)
    source = h.host_of(openstack, server)
    target = next(host for host in h.HOSTS if host != source)
    name = f'nova-compute-{h.HOSTS.index(source) + 1}'
    service = nova_admin.services.list(binary='nova-compute', host=source)[0]
    exec_in(openstack, source, server.id, 'echo written-after-boot > /data.txt')
    old_id = h.container(openstack, source, server.id)['Id']
    forced = False
    try:
        os.kill(h.pid_of(openstack, name), signal.SIGKILL)
        nova_admin.services.force_down(service.id, True)
        forced = True
        nova_admin.servers.evacuate(server.id)
        # Nova saves the rebuilt server ACTIVE before it moves it to the new host (the resource tracker's
        # finish_evacuation): wait for both.
        h.wait_for(lambda: (found := h.wait_active(nova, server.id))
                   and h.host_of(openstack, found) == target, 120,
                   message=lambda: f'{server.id} ACTIVE on {target}: {h.describe(nova, server.id)}')
        new = h.container(openstack, target, server.id)
        assert new['State']['Running']
        assert new['Config']['Labels']['org.openstack.nova.instance_uuid'] == server.id
        # Rebuilt from the image: the file written in the old container did not travel.
        assert exec_in(openstack, target, server.id, 'cat /data.txt 2>&1 || true') != 'written-after-boot'
        assert h.container(openstack, source, server.id)['Id'] == old_id  # the down host was not touched

        # The killed nova-compute starts again; Nova lets the host be forced up only once that start-up
        # has dealt with the evacuation (and run.sh waits for the host to be up), so both go together.
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            started = pool.submit(h.run_stack)
            h.wait_for(lambda: force_up(nova_admin, service.id), 300, 2,
                       message=f'{source} forced up after its nova-compute restarted')
            forced = False
            started.result(timeout=600)
        # Nova's start-up removed the instance evacuated away from this host (supports_evacuate).
        h.wait_for(lambda: h.container(openstack, source, server.id) is None, 120,
                   message=f'old container of {server.id} removed on {source}')
        assert h.container(openstack, target, server.id)['State']['Running']
    finally:
        if not h.pid_of(openstack, name):
            if forced:
                with concurrent.futures.ThreadPoolExecutor(1) as pool:
                    started = pool.submit(h.run_stack)
                    h.wait_for(lambda: force_up(nova_admin, service.id), 300, 2)
                    started.result(timeout=600)
            else:
                h.run_stack()
        elif forced:
            h.wait_for(lambda: force_up(nova_admin, service.id), 300, 2)
        h.delete_servers(nova, [server.id])
