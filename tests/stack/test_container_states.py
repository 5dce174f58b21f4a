"""What the Containers panel says about Nova's state, over real Nova and Docker, through a Horizon serving
this checkout: the lock, a server in ERROR that never got a container, an action Nova accepted and the
compute host then failed."""
from __future__ import annotations

import html
import io
import re

import pytest

from tests.stack import nova_helpers as h
from tests.stack.horizon import Horizon

pytestmark = pytest.mark.stack
INDEX = '/project/docker_containers/'
BUSYBOX = 'busybox:latest'


@pytest.fixture(scope='module')
def demo_horizon(openstack, horizon_url):
    c = openstack.credentials['demo']
    return Horizon(horizon_url, c['username'], c['password'])


@pytest.fixture
def demo_server(openstack):
    """A running busybox container of the demo project, deleted afterwards."""
    nova, glance = openstack.nova('demo'), openstack.glance('demo')
    server = h.boot(nova, h.image_id(glance, BUSYBOX), name=h.unique('states'),
                    meta={'docker_command': 'sleep 600'})
    try:
        yield h.wait_active(nova, server.id)
    finally:
        h.delete_servers(nova, [server.id])


def row_of(page: str, server_id: str) -> str:
    match = re.search(rf'<tr[^>]*id="containers__row__{server_id}".*?</tr>', page, re.S)
    assert match, f'no row for {server_id}'
    return match.group(0)


# The lifecycle, lock, commit and logs actions (other row actions, e.g. a console link, have their own tests).
LIFECYCLE = {'start', 'stop', 'pause', 'unpause', 'soft_reboot', 'hard_reboot', 'delete', 'lock', 'unlock',
             'snapshot', 'logs'}


def actions_in(fragment: str) -> set:
    return set(re.findall(r'__action_([a-z_]+)"', fragment)) & LIFECYCLE


def test_a_locked_container_offers_a_member_unlock_commit_and_logs(openstack, demo_horizon, demo_server):
    nova = openstack.nova('demo')
    response = demo_horizon.post(INDEX, {'action': f'containers__lock__{demo_server.id}'})
    assert response.status_code == 200, response.status_code
    assert nova.servers.get(demo_server.id).locked is True
    row = row_of(demo_horizon.get(INDEX).text, demo_server.id)
    assert 'fa-lock' in row, row
    assert actions_in(row) == {'unlock', 'snapshot', 'logs'}, actions_in(row)
    detail = demo_horizon.get(f'{INDEX}{demo_server.id}/').text
    header = detail.split('detail-actions', 1)[1].split('</form>', 1)[0]
    assert actions_in(header) == {'unlock', 'snapshot', 'logs'}, actions_in(header)

    demo_horizon.post(INDEX, {'action': f'containers__unlock__{demo_server.id}'})
    assert nova.servers.get(demo_server.id).locked is False
    assert {'stop', 'pause', 'delete', 'lock'} <= actions_in(row_of(demo_horizon.get(INDEX).text, demo_server.id))


def test_a_server_in_error_without_a_container_says_it_was_not_created(openstack, demo_horizon):
    nova, glance = openstack.nova('demo'), openstack.glance('demo')
    image = glance.images.create(name=h.unique('bare-image'), container_format='bare', disk_format='raw')
    server = None
    try:
        glance.images.upload(image.id, io.BytesIO(h.tiny_tar()))
        h.wait_image_active(glance, image.id)
        server = h.boot(nova, image.id)
        failed = h.wait_status(nova, server.id, 'ERROR', timeout=h.BOOT_TIMEOUT)
        page = demo_horizon.get(f'{INDEX}{server.id}/').text
        expected = html.escape('The container was not created: ' + failed.fault['message'])
        assert expected in page, page[-3000:]
        assert 'does not run on a configured Docker host' not in page
    finally:
        if server is not None:
            h.delete_servers(nova, [server.id])
        h.delete_image(glance, image.id)


def test_a_start_the_compute_host_fails_is_a_warning_on_the_next_page(openstack, demo_horizon, demo_server):
    nova = openstack.nova('demo')
    nova.servers.stop(demo_server.id)
    h.wait_status(nova, demo_server.id, 'SHUTOFF')
    # The container goes behind Nova's back: Nova still accepts a start, which fails on the compute host.
    host = h.host_of(openstack, demo_server)
    openstack.docker(host).remove_container(f'nova-{demo_server.id}', force=True)
    response = demo_horizon.post(INDEX, {'action': f'containers__start__{demo_server.id}'})
    assert 'Requested start of Container' in response.text, response.text[-3000:]
    warning = html.escape(f'Start of container "{demo_server.name}" failed:')

    # The page the action redirects to reports it already when the host failed at once.
    pages = [response.text]

    def reported():
        if warning not in pages[-1]:
            pages.append(demo_horizon.get(INDEX).text)
        return pages[-1] if warning in pages[-1] else None
    page = h.wait_for(reported, 60, message=lambda: f'the warning; {h.describe(nova, demo_server.id)}; '
                      f'actions {[(a.action, a.message) for a in nova.instance_action.list(demo_server.id)]}')
    assert 'Error' in page.split(warning, 1)[1][:300]
    # Reported once.
    assert warning not in demo_horizon.get(INDEX).text
