"""Image import against a real dockerd and a real Docker registry (Debian docker-registry), Glance faked.

The registry is started here (module scope) on 127.0.0.1:<free port> with its own storage; the test
dockerd pushes its busybox image (plus a two-layer image made by commit) to it, and the import
pipeline pulls, saves and streams them through the TarballReader into a fake Glance upload that
keeps only a hash and the byte count (and a copy on disk to `docker load` back).
"""
import hashlib
import os
import socket
import subprocess
import time
import types
import urllib.error
import urllib.request
import uuid
from unittest import mock

import pytest
from glanceclient import exc as glance_exc

from docker_dashboard import api
from docker_dashboard.api import image_import
from docker_dashboard.api import image_upload
from docker_dashboard.api import tarball

pytestmark = pytest.mark.docker


def _free_port():
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        return probe.getsockname()[1]


def _start_registry(root, *, auth: bool = False):
    """docker-registry on 127.0.0.1:<free port> with its own storage (and htpasswd auth if asked)."""
    port = _free_port()
    extra = ''
    if auth:
        import bcrypt
        (root / 'htpasswd').write_text('user:' + bcrypt.hashpw(b'secret', bcrypt.gensalt(5)).decode() + '\n')
        extra = f'auth:\n  htpasswd:\n    realm: test\n    path: {root}/htpasswd\n'
    config = root / 'config.yml'
    config.write_text(f'version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: {root}/data\n'
                      f'  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:{port}\n{extra}')
    log = open(root / 'registry.log', 'wb')
    process = subprocess.Popen(['docker-registry', 'serve', str(config)], stdout=log, stderr=subprocess.STDOUT,
                               stdin=subprocess.DEVNULL)
    address = f'127.0.0.1:{port}'
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f'http://{address}/v2/', timeout=2):
                break
        except urllib.error.HTTPError:
            break           # 401: up, and asking for credentials
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise RuntimeError(f'docker-registry did not start; see {root}/registry.log')
            time.sleep(0.2)
    return address, process, log


def _stop_registry(process, log):
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


@pytest.fixture(scope='module')
def registry(tmp_path_factory):
    """A private docker-registry on 127.0.0.1: 'host:port'. Stopped (by its own pid) at the end."""
    address, process, log = _start_registry(tmp_path_factory.mktemp('registry'))
    yield address
    _stop_registry(process, log)


@pytest.fixture(scope='module')
def auth_registry(tmp_path_factory):
    """A registry that wants a login (htpasswd): anonymous pulls are refused."""
    address, process, log = _start_registry(tmp_path_factory.mktemp('auth-registry'), auth=True)
    yield address
    _stop_registry(process, log)


@pytest.fixture(scope='module')
def pushed(registry, dockerd, engine):
    """busybox and a two-layer image (busybox + a commit) pushed to the registry: {name: reference}."""
    container = engine.create_container('busybox:latest', command=['sh', '-c', 'echo layer > /hello.txt'],
                                        host_config=engine.create_host_config(network_mode='none'))
    engine.start(container['Id'])
    engine.wait(container['Id'], timeout=30)
    engine.commit(container['Id'], repository='layered', tag='v1', changes=['CMD ["cat", "/hello.txt"]',
                                                                            'LABEL evil="<b>x</b>"'])
    engine.remove_container(container['Id'])
    refs = {}
    for local, name in (('busybox:latest', 'busybox'), ('layered:v1', 'layered')):
        remote = f'{registry}/test/{name}'
        tag = local.split(':')[1]
        engine.tag(local, remote, tag)
        for event in engine.push(remote, tag=tag, stream=True, decode=True):
            assert 'error' not in event, event
        engine.remove_image(f'{remote}:{tag}')      # the import must really pull it
        refs[name] = f'{remote}:{tag}'
    return refs


@pytest.fixture
def import_settings(settings, docker_settings, registry, auth_registry, closed_port):
    settings.DOCKER_DASHBOARD = dict(docker_settings, import_host='test-host',
                                     registry_allowlist=[registry, auth_registry, f'127.0.0.1:{closed_port}'])
    return settings.DOCKER_DASHBOARD


