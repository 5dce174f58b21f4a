"""nova_docker: a Nova virt driver that runs instances as Docker containers.

Loaded by nova-compute as ``nova.virt.docker`` (see nova_docker.cmd.compute), so
``compute_driver = docker.DockerDriver`` resolves to :class:`nova_docker.driver.DockerDriver`.
The driver is imported lazily: the launcher imports this package before nova's monkey patching.
"""
from __future__ import annotations

from typing import Any

__all__ = ['DockerDriver']


def __getattr__(name: str) -> Any:
    if name == 'DockerDriver':
        from nova_docker.driver import DockerDriver
        return DockerDriver
    raise AttributeError(f'module {__name__!r} has no attribute {name!r}')
