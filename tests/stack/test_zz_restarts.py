"""nova_docker across restarts of the Docker Engine and of nova-compute, on the real stack.

After a restart no instance is lost (the same servers, each with the same container: same Docker id) and
every server stays manageable through Nova (stop, start, reboot, delete). Named test_zz_* so it runs
after the other stack tests; each test leaves both dockerds answering and both nova-computes up.
"""
from __future__ import annotations

import os
import signal

import pytest

from tests.stack import nova_helpers as h
from tests.stack.test_zz_faults import HOST2
from tests.stack.test_zz_faults import dockerd_stopped

pytestmark = pytest.mark.stack

RUNNING = {'docker_command': h.shell('echo started; ' + h.SLEEP_FOREVER)}


def inventory(openstack, nova, host: str, server_ids: list[str]) -> dict:
    """{server id: (Nova's status, the Docker id of its container or None)} for ``server_ids``."""
    existing = {server.id: server.status for server in nova.servers.list(search_opts={'all_tenants': True})}
    found = {}
    for server_id in server_ids:
        inspected = h.container(openstack, host, server_id)
        found[server_id] = (existing.get(server_id), inspected['Id'] if inspected else None)
    return found


def same_instances(before: dict, after: dict) -> None:
    assert set(after) == set(before)
    for server_id, (status, docker_id) in before.items():
        assert after[server_id][0] is not None, f'server {server_id} is gone from Nova'
        assert after[server_id][1] == docker_id, f'container of {server_id}: {docker_id} -> {after[server_id][1]}'


def test_dockerd_restart_loses_no_instance_and_every_server_stays_manageable(openstack):
    admin, glance = openstack.nova('admin'), openstack.glance('admin')
    image = h.image_id(glance, 'busybox:latest')
    zone = f'nova:{HOST2}'
    created = [h.boot(admin, image, availability_zone=zone, meta=RUNNING).id for _ in range(3)]
    to_stop, to_reboot, shut_off = created
    try:
        for server_id in created:
            h.wait_active(admin, server_id)
        admin.servers.stop(shut_off)
        h.wait_status(admin, shut_off, 'SHUTOFF')
        h.wait_docker_state(openstack, HOST2, shut_off, 'exited')
        before = inventory(openstack, admin, HOST2, created)
        assert all(docker_id for _status, docker_id in before.values()), before

        with dockerd_stopped(openstack):   # stopped, started again, both computes report again
            pass

        same_instances(before, inventory(openstack, admin, HOST2, created))
        # without live-restore, dockerd's shutdown stopped the running containers, and Nova follows at
        # once: the driver reports every container's state when its event stream is back
        assert h.docker_state(openstack, HOST2, to_stop) == 'exited'
        for server_id in (to_stop, to_reboot):
            h.wait_status(admin, server_id, 'SHUTOFF', timeout=30)

        # start, then stop again
        admin.servers.start(to_stop)
        h.wait_status(admin, to_stop, 'ACTIVE')
        assert h.wait_docker_state(openstack, HOST2, to_stop, 'running')['Id'] == before[to_stop][1]
        h.wait_for(lambda: admin.servers.get_console_output(to_stop).count('started') >= 2, 30,
                   message='the restarted container to write "started" again')
        admin.servers.stop(to_stop)
        h.wait_status(admin, to_stop, 'SHUTOFF')
        assert h.wait_docker_state(openstack, HOST2, to_stop, 'exited')['Id'] == before[to_stop][1]
        # a hard reboot (a soft one needs ACTIVE) starts the stopped container
        admin.servers.reboot(to_reboot, 'HARD')
        h.wait_status(admin, to_reboot, 'ACTIVE')
        assert h.wait_docker_state(openstack, HOST2, to_reboot, 'running')['Id'] == before[to_reboot][1]
        # the server that was off before the restart starts
        admin.servers.start(shut_off)
        h.wait_status(admin, shut_off, 'ACTIVE')
        assert h.wait_docker_state(openstack, HOST2, shut_off, 'running')['Id'] == before[shut_off][1]

        # and every one of them can be deleted, taking its container along
        h.delete_servers(admin, created)
        for server_id in created:
            assert h.container(openstack, HOST2, server_id) is None
    finally:
        h.delete_servers(admin, created)


