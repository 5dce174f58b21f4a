"""Nova's diagnostics of a container (``nova diagnostics``, admin) and the host's CPU times, from Docker's
one-shot stats (``GET /containers/{id}/stats?stream=false&one-shot=true``: no 1 s sampling wait).

What Docker measures, in Nova's terms: CPU time (ns) per CPU the cgroup reports (cgroup v1 lists each
CPU; v2 only the total, reported as cpu 0), memory limit and use in MiB (use without the inactive page
cache, as ``docker stats`` shows it), each network interface's counters (Docker names them eth0, ...)
and each block device's bytes and requests (v2 counts no requests: left empty).
Nova's diagnostics object only accepts its own driver names, none of which is a container engine:
``driver`` reads ``libvirt`` (the nearest: Linux and cgroups) and ``hypervisor`` says ``docker``.
Also the reason the driver gives when Nova asks whether a container can be live-migrated (it cannot).
"""
from __future__ import annotations

import datetime
import os
from typing import Any

from oslo_utils import timeutils

from nova.compute import power_state
from nova.objects import diagnostics as diagnostics_obj
from nova.objects import fields as obj_fields

from nova_docker import client as docker_client

MiB = 1024 ** 2
# Nova's MigrationPreCheckError reason when live migration is asked for (the driver refuses it).
NO_LIVE_MIGRATION = ('the Docker driver cannot live-migrate: a running container keeps its processes '
                     'and memory on its host; use cold migration (openstack server migrate)')
NIC_COUNTERS = ('rx_bytes', 'rx_packets', 'rx_errors', 'rx_dropped',
                'tx_bytes', 'tx_packets', 'tx_errors', 'tx_dropped')


def container_stats(docker: docker_client.DockerAPI, container_id: str) -> dict[str, Any]:
    """One sample of the container's statistics (Docker's own read timeout bounds the call)."""
    return docker.call('read the container statistics', 'stats', container_id,
                       decode=False, stream=False, one_shot=True) or {}


def cpu_times(stats: dict[str, Any]) -> list[int]:
    """CPU time in ns per CPU (cgroup v1), or the total as one entry (cgroup v2)."""
    usage = (stats.get('cpu_stats') or {}).get('cpu_usage') or {}
    per_cpu = [int(value) for value in usage.get('percpu_usage') or []]
    return per_cpu or [int(usage.get('total_usage') or 0)]


def memory_mib(stats: dict[str, Any]) -> tuple[int, int]:
    """(limit, used) in MiB; used leaves out inactive page cache, as ``docker stats`` does."""
    memory = stats.get('memory_stats') or {}
    detail = memory.get('stats') or {}
    inactive = detail.get('total_inactive_file', detail.get('inactive_file', 0))
    used = max(0, int(memory.get('usage') or 0) - int(inactive or 0))
    return int(memory.get('limit') or 0) // MiB, used // MiB


def nics(stats: dict[str, Any]) -> dict[str, dict[str, int]]:
    """Counters per network interface, by interface name (sorted)."""
    networks = stats.get('networks') or {}
    return {name: {key: int(networks[name].get(key) or 0) for key in NIC_COUNTERS}
            for name in sorted(networks)}


def disks(stats: dict[str, Any]) -> dict[str, dict[str, int | None]]:
    """Bytes and requests read and written per block device ("major:minor")."""
    blkio = stats.get('blkio_stats') or {}
    found: dict[str, dict[str, int | None]] = {}
    for source, unit in (('io_service_bytes_recursive', 'bytes'), ('io_serviced_recursive', 'requests')):
        for row in blkio.get(source) or []:
            op = str(row.get('op', '')).lower()
            if op not in ('read', 'write'):
                continue
            device = found.setdefault(f"{row.get('major')}:{row.get('minor')}",
                                      {'read_bytes': 0, 'write_bytes': 0,
                                       'read_requests': None, 'write_requests': None})
            key = f'{op}_{unit}'
            device[key] = (device[key] or 0) + int(row.get('value') or 0)
    return dict(sorted(found.items()))


def uptime_seconds(container: dict[str, Any]) -> int | None:
    """Seconds since the container's process started (None if it never did)."""
    started = (container.get('State') or {}).get('StartedAt') or ''
    if not started or started.startswith('0001-'):
        return None
    # Docker writes nanoseconds; Python parses at most microseconds.
    stamp = started.rstrip('Z').split('.')
    fraction = stamp[1][:6] if len(stamp) > 1 else '0'
    begun = datetime.datetime.fromisoformat(f'{stamp[0]}.{fraction}')
    return max(0, int(timeutils.delta_seconds(begun, timeutils.utcnow())))


