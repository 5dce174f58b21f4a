"""Nova's image cache manager for the Docker driver: cached Glance images nothing uses are removed.

nova-compute calls ``manage_image_cache`` every ``[image_cache] manager_interval`` seconds. A cached
Glance image is the tag ``<image_cache_repository>/<image id>:latest`` (nova_docker.images); its usage
record is a second tag on the same Docker image, ``<repository>/<image id>:used-<unix time>-keep-<s>``:
when a pass last saw it in use (or first saw it), and ``remove_unused_original_minimum_age_seconds``
as it was then (``-keep-`` is left out while ``remove_unused_base_images`` is off). The record lives in
Docker, like the rest of the driver's state: it survives nova-compute restarts, and the dashboard reads
it from the image list it already fetches, without knowing nova-compute's configuration.

An unused copy goes once its record is older than the age; an unused copy whose Glance image is gone
(or no longer active) goes at the first pass, before the others. The loader keeps no repo:tag name
the tarball brought (unless the host had it already), so removing the cache tags frees the disk.
"""
from __future__ import annotations

import re
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import docker.errors
from oslo_concurrency import lockutils
from oslo_log import log as logging

from nova import context as nova_context
from nova import exception
from nova import service_auth

from nova_docker import client as docker_client
from nova_docker import conf as docker_conf
from nova_docker import containers
from nova_docker import images

LOG = logging.getLogger(__name__)
CONF = docker_conf.CONF
CACHE_TAG = 'latest'
STATE_TAG = re.compile(r'^used-(\d+)(?:-keep-(\d+))?$')


def state_tag(used_at: int, keep: int | None) -> str:
    """The usage record's tag: last use, and the age after which an unused copy goes (None: never)."""
    return f'used-{used_at}' if keep is None else f'used-{used_at}-keep-{keep}'


@dataclass
class CachedImage:
    """One cached Glance image: the Docker image it is, and its usage record (tag) if any."""

    glance_id: str
    docker_id: str
    state: str | None = None

    @property
    def used_at(self) -> int | None:
        match = STATE_TAG.match(self.state or '')
        return int(match.group(1)) if match else None

    def ref(self, tag: str) -> str:
        return f'{CONF.docker.image_cache_repository}/{self.glance_id}:{tag}'


def cached_images(docker: docker_client.DockerAPI) -> dict[str, CachedImage]:
    """Every cached Glance image on this host, by Glance id, from one image list."""
    prefix = CONF.docker.image_cache_repository + '/'
    rows = docker.call('list the cached images', 'images', name=prefix + '*')
    found: dict[str, CachedImage] = {}
    states: dict[str, str] = {}
    for row in rows:
        for repo_tag in row.get('RepoTags') or ():
            repository, _sep, tag = repo_tag.rpartition(':')
            if not repository.startswith(prefix):
                continue
            glance_id = repository[len(prefix):]
            if tag == CACHE_TAG:
                found[glance_id] = CachedImage(glance_id, row['Id'])
            elif STATE_TAG.match(tag):
                states[glance_id] = tag
    for glance_id, tag in states.items():
        if glance_id in found:
            found[glance_id].state = tag
        else:
            # A record whose cache tag someone removed: drop it too.
            _untag(docker, CachedImage(glance_id, '', tag).ref(tag))
    return found


def images_in_use(docker: docker_client.DockerAPI, all_instances: Iterable[Any],
                  cached: dict[str, CachedImage]) -> set[str]:
    """Glance ids of the cached images this host uses: by its instances (building ones have no
    container yet) and by its containers (Nova's by label; any other container by image id)."""
    used = {str(instance.image_ref) for instance in all_instances
            if instance.image_ref and instance.host == CONF.host}
    docker_ids = set()
    for container in docker.call('list containers', 'containers', all=True):
        glance_id = (container.get('Labels') or {}).get(containers.LABEL_IMAGE)
        if glance_id:
            used.add(glance_id)
        else:
            docker_ids.add(container.get('ImageID'))
    used.update(image.glance_id for image in cached.values() if image.docker_id in docker_ids)
    return used


