"""Helpers of the service fault tests (tests/stack/test_zz_service_faults.py): stop an OpenStack API
process of the stack, answer 503 on its port while it is down, start it again; visit the plugin's pages
and read what they tell the user."""
from __future__ import annotations

import contextlib
import dataclasses
import http.server
import json
import os
import re
import signal
import socket
import threading
import time
from typing import Any, Iterator

from tests.stack import nova_helpers as h

# stack/lib/common.sh: fixed ports of the API services; stack/lib/openstack.sh: the function starting each
PORTS = {'keystone': 5000, 'glance': 9292, 'nova-api': 8774}
STARTERS = {'keystone': 'start_keystone', 'glance': 'start_glance', 'nova-api': 'start_nova_api'}
AJAX = {'X-Requested-With': 'XMLHttpRequest'}
_ALERT = re.compile(r'<div class="alert alert-(\w+) alert-dismissable fade in">(.*?)</div>', re.S)
_TAGS = re.compile(r'<[^>]+>')


def port_open(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(('127.0.0.1', port)) == 0


def answers(port: int) -> bool:
    """Something on the port answers HTTP with a status below 500."""
    import urllib.error
    import urllib.request
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(f'http://127.0.0.1:{port}/', timeout=5) as response:
            return response.status < 500
    except urllib.error.HTTPError as error:
        return error.code < 500
    except OSError:
        return False


def _signal_group(pid: int, sig: int) -> None:
    try:
        os.killpg(pid, sig)    # spawn() starts each service with setsid: its group id is its pid
    except ProcessLookupError:
        pass


@contextlib.contextmanager
def service_stopped(openstack: Any, name: str) -> Iterator[None]:
    """Stop the stack's `name` process group as stack/lib/common.sh stop_proc does (TERM, then KILL);
    on the way out start it again (start_service) and wait until it answers."""
    port = PORTS[name]
    pid = h.pid_of(openstack, name)
    assert pid, f'{name} does not run'
    assert answers(port), f'{name} does not answer before the test'
    try:
        _signal_group(pid, signal.SIGTERM)
        try:
            h.wait_for(lambda: h.process_gone(pid), 25, 0.2, message=f'{name} to stop')
        except AssertionError:
            _signal_group(pid, signal.SIGKILL)
            h.wait_for(lambda: h.process_gone(pid), 10, 0.2, message=f'{name} to die')
        _signal_group(pid, signal.SIGKILL)   # leftover workers
        h.wait_for(lambda: not port_open(port), 15, 0.2, message=f'port {port} of {name} to close')
        yield
    finally:
        if not h.pid_of(openstack, name):
            start_service(openstack, name)
        h.wait_for(lambda: answers(port), 120, 0.5, message=f'{name} to answer again on port {port}')


def start_service(openstack: Any, name: str) -> None:
    """Start one API service exactly as stack/run.sh does (its start function in stack/lib/openstack.sh,
    under run.sh's lock), and nothing else: run.sh would also re-seed the cloud (which deletes the seeder's
    own unfinished uploads) and restart whatever else it finds changed. Falls
    back to run.sh if that fails."""
    import subprocess
    script = f'. stack/lib/common.sh && . stack/lib/openstack.sh && {STARTERS[name]}'
    stack_dir = h.stack_dir(openstack)
    result = subprocess.run(['flock', '-w', '900', os.path.join(stack_dir, '.lock'), 'bash', '-c', script],
                            cwd=h.REPO, env=dict(os.environ, STACK_DIR=stack_dir), capture_output=True,
                            text=True, timeout=300)
    if result.returncode != 0 or not h.pid_of(openstack, name):
        h.run_stack()


class _Failing(http.server.BaseHTTPRequestHandler):
    """Answers every request 503 with an OpenStack-style JSON body."""

    def _fail(self) -> None:
        length = int(self.headers.get('Content-Length') or 0)
        if length:
            self.rfile.read(min(length, 1 << 20))
        body = json.dumps({'error': {'code': 503, 'title': 'Service Unavailable',
                                     'message': 'The service is unavailable (fault test).'}}).encode()
        self.send_response(503)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(body)))
        self.send_header('Connection', 'close')
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _fail

    def log_message(self, *args: Any) -> None:
        pass


@contextlib.contextmanager
def answering_503(port: int) -> Iterator[None]:
    """A tiny HTTP server on 127.0.0.1:`port` (whose service is stopped) answering 503 to everything."""
    server = http.server.ThreadingHTTPServer(('127.0.0.1', port), _Failing)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name=f'fail-{port}', daemon=True)
    thread.start()
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


