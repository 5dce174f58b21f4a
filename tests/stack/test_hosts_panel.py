"""Admin > Docker Hosts over the stack's real Nova, Glance and both Docker hosts (Unix socket and TLS):
as admin, with one Nova server and one orphan container made directly on a host; and as a member,
who is refused."""
from __future__ import annotations

import html
import re
import uuid

import dockerd  # tools/, on sys.path via tests/conftest.py
import pytest

from tests.stack import nova_helpers as h
from tests.stack.horizon import Horizon

pytestmark = pytest.mark.stack
INDEX = '/admin/docker_hosts/'
TAG = uuid.uuid4().hex[:8]
AJAX = {'X-Requested-With': 'XMLHttpRequest'}


@pytest.fixture(scope='module')
def admin_horizon(openstack, horizon_url):
    c = openstack.credentials['admin']
    return Horizon(horizon_url, c['username'], c['password'])


@pytest.fixture(scope='module')
def server_on_host1(openstack):
    """One Nova server pinned to docker-host-1 (admins may pick the host)."""
    nova, glance = openstack.nova('admin'), openstack.glance('admin')
    image = h.image_id(glance, 'busybox:latest')
    server = h.boot(nova, image, name=f'hosts-panel-{TAG}', availability_zone='nova:docker-host-1',
                    meta={'docker_command': h.shell(h.SLEEP_FOREVER)})
    try:
        yield h.wait_active(nova, server.id), image
    finally:
        h.delete_servers(nova, [server.id])


@pytest.fixture(scope='module')
def orphan_on_host2(openstack):
    """A container made directly on the TLS host, labelled for a server Nova never had."""
    docker = openstack.docker('docker-host-2')
    uuid_ = str(uuid.uuid4())
    # An image of its own: the host holds only what Nova loaded there (under glance/<id> tags), which
    # depends on what ran before and on the image cache manager.
    image = f'hosts-orphan-{TAG}:latest'
    docker.import_image_from_data(dockerd.busybox_rootfs_tar(), repository=image.split(':')[0], tag='latest')
    created = docker.create_container(image, command=['true'], name=f'hosts-orphan-{TAG}',
                                      labels={h.LABEL_UUID: uuid_, h.LABEL_PROJECT: 'no-such-project'},
                                      host_config=docker.create_host_config(network_mode='none'))
    try:
        yield created['Id'], uuid_
    finally:
        docker.remove_container(created['Id'], force=True)
        docker.remove_image(image)


def row_cells(page: str, host: str) -> list:
    row = re.search(r'<tr[^>]*id="docker_hosts__row__%s".*?</tr>' % re.escape(host), page, re.S)
    assert row, f'no row for {host}'
    return [html.unescape(re.sub(r'<[^>]+>|\s+', ' ', cell)).strip()
            for cell in re.findall(r'<td[^>]*>(.*?)</td>', row.group(0), re.S)]


def test_admin_sees_both_hosts_with_docker_and_nova_facts(openstack, admin_horizon, server_on_host1,
                                                          orphan_on_host2):
    page = admin_horizon.get(INDEX)
    assert page.status_code == 200
    for host, tls in (('docker-host-1', 'No'), ('docker-host-2', 'Yes')):
        version = openstack.docker(host).version()
        info = openstack.docker(host).info()
        (name, service, state, engine, api_version, containers, images, cpus, _memory, driver, disk,
         orphans, missing, tls_cell) = row_cells(page.text, host)
        assert name == host
        assert service == 'up, enabled'
        assert re.fullmatch(r'Reachable \(\d+(\.\d+)? ms\)', state), state
        assert engine == version['Version'] and api_version == version['ApiVersion']
        assert re.fullmatch(r'\d+ running, \d+ paused, \d+ stopped', containers), containers
        assert cpus == str(info['NCPU']) and driver == info['Driver']
        assert int(images) >= 1
        assert re.fullmatch(r'\S+ \S+ used, \d+ GB free', disk), disk   # free space as the driver tells Nova
        assert orphans.isdigit() and missing.isdigit()
        assert tls_cell == tls
    assert int(row_cells(page.text, 'docker-host-2')[11]) >= 1        # at least our orphan


def test_detail_tabs_show_the_server_the_orphan_and_the_glance_image(admin_horizon, server_on_host1,
                                                                     orphan_on_host2):
    server, glance_image = server_on_host1
    orphan_id, orphan_uuid = orphan_on_host2
    host1 = f'{INDEX}docker-host-1/'
    containers = admin_horizon.tab(host1, 'docker_host_details__containers')
    assert containers.status_code == 200
    assert f'/project/docker_containers/{server.id}/' in containers.text
    images = admin_horizon.tab(host1, 'docker_host_details__images')
    assert f'/admin/images/{glance_image}/' in images.text
    disk = admin_horizon.tab(host1, 'docker_host_details__disk')
    assert 'Containers (writable layers)' in disk.text and 'GB free of' in disk.text

    orphans = admin_horizon.tab(f'{INDEX}docker-host-2/', 'docker_host_details__orphans')
    assert orphans.status_code == 200
    assert orphan_id[:12] in orphans.text
    assert f'Nova has no server {orphan_uuid}' in orphans.text
    assert f'hosts-orphan-{TAG}' in orphans.text
    overview = admin_horizon.get(f'{INDEX}docker-host-2/')
    assert 'Yes (client certificate)' in overview.text
    assert '127.0.0.2' not in overview.text and 'client-key' not in overview.text   # no daemon URL, no cert path


def test_member_is_refused(openstack, horizon_url):
    c = openstack.credentials['demo']
    member = Horizon(horizon_url, c['username'], c['password'])
    for path in (INDEX, f'{INDEX}docker-host-1/'):
        page = member.get(path)
        assert 'docker_hosts__row__' not in page.text and 'Docker Engine' not in page.text
        assert page.status_code in (403, 404) or '/auth/login/' in page.url, (page.status_code, page.url)


def _image_counts(admin_horizon, host: str) -> tuple:
    """(table cell, host Overview figure, rows of the host's Images tab) for `host`."""
    table = row_cells(admin_horizon.get(INDEX).text, host)[6]
    overview = admin_horizon.tab(f'{INDEX}{host}/', 'docker_host_details__overview').text
    shown = re.search(r'<dt>Images</dt>\s*<dd>(\d+)', overview)
    assert shown, 'the Overview shows no image count'
    images = admin_horizon.tab(f'{INDEX}{host}/', 'docker_host_details__images').text
    listing = re.search(r'<table[^>]*docker-host-images.*?</table>', images, re.S)
    rows = len(re.findall(r'<tr>\s*<td><code>[0-9a-f]{12}</code>', listing.group(0))) if listing else 0
    return int(table), int(shown.group(1)), rows


def test_the_table_the_overview_and_the_images_tab_count_the_same_images(openstack, admin_horizon):
    # docker-host-1 builds and commits the stack's images, so `docker info` counts intermediate images
    # the Images tab does not list; the three places must still agree. Other tests may load or remove an
    # image between the requests: a few tries.
    for _attempt in range(3):
        table, overview, rows = _image_counts(admin_horizon, 'docker-host-1')
        if table == overview == rows:
            break
    assert table == overview == rows, (table, overview, rows)
    assert rows >= 1
