"""Helpers of the nova_docker integration tests (tests/stack/test_nova_docker*.py, test_zz_faults.py):
boot, wait, find the container of a server, clean up. Everything polls with a deadline."""
from __future__ import annotations

import datetime
import hashlib
import io
import os
import subprocess
import sys
import tarfile
import time
import uuid
from typing import Any, Callable

import docker.errors
from novaclient import exceptions as nova_exc

HOSTS = ('docker-host-1', 'docker-host-2')
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LABEL_UUID = 'org.openstack.nova.instance_uuid'
LABEL_PROJECT = 'org.openstack.nova.project_id'
LABEL_IMAGE = 'org.openstack.glance.image_id'
BOOT_TIMEOUT = 120
ACTION_TIMEOUT = 90
# A container command that keeps running and stops at once on SIGTERM (no 10 s kill timeout).
SLEEP_FOREVER = "trap 'exit 0' TERM INT; sleep 2147483647 & wait"


def unique(prefix: str) -> str:
    return f'{prefix}-{uuid.uuid4().hex[:8]}'


def wait_for(predicate: Callable[[], Any], timeout: float, interval: float = 0.5,
             message: str = '') -> Any:
    """Poll ``predicate`` until it returns something truthy; AssertionError after ``timeout`` s.

    ``message`` may be a callable, evaluated only on time-out (to describe the last state seen)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            text = message() if callable(message) else message
            raise AssertionError(f'timed out after {timeout}s: {text}')
        time.sleep(interval)


def shell(script: str) -> str:
    """A docker_command running ``script`` with /bin/sh -c (the driver splits it with shlex)."""
    return "sh -c '" + script.replace("'", "'\"'\"'") + "'"


# -- Glance, flavors -------------------------------------------------------------------------------------
def image_id(glance: Any, name: str) -> str:
    # (a Glance name filter containing ':' is read as an operator: filter here instead)
    for image in glance.images.list():
        if image.name == name:
            return image.id
    raise AssertionError(f'no Glance image named {name!r}')


def flavor(nova: Any, name: str = 'm1.tiny') -> Any:
    return nova.flavors.find(name=name)


def tiny_tar() -> bytes:
    """A small, valid tar archive (not a docker save tarball)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode='w') as tar:
        data = b'not a docker image\n'
        info = tarfile.TarInfo('hello.txt')
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def delete_image(glance: Any, image_id_: str | None) -> None:
    if not image_id_:
        return
    try:
        glance.images.delete(image_id_)
    except Exception as error:  # glanceclient HTTPNotFound
        if 'NotFound' not in type(error).__name__ and '404' not in str(error):
            raise


def wait_image_active(glance: Any, image_id_: str, timeout: float = 120) -> Any:
    def active():
        image = glance.images.get(image_id_)
        assert image.status not in ('killed', 'deleted', 'deactivated'), \
            f'image {image_id_} went {image.status}'
        return image if image.status == 'active' else None
    return wait_for(active, timeout, message=lambda: f'image {image_id_} active '
                    f'(status {glance.images.get(image_id_).status})')


# -- servers ---------------------------------------------------------------------------------------------
def boot(nova: Any, image: str, *, name: str | None = None, meta: dict | None = None,
         flavor_name: str = 'm1.tiny', availability_zone: str | None = None) -> Any:
    """Start a boot (no wait): ``image`` is a Glance image id."""
    return nova.servers.create(name or unique('nd'), image=image, flavor=flavor(nova, flavor_name).id,
                               nics='none', meta=meta, availability_zone=availability_zone)


def describe(nova: Any, server_id: str) -> str:
    try:
        server = nova.servers.get(server_id)
    except nova_exc.NotFound:
        return f'{server_id}: gone'
    return (f'{server_id}: status={server.status} task={getattr(server, "OS-EXT-STS:task_state", None)} '
            f'power={getattr(server, "OS-EXT-STS:power_state", None)} fault={getattr(server, "fault", None)}')


def wait_status(nova: Any, server_id: str, status: str, timeout: float = ACTION_TIMEOUT,
                allow_error: bool = False) -> Any:
    """Wait until the server has ``status`` and no task in progress; fail early on ERROR."""
    def reached():
        server = nova.servers.get(server_id)
        if server.status == 'ERROR' and status != 'ERROR' and not allow_error:
            raise AssertionError(f'server went to ERROR while waiting for {status}: '
                                 f'{getattr(server, "fault", None)}')
        if server.status == status and getattr(server, 'OS-EXT-STS:task_state', None) is None:
            return server
        return None
    return wait_for(reached, timeout, message=lambda: f'{status}: {describe(nova, server_id)}')


def wait_active(nova: Any, server_id: str, timeout: float = BOOT_TIMEOUT) -> Any:
    return wait_status(nova, server_id, 'ACTIVE', timeout)


def wait_gone(nova: Any, server_id: str, timeout: float = ACTION_TIMEOUT) -> None:
    def gone():
        try:
            nova.servers.get(server_id)
        except nova_exc.NotFound:
            return True
        return False
    wait_for(gone, timeout, message=lambda: f'deletion: {describe(nova, server_id)}')


def delete_servers(nova: Any, server_ids: list[str], timeout: float = ACTION_TIMEOUT) -> None:
    """Delete (ignoring already-gone ones) and wait until all are gone."""
    for server_id in server_ids:
        try:
            nova.servers.delete(server_id)
        except nova_exc.NotFound:
            pass
    for server_id in server_ids:
        wait_gone(nova, server_id, timeout)


