"""Nova createImage for containers: docker commit, then docker save streamed into the Glance image.

The committed image is tagged ``<image_cache_repository>/<snapshot image id>:latest``, which is both
the repo:tag inside the saved tarball (so ``docker load`` of it gives a usable, named image) and the
per-host cache tag, so booting the snapshot on this host downloads nothing.

A snapshot runs like the container it came from: the command (Cmd and Entrypoint as they ran), the
working directory and the environment, with the values the launch gave (server metadata
docker_command, docker_env_*: project members see them already as server metadata), become the
image's. The per-container identity labels are dropped from the image config (see snapshot_config).
"""
from __future__ import annotations

import shlex
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
from nova_docker import snapshot_config

LOG = logging.getLogger(__name__)
CONF = docker_conf.CONF


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


def commit_config(container: dict) -> dict:
    """Config for POST /commit: the command, working directory and environment the container ran with."""
    config = container.get('Config') or {}
    # Commit merges the container's settings in anyway; stating them makes the image's CMD the command
    # that ran, not the one the source image had.
    return {'Cmd': config.get('Cmd'), 'Entrypoint': config.get('Entrypoint'),
            'WorkingDir': config.get('WorkingDir') or '',
            'Env': list(config.get('Env') or [])}


def glance_metadata(instance: Any, name: str, container: dict) -> dict:
    """Image record for the snapshot: a docker-save tarball whose os_command_line is the command that ran.

    Nova copies the source image's properties to the snapshot, and os_command_line overrides an image's
    CMD at boot: it must state the snapshot's own command, or the snapshot would run the old one.
    """
    properties = {'image_location': 'snapshot', 'image_state': 'available',
                  'owner_id': instance.project_id}
    image_meta = instance.image_meta
    if image_meta.properties.obj_attr_is_set('os_command_line'):
        properties['os_command_line'] = shlex.join((container.get('Config') or {}).get('Cmd') or [])
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
    started = time.monotonic()
    docker.call('commit the container', 'commit', container['Id'], repository=repository, tag=tag,
                conf=commit_config(container), pause=True)
    committed = docker.inspect_image(ref) or {}
    LOG.info('Committed container as %s in %.1fs', ref, time.monotonic() - started,
             instance=instance)

    update_task_state(task_state=task_states.IMAGE_UPLOADING,
                      expected_state=task_states.IMAGE_PENDING_UPLOAD)
    config_name = str(committed.get('Id', '')).split(':')[-1] + '.json'
    try:
        chunks = docker_client.bounded(docker.save(ref), 'Snapshot upload',
                                       CONF.docker.max_image_bytes,
                                       time.monotonic() + CONF.docker.image_timeout)
        rewriter = snapshot_config.ConfigRewriter(chunks, config_name)
        image_service.upload(context, image_id,
                             glance_metadata(instance, snapshot_record['name'], container),
                             ChunkReader(iter(rewriter)))
    except Exception:
        # Nova deletes the half-made Glance image; drop the local commit too (best effort).
        _remove_image(docker, ref)
        raise
    _register_cleaned(docker, ref, committed.get('Id'), rewriter)
    LOG.info('Snapshot uploaded to image %s in %.1fs', image_id, time.monotonic() - started,
             instance=instance)


def _remove_image(docker: docker_client.DockerAPI, ref: str) -> None:
    try:
        docker.call('remove the snapshot image', 'remove_image', ref, force=True)
    except Exception as error:  # the caller's outcome matters more
        LOG.warning('Could not remove %s: %s', ref, error)


def _register_cleaned(docker: docker_client.DockerAPI, ref: str, committed_id: str | None,
                      rewriter: snapshot_config.ConfigRewriter) -> None:
    """Make the local cache tag name the image Glance received (the one without identity labels).

    When that fails, the local commit is removed, so booting the snapshot here downloads Glance's.
    """
    if rewriter.manifest is None or rewriter.config is None or rewriter.config_name is None:
        LOG.warning('The saved image had no config to clean; %s is not kept as a local cache', ref)
        _remove_image(docker, ref)
        return
    try:
        docker.load([snapshot_config.load_tarball(rewriter.manifest, rewriter.config_name, rewriter.config)])
    except Exception as error:
        LOG.warning('Could not register the cleaned snapshot config as %s: %s', ref, error)
        _remove_image(docker, ref)
        return
    if committed_id:
        # The commit itself is untagged now; its layers stay with the image that replaced it.
        try:
            docker.call('remove the committed image', 'remove_image', committed_id, noprune=True)
        except Exception as error:
            LOG.warning('Could not remove the committed image %s: %s', committed_id, error)
