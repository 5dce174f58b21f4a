"""Journey of `admin` in real Chromium: a Docker host that fails shows as unreachable in the Docker Hosts
panel (beside the other host, reachable) while the Containers panel keeps working for the other host.
(Both hosts reachable in that panel: tests/browser/test_hosts_panel.py.)

The failure is made without touching the shared stack: a private Horizon (tests/stack/horizon.py)
runs with settings that point docker-host-2's Docker Engine at a closed port
(tests/browser/settings_host_down.py), so for that Horizon only the host is down, exactly as when its
dockerd stops answering; the real dockerd, nova-compute and the stack's Horizon keep serving others."""
from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By

from tests.browser import accessibility
from tests.browser import journey as j
from tests.browser.conftest import login
from tests.browser.conftest import screenshot
from tests.stack import nova_helpers
from tests.stack.horizon import private_horizon

HOSTS_PANEL = '/admin/docker_hosts/'
UP_HOST = 'docker-host-1'
DOWN_HOST = 'docker-host-2'   # the host tests/browser/settings_host_down.py points at a closed port
TAG = j.unique('journey-admin')


@pytest.fixture(scope='module')
def servers(openstack):
    """One running container on each Docker host, in the admin project (admins may pick the host)."""
    nova = openstack.nova('admin')
    image = nova_helpers.image_id(openstack.glance('admin'), 'busybox:latest')
    booted = {host: nova_helpers.boot(nova, image, name=f'{TAG}-{host}', availability_zone=f'nova:{host}',
                                      meta={'docker_command': nova_helpers.shell(nova_helpers.SLEEP_FOREVER)})
              for host in (UP_HOST, DOWN_HOST)}
    try:
        yield {host: nova_helpers.wait_active(nova, server.id) for host, server in booted.items()}
    finally:
        nova_helpers.delete_servers(nova, [server.id for server in booted.values()])


@pytest.fixture(scope='module')
def horizon_with_host_down(openstack, tmp_path_factory):
    log = str(tmp_path_factory.mktemp('horizon-host-down') / 'uwsgi.log')
    with private_horizon(openstack, log, 'tests.browser.settings_host_down') as url:
        yield url


def login_admin(chrome, openstack, base: str) -> None:
    c = openstack.credentials['admin']
    login(chrome, base, c['username'], c['password'])


def host_rows(chrome) -> dict:
    return {host: j.row_cells(chrome, f'docker_hosts__row__{host}') for host in (UP_HOST, DOWN_HOST)}


def test_a_docker_host_down_shows_unreachable_and_the_other_host_keeps_working(
        openstack, chrome, servers, horizon_with_host_down):
    base = horizon_with_host_down
    login_admin(chrome, openstack, base)
    j.open_page(chrome, base, HOSTS_PANEL)
    rows = host_rows(chrome)
    accessibility.assert_accessible(chrome)
    assert 'Unreachable' in ' '.join(rows[DOWN_HOST].values()), rows[DOWN_HOST]
    assert 'Reachable (' in ' '.join(rows[UP_HOST].values()), rows[UP_HOST]
    assert '127.0.0.2:9' not in chrome.page_source and 'tcp://' not in chrome.page_source
    screenshot(chrome, 'docker-host-down')

    j.open_page(chrome, base, j.CONTAINERS)
    assert 'Some Docker hosts did not answer in time' in j.messages(chrome)
    down = j.row_cells(chrome, j.row_id(servers[DOWN_HOST].id))
    up = j.row_cells(chrome, j.row_id(servers[UP_HOST].id))
    assert down['Docker State'] == 'host unreachable' and down['Status'] == 'Active', down
    assert up['Docker State'] == 'running' and up['Host'] == UP_HOST, up
    assert '127.0.0.2:9' not in chrome.page_source
    screenshot(chrome, 'containers-host-down')

    # The container on the working host: its Docker tabs still answer.
    j.open_page(chrome, base, f'{j.CONTAINERS}{servers[UP_HOST].id}/')
    assert 'running' in chrome.find_element(By.ID, 'container_details__overview').text
    assert 'sleep' in j.tab_text(chrome, 'container_details', 'processes')
    # The one on the failed host: the page renders and says why Docker facts are missing.
    j.open_page(chrome, base, f'{j.CONTAINERS}{servers[DOWN_HOST].id}/')
    overview = chrome.find_element(By.ID, 'container_details__overview').text
    assert 'not reachable' in overview or 'unreachable' in overview, overview
    assert '127.0.0.2:9' not in chrome.page_source
