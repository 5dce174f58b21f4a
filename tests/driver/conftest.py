"""Fixtures for the nova_docker driver tests: a real private dockerd, real Nova objects.

The only substitute is the Glance side (see driver_helpers.FakeImageService).
"""
from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT / 'tools') not in sys.path:  # tests/conftest.py does this too; keep this file standalone
    sys.path.insert(0, str(ROOT / 'tools'))

import dockerd  # noqa: E402  tools/dockerd.py
from tests.driver.driver_helpers import APP_CMD, APP_IMAGE, FakeImageService  # noqa: E402
from tests.driver.socket_relay import UnixRelay  # noqa: E402

import nova.conf  # noqa: E402
from nova import context as nova_context  # noqa: E402
from nova import objects  # noqa: E402

from nova_docker import client as docker_client  # noqa: E402
from nova_docker import containers  # noqa: E402
from nova_docker import driver as docker_driver  # noqa: E402
from nova_docker import images  # noqa: E402

CONF = nova.conf.CONF


@pytest.fixture(scope='session')
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dockerd.DockerDaemon]:
    # Per-process name: concurrent test runs on this machine never share a daemon.
    daemon = dockerd.DockerDaemon(f'drv-{os.getpid()}', str(tmp_path_factory.mktemp('dockerd')))
    daemon.start()
    daemon.build_base_image('busybox:latest')
    try:
        yield daemon
    finally:
        daemon.destroy()


@pytest.fixture(scope='session')
def docker_cli(daemon: dockerd.DockerDaemon) -> Any:
    """A plain docker-py client of the test daemon, to check what the driver did."""
    client = daemon.client()
    client.trust_env = False
    return client


@pytest.fixture(scope='session')
def app_tarball(daemon: dockerd.DockerDaemon, docker_cli: Any,
                tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`docker save` of an image with a CMD and a file, built offline from busybox."""
    container = docker_cli.create_container('busybox:latest', ['sh', '-c', 'echo app > /app.txt'])
    docker_cli.start(container)
    docker_cli.wait(container, timeout=30)
    docker_cli.commit(container, repository='ddtest/app', tag='1.0',
                      conf={'Cmd': APP_CMD, 'Env': ['PATH=/bin', 'FROM_IMAGE=1']})
    docker_cli.remove_container(container)
    path = tmp_path_factory.mktemp('images') / 'app.tar'
    with open(path, 'wb') as handle:
        for chunk in docker_cli.get_image(APP_IMAGE):
            handle.write(chunk)
    # Remove it again so the driver really has to load it.
    docker_cli.remove_image(APP_IMAGE)
    return path


@pytest.fixture(scope='session')
def configured(daemon: dockerd.DockerDaemon) -> Iterator[None]:
    CONF([], project='nova', default_config_files=[])
    objects.register_all()
    CONF.set_override('host', 'drv-test-host')
    CONF.set_override('api_url', daemon.unix_url, group='docker')
    CONF.set_override('api_timeout', 10, group='docker')
    CONF.set_override('soft_reboot_timeout', 5, group='docker')
    yield
    CONF.reset()


@pytest.fixture
def image_service(tmp_path: Path) -> FakeImageService:
    return FakeImageService(tmp_path)


@pytest.fixture
def make_driver(configured: None, image_service: FakeImageService):
    """Build a driver as nova-compute would (fresh DockerAPI each time: a 'restarted' service)."""
    made: list[docker_driver.DockerDriver] = []

    def make() -> docker_driver.DockerDriver:
        drv = docker_driver.DockerDriver(virtapi=None, docker_api=docker_client.DockerAPI(),
                                         image_service=image_service)
        drv.init_host(CONF.host)
        made.append(drv)
        return drv
    yield make
    for drv in made:  # as nova-compute's shutdown does: ends the driver's event listener
        drv.cleanup_host(CONF.host)


@pytest.fixture
def drv(make_driver: Any) -> docker_driver.DockerDriver:
    return make_driver()


@pytest.fixture
def ctx() -> Any:
    return nova_context.get_admin_context()


@pytest.fixture
def app_image(image_service: FakeImageService, app_tarball: Path, docker_cli: Any) -> Iterator[Any]:
    """A Glance image record for the app tarball, with a fresh id (so never cached yet)."""
    image_id = str(uuid.uuid4())
    yield image_service.add(image_id, APP_IMAGE, app_tarball)
    try:
        docker_cli.remove_image(images.cache_ref(image_id), force=True)
    except Exception:
        pass


@pytest.fixture(autouse=True)
def _remove_test_containers(docker_cli: Any) -> Iterator[None]:
    yield
    for container in docker_cli.containers(all=True, filters={'label': containers.LABEL_UUID}):
        docker_cli.remove_container(container['Id'], force=True)


@pytest.fixture
def docker_opt(configured: None) -> Iterator[Any]:
    """set(name, value) for a [docker] option, restored to the session's value afterwards."""
    saved: dict[str, Any] = {}

    def set_opt(name: str, value: Any) -> None:
        saved.setdefault(name, getattr(CONF.docker, name))
        CONF.set_override(name, value, group='docker')
    yield set_opt
    for name, value in saved.items():
        CONF.set_override(name, value, group='docker')


@pytest.fixture
def relay(daemon) -> Iterator[UnixRelay]:
    """A relay in front of the test dockerd that can cut the driver's connections (socket_relay)."""
    relay = UnixRelay(daemon.socket_path)
    yield relay
    relay.close()
