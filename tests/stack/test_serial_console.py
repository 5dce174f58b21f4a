"""Serial consoles through the real path: Nova API (POST /servers/{id}/remote-consoles, protocol serial)
-> nova-serialproxy (websockify, Nova console tokens) -> nova_docker's console port -> a TTY in the
container. The test is the browser: a websocket client (websocket-client) with Horizon's Origin."""
from __future__ import annotations

import time
import uuid
from typing import Any

import pytest
import websocket

from tests.stack import nova_helpers as h

pytestmark = pytest.mark.stack

BUSYBOX = 'busybox:latest'
ORIGIN = 'http://127.0.0.1:8000'
MICROVERSION = '2.6'


def console_request(openstack: Any, server_id: str, user: str = 'demo') -> Any:
    """POST remote-consoles as ``user``; the raw response."""
    return openstack.session(user).post(
        f"{openstack.env['NOVA_URL']}/servers/{server_id}/remote-consoles",
        json={'remote_console': {'protocol': 'serial', 'type': 'serial'}},
        headers={'X-OpenStack-Nova-API-Version': MICROVERSION}, raise_exc=False)


def console_url(openstack: Any, server_id: str) -> str:
    response = console_request(openstack, server_id)
    assert response.status_code == 200, response.text
    url = response.json()['remote_console']['url']
    assert url.startswith('ws://127.0.0.1:6083/?token=')
    return url


