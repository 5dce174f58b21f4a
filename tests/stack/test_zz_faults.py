"""nova_docker under faults, on the real stack: a killed nova-compute and a stopped Docker Engine.

Named test_zz_* so it runs after the other stack tests (it restarts stack processes). Every test puts
the stack back as it found it (try/finally): both dockerds answer and both nova-computes report up."""
from __future__ import annotations

import contextlib
import os
import re
import signal
from typing import Iterator

import pytest
from novaclient import exceptions as nova_exc

from tests.stack import nova_helpers as h

pytestmark = pytest.mark.stack

HOST2 = 'docker-host-2'
HOST2_TCP = '127.0.0.2:2376'   # stack/lib/common.sh DOCKER2_TCP; run.sh: start_dockerd docker-host-2 --tcp
UNREACHABLE = 'The Docker Engine of this compute host is not reachable'


def ensure_computes_up(openstack, since=None, timeout: float = 120) -> None:
    """Both nova-compute processes run and report 'up' (after ``since``, when given)."""
    if not all(h.pid_of(openstack, f'nova-compute-{n}') for n in (1, 2)):
        h.run_stack()
    admin = openstack.nova('admin')
    for host in h.HOSTS:
        if since is None:
            h.wait_for(lambda: any(s.state == 'up' for s in admin.services.list(binary='nova-compute', host=host)),
                       timeout, 1, message=f'nova-compute on {host} up')
        else:
            h.wait_for(lambda: h.compute_reported_since(admin, host, since), timeout, 1,
                       message=f'nova-compute on {host} to report after {since}')


def test_killed_nova_compute_comes_back_and_manages_the_same_container(openstack):
    nova, glance = openstack.nova('demo'), openstack.glance('demo')
    server = h.boot(nova, h.image_id(glance, 'busybox:latest'),
                    meta={'docker_command': h.shell('echo started; ' + h.SLEEP_FOREVER)})
    killed_pid = None
    try:
        server = h.wait_active(nova, server.id)
        host = h.host_of(openstack, server)
        name = f'nova-compute-{h.HOSTS.index(host) + 1}'
        before = h.container(openstack, host, server.id)
        assert before['State']['Status'] == 'running'

        killed_pid = h.pid_of(openstack, name)
        assert killed_pid, f'{name} does not run (no live pid in {h.stack_dir(openstack)}/run/{name}.pid)'
        os.kill(killed_pid, signal.SIGKILL)
        h.wait_for(lambda: h.process_gone(killed_pid), 10, message=f'{name} (pid {killed_pid}) to die')
        # the container does not depend on nova-compute
        assert h.docker_state(openstack, host, server.id) == 'running'

        since = h.utcnow()
        h.run_stack()   # idempotent: starts what is missing and waits until both computes report
        new_pid = h.pid_of(openstack, name)
        assert new_pid and new_pid != killed_pid, f'run.sh did not restart {name}'
        h.wait_for(lambda: h.compute_reported_since(openstack.nova('admin'), host, since), 60, 1,
                   message=f'{name} to report up again')
        killed_pid = None

        # the restarted compute found the container as it was: not recreated, not restarted
        after = h.container(openstack, host, server.id)
        assert after['Id'] == before['Id']
        assert after['State']['Status'] == 'running'
        assert after['State']['StartedAt'] == before['State']['StartedAt']
        server = h.wait_active(nova, server.id)
        assert h.host_of(openstack, server) == host

        nova.servers.stop(server.id)
        h.wait_status(nova, server.id, 'SHUTOFF')
        assert h.wait_docker_state(openstack, host, server.id, 'exited')['Id'] == before['Id']
        nova.servers.start(server.id)
        h.wait_status(nova, server.id, 'ACTIVE')
        assert h.wait_docker_state(openstack, host, server.id, 'running')['Id'] == before['Id']
        assert nova.servers.get_console_output(server.id).count('started') == 2
    finally:
        try:
            if killed_pid is not None or not all(h.pid_of(openstack, f'nova-compute-{n}') for n in (1, 2)):
                h.run_stack()
        finally:
            h.delete_servers(nova, [server.id])


