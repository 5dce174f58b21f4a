"""The Docker Images panel over the stack's real Keystone, Glance, Nova, Docker hosts and registry.

Horizon serves the code in this checkout: the stack's own when it started after the last code change,
else a private uwsgi with the stack's settings (tests/stack/horizon.py current_horizon).
Everything a test creates carries a per-run tag in its name, so "no orphaned Glance images" is checked
by name (other tests may create images in the same project at the same time).
"""
from __future__ import annotations

import html
import io
import re
import tarfile
import urllib.request
import uuid

import pytest

from tests.stack.nova_helpers import wait_for

from tests.stack.horizon import Horizon

pytestmark = pytest.mark.stack
INDEX = '/project/docker_images/'
IMPORT = '/project/docker_images/import/'
RUN = uuid.uuid4().hex[:8]
AJAX = {'X-Requested-With': 'XMLHttpRequest'}


@pytest.fixture(scope='module')
def demo_horizon(openstack, horizon_url):
    c = openstack.credentials['demo']
    return Horizon(horizon_url, c['username'], c['password'])


@pytest.fixture(scope='module')
def glance(openstack):
    return openstack.glance('demo')


def images_named(glance, fragment: str) -> list:
    return [image for image in glance.images.list() if fragment in (image.get('name') or '')]


@pytest.fixture(scope='module')
def created(openstack, glance):
    """Glance image ids the tests made; deleted at the end (with the hosts' cache tags) whatever happened."""
    ids: list = []
    yield ids
    for image_id in ids:
        try:
            glance.images.update(image_id, protected=False)
            glance.images.delete(image_id)
        except Exception:  # noqa: BLE001 - already gone
            pass
        for host in ('docker-host-1', 'docker-host-2'):
            try:
                openstack.docker(host).remove_image(f'glance/{image_id}:latest', noprune=False)
            except Exception:  # noqa: BLE001 - not loaded there, or still used by a stopping container
                pass


@pytest.fixture(scope='module')
def registry_ref(openstack):
    """A tag only this run uses, pushed to the stack's registry, absent from the import host."""
    registry = openstack.env['REGISTRY']
    docker = openstack.docker('docker-host-1')
    repository = f'{registry}/ddtest-{RUN}'
    docker.tag('busybox:latest', repository, 'v1')
    for event in docker.push(repository, tag='v1', stream=True, decode=True):
        assert 'error' not in event, event
    docker.remove_image(f'{repository}:v1')
    yield f'{repository}:v1'
    # Remove the tag from the registry again (storage.delete is enabled in the stack's registry).
    url = f'http://{registry}/v2/ddtest-{RUN}/manifests/v1'
    head = urllib.request.Request(url, method='HEAD', headers={
        'Accept': 'application/vnd.docker.distribution.manifest.v2+json'})
    try:
        with urllib.request.urlopen(head, timeout=10) as response:
            digest = response.headers['Docker-Content-Digest']
        urllib.request.urlopen(urllib.request.Request(url.replace('/v1', '/' + digest), method='DELETE'),
                               timeout=10).close()
    except OSError:
        pass


@pytest.fixture(scope='module')
def busybox_tarball(glance):
    """The stack's busybox:latest docker-save tarball, straight from Glance."""
    image = next(i for i in glance.images.list() if i.get('name') == 'busybox:latest')
    return b''.join(glance.images.data(image['id']))


def import_wizard(horizon: Horizon, **fields):
    data = {'source': 'registry', 'reference': '', 'repo_tag': '', 'server_id': '', 'name': '',
            'visibility': 'private', 'os_command_line': '', 'min_ram': '0'}
    data.update(fields)
    horizon.get(IMPORT)  # sets the CSRF cookie for this form
    return horizon.post(IMPORT, data, allow_redirects=False)


def messages_of(response) -> str:
    return html.unescape(response.text)


def upload(horizon: Horizon, data: bytes, *, name: str = '', filename: str = 'image.tar'):
    started = import_wizard(horizon, source='upload', name=name)
    assert started.status_code == 302, started.text[-2000:]
    path = started.headers['Location'].replace(horizon.base_url, '')
    assert '/upload/' in path
    page = horizon.get(path)
    assert 'multipart/form-data' in page.text
    return horizon.http.post(horizon.base_url + path, files={'tarball': (filename, io.BytesIO(data))},
                             headers={'Referer': horizon.base_url + path}, timeout=300)


def boot_and_see_active(openstack, image_id: str, name: str):
    nova = openstack.nova('demo')
    flavor = nova.flavors.find(name='m1.tiny')
    server = nova.servers.create(name, image=image_id, flavor=flavor.id, nics='none',
                                 meta={'docker_command': 'sleep 300'})
    try:
        def active():
            current = nova.servers.get(server.id)
            assert current.status != 'ERROR', getattr(current, 'fault', None)
            return current.status == 'ACTIVE'
        wait_for(active, 180, 2, f'{name} ACTIVE')
    finally:
        nova.servers.delete(server.id)