class Terminal:
    """A websocket to nova-serialproxy, read into one buffer."""

    def __init__(self, url: str, origin: str = ORIGIN) -> None:
        self.ws = websocket.create_connection(url, subprotocols=['binary'], origin=origin, timeout=10)
        self.buffer = b''

    def send(self, data: bytes) -> None:
        self.ws.send_binary(data)

    def read_until(self, wanted: bytes, timeout: float = 10.0) -> bytes:
        deadline = time.monotonic() + timeout
        while wanted not in self.buffer:
            assert time.monotonic() < deadline, f'{wanted!r} not seen; got {self.buffer[-300:]!r}'
            self.ws.settimeout(max(0.1, deadline - time.monotonic()))
            try:
                data = self.ws.recv()
            except websocket.WebSocketTimeoutException:
                continue
            assert data, f'closed before {wanted!r}; got {self.buffer[-300:]!r}'
            self.buffer += data if isinstance(data, bytes) else data.encode()
        return self.buffer

    def closed_within(self, seconds: float) -> bool:
        """True once the proxy closed the websocket (reading whatever came before)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.ws.settimeout(max(0.1, deadline - time.monotonic()))
            try:
                data = self.ws.recv()
            except websocket.WebSocketTimeoutException:
                continue
            except (websocket.WebSocketConnectionClosedException, ConnectionError):
                return True
            if not data:
                return True
            self.buffer += data if isinstance(data, bytes) else data.encode()
        return False

    def close(self) -> None:
        self.ws.close()


def refused(url: str, origin: str = ORIGIN) -> bool:
    """The websocket is refused or closed without ever showing a shell prompt."""
    try:
        term = Terminal(url, origin)
    except (websocket.WebSocketException, ConnectionError):
        return True
    try:
        return term.closed_within(10) and b'# ' not in term.buffer
    finally:
        term.close()


def processes(openstack: Any, server: Any) -> list[str]:
    top = openstack.docker(h.host_of(openstack, server)).top(f'nova-{server.id}')
    column = top['Titles'].index('CMD')
    return [row[column] for row in top['Processes']]


@pytest.fixture(scope='module')
def servers(openstack: Any) -> Any:
    """Two running busybox servers of the demo project."""
    nova = openstack.nova('demo')
    image = h.image_id(openstack.glance('demo'), BUSYBOX)
    created = [h.boot(nova, image, name=h.unique(f'console-{n}'),
                      meta={'docker_command': h.shell(h.SLEEP_FOREVER)}) for n in 'ab']
    try:
        yield [h.wait_active(nova, server.id) for server in created]
    finally:
        h.delete_servers(nova, [server.id for server in created])


def test_shell_through_nova_serialproxy(openstack, servers):
    server = servers[0]
    before = processes(openstack, server)
    url = console_url(openstack, server.id)
    term = Terminal(url)
    term.send(b'\x1b[8;30;90tstty size; echo $((6*7))\n')
    term.read_until(b'30 90')
    term.read_until(b'\n42')
    term.send(b'sleep 100\n')
    h.wait_for(lambda: any('sleep 100' in cmd for cmd in processes(openstack, server)), 10)
    term.send(b'\x03')  # Ctrl-C
    term.send(b'echo after-$((2+3))\n')
    term.read_until(b'after-5', timeout=5)
    assert not any('sleep 100' in cmd for cmd in processes(openstack, server))
    term.send(b'exit\n')
    assert term.closed_within(10), 'exit did not end the session'
    h.wait_for(lambda: processes(openstack, server) == before, 10,
               message=lambda: f'left behind: {processes(openstack, server)} (before: {before})')
    # A token opens one session only.
    assert refused(url)


def test_leaving_kills_the_shell_and_what_runs_in_it(openstack, servers):
    server = servers[0]
    before = processes(openstack, server)
    term = Terminal(console_url(openstack, server.id))
    term.send(b'sleep 200 & sleep 100\n')
    h.wait_for(lambda: any('sleep 100' in cmd for cmd in processes(openstack, server)), 10)
    term.close()
    h.wait_for(lambda: processes(openstack, server) == before, 10,
               message=lambda: f'left behind: {processes(openstack, server)} (before: {before})')


def test_refusals(openstack, servers):
    server, other = servers
    # Another project does not even see the server.
    assert console_request(openstack, server.id, user='demo2').status_code == 404
    # No token, an unknown token.
    assert refused('ws://127.0.0.1:6083/')
    assert refused(f'ws://127.0.0.1:6083/?token={uuid.uuid4()}')
    # A page of another origin cannot use a valid token; the token still works from Horizon's origin.
    url = console_url(openstack, server.id)
    assert refused(url, origin='http://evil.example')
    term = Terminal(url)
    term.send(b'hostname\n')
    term.read_until(server.name.lower().encode())
    term.close()
    # A token of the other server opens that server's container, never this one's.
    term = Terminal(console_url(openstack, other.id))
    term.send(b'hostname\n')
    term.read_until(other.name.lower().encode())
    assert server.name.lower().encode() not in term.buffer
    term.close()


def expire(openstack: Any, url: str) -> None:
    """Make the URL's token expired in Nova's database (Nova keeps only the token's SHA-256)."""
    import configparser
    import hashlib
    import sqlalchemy
    config = configparser.ConfigParser(interpolation=None)
    config.read(f'{h.stack_dir(openstack)}/etc/nova/nova.conf')
    token = url.split('token=', 1)[1]
    engine = sqlalchemy.create_engine(config['database']['connection'])
    try:
        with engine.begin() as db:
            updated = db.execute(sqlalchemy.text(
                'UPDATE console_auth_tokens SET expires = :past WHERE token_hash = :hash'),
                {'past': int(time.time()) - 1, 'hash': hashlib.sha256(token.encode()).hexdigest()})
            assert updated.rowcount == 1
    finally:
        engine.dispose()


def test_an_expired_token_is_refused(openstack, servers):
    url = console_url(openstack, servers[0].id)
    expire(openstack, url)
    assert refused(url)
    # The same server's next token still works.
    term = Terminal(console_url(openstack, servers[0].id))
    term.send(b'echo $((6*7))\n')
    term.read_until(b'42')
    term.close()


def test_limit_per_server(openstack, servers):
    server = servers[0]
    terms = [Terminal(console_url(openstack, server.id)) for _ in range(2)]
    try:
        for term in terms:
            term.send(b'echo open\n')
            term.read_until(b'open\r\n')
        response = console_request(openstack, server.id)
        assert response.status_code == 400, response.text
        assert 'This server has 2 open consoles, the most allowed' in response.text
    finally:
        for term in terms:
            term.close()


def test_paused_or_stopped_container_is_refused_with_a_reason(openstack, servers):
    nova = openstack.nova('demo')
    server = servers[1]
    nova.servers.pause(server.id)
    h.wait_status(nova, server.id, 'PAUSED')
    response = console_request(openstack, server.id)
    assert response.status_code == 409, response.text
    assert 'The container is paused: unpause it to open a console.' in response.text
    nova.servers.unpause(server.id)
    h.wait_active(nova, server.id)
    url = console_url(openstack, server.id)
    nova.servers.stop(server.id)
    h.wait_status(nova, server.id, 'SHUTOFF')
    response = console_request(openstack, server.id)
    assert response.status_code == 409, response.text
    assert 'The container is not running: start it to open a console.' in response.text
    assert refused(url)  # a token issued while it ran


def test_console_of_the_tls_docker_host(openstack):
    """docker-host-2's Docker Engine is remote-style (TCP with TLS): the session runs over TLS."""
    nova = openstack.nova('admin')
    image = h.image_id(openstack.glance('admin'), BUSYBOX)
    server = h.boot(nova, image, name=h.unique('console-tls'), availability_zone='nova:docker-host-2',
                    meta={'docker_command': h.shell(h.SLEEP_FOREVER)})
    try:
        h.wait_active(nova, server.id)
        response = console_request(openstack, server.id, user='admin')
        assert response.status_code == 200, response.text
        term = Terminal(response.json()['remote_console']['url'])
        term.send(b'\x1b[8;25;85tstty size; echo $((6*7))\n')
        term.read_until(b'25 85')
        term.read_until(b'\n42')
        term.close()
    finally:
        h.delete_servers(nova, [server.id])
