"""nova-compute's image cache manager on the real stack: once a server is deleted and then its Glance
image, the next cache pass ([image_cache] manager_interval in stack/etc/nova/nova.conf) removes the
host's copy of the image, layers included.

The image is made for this test (a unique file on busybox), so nothing else on the host shares it."""
from __future__ import annotations

import configparser
import html
import io
import os
import re

import docker.errors
import pytest

from tests.stack import nova_helpers as h
from tests.stack.horizon import Horizon

pytestmark = pytest.mark.stack

HOST = 'docker-host-1'
SLEEP = ['sh', '-c', h.SLEEP_FOREVER]


def manager_interval(openstack) -> int:
    """The cache pass interval nova-compute was configured with (the rendered stack config)."""
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.read(os.path.join(h.stack_dir(openstack), 'etc', 'nova', 'nova.conf'))
    interval = parser.getint('image_cache', 'manager_interval', fallback=0)
    assert 0 < interval <= 600, (f'[image_cache] manager_interval is {interval or "not set"} in the stack '
                                 'config: re-render it and restart nova-compute (STACK_RESTART=...)')
    return interval


def unique_image_tarball(docker_api, name: str) -> tuple[bytes, str]:
    """`docker save` of a new image (busybox plus a file naming it); the host keeps no copy of it."""
    container = docker_api.create_container('busybox:latest', ['sh', '-c', f'echo {name} > /made-for'],
                                            host_config=docker_api.create_host_config(network_mode='none'))
    try:
        docker_api.start(container)
        docker_api.wait(container, timeout=30)
        repository, tag = name.split(':')
        docker_api.commit(container, repository=repository, tag=tag, conf={'Cmd': SLEEP})
    finally:
        docker_api.remove_container(container, force=True)
    docker_id = docker_api.inspect_image(name)['Id']
    tarball = b''.join(docker_api.get_image(name))
    docker_api.remove_image(name)
    return tarball, docker_id


def cache_tags(docker_api, glance_id: str) -> list:
    prefix = f'glance/{glance_id}:'
    return [tag for row in docker_api.images(name=f'glance/{glance_id}')
            for tag in row.get('RepoTags') or () if tag.startswith(prefix)]


def image_gone(docker_api, docker_id: str) -> bool:
    try:
        docker_api.inspect_image(docker_id)
    except docker.errors.NotFound:
        return True
    return False


def images_tab_row(openstack, horizon_url, glance_id: str) -> str:
    """The text of the admin Docker Hosts > HOST > Images row naming ``glance_id``."""
    c = openstack.credentials['admin']
    page = Horizon(horizon_url, c['username'], c['password']).tab(
        f'/admin/docker_hosts/{HOST}/', 'docker_host_details__images').text
    row = next((row for row in re.findall(r'<tr>.*?</tr>', page, re.S) if glance_id in row), '')
    return html.unescape(re.sub(r'<[^>]+>|\s+', ' ', row))


def test_a_deleted_glance_image_leaves_the_host_at_the_next_cache_pass(openstack, horizon_url):
    interval = manager_interval(openstack)
    nova, glance = openstack.nova('admin'), openstack.glance('admin')
    docker_api = openstack.docker(HOST)
    name = f'{h.unique("cache-test")}:1'
    tarball, docker_id = unique_image_tarball(docker_api, name)
    image = glance.images.create(name=name, container_format='docker', disk_format='raw')
    server_id = None
    try:
        glance.images.upload(image.id, io.BytesIO(tarball))
        h.wait_image_active(glance, image.id)
        server = h.boot(nova, image.id, name=h.unique('cache-test'), availability_zone=f'nova:{HOST}')
        server_id = server.id
        h.wait_active(nova, server.id)
        assert docker_api.inspect_image(f'glance/{image.id}:latest')['Id'] == docker_id
        # The tarball's own name is not kept on the host: the cache tags are the copy's only names.
        assert name not in docker_api.inspect_image(docker_id)['RepoTags']
        row = images_tab_row(openstack, horizon_url, image.id)
        assert name in row and 'In use' in row, row

        h.delete_servers(nova, [server.id])
        server_id = None
        h.delete_image(glance, image.id)
        h.wait_for(lambda: image_gone(docker_api, docker_id), interval + 90, interval=2,
                   message=lambda: f'the copy of {image.id} to leave {HOST}; its tags '
                                   f'{cache_tags(docker_api, image.id)}')
        assert cache_tags(docker_api, image.id) == []
    finally:
        if server_id:
            h.delete_servers(nova, [server_id])
        h.delete_image(glance, image.id)
        for ref in cache_tags(docker_api, image.id) + [docker_id]:
            try:
                docker_api.remove_image(ref, force=True)
            except docker.errors.NotFound:
                pass
