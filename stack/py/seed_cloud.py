"""Seed flavors and the Docker images (built locally, `docker save` streamed into Glance).

    python seed_cloud.py flavors
    python seed_cloud.py images   # builds on docker-host-1, uploads to Glance, pushes to the registry
    python seed_cloud.py forget-host HOST   # delete a compute service record (driver switch)

Idempotent: existing flavors and active Glance images of the same name are kept.
"""
import io
import os
import sys
import tarfile
import time

import docker
from glanceclient import client as glance_client
from novaclient import client as nova_client

from common import STACK_DIR, log, session

DOCKER_URL = 'unix:///run/ddash/docker-host-1/docker.sock'
REGISTRY = '127.0.0.1:5001'
FLAVORS = [  # name, RAM MB, vCPUs, disk GB
    ('m1.tiny', 64, 1, 1),
    ('m1.small', 256, 1, 2),
    ('m1.medium', 512, 2, 5),
]
ROOTFS_TAG = 'busybox-rootfs:latest'   # tools/dockerd.py base image (docker import of busybox-static)

# Dockerfiles built on top of the busybox-static root filesystem. Containers must keep running
# (a Nova instance is a long-lived container) and stop promptly on SIGTERM.
IMAGES = {
    'busybox:latest': {
        'Dockerfile': f'''FROM {ROOTFS_TAG}
LABEL org.opencontainers.image.title="busybox (busybox-static)"
CMD ["/bin/sh", "-c", "trap 'exit 0' TERM INT; sleep 2147483647 & wait"]
''',
    },
    'logger:latest': {
        'Dockerfile': '''FROM busybox:latest
COPY logger.sh /bin/logger.sh
LABEL org.opencontainers.image.title="logger: one line per second on stdout, every 5th also on stderr"
CMD ["/bin/sh", "/bin/logger.sh"]
''',
        'logger.sh': '''#!/bin/sh
trap 'echo "logger: stopping"; exit 0' TERM INT
i=0
while :; do
    i=$((i + 1))
    echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) logger: line $i"
    if [ $((i % 5)) -eq 0 ]; then
        echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) logger: warning $i (stderr)" >&2
    fi
    sleep 1 & wait
done
''',
    },
    'layered:latest': {
        'Dockerfile': '''FROM busybox:latest
LABEL org.opencontainers.image.title="layered: several filesystem layers"
ENV LAYERED_GREETING=hello
RUN mkdir -p /data && echo one > /data/one.txt
RUN echo two > /data/two.txt && rm /data/one.txt
COPY hello.txt /data/hello.txt
RUN seq 1 1000 > /data/numbers.txt
WORKDIR /data
CMD ["/bin/sh", "-c", "trap 'exit 0' TERM INT; ls -l /data; sleep 2147483647 & wait"]
''',
        'hello.txt': 'hello from a COPY layer\n',
    },
}


def nova():
    return nova_client.Client('2.87', session=session())


def seed_flavors():
    client = nova()
    have = {f.name for f in client.flavors.list(is_public=None)}
    for name, ram, vcpus, disk in FLAVORS:
        if name not in have:
            client.flavors.create(name, ram, vcpus, disk, flavorid='auto', is_public=True)
    log(f'flavors: {", ".join(f[0] for f in FLAVORS)}')


def build_context(files):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode='w') as tar:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(data), 0o755 if name.endswith('.sh') else 0o644, 0
            tar.addfile(info, io.BytesIO(data))
    buffer.seek(0)
    return buffer


def build(api, tag, files):
    output = []
    for chunk in api.build(fileobj=build_context(files), custom_context=True, tag=tag, rm=True,
                           forcerm=True, network_mode='none', decode=True):
        if 'error' in chunk:
            raise RuntimeError(f'docker build {tag}: {chunk["error"]}')
        output.append(chunk.get('stream', ''))
    return api.inspect_image(tag)['Id']


class StreamReader:
    """File-like view of `docker save`'s chunk iterator (glanceclient reads with read(n))."""

    def __init__(self, chunks):
        self._chunks = iter(chunks)
        self._buffer = b''
        self.total = 0

    def read(self, size=65536):
        while len(self._buffer) < size:
            try:
                self._buffer += next(self._chunks)
            except StopIteration:
                break
        data, self._buffer = self._buffer[:size], self._buffer[size:]
        self.total += len(data)
        return data


def seed_images():
    sys.path.insert(0, os.path.join(os.environ['REPO'], 'tools'))
    import dockerd  # tools/dockerd.py

    host = dockerd.DockerDaemon('docker-host-1', os.path.join(STACK_DIR, 'docker', 'docker-host-1'))
    host.build_base_image(ROOTFS_TAG)
    api = docker.APIClient(base_url=DOCKER_URL, version='1.41', timeout=300)
    auth = session()
    glance = glance_client.Client('2', session=auth)
    project = auth.get_project_id()
    existing = {}
    for image in glance.images.list(filters={'container_format': 'docker'}):
        if image.status == 'active':
            existing[image.name] = image
        elif image.status in ('queued', 'saving', 'killed') and image.name in IMAGES and image.owner == project:
            # a seed upload that was interrupted; other unfinished images may be imports in progress
            glance.images.delete(image.id)
    for tag, files in IMAGES.items():
        try:
            api.inspect_image(tag)
        except docker.errors.NotFound:
            build(api, tag, files)
        if tag in existing:
            continue
        started = time.monotonic()
        image = glance.images.create(name=tag, container_format='docker', disk_format='raw',
                                     visibility='public')
        reader = StreamReader(api.get_image(tag))
        glance.images.upload(image.id, reader)
        log(f'image {tag}: {reader.total} bytes into Glance {image.id} in {time.monotonic() - started:.1f}s')
    for tag in IMAGES:
        repo, version = tag.split(':')
        target = f'{REGISTRY}/{repo}'
        api.tag(tag, target, version)
        for status in api.push(target, tag=version, stream=True, decode=True):
            if 'error' in status:
                raise RuntimeError(f'push {target}:{version}: {status["error"]}')
    log(f'images: {", ".join(IMAGES)} in Glance and in registry {REGISTRY}')


def forget_host(host):
    """Delete HOST's nova-compute service (with its compute node and host mapping)."""
    client = nova()
    for service in client.services.list(host=host, binary='nova-compute'):
        client.services.delete(service.id)
        log(f'deleted compute service {host} ({service.id})')


def main(argv):
    if argv[1:2] == ['forget-host']:
        forget_host(argv[2])
    elif argv[1:] == ['flavors']:
        seed_flavors()
    elif argv[1:] == ['images']:
        seed_images()
    else:
        sys.exit(__doc__)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
