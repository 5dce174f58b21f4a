"""The Docker driver's power actions, each idempotent (an action already done succeeds quietly):
power_off = docker stop (Nova's graceful timeout, then SIGKILL); power_on = start (or unpause);
soft reboot = docker restart ([docker] soft_reboot_timeout); hard reboot = kill + start;
pause/unpause = docker pause/unpause; suspend/resume = pause/unpause too (Docker cannot checkpoint to
disk without experimental CRIU, so a suspended container keeps its memory).

A mixin of nova_docker.driver.DockerDriver (which provides ``self.docker``, ``self._existing``,
``self._running`` and ``self._paused``).
"""
from __future__ import annotations

from typing import Any

from nova import exception

from nova_docker import client as docker_client
from nova_docker import conf as docker_conf

CONF = docker_conf.CONF


class PowerMixin:
    """Reboot, power off/on, pause/unpause, suspend/resume of the Docker driver."""

    docker: Any
    _existing: Any
    _running: Any
    _paused: Any

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
