"""Nova's driver contract with a real dockerd: get_info of a missing container, idempotent power
actions, diagnostics from Docker's stats, and live migration refused up front."""
from __future__ import annotations

import pytest
from tests.driver.driver_helpers import spawn

from nova import exception
from nova.compute import power_state
from nova.objects import diagnostics as diagnostics_obj

from nova_docker import containers

pytestmark = pytest.mark.docker


def started_at(docker_cli, instance):
    return docker_cli.inspect_container(containers.container_name(instance.uuid))['State']['StartedAt']


def test_get_info_of_an_instance_without_container_raises_instance_not_found(drv, ctx, app_image,
                                                                              docker_cli):
    instance = spawn(drv, ctx, app_image)
    docker_cli.remove_container(containers.container_name(instance.uuid), force=True)
    # Nova's compute manager (_get_power_state, the power-state sync) turns exactly this into NOSTATE.
    with pytest.raises(exception.InstanceNotFound):
        drv.get_info(instance)


def test_power_actions_are_idempotent(drv, ctx, app_image, docker_cli):
    instance = spawn(drv, ctx, app_image)
    first_start = started_at(docker_cli, instance)
    drv.unpause(instance)  # running: nothing to do
    drv.power_on(ctx, instance, [])
    drv.resume(ctx, instance, [])
    assert drv.get_info(instance).state == power_state.RUNNING
    assert started_at(docker_cli, instance) == first_start  # never restarted
    drv.pause(instance)
    drv.pause(instance)  # paused already
    drv.suspend(ctx, instance)  # suspend is pause: already done
    assert drv.get_info(instance).state == power_state.PAUSED
    drv.unpause(instance)
    drv.unpause(instance)
    assert drv.get_info(instance).state == power_state.RUNNING
    drv.power_off(instance, timeout=5)
    drv.power_off(instance, timeout=5)
    assert drv.get_info(instance).state == power_state.SHUTDOWN
    with pytest.raises(exception.InstanceSuspendFailure):
        drv.suspend(ctx, instance)  # a stopped container cannot be suspended: no silent success


def test_instance_diagnostics_come_from_docker_stats(drv, ctx, app_image, docker_cli):
    # 8 MiB in /dev/shm (tmpfs): memory the container uses that is no reclaimable file cache.
    instance = spawn(drv, ctx, app_image, memory_mb=96,
                     metadata={'docker_command': 'sh -c "dd if=/dev/zero of=/dev/shm/f bs=1M count=8;'
                                                 ' exec sleep 3600"'})
    diags = drv.get_instance_diagnostics(instance)
    assert isinstance(diags, diagnostics_obj.Diagnostics)
    assert diags.state == 'running' and diags.hypervisor == 'docker' and not diags.config_drive
    assert diags.memory_details.maximum == 96
    assert 8 <= diags.memory_details.used <= 96
    assert diags.num_cpus >= 1 and sum(cpu.time for cpu in diags.cpu_details) > 0
    assert diags.uptime is not None and 0 <= diags.uptime < 60
    assert diags.nic_details == []  # booted without Neutron ports: network mode none
    primitive = diags.obj_to_primitive()  # what travels to nova-api over RPC
    assert diagnostics_obj.Diagnostics.obj_from_primitive(primitive).memory_details.maximum == 96

    flat = drv.get_diagnostics(instance)
    assert flat['memory'] == 96 * 1024 and flat['cpu0_time'] > 0 and 'memory-used' in flat


def test_diagnostics_of_a_missing_container(drv, ctx, app_image, docker_cli):
    instance = spawn(drv, ctx, app_image)
    docker_cli.remove_container(containers.container_name(instance.uuid), force=True)
    with pytest.raises(exception.InstanceNotFound):
        drv.get_instance_diagnostics(instance)


def test_host_cpu_stats(drv):
    stats = drv.get_host_cpu_stats()
    assert set(stats) == {'kernel', 'idle', 'user', 'iowait', 'frequency'}
    assert stats['user'] > 0 and stats['idle'] > 0


def test_live_migration_is_refused_before_it_starts(drv, ctx, app_image):
    instance = spawn(drv, ctx, app_image)
    with pytest.raises(exception.MigrationPreCheckError) as caught:
        drv.check_can_live_migrate_destination(ctx, instance, {}, {})
    assert 'cannot live-migrate' in caught.value.format_message()
    with pytest.raises(exception.MigrationPreCheckError):
        drv.check_can_live_migrate_source(ctx, instance, {})
    assert drv.get_info(instance).state == power_state.RUNNING


def test_diagnostics_of_cgroup_v2_stats_with_a_network():
    """The stats shape of a cgroup v2 host (no per-CPU times, no request counts) with one network."""
    from nova_docker import diagnostics
    stats = {'cpu_stats': {'cpu_usage': {'total_usage': 5_000_000}},
             'memory_stats': {'usage': 20 * 1024 ** 2, 'limit': 64 * 1024 ** 2,
                              'stats': {'inactive_file': 4 * 1024 ** 2}},
             'networks': {'eth0': {'rx_bytes': 10, 'rx_packets': 1, 'rx_errors': 0, 'rx_dropped': 0,
                                   'tx_bytes': 20, 'tx_packets': 2, 'tx_errors': 0, 'tx_dropped': 0}},
             'blkio_stats': {'io_service_bytes_recursive': [
                 {'major': 8, 'minor': 0, 'op': 'read', 'value': 4096},
                 {'major': 8, 'minor': 0, 'op': 'write', 'value': 8192}],
                 'io_serviced_recursive': None}}
    container = {'State': {'StartedAt': '2026-01-01T00:00:00.123456789Z'},
                 'NetworkSettings': {'Networks': {'neutron-x': {'MacAddress': 'fa:16:3e:00:00:01'}}}}
    diags = diagnostics.instance_diagnostics(container, stats, power_state.RUNNING)
    assert [(cpu.id, cpu.time) for cpu in diags.cpu_details] == [(0, 5_000_000)]
    assert (diags.memory_details.maximum, diags.memory_details.used) == (64, 16)
    assert diags.nic_details[0].mac_address == 'fa:16:3e:00:00:01'
    assert (diags.nic_details[0].rx_octets, diags.nic_details[0].tx_packets) == (10, 2)
    disk = diags.disk_details[0]
    assert (disk.read_bytes, disk.write_bytes, disk.read_requests, disk.write_requests) == \
        (4096, 8192, None, None)
    assert diags.uptime > 0
    flat = diagnostics.legacy(stats)
    assert flat['cpu0_time'] == 5_000_000 and flat['eth0_tx'] == 20
    assert flat['8:0_read_bytes'] == 4096 and '8:0_read_requests' not in flat
