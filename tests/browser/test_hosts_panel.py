"""Admin > Docker Hosts in real Chromium: the table of both hosts, then one host's tabs (screenshots
for the README under tests/artifacts/screenshots/)."""
from __future__ import annotations

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from tests.browser.conftest import login
from tests.browser.conftest import screenshot


def test_admin_opens_the_hosts_table_and_a_hosts_tabs(openstack, chrome, horizon_url):
    c = openstack.credentials['admin']
    login(chrome, horizon_url, c['username'], c['password'])
    chrome.get(horizon_url + '/admin/docker_hosts/')
    wait = WebDriverWait(chrome, 30)
    rows = wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, 'table#docker_hosts tbody tr[data-object-id]'))
    assert sorted(r.get_attribute('data-object-id') for r in rows) == ['docker-host-1', 'docker-host-2']
    for row in rows:
        assert 'Reachable' in row.text, row.text
    screenshot(chrome, 'docker-hosts-index')

    chrome.find_element(By.LINK_TEXT, 'docker-host-2').click()
    wait.until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, '.detail-title'), 'docker-host-2'))
    assert 'Yes (client certificate)' in chrome.find_element(By.ID, 'docker_host_details__overview').text
    screenshot(chrome, 'docker-host-detail')

    # docker-host-1 builds the stack's seed images, so it holds busybox:latest even on a fresh stack
    # (docker-host-2 only holds images once a server has booted there)
    chrome.get(horizon_url + '/admin/docker_hosts/')
    wait.until(lambda d: d.find_elements(By.LINK_TEXT, 'docker-host-1'))[0].click()
    wait.until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, '.detail-title'), 'docker-host-1'))
    chrome.find_element(By.CSS_SELECTOR, 'a[data-target="#docker_host_details__images"]').click()
    images = wait.until(ec.visibility_of_element_located((By.CSS_SELECTOR, 'table.docker-host-images')))
    assert 'busybox:latest' in images.text
    screenshot(chrome, 'docker-host-images')
