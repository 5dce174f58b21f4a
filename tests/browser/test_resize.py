"""Resize from the Containers panel in real Chromium, as `demo`: the row's Resize Container opens Horizon's
Resize Instance dialog, the row then awaits confirmation, Confirm Resize/Migrate from the same row, and the
server runs the new flavor with the container's new memory limit and the file written before."""
from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By

from tests.browser import journey as j
from tests.browser.conftest import login
from tests.browser.test_rebuild import exec_in
from tests.stack import nova_helpers as h

TAG = j.unique('resize')
MiB = 1024 * 1024


@pytest.fixture(scope='module')
def running(openstack):
    """A running m1.tiny container of demo holding a file written inside it."""
    nova, glance = openstack.nova('demo'), openstack.glance('demo')
    server = h.boot(nova, h.image_id(glance, 'busybox:latest'), name=TAG,
                    meta={'docker_command': h.shell(h.SLEEP_FOREVER)})
    try:
        server = h.wait_active(nova, server.id)
        exec_in(openstack, h.host_of(openstack, server), server.id, ['sh', '-c', 'echo kept > /kept.txt'])
        yield server
    finally:
        h.delete_servers(nova, [server.id])


def test_resize_and_confirm_from_the_table(openstack, chrome, horizon_url, running):
    nova = openstack.nova('demo')
    small = h.flavor(nova, 'm1.small')
    chrome.get(horizon_url + '/auth/login/')
    chrome.delete_all_cookies()
    c = openstack.credentials['demo']
    login(chrome, horizon_url, c['username'], c['password'])
    j.open_page(chrome, horizon_url, j.CONTAINERS)
    row = j.row_id(running.id)
    j.row_action(chrome, row, 'resize')
    form = j.wait_modal(chrome)
    j.choose(chrome, 'id_flavor', small.id)
    form.find_element(By.CSS_SELECTOR, '[type=submit]').click()
    j.until(chrome, lambda d: not d.find_elements(By.CSS_SELECTOR, '.modal.in') and j.CONTAINERS in d.current_url,
            30, 'the Containers table after the Resize dialog')
    j.wait_row(chrome, row, lambda cells: cells['Status'] == 'Confirm or Revert Resize/Migrate', 90,
               'the row awaiting confirmation')

    j.row_action(chrome, row, 'confirm_resize')
    j.confirm_modal(chrome)
    server = h.wait_active(nova, running.id)
    assert server.flavor['original_name'] == 'm1.small'
    j.wait_row(chrome, row, lambda cells: cells['Status'] == 'Active', 60, 'Active after the confirmation')
    host = h.host_of(openstack, server)
    assert h.container(openstack, host, server.id)['HostConfig']['Memory'] == small.ram * MiB
    assert exec_in(openstack, host, server.id, ['cat', '/kept.txt']).strip() == 'kept'
