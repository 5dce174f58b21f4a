"""The Import Docker Image wizard in real Chromium, on a Horizon serving this checkout: option labels read
as typed, and the Review step shows what was filled in (it asks the server each time it is shown; nothing
is imported)."""
from __future__ import annotations

from selenium.webdriver.common.by import By

from tests.browser import journey as j
from tests.browser.conftest import login


def test_review_lists_the_inputs_and_labels_are_escaped_once(openstack, chrome, horizon_url):
    c = openstack.credentials['demo']
    login(chrome, horizon_url, c['username'], c['password'])
    chrome.get(horizon_url + j.IMAGES + 'import/')
    labels = [option.get_attribute('textContent').strip()
              for option in chrome.find_elements(By.CSS_SELECTOR, '#id_source option')]
    assert 'Upload a "docker save" tarball' in labels, labels
    name = j.unique('review') + ':1'
    reference = f'{openstack.env["REGISTRY"]}/layered:latest'
    chrome.find_element(By.ID, 'id_reference').send_keys(reference)
    next_button = chrome.find_element(By.CSS_SELECTOR, '.button-next')
    next_button.click()
    chrome.find_element(By.ID, 'id_name').send_keys(name)
    chrome.find_element(By.ID, 'id_os_command_line').send_keys('sleep 5')
    next_button.click()
    review = j.until(chrome, lambda d: d.find_element(By.ID, 'import_docker_image__review').is_displayed()
                     and d.find_element(By.CSS_SELECTOR, '.docker-review'), 10, 'the Review step')
    summary = j.until(chrome, lambda d: name in review.text and review.text, 10, lambda: review.text)
    for expected in ('Registry pull', reference, name, 'Private', 'sleep 5'):
        assert expected in summary, summary
    assert name not in [image.get('name') for image in openstack.glance('demo').images.list()]   # nothing imported