class FakeGlance:
    """Glance as the import sees it: create/upload/update/delete, recording what happened."""

    def __init__(self, tmp_path, fail_after=None):
        self.images = {}
        self.deleted = []
        self.updates = []
        self.fail_after = fail_after
        self.path = tmp_path / 'glance-image.tar'
        self._next = 0

    def create(self, request, **kwargs):
        self._next += 1
        image_id = f'fake-{self._next}'
        self.images[image_id] = dict(kwargs, status='queued')
        return types.SimpleNamespace(id=image_id, **kwargs)

    def upload(self, request, image_id, data, size=None):
        digest, total = hashlib.sha256(), 0
        with open(self.path, 'wb') as out:
            while True:
                chunk = data.read(65536)
                if not chunk:
                    break
                total += len(chunk)
                if self.fail_after is not None and total > self.fail_after:
                    raise ConnectionResetError('glance went away')
                digest.update(chunk)
                out.write(chunk)
        self.images[image_id].update(status='active', size=total, sha256=digest.hexdigest())

    def update(self, request, image_id, **kwargs):
        self.updates.append((image_id, kwargs))
        self.images[image_id].update(kwargs.get('properties') or {})

    def delete(self, request, image_id):
        self.deleted.append(image_id)
        self.images.pop(image_id, None)

    def get(self, request, image_id):
        if image_id not in self.images:
            raise glance_exc.HTTPNotFound()
        return types.SimpleNamespace(id=image_id, **self.images[image_id])

    def patches(self):
        return [mock.patch.object(api.glance, 'docker_image_create', self.create),
                mock.patch.object(api.glance, 'image_upload', self.upload),
                mock.patch.object(api.glance, 'image_update_details', self.update),
                mock.patch.object(api.glance, 'image_delete', self.delete),
                mock.patch.object(api.glance, 'image_get', self.get),
                mock.patch.object(api.glance, 'images_named', lambda request, name: [])]


@pytest.fixture
def glance(tmp_path):
    fake = FakeGlance(tmp_path)
    patches = fake.patches()
    for patch in patches:
        patch.start()
    yield fake
    for patch in patches:
        patch.stop()


def run(reference, name='imported:1', **details):
    ref = image_import.parse_reference(reference)
    image_import.check_allowed(ref)
    return image_import.run_registry_import(
        types.SimpleNamespace(), host=image_import.import_host(), ref=ref,
        details=image_import.ImageDetails(name=name, **details))


def test_pull_save_streams_into_glance_and_loads_back(import_settings, pushed, glance, engine):
    image_id = run(pushed['layered'], os_command_line='sleep 1')
    record = glance.images[image_id]
    assert record['status'] == 'active'
    assert record['container_format'] if 'container_format' in record else True
    assert record['docker_layers'] == '2'
    assert record['os_command_line'] == 'sleep 1'
    assert glance.deleted == []
    # The streamed bytes are exactly a loadable `docker save` tarball of that image.
    facts = tarball.TarballReader(iter(lambda f=open(glance.path, 'rb'): f.read(65536), b''),
                                  max_bytes=1 << 31).drain()
    assert facts.repo_tag == pushed['layered']
    assert facts.config['config']['Cmd'] == ['cat', '/hello.txt']
    # The import host keeps the image as the driver's cache tag, not under the registry name.
    cached = api.images.image_locate(image_id)
    assert cached is not None and cached.host == 'test-host'
    with pytest.raises(Exception):
        engine.inspect_image(pushed['layered'])
    # Layers from the host match `docker history`.
    history = engine.history(api.images.cache_ref(image_id))
    layers = api.images.layers_from_history(api.images.image_history('test-host', cached.ref))
    assert [layer.created_by for layer in layers] == [row['CreatedBy'] for row in history]
    assert layers[0].cumulative == sum(row['Size'] for row in history)
    engine.remove_image(api.images.cache_ref(image_id))
    with open(glance.path, 'rb') as data:
        loaded = engine.load_image(data.read())
    assert any(pushed['layered'] in str(item) for item in loaded)


def test_registry_404_creates_no_glance_image(import_settings, registry, glance):
    with pytest.raises(image_import.ImportFailed, match='has no image'):
        run(f'{registry}/test/nope:latest')
    assert glance.images == {} and glance.deleted == []


def test_registry_wanting_a_login_says_so_and_creates_no_glance_image(import_settings, auth_registry, glance):
    with pytest.raises(image_import.ImportFailed, match='requires authentication'):
        run(f'{auth_registry}/test/busybox:latest')
    assert glance.images == {}


def test_registry_down_creates_no_glance_image(import_settings, closed_port, glance):
    with pytest.raises(image_import.ImportFailed, match='did not answer'):
        run(f'127.0.0.1:{closed_port}/test/busybox:latest')
    assert glance.images == {}


def test_registry_outside_allowlist_is_refused_before_any_call(import_settings, registry, glance):
    port = registry.rsplit(':', 1)[1]
    for reference in (f'localhost:{port}/test/busybox:latest', f'127.0.0.2:{port}/test/busybox:latest',
                      'busybox:latest'):
        with pytest.raises(image_import.RegistryNotAllowed):
            run(reference)
    assert glance.images == {}


