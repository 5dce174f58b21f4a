"""Shared test data of the Docker Images panel tests (no tests here): Glance Docker images, synthetic tarballs."""
import io
import json
import tarfile

from openstack_dashboard.api import glance as horizon_glance
from openstack_dashboard.test.test_data.glance_data import APIResourceV2

HOSTILE = '<script>alert("x")</script>'
CONFIG_NAME = 'c' * 64 + '.json'


def docker_image(tenant_id, **attrs):
    """A Horizon-wrapped Glance image with container_format docker."""
    data = {'id': 'd0c4e700-0000-4000-8000-000000000001', 'name': 'busybox:latest', 'status': 'active',
            'size': 5 * 1024 ** 2, 'container_format': 'docker', 'disk_format': 'raw', 'visibility': 'private',
            'protected': False, 'owner': tenant_id, 'min_ram': 0, 'min_disk': 0, 'checksum': 'abc',
            'created_at': '2026-11-23T10:00:00Z', 'updated_at': '2026-11-23T10:00:00Z'}
    data.update(attrs)
    return horizon_glance.Image(APIResourceV2(data))


def tarball(*, tags=('busybox:latest',), extra=(), manifest=True, config=None):
    """A small `docker save`-shaped tarball: one layer, a config, manifest.json (+ `extra` members)."""
    buf = io.BytesIO()
    config = config or {'config': {'Cmd': ['sh']}, 'history': [
        {'created': '2026-11-01T00:00:00Z', 'created_by': '/bin/sh -c #(nop) ADD file:abc in / '},
        {'created': '2026-11-01T00:00:01Z', 'created_by': '/bin/sh -c #(nop)  CMD ["sh"]', 'empty_layer': True}]}
    with tarfile.open(fileobj=buf, mode='w', format=tarfile.PAX_FORMAT) as archive:
        def add(name, data=b'', **info_attrs):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            for key, value in info_attrs.items():
                setattr(info, key, value)
            archive.addfile(info, io.BytesIO(data))
        add('abc', type=tarfile.DIRTYPE)
        add('abc/layer.tar', b'L' * 4096)
        add(CONFIG_NAME, json.dumps(config).encode())
        for member in extra:
            add(member[0], member[1], **(member[2] if len(member) > 2 else {}))
        if manifest:
            add('manifest.json', json.dumps([{'Config': CONFIG_NAME, 'RepoTags': list(tags),
                                              'Layers': ['abc/layer.tar']}]).encode())
    return buf.getvalue()
