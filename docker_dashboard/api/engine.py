"""Facts about a Docker host itself (for the admin Docker Hosts panel and health checks)."""
from __future__ import annotations

import concurrent.futures
import time
from dataclasses import dataclass

from docker_dashboard import conf
from docker_dashboard import exceptions

from docker_dashboard.api.client import docker_client
from docker_dashboard.api.client import docker_errors


def engine_info(host: str) -> dict:
    """`docker info` of a configured host."""
    client = docker_client(host)
    with docker_errors(host):
        return client.info()


def engine_version(host: str) -> dict:
    """`docker version` of a configured host (Version, ApiVersion, Os, Arch, KernelVersion...)."""
    client = docker_client(host)
    with docker_errors(host):
        return client.version(api_version=False)


@dataclass(frozen=True)
class HostHealth:
    """One configured host as the admin sees it; `state` is 'up' or 'unreachable'/'error'."""

    name: str
    state: str
    version: str = ''
    api_version: str = ''
    tls: bool = False
    latency_ms: float | None = None


def _health(host: conf.HostSettings) -> HostHealth:
    started = time.monotonic()
    try:
        version = engine_version(host.name)
    except exceptions.DockerHostUnreachable:
        return HostHealth(name=host.name, state='unreachable', tls=bool(host.tls))
    except exceptions.DockerDashboardError:
        return HostHealth(name=host.name, state='error', tls=bool(host.tls))
    return HostHealth(name=host.name, state='up', version=version.get('Version', ''),
                      api_version=version.get('ApiVersion', ''), tls=bool(host.tls),
                      latency_ms=round((time.monotonic() - started) * 1000, 1))


def hosts_health() -> list:
    """Health of every configured host, all queried in parallel (each bounded by the timeout)."""
    hosts = list(conf.get_settings().hosts.values())
    if not hosts:
        return []
    with concurrent.futures.ThreadPoolExecutor(max_workers=min(len(hosts), 16)) as pool:
        return list(pool.map(_health, hosts))