def restarted_since(inspected: dict | None, started_at: str) -> dict | None:
    if inspected and inspected['State']['Running'] and inspected['State']['StartedAt'] != started_at:
        return inspected
    return None


def test_actions_sent_while_nova_compute_is_down_are_done_or_settled_when_it_is_back(openstack):
    """nova-compute dies (SIGKILL) with a stop and a reboot on their way to it (Nova's API accepted them,
    they wait in its queue); started again, it stops the container and leaves no task hanging, and both
    servers keep the same containers and take further actions."""
    admin, glance = openstack.nova('admin'), openstack.glance('admin')
    host, name = 'docker-host-1', 'nova-compute-1'
    image = h.image_id(glance, 'busybox:latest')
    created = [h.boot(admin, image, availability_zone=f'nova:{host}', meta=RUNNING).id for _ in range(2)]
    to_stop, to_reboot = created
    killed_pid = None
    try:
        for server_id in created:
            h.wait_active(admin, server_id)
        before = inventory(openstack, admin, host, created)
        started_at = h.container(openstack, host, to_reboot)['State']['StartedAt']

        killed_pid = h.pid_of(openstack, name)
        assert killed_pid, f'{name} does not run'
        os.kill(killed_pid, signal.SIGKILL)
        h.wait_for(lambda: h.process_gone(killed_pid), 10, message=f'{name} to die')
        # at once, while Nova still counts the service as up (a down service's deletes are local)
        admin.servers.stop(to_stop)
        admin.servers.reboot(to_reboot, 'SOFT')
        tasks = {s: getattr(admin.servers.get(s), 'OS-EXT-STS:task_state') for s in created}
        assert tasks == {to_stop: 'powering-off', to_reboot: 'reboot_pending'} or \
            tasks == {to_stop: 'powering-off', to_reboot: 'rebooting'}, tasks
        # the containers do not depend on nova-compute
        assert h.docker_state(openstack, host, to_stop) == 'running'

        since = h.utcnow()
        h.run_stack()
        assert h.pid_of(openstack, name) not in (None, killed_pid), f'run.sh did not restart {name}'
        h.wait_for(lambda: h.compute_reported_since(admin, host, since), 60, 1, message=f'{name} to report')
        killed_pid = None

        h.wait_status(admin, to_stop, 'SHUTOFF')
        assert h.wait_docker_state(openstack, host, to_stop, 'exited')['Id'] == before[to_stop][1]
        # Nova's start-up clears a "rebooting" task of a guest that runs (it takes the reboot as done) and
        # then drops the queued reboot: upstream behaviour, any driver. The server is not left hanging,
        # and a reboot asked now happens.
        h.wait_status(admin, to_reboot, 'ACTIVE')
        admin.servers.reboot(to_reboot, 'SOFT')
        h.wait_status(admin, to_reboot, 'ACTIVE')
        rebooted = h.wait_for(lambda: restarted_since(h.container(openstack, host, to_reboot), started_at), 30,
                              message='the rebooted container to run again')
        assert rebooted['Id'] == before[to_reboot][1]
        same_instances(before, inventory(openstack, admin, host, created))

        admin.servers.start(to_stop)
        h.wait_status(admin, to_stop, 'ACTIVE')
        h.wait_docker_state(openstack, host, to_stop, 'running')
        h.delete_servers(admin, created)
        for server_id in created:
            assert h.container(openstack, host, server_id) is None
    finally:
        try:
            if killed_pid is not None or not all(h.pid_of(openstack, f'nova-compute-{n}') for n in (1, 2)):
                h.run_stack()
        finally:
            h.delete_servers(admin, created)
