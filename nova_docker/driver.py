"""Nova virt driver that runs every instance as a Docker container on the local Docker Engine.

State lives in Docker only (container names, labels and states; image tags for the image cache), so a
restarted nova-compute loses nothing. Power-state mapping:
  running -> RUNNING, paused -> PAUSED (SUSPENDED while Nova suspends it), created/exited -> SHUTDOWN,
  dead -> CRASHED, no container -> NOSTATE.
Lifecycle mapping: power_off = docker stop (Nova's graceful timeout, then SIGKILL); power_on = start;
soft reboot = docker restart ([docker] soft_reboot_timeout); hard reboot = kill + start;
pause/unpause = docker pause/unpause; suspend/resume = pause/unpause too (Docker cannot checkpoint
to disk without experimental CRIU, so a suspended container keeps its memory).
Networking: every Neutron port in network_info joins the Docker network of its Neutron network with
the port's fixed IP (nova_docker.network); no ports = ``[docker] network_mode`` (default none).
Resize and cold migration: nova_docker.migration. Not supported: live migration, rescue, volumes.
"""
from __future__ import annotations

import json
import os
import re
import time
from typing import Any

import docker.errors
import os_resource_classes as orc
from oslo_log import log as logging
from oslo_utils import uuidutils
from oslo_utils import versionutils

from nova import exception
from nova.objects import fields as obj_fields
from nova.virt import driver
from nova.virt import hardware

from nova_docker import client as docker_client
from nova_docker import conf as docker_conf
from nova_docker import console as docker_console
from nova_docker import containers
from nova_docker import diagnostics as docker_diagnostics
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
GiB = 1024 ** 3
MiB = 1024 ** 2


