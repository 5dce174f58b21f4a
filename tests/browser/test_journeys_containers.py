"""Journeys of the Containers panel in real Chromium against the real stack, as `demo`: launch through the
wizard (command and environment) and watch the row become Active without a reload; the detail tabs
(overview, processes, changes, logs);
stop, start, pause, unpause, commit to image and delete from the table, the row updating by itself.

The tests run in file order on one container (module state): each journey starts where the last ended."""
from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By

from tests.browser import accessibility
from tests.browser import journey as j
from tests.browser.conftest import login
from tests.browser.conftest import start_chrome
from tests.browser.conftest import screenshot
from tests.stack import nova_helpers

TAG = j.unique('journey')
NAME = TAG
GREETING = f'hello-{TAG}'
# Writes a file (Changes tab), prints the environment value (logs), stops at once on SIGTERM.
COMMAND = ("sh -c 'mkdir -p /data && echo journey > /data/marker.txt && echo started $GREETING; "
           "trap \"exit 0\" TERM; while true; do echo tick; sleep 1; done'")
TABS = 'container_details'


@pytest.fixture(scope='module')
def state(openstack):
    """What the journeys share: the launched server's id and the committed image's id; both removed at
    the end whatever happened."""
    shared: dict = {}
    yield shared
    nova, glance = openstack.nova('demo'), openstack.glance('demo')
    nova_helpers.delete_servers(nova, [shared['server_id']] if shared.get('server_id') else [])
    for image in glance.images.list():
        if TAG in (image.get('name') or ''):
            glance.images.delete(image['id'])
            nova_helpers.remove_cached_image(openstack, image['id'])


SERVED: dict = {}


@pytest.fixture(scope='module', autouse=True)
def served_horizon(horizon_url):
    """The journeys run against a Horizon serving this checkout (the stack's own when it is current)."""
    SERVED['url'] = horizon_url
    yield
    SERVED.clear()


def base(openstack) -> str:
    return SERVED.get('url') or openstack.env['HORIZON_URL']


def login_as(chrome, openstack, user: str) -> None:
    # Horizon's logout wants a POST: forget the session on Horizon's own origin before logging in again.
    chrome.get(base(openstack) + '/auth/login/')
    chrome.delete_all_cookies()
    j.open_page(chrome, base(openstack), '/auth/login/')
    c = openstack.credentials[user]
    login(chrome, base(openstack), c['username'], c['password'])


def server_id_of(state) -> str:
    assert state.get('server_id'), 'the launch journey did not create the container'
    return state['server_id']


def test_launch_through_the_wizard_and_see_it_become_active(openstack, chrome, state):
    login_as(chrome, openstack, 'demo')
    j.open_page(chrome, base(openstack), j.CONTAINERS)
    accessibility.assert_accessible(chrome)
    accessibility.assert_reachable_by_keyboard(chrome, ['#containers__action_launch'])

    chrome.find_element(By.ID, 'containers__action_launch').click()
    j.wait_modal(chrome)
    chrome.find_element(By.ID, 'id_name').send_keys(NAME)
    accessibility.assert_accessible(chrome)
    next_button = chrome.find_element(By.CSS_SELECTOR, '.modal.in .button-next')
    next_button.click()
    j.choose(chrome, 'id_image_id', j.option_value(chrome, 'id_image_id', r'^\s*busybox:latest\b'))
    next_button.click()
    j.choose(chrome, 'id_flavor_id', j.option_value(chrome, 'id_flavor_id', r'^\s*m1\.tiny:'))
    next_button.click()
    chrome.find_element(By.ID, 'id_command').send_keys(COMMAND)
    chrome.find_element(By.ID, 'id_environment').send_keys(f'GREETING={GREETING}\nEXTRA=1')
    accessibility.assert_accessible(chrome)
    screenshot(chrome, 'launch-workflow')
    j.next_to_review(chrome, 'launch_container__review')
    # Review shows the command as the argument vector it becomes, and the (not secret) environment values.
    review = j.until(chrome, lambda d: (lambda text: text if 'Command (argv)' in text else None)(
        d.find_element(By.ID, 'launch_container__review').text), 10, 'the summary on the Review step')
    assert '["sh", "-c", "mkdir -p /data' in review and f'GREETING={GREETING}' in review, review
    assert 'Fill in the previous steps' not in review, review
    chrome.find_element(By.CSS_SELECTOR, '.modal.in .button-final').click()

    # Back on the table: the new row is building and turns Active by itself.
    j.until(chrome, lambda d: not d.find_elements(By.CSS_SELECTOR, '.modal.in')
            and NAME in d.find_element(By.ID, 'containers').text, 60, f'the row of {NAME}')
    assert f'Launched container "{NAME}"' in j.messages(chrome)
    row = chrome.find_element(By.XPATH, f'//table[@id="containers"]//tr[.//a[text()="{NAME}"]]')
    state['server_id'] = row.get_attribute('data-object-id')
    first = j.row_cells(chrome, row.get_attribute('id'))
    j.mark_page(chrome)
    assert first['Status'] != 'Active' and 'ajax-update' in first['__classes'], first
    active = j.wait_row(chrome, j.row_id(state['server_id']),
                        lambda cells: cells['Status'] == 'Active' and cells['Docker State'] == 'running',
                        j.BOOT_SECONDS, f'{NAME} Active and running')
    assert j.page_not_reloaded(chrome), 'the page reloaded itself instead of updating the row'
    assert active['Power State'] == 'Running', active
    screenshot(chrome, 'containers-table')


