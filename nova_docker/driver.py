"""Nova virt driver that runs every instance as a Docker container on the local Docker Engine.

State lives in Docker only (container names, labels and states; image tags for the image cache), so a
restarted nova-compute loses nothing. Power-state mapping:
  running -> RUNNING, paused -> PAUSED (SUSPENDED while Nova suspends it), created/exited -> SHUTDOWN,
  dead -> CRASHED, no container -> NOSTATE.
Power actions: nova_docker.driver_power; host resources, diagnostics and refusals: nova_docker.driver_host.
Networking: every Neutron port in network_info joins the Docker network of its Neutron network with
the port's fixed IP (nova_docker.network); no ports = ``[docker] network_mode`` (default none).
Resize and cold migration: nova_docker.migration. Not supported: live migration, rescue, volumes.
"""
from __future__ import annotations

import json
import time
from typing import Any

import docker.errors
from oslo_log import log as logging
from oslo_utils import uuidutils
from oslo_utils import versionutils

from nova import exception
from nova.virt import driver
from nova.virt import hardware

from nova_docker import client as docker_client
from nova_docker import conf as docker_conf
from nova_docker import console as docker_console
from nova_docker import containers
from nova_docker import driver_host
from nova_docker import driver_power
from nova_docker import events as docker_events
from nova_docker import image_cache
from nova_docker import images
from nova_docker import migration as docker_migration
from nova_docker import network as docker_network
from nova_docker import rebuild as docker_rebuild
from nova_docker import restart_policy
from nova_docker import snapshot as docker_snapshot

LOG = logging.getLogger(__name__)
CONF = docker_conf.CONF


