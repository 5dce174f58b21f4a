"""What every configured Docker host says of itself: `docker info`, `docker version`, `docker system df`.

For the admin Docker Hosts panel. A host that does not answer is a report that says so (state
'unreachable' or 'error'), never an exception: health is what the panel shows. All hosts are asked
in parallel, each call bounded by the configured timeout, so a dead host costs one timeout in total.
"""
from __future__ import annotations

import concurrent.futures
import time
from dataclasses import dataclass
from dataclasses import field
from typing import Any, Mapping

from docker_dashboard import conf
from docker_dashboard import exceptions
from docker_dashboard.api.client import docker_client
from docker_dashboard.api.client import docker_errors

STATE_UP = 'up'
STATE_UNREACHABLE = 'unreachable'
STATE_ERROR = 'error'


@dataclass(frozen=True)
class DiskUsage:
    """`docker system df` summed up: bytes Docker uses in its data root, by kind."""

    images: int
    images_count: int
    images_active: int
    containers: int
    containers_count: int
    volumes: int
    volumes_count: int
    build_cache: int

    @property
    def total(self) -> int:
        return self.images + self.containers + self.volumes + self.build_cache

    @classmethod
    def from_df(cls, df: Mapping[str, Any]) -> 'DiskUsage':
        images = df.get('Images') or []
        containers = df.get('Containers') or []
        volumes = df.get('Volumes') or []
        # Image sizes overlap (shared layers): LayersSize is the real total on disk.
        volume_sizes = [((v.get('UsageData') or {}).get('Size') or 0) for v in volumes]
        return cls(images=int(df.get('LayersSize') or 0), images_count=len(images),
                   images_active=sum(1 for i in images if (i.get('Containers') or 0) > 0),
                   containers=sum(int(c.get('SizeRw') or 0) for c in containers),
                   containers_count=len(containers),
                   volumes=sum(max(int(size), 0) for size in volume_sizes), volumes_count=len(volumes),
                   build_cache=sum(int(b.get('Size') or 0) for b in df.get('BuildCache') or []))


@dataclass(frozen=True)
class HostReport:
    """One configured Docker host as the admin sees it.

    `state` is 'up', 'unreachable' (no answer within the timeout, refused, TLS failure) or 'error'
    (the daemon answered an error); `error` is then a user-safe message (no daemon URL).
    `containers` and `images` are the rows of `docker system df` (None when df failed on an up host).
    """

    name: str
    state: str
    tls: bool
    error: str = ''
    latency_ms: float | None = None
    version: Mapping[str, Any] = field(default_factory=dict)
    info: Mapping[str, Any] = field(default_factory=dict)
    disk: DiskUsage | None = None
    disk_error: str = ''
    containers: list | None = None
    images: list | None = None

    @property
    def up(self) -> bool:
        return self.state == STATE_UP


def _report(host: conf.HostSettings, with_disk: bool) -> HostReport:
    client = docker_client(host.name)
    tls = bool(host.tls)
    started = time.monotonic()
    try:
        with docker_errors(host.name):
            version = client.version(api_version=False)
        latency_ms = round((time.monotonic() - started) * 1000, 1)
        with docker_errors(host.name):
            info = client.info()
    except exceptions.DockerHostUnreachable as error:
        return HostReport(name=host.name, state=STATE_UNREACHABLE, tls=tls, error=str(error))
    except exceptions.DockerDashboardError as error:
        return HostReport(name=host.name, state=STATE_ERROR, tls=tls, error=str(error))
    report = dict(name=host.name, state=STATE_UP, tls=tls, latency_ms=latency_ms, version=version, info=info)
    if with_disk:
        try:
            with docker_errors(host.name):
                df = client.df()
        except exceptions.DockerDashboardError as error:
            # The host answered version and info: it is up, only its disk figures are unknown.
            report['disk_error'] = str(error)
        else:
            report.update(disk=DiskUsage.from_df(df), containers=list(df.get('Containers') or []),
                          images=list(df.get('Images') or []))
    return HostReport(**report)


def host_report(host_name: str, *, with_disk: bool = True) -> HostReport:
    """The report of one configured host. Raises HostNotResolved for a name not in the settings."""
    host = conf.get_settings().hosts.get(host_name)
    if host is None:
        raise exceptions.HostNotResolved()
    return _report(host, with_disk)


def host_reports(*, with_disk: bool = True) -> list:
    """Reports of every configured host, sorted by name, all hosts asked in parallel."""
    hosts = sorted(conf.get_settings().hosts.values(), key=lambda host: host.name)
    if not hosts:
        return []
    with concurrent.futures.ThreadPoolExecutor(max_workers=min(len(hosts), 16)) as pool:
        return list(pool.map(lambda host: _report(host, with_disk), hosts))