def test_detail_tabs_show_what_the_container_does(openstack, chrome, state):
    server_id = server_id_of(state)
    chrome.find_element(By.LINK_TEXT, NAME).click()
    j.until(chrome, lambda d: server_id in d.current_url and d.find_elements(By.ID, TABS), 30, 'the detail page')
    overview = chrome.find_element(By.ID, f'{TABS}__overview').text
    assert 'running' in overview and 'started $GREETING' in overview, overview
    assert 'GREETING' in overview and GREETING not in overview, 'environment values are folded away'
    accessibility.assert_accessible(chrome)
    screenshot(chrome, 'container-detail')

    processes = j.tab_text(chrome, TABS, 'processes')
    assert 'PID' in processes and 'sleep 1' in processes, processes
    screenshot(chrome, 'container-processes')
    changes = j.tab_text(chrome, TABS, 'changes')
    assert '/data' in changes and 'marker.txt' in changes, changes
    accessibility.assert_accessible(chrome)
    screenshot(chrome, 'container-changes')

    j.tab_text(chrome, TABS, 'logs')
    j.until(chrome, lambda d: f'started {GREETING}' in d.find_element(By.CSS_SELECTOR, '[data-role=view]').text,
            30, 'the command output in the live log')
    accessibility.assert_accessible(chrome)


def test_confirm_dialog_from_the_detail_page_names_the_container(openstack, chrome, state):
    # Horizon's confirm dialog takes the name from the page's dd[data-display], as on its instance page.
    server_id = server_id_of(state)
    j.open_page(chrome, base(openstack), f'{j.CONTAINERS}{server_id}/')
    header = chrome.find_element(By.CSS_SELECTOR, '.detail-actions')
    button = header.find_element(By.CSS_SELECTOR, '[id$="__action_soft_reboot"]')
    if not button.is_displayed():
        header.find_element(By.CSS_SELECTOR, '.dropdown-toggle').click()
        j.until(chrome, lambda d: button.is_displayed(), 10, 'the actions menu of the detail page')
    button.click()
    body = j.until(chrome, lambda d: d.find_elements(By.CSS_SELECTOR, '.modal.in .modal-body'), 10,
                   'the confirm dialog')[0].text
    assert f'You have selected: "{NAME}".' in body, body
    chrome.find_element(By.CSS_SELECTOR, '.modal.in .modal-footer .cancel').click()
    j.until(chrome, lambda d: not d.find_elements(By.CSS_SELECTOR, '.modal.in'), 10, 'the dialog to close')


# Nova reports these actions done within seconds on the stack: a row still not updated after this is stuck.
ROW_UPDATE_SECONDS = 30