def single_mac(container: dict[str, Any]) -> str | None:
    """The MAC address when the container has exactly one network (Docker's stats name interfaces,
    not networks, so with several the pairing is unknown)."""
    networks = (container.get('NetworkSettings') or {}).get('Networks') or {}
    macs = [net.get('MacAddress') for net in networks.values() if net.get('MacAddress')]
    return macs[0] if len(macs) == 1 else None


def legacy(stats: dict[str, Any]) -> dict[str, int]:
    """The flat dict of Nova's pre-2.48 diagnostics API, keyed as the libvirt driver keys it."""
    output: dict[str, int] = {}
    for number, time_ns in enumerate(cpu_times(stats)):
        output[f'cpu{number}_time'] = time_ns
    for name, counters in nics(stats).items():
        output.update({f'{name}_rx': counters['rx_bytes'], f'{name}_rx_packets': counters['rx_packets'],
                       f'{name}_rx_errors': counters['rx_errors'], f'{name}_rx_drop': counters['rx_dropped'],
                       f'{name}_tx': counters['tx_bytes'], f'{name}_tx_packets': counters['tx_packets'],
                       f'{name}_tx_errors': counters['tx_errors'], f'{name}_tx_drop': counters['tx_dropped']})
    for device, io in disks(stats).items():
        for key, value in io.items():
            if value is not None:
                output[f'{device}_{key}'] = value
    limit, used = memory_mib(stats)
    output['memory'] = limit * 1024  # KiB, as libvirt's maxMemory()
    output['memory-used'] = used * 1024
    return output


def instance_diagnostics(container: dict[str, Any], stats: dict[str, Any],
                         state: int) -> diagnostics_obj.Diagnostics:
    """Nova's Diagnostics object (API microversion 2.48 and later)."""
    diags = diagnostics_obj.Diagnostics(
        state=power_state.STATE_MAP[state], driver=obj_fields.HypervisorDriver.LIBVIRT,
        hypervisor='docker', hypervisor_os='linux', uptime=uptime_seconds(container),
        config_drive=False)
    limit, used = memory_mib(stats)
    diags.memory_details = diagnostics_obj.MemoryDiagnostics(maximum=limit, used=used)
    for number, time_ns in enumerate(cpu_times(stats)):
        diags.add_cpu(id=number, time=time_ns)
    mac = single_mac(container)
    for counters in nics(stats).values():
        diags.add_nic(mac_address=mac, rx_octets=counters['rx_bytes'], rx_errors=counters['rx_errors'],
                      rx_drop=counters['rx_dropped'], rx_packets=counters['rx_packets'],
                      tx_octets=counters['tx_bytes'], tx_errors=counters['tx_errors'],
                      tx_drop=counters['tx_dropped'], tx_packets=counters['tx_packets'])
    for io in disks(stats).values():
        diags.add_disk(read_bytes=io['read_bytes'], read_requests=io['read_requests'],
                       write_bytes=io['write_bytes'], write_requests=io['write_requests'])
    return diags


def host_cpu_stats(proc: str = '/proc') -> dict[str, int]:
    """This host's CPU times in ns since boot (kernel, idle, user, iowait) and its frequency in MHz,
    the keys Nova's libvirt driver reports. nova-compute runs on the Docker host it drives."""
    with open(os.path.join(proc, 'stat')) as handle:
        fields = handle.readline().split()
    # cpu  user nice system idle iowait irq softirq ... in clock ticks
    ticks = [int(value) for value in fields[1:8]]
    ns_per_tick = 10 ** 9 // os.sysconf('SC_CLK_TCK')
    stats = {'user': (ticks[0] + ticks[1]) * ns_per_tick,
             'kernel': (ticks[2] + ticks[5] + ticks[6]) * ns_per_tick,
             'idle': ticks[3] * ns_per_tick, 'iowait': ticks[4] * ns_per_tick, 'frequency': 0}
    try:
        with open(os.path.join(proc, 'cpuinfo')) as handle:
            for line in handle:
                if line.lower().startswith('cpu mhz'):
                    stats['frequency'] = int(float(line.split(':', 1)[1]))
                    break
    except (OSError, ValueError):
        pass  # no frequency on this architecture: 0, as libvirt reports an unknown one
    return stats
