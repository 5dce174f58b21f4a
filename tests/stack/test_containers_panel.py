"""The Containers panel in the stack's real Horizon, over real Nova, Glance and both Docker hosts."""
from __future__ import annotations

import re
import time
import uuid

import pytest

from tests.stack.nova_helpers import wait_for

from tests.stack.horizon import Horizon
from tests.stack.horizon import hidden_fields

pytestmark = pytest.mark.stack
INDEX = '/project/docker_containers/'
MARKER_COMMAND = "sh -c 'mkdir -p /data && echo panel-test > /data/marker.txt && sleep 600'"


def boot(nova, glance, *, name: str, image: str = 'busybox:latest', meta: dict | None = None,
         availability_zone: str | None = None):
    image_id = next(i.id for i in glance.images.list() if i.name == image)
    flavor = nova.flavors.find(name='m1.tiny')
    return nova.servers.create(name, image=image_id, flavor=flavor.id, nics='none', meta=meta,
                               availability_zone=availability_zone)


def wait_active(nova, server_id: str):
    def active():
        server = nova.servers.get(server_id)
        assert server.status != 'ERROR', getattr(server, 'fault', None)
        return server if server.status == 'ACTIVE' else None
    return wait_for(active, 180, message=f'{server_id} ACTIVE')


@pytest.fixture(scope='module')
def admin_servers(openstack):
    """One running container on each Docker host, in the admin project (admins may pick the host)."""
    nova, glance = openstack.nova('admin'), openstack.glance('admin')
    tag = uuid.uuid4().hex[:6]
    servers = {host: boot(nova, glance, name=f'panel-{host}-{tag}', meta={'docker_command': MARKER_COMMAND},
                          availability_zone=f'nova:{host}')
               for host in ('docker-host-1', 'docker-host-2')}
    try:
        yield {host: wait_active(nova, server.id) for host, server in servers.items()}
    finally:
        for server in servers.values():
            nova.servers.delete(server.id)


@pytest.fixture(scope='module')
def admin_horizon(openstack):
    c = openstack.credentials['admin']
    return Horizon(openstack.env['HORIZON_URL'], c['username'], c['password'])


@pytest.fixture(scope='module')
def demo_horizon(openstack):
    c = openstack.credentials['demo']
    return Horizon(openstack.env['HORIZON_URL'], c['username'], c['password'])


def test_index_lists_containers_of_both_hosts_with_docker_state(admin_servers, admin_horizon):
    page = admin_horizon.get(INDEX)
    assert page.status_code == 200
    for host, server in admin_servers.items():
        row = re.search(r'<tr[^>]*id="containers__row__%s".*?</tr>' % server.id, page.text, re.S)
        assert row, f'no row for {server.name}'
        cells = re.sub(r'\s+', ' ', re.sub(r'<[^>]+>', '|', row.group(0)))
        assert host in row.group(0), cells          # admins see the compute host
        assert '| running |' in cells, cells           # Docker's own state, from the host
        assert re.search(r'\| Up (Less than a second|\d+ seconds?|About a minute|\d+ minutes?) \|', cells), cells


def test_detail_processes_and_changes_show_what_the_container_did(admin_servers, admin_horizon):
    server = admin_servers['docker-host-2']   # the TLS host
    path = f'{INDEX}{server.id}/'
    overview = admin_horizon.get(path)
    assert overview.status_code == 200
    assert 'docker_command' not in overview.text or 'marker.txt' in overview.text
    processes = admin_horizon.tab(path, 'container_details__processes')
    assert 'sleep 600' in processes.text and '<th scope="col">PID</th>' in processes.text
    changes = admin_horizon.tab(path, 'container_details__changes')
    assert '<code>marker.txt</code>' in changes.text
    assert '<code>/data</code>' in changes.text
    logs = admin_horizon.tab(path, 'container_details__logs')
    assert logs.status_code == 200