def glance_context(context: Any) -> Any:
    """A context Glance accepts in a periodic task: the periodic admin context has no token, so
    Nova's [service_user] credentials (an admin, who sees every image) are used when configured."""
    if not CONF.service_user.auth_type:
        return context
    auth = service_auth.get_service_auth_plugin('service_user')
    return nova_context.RequestContext(user_auth_plugin=auth, is_admin=True)


def gone_from_glance(image_service: images.ImageService, context: Any, glance_ids: Iterable[str]
                     ) -> set[str]:
    """Glance ids whose image is deleted or no longer active; an unanswered question counts as active."""
    gone = set()
    for glance_id in glance_ids:
        try:
            record = image_service.show(context, glance_id)
        except exception.ImageNotFound:
            gone.add(glance_id)
            continue
        except Exception as error:
            LOG.warning('Image cache: Glance did not say whether image %s still exists (%s); only its '
                        'age counts this time', glance_id, type(error).__name__)
            continue
        if record.get('deleted') or record.get('status', 'active') != 'active':
            gone.add(glance_id)
    return gone


def _untag(docker: docker_client.DockerAPI, ref: str) -> None:
    try:
        docker.call('remove a cached image tag', 'remove_image', ref)
    except docker.errors.NotFound:
        pass


def _record(docker: docker_client.DockerAPI, image: CachedImage, used_at: int, keep: int | None) -> None:
    tag = state_tag(used_at, keep)
    if tag == image.state:
        return
    repository, _sep, _tag = image.ref(tag).rpartition(':')
    docker.call('record the cached image use', 'tag', image.docker_id, repository, tag, force=True)
    if image.state:
        _untag(docker, image.ref(image.state))
    image.state = tag


def remove(docker: docker_client.DockerAPI, image: CachedImage) -> None:
    """Remove a cached copy: its cache tag and usage record. Docker deletes the image with its last
    tag (the loader keeps no other names it brought) and refuses while a container uses it."""
    # Spawn holds this lock while it looks for or loads the image.
    with lockutils.lock(f'nova-docker-image-{image.glance_id}'):
        for tag in (image.state, CACHE_TAG):
            if tag:
                _untag(docker, image.ref(tag))


def manage(docker: docker_client.DockerAPI, image_service: images.ImageService, context: Any,
           all_instances: Iterable[Any], now: float | None = None) -> list[str]:
    """One cache pass; returns the Glance ids whose copies were removed."""
    now_s = int(time.time() if now is None else now)
    removing = CONF.image_cache.remove_unused_base_images
    age = CONF.image_cache.remove_unused_original_minimum_age_seconds
    keep = age if removing else None
    cached = cached_images(docker)
    used = images_in_use(docker, all_instances, cached)
    unused = [image for image in cached.values() if image.glance_id not in used]
    gone = gone_from_glance(image_service, glance_context(context),
                            [i.glance_id for i in unused]) if removing and unused else set()
    removed = []
    # Copies of deleted Glance images first: nothing can boot them any more.
    for image in sorted(unused, key=lambda i: i.glance_id not in gone):
        used_at = image.used_at
        expired = used_at is not None and now_s >= used_at + age
        if removing and (image.glance_id in gone or expired):
            try:
                remove(docker, image)
            except docker_client.DockerOperationFailed as error:
                LOG.warning('Image cache: could not remove the copy of Glance image %s: %s',
                            image.glance_id, error)
                continue
            LOG.info('Image cache: removed the copy of Glance image %s (%s)', image.glance_id,
                     'deleted or inactive in Glance' if image.glance_id in gone else
                     f'unused for {age} s')
            removed.append(image.glance_id)
        else:
            _record(docker, image, now_s if used_at is None else used_at, keep)
    for image in cached.values():
        if image.glance_id in used:
            _record(docker, image, now_s, keep)
    return removed