class DockerDriver(driver.ComputeDriver):
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

    def get_available_nodes(self, refresh: bool = False) -> list[str]:
        """One node per compute service, named after CONF.host."""
        return [CONF.host]

    def get_host_ip_addr(self) -> str:
        """This compute host's IP address."""
        return CONF.my_ip

    def get_host_uptime(self) -> str:
        """Uptime of this host, uptime(1) style."""
        with open('/proc/uptime') as handle:
            seconds = int(float(handle.read().split()[0]))
        days, rest = divmod(seconds, 86400)
        return f'up {days} days, {rest // 3600:02d}:{rest % 3600 // 60:02d}'

    def _host_facts(self) -> dict[str, Any]:
        info = self.docker.call('read the Docker host information', 'info')
        try:
            disk = os.statvfs(info.get('DockerRootDir') or '/')
        except OSError:
            # A remote daemon's data root is not on this machine: fall back to the instances path.
            disk = os.statvfs(CONF.instances_path if os.path.isdir(CONF.instances_path) else '/')
        match = re.match(r'(\d+)\.(\d+)\.(\d+)', str(info.get('ServerVersion', '')))
        try:
            arch = obj_fields.Architecture.canonicalize(info.get('Architecture') or '')
        except exception.InvalidArchitectureName:
            arch = obj_fields.Architecture.from_host()
        return {
            'vcpus': int(info.get('NCPU') or 1),
            'memory_mb': int(info.get('MemTotal') or 0) // MiB,
            'local_gb': disk.f_blocks * disk.f_frsize // GiB,
            'free_gb': disk.f_bavail * disk.f_frsize // GiB,
            'version': '.'.join(match.groups()) if match else '0.0.0',
            'arch': arch,
        }

    def get_available_resource(self, nodename: str) -> dict[str, Any]:
        """Host resources from docker info and the data root's file system."""
        facts = self._host_facts()
        cpu_info = {'arch': facts['arch'], 'model': 'docker', 'vendor': 'docker', 'features': [],
                    'topology': {'sockets': 1, 'cores': facts['vcpus'], 'threads': 1}}
        return {
            'vcpus': facts['vcpus'],
            'memory_mb': facts['memory_mb'],
            'local_gb': facts['local_gb'],
            # The resource tracker recomputes usage from instances; report only what the host uses.
            'vcpus_used': 0,
            'memory_mb_used': 0,
            'local_gb_used': facts['local_gb'] - facts['free_gb'],
            'hypervisor_type': obj_fields.HVType.DOCKER,
            'hypervisor_version': versionutils.convert_version_to_int(facts['version']),
            'hypervisor_hostname': CONF.host,
            'cpu_info': json.dumps(cpu_info),
            'disk_available_least': facts['free_gb'],
            'supported_instances': [(facts['arch'], obj_fields.HVType.DOCKER,
                                     obj_fields.VMMode.EXE)],
            'numa_topology': None,
        }

    def update_provider_tree(self, provider_tree: Any, nodename: str,
                             allocations: dict | None = None) -> None:
        """VCPU, MEMORY_MB and DISK_GB inventory of the Docker host (capability traits are added
        by the resource tracker from ``capabilities``)."""
        facts = self._host_facts()
        ratios = self._get_allocation_ratios(provider_tree.data(nodename).inventory)
        totals = {orc.VCPU: (facts['vcpus'], CONF.reserved_host_cpus),
                  orc.MEMORY_MB: (facts['memory_mb'], CONF.reserved_host_memory_mb),
                  orc.DISK_GB: (facts['local_gb'], self._get_reserved_host_disk_gb_from_config())}
        inventory = {}
        for resource_class, (total, reserved) in totals.items():
            if total <= 0:
                continue
            inventory[resource_class] = {'total': total, 'min_unit': 1, 'max_unit': total,
                                         'step_size': 1, 'reserved': reserved,
                                         'allocation_ratio': ratios[resource_class]}
        provider_tree.update_inventory(nodename, inventory)

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

    def reboot(self, context: Any, instance: Any, network_info: Any, reboot_type: str,
               block_device_info: Any = None, bad_volumes_callback: Any = None,
               accel_info: Any = None, share_info: Any = None) -> None:
        """SOFT: docker restart (SIGTERM, SIGKILL after the timeout); HARD: kill and start."""
        container = self._existing(instance)
        name = container['Id']
        try:
            if self._paused(container):
                self.docker.call('unpause the container', 'unpause', name)
            if reboot_type == 'SOFT':
                self.docker.call('restart the container', 'restart', name,
                                 timeout=CONF.docker.soft_reboot_timeout)
            else:
                if self._running(container):
                    self.docker.call('kill the container', 'kill', name)
                self.docker.call('start the container', 'start', name)
        except docker_client.DockerOperationFailed as error:
            raise exception.InstanceRebootFailure(reason=error.format_message())

    def power_off(self, instance: Any, timeout: int = 0, retry_interval: int = 0) -> None:
        """docker stop: SIGTERM, then SIGKILL after ``timeout`` seconds (0 = at once)."""
        container = self._existing(instance)
        if not self._running(container):
            return
        try:
            if self._paused(container):
                self.docker.call('unpause the container', 'unpause', container['Id'])
            self.docker.call('stop the container', 'stop', container['Id'], timeout=max(0, timeout))
        except docker_client.DockerOperationFailed as error:
            raise exception.InstancePowerOffFailure(reason=error.format_message())

    def power_on(self, context: Any, instance: Any, network_info: Any, block_device_info: Any = None,
                 accel_info: Any = None, share_info: Any = None) -> None:
        """Start the container (unpause it if it was paused)."""
        container = self._existing(instance)
        try:
            if self._paused(container):
                self.docker.call('unpause the container', 'unpause', container['Id'])
            elif not self._running(container):
                self.docker.call('start the container', 'start', container['Id'])
        except docker_client.DockerOperationFailed as error:
            raise exception.InstancePowerOnFailure(reason=error.format_message())

    def resume_state_on_host_boot(self, context: Any, instance: Any, network_info: Any,
                                  share_info: Any, block_device_info: Any = None) -> None:
        """After a host/daemon restart, start containers Nova believes running."""
        self.power_on(context, instance, network_info, block_device_info)

    def pause(self, instance: Any) -> None:
        """docker pause (the cgroup freezer); a paused container stays as it is."""
        container = self._existing(instance)
        if not self._paused(container):
            self.docker.call('pause the container', 'pause', container['Id'])

    def unpause(self, instance: Any) -> None:
        """docker unpause; a container that is not paused stays as it is."""
        container = self._existing(instance)
        if self._paused(container):
            self.docker.call('unpause the container', 'unpause', container['Id'])

    def suspend(self, context: Any, instance: Any) -> None:
        """Suspend = docker pause (see the module docstring)."""
        container = self._existing(instance)
        if self._paused(container):
            return
        if not self._running(container):
            raise exception.InstanceSuspendFailure(reason='the container is not running')
        try:
            self.docker.call('pause the container', 'pause', container['Id'])
        except docker_client.DockerOperationFailed as error:
            raise exception.InstanceSuspendFailure(reason=error.format_message())

    def resume(self, context: Any, instance: Any, network_info: Any, block_device_info: Any = None,
               share_info: Any = None) -> None:
        """Resume = docker unpause (or start, if the container stopped meanwhile)."""
        try:
            self.power_on(context, instance, network_info, block_device_info)
        except exception.InstancePowerOnFailure as error:
            raise exception.InstanceResumeFailure(reason=error.kwargs.get('reason'))

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

    # -- diagnostics, refusals ------------------------------------------------------------------
    def get_diagnostics(self, instance: Any) -> dict[str, int]:
        """Nova's pre-2.48 diagnostics dict from Docker's stats (nova_docker.diagnostics)."""
        container = self._existing(instance)
        return docker_diagnostics.legacy(docker_diagnostics.container_stats(self.docker, container['Id']))

    def get_instance_diagnostics(self, instance: Any) -> Any:
        """Nova's Diagnostics object from Docker's stats (nova_docker.diagnostics)."""
        container = self._existing(instance)
        return docker_diagnostics.instance_diagnostics(
            container, docker_diagnostics.container_stats(self.docker, container['Id']),
            containers.power_state_of(container, instance))

    def get_host_cpu_stats(self) -> dict[str, int]:
        """This host's CPU times and frequency (nova_docker.diagnostics)."""
        return docker_diagnostics.host_cpu_stats()

    def poll_rebooting_instances(self, timeout: int, instances: Any) -> None:
        """Nothing to poll: reboot returns once Docker has restarted the container."""

    def check_can_live_migrate_destination(self, context: Any, instance: Any, src_compute_info: Any,
                                           dst_compute_info: Any, block_migration: bool = False,
                                           disk_over_commit: bool = False) -> Any:
        """Refused before anything starts: a running process cannot move between Docker hosts."""
        raise exception.MigrationPreCheckError(reason=docker_diagnostics.NO_LIVE_MIGRATION)

    def check_can_live_migrate_source(self, context: Any, instance: Any, dest_check_data: Any,
                                      block_device_info: Any = None) -> Any:
        """Refused, see check_can_live_migrate_destination."""
        raise exception.MigrationPreCheckError(reason=docker_diagnostics.NO_LIVE_MIGRATION)

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