@contextlib.contextmanager
def dockerd_stopped(openstack, host: str = HOST2, tcp: str = HOST2_TCP) -> Iterator[None]:
    """python tools/dockerd.py stop NAME STATE_DIR; on the way out start it again exactly as
    stack/lib/infra.sh does and wait until the Docker Engine answers and nova-compute reports again."""
    h.dockerd('stop', host, openstack)
    try:
        h.wait_for(lambda: not h.docker_answers(openstack, host), 30, message=f'dockerd {host} to stop')
        yield
    finally:
        h.dockerd('start', host, openstack, tcp=tcp)
        h.wait_for(lambda: h.docker_answers(openstack, host), 60, message=f'dockerd {host} to answer again')
        ensure_computes_up(openstack, since=h.utcnow())


def test_stopped_dockerd_leaves_the_other_host_working_and_fails_its_own_actions_readably(openstack):
    admin, glance = openstack.nova('admin'), openstack.glance('admin')
    image = h.image_id(glance, 'busybox:latest')
    created: list[str] = []
    try:
        on_host2 = h.boot(admin, image, availability_zone=f'nova:{HOST2}',
                          meta={'docker_command': h.shell('echo started; ' + h.SLEEP_FOREVER)})
        created.append(on_host2.id)
        to_delete = h.boot(admin, image, availability_zone=f'nova:{HOST2}')
        created.append(to_delete.id)
        h.wait_active(admin, on_host2.id)
        h.wait_active(admin, to_delete.id)
        with dockerd_stopped(openstack):
            # docker-host-1 keeps working: boot, stop, start, delete pinned there
            on_host1 = h.boot(admin, image, availability_zone='nova:docker-host-1')
            created.append(on_host1.id)
            server = h.wait_active(admin, on_host1.id)
            assert getattr(server, 'OS-EXT-SRV-ATTR:host') == 'docker-host-1'
            assert h.docker_state(openstack, 'docker-host-1', on_host1.id) == 'running'
            admin.servers.stop(on_host1.id)
            h.wait_status(admin, on_host1.id, 'SHUTOFF')
            h.wait_docker_state(openstack, 'docker-host-1', on_host1.id, 'exited')
            admin.servers.start(on_host1.id)
            h.wait_status(admin, on_host1.id, 'ACTIVE')
            h.wait_docker_state(openstack, 'docker-host-1', on_host1.id, 'running')
            h.delete_servers(admin, [on_host1.id])
            h.wait_docker_state(openstack, 'docker-host-1', on_host1.id, None)

            # an action on the docker-host-2 server fails with a readable message in the action log
            # and the server keeps its state (no task left hanging)
            admin.servers.stop(on_host2.id)

            def stop_failed():
                events = h.action_events(admin, on_host2.id, 'stop')
                return events if events and all(e.get('finish_time') for e in events) else None
            events = h.wait_for(stop_failed, h.ACTION_TIMEOUT, message='the stop action to finish')
            assert [e['result'] for e in events] == ['Error'], events
            details = events[0].get('details') or ''
            assert UNREACHABLE in details, events
            assert HOST2_TCP not in details and 'tcp://' not in details, details
            server = h.wait_status(admin, on_host2.id, 'ACTIVE')
            assert getattr(server, 'OS-EXT-STS:task_state') is None

            # deleting a docker-host-2 server cannot remove its container: ERROR with a readable fault
            admin.servers.delete(to_delete.id)
            failed = h.wait_status(admin, to_delete.id, 'ERROR')
            # the step that failed is named: the driver inspects the container (its networks) before removing it
            assert UNREACHABLE in failed.fault['message'], failed.fault
            assert re.search(r'\((inspect|remove) the container\)', failed.fault['message']), failed.fault

            # a boot pinned to docker-host-2 goes to ERROR with a readable fault, no daemon URL in it
            doomed = h.boot(admin, image, availability_zone=f'nova:{HOST2}')
            created.append(doomed.id)
            failed = h.wait_status(admin, doomed.id, 'ERROR', timeout=h.BOOT_TIMEOUT)
            assert UNREACHABLE in failed.fault['message'], failed.fault
            assert HOST2_TCP not in failed.fault['message'], failed.fault

        # dockerd is back: the failed delete can be repeated and removes the container
        assert h.docker_answers(openstack, HOST2)
        h.delete_servers(admin, [to_delete.id])
        assert h.container(openstack, HOST2, to_delete.id) is None
        # dockerd's shutdown stopped the other container, and Nova follows once the driver's event
        # stream is back: SHUTOFF; a hard reboot makes it run again
        assert h.docker_state(openstack, HOST2, on_host2.id) == 'exited'
        h.wait_status(admin, on_host2.id, 'SHUTOFF', timeout=30)
        admin.servers.reboot(on_host2.id, 'HARD')
        h.wait_status(admin, on_host2.id, 'ACTIVE')
        h.wait_docker_state(openstack, HOST2, on_host2.id, 'running')
        assert 'started' in admin.servers.get_console_output(on_host2.id)
        # and docker-host-2 takes new servers again
        fresh = h.boot(admin, image, availability_zone=f'nova:{HOST2}')
        created.append(fresh.id)
        h.wait_active(admin, fresh.id)
        assert h.docker_state(openstack, HOST2, fresh.id) == 'running'
    finally:
        h.delete_servers(admin, created)
    for server_id in created:
        assert h.container(openstack, HOST2, server_id) is None


