"""Journeys of the Docker Images panel in real Chromium against the real stack, as `demo`: import an image
from the stack's registry through the wizard, follow its progress, see its layers, launch a container from
it; upload a `docker save` tarball through the wizard, and a bad tarball that is refused with its reason."""
from __future__ import annotations

import io
import tarfile

import pytest
from selenium.webdriver.common.by import By

from tests.browser import accessibility
from tests.browser import journey as j
from tests.browser.conftest import login
from tests.browser.conftest import screenshot
from tests.stack import nova_helpers

TAG = j.unique('journey')
TABS = 'docker_image_details'


@pytest.fixture(scope='module')
def demo_browser(openstack, chrome):
    c = openstack.credentials['demo']
    login(chrome, openstack.env['HORIZON_URL'], c['username'], c['password'])
    return chrome


@pytest.fixture(scope='module')
def cleanup(openstack):
    """Servers and Glance images named with this module's tag are removed at the end, whatever happened."""
    yield
    nova, glance = openstack.nova('demo'), openstack.glance('demo')
    servers = [s.id for s in nova.servers.list() if TAG in s.name]
    nova_helpers.delete_servers(nova, servers)
    for image in glance.images.list():
        if TAG in (image.get('name') or ''):
            glance.images.delete(image['id'])
            nova_helpers.remove_cached_image(openstack, image['id'])


def start_import(driver, base: str, source: str, name: str) -> None:
    """Open the Import wizard from the table and fill Source and Glance Details up to Review."""
    j.open_page(driver, base, j.IMAGES)
    driver.find_element(By.ID, 'docker_images__action_import').click()
    j.wait_modal(driver)
    j.choose(driver, 'id_source', source)


def finish_import(driver, name: str) -> None:
    next_button = driver.find_element(By.CSS_SELECTOR, '.modal.in .button-next')
    next_button.click()
    driver.find_element(By.ID, 'id_name').send_keys(name)
    accessibility.assert_accessible(driver)
    next_button.click()
    j.until(driver, lambda d: d.find_element(By.ID, 'import_docker_image__review').is_displayed(), 10,
            'the Review step')
    driver.find_element(By.CSS_SELECTOR, '.modal.in .button-final').click()


def test_import_from_the_registry_see_layers_and_launch(openstack, demo_browser, cleanup):
    chrome, base = demo_browser, openstack.env['HORIZON_URL']
    name = f'{TAG}:layered'
    start_import(chrome, base, 'registry', name)
    chrome.find_element(By.ID, 'id_reference').send_keys(f'{openstack.env["REGISTRY"]}/layered:latest')
    accessibility.assert_accessible(chrome)
    screenshot(chrome, 'import-wizard')
    finish_import(chrome, name)

    # The progress page follows the background import by itself until it is done.
    j.until(chrome, lambda d: d.find_elements(By.ID, 'docker_import_progress'), 60, 'the progress page')
    j.mark_page(chrome)
    state = j.until(chrome, lambda d: d.find_element(By.CSS_SELECTOR, '.docker-import-state')
                    .get_attribute('data-finished') == '1' and d.find_element(By.CSS_SELECTOR, '.docker-import-state'),
                    240, 'the import to finish')
    assert state.get_attribute('data-phase') == 'done', state.text
    assert j.page_not_reloaded(chrome)
    accessibility.assert_accessible(chrome)
    screenshot(chrome, 'import-progress')

    chrome.find_element(By.LINK_TEXT, 'View Image').click()
    layers = j.tab_text(chrome, TABS, 'layers', timeout=60)
    rows = chrome.find_elements(By.CSS_SELECTOR, f'#{TABS}__layers tr.docker-layer')
    assert len(rows) >= 3, layers
    assert any('COPY' in row.text or 'RUN' in row.text or '/bin/sh' in row.text for row in rows), layers
    accessibility.assert_accessible(chrome)
    screenshot(chrome, 'image-layers')

    # Launch Container from the image's row: the wizard opens with the image chosen.
    image_id = chrome.current_url.rstrip('/').split('/')[-1].split('?')[0]
    j.open_page(chrome, base, j.IMAGES)
    j.row_action(chrome, f'docker_images__row__{image_id}', 'launch_container')
    j.wait_modal(chrome)
    assert chrome.find_element(By.ID, 'id_image_id').get_attribute('value') == image_id
    server_name = f'{TAG}-from-image'
    chrome.find_element(By.ID, 'id_name').send_keys(server_name)
    next_button = chrome.find_element(By.CSS_SELECTOR, '.modal.in .button-next')
    next_button.click()
    next_button.click()
    j.choose(chrome, 'id_flavor_id', j.option_value(chrome, 'id_flavor_id', r'^\s*m1\.tiny:'))
    j.next_to_review(chrome, 'launch_container__review')
    chrome.find_element(By.CSS_SELECTOR, '.modal.in .button-final').click()
    j.until(chrome, lambda d: j.CONTAINERS in d.current_url and server_name in d.page_source, 60,
            f'{server_name} in the Containers table')
    row = chrome.find_element(By.XPATH, f'//table[@id="containers"]//tr[.//a[text()="{server_name}"]]')
    j.wait_row(chrome, row.get_attribute('id'), lambda c: c['Status'] == 'Active' and c['Docker State'] == 'running',
               j.BOOT_SECONDS, f'{server_name} Active from {name}')


