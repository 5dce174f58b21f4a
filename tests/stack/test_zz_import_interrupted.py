"""Interrupted imports leave no Glance image behind, on the real stack.

The browser upload creates its Glance image when the file part begins (content/images/upload.py); the
registry import creates it after the pull, before `docker save` streams into it (api/image_import.py).
Here an upload is broken off by the browser mid-way, an upload loses Glance mid-way (Glance is stopped
and started again), and a registry pull fails mid-way (a registry that cuts a layer download). Each time
the project's Glance images are counted before and after: the same count, and the image the import made
(seen while it ran) is gone. Named test_zz_* so it runs after the other stack tests (it restarts Glance).
"""
from __future__ import annotations

import contextlib
import http.client
import re
import socket
import urllib.parse
import uuid

import pytest

from tests.stack import nova_helpers as h
from tests.stack import service_faults as f
from tests.stack.horizon import Horizon
from tests.stack.test_images_panel import busybox_tarball  # noqa: F401 - fixtures
from tests.stack.test_images_panel import demo_horizon  # noqa: F401
from tests.stack.test_images_panel import glance  # noqa: F401

pytestmark = pytest.mark.stack

IMPORT = '/project/docker_images/import/'
RUN = uuid.uuid4().hex[:8]
CLEANUP_SECONDS = 60


def project_images(openstack, glance) -> dict:
    """{id: status} of the Glance images the demo project owns."""
    project = openstack.session('demo').get_project_id()
    return {image['id']: image['status'] for image in glance.images.list() if image.get('owner') == project}


def ticket_path(horizon: Horizon, name: str) -> str:
    data = {'source': 'upload', 'reference': '', 'repo_tag': '', 'server_id': '', 'name': name,
            'visibility': 'private', 'os_command_line': '', 'min_ram': '0'}
    horizon.get(IMPORT)
    started = horizon.post(IMPORT, data, allow_redirects=False)
    assert started.status_code == 302, started.text[-2000:]
    path = started.headers['Location'].replace(horizon.base_url, '')
    assert horizon.get(path).status_code == 200   # the upload page, as the browser shows it
    return path


class PartialUpload:
    """The browser's multipart POST of a tarball, sent by hand so that it can stop anywhere."""

    def __init__(self, horizon: Horizon, path: str, tarball: bytes, filename: str) -> None:
        boundary = uuid.uuid4().hex
        self.head = (f'--{boundary}\r\nContent-Disposition: form-data; name="tarball"; filename="{filename}"\r\n'
                     'Content-Type: application/x-tar\r\n\r\n').encode()
        self.tail = f'\r\n--{boundary}--\r\n'.encode()
        self.tarball = tarball
        url = urllib.parse.urlsplit(horizon.base_url)
        self.conn = http.client.HTTPConnection(url.hostname, url.port, timeout=120)
        self.conn.putrequest('POST', path)
        self.conn.putheader('Content-Type', f'multipart/form-data; boundary={boundary}')
        self.conn.putheader('Content-Length', str(len(self.head) + len(tarball) + len(self.tail)))
        self.conn.putheader('Cookie', '; '.join(f'{c.name}={c.value}' for c in horizon.http.cookies))
        self.conn.putheader('Referer', horizon.base_url + path)
        self.conn.endheaders()
        self.sent = 0
        self.path = path

    def send(self, upto: int) -> None:
        if self.sent == 0:
            self.conn.send(self.head)
        self.conn.send(self.tarball[self.sent:upto])
        self.sent = upto

    def finish(self, horizon: Horizon) -> http.client.HTTPResponse:
        """Send the rest; the answer's cookies (Django keeps messages in one) go to ``horizon``'s session."""
        from http.cookies import SimpleCookie
        self.send(len(self.tarball))
        self.conn.send(self.tail)
        response = self.conn.getresponse()
        for header in response.headers.get_all('Set-Cookie') or ():
            for morsel in SimpleCookie(header).values():
                horizon.http.cookies.set(morsel.key, morsel.value)
        return response

    def hang_up(self) -> None:
        """The browser goes away: the connection is reset (tab closed, network lost)."""
        if self.conn.sock is None:   # already closed after a complete answer
            return
        self.conn.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b'\x01\x00\x00\x00\x00\x00\x00\x00')
        self.conn.close()


