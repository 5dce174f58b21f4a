"""Resource usage of a container from its host's stats API: CPU, memory, network, block I/O, PIDs.

One sample = two consecutive objects of Docker's stats stream (about a second apart), read with a
byte bound and a time bound, then the connection is closed. CPU % comes from the second object's
cpu_stats/precpu_stats deltas the way `docker stats` computes it; network and block rates from the
difference of the two objects' counters over the time between them. Memory excludes the page
cache the way `docker stats` does, on cgroup v1 (total_inactive_file) and v2 (inactive_file).
"""
from __future__ import annotations

import concurrent.futures
import json
import logging
import re
import time
from calendar import timegm
from dataclasses import asdict
from dataclasses import dataclass
from typing import Any, Mapping

from docker_dashboard import conf
from docker_dashboard import exceptions
from docker_dashboard.api.client import CONNECTION_ERRORS
from docker_dashboard.api.client import docker_client
from docker_dashboard.api.client import docker_errors
from docker_dashboard.api.containers import ServerContainer
from docker_dashboard.api.response_body import close_response

LOG = logging.getLogger(__name__)

# A stats object is a few KiB (more with many CPUs or networks); more than this is not a stats stream.
MAX_STATS_BYTES = 1024 * 1024
READ_SIZE = 16384
_READ_TIME = re.compile(r'^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$')


@dataclass(frozen=True)
class StatsSample:
    """What a container used around `time` (epoch seconds of Docker's later reading)."""

    time: float
    cpu_percent: float           # like `docker stats`: 100 = one CPU fully busy
    online_cpus: int
    cpu_limit: float | None      # CPUs the container may use (quota, nano CPUs or cpuset), None = all
    memory_used: int             # bytes, page cache excluded
    memory_limit: int            # bytes (the host's memory when the container has no limit)
    memory_percent: float
    net_rx_rate: float           # bytes per second, all interfaces
    net_tx_rate: float
    net_rx_total: int
    net_tx_total: int
    block_read_rate: float       # bytes per second
    block_write_rate: float
    block_read_total: int
    block_write_total: int
    pids: int

    def as_dict(self) -> dict:
        return asdict(self)


def read_time(value: str | None) -> float | None:
    """Docker's RFC 3339 `read` time (nanoseconds) as epoch seconds; None for the zero time or garbage."""
    match = _READ_TIME.match(value or '')
    if not match or match.group(1) == '0001':
        return None
    seconds = timegm(tuple(int(match.group(i)) for i in range(1, 7)) + (0, 0, 0))
    zone = match.group(8)
    if zone != 'Z':
        sign = 1 if zone[0] == '+' else -1
        seconds -= sign * (int(zone[1:3]) * 3600 + int(zone[4:6]) * 60)
    return seconds + int((match.group(7) or '0').ljust(9, '0')) / 1e9


def online_cpus(stats: Mapping[str, Any]) -> int:
    cpu = stats.get('cpu_stats') or {}
    count = cpu.get('online_cpus') or len((cpu.get('cpu_usage') or {}).get('percpu_usage') or ())
    return int(count or 1)


def cpu_percent(stats: Mapping[str, Any]) -> float:
    """CPU % between precpu_stats and cpu_stats, as `docker stats` computes it (100 = one CPU)."""
    cpu, precpu = stats.get('cpu_stats') or {}, stats.get('precpu_stats') or {}
    used = (cpu.get('cpu_usage') or {}).get('total_usage', 0) - (precpu.get('cpu_usage') or {}).get('total_usage', 0)
    system = (cpu.get('system_cpu_usage') or 0) - (precpu.get('system_cpu_usage') or 0)
    if used <= 0 or system <= 0 or not precpu.get('system_cpu_usage'):
        return 0.0
    return used / system * online_cpus(stats) * 100.0


def cpu_limit(host_config: Mapping[str, Any] | None, cpus: int) -> float | None:
    """How many CPUs the container may use by its limits (NanoCpus, CpuQuota/CpuPeriod, CpusetCpus)."""
    host_config = host_config or {}
    limits = []
    if host_config.get('NanoCpus'):
        limits.append(host_config['NanoCpus'] / 1e9)
    if (host_config.get('CpuQuota') or 0) > 0:
        limits.append(host_config['CpuQuota'] / (host_config.get('CpuPeriod') or 100000))
    cpuset = host_config.get('CpusetCpus') or ''
    if cpuset:
        count = 0
        for part in cpuset.split(','):
            low, _sep, high = part.partition('-')
            count += int(high) - int(low) + 1 if high else 1
        limits.append(float(count))
    limit = min(limits) if limits else None
    return limit if limit is not None and limit < cpus else None


def memory_used(stats: Mapping[str, Any]) -> int:
    """Memory usage without the reclaimable page cache (`docker stats`' calculateMemUsageUnixNoCache)."""
    memory = stats.get('memory_stats') or {}
    usage = memory.get('usage') or 0
    detail = memory.get('stats') or {}
    if 'total_inactive_file' in detail:          # cgroup v1
        inactive = detail['total_inactive_file']
    else:                                         # cgroup v2
        inactive = detail.get('inactive_file', 0)
    return usage - inactive if inactive < usage else usage


def network_totals(stats: Mapping[str, Any]) -> tuple:
    """(received, sent) bytes over all interfaces; (0, 0) for a container without a network."""
    networks = (stats.get('networks') or {}).values()
    return (sum(n.get('rx_bytes', 0) for n in networks), sum(n.get('tx_bytes', 0) for n in networks))