def test_console_output_while_dockerd_is_down_is_a_readable_client_error(openstack):
    admin, glance = openstack.nova('admin'), openstack.glance('admin')
    server = h.boot(admin, h.image_id(glance, 'busybox:latest'), availability_zone=f'nova:{HOST2}')
    try:
        h.wait_active(admin, server.id)
        with dockerd_stopped(openstack):
            with pytest.raises(nova_exc.ClientException) as raised:
                admin.servers.get_console_output(server.id)
            error = raised.value
            status = getattr(error, 'code', None) or getattr(error, 'http_status', None)
            assert status and 400 <= status < 500, f'HTTP {status}: {error}'
            assert 'Unexpected API Error' not in str(error)
    finally:
        h.delete_servers(admin, [server.id])


def test_containers_panel_degrades_when_a_docker_host_is_down(openstack):
    """The index renders within the plugin timeout + 1 s, says which rows it could not ask about,
    and still shows Docker's state for the host that answers."""
    import re
    import time as clock

    from tests.stack.horizon import Horizon
    admin, glance = openstack.nova('admin'), openstack.glance('admin')
    image = h.image_id(glance, 'busybox:latest')
    servers = {host: h.boot(admin, image, availability_zone=f'nova:{host}') for host in ('docker-host-1', HOST2)}
    try:
        for server in servers.values():
            h.wait_active(admin, server.id)
        c = openstack.credentials['admin']
        horizon = Horizon(openstack.env['HORIZON_URL'], c['username'], c['password'])
        with dockerd_stopped(openstack):
            started = clock.monotonic()
            page = horizon.get('/project/docker_containers/')
            elapsed = clock.monotonic() - started
            hosts_page = horizon.get('/admin/docker_hosts/')
        # the admin Docker Hosts panel says which host is down and still shows the other
        assert hosts_page.status_code == 200
        host_rows = {host: re.sub(r'\s+', ' ', re.sub(r'<[^>]+>', '|', re.search(
            r'<tr[^>]*>(?:(?!</tr>).)*?%s(?:(?!</tr>).)*?</tr>' % re.escape(host), hosts_page.text, re.S).group(0)))
            for host in ('docker-host-1', HOST2)}
        assert 'Unreachable' in host_rows[HOST2], host_rows[HOST2]
        assert 'Unreachable' not in host_rows['docker-host-1'], host_rows['docker-host-1']
        assert page.status_code == 200
        assert elapsed < 5 + 1 + 3, elapsed   # plugin timeout 5 s, +1 s, + Nova/Glance calls of the page
        assert 'Some Docker hosts did not answer in time' in page.text
        rows = {host: re.sub(r'\s+', ' ', re.sub(r'<[^>]+>', '|', re.search(
            r'<tr[^>]*id="containers__row__%s".*?</tr>' % server.id, page.text, re.S).group(0)))
            for host, server in servers.items()}
        assert '| host unreachable |' in rows[HOST2], rows[HOST2]
        assert '| running |' in rows['docker-host-1'], rows['docker-host-1']
    finally:
        h.delete_servers(admin, [server.id for server in servers.values()])
