"""The session fixture `openstack`: the real local OpenStack of stack/ (Keystone, Glance, Placement, Nova with
two Docker compute hosts, Neutron, Horizon).

If the stack is down, the fixture runs `bash stack/run.sh` and stops it (`bash stack/stop.sh`) when the
session ends; a stack that was up is used as it is and left running (if only part of it answers, run.sh
starts what is missing and the stack is still left running). The state dir is
$STACK_DIR or .state/stack; endpoints and credentials come from its stack.json and credentials.json.

One shared stack, several test runs (a developer's, a benchmark's): the fixture holds an exclusive
flock on .state/stack.lock for the whole session, so runs take turns instead of restarting or filling
the stack under each other. The lock is taken once per process (this module is registered once, by
tests/conftest.py), and a process started by tools/with-stack-lock.sh (STACK_LOCK_HELD=1) does not take
it again: flock on a second descriptor of the same file would wait for itself.
"""
from __future__ import annotations

import json
import os
import subprocess
import time
import urllib.request
from dataclasses import dataclass, field
from typing import Any, Iterator

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STACK_DIR = os.environ.get('STACK_DIR', os.path.join(REPO, '.state', 'stack'))
LOCK_PATH = os.path.join(REPO, '.state', 'stack.lock')
LOCK_WAIT_SECONDS = float(os.environ.get('STACK_LOCK_WAIT', '1800'))


@dataclass
class OpenStack:
    """Endpoints (stack.json keys, e.g. env['NOVA_URL']) and logins (credentials['demo'] ...)."""

    env: dict
    credentials: dict
    started_here: bool = False
    _sessions: dict = field(default_factory=dict)

    def session(self, user: str = 'demo') -> Any:
        from keystoneauth1 import session as ks_session
        from keystoneauth1.identity import v3

        if user not in self._sessions:
            c = self.credentials[user]
            auth = v3.Password(auth_url=c['auth_url'], username=c['username'], password=c['password'],
                               project_name=c['project_name'], user_domain_id=c['user_domain_id'],
                               project_domain_id=c['project_domain_id'])
            self._sessions[user] = ks_session.Session(auth=auth, timeout=60)
        return self._sessions[user]

    def nova(self, user: str = 'demo') -> Any:
        from novaclient import client as nova_client
        return nova_client.Client(self.env['NOVA_MICROVERSION'], session=self.session(user))

    def glance(self, user: str = 'demo') -> Any:
        from glanceclient import client as glance_client
        return glance_client.Client('2', session=self.session(user))

    def docker(self, host: str) -> Any:
        """A docker-py APIClient for a compute host (docker-host-2 over TCP with the client cert)."""
        import docker
        if host == 'docker-host-1':
            client = docker.APIClient(base_url=self.env['DOCKER_HOST_1_URL'], version='1.41', timeout=30)
        else:
            tls = docker.tls.TLSConfig(client_cert=(self.env['DOCKER_HOST_2_TLS_CERT'],
                                                    self.env['DOCKER_HOST_2_TLS_KEY']),
                                       ca_cert=self.env['DOCKER_HOST_2_TLS_CA'], verify=True)
            client = docker.APIClient(base_url=self.env['DOCKER_HOST_2_URL'].replace('tcp://', 'https://'),
                                      version='1.41', tls=tls, timeout=30)
        # else requests lets REQUESTS_CA_BUNDLE (set on this machine) replace the stack's CA
        client.trust_env = False
        return client


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status < 500
    except urllib.error.HTTPError as error:
        return error.code < 500
    except OSError:
        return False


def _running(name: str) -> bool:
    try:
        with open(os.path.join(STACK_DIR, 'run', f'{name}.pid')) as handle:
            pid = int(handle.readline())
        with open(f'/proc/{pid}/status') as handle:
            return 'zombie' not in handle.read()
    except (OSError, ValueError):
        return False


def _stack_state() -> str:
    """'up' (everything answers), 'partial' (keystone answers, something is missing) or 'down'."""
    path = os.path.join(STACK_DIR, 'stack.json')
    if not os.path.exists(path):
        return 'down'
    with open(path) as handle:
        env = json.load(handle)
    if not _answers(env['KEYSTONE_URL']):
        return 'down'
    urls = (env['NOVA_URL'].rsplit('/', 1)[0] + '/', env['GLANCE_URL'] + '/versions', env['NEUTRON_URL'] + '/',
            env['PLACEMENT_URL'] + '/', env['HORIZON_URL'] + '/auth/login/')
    if all(_answers(url) for url in urls) and _running('nova-compute-1') and _running('nova-compute-2'):
        return 'up'
    return 'partial'


def _run(script: str) -> None:
    started = time.monotonic()
    result = subprocess.run(['bash', os.path.join(REPO, 'stack', script)], cwd=REPO,
                            env=dict(os.environ, STACK_DIR=STACK_DIR), capture_output=True, text=True)
    if result.returncode != 0:
        pytest.fail(f'stack/{script} failed after {time.monotonic() - started:.0f}s:\n'
                    f'{result.stderr[-4000:]}', pytrace=False)


_lock_handle: Any = None


def _take_stack_lock() -> None:
    """Wait (bounded) for the exclusive stack lock; kept until the process ends."""
    global _lock_handle
    if _lock_handle is not None or os.environ.get('STACK_LOCK_HELD') == '1':
        return
    import fcntl
    os.makedirs(os.path.dirname(LOCK_PATH), exist_ok=True)
    handle = open(LOCK_PATH, 'a+')
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if time.monotonic() > deadline:
                handle.close()
                pytest.exit(f'another test run held {LOCK_PATH} for {LOCK_WAIT_SECONDS:.0f}s', returncode=3)
            time.sleep(1)
    _lock_handle = handle


def pytest_collection_finish(session: Any) -> None:
    """Wait for the stack lock before the first test starts, so the wait never counts against a test's
    time limit (pytest.ini timeout)."""
    if not session.config.option.collectonly and any(item.get_closest_marker('stack') for item in session.items):
        _take_stack_lock()


@pytest.fixture(scope='session')
def openstack() -> Iterator[OpenStack]:
    _take_stack_lock()
    state = _stack_state()
    if state != 'up':
        # run.sh is idempotent: on a partly running stack it only starts what is missing
        _run('run.sh')
    with open(os.path.join(STACK_DIR, 'stack.json')) as handle:
        env = json.load(handle)
    with open(env['CREDENTIALS_FILE']) as handle:
        credentials = json.load(handle)
    stack = OpenStack(env=env, credentials=credentials, started_here=state == 'down')
    try:
        yield stack
    finally:
        if stack.started_here:
            _run('stop.sh')


@pytest.fixture(scope='module')
def horizon_url(openstack: OpenStack, tmp_path_factory: Any) -> Iterator[str]:
    """A Horizon serving this checkout's code: the stack's when it is current (always on a fresh run),
    else a private one for the module."""
    from tests.stack.horizon import current_horizon
    with current_horizon(openstack, str(tmp_path_factory.mktemp('horizon') / 'uwsgi.log')) as url:
        yield url