def block_totals(stats: Mapping[str, Any]) -> tuple:
    """(read, written) bytes of block I/O (cgroup v1 says Read/Write, v2 read/write)."""
    entries = (stats.get('blkio_stats') or {}).get('io_service_bytes_recursive') or ()
    read = sum(e.get('value', 0) for e in entries if str(e.get('op', '')).lower() == 'read')
    written = sum(e.get('value', 0) for e in entries if str(e.get('op', '')).lower() == 'write')
    return read, written


def rate(before: int, after: int, seconds: float) -> float:
    """Bytes per second between two counter readings; a counter that went back (restart) gives 0."""
    if seconds <= 0 or after < before:
        return 0.0
    return (after - before) / seconds


def sample_from(first: Mapping[str, Any], second: Mapping[str, Any],
                host_config: Mapping[str, Any] | None = None) -> StatsSample:
    """A StatsSample from two consecutive stats objects (rates between them, CPU from the second)."""
    start, end = read_time(first.get('read')), read_time(second.get('read'))
    if end is None:
        raise exceptions.ContainerNotRunning()
    seconds = end - start if start is not None else 0.0
    cpus = online_cpus(second)
    used = memory_used(second)
    limit = (second.get('memory_stats') or {}).get('limit') or 0
    (rx0, tx0), (rx1, tx1) = network_totals(first), network_totals(second)
    (read0, write0), (read1, write1) = block_totals(first), block_totals(second)
    return StatsSample(
        time=end, cpu_percent=round(cpu_percent(second), 2), online_cpus=cpus,
        cpu_limit=cpu_limit(host_config, cpus), memory_used=used, memory_limit=limit,
        memory_percent=round(used / limit * 100.0, 2) if limit else 0.0,
        net_rx_rate=round(rate(rx0, rx1, seconds), 1), net_tx_rate=round(rate(tx0, tx1, seconds), 1),
        net_rx_total=rx1, net_tx_total=tx1,
        block_read_rate=round(rate(read0, read1, seconds), 1),
        block_write_rate=round(rate(write0, write1, seconds), 1),
        block_read_total=read1, block_write_total=write1,
        pids=int((second.get('pids_stats') or {}).get('current') or 0))


def read_stats_objects(response: Any, count: int, *, deadline: float, host: str) -> list:
    """Up to `count` JSON objects from a stats stream (one per line), bounded in bytes and time."""
    objects: list = []
    buffer = b''
    received = 0
    while len(objects) < count:
        if time.monotonic() > deadline:
            raise exceptions.DockerHostUnreachable()
        try:
            chunk = response.raw.read1(READ_SIZE)
        except CONNECTION_ERRORS + (OSError, ValueError, AttributeError):
            LOG.warning('Docker host %s: stats stream broken', host)
            raise exceptions.DockerHostUnreachable() from None
        if not chunk:
            break
        received += len(chunk)
        if received > MAX_STATS_BYTES:
            raise exceptions.DockerHostError('The Docker host sent more statistics than expected.')
        buffer += chunk
        while b'\n' in buffer and len(objects) < count:
            line, buffer = buffer.split(b'\n', 1)
            if line.strip():
                try:
                    objects.append(json.loads(line))
                except ValueError:
                    raise exceptions.DockerHostError('The Docker host sent statistics that cannot be read.')
    return objects


def container_stats(container: ServerContainer) -> StatsSample:
    """One sample of `container`'s usage (about a second of Docker's stats stream).

    Raises ContainerNotRunning when the container is not running, DockerHostUnreachable when the
    host does not answer within the configured timeout, ContainerNotFound or DockerHostError.
    """
    timeout = conf.get_settings().timeout
    client = docker_client(container.host)
    with docker_errors(container.host, exceptions.ContainerNotFound):
        response = client._get(client._url('/containers/{0}/stats', container.id),
                               params={'stream': True}, stream=True)
        client._raise_for_status(response)
    try:
        # Docker sends an object every second: two of them take a second, plus the usual timeout.
        objects = read_stats_objects(response, 2, deadline=time.monotonic() + 1 + timeout, host=container.host)
    finally:
        close_response(client, response)
    if len(objects) < 2:
        raise exceptions.ContainerNotRunning()
    return sample_from(objects[0], objects[1], container.attrs.get('HostConfig'))


MAX_PARALLEL_SAMPLES = 8


def stats_for_containers(containers: list) -> dict:
    """server id -> StatsSample, or the DockerDashboardError that says why there is none.

    Docker has no call that samples several containers, so this opens one bounded stats stream per
    container, at most MAX_PARALLEL_SAMPLES at a time (one to two seconds per batch). Once a host
    proved unreachable, its remaining containers are not tried: a dead host costs one timeout (two
    when live hosts' samples free workers before it failed), not one per row or per batch.
    """
    unreachable: dict = {}

    def sample_or_error(container: ServerContainer) -> tuple:
        if container.host in unreachable:
            return container.server_id, unreachable[container.host]
        try:
            return container.server_id, container_stats(container)
        except exceptions.DockerHostUnreachable as error:
            unreachable[container.host] = error
            return container.server_id, error
        except exceptions.DockerDashboardError as error:
            return container.server_id, error

    if not containers:
        return {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=min(len(containers), MAX_PARALLEL_SAMPLES)) as pool:
        return dict(pool.map(sample_or_error, containers))
