"""The Console tab's URL endpoint on a Horizon serving this checkout, over the real Nova: the owner gets a new
nova-serialproxy URL per request; another project's server, a GET and a POST without the CSRF token get
none."""
from __future__ import annotations

import pytest

from tests.stack import nova_helpers as h
from tests.stack.horizon import Horizon

pytestmark = pytest.mark.stack


@pytest.fixture(scope='module')
def servers(openstack):
    """A running busybox server of demo and one of demo2 (another project)."""
    booted = []
    try:
        for user in ('demo', 'demo2'):
            nova, glance = openstack.nova(user), openstack.glance(user)
            booted.append((nova, h.boot(nova, h.image_id(glance, 'busybox:latest'), name=h.unique('console-url'),
                                        meta={'docker_command': 'sleep 3600'})))
        yield {user: h.wait_active(nova, server.id) for user, (nova, server) in zip(('demo', 'demo2'), booted)}
    finally:
        for nova, server in booted:
            h.delete_servers(nova, [server.id])


def endpoint(server_id: str) -> str:
    return f'/project/docker_containers/{server_id}/console/url'


def test_console_url_only_for_the_owner_and_only_by_post_with_csrf(openstack, horizon_url, servers):
    c = openstack.credentials['demo']
    demo = Horizon(horizon_url, c['username'], c['password'])
    mine, theirs = servers['demo'].id, servers['demo2'].id
    tab = demo.tab(f'/project/docker_containers/{mine}/', 'container_details__console')
    assert tab.status_code == 200 and f'data-url-endpoint="{endpoint(mine)}"' in tab.text

    first, second = demo.post(endpoint(mine), {}), demo.post(endpoint(mine), {})
    assert first.status_code == 200 and first.headers['Cache-Control'] == 'no-store', first.text
    urls = [first.json()['url'], second.json()['url']]
    assert all(url.startswith('ws://127.0.0.1:6083/?token=') for url in urls), urls
    assert urls[0] != urls[1], 'each connect gets its own console token'

    refused = demo.post(endpoint(theirs), {})
    assert refused.status_code == 404 and 'url' not in refused.json(), refused.text
    assert refused.json()['error'] == 'This container does not exist or you are not allowed to see it.'
    assert demo.get(endpoint(mine)).status_code == 405
    # Horizon's CSRF failure is a redirect to the login page.
    no_csrf = demo.http.post(horizon_url + endpoint(mine), headers={'Referer': horizon_url + '/'}, timeout=60,
                             allow_redirects=False)
    assert no_csrf.status_code == 302 and '/auth/login/' in no_csrf.headers['Location'], no_csrf.status_code
    assert 'token=' not in no_csrf.text