def test_registry_import_lands_a_bootable_image_and_layers_match(openstack, demo_horizon, glance, created,
                                                                 registry_ref):
    name = f'reg-{RUN}:v1'
    started = import_wizard(demo_horizon, reference=registry_ref, name=name)
    assert started.status_code == 302, started.text[-2000:]
    progress = started.headers['Location'].replace(demo_horizon.base_url, '')
    assert '/import/' in progress

    def finished():
        page = demo_horizon.get(progress, headers=AJAX)
        phase = re.search(r'data-phase="([a-z]+)"', page.text).group(1)
        return page if phase in ('done', 'failed') else None
    page = wait_for(finished, 300, 2, 'registry import')
    assert 'data-phase="done"' in page.text, html.unescape(page.text)
    image_id = re.search(r'/project/docker_images/([0-9a-f-]{36})/', page.text).group(1)
    created.append(image_id)
    image = glance.images.get(image_id)
    assert (image['status'], image['container_format'], image['name']) == ('active', 'docker', name)
    assert image['docker_layers'] == '1'

    # Layers tab = `docker history` of the import host's cache tag.
    docker = openstack.docker('docker-host-1')
    history = docker.history(f'glance/{image_id}:latest')
    tab = demo_horizon.tab(f'{INDEX}{image_id}/', 'docker_image_details__layers')
    shown = [html.unescape(text) for text in re.findall(r'<pre class="docker-created-by"[^>]*>(.*?)</pre>',
                                                        tab.text, re.S)]
    assert sorted(shown) == sorted(row['CreatedBy'] for row in history)
    boot_and_see_active(openstack, image_id, f'boot-reg-{RUN}')


def test_upload_import_lands_a_bootable_image(openstack, demo_horizon, glance, created, busybox_tarball):
    name = f'up-{RUN}:v1'
    response = upload(demo_horizon, busybox_tarball, name=name)
    assert f'Imported image &quot;{name}&quot;' in response.text or f'Imported image "{name}"' in \
        messages_of(response), messages_of(response)[-3000:]
    found = images_named(glance, name)
    assert len(found) == 1
    created.append(found[0]['id'])
    assert found[0]['status'] == 'active' and found[0]['size'] == len(busybox_tarball)
    boot_and_see_active(openstack, found[0]['id'], f'boot-up-{RUN}')


def _hostile(tarball: bytes, name: str, data: bytes = b'x') -> bytes:
    source = tarfile.open(fileobj=io.BytesIO(tarball), mode='r:')
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode='w', format=tarfile.PAX_FORMAT) as target:
        for member in source.getmembers():
            if member.name == 'manifest.json':
                info = tarfile.TarInfo(name)
                info.size = len(data)
                target.addfile(info, io.BytesIO(data))
            target.addfile(member, source.extractfile(member) if member.isfile() else None)
    return out.getvalue()


@pytest.mark.parametrize('case, make, expected', [
    ('notatar', lambda tb: b'this is not a docker save tarball\n' * 1000, 'not a tar archive'),
    ('traversal', lambda tb: _hostile(tb, '../../etc/cron.d/evil'), 'with ".."'),
    ('absolute', lambda tb: _hostile(tb, '/etc/passwd'), 'absolute path'),
    ('cutoff', lambda tb: tb[:len(tb) // 2], 'truncated'),
])
def test_bad_uploads_say_why_and_leave_nothing(demo_horizon, glance, busybox_tarball, case, make, expected):
    name = f'bad-{case}-{RUN}:v1'
    response = upload(demo_horizon, make(busybox_tarball), name=name, filename=f'{case}-{RUN}.tar')
    text = messages_of(response)
    assert 'Unable to import the uploaded image' in text and expected in text, text[-3000:]
    assert images_named(glance, f'-{RUN}') == [] or all(
        not image['name'].startswith(f'bad-{case}') for image in images_named(glance, f'-{RUN}'))
    assert images_named(glance, name) == []


def test_registry_outside_allowlist_is_refused(demo_horizon, glance, openstack):
    port = openstack.env['REGISTRY'].rsplit(':', 1)[1]
    name = f'bad-allow-{RUN}:v1'
    response = import_wizard(demo_horizon, reference=f'localhost:{port}/busybox:latest', name=name)
    assert response.status_code == 200            # the form again, with the error on the field
    assert 'is not allowed here' in html.unescape(response.text)
    assert images_named(glance, name) == []


def test_registry_404_fails_with_its_message_and_leaves_nothing(demo_horizon, glance, openstack):
    name = f'bad-404-{RUN}:v1'
    started = import_wizard(demo_horizon, reference=f'{openstack.env["REGISTRY"]}/nope-{RUN}:v1', name=name)
    assert started.status_code == 302
    progress = started.headers['Location'].replace(demo_horizon.base_url, '')

    def finished():
        page = demo_horizon.get(progress, headers=AJAX)
        return page if re.search(r'data-phase="(done|failed)"', page.text) else None
    page = wait_for(finished, 120, 2, 'failed import')
    assert 'data-phase="failed"' in page.text
    assert 'The registry has no image' in html.unescape(page.text)
    assert images_named(glance, name) == []


def test_duplicate_name_is_reported(demo_horizon, registry_ref):
    response = import_wizard(demo_horizon, reference=registry_ref, name='busybox:latest')
    assert response.status_code == 200
    assert 'An image named "busybox:latest" already exists' in html.unescape(response.text)
