"""Helpers of the nova_docker driver tests (a module name unlikely to clash on sys.path).

The only substitute for a real service is the Glance side, behind nova_docker.images.ImageService:
FakeImageService serves a real ``docker save`` tarball made by the test daemon from a local file and
records snapshot and migration uploads into local files.
"""
from __future__ import annotations

import io
import tarfile
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from nova import objects

from nova_docker import images

APP_IMAGE = 'ddtest/app:1.0'
APP_CMD = ['sh', '-c', 'echo from-image-cmd; exec sleep 3600']


class FakeImageService(images.ImageService):
    """Glance stand-in: image records plus tarball files; counts downloads, stores uploads."""

    def __init__(self, upload_dir: Path) -> None:  # no super(): no Glance client
        self.records: dict[str, dict] = {}
        self.files: dict[str, Path] = {}
        self.downloads: Counter = Counter()
        self.uploads: dict[str, tuple[dict, Path]] = {}
        self.deleted: list[str] = []
        self.upload_dir = upload_dir

    def add(self, image_id: str, name: str, path: Path, container_format: str = 'docker',
            properties: dict | None = None) -> objects.ImageMeta:
        self.records[image_id] = {'id': image_id, 'name': name, 'container_format': container_format,
                                  'disk_format': 'raw', 'properties': properties or {}}
        self.files[image_id] = path
        return objects.ImageMeta.from_dict(self.records[image_id])

    def show(self, context: Any, image_id: str) -> dict:
        return self.records[image_id]

    def chunks(self, context: Any, image_id: str) -> Iterator[bytes]:
        self.downloads[image_id] += 1

        def read() -> Iterator[bytes]:
            with open(self.files[image_id], 'rb') as handle:
                while chunk := handle.read(65536):
                    yield chunk
        return read()

    def upload(self, context: Any, image_id: str, metadata: dict, data: Any) -> None:
        path = self.upload_dir / f'{image_id}.tar'
        with open(path, 'wb') as handle:
            while chunk := data.read(65536):
                handle.write(chunk)
        self.uploads[image_id] = (metadata, path)
        self.files[image_id] = path  # an uploaded image can be downloaded (a migration's target)

    def create(self, context: Any, record: dict) -> str:
        image_id = str(uuid.uuid4())
        self.records[image_id] = dict(record, id=image_id)
        return image_id

    def delete(self, context: Any, image_id: str) -> None:
        self.deleted.append(image_id)
        self.records.pop(image_id)


def make_instance(image_id: str, metadata: dict | None = None, memory_mb: int = 64,
                  vcpus: int = 2, sysmeta: dict | None = None,
                  hostname: str = 'test-server') -> objects.Instance:
    """A real nova Instance object (not in a database) as the compute manager passes it."""
    flavor = objects.Flavor(name='c1', flavorid='c1', memory_mb=memory_mb, vcpus=vcpus, root_gb=0,
                            ephemeral_gb=0, swap=0, extra_specs={})
    system_metadata = {'image_container_format': 'docker', 'image_disk_format': 'raw'}
    system_metadata.update(sysmeta or {})
    return objects.Instance(uuid=str(uuid.uuid4()), id=abs(hash(uuid.uuid4())) % 100000,
                            project_id='proj-1', user_id='user-1', image_ref=image_id,
                            hostname=hostname, flavor=flavor, metadata=metadata or {},
                            system_metadata=system_metadata, vm_state='building', task_state=None)


def tar_of(files: dict[str, bytes]) -> bytes:
    """An in-memory tar (used for a non-image tarball)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode='w') as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def spawn(drv: Any, ctx: Any, image_meta: Any, power_on: bool = True, **instance_args: Any) -> Any:
    """Spawn an instance the way the compute manager calls the driver; returns the instance."""
    instance = make_instance(image_meta.id, **instance_args)
    drv.spawn(ctx, instance, image_meta, injected_files=[], admin_password=None, allocations={},
              network_info=[], block_device_info=None, power_on=power_on)
    return instance


def wait_for(predicate: Any, timeout: float = 15.0, interval: float = 0.1) -> Any:
    """Poll ``predicate`` until it returns something truthy; fail after ``timeout`` seconds."""
    import time
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f'condition not met within {timeout}s')
        time.sleep(interval)
