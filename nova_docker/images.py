"""Glance images as Docker images: streaming ``docker load``, cached per host by Glance image id.

A Glance image for this driver has container_format ``docker`` and a ``docker save`` tarball as data.
The tarball is streamed from Glance's chunk iterator straight into the POST /images/load request
body (never whole in memory) and the loaded image is tagged ``<image_cache_repository>/<image id>:latest``
(the names the tarball brought are untagged again unless the host had them before).
That tag is the cache: its state lives in Docker, so a restarted nova-compute still finds it.
"""
from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

import docker.errors
from oslo_concurrency import lockutils
from oslo_log import log as logging

from nova import exception

from nova_docker import client as docker_client
from nova_docker import conf as docker_conf

LOG = logging.getLogger(__name__)
CONF = docker_conf.CONF
CONTAINER_FORMAT = 'docker'


class ImageService:
    """What the driver needs from Glance. The default uses nova.image.glance.API.

    This is the one seam the driver tests substitute: they serve a real ``docker save`` tarball from a
    local file and capture snapshot uploads, instead of running Glance.
    """

    def __init__(self) -> None:
        from nova.image import glance  # imported late: it pulls in glanceclient and keystoneauth
        self._api = glance.API()

    def show(self, context: Any, image_id: str) -> dict:
        """Glance image record (name, container_format, disk_format, properties, ...)."""
        return self._api.get(context, image_id)

    def chunks(self, context: Any, image_id: str) -> Iterable[bytes]:
        """The image data as an iterator of byte chunks."""
        data = self._api.download(context, image_id)
        if data is None:
            # nova only returns None when it consumed the data itself (signature verification).
            raise exception.ImageUnacceptable(
                image_id=image_id, reason='image data could not be streamed (signature verification '
                                          'is not supported by the Docker driver)')
        return data

    def upload(self, context: Any, image_id: str, metadata: dict, data: Any) -> None:
        """Set metadata and upload ``data`` (a file-like object with read()) into an existing image."""
        self._api.update(context, image_id, metadata, data, purge_props=False)

    def create(self, context: Any, record: dict) -> str:
        """Create an image record with no data yet; returns its id."""
        return self._api.create(context, record)['id']

    def delete(self, context: Any, image_id: str) -> None:
        """Delete an image (a migration's transfer image)."""
        self._api.delete(context, image_id)


def cache_ref(image_id: str) -> str:
    """The Docker reference of a cached Glance image."""
    return f'{CONF.docker.image_cache_repository}/{image_id}:latest'


class ImageCache:
    """Makes a Glance image available in the local Docker Engine, downloading it at most once."""

    def __init__(self, docker: docker_client.DockerAPI, images: ImageService) -> None:
        self._docker = docker
        self._images = images

    def ensure(self, context: Any, image_id: str, name: str | None, container_format: str | None) -> str:
        """Return the local reference of Glance image ``image_id``, loading it if needed.

        :raises ImageUnacceptable: not a docker image, or a tarball Docker cannot load.
        """
        if container_format != CONTAINER_FORMAT:
            raise exception.ImageUnacceptable(
                image_id=image_id,
                reason=f"its container_format is {container_format!r}; this compute host runs only "
                       f"images with container_format '{CONTAINER_FORMAT}' (a 'docker save' tarball)")
        ref = cache_ref(image_id)
        # One download per image at a time; a concurrent spawn of the same image waits for it.
        with lockutils.lock(f'nova-docker-image-{image_id}'):
            if self._docker.image_exists(ref):
                LOG.debug('Image %s already loaded as %s', image_id, ref)
                return ref
            started = time.monotonic()
            names_before = self._names()
            chunks = docker_client.bounded(
                self._images.chunks(context, image_id), 'Image download',
                CONF.docker.max_image_bytes, started + CONF.docker.image_timeout)
            try:
                loaded = self._docker.load(chunks)
            except docker_client.DockerOperationFailed as error:
                raise exception.ImageUnacceptable(
                    image_id=image_id, reason=f'Docker could not load it: {error.kwargs["reason"]}')
            except docker_client.StreamLimitExceeded as error:
                raise exception.ImageUnacceptable(image_id=image_id, reason=error.format_message())
            source = self._pick(image_id, name, loaded)
            repository, tag = ref.rsplit(':', 1)
            self._docker.call('tag the loaded image', 'tag', source, repository, tag, force=True)
            self._drop_new_names(set(loaded) - names_before - {ref})
            LOG.info('Loaded Glance image %s (%s) as %s in %.1fs', image_id, source, ref,
                     time.monotonic() - started)
            return ref

    def _names(self) -> set[str]:
        """Every repo:tag the host has."""
        rows = self._docker.call('list images', 'images')
        return {tag for row in rows for tag in row.get('RepoTags') or ()}

    def _drop_new_names(self, names: set[str]) -> None:
        """Untag the repo:tag names the tarball brought that the host did not have before: the cache
        tag is the only name a cached image needs, and the image cache manager's removal of that tag
        then frees the disk. Names the host already had stay (something else may use them)."""
        for name in sorted(names):
            if ':' not in name or name.startswith('sha256:'):
                continue
            try:
                self._docker.call('untag the loaded image', 'remove_image', name)
            except (docker_client.DockerOperationFailed, docker.errors.NotFound) as error:
                LOG.warning('Could not untag %s after loading it: %s', name, error)

    @staticmethod
    def _pick(image_id: str, name: str | None, loaded: list[str]) -> str:
        """Which loaded image is the Glance image: its name (repo:tag) if loaded, else the only one."""
        if name and name in loaded:
            return name
        if name and ':' not in name and f'{name}:latest' in loaded:
            return f'{name}:latest'
        if len(set(loaded)) == 1:
            return loaded[0]
        if not loaded:
            reason = 'the tarball contains no image'
        else:
            reason = (f'the tarball contains {len(loaded)} images and none is named like the Glance '
                      f'image ({name!r})')
        raise exception.ImageUnacceptable(image_id=image_id, reason=reason)
