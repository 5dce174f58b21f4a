"""Resize and cold migration of containers.

Same host (a resize Nova schedules back to the source): ``docker update`` of the running container's
memory limit and CPU shares, no restart; revert updates it back to the old flavor.

Another host: each compute host's driver talks only to its own dockerd, so the container's filesystem
travels through Glance, which both hosts already reach with the request's token. The source stops the
container, commits it, streams ``docker save`` into a temporary hidden Glance image owned by the
instance's project and renames the stopped container ``nova-<uuid>-resize`` (kept for a revert). The
target loads the tarball, deletes the Glance image and creates the container with the same name,
labels and Neutron ports. Confirm removes the source container; revert removes the target's and gives
the source container its name back. A failure on the source before the handover restarts the
container where it was (InstanceFaultRollback: Nova sets the server back to its former state).
"""
from __future__ import annotations

import time
from typing import Any

import docker.errors
from oslo_log import log as logging

from nova import exception
from nova import objects
from nova.compute import task_states

from nova_docker import client as docker_client
from nova_docker import conf as docker_conf
from nova_docker import containers
from nova_docker import images
from nova_docker import snapshot

LOG = logging.getLogger(__name__)
CONF = docker_conf.CONF
RESIZE_SUFFIX = '-resize'


def source_name(instance_uuid: str) -> str:
    """Name of the stopped source container kept until the migration is confirmed or reverted."""
    return containers.container_name(instance_uuid) + RESIZE_SUFFIX


def transfer_repository(instance_uuid: str) -> str:
    """Repository of the images that carry an instance's filesystem between hosts."""
    return f'{CONF.docker.image_cache_repository}-migration/{instance_uuid}'


def is_transfer_image(ref: str | None) -> bool:
    """Whether a container's image reference is a migration transfer image (removed with it)."""
    return bool(ref) and str(ref).startswith(f'{CONF.docker.image_cache_repository}-migration/')


def migration_of(context: Any, instance: Any) -> Any:
    """The Migration record of the instance's resize or migration in progress (None without one)."""
    if instance.migration_context is None:
        return None
    return objects.Migration.get_by_id(context, instance.migration_context.migration_id)


def is_same_host(migration: Any) -> bool:
    """A resize that stays on its host (only resize does: supports_migrate_to_same_host is False)."""
    return migration is not None and migration.source_compute == migration.dest_compute


def is_same_host_revert(context: Any, instance: Any) -> bool:
    """Whether Nova's destroy of the revert's target would hit the one container of a same-host
    resize (revert then restores the old limits instead)."""
    if instance.task_state != task_states.RESIZE_REVERTING or not instance.migration_context:
        return False
    return is_same_host(migration_of(context, instance))


def update_limits(docker: docker_client.DockerAPI, instance: Any) -> None:
    """Apply the instance's flavor (memory limit, CPU shares) to its live container: no restart."""
    args = containers.host_config_args(instance.flavor)
    memory = int(instance.flavor.memory_mb) * 1024 * 1024
    container = docker.inspect_container(containers.container_name(instance.uuid))
    if container is None:
        raise exception.InstanceNotFound(instance_id=instance.uuid)
    # Docker's own default is swap equal to the memory limit (memory+swap = twice the limit); keep it,
    # or a larger limit would exceed the old memory+swap and Docker would refuse the update.
    try:
        docker.call('update the container limits', 'update_container', container['Id'],
                    mem_limit=memory, memswap_limit=2 * memory, cpu_shares=args['cpu_shares'])
    except docker_client.DockerOperationFailed as error:
        raise exception.ResizeError(reason=error.format_message())
    LOG.info('Container limits now %s MiB, %s CPU shares', instance.flavor.memory_mb,
             args['cpu_shares'], instance=instance)


def migrate_out(docker: docker_client.DockerAPI, image_service: images.ImageService, context: Any,
                instance: Any, transfer_id: str, timeout: int) -> dict[str, str]:
    """Stop, commit and upload the container; returns Nova's disk_info for finish_migration.

    ``transfer_id`` names the transfer image (the migration's uuid).

    :raises InstanceFaultRollback: nothing was handed over; the container runs here as before.
    """
    container = docker.inspect_container(containers.container_name(instance.uuid))
    if container is None:
        raise exception.InstanceNotFound(instance_id=instance.uuid)
    was_running = bool((container.get('State') or {}).get('Running'))
    repository, tag = transfer_repository(instance.uuid), transfer_id
    image_id = None
    started = time.monotonic()
    try:
        if was_running:
            docker.call('stop the container', 'stop', container['Id'], timeout=max(0, timeout))
        docker.call('commit the container', 'commit', container['Id'], repository=repository,
                    tag=tag, conf=snapshot.commit_config(container))
        image_id = image_service.create(context, transfer_record(context, instance, transfer_id))
        chunks = docker_client.bounded(docker.save(f'{repository}:{tag}'), 'Migration upload',
                                       CONF.docker.max_image_bytes,
                                       time.monotonic() + CONF.docker.image_timeout)
        image_service.upload(context, image_id, {}, snapshot.ChunkReader(chunks))
        docker.call('rename the source container', 'rename', container['Id'],
                    source_name(instance.uuid))
    except Exception as error:
        LOG.warning('Migration of the container failed before the handover: %s', error,
                    instance=instance)
        _delete_image(image_service, context, image_id)
        _roll_back_source(docker, container['Id'], was_running)
        reason = (error.format_message() if isinstance(error, exception.NovaException)
                  else str(error) or type(error).__name__)
        raise exception.InstanceFaultRollback(inner_exception=exception.MigrationError(reason=reason))
    finally:
        remove_image(docker, f'{repository}:{tag}')
    LOG.info('Container committed and uploaded for migration in %.1fs', time.monotonic() - started,
             instance=instance)
    return {'transfer_image_id': image_id, 'transfer_id': transfer_id}