def test_members_see_their_containers_with_a_neutral_host_label(openstack, demo_horizon):
    nova, glance = openstack.nova('demo'), openstack.glance('demo')
    server = boot(nova, glance, name=f'panel-demo-{uuid.uuid4().hex[:6]}', image='logger:latest')
    try:
        server = wait_active(nova, server.id)
        page = demo_horizon.get(INDEX)
        row = re.search(r'<tr[^>]*id="containers__row__%s".*?</tr>' % server.id, page.text, re.S)
        assert row, 'demo does not see its container'
        cells = re.sub(r'\s+', ' ', re.sub(r'<[^>]+>', '|', row.group(0)))
        assert 'docker-host-' not in row.group(0), cells
        assert f'| host {server.hostId[:8]} |' in cells, cells
        assert '| running |' in cells, cells
        tab = demo_horizon.tab(f'{INDEX}{server.id}/', 'container_details__logs')
        assert f'data-stream-url="{INDEX}{server.id}/logs/stream"' in tab.text
        # The live stream: real lines from the container, as Server-Sent Events.
        with demo_horizon.get(f'{INDEX}{server.id}/logs/stream?tail=5', stream=True, timeout=30) as stream:
            assert stream.headers['Content-Type'].startswith('text/event-stream')
            seen, deadline = b'', time.monotonic() + 20
            # Small reads: the stream never ends by itself, and a read of "everything" waits for its end.
            for chunk in stream.iter_content(chunk_size=64):
                seen += chunk
                if seen.count(b'event: lines') >= 2 or b'event: failed' in seen or time.monotonic() > deadline:
                    break
        assert b'event: hello' in seen and b'"running":true' in seen
        assert re.search(rb'id: \d{4}-\d\d-\d\dT[0-9:.]+Z~\d+\nevent: lines\ndata: \{"s":"[oe]+","t":"\d{4}-', seen), seen[:500]
    finally:
        nova.servers.delete(server.id)


def test_another_projects_container_is_unreachable(admin_servers, demo_horizon):
    server = admin_servers['docker-host-1']
    for path in (f'{INDEX}{server.id}/', f'{INDEX}{server.id}/?tab=container_details__logs',
                 f'{INDEX}{server.id}/?tab=container_details__processes'):
        response = demo_horizon.get(path, allow_redirects=False)
        assert response.status_code in (302, 404), path
        assert 'sleep 600' not in response.text and 'marker' not in response.text


def test_launch_workflow_boots_a_container_with_the_command_and_env(openstack, demo_horizon):
    nova, glance = openstack.nova('demo'), openstack.glance('demo')
    image_id = next(i.id for i in glance.images.list() if i.name == 'busybox:latest')
    flavor = nova.flavors.find(name='m1.tiny')
    name = f'launched-{uuid.uuid4().hex[:6]}'
    form = demo_horizon.get(f'{INDEX}launch?image_id={image_id}')
    assert form.status_code == 200 and 'Launch Container' in form.text
    data = {'name': name, 'count': '1', 'availability_zone': '', 'description': 'from the workflow',
            'image_id': image_id, 'flavor_id': flavor.id,
            'command': 'sh -c "echo greeting=$GREETING; sleep 600"',
            'environment': 'GREETING=hello from horizon\n', 'network_id': ''}
    data.update({key: value for key, value in hidden_fields(form.text).items() if key not in data})
    response = demo_horizon.post(f'{INDEX}launch', data, allow_redirects=False)
    assert response.status_code == 302, response.text[-2000:]
    server = wait_for(lambda: next(iter(nova.servers.list(search_opts={'name': f'^{name}$'})), None), 30,
                      message='the launched server in Nova')
    try:
        server = wait_active(nova, server.id)
        assert server.metadata == {'docker_command': 'sh -c "echo greeting=$GREETING; sleep 600"',
                                   'docker_env_GREETING': 'hello from horizon'}
        output = wait_for(lambda: 'greeting=hello from horizon' in (nova.servers.get_console_output(server) or ''),
                          30, message='the command output in the console log')
        assert output
    finally:
        nova.servers.delete(server.id)
