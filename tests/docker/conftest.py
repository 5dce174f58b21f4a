"""A real Docker Engine for the api tests: a private dockerd (Debian docker.io), torn down at the end."""
import os
import socket
import threading
import uuid

import docker
import pytest

import dockerd as harness

BASE_IMAGE = 'busybox:latest'


def _free_port(address: str = '127.0.0.1') -> int:
    with socket.socket() as probe:
        probe.bind((address, 0))
        return probe.getsockname()[1]


@pytest.fixture(scope='session')
def dockerd(tmp_path_factory):
    """One dockerd for the session, on a Unix socket and on TLS at 127.0.0.3 (like a remote host)."""
    name = f'api-{os.getpid()}'
    daemon = harness.DockerDaemon(name, str(tmp_path_factory.mktemp('dockerd')),
                                  tcp_address=f'127.0.0.3:{_free_port("127.0.0.3")}')
    daemon.start()
    try:
        daemon.build_base_image(BASE_IMAGE)
        yield daemon
    finally:
        daemon.destroy()


@pytest.fixture(scope='session')
def engine(dockerd):
    """A plain docker-py client of the test daemon, to arrange what the tests then read through the api."""
    return dockerd.client(timeout=60)


@pytest.fixture(scope='session')
def closed_port():
    return _free_port()


@pytest.fixture(scope='session')
def silent_host():
    """A TCP server that accepts connections and never answers: a hung Docker host."""
    server = socket.socket()
    server.bind(('127.0.0.1', 0))
    server.listen(64)
    accepted = []
    stop = threading.Event()

    def accept_forever():
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept_forever, daemon=True)
    thread.start()
    yield f'tcp://127.0.0.1:{server.getsockname()[1]}'
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    server.close()


@pytest.fixture
def docker_settings(settings, dockerd, closed_port, silent_host):
    """DOCKER_DASHBOARD pointing at the real daemon (Unix and TLS), a closed port and a hung host."""
    tls = dockerd.tls
    settings.DOCKER_DASHBOARD = {
        'hosts': {
            'test-host': {'url': dockerd.unix_url},
            'tls-host': {'url': dockerd.tcp_url, 'tls': {
                'ca_cert': tls.ca_cert, 'client_cert': tls.client_cert, 'client_key': tls.client_key}},
            'closed-host': {'url': f'tcp://127.0.0.1:{closed_port}'},
            'silent-host': {'url': silent_host},
        },
        'timeout': 2,
        'logs': {'max_tail': 5000, 'max_line_bytes': 1024, 'follow_max_seconds': 20},
    }
    return settings.DOCKER_DASHBOARD


class ServerContainers:
    """Creates containers the way nova_docker does (name and labels), with a matching Nova server view."""

    def __init__(self, engine):
        self.engine = engine
        self.created = []

    def create(self, command, *, labelled=True, name=None, start=True, tty=False, project_id='project-a',
               host='test-host'):
        server_id = str(uuid.uuid4())
        labels = {'org.openstack.nova.instance_uuid': server_id,
                  'org.openstack.nova.project_id': project_id} if labelled else {}
        container = self.engine.create_container(
            BASE_IMAGE, command=command, name=name or f'nova-{server_id}', labels=labels, tty=tty,
            host_config=self.engine.create_host_config(network_mode='none'))
        self.created.append(container['Id'])
        if start:
            self.engine.start(container['Id'])
        server = {'id': server_id, 'tenant_id': project_id, 'OS-EXT-SRV-ATTR:host': host}
        return server, container['Id']

    def wait(self, container_id, timeout=30):
        return self.engine.wait(container_id, timeout=timeout)

    def cleanup(self):
        for container_id in self.created:
            try:
                self.engine.remove_container(container_id, force=True)
            except docker.errors.NotFound:
                pass


@pytest.fixture
def server_containers(engine, docker_settings):
    made = ServerContainers(engine)
    yield made
    made.cleanup()
