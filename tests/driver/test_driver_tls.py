"""A remote-style Docker host: tcp:// with TLS client certificates, immune to REQUESTS_CA_BUNDLE."""
from __future__ import annotations

import os
import socket

import pytest

import dockerd
import nova.conf
from nova import exception

from nova_docker import client as docker_client
from nova_docker import driver as docker_driver

pytestmark = pytest.mark.docker
CONF = nova.conf.CONF
SYSTEM_CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt'


def free_address(host: str = '127.0.0.77') -> str:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return f'{host}:{probe.getsockname()[1]}'


@pytest.fixture(scope='module')
def tls_daemon(daemon, tmp_path_factory):
    tls = dockerd.DockerDaemon(f'drvtls-{os.getpid()}', str(tmp_path_factory.mktemp('dockerd-tls')),
                               tcp_address=free_address())
    tls.start()
    try:
        yield tls
    finally:
        tls.destroy()


@pytest.fixture
def tls_conf(docker_opt, tls_daemon, monkeypatch):
    # The trap we hit before: requests prefers REQUESTS_CA_BUNDLE over the client's own CA.
    monkeypatch.setenv('REQUESTS_CA_BUNDLE', SYSTEM_CA_BUNDLE)
    values = {'api_url': tls_daemon.tcp_url, 'tls_ca_cert': tls_daemon.tls.ca_cert,
              'tls_client_cert': tls_daemon.tls.client_cert,
              'tls_client_key': tls_daemon.tls.client_key}
    for name, value in values.items():
        docker_opt(name, value)
    return tls_daemon


def test_tls_host_works_despite_requests_ca_bundle(tls_conf):
    assert os.environ['REQUESTS_CA_BUNDLE'] == SYSTEM_CA_BUNDLE
    drv = docker_driver.DockerDriver(None, docker_client.DockerAPI())
    drv.init_host(CONF.host)
    assert drv.docker.api.base_url.startswith('https://')
    assert drv.get_available_resource(CONF.host)['hypervisor_type'] == 'docker'
    assert drv.list_instance_uuids() == []


def test_tls_host_rejects_a_client_without_certificate(tls_conf, docker_opt):
    docker_opt('tls_client_cert', None)
    drv = docker_driver.DockerDriver(None, docker_client.DockerAPI())
    with pytest.raises(exception.HypervisorUnavailable) as caught:
        drv.init_host(CONF.host)
    assert '127.0.0.77' not in caught.value.format_message()
