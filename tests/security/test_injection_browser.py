"""Hostile names, env, log lines (markup, ANSI and OSC 8 escapes, invalid UTF-8) and image names in real
Chromium: nothing executes (no alert, window.__pwned never set) and no element of the payloads exists."""
from __future__ import annotations

import time

from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.support.ui import WebDriverWait

from tests.browser.conftest import login
from tests.browser.conftest import screenshot
from tests.security.conftest import LOG_MARK
from tests.security.conftest import XSS

# Elements or attributes only the payloads could have created (each payload names window.__pwned).
INJECTED = """
return Array.from(document.querySelectorAll(
  'img[src="x"], svg[onload], [onerror], a[href^="javascript:" i], script:not([src])')).filter(function (e) {
    return e.outerHTML.indexOf('__pwned') >= 0; }).map(function (e) {
    return e.outerHTML.slice(0, 200); });
"""


def executed(driver) -> list:
    found = []
    try:
        found.append('alert: ' + driver.switch_to.alert.text)
        driver.switch_to.alert.dismiss()
    except NoAlertPresentException:
        pass
    pwned = driver.execute_script('return window.__pwned;')
    if pwned is not None:
        found.append(f'window.__pwned = {pwned}')
    return found + driver.execute_script(INJECTED)


def test_nothing_hostile_executes_in_chromium(openstack, chrome, hostile_server, hostile_image):
    base = openstack.env['HORIZON_URL']
    c = openstack.credentials['demo']
    login(chrome, base, c['username'], c['password'])
    detail = f'{base}/project/docker_containers/{hostile_server.id}/'
    pages = {
        'containers index': (f'{base}/project/docker_containers/', XSS['name']),
        'container overview': (detail, XSS['env']),
        'logs tab': (detail + '?tab=container_details__logs', LOG_MARK),
        'live logs': (detail + 'logs/', LOG_MARK),
        'images index': (f'{base}/project/docker_images/', XSS['image']),
        'image detail': (f'{base}/project/docker_images/{hostile_image.id}/', XSS['image']),
        'horizon instances': (f'{base}/project/instances/', XSS['name']),
    }
    problems, checked = [], 0
    for label, (url, expected_text) in pages.items():
        chrome.get(url)
        try:
            # the hostile text must be on the page, as text: the check below looked at a rendered payload
            WebDriverWait(chrome, 20).until(
                lambda d: d.execute_script('return document.body.textContent.indexOf(arguments[0]) >= 0;',
                                           expected_text))
        except Exception:
            screenshot(chrome, f'security-{label.replace(" ", "-")}')
            problems.append(f'{label}: hostile text not shown as text')
        if 'logs' in label:
            # the ANSI colour becomes a styled span, the OSC 8 link stays text: no javascript: link
            WebDriverWait(chrome, 20).until(
                lambda d: d.execute_script("return document.body.textContent.indexOf('ansi') >= 0;"))
        time.sleep(1)   # image loads and their onerror handlers run asynchronously
        checked += 1
        found = executed(chrome)
        if found:
            screenshot(chrome, f'security-{label.replace(" ", "-")}')
            problems.append(f'{label}: {found}')
    print(f'injection browser: {checked} pages, {len(problems)} problems')
    assert not problems, '\n'.join(problems)