# -- what a page tells the user ----------------------------------------------------------------------------

@dataclasses.dataclass
class Answer:
    path: str
    status: int              # the first answer's status (a redirect is followed, see final)
    final: int               # the status of the page the browser ends on
    seconds: float
    messages: list           # [(level, text)] Horizon alerts, X-Horizon-Messages, JSON/SSE/text errors
    body: str = ''           # the page (for a stream: its first event's name)
    url: str = ''            # where the browser ends
    kind: str = ''

    @property
    def errors(self) -> list:
        return [text for level, text in self.messages if level in ('error', 'danger', 'warning')]

    def describe(self) -> str:
        shown = [text[:160] for _level, text in self.messages]
        return f'{self.path}: {self.status}->{self.final} {self.seconds:.1f}s {shown}'


def _text(fragment: str) -> str:
    import html
    return re.sub(r'\s+', ' ', html.unescape(_TAGS.sub(' ', fragment))).strip()


def page_messages(body: str) -> list:
    """Horizon's alerts of a rendered page: [(level, text)], without the dismiss button's '×'."""
    return [(level, _text(text).lstrip('×').strip()) for level, text in _ALERT.findall(body)]


def visit(client: Any, path: str, kind: str) -> Answer:
    """GET `path` as a browser (kind 'page'), Horizon's tab script ('tab'), the live-log script ('stream')
    or a plain fetch ('json', 'text'); follows redirects and collects what the user is told."""
    started = time.monotonic()
    headers = AJAX if kind == 'tab' else {}
    if kind == 'stream':
        answer = _visit_stream(client, path, started)
        answer.kind = kind
        return answer
    asked = kind
    response = client.get(path, headers=headers, allow_redirects=False, timeout=90)
    first = response.status_code
    messages: list = []
    hops = 0
    while hops < 3 and (response.is_redirect or response.headers.get('X-Horizon-Location')):
        # Horizon answers a tab's XHR with X-Horizon-Location instead of a redirect: its script then
        # loads that page, which shows the messages
        location = response.headers.get('Location') or response.headers['X-Horizon-Location']
        if not response.is_redirect:
            headers = {}
            kind = 'page'
        response = client.get(location.replace(client.base_url, ''), headers=headers, allow_redirects=False,
                              timeout=90)
        hops += 1
    body = response.text
    if kind in ('page', 'tab'):
        messages += page_messages(body)
        header = response.headers.get('X-Horizon-Messages')
        if header:
            messages += [(level, _text(text)) for level, text, _extra in json.loads(header)]
    elif kind == 'json':
        try:
            data = response.json()
        except ValueError:
            data = {}
        if isinstance(data, dict) and data.get('error'):
            messages.append(('error', data['error']))
    elif response.status_code >= 400:
        messages.append(('error', body[:300]))
    return Answer(path, first, response.status_code, time.monotonic() - started, messages, body, response.url,
                  asked)


def _visit_stream(client: Any, path: str, started: float) -> Answer:
    """The first event of the live-log stream: `hello` (working) or `failed` with its message."""
    response = client.get(path, stream=True, timeout=(10, 30))
    messages: list = []
    event = None
    try:
        for raw in response.iter_lines(chunk_size=1, decode_unicode=True):
            if raw.startswith('event: '):
                event = raw[len('event: '):]
            elif raw.startswith('data: ') and event:
                if event == 'failed':
                    messages.append(('error', json.loads(raw[len('data: '):]).get('message')))
                break
            if time.monotonic() - started > 30:
                break
    finally:
        response.close()
    return Answer(path, response.status_code, response.status_code, time.monotonic() - started, messages,
                  event or '', response.url)


def login_attempt(base_url: str, username: str, password: str) -> Answer:
    """Post Horizon's login form like a person; the answer's messages are the form's errors."""
    import requests

    from tests.stack.horizon import hidden_fields
    started = time.monotonic()
    http = requests.Session()
    http.trust_env = False
    page = http.get(base_url + '/auth/login/', timeout=60)
    data = dict(hidden_fields(page.text), username=username, password=password)
    if 'name="domain"' in page.text:
        data['domain'] = 'Default'
    response = http.post(base_url + '/auth/login/', data=data, timeout=90,
                         headers={'Referer': base_url + '/auth/login/'})
    errors = re.findall(r'<div class="[^"]*alert alert-danger[^"]*"[^>]*>(.*?)</div>', response.text, re.S)
    errors += [text for _level, text in page_messages(response.text)]
    return Answer('/auth/login/', response.status_code, response.status_code, time.monotonic() - started,
                  [('error', _text(text)) for text in errors], response.text, response.url)
