"""The local OpenStack works end to end: identity, Docker images in Glance, two Docker compute hosts,
and a server booted from a Docker image on them."""
from __future__ import annotations

import hashlib
import uuid

import pytest

from tests.stack.nova_helpers import wait_for

pytestmark = pytest.mark.stack

SEEDED_IMAGES = ('busybox:latest', 'logger:latest', 'layered:latest')
HOSTS = ('docker-host-1', 'docker-host-2')


def test_keystone_issues_a_token_for_demo(openstack):
    session = openstack.session('demo')
    token = session.get_token()
    assert token and len(token) > 20
    project_id = session.get_project_id()
    assert project_id
    from keystoneclient.v3 import client as ks_client
    admin = ks_client.Client(session=openstack.session('admin'), interface='public')
    assert admin.projects.get(project_id).name == 'demo'


def test_glance_lists_the_seeded_docker_images(openstack):
    images = {image.name: image for image in openstack.glance('demo').images.list()}
    for name in SEEDED_IMAGES:
        assert name in images, f'{name} missing from Glance; have {sorted(images)}'
        image = images[name]
        assert image.container_format == 'docker'
        assert image.disk_format == 'raw'
        assert image.status == 'active'
        assert image.size and image.size > 100_000   # a docker save tarball, not an empty upload


def test_both_compute_hosts_are_up_and_registered(openstack):
    nova = openstack.nova('admin')
    services = {s.host: s for s in nova.services.list(binary='nova-compute')}
    for host in HOSTS:
        assert host in services, f'no nova-compute on {host}: {sorted(services)}'
        assert services[host].state == 'up' and services[host].status == 'enabled'
    hypervisors = {h.hypervisor_hostname: h for h in nova.hypervisors.list()}
    for host in HOSTS:
        assert host in hypervisors, f'hypervisor {host} missing: {sorted(hypervisors)}'
        assert hypervisors[host].state == 'up'


def test_boot_busybox_as_demo_then_delete(openstack):
    nova = openstack.nova('demo')
    glance = openstack.glance('demo')
    # (a Glance name filter containing ':' is read as an operator: filter here instead)
    image = next(i for i in glance.images.list() if i.name == 'busybox:latest')
    flavor = nova.flavors.find(name='m1.tiny')
    name = f'stack-test-{uuid.uuid4().hex[:8]}'
    server = nova.servers.create(name, image=image.id, flavor=flavor.id, nics='none')
    try:
        def active():
            current = nova.servers.get(server.id)
            assert current.status != 'ERROR', f'server went to ERROR: {getattr(current, "fault", None)}'
            return current if current.status == 'ACTIVE' else None

        current = wait_for(active, 120, message=f'server {server.id} to become ACTIVE')
        # hostId = sha224(project_id + host): the owner can tell which compute host runs it
        project_id = openstack.session('demo').get_project_id()
        by_host_id = {hashlib.sha224((project_id + host).encode()).hexdigest(): host for host in HOSTS}
        assert current.hostId in by_host_id
        host = by_host_id[current.hostId]
        if openstack.env.get('COMPUTE_DRIVER') == 'docker.DockerDriver':
            containers = openstack.docker(host).containers(
                all=True, filters={'label': f'org.openstack.nova.instance_uuid={server.id}'})
            assert len(containers) == 1, f'no container for {server.id} on {host}'
            assert containers[0]['State'] == 'running'
    finally:
        nova.servers.delete(server.id)

    def gone():
        try:
            nova.servers.get(server.id)
        except Exception as error:  # novaclient NotFound
            return type(error).__name__ == 'NotFound'
        return False

    wait_for(gone, 60, message=f'server {server.id} to be deleted')
