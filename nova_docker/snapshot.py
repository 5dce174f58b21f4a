"""Nova createImage for containers: docker commit, then docker save streamed into the Glance image.

The committed image is tagged ``<image_cache_repository>/<snapshot image id>:latest``, which is both
the repo:tag inside the saved tarball (so ``docker load`` of it gives a usable, named image) and the
per-host cache tag, so booting the snapshot on this host downloads nothing.

The snapshot keeps the source image's CMD/ENTRYPOINT and environment, not the per-launch server
metadata (docker_command, docker_env_*): those may hold secrets and belong to one launch. Docker's
commit merges the container's settings into the new image, so per-launch variables are blanked
(NAME=) and the Nova identity labels are emptied, or they would leak into every later container.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

from oslo_log import log as logging

from nova import exception
from nova.compute import task_states

from nova_docker import client as docker_client
from nova_docker import conf as docker_conf
from nova_docker import containers
from nova_docker import images

LOG = logging.getLogger(__name__)
CONF = docker_conf.CONF
IDENTITY_LABELS = (containers.LABEL_UUID, containers.LABEL_PROJECT, containers.LABEL_IMAGE,
                   containers.LABEL_NAME)


class ChunkReader:
    """A read()-able file object over an iterator of chunks (glanceclient uploads file objects)."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._pending = b''

    def read(self, size: int = -1) -> bytes:
        """Up to ``size`` bytes (b'' at the end); a negative size returns the next chunk only."""
        if not self._pending:
            self._pending = next(self._chunks, b'')
        if size is None or size < 0:
            size = len(self._pending)
        data, self._pending = self._pending[:size], self._pending[size:]
        return data


def commit_config(container: dict, source_image: dict | None) -> dict:
    """Config for POST /commit that keeps the image's command and drops per-launch settings."""
    image_config = (source_image or {}).get('Config') or {}
    image_env = list(image_config.get('Env') or [])
    image_keys = {entry.split('=', 1)[0] for entry in image_env}
    config: dict[str, Any] = {'Env': image_env}
    for entry in (container.get('Config') or {}).get('Env') or []:
        key = entry.split('=', 1)[0]
        if key not in image_keys and key != 'PATH':
            config['Env'].append(f'{key}=')
    config['Labels'] = dict(image_config.get('Labels') or {})
    config['Labels'].update({label: '' for label in IDENTITY_LABELS})
    if image_config.get('Cmd') or image_config.get('Entrypoint'):
        config['Cmd'] = image_config.get('Cmd')
        config['Entrypoint'] = image_config.get('Entrypoint')
    return config


def glance_metadata(instance: Any, name: str) -> dict:
    """Image record for the snapshot: a docker-save tarball, carrying os_command_line forward."""
    properties = {'image_location': 'snapshot', 'image_state': 'available',
                  'owner_id': instance.project_id}
    image_meta = instance.image_meta
    if image_meta.properties.obj_attr_is_set('os_command_line'):
        properties['os_command_line'] = image_meta.properties.os_command_line
    return {'name': name, 'disk_format': 'raw', 'container_format': images.CONTAINER_FORMAT,
            'properties': properties}


def snapshot(docker: docker_client.DockerAPI, image_service: images.ImageService, context: Any,
             instance: Any, image_id: str, update_task_state: Callable[..., None]) -> None:
    """Commit the instance's container and stream ``docker save`` into Glance image ``image_id``."""
    container = docker.inspect_container(containers.container_name(instance.uuid))
    if container is None:
        raise exception.InstanceNotRunning(instance_id=instance.uuid)
    snapshot_record = image_service.show(context, image_id)
    update_task_state(task_state=task_states.IMAGE_PENDING_UPLOAD)

    ref = images.cache_ref(image_id)
    repository, tag = ref.rsplit(':', 1)
    source_image = docker.inspect_image(container['Image'])
    started = time.monotonic()
    docker.call('commit the container', 'commit', container['Id'], repository=repository, tag=tag,
                conf=commit_config(container, source_image), pause=True)
    LOG.info('Committed container as %s in %.1fs', ref, time.monotonic() - started,
             instance=instance)

    update_task_state(task_state=task_states.IMAGE_UPLOADING,
                      expected_state=task_states.IMAGE_PENDING_UPLOAD)
    try:
        chunks = docker_client.bounded(docker.save(ref), 'Snapshot upload',
                                       CONF.docker.max_image_bytes,
                                       time.monotonic() + CONF.docker.image_timeout)
        image_service.upload(context, image_id, glance_metadata(instance, snapshot_record['name']),
                             ChunkReader(chunks))
    except Exception:
        # Nova deletes the half-made Glance image; drop the local commit too (best effort).
        try:
            docker.call('remove the snapshot image', 'remove_image', ref, force=True)
        except Exception as error:  # the original failure matters more
            LOG.warning('Could not remove %s after a failed snapshot: %s', ref, error)
        raise
    LOG.info('Snapshot uploaded to image %s in %.1fs', image_id, time.monotonic() - started,
             instance=instance)