class DockerDriver(driver_host.HostMixin, driver_power.PowerMixin, driver.ComputeDriver):
    """Instances are containers named nova-<uuid>; images are Glance docker-save tarballs."""

    capabilities = dict(driver.ComputeDriver.capabilities,
                        # manage_image_cache removes cached images nothing uses (image_cache).
                        has_imagecache=True,
                        # Neutron ports join and leave a running container (attach_interface).
                        supports_attach_interface=True,
                        # Glance images of this driver are disk_format raw, container_format docker.
                        supports_image_type_raw=True,
                        # Evacuate = rebuild from the image on another host (nova_docker.rebuild);
                        # the down host's container is removed when its nova-compute comes back.
                        supports_evacuate=True)

    def __init__(self, virtapi: Any, docker_api: docker_client.DockerAPI | None = None,
                 image_service: images.ImageService | None = None) -> None:
        super().__init__(virtapi)
        self.docker = docker_api or docker_client.DockerAPI()
        self._image_service = image_service
        self.networks = docker_network.DockerNetworks(self.docker)
        self._events: docker_events.EventListener | None = None
        self._consoles = docker_console.ConsoleServer(self.docker)

    # -- helpers ------------------------------------------------------------------------------
    @property
    def image_service(self) -> images.ImageService:
        """Glance access; built on first use so the driver loads without Glance settings."""
        if self._image_service is None:
            self._image_service = images.ImageService()
        return self._image_service

    def _container(self, instance: Any) -> dict | None:
        return self.docker.inspect_container(containers.container_name(instance.uuid))

    def _existing(self, instance: Any) -> dict:
        container = self._container(instance)
        if container is None:
            raise exception.InstanceNotFound(instance_id=instance.uuid)
        return container

    @staticmethod
    def _running(container: dict) -> bool:
        return bool((container.get('State') or {}).get('Running'))

    @staticmethod
    def _paused(container: dict) -> bool:
        return bool((container.get('State') or {}).get('Paused'))

    def _remove(self, instance: Any, network_info: Any = None) -> None:
        """Remove the container, then the Docker networks of its Neutron ports nothing else uses."""
        name = containers.container_name(instance.uuid)
        container = self.docker.inspect_container(name)
        network_ids = docker_network.neutron_networks_of(container)
        network_ids += [vif['network']['id'] for vif in network_info or [] if vif.get('network')]
        try:
            self.docker.call('remove the container', 'remove_container', name, v=True, force=True)
        except docker.errors.NotFound:
            LOG.info('Container already gone', instance=instance)
        docker_migration.drop_transfer_image(self.docker, container)
        self.networks.prune(network_ids)

    # -- host ---------------------------------------------------------------------------------
    def init_host(self, host: str) -> None:
        """Check that the Docker Engine answers and speaks the configured API version."""
        version = self.docker.call('query the Docker version', 'version', api_version=False)
        supported = version.get('ApiVersion', '0')
        if versionutils.convert_version_to_int(supported) < \
                versionutils.convert_version_to_int(CONF.docker.api_version):
            raise exception.NovaException(
                f'The Docker Engine speaks API {supported}; [docker] api_version is '
                f'{CONF.docker.api_version}')
        LOG.info('Docker Engine %s (API %s) ready for host %s', version.get('Version'), supported, host)
        if self._events is None:
            self._events = docker_events.EventListener(self.docker, self.emit_event)
            self._events.listen(self._compute_event_callback is not None)
            self._events.start()
        if CONF.serial_console.enabled:
            self._consoles.start()

    def register_event_listener(self, callback: Any) -> None:
        """Nova's event handler; Docker events wait in the listener until there is one."""
        super().register_event_listener(callback)
        if self._events is not None:
            self._events.listen(callback is not None)

    def cleanup_host(self, host: str) -> None:
        """Stop following Docker events and serving consoles (nova-compute is shutting down)."""
        self._consoles.stop()
        if self._events is not None:
            self._events.stop()
            self._events = None

    # -- inventory of instances -----------------------------------------------------------------
    def list_instance_uuids(self) -> list[str]:
        """UUIDs of all instances that have a container here, whatever its state."""
        found = self.docker.list_containers(containers.LABEL_UUID)
        return sorted({c['Labels'][containers.LABEL_UUID] for c in found
                       if (c.get('Labels') or {}).get(containers.LABEL_UUID)})

    def list_instances(self) -> list[str]:
        """Nova instance names (instance.name) of all containers here."""
        found = self.docker.list_containers(containers.LABEL_UUID)
        names = []
        for container in found:
            label_set = container.get('Labels') or {}
            names.append(label_set.get(containers.LABEL_NAME)
                         or containers.container_name(label_set[containers.LABEL_UUID]))
        return sorted(names)

    def instance_exists(self, instance: Any) -> bool:
        """Whether the instance's container exists (in any state)."""
        return self._container(instance) is not None

    def get_info(self, instance: Any, use_cache: bool = True) -> hardware.InstanceInfo:
        """Power state from Docker; no container raises InstanceNotFound, which Nova's callers
        (power-state sync, _get_power_state) read as NOSTATE."""
        container = self._existing(instance)
        return hardware.InstanceInfo(state=containers.power_state_of(container, instance),
                                     internal_id=container['Id'])

    # -- lifecycle ------------------------------------------------------------------------------
    def spawn(self, context: Any, instance: Any, image_meta: Any, injected_files: Any,
              admin_password: Any, allocations: Any, network_info: Any = None,
              block_device_info: Any = None, power_on: bool = True, accel_info: Any = None,
              image_ref: str | None = None) -> None:
        """Load the Glance image if needed (``image_ref``: a local image to use instead, as a
        migration's target does), create the container and start it."""
        if not image_meta.obj_attr_is_set('id') or not image_meta.id:
            raise exception.InstanceDeployFailure(
                reason='booting from a volume is not supported by the Docker driver')
        container_format = (image_meta.container_format
                            if image_meta.obj_attr_is_set('container_format') else None)
        name = image_meta.name if image_meta.obj_attr_is_set('name') else None
        # Bad launch metadata fails before anything is downloaded.
        metadata = dict(instance.metadata or {})
        command = containers.command(metadata, image_meta.properties)
        environment = containers.environment(metadata)
        restart = restart_policy.from_metadata(metadata)
        try:
            ports = docker_network.attachments(network_info)
        except docker_network.NetworkWiringFailed as error:
            # The port, not this host, is the problem: abort instead of rescheduling.
            raise exception.BuildAbortException(instance_uuid=instance.uuid,
                                                reason=error.format_message())
        ref = image_ref or images.ImageCache(self.docker, self.image_service).ensure(
            context, image_meta.id, name, container_format)
        host_args = containers.host_config_args(instance.flavor)
        if restart:
            host_args['restart_policy'] = restart
        if ports:
            host_args['network_mode'] = ports[0].docker_network
        host_config = self.docker.api.create_host_config(**host_args)
        uts = containers.uts_names(instance.hostname if instance.obj_attr_is_set('hostname') else None)
        try:
            with self.networks.first_port(ports[0] if ports else None) as network_args:
                self.docker.create_container(
                    image=ref, command=command, name=containers.container_name(instance.uuid),
                    environment=environment, labels=containers.labels(instance, image_meta.id),
                    host_config=host_config, detach=True, **docker_console.create_args(metadata), **uts,
                    **network_args)
        except (docker_client.DockerOperationFailed, docker_network.NetworkWiringFailed) as error:
            self._remove_quietly(instance, network_info)
            raise exception.InstanceDeployFailure(reason=error.format_message())
        try:
            self.networks.plug(containers.container_name(instance.uuid), ports[1:])
            if power_on:
                self.docker.call('start the container', 'start',
                                 containers.container_name(instance.uuid))
                self._check_started(instance)
        except Exception as error:
            # spawn must leave nothing behind when it fails.
            self._remove_quietly(instance, network_info)
            if isinstance(error, (docker_client.DockerOperationFailed,
                                  docker_network.NetworkWiringFailed)):
                raise exception.InstanceDeployFailure(reason=error.format_message())
            raise
        if power_on:
            LOG.info('Container started from %s', ref, instance=instance)

    def rebuild(self, context: Any, instance: Any, image_meta: Any, injected_files: Any,
                admin_password: Any, allocations: Any, bdms: Any, detach_block_devices: Any,
                attach_block_devices: Any, network_info: Any = None, evacuate: bool = False,
                block_device_info: Any = None, preserve_ephemeral: bool = False,
                accel_uuids: Any = None, reimage_boot_volume: bool = False) -> None:
        """Recreate the container from ``image_meta`` keeping name, labels, ports and metadata
        (nova_docker.rebuild)."""
        docker_rebuild.rebuild(self, context, instance, image_meta, injected_files, admin_password,
                               allocations, bdms, detach_block_devices, attach_block_devices,
                               network_info=network_info, evacuate=evacuate,
                               block_device_info=block_device_info,
                               preserve_ephemeral=preserve_ephemeral)

    def _remove_quietly(self, instance: Any, network_info: Any) -> None:
        """Clean up after a failed spawn without hiding the failure that caused it."""
        try:
            self._remove(instance, network_info)
        except Exception as cleanup_error:
            LOG.warning('Could not remove the container after a failed spawn: %s',
                        cleanup_error, instance=instance)

    def _check_started(self, instance: Any) -> None:
        """Fail when the command could not even be executed (docker-init starts anyway)."""
        if CONF.docker.start_check_seconds <= 0:
            return
        time.sleep(CONF.docker.start_check_seconds)
        container = self._existing(instance)
        state = container.get('State') or {}
        if state.get('Running') or state.get('ExitCode') not in (126, 127):
            return
        output = self.docker.logs_tail(container, 5, 300).decode('utf-8', 'replace').strip()
        # Not a host problem: abort instead of rescheduling, so the reason reaches the user's fault.
        raise exception.BuildAbortException(
            instance_uuid=instance.uuid,
            reason=f'the container command could not be run (exit code {state["ExitCode"]}): {output}')

    def destroy(self, context: Any, instance: Any, network_info: Any, block_device_info: Any = None,
                destroy_disks: bool = True, destroy_secrets: bool = True) -> None:
        """Remove the container (and its anonymous volumes) and unused Docker networks; a missing
        container is fine. A same-host resize's revert keeps its container (migration)."""
        if docker_migration.is_same_host_revert(context, instance):
            return
        self._remove(instance, network_info)

    def cleanup(self, context: Any, instance: Any, network_info: Any, block_device_info: Any = None,
                destroy_disks: bool = True, migrate_data: Any = None, destroy_vifs: bool = True,
                destroy_secrets: bool = True) -> None:
        """Idempotent removal, for paths that call cleanup without destroy."""
        self._remove(instance, network_info)

    # -- resize and cold migration (nova_docker.migration) ---------------------------------------
    def migrate_disk_and_power_off(self, context: Any, instance: Any, dest: str, flavor: Any,
                                   network_info: Any, block_device_info: Any = None,
                                   timeout: int = 0, retry_interval: int = 0) -> str:
        """Same host: nothing (finish_migration updates the live limits). Another host: stop,
        commit and upload the container; a failure leaves it running here."""
        migration = docker_migration.migration_of(context, instance)
        if docker_migration.is_same_host(migration):
            return json.dumps({})
        # Nova always has a migration record here; without one the transfer gets an id of its own.
        transfer_id = migration.uuid if migration is not None else uuidutils.generate_uuid()
        return json.dumps(docker_migration.migrate_out(
            self.docker, self.image_service, context, instance, transfer_id, timeout))

    def finish_migration(self, context: Any, migration: Any, instance: Any, disk_info: str,
                         network_info: Any, image_meta: Any, resize_instance: bool,
                         allocations: Any, block_device_info: Any = None,
                         power_on: bool = True, share_info: Any = None) -> None:
        """Same host: docker update to the new flavor. Another host: load the transfer image and
        create the container with the instance's name, labels and ports."""
        if docker_migration.is_same_host(migration):
            docker_migration.update_limits(self.docker, instance)
            if power_on:
                self.power_on(context, instance, network_info)
            return
        ref = docker_migration.load_transfer(self.docker, self.image_service, context, instance,
                                             json.loads(disk_info or '{}'))
        try:
            self.spawn(context, instance, image_meta, [], None, allocations, network_info,
                       block_device_info, power_on=power_on, image_ref=ref)
        except Exception:
            docker_migration.remove_image(self.docker, ref)
            raise

    def confirm_migration(self, context: Any, migration: Any, instance: Any,
                          network_info: Any) -> None:
        """Remove the stopped source container (another host) and its unused Docker networks."""
        if docker_migration.is_same_host(migration):
            return
        source = docker_migration.remove_source(self.docker, instance)
        self.networks.prune(docker_network.neutron_networks_of(source))

    def finish_revert_migration(self, context: Any, instance: Any, network_info: Any,
                                migration: Any, block_device_info: Any = None,
                                power_on: bool = True, share_info: Any = None) -> None:
        """Same host: back to the old flavor's limits. Another host: the source container again."""
        if docker_migration.is_same_host(migration):
            docker_migration.update_limits(self.docker, instance)
            if power_on:
                self.power_on(context, instance, network_info)
            return
        docker_migration.restore_source(self.docker, instance, power_on)

    # -- images, console ---------------------------------------------------------------------
    def snapshot(self, context: Any, instance: Any, image_id: str, update_task_state: Any) -> None:
        """docker commit + docker save streamed into the Glance image Nova created."""
        docker_snapshot.snapshot(self.docker, self.image_service, context, instance, image_id,
                                 update_task_state)

    def cache_image(self, context: Any, image_id: str) -> bool:
        """Pre-load a Glance image; True if it was downloaded, False if already cached."""
        if self.docker.image_exists(images.cache_ref(image_id)):
            return False
        record = self.image_service.show(context, image_id)
        images.ImageCache(self.docker, self.image_service).ensure(
            context, image_id, record.get('name'), record.get('container_format'))
        return True

    def manage_image_cache(self, context: Any, all_instances: Any) -> None:
        """Nova's periodic cache pass: remove cached images no instance here uses (image_cache)."""
        image_cache.manage(self.docker, self.image_service, context, all_instances)

    def get_serial_console(self, context: Any, instance: Any) -> Any:
        """A one-time path to a new TTY session in the container on this host's console port
        (nova_docker.console); Nova's validate_console_port calls it again and compares the port."""
        return self._consoles.console_for(instance)

    def get_console_output(self, context: Any, instance: Any) -> str:
        """The tail of docker logs: at most console_log_tail_lines lines and console_log_max_bytes,
        as the str Nova's compute manager expects (containers.console_text)."""
        try:
            return containers.console_text(self.docker.logs_tail(
                self._existing(instance), CONF.docker.console_log_tail_lines,
                CONF.docker.console_log_max_bytes))
        except docker_client.DockerUnavailable:
            # nova-api turns only ConsoleNotAvailable (and NotFound) into a readable client error.
            raise exception.ConsoleNotAvailable()

    # -- networking -------------------------------------------------------------------------------
    def plug_vifs(self, instance: Any, network_info: Any) -> None:
        """No-op: Docker keeps a container's network endpoints across nova-compute and dockerd
        restarts (they are wired in spawn and attach_interface)."""

    def unplug_vifs(self, instance: Any, network_info: Any) -> None:
        """No-op, see plug_vifs; destroy removes the endpoints with the container."""

    def attach_interface(self, context: Any, instance: Any, image_meta: Any, vif: Any) -> None:
        """Connect the container to the port's network with its fixed IP (Docker keeps its own MAC
        address: API 1.41 cannot set one on connect); a container booted with no port works too."""
        container = self._existing(instance)
        try:
            self.networks.attach(container, docker_network.attachments([vif]))
        except (docker_client.DockerOperationFailed, docker_network.NetworkWiringFailed) as error:
            raise exception.InterfaceAttachFailed(instance_uuid=instance.uuid) from error

    def detach_interface(self, context: Any, instance: Any, vif: Any) -> None:
        """Disconnect the container from the port's network; prune the network if now unused."""
        network_id = (vif.get('network') or {}).get('id')
        if not network_id:
            return
        container = self._existing(instance)
        try:
            self.networks.unplug(container['Id'], network_id)
        except docker_client.DockerOperationFailed as error:
            raise exception.InterfaceDetachFailed(instance_uuid=instance.uuid) from error

    # -- volumes (not supported) ------------------------------------------------------------------
    def attach_volume(self, context: Any, connection_info: Any, instance: Any, mountpoint: str,
                      disk_bus: Any = None, device_type: Any = None, encryption: Any = None) -> None:
        """Volumes are not supported."""
        raise NotImplementedError('The Docker driver does not support volumes')

    def detach_volume(self, context: Any, connection_info: Any, instance: Any, mountpoint: str,
                      encryption: Any = None) -> None:
        """Volumes are not supported."""
        raise NotImplementedError('The Docker driver does not support volumes')