def host_of(openstack: Any, server: Any, user: str = 'demo') -> str:
    """The compute host of a server from its hostId = sha224(project_id + host), as any owner can."""
    project_id = openstack.session(user).get_project_id()
    by_host_id = {hashlib.sha224((project_id + host).encode()).hexdigest(): host for host in HOSTS}
    assert server.hostId in by_host_id, f'hostId {server.hostId!r} matches none of {HOSTS}'
    return by_host_id[server.hostId]


# -- Docker ----------------------------------------------------------------------------------------------
def container(openstack: Any, host: str, server_id: str) -> dict | None:
    """docker inspect of nova-<uuid> on ``host``, or None when there is no such container."""
    try:
        return openstack.docker(host).inspect_container(f'nova-{server_id}')
    except docker.errors.NotFound:
        return None


def docker_state(openstack: Any, host: str, server_id: str) -> str | None:
    """'running', 'paused', 'exited', ... of the server's container; None when it does not exist."""
    found = container(openstack, host, server_id)
    return None if found is None else found['State']['Status']


def wait_docker_state(openstack: Any, host: str, server_id: str, state: str | None,
                      timeout: float = 30) -> dict | None:
    def reached():
        found = container(openstack, host, server_id)
        current = None if found is None else found['State']['Status']
        return (found or True) if current == state else None
    result = wait_for(reached, timeout, message=lambda: f'container nova-{server_id} on {host} '
                      f'{state} (is {docker_state(openstack, host, server_id)})')
    return result if isinstance(result, dict) else None


def docker_logs(openstack: Any, host: str, server_id: str) -> str:
    return openstack.docker(host).logs(f'nova-{server_id}', stdout=True, stderr=True).decode(
        'utf-8', 'replace')


# -- stack processes ---------------------------------------------------------------------------------------
def stack_dir(openstack: Any) -> str:
    return openstack.env['STACK_DIR']


def pid_of(openstack: Any, name: str) -> int | None:
    """PID of a stack process from .state/stack/run/<name>.pid (line 1 pid, line 2 a marker that its
    command line contains), or None when it does not run."""
    try:
        with open(os.path.join(stack_dir(openstack), 'run', f'{name}.pid')) as handle:
            pid = int(handle.readline())
            marker = handle.readline().strip()
        with open(f'/proc/{pid}/cmdline', 'rb') as handle:
            cmdline = handle.read().replace(b'\0', b' ').decode('utf-8', 'replace')
        with open(f'/proc/{pid}/status') as handle:
            if 'zombie' in handle.read():
                return None
    except (OSError, ValueError):
        return None
    return pid if marker in cmdline else None


def process_gone(pid: int) -> bool:
    try:
        with open(f'/proc/{pid}/status') as handle:
            return 'zombie' in handle.read()
    except OSError:
        return True


def run_stack(timeout: float = 600) -> subprocess.CompletedProcess:
    """bash stack/run.sh (idempotent: starts only what is missing, then waits for both computes)."""
    result = subprocess.run(['bash', os.path.join(REPO, 'stack', 'run.sh')], cwd=REPO,
                            capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f'stack/run.sh failed:\n{result.stderr[-4000:]}'
    return result


def dockerd(action: str, host: str, openstack: Any, tcp: str | None = None,
            timeout: float = 120) -> None:
    """python tools/dockerd.py start|stop NAME STATE_DIR [--tcp ADDR], as stack/lib/infra.sh does."""
    cmd = [sys.executable, os.path.join(REPO, 'tools', 'dockerd.py'), action, host,
           os.path.join(stack_dir(openstack), 'docker', host)]
    if tcp:
        cmd += ['--tcp', tcp]
    result = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f'{" ".join(cmd)} failed:\n{result.stdout}\n{result.stderr}'


def docker_answers(openstack: Any, host: str) -> bool:
    try:
        client = openstack.docker(host)
        client.timeout = 3
        return bool(client.ping())
    except Exception:  # refused, reset, TLS not ready yet
        return False


def compute_reported_since(nova_admin: Any, host: str, since: datetime.datetime) -> bool:
    """nova-compute on ``host`` is 'up' and has reported after ``since`` (naive UTC)."""
    for service in nova_admin.services.list(binary='nova-compute', host=host):
        if service.state != 'up' or not service.updated_at:
            continue
        updated = datetime.datetime.fromisoformat(service.updated_at.replace('Z', '')).replace(tzinfo=None)
        if updated >= since:
            return True
    return False


def utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


def action_events(nova: Any, server_id: str, action: str) -> list[dict]:
    """Events of the latest instance action named ``action`` (with 'details', microversion >= 2.84)."""
    actions = [a for a in nova.instance_action.list(server_id) if a.action == action]
    if not actions:
        return []
    latest = max(actions, key=lambda a: a.start_time)
    return list(getattr(nova.instance_action.get(server_id, latest.request_id), 'events', []) or [])


def remove_cached_image(openstack: Any, image_id_: str) -> None:
    """Drop the driver's per-host cache tag glance/<image id>:latest of a Glance image this test made
    (a snapshot is committed under that tag on its host and loaded under it where it boots; the driver's
    image cache manager would remove it only at its next pass). Its containers must be gone already."""
    for host in HOSTS:
        try:
            openstack.docker(host).remove_image(f'glance/{image_id_}:latest')
        except docker.errors.NotFound:
            pass
