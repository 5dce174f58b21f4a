"""The Docker driver's host side: nodes, resources and Placement inventory read from ``docker info``,
diagnostics from Docker's stats, and the refusals of what a container cannot do (live migration).

A mixin of nova_docker.driver.DockerDriver (which provides ``self.docker`` and ``self._existing``).
"""
from __future__ import annotations

import json
import os
import re
from typing import Any

import os_resource_classes as orc
from oslo_utils import versionutils

from nova import exception
from nova.objects import fields as obj_fields

from nova_docker import conf as docker_conf
from nova_docker import containers
from nova_docker import diagnostics as docker_diagnostics

CONF = docker_conf.CONF
GiB = 1024 ** 3
MiB = 1024 ** 2


class HostMixin:
    """Host facts, inventory, diagnostics and live-migration refusals of the Docker driver."""

    docker: Any

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