def test_glance_failure_midway_deletes_the_image(import_settings, pushed, tmp_path):
    fake = FakeGlance(tmp_path, fail_after=100 * 1024)
    patches = fake.patches()
    for patch in patches:
        patch.start()
    try:
        with pytest.raises(image_import.ImportFailed, match='Glance refused or lost the upload'):
            run(pushed['busybox'])
    finally:
        for patch in patches:
            patch.stop()
    assert fake.deleted == ['fake-1'] and fake.images == {}


def _fresh_image(registry, engine) -> str:
    """An image no host has pulled yet (busybox plus a layer of random bytes), pushed: its reference."""
    container = engine.create_container('busybox:latest', command=['sh', '-c', 'head -c 300000 /dev/urandom > /r'],
                                        host_config=engine.create_host_config(network_mode='none'))
    engine.start(container['Id'])
    engine.wait(container['Id'], timeout=30)
    remote = f'{registry}/test/fresh-{uuid.uuid4().hex[:8]}'
    engine.commit(container['Id'], repository=remote, tag='v1')
    engine.remove_container(container['Id'])
    for event in engine.push(remote, tag='v1', stream=True, decode=True):
        assert 'error' not in event, event
    engine.remove_image(f'{remote}:v1')
    return f'{remote}:v1'


def test_progress_tells_layers_stages_and_when_the_glance_image_is_gone(import_settings, registry, engine,
                                                                          tmp_path):
    reference = _fresh_image(registry, engine)
    fake = FakeGlance(tmp_path, fail_after=100 * 1024)
    patches = fake.patches()
    for patch in patches:
        patch.start()
    reports = []
    try:
        with pytest.raises(image_import.ImportFailed):
            image_import.run_registry_import(
                types.SimpleNamespace(), host='test-host', ref=image_import.parse_reference(reference),
                details=image_import.ImageDetails(name='progress:1'), progress=lambda **kw: reports.append(kw))
    finally:
        for patch in patches:
            patch.stop()
    pulled = [report for report in reports if 'layers_total' in report][-1]
    assert pulled['layers_total'] == 2 and pulled['layers_done'] == 2   # busybox's layer and the commit's
    assert pulled['pull_bytes'] > 0
    assert [report['phase'] for report in reports if 'phase' in report][-1] == 'uploading'
    # "nothing left behind" only once Glance confirmed the delete
    assert [report['cleanup'] for report in reports if 'cleanup' in report] == ['deleting', 'deleted']
    assert fake.deleted == ['fake-1']


def test_oversized_pull_is_cut_off_and_deleted(import_settings, settings, pushed, glance):
    settings.DOCKER_DASHBOARD = dict(import_settings, upload_max_bytes=64 * 1024)
    with pytest.raises(image_import.ImportFailed, match='larger than the limit'):
        run(pushed['busybox'])
    assert glance.images == {} and len(glance.deleted) == 1


def test_background_import_reports_through_the_job(import_settings, pushed, glance):
    request = types.SimpleNamespace(user=types.SimpleNamespace(id='u1'))
    job_id = image_import.start_registry_import(request, reference=pushed['busybox'],
                                                details=image_import.ImageDetails(name='bg:1'))
    deadline = time.monotonic() + 120
    while image_import.job_status(request, job_id)['phase'] not in ('done', 'failed'):
        assert time.monotonic() < deadline
        time.sleep(0.2)
    state = image_import.job_status(request, job_id)
    assert state['phase'] == 'done', state
    assert state['bytes'] > 0 and state['cleanup'] is None
    assert glance.images[state['image_id']]['status'] == 'active'
    other = types.SimpleNamespace(user=types.SimpleNamespace(id='u2'))
    assert image_import.job_status(other, job_id) is None


def test_layers_fallback_reads_the_glance_tarball(import_settings, dockerd, engine, tmp_path):
    """No host has the image: the Layers tab reads manifest + config from Glance's copy, streamed."""
    response = engine.get_image('busybox:latest')
    path = tmp_path / 'busybox.tar'
    with open(path, 'wb') as out:
        for chunk in response:
            out.write(chunk)
    image = types.SimpleNamespace(id='no-host-has-it', status='active', checksum='c1', name='busybox:latest')
    with open(path, 'rb') as data, \
            mock.patch.object(api.glance, 'image_data', lambda request, image_id: iter(lambda: data.read(8192), b'')):
        facts = image_upload.tarball_facts(types.SimpleNamespace(), image)
    layers = api.images.layers_from_config(facts.config, facts.layers)
    assert len(facts.layers) == 1 and layers and layers[-1].size == facts.layers[0][1]
    assert api.images.image_locate('no-host-has-it') is None
    os.unlink(path)
