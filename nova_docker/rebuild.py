"""Rebuild (Nova's rebuild and evacuate): the container is recreated from the given image under the
same name, with the same labels (the image label now names the new image), the same Neutron ports and
fixed IPs (network_info is unchanged) and the server's current metadata (command, environment, restart
policy). Rebuilding from one of the container's own snapshots is a roll back to that snapshot: what was
written inside the container after the image was made is lost.

Unlike Nova's default (power off, destroy, spawn), everything that can fail before the old container is
removed is done first: the metadata is checked and the image loaded, so a bad image or command leaves
the container as it was.
"""
from __future__ import annotations

from typing import Any

from nova import exception
from nova.compute import task_states

from nova_docker import conf as docker_conf
from nova_docker import containers
from nova_docker import images
from nova_docker import restart_policy

CONF = docker_conf.CONF


def check_launch_metadata(instance: Any, image_meta: Any) -> None:
    """Raise InvalidInput for metadata the container cannot be created with."""
    metadata = dict(instance.metadata or {})
    containers.command(metadata, image_meta.properties)
    containers.environment(metadata)
    restart_policy.from_metadata(metadata)


def rebuild(drv: Any, context: Any, instance: Any, image_meta: Any, injected_files: Any,
            admin_password: Any, allocations: Any, bdms: Any, detach_block_devices: Any,
            attach_block_devices: Any, network_info: Any = None, evacuate: bool = False,
            block_device_info: Any = None, preserve_ephemeral: bool = False,
            accel_uuids: Any = None, reimage_boot_volume: bool = False) -> None:
    """Nova's ComputeDriver.rebuild contract: the task states Nova's default implementation sets
    (REBUILD_BLOCK_DEVICE_MAPPING, then REBUILD_SPAWNING) are set here too."""
    if preserve_ephemeral:
        raise exception.PreserveEphemeralNotSupported()
    if not image_meta.obj_attr_is_set('id') or not image_meta.id:
        raise exception.ImageUnacceptable(image_id='', reason='a Docker container needs a Glance image')
    try:
        check_launch_metadata(instance, image_meta)
    except exception.InvalidInput as error:
        raise exception.InstanceDeployFailure(reason=error.format_message())
    images.ImageCache(drv.docker, drv.image_service).ensure(
        context, image_meta.id, image_meta.name if image_meta.obj_attr_is_set('name') else None,
        image_meta.container_format if image_meta.obj_attr_is_set('container_format') else None)
    if not evacuate:
        # Evacuation comes from a host that is down: there is no container here to stop.
        if drv.instance_exists(instance):
            drv.power_off(instance, timeout=CONF.docker.soft_reboot_timeout)
    detach_block_devices(context, bdms, detach_root_bdm=True)
    drv.destroy(context, instance, network_info, block_device_info=block_device_info)
    instance.task_state = task_states.REBUILD_BLOCK_DEVICE_MAPPING
    instance.save(expected_task_state=[task_states.REBUILDING])
    new_block_device_info = attach_block_devices(context, instance, bdms)
    instance.task_state = task_states.REBUILD_SPAWNING
    instance.save(expected_task_state=[task_states.REBUILD_BLOCK_DEVICE_MAPPING])
    drv.spawn(context, instance, image_meta, injected_files, admin_password, allocations,
              network_info=network_info, block_device_info=new_block_device_info)
