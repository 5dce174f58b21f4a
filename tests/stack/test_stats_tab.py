"""The Stats tab and its endpoint in the stack's real Horizon, over real Nova and a real Docker host:
a busy container's figures, another project and an anonymous browser refused, a stopped container."""
from __future__ import annotations

import re

import pytest
import requests

from tests.stack import nova_helpers as h
from tests.stack.horizon import Horizon

pytestmark = pytest.mark.stack
BUSY = h.shell("trap 'exit 0' TERM; while :; do :; done")


@pytest.fixture(scope='module')
def busy_server(openstack):
    nova, glance = openstack.nova('demo'), openstack.glance('demo')
    server = h.boot(nova, h.image_id(glance, 'busybox:latest'), name=h.unique('stats-tab'),
                    meta={'docker_command': BUSY})
    try:
        yield h.wait_active(nova, server.id)
    finally:
        h.delete_servers(nova, [server.id])


def horizon_as(openstack, user: str) -> Horizon:
    c = openstack.credentials[user]
    return Horizon(openstack.env['HORIZON_URL'], c['username'], c['password'])


def test_stats_of_a_busy_container_then_stopped(openstack, busy_server):
    demo = horizon_as(openstack, 'demo')
    detail = f'/project/docker_containers/{busy_server.id}/'
    tab = demo.tab(detail, 'container_details__stats')
    assert tab.status_code == 200
    assert f'data-url="{detail}stats"' in tab.text

    body = demo.get(detail + 'stats').json()
    assert body['running'] is True, body
    sample = body['sample']
    assert sample['cpu_percent'] > 20, sample            # the busy loop (on a shared 2-core machine)
    assert sample['memory_limit'] == 64 * 1024 * 1024    # flavor m1.tiny: 64 MB
    assert 0 < sample['memory_used'] < sample['memory_limit']
    assert sample['pids'] >= 1
    later = demo.get(detail + 'stats').json()['sample']
    assert later['time'] > sample['time']

    # The index's Usage column: the row carries a ticket, one request for its host returns the figures.
    index = demo.get('/project/docker_containers/')
    row = re.search(r'<tr[^>]*data-object-id="%s".*?</tr>' % busy_server.id, index.text, re.S).group(0)
    ticket = re.search(r'data-usage-ticket="([^"]+)"', row).group(1)
    usage = demo.get('/project/docker_containers/usage', params={'t': [ticket]}).json()['usage']
    assert usage[busy_server.id]['cpu_percent'] > 20 and usage[busy_server.id]['memory_used'] > 0, usage

    # Another project's user and an anonymous browser get nothing (not even that it exists).
    demo2 = horizon_as(openstack, 'demo2')
    other = demo2.get(detail + 'stats')
    assert other.status_code == 404 and 'sample' not in other.json()
    assert demo2.get('/project/docker_containers/usage', params={'t': [ticket]}).json() \
        == {'usage': {}}
    anonymous = requests.Session()
    anonymous.trust_env = False
    refused = anonymous.get(demo.base_url + detail + 'stats', allow_redirects=False, timeout=30)
    assert refused.status_code == 302 and '/auth/login/' in refused.headers['Location']

    nova = openstack.nova('demo')
    nova.servers.stop(busy_server.id)
    h.wait_status(nova, busy_server.id, 'SHUTOFF')
    stopped = demo.get(detail + 'stats')
    assert stopped.status_code == 200
    assert stopped.json()['running'] is False and 'not running' in stopped.json()['message']
