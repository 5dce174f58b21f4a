"""Rebuild / Roll back from the Containers panel in real Chromium, as `demo`: the dialog offers the
container's own snapshot first and says what is lost; after it, Nova shows the same server from the
snapshot and the container holds the file written before the snapshot, not the one written after."""
from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By

from tests.browser import accessibility
from tests.browser import journey as j
from tests.browser.conftest import login
from tests.stack import nova_helpers as h

TAG = j.unique('rebuild')


def exec_in(openstack, host, server_id, cmd):
    client = openstack.docker(host)
    return client.exec_start(client.exec_create(f'nova-{server_id}', cmd)).decode('utf-8', 'replace')


@pytest.fixture(scope='module')
def snapshotted(openstack):
    """A running container of demo with a snapshot of its own: (server, host, snapshot id)."""
    nova, glance = openstack.nova('demo'), openstack.glance('demo')
    server = h.boot(nova, h.image_id(glance, 'busybox:latest'), name=TAG,
                    meta={'docker_command': h.shell(h.SLEEP_FOREVER)})
    snapshot_id = None
    try:
        server = h.wait_active(nova, server.id)
        host = h.host_of(openstack, server)
        exec_in(openstack, host, server.id, ['sh', '-c', 'echo before > /before.txt'])
        snapshot_id = nova.servers.create_image(server.id, f'{TAG}:snap')
        h.wait_image_active(glance, snapshot_id)
        h.wait_active(nova, server.id)
        exec_in(openstack, host, server.id, ['sh', '-c', 'echo after > /after.txt'])
        yield server, host, snapshot_id
    finally:
        h.delete_servers(nova, [server.id])
        if snapshot_id:
            h.delete_image(glance, snapshot_id)
            h.remove_cached_image(openstack, snapshot_id)


def test_roll_back_to_the_containers_snapshot_from_the_table(openstack, chrome, horizon_url, snapshotted):
    server, host, snapshot_id = snapshotted
    nova = openstack.nova('demo')
    chrome.get(horizon_url + '/auth/login/')
    chrome.delete_all_cookies()
    c = openstack.credentials['demo']
    login(chrome, horizon_url, c['username'], c['password'])
    j.open_page(chrome, horizon_url, j.CONTAINERS)
    j.row_action(chrome, j.row_id(server.id), 'rebuild')
    form = j.wait_modal(chrome)
    text = chrome.find_element(By.CSS_SELECTOR, '.modal.in').text
    assert 'is\nrecreated' in text or 'is recreated' in text, text
    assert 'since that image was made is lost' in text, text
    groups = chrome.find_elements(By.CSS_SELECTOR, '#id_image_id optgroup')
    assert groups and groups[0].get_attribute('label') == 'Snapshots of this container'
    options = groups[0].find_elements(By.TAG_NAME, 'option')
    assert [o.get_attribute('value') for o in options] == [snapshot_id]
    assert chrome.find_element(By.ID, 'id_image_id').get_attribute('value') == snapshot_id
    accessibility.assert_accessible(chrome)
    old = h.container(openstack, host, server.id)['Id']
    form.find_element(By.CSS_SELECTOR, '[type=submit]').click()
    j.until(chrome, lambda d: not d.find_elements(By.CSS_SELECTOR, '.modal.in') and j.CONTAINERS in d.current_url,
            30, 'the table after the rebuild')
    assert 'recreated' in j.messages(chrome), j.messages(chrome)
    h.wait_for(lambda: (h.container(openstack, host, server.id) or {}).get('Id') not in (None, old), 60,
               message='a new container')
    rebuilt = h.wait_active(nova, server.id)
    assert (rebuilt.id, rebuilt.name, rebuilt.image['id']) == (server.id, TAG, snapshot_id)
    assert exec_in(openstack, host, server.id, ['cat', '/before.txt']).strip() == 'before'
    assert 'No such file' in exec_in(openstack, host, server.id, ['cat', '/after.txt'])
    # the row reaches Active again by itself
    j.wait_row(chrome, j.row_id(server.id), lambda cells: cells['Status'] == 'Active', 60, 'Active after rebuild')
