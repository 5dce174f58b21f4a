"""Load: 50 concurrent live-log followers plus page loads on ONE Horizon process with 8 threads (what each
of the stack's two uwsgi processes has). Streams beyond the limit are refused with a message, pages keep
answering, memory stays bounded (peak RSS reported) and no connection to dockerd is left afterwards.

The process is a private uwsgi of the stack's Horizon (same settings, this checkout's code) started by the
test, so the figures are of one known process and the shared Horizon is not loaded.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time

import pytest
import requests

from tests.stack.horizon import Horizon
from tests.stack.nova_helpers import wait_for

pytestmark = pytest.mark.slow
FOLLOWERS = 50
THREADS = 8
LOAD_SECONDS = float(os.environ.get('SECURITY_LOAD_SECONDS', '30'))
PAGE_LIMIT_SECONDS = 10
REFUSED = 'Too many live log views'


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        return probe.getsockname()[1]


def socket_fds(pid: int) -> int:
    count = 0
    for fd in os.listdir(f'/proc/{pid}/fd'):
        try:
            count += os.readlink(f'/proc/{pid}/fd/{fd}').startswith('socket:')
        except OSError:
            pass
    return count


def peak_rss_mib(pid: int) -> float:
    with open(f'/proc/{pid}/status') as handle:
        for line in handle:
            if line.startswith('VmHWM:'):
                return int(line.split()[1]) / 1024
    raise AssertionError('no VmHWM')


@pytest.fixture(scope='module')
def one_horizon_process(openstack, tmp_path_factory):
    """A single-process, 8-thread uwsgi of the stack's Horizon on a free port; its log file."""
    port = free_port()
    log = tmp_path_factory.mktemp('horizon') / 'horizon.log'
    venv = os.path.dirname(os.path.dirname(sys.executable))
    with open(log, 'w') as out:
        process = subprocess.Popen(
            [os.path.join(venv, 'bin', 'uwsgi'), '--http-socket', f'127.0.0.1:{port}',
             '--module', 'openstack_dashboard.wsgi:application', '--home', venv, '--processes', '1',
             '--threads', str(THREADS), '--enable-threads', '--need-app', '--add-header', 'Connection: close',
             '--buffer-size', '65535', '--disable-logging', '--log-4xx', '--log-5xx'],
            env=dict(os.environ, DJANGO_SETTINGS_MODULE='openstack_dashboard.settings'),
            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    base = f'http://127.0.0.1:{port}'
    try:
        def answers():
            assert process.poll() is None, log.read_text()[-3000:]
            try:
                return requests.get(base + '/auth/login/', timeout=5).status_code == 200
            except requests.RequestException:
                return False
        wait_for(answers, 120, 1, 'the private Horizon answers')
        yield base, process.pid, log
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def follow(session: requests.Session, url: str, until: float, results: list) -> None:
    """One browser's live-log connection: open, read events until `until`, record how it went."""
    outcome = {'accepted': False, 'refused': False, 'error': None, 'bytes': 0}
    try:
        with session.get(url, stream=True, timeout=(10, 10)) as response:
            if response.status_code != 200:
                outcome['error'] = f'HTTP {response.status_code}'
            else:
                while True:
                    chunk = response.raw.read1(65536)   # what has arrived (a sized read would wait)
                    if not chunk:
                        break
                    outcome['bytes'] += len(chunk)
                    text = chunk.decode('utf-8', 'replace')
                    if 'event: hello' in text:
                        outcome['accepted'] = True
                    if REFUSED in text:
                        outcome['refused'] = True
                        break
                    if time.monotonic() > until:
                        break
    except requests.RequestException as error:
        outcome['error'] = type(error).__name__
    results.append(outcome)


def test_fifty_followers_and_page_loads_on_one_process(openstack, one_horizon_process, hostile_server):
    base, pid, _log = one_horizon_process
    credentials = openstack.credentials['demo']
    user = Horizon(base, credentials['username'], credentials['password'])
    detail = f'/project/docker_containers/{hostile_server.id}/'
    assert user.get(detail).status_code == 200   # warm: clients, templates
    sockets_before = socket_fds(pid)

    results: list = []
    until = time.monotonic() + LOAD_SECONDS
    threads = [threading.Thread(target=follow, args=(user.http, f'{base}{detail}logs/stream?tail=10', until, results),
                                daemon=True) for _ in range(FOLLOWERS)]
    for thread in threads:
        thread.start()
    page_times, page_errors = [], []
    while time.monotonic() < until:
        for path in ('/project/docker_containers/', detail, f'{detail}logs/search?q=SECLOGMARK'):
            started = time.monotonic()
            try:
                status = user.get(path, timeout=PAGE_LIMIT_SECONDS * 3).status_code
                if status != 200:
                    page_errors.append(f'{path}: HTTP {status}')
            except requests.RequestException as error:
                page_errors.append(f'{path}: {type(error).__name__}')
            page_times.append(time.monotonic() - started)
        time.sleep(0.5)
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads), 'a follower did not end'

    accepted = sum(r['accepted'] and not r['refused'] for r in results)
    refused = sum(r['refused'] for r in results)
    errors = [r['error'] for r in results if r['error']]
    peak = peak_rss_mib(pid)
    worst = max(page_times)
    print(f'load: {FOLLOWERS} followers for {LOAD_SECONDS:.0f}s on 1 process x {THREADS} threads: '
          f'{accepted} streamed, {refused} refused with a message, {len(errors)} errors; '
          f'{len(page_times)} page loads, worst {worst:.2f}s, median {sorted(page_times)[len(page_times) // 2]:.2f}s; '
          f'peak RSS {peak:.0f} MiB')
    assert not errors, errors
    assert not page_errors, page_errors
    assert accepted + refused == FOLLOWERS
    assert 1 <= accepted <= THREADS - 2, f'{accepted} streams held threads of a {THREADS}-thread process'
    assert worst < PAGE_LIMIT_SECONDS, f'a page took {worst:.1f}s under load'
    assert peak < 600, f'peak RSS {peak:.0f} MiB'

    # every stream's connection to dockerd is released (within a heartbeat and a little)
    def released():
        return socket_fds(pid) <= sockets_before + 2
    wait_for(released, 15, 0.5, lambda: f'{socket_fds(pid)} sockets open, {sockets_before} before the load')