def transfer_record(context: Any, instance: Any, transfer_id: str) -> dict[str, Any]:
    """Glance record of the transfer image: hidden, private, owned by the instance's project."""
    record: dict[str, Any] = {
        'name': f'migration-{transfer_id}', 'disk_format': 'raw',
        'container_format': images.CONTAINER_FORMAT, 'visibility': 'private', 'os_hidden': True,
        'properties': {'nova_docker_migration': transfer_id, 'instance_uuid': instance.uuid}}
    if context.project_id != instance.project_id:
        record['owner'] = instance.project_id  # an admin's migration: the owner's project pays
    return record


def load_transfer(docker: docker_client.DockerAPI, image_service: images.ImageService, context: Any,
                  instance: Any, disk_info: dict) -> str:
    """Load the transfer image on the target and delete it from Glance; returns the local reference."""
    image_id = disk_info['transfer_image_id']
    ref = f"{transfer_repository(instance.uuid)}:{disk_info['transfer_id']}"
    try:
        chunks = docker_client.bounded(image_service.chunks(context, image_id), 'Migration download',
                                       CONF.docker.max_image_bytes,
                                       time.monotonic() + CONF.docker.image_timeout)
        loaded = docker.load(chunks)
    except (docker_client.DockerOperationFailed, docker_client.StreamLimitExceeded) as error:
        raise exception.MigrationError(reason=error.format_message())
    finally:
        _delete_image(image_service, context, image_id)
    if ref not in loaded:
        raise exception.MigrationError(reason=f'the transfer image held {loaded!r}, not {ref!r}')
    return ref


def remove_source(docker: docker_client.DockerAPI, instance: Any) -> dict | None:
    """Remove the stopped source container (confirm); returns what it was, None if already gone."""
    container = docker.inspect_container(source_name(instance.uuid))
    if container is None:
        return None
    try:
        docker.call('remove the source container', 'remove_container', container['Id'], v=True,
                    force=True)
    except docker.errors.NotFound:
        return None
    drop_transfer_image(docker, container)
    return container


def restore_source(docker: docker_client.DockerAPI, instance: Any, power_on: bool) -> None:
    """Give the source container its name back and start it (revert)."""
    name = containers.container_name(instance.uuid)
    if docker.inspect_container(source_name(instance.uuid)) is not None:
        leftover = docker.inspect_container(name)
        if leftover is not None:  # a target on this very host (never scheduled today) would clash
            docker.call('remove the target container', 'remove_container', leftover['Id'],
                        v=True, force=True)
        docker.call('rename the source container', 'rename', source_name(instance.uuid), name)
    container = docker.inspect_container(name)
    if container is None:
        raise exception.InstanceNotFound(instance_id=instance.uuid)
    if power_on and not (container.get('State') or {}).get('Running'):
        docker.call('start the container', 'start', container['Id'])


def drop_transfer_image(docker: docker_client.DockerAPI, container: dict | None) -> None:
    """After a container is removed: remove its image if it was a migration transfer image."""
    ref = ((container or {}).get('Config') or {}).get('Image')
    if is_transfer_image(ref):
        remove_image(docker, ref, force=False)


def remove_image(docker: docker_client.DockerAPI, ref: str, force: bool = True) -> None:
    """Best-effort image removal (a leftover image costs disk, not correctness)."""
    try:
        docker.call('remove the transfer image', 'remove_image', ref, force=force)
    except (docker_client.DockerOperationFailed, docker.errors.NotFound):
        pass
    except Exception as error:
        LOG.warning('Could not remove image %s: %s', ref, error)


def _delete_image(image_service: images.ImageService, context: Any, image_id: str | None) -> None:
    if image_id is None:
        return
    try:
        image_service.delete(context, image_id)
    except Exception as error:
        LOG.warning('Could not delete transfer image %s from Glance: %s', image_id, error)


def _roll_back_source(docker: docker_client.DockerAPI, container_id: str, was_running: bool) -> None:
    try:
        if was_running:
            docker.call('start the container', 'start', container_id)
    except Exception as error:
        LOG.error('Could not restart the container after a failed migration: %s', error)