def lifecycle_step(chrome, server_id: str, action: str, status: str, docker_state: str) -> None:
    """One row action; the row then reaches `status` and Docker's state by itself (no reload)."""
    row = j.row_id(server_id)
    j.row_action(chrome, row, action)
    j.confirm_modal(chrome)
    j.until(chrome, lambda d: d.find_elements(By.ID, row) and not d.find_elements(By.CSS_SELECTOR, '.modal.in'),
            30, f'the table after {action}')
    j.mark_page(chrome)
    j.wait_row(chrome, row, lambda c: c['Status'] == status and c['Docker State'] == docker_state,
               ROW_UPDATE_SECONDS, f'{action}: {status} / {docker_state}')
    assert j.page_not_reloaded(chrome), f'the page reloaded itself after {action}'


def test_lifecycle_from_the_table(openstack, chrome, state):
    server_id = server_id_of(state)
    j.open_page(chrome, base(openstack), j.CONTAINERS)
    lifecycle_step(chrome, server_id, 'stop', 'Shutoff', 'exited')
    lifecycle_step(chrome, server_id, 'start', 'Active', 'running')
    lifecycle_step(chrome, server_id, 'pause', 'Paused', 'paused')
    lifecycle_step(chrome, server_id, 'unpause', 'Active', 'running')


def test_commit_to_image_from_the_table(openstack, chrome, state):
    server_id = server_id_of(state)
    image_name = f'{TAG}:committed'
    j.open_page(chrome, base(openstack), j.CONTAINERS)
    j.row_action(chrome, j.row_id(server_id), 'snapshot')
    j.wait_modal(chrome)
    chrome.find_element(By.ID, 'id_name').send_keys(image_name)
    accessibility.assert_accessible(chrome)
    chrome.find_element(By.CSS_SELECTOR, '.modal.in [type=submit]').click()
    j.until(chrome, lambda d: j.IMAGES in d.current_url and image_name in d.page_source, 60,
            f'{image_name} in the Docker Images table')
    glance = openstack.glance('demo')
    image = j.poll(lambda: next((i for i in glance.images.list() if i.get('name') == image_name
                                 and i['status'] == 'active'), None), 180, f'{image_name} active in Glance')
    assert image['container_format'] == 'docker'


def test_another_project_is_refused_every_url_of_the_container(openstack, chrome, state):
    """demo2 (another project) opens the URLs of demo's container: every one is refused, and nothing of
    the container (name, id, output, environment) reaches the page."""
    server_id = server_id_of(state)
    detail = f'/project/docker_containers/{server_id}/'
    urls = [detail, detail + '?tab=container_details__logs', detail + '?tab=container_details__processes',
            detail + '?tab=container_details__changes', detail + 'logs/', detail + 'logs/download',
            detail + 'logs/search?q=tick', detail + 'logs/stream']
    # a browser of its own: demo2 shares nothing with demo's session
    other = start_chrome()
    try:
        c = openstack.credentials['demo2']
        login(other, base(openstack), c['username'], c['password'])
        for url in urls:
            j.open_page(other, base(openstack), url)
            page = other.page_source
            for secret in (NAME, server_id[:8] + '\n', GREETING, 'started $GREETING', 'marker.txt', 'sleep 1'):
                assert secret not in page, f'{secret!r} leaked into {url}'
            refused = ('not allowed to see it' in page or 'Unable to retrieve' in page
                       or 'does not exist' in page or 'Not Found' in page)
            assert refused, f'{url} was not refused: {page[:500]}'
        screenshot(other, 'isolation-refused')
    finally:
        other.quit()


def test_delete_from_the_table(openstack, chrome, state):
    server_id = server_id_of(state)
    j.open_page(chrome, base(openstack), j.CONTAINERS)
    row = j.row_id(server_id)
    j.row_action(chrome, row, 'delete')
    j.confirm_modal(chrome)
    j.until(chrome, lambda d: 'Scheduled deletion' in j.messages(d), 30, 'the deletion message')
    j.mark_page(chrome)
    j.until(chrome, lambda d: not d.find_elements(By.ID, row), ROW_UPDATE_SECONDS, 'the row to disappear')
    assert j.page_not_reloaded(chrome), 'the page reloaded itself after delete'
