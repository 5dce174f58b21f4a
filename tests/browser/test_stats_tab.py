"""The Stats tab in real Chromium on the real stack: the charts draw and update; a hung Docker host
(its dockerd paused with SIGSTOP, so containers keep running) gives a message and the tab recovers."""
from __future__ import annotations

import contextlib
import os
import signal

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

import dockerd as harness  # tools/, on sys.path via tests/conftest.py
from tests.browser.conftest import login
from tests.browser.conftest import screenshot
from tests.stack import nova_helpers as h
from tests.stack.test_stats_tab import busy_server  # noqa: F401 (a busy-loop container, module-scoped)

ROOT = '.docker-stats'


@contextlib.contextmanager
def docker_host_hung(openstack, host: str):
    """The host's dockerd stopped (SIGSTOP) and continued on the way out: it accepts connections but
    answers nothing, like a hung host, while its containers keep running."""
    pid = harness.DockerDaemon(host, os.path.join(h.stack_dir(openstack), 'docker', host)).pid()
    assert pid, f'no dockerd pid for {host}'
    os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(pid, signal.SIGCONT)


def state(driver) -> dict:
    return driver.execute_script(
        "var r = document.querySelector(arguments[0]); if (!r) { return {}; }"
        "var path = r.querySelector('[data-chart=cpu] svg path.stats-series-1');"
        "return {samples: Number(r.dataset.samples || 0), state: r.dataset.state || '',"
        " status: r.querySelector('[data-role=status]').textContent.trim(),"
        " cpu: r.querySelector('[data-field=cpu_percent]').textContent,"
        " memory: r.querySelector('[data-field=memory_used]').textContent,"
        " path: path ? path.getAttribute('d') : ''};", ROOT)


def test_stats_tab_draws_updates_and_survives_a_hung_host(openstack, chrome, busy_server):
    base = openstack.env['HORIZON_URL']
    c = openstack.credentials['demo']
    login(chrome, base, c['username'], c['password'])
    chrome.get(f'{base}/project/docker_containers/{busy_server.id}/?tab=container_details__stats')
    wait = WebDriverWait(chrome, 30, poll_frequency=0.2)

    # The charts draw (a line through several points) and the figures beside them are live.
    first = wait.until(lambda d: (lambda s: s if s.get('samples', 0) >= 3 else None)(state(d)))
    assert first['state'] == 'success', first
    assert first['path'].count('L') >= 2, first          # an SVG line through 3+ samples
    assert first['cpu'].endswith(' %') and float(first['cpu'].split()[0]) > 10, first
    assert first['memory'].split()[1] in ('B', 'KiB', 'MiB'), first
    assert chrome.find_element(By.CSS_SELECTOR, '[data-chart=network] svg')
    updated = wait.until(lambda d: (lambda s: s if s['samples'] > first['samples'] + 1 else None)(state(d)))
    assert updated['path'] != first['path']
    chrome.set_window_size(1400, 1500)
    try:
        screenshot(chrome, 'stats-tab')
    finally:
        chrome.set_window_size(1400, 1000)

    # A host that stops answering: the tab says so (no daemon URL), keeps the history, and recovers.
    with docker_host_hung(openstack, h.host_of(openstack, busy_server)):
        down = WebDriverWait(chrome, 30, poll_frequency=0.2).until(
            lambda d: (lambda s: s if s['state'] == 'danger' else None)(state(d)))
        assert 'unreachable' in down['status'] and 'Trying again' in down['status'], down
        assert '://' not in down['status'] and 'docker.sock' not in down['status']
        assert down['path'], 'the chart history stays while the host is down'
    back = WebDriverWait(chrome, 40, poll_frequency=0.2).until(
        lambda d: (lambda s: s if s['state'] == 'success' and s['samples'] > down['samples'] else None)(state(d)))
    assert back['samples'] > down['samples']
