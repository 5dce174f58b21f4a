"""The live-log view in real Chromium: live lines, latency, hostile text inert, ANSI, scroll pause,
search and download, against a container running on the real stack."""
from __future__ import annotations

import time
import uuid

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.browser.conftest import login
from tests.browser.conftest import screenshot

PAYLOADS = ('<script>window.__xss=1</script>', '<img src=x onerror="window.__xss=2">')
COMMAND = ("sh -c 'echo \"<script>window.__xss=1</script>\"; echo \"<img src=x onerror=\\\"window.__xss=2\\\">\" >&2; "
           "printf \"\\033[31mred alert\\033[0m\\n\"; i=0; while true; do i=$((i+1)); echo line-$i; sleep 0.25; done'")

# Records, for every line element the view adds, how long after Docker stamped it it became visible.
OBSERVE_LATENCY = """
window.__delays = [];
new MutationObserver(function (mutations) {
  var now = Date.now();
  mutations.forEach(function (m) { m.addedNodes.forEach(function (n) {
    if (n.dataset && n.dataset.ts) { window.__delays.push(now - Date.parse(n.dataset.ts.replace(/(\\.\\d{3})\\d*Z$/, '$1Z'))); }
  }); });
}).observe(document.querySelector('[data-role=view]'), {childList: true});
"""


@pytest.fixture(scope='module')
def noisy_server(openstack):
    nova, glance = openstack.nova('demo'), openstack.glance('demo')
    image_id = next(i.id for i in glance.images.list() if i.name == 'busybox:latest')
    flavor = nova.flavors.find(name='m1.tiny')
    assert len(COMMAND) <= 255
    server = nova.servers.create(f'live-log-{uuid.uuid4().hex[:6]}', image=image_id, flavor=flavor.id,
                                 nics='none', meta={'docker_command': COMMAND})
    deadline = time.monotonic() + 180
    while nova.servers.get(server.id).status != 'ACTIVE':
        assert nova.servers.get(server.id).status != 'ERROR'
        assert time.monotonic() < deadline, 'server not ACTIVE'
        time.sleep(1)
    try:
        yield server
    finally:
        nova.servers.delete(server.id)


def line_texts(driver) -> list:
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('[data-role=view] .log-line .log-text'))"
        ".map(function (e) { return e.textContent; });")


def test_live_logs_follow_render_safely_and_search(openstack, chrome, noisy_server):
    base = openstack.env['HORIZON_URL']
    c = openstack.credentials['demo']
    login(chrome, base, c['username'], c['password'])
    chrome.get(f'{base}/project/docker_containers/{noisy_server.id}/logs/')
    wait = WebDriverWait(chrome, 30, poll_frequency=0.1)
    wait.until(lambda d: any(t.startswith('line-') for t in line_texts(d)))
    chrome.execute_script(OBSERVE_LATENCY)

    # Hostile text is shown as text and runs nothing.
    texts = line_texts(chrome)
    assert PAYLOADS[0] in texts and PAYLOADS[1] in texts
    assert chrome.execute_script('return window.__xss === undefined')
    assert chrome.find_elements(By.CSS_SELECTOR, '[data-role=view] script, [data-role=view] img') == []
    # Times in the user's timezone, the exact UTC value on hover.
    time_cell = chrome.execute_script("var t = document.querySelector('[data-role=view] .log-line .log-time');"
                                      "return [t.textContent, t.title, t.parentNode.dataset.ts];")
    assert time_cell[1] == time_cell[2] and time_cell[1].endswith('Z') and time_cell[0] != time_cell[1]
    stderr_line = chrome.find_element(By.CSS_SELECTOR, '.log-line.stream-stderr .log-stream')
    assert stderr_line.text == 'stderr'
    red = chrome.find_element(By.CSS_SELECTOR, '[data-role=view] .ansi-fg-31')
    assert red.text == 'red alert'

    # New lines keep arriving, each within a second of being written (p95).
    wait.until(lambda d: len(d.execute_script('return window.__delays')) >= 12)
    delays = sorted(chrome.execute_script('return window.__delays'))
    p95 = delays[int(len(delays) * 0.95) - 1]
    assert p95 < 1000, delays
    screenshot(chrome, 'live-logs')

    # Following at the bottom: no "new lines" button and no "Back to live" outside a search.
    assert not chrome.find_element(By.CSS_SELECTOR, '[data-role=jump]').is_displayed()
    assert not chrome.find_element(By.CSS_SELECTOR, '[data-role=clear-search]').is_displayed()

    # Pause freezes the view; Resume shows what arrived meanwhile.
    pause = chrome.find_element(By.CSS_SELECTOR, '[data-role=pause]')
    pause.click()
    assert pause.text == 'Resume'
    frozen = len(line_texts(chrome))
    wait.until(lambda d: d.execute_script('return window.dockerDashboardLiveLogs.instances()[0].pending.length') >= 2)
    assert len(line_texts(chrome)) == frozen   # lines arrived on the stream but the view stayed still
    pause.click()
    assert pause.text == 'Pause'
    wait.until(lambda d: len(line_texts(d)) > frozen)

    # Scrolling up pauses following and counts new lines; the button jumps back.
    chrome.execute_script("document.querySelector('[data-role=view]').style.height = '120px';"
                          "document.querySelector('[data-role=view]').scrollTop = 0;")
    jump = chrome.find_element(By.CSS_SELECTOR, '[data-role=jump]')
    wait.until(lambda d: jump.is_displayed() and 'new lines' in jump.text)
    assert chrome.execute_script("return document.querySelector('[data-role=view]').scrollTop") == 0
    jump.click()
    assert chrome.execute_script("var v = document.querySelector('[data-role=view]');"
                                 "return v.scrollTop + v.clientHeight >= v.scrollHeight - 4;")

    # Search narrows to matches on the server; back to live resumes.
    chrome.find_element(By.CSS_SELECTOR, '[data-role=q]').send_keys('line-1')
    chrome.find_element(By.CSS_SELECTOR, '[data-role=search]').click()
    wait.until(lambda d: 'matching lines' in d.find_element(By.CSS_SELECTOR, '[data-role=status]').text)
    found = line_texts(chrome)
    assert found and all('line-1' in text for text in found)
    chrome.find_element(By.CSS_SELECTOR, '[data-role=clear-search]').click()
    wait.until(lambda d: any(t.startswith('line-') and '1' != t[5:6] for t in line_texts(d)))

    # The download is the full log as text, payloads included verbatim.
    href = chrome.find_element(By.CSS_SELECTOR, '[data-role=download]').get_attribute('href')
    body = chrome.execute_async_script(
        "var done = arguments[arguments.length - 1];"
        "fetch(arguments[0], {credentials: 'same-origin'}).then(function (r) { return r.text(); }).then(done);", href)
    assert 'stdout line-1\n' in body
    assert PAYLOADS[0] in body
