"""A logged-in browser-less Horizon session (requests) against the stack's real Horizon."""
from __future__ import annotations

import html
import re

import requests

_HIDDEN = re.compile(r'<input[^>]*type="hidden"[^>]*>', re.I)
_ATTR = re.compile(r'(name|value)="([^"]*)"')


def hidden_fields(page: str) -> dict:
    fields = {}
    for tag in _HIDDEN.findall(page):
        attrs = dict(_ATTR.findall(tag))
        if 'name' in attrs:
            fields[attrs['name']] = html.unescape(attrs.get('value', ''))
    return fields


class Horizon:
    """Logs in through /auth/login/ like a person, then GETs and POSTs pages with the session cookie."""

    def __init__(self, base_url: str, username: str, password: str) -> None:
        self.base_url = base_url.rstrip('/')
        self.http = requests.Session()
        self.http.trust_env = False
        login = self.get('/auth/login/')
        data = hidden_fields(login.text)
        data.update({'username': username, 'password': password})
        if 'name="domain"' in login.text:
            data['domain'] = 'Default'
        response = self.post('/auth/login/', data)
        if '/auth/login/' in response.url or response.status_code >= 400:
            raise AssertionError(f'Horizon login as {username} failed ({response.status_code})')

    def get(self, path: str, **kwargs) -> requests.Response:
        kwargs.setdefault('timeout', 60)
        return self.http.get(self.base_url + path, **kwargs)

    def post(self, path: str, data: dict, **kwargs) -> requests.Response:
        kwargs.setdefault('timeout', 60)
        headers = kwargs.pop('headers', {})
        headers.setdefault('Referer', self.base_url + path)
        data = dict(data)
        data.setdefault('csrfmiddlewaretoken', self.http.cookies.get('csrftoken', ''))
        return self.http.post(self.base_url + path, data=data, headers=headers, **kwargs)

    def tab(self, path: str, tab: str) -> requests.Response:
        """One lazily loaded detail tab, fetched the way Horizon's JavaScript does."""
        return self.get(f'{path}?tab={tab}', headers={'X-Requested-With': 'XMLHttpRequest'})


# --- A Horizon that serves this checkout's code -------------------------------------------------------

import contextlib  # noqa: E402
import os  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
import urllib.request  # noqa: E402
from typing import Any, Iterator  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
_CODE_DIRS = ('docker_dashboard', 'templates', 'static', 'enabled')


def _newest_code_change() -> float:
    newest = 0.0
    for top in _CODE_DIRS:
        for root, _dirs, files in os.walk(os.path.join(REPO, top)):
            for name in files:
                if name.endswith(('.py', '.html', '.js', '.css')):
                    newest = max(newest, os.stat(os.path.join(root, name)).st_mtime)
    return newest


def _process_started(pid: int) -> float:
    """Epoch seconds at which process `pid` started (/proc/<pid>/stat starttime + boot time)."""
    with open(f'/proc/{pid}/stat') as handle:
        start_ticks = int(handle.read().rsplit(')', 1)[1].split()[19])
    with open('/proc/stat') as handle:
        boot = next(int(line.split()[1]) for line in handle if line.startswith('btime'))
    return boot + start_ticks / os.sysconf('SC_CLK_TCK')


def stack_horizon_is_current(openstack: Any) -> bool:
    """True when the stack's Horizon started after the last change of the plugin's code in this checkout."""
    try:
        with open(os.path.join(openstack.env['STACK_DIR'], 'run', 'horizon.pid')) as handle:
            started = _process_started(int(handle.readline()))
    except (OSError, ValueError, KeyError):
        return False
    return started > _newest_code_change()


@contextlib.contextmanager
def private_horizon(openstack: Any, log_path: str,
                    settings_module: str = 'openstack_dashboard.settings') -> Iterator[str]:
    """A private Horizon (uwsgi, one process) on 127.0.0.1:<free port> with the stack's settings, same
    command line as stack/lib/horizon.sh, so tests exercise the code in this checkout even when the
    stack's long-running Horizon loaded an older one; stopped on exit."""
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        port = probe.getsockname()[1]
    venv = os.path.join(REPO, '.venv')
    log = open(log_path, 'wb')
    process = subprocess.Popen(
        [os.path.join(venv, 'bin', 'uwsgi'), '--http-socket', f'127.0.0.1:{port}',
         # openstack_dashboard.wsgi forces its own settings module; tests.stack.wsgi_env honours ours
         '--module', 'tests.stack.wsgi_env:application', '--pythonpath', REPO,
         '--home', venv, '--master', '--processes', '1',
         '--threads', '4', '--enable-threads', '--lazy-apps', '--need-app', '--die-on-term',
         '--add-header', 'Connection: close', '--buffer-size', '65535', '--disable-logging',
         '--static-map', f'/static={openstack.env["STACK_DIR"]}/horizon/static'],
        env=dict(os.environ, DJANGO_SETTINGS_MODULE=settings_module),
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=REPO)
    url = f'http://127.0.0.1:{port}'
    try:
        deadline = time.monotonic() + 120
        while True:
            assert process.poll() is None, f'private Horizon exited; see {log_path}'
            try:
                with urllib.request.urlopen(url + '/auth/login/', timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            assert time.monotonic() < deadline, f'private Horizon did not answer in 120 s; see {log_path}'
            time.sleep(1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@contextlib.contextmanager
def current_horizon(openstack: Any, log_path: str) -> Iterator[str]:
    """The stack's Horizon when it serves this checkout's code (as on a fresh CI run), else a private one."""
    if stack_horizon_is_current(openstack):
        yield openstack.env['HORIZON_URL']
        return
    with private_horizon(openstack, log_path) as url:
        yield url