def wait_new_image(openstack, glance, before: dict) -> str:
    """The Glance image the running upload made (queued or saving)."""
    def appeared():
        new = set(project_images(openstack, glance)) - set(before)
        return new.pop() if len(new) == 1 else None
    return h.wait_for(appeared, 30, 0.5, message='the upload to create its Glance image')


def wait_back_to(openstack, glance, before: dict, made: str) -> dict:
    """Wait (bounded) until the project holds no image it did not hold before; returns what it holds."""
    def settled():
        now = project_images(openstack, glance)
        return (now,) if not set(now) - set(before) else None
    try:
        return h.wait_for(settled, CLEANUP_SECONDS, 1)[0]
    except AssertionError:
        now = project_images(openstack, glance)
        raise AssertionError(f'orphan Glance images after {CLEANUP_SECONDS} s: '
                             f'{ {i: s for i, s in now.items() if i not in before} } (the import made {made})')


@contextlib.contextmanager
def half_uploaded(openstack, glance, horizon: Horizon, tarball: bytes, label: str):
    """(images before, the upload, the Glance image it made) with half the tarball sent; hangs up at the end."""
    before = project_images(openstack, glance)
    upload = PartialUpload(horizon, ticket_path(horizon, f'{label}-{RUN}:v1'), tarball, f'{label}-{RUN}.tar')
    try:
        upload.send(len(tarball) // 2)
        yield before, upload, wait_new_image(openstack, glance, before)
    finally:
        upload.hang_up()


def test_browser_hanging_up_mid_upload_leaves_no_glance_image(openstack, glance, demo_horizon, busybox_tarball):
    with half_uploaded(openstack, glance, demo_horizon, busybox_tarball, 'hangup') as (before, _upload, made):
        pass
    wait_back_to(openstack, glance, before, made)


def test_glance_lost_mid_upload_leaves_no_glance_image(openstack, glance, demo_horizon, busybox_tarball):
    """Glance stops while the upload streams into it; the user is told, and once Glance is back the
    half-made image does not stay (queued or saving forever)."""
    with half_uploaded(openstack, glance, demo_horizon, busybox_tarball, 'noglance') as (before, upload, made):
        with f.service_stopped(openstack, 'glance'):
            response = upload.finish(demo_horizon)
            body = response.read().decode('utf-8', 'replace')
            assert response.status in (200, 302), (response.status, body[-2000:])
        location = response.getheader('Location') or ''
        page = demo_horizon.get(location.replace(demo_horizon.base_url, '') or IMPORT)
        told = [text for _level, text in f.page_messages(page.text)]
        assert any('Unable to import the uploaded image' in text for text in told), told
    wait_back_to(openstack, glance, before, made)
    assert not re.search(r'127\.0\.0\.1:9292', ' '.join(told)), told


# -- a registry pull that fails mid-way ----------------------------------------------------------------------

class BrokenRegistry:
    """A Docker registry (API v2) of one image, broken:v1, whose one layer breaks off half-way: the
    manifest and the config arrive, then the layer's second half is garbage (Docker's digest check fails
    and the pull stops without retrying)."""

    def __init__(self) -> None:
        import gzip
        import hashlib
        import http.server
        import io
        import json
        import tarfile
        import threading

        tar = io.BytesIO()
        with tarfile.open(fileobj=tar, mode='w') as archive:
            data = b'x' * 200000
            info = tarfile.TarInfo('data.bin')
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
        layer = gzip.compress(tar.getvalue())
        config = json.dumps({'architecture': 'amd64', 'os': 'linux', 'config': {'Cmd': ['true']},
                             'rootfs': {'type': 'layers',
                                        'diff_ids': ['sha256:' + hashlib.sha256(tar.getvalue()).hexdigest()]},
                             'history': [{'created': '2026-01-01T00:00:00Z'}]}).encode()

        def digest(blob: bytes) -> str:
            return 'sha256:' + hashlib.sha256(blob).hexdigest()
        manifest = json.dumps({
            'schemaVersion': 2, 'mediaType': 'application/vnd.docker.distribution.manifest.v2+json',
            'config': {'mediaType': 'application/vnd.docker.container.image.v1+json', 'size': len(config),
                       'digest': digest(config)},
            'layers': [{'mediaType': 'application/vnd.docker.image.rootfs.diff.tar.gzip', 'size': len(layer),
                        'digest': digest(layer)}]}).encode()
        broken = layer[:len(layer) // 2] + b'\0' * (len(layer) - len(layer) // 2)
        blobs = {digest(config): config, digest(layer): broken}
        self.layer_requests = 0
        registry = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = 'HTTP/1.1'

            def answer(self, status: int, body: bytes, content_type: str, extra: dict | None = None) -> None:
                self.send_response(status)
                self.send_header('Docker-Distribution-API-Version', 'registry/2.0')
                self.send_header('Content-Type', content_type)
                self.send_header('Content-Length', str(len(body)))
                for key, value in (extra or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                if self.command != 'HEAD':
                    self.wfile.write(body)

            def do_GET(self) -> None:
                if self.path == '/v2/':
                    return self.answer(200, b'{}', 'application/json')
                if self.path == '/v2/broken/manifests/v1' or self.path.endswith(digest(manifest)):
                    return self.answer(200, manifest, 'application/vnd.docker.distribution.manifest.v2+json',
                                       {'Docker-Content-Digest': digest(manifest)})
                for blob_digest, blob in blobs.items():
                    if self.path == f'/v2/broken/blobs/{blob_digest}':
                        if blob is broken:
                            registry.layer_requests += 1
                        return self.answer(200, blob, 'application/octet-stream',
                                           {'Docker-Content-Digest': blob_digest})
                return self.answer(404, b'{"errors": [{"code": "NAME_UNKNOWN"}]}', 'application/json')

            do_HEAD = do_GET

            def log_message(self, *args) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        self.server.daemon_threads = True
        self.address = f'127.0.0.1:{self.server.server_address[1]}'
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope='module')
def broken_registry():
    registry = BrokenRegistry()
    try:
        yield registry
    finally:
        registry.close()


@pytest.fixture(scope='module')
def registry_horizon(openstack, broken_registry, tmp_path_factory):
    """demo logged in to a private Horizon whose allowlist also holds the broken registry."""
    import os

    from tests.stack.horizon import private_horizon
    os.environ['DDASH_TEST_REGISTRY'] = broken_registry.address
    log = str(tmp_path_factory.mktemp('horizon-registry') / 'uwsgi.log')
    try:
        with private_horizon(openstack, log, 'tests.stack.settings_test_registry') as url:
            c = openstack.credentials['demo']
            yield Horizon(url, c['username'], c['password'])
    finally:
        os.environ.pop('DDASH_TEST_REGISTRY', None)


def test_registry_pull_failing_mid_way_leaves_no_glance_image(openstack, glance, registry_horizon,
                                                               broken_registry):
    import html
    before = project_images(openstack, glance)
    data = {'source': 'registry', 'reference': f'{broken_registry.address}/broken:v1', 'repo_tag': '',
            'server_id': '', 'name': f'broken-{RUN}:v1', 'visibility': 'private', 'os_command_line': '',
            'min_ram': '0'}
    registry_horizon.get(IMPORT)
    started = registry_horizon.post(IMPORT, data, allow_redirects=False)
    assert started.status_code == 302, html.unescape(started.text)[-2000:]
    progress = started.headers['Location'].replace(registry_horizon.base_url, '')

    def finished():
        page = registry_horizon.get(progress, headers={'X-Requested-With': 'XMLHttpRequest'})
        return page if re.search(r'data-phase="(done|failed)"', page.text) else None
    page = h.wait_for(finished, 120, 1, message='the import to end')
    assert 'data-phase="failed"' in page.text, page.text[-2000:]
    assert 'The registry refused the pull' in html.unescape(page.text), html.unescape(page.text)[-2000:]
    assert broken_registry.layer_requests >= 1     # the pull got as far as the layer
    wait_back_to(openstack, glance, before, made='(none seen)')
