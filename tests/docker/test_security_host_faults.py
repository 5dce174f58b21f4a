"""A Docker host that dies or hangs under open log streams, against the harness' real dockerd reached through
a TCP proxy this test owns (the daemon itself keeps running: other tests share it).

Killing the proxy resets every connection at once (what a crashed host or a cut network does); freezing it
keeps the sockets open and forwards nothing (a hung host). Streams must end (or keep beating) and say why,
new calls must fail within the timeout plus a second, and no reader thread or connection may stay behind.
"""
from __future__ import annotations

import socket
import struct
import threading
import time
import types

import pytest

from docker_dashboard import api
from docker_dashboard import exceptions

pytestmark = pytest.mark.docker
REQUEST = types.SimpleNamespace(user=types.SimpleNamespace(project_id='project-a'))
TIMEOUT = 2   # docker_settings' timeout
STREAMS = 6


class KillableProxy:
    """127.0.0.1:PORT -> dockerd's Unix socket; kill() resets every connection, freeze() stops forwarding."""

    def __init__(self, unix_path: str) -> None:
        self.unix_path = unix_path
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(('127.0.0.1', 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        self.frozen = threading.Event()
        self.dead = threading.Event()
        self.sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True, name='fault-proxy').start()

    @property
    def url(self) -> str:
        return f'tcp://127.0.0.1:{self.port}'

    def _accept(self) -> None:
        self.listener.settimeout(0.2)
        while not self.dead.is_set():
            try:
                client, _ = self.listener.accept()
            except OSError:
                continue
            upstream = socket.socket(socket.AF_UNIX)
            upstream.connect(self.unix_path)
            with self._lock:
                self.sockets += [client, upstream]
            for source, target in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket) -> None:
        try:
            while not self.dead.is_set():
                data = source.recv(65536)
                if not data:
                    break
                while self.frozen.is_set() and not self.dead.is_set():
                    time.sleep(0.05)   # hung: hold the bytes, keep the socket open
                target.sendall(data)
        except OSError:
            pass

    def open_connections(self) -> int:
        """Client-side connections still open (the plugin's side of the proxy)."""
        with self._lock:
            clients = self.sockets[0::2]
        count = 0
        for sock in clients:
            try:
                sock.setblocking(False)
                if sock.recv(1, socket.MSG_PEEK) != b'':
                    count += 1
            except BlockingIOError:
                count += 1          # open, nothing to read
            except OSError:
                pass                # closed or reset
        return count

    def kill(self) -> None:
        """Reset every connection (RST, not FIN) and refuse new ones."""
        self.dead.set()
        self.listener.close()
        with self._lock:
            for sock in self.sockets:
                try:
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
                    sock.close()
                except OSError:
                    pass


@pytest.fixture
def proxy(dockerd, docker_settings, settings):
    made = KillableProxy(dockerd.unix_url.replace('unix://', ''))
    config = dict(docker_settings)
    config['hosts'] = dict(config['hosts'], **{'test-host': {'url': made.url}})
    settings.DOCKER_DASHBOARD = config
    yield made
    made.kill()


def threads_alive() -> int:
    """Threads of this process but the proxy's (a stream's time-bound timer is one while it is open)."""
    return sum(1 for thread in threading.enumerate()
               if thread.is_alive() and '_pump' not in thread.name and thread.name != 'fault-proxy')


def threads_back_to(before: int, within: float = 3.0) -> bool:
    deadline = time.monotonic() + within
    while threads_alive() > before and time.monotonic() < deadline:
        time.sleep(0.05)
    return threads_alive() <= before


def spam_containers(server_containers, count: int) -> list:
    made = []
    for _ in range(count):
        server, _id = server_containers.create(['sh', '-c', 'while true; do echo spam; sleep 0.1; done'])
        made.append(server)
    return made


def test_host_dying_under_open_streams_ends_them_with_a_reason(server_containers, proxy):
    servers = spam_containers(server_containers, 2)
    containers = [api.containers.container_for_server(REQUEST, server) for server in servers]
    before = threads_alive()
    followers = [api.log_follow.follow_container(containers[i % 2], tail=0, max_seconds=60) for i in range(STREAMS)]
    generators = [follower.batches(heartbeat=0.5) for follower in followers]
    for generator in generators:
        assert next(generator)   # every stream delivers lines through the proxy
    reader = api.logs.container_logs(containers[0], tail='all', follow=True, max_seconds=60)

    proxy.kill()
    killed = time.monotonic()
    for generator in generators:
        for _batch in generator:
            assert time.monotonic() - killed < TIMEOUT + 1, 'a stream outlived its dead host'
    reasons = [follower.end_reason for follower in followers]
    assert set(reasons) == {'unreachable'}, reasons
    with pytest.raises(exceptions.DockerDashboardError):
        for _line in reader:
            assert time.monotonic() - killed < TIMEOUT + 1
    reader.close()
    assert all(follower.released for follower in followers)
    assert threads_back_to(before), 'threads left behind'

    started = time.monotonic()
    with pytest.raises(exceptions.DockerHostUnreachable) as refused:
        api.containers.container_for_server(REQUEST, servers[0])
    assert time.monotonic() - started < TIMEOUT + 1
    assert '127.0.0.1' not in str(refused.value) and 'tcp://' not in str(refused.value)   # no daemon URL


def test_hung_host_keeps_streams_beating_and_closing_frees_everything(server_containers, proxy):
    container = api.containers.container_for_server(REQUEST, spam_containers(server_containers, 1)[0])
    before = threads_alive()
    followers = [api.log_follow.follow_container(container, tail=0, max_seconds=60) for _ in range(STREAMS)]
    generators = [follower.batches(heartbeat=0.3) for follower in followers]
    for generator in generators:
        assert next(generator).count
    proxy.frozen.set()
    time.sleep(0.5)   # what was in flight drains
    for generator in generators:
        batches = [next(generator) for _ in range(3)]
        assert batches[-1].count == 0, 'a hung host delivered lines'   # heartbeats: the page can say "waiting"
    started = time.monotonic()
    for generator in generators:
        generator.close()   # the browser went away
    assert all(follower.released for follower in followers), 'a stream hangs on a hung host'
    assert time.monotonic() - started < 3
    assert threads_back_to(before), 'threads left behind'
    deadline = time.monotonic() + 3
    while proxy.open_connections() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert proxy.open_connections() == 0, 'connections to the hung host left open'

    started = time.monotonic()
    with pytest.raises(exceptions.DockerHostUnreachable):
        api.containers.container_for_server(REQUEST, {'id': container.server_id, 'tenant_id': 'project-a',
                                                      'OS-EXT-SRV-ATTR:host': 'test-host'})
    assert time.monotonic() - started < TIMEOUT + 1, 'a call to a hung host outlived its timeout'