def docker_save_tarball(openstack, tmp_path) -> str:
    """The stack's busybox:latest `docker save` tarball, as Glance holds it, in a file to upload."""
    glance = openstack.glance('demo')
    image = next(i for i in glance.images.list() if i.get('name') == 'busybox:latest')
    path = tmp_path / 'busybox.tar'
    with open(path, 'wb') as handle:
        for chunk in glance.images.data(image['id']):
            handle.write(chunk)
    return str(path)


def not_an_image_tarball(tmp_path) -> str:
    path = tmp_path / 'not-an-image.tar'
    with tarfile.open(path, 'w') as tar:
        data = b'not a docker image\n'
        info = tarfile.TarInfo('hello.txt')
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return str(path)


def upload(chrome, base: str, name: str, path: str) -> str:
    """The upload journey up to the message the images table shows afterwards."""
    start_import(chrome, base, 'upload', name)
    finish_import(chrome, name)
    j.until(chrome, lambda d: d.find_elements(By.ID, 'docker_image_upload_form'), 30, 'the upload page')
    accessibility.assert_accessible(chrome)
    chrome.find_element(By.ID, 'id_tarball').send_keys(path)
    chrome.find_element(By.CSS_SELECTOR, '#docker_image_upload_form [type=submit]').click()
    return j.until(chrome, lambda d: j.IMAGES in d.current_url and '/upload/' not in d.current_url
                   and j.messages(d), 180, 'the upload to finish')


def test_upload_a_tarball_and_a_bad_one(openstack, demo_browser, cleanup, tmp_path):
    chrome, base = demo_browser, openstack.env['HORIZON_URL']
    glance = openstack.glance('demo')
    good = f'{TAG}:uploaded'
    message = upload(chrome, base, good, docker_save_tarball(openstack, tmp_path))
    assert f'Imported image "{good}"' in message, message
    image = next(i for i in glance.images.list() if i.get('name') == good)
    assert image['status'] == 'active' and image['container_format'] == 'docker'
    assert good in chrome.find_element(By.ID, 'docker_images').text

    bad = f'{TAG}:bad'
    message = upload(chrome, base, bad, not_an_image_tarball(tmp_path))
    assert 'Unable to import the uploaded image' in message, message
    screenshot(chrome, 'upload-error')
    assert not [i for i in glance.images.list() if i.get('name') == bad], 'the failed upload left an image'
