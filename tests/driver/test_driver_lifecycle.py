"""Power operations, pause/suspend, reboot, destroy, vanished containers, nova-compute restarts."""
from __future__ import annotations

import pytest
from tests.driver.driver_helpers import spawn

from nova import exception
from nova.compute import power_state, task_states, vm_states

from nova_docker import containers

pytestmark = pytest.mark.docker


def state(docker_cli, instance):
    return docker_cli.inspect_container(containers.container_name(instance.uuid))['State']


def test_power_off_and_on(drv, ctx, app_image, docker_cli):
    instance = spawn(drv, ctx, app_image)
    drv.power_off(instance, timeout=10)
    assert state(docker_cli, instance)['Status'] == 'exited'
    assert drv.get_info(instance).state == power_state.SHUTDOWN
    drv.power_off(instance, timeout=10)  # already off: no error
    drv.power_on(ctx, instance, network_info=[])
    assert state(docker_cli, instance)['Running'] is True
    assert drv.get_info(instance).state == power_state.RUNNING


def test_pause_unpause_and_suspend_resume(drv, ctx, app_image, docker_cli):
    instance = spawn(drv, ctx, app_image)
    drv.pause(instance)
    assert state(docker_cli, instance)['Paused'] is True
    assert drv.get_info(instance).state == power_state.PAUSED
    drv.unpause(instance)
    assert state(docker_cli, instance)['Paused'] is False
    assert drv.get_info(instance).state == power_state.RUNNING

    instance.task_state = task_states.SUSPENDING
    drv.suspend(ctx, instance)
    assert state(docker_cli, instance)['Paused'] is True
    assert drv.get_info(instance).state == power_state.SUSPENDED
    instance.vm_state, instance.task_state = vm_states.SUSPENDED, None
    assert drv.get_info(instance).state == power_state.SUSPENDED
    instance.task_state = task_states.RESUMING
    drv.resume(ctx, instance, network_info=[])
    assert state(docker_cli, instance)['Running'] and not state(docker_cli, instance)['Paused']
    assert drv.get_info(instance).state == power_state.RUNNING


def test_soft_and_hard_reboot_restart_the_container(drv, ctx, app_image, docker_cli):
    instance = spawn(drv, ctx, app_image)
    first = state(docker_cli, instance)
    drv.reboot(ctx, instance, [], 'SOFT')
    second = state(docker_cli, instance)
    assert second['Running'] and second['StartedAt'] != first['StartedAt']
    assert second['Pid'] != first['Pid']
    drv.reboot(ctx, instance, [], 'HARD')
    third = state(docker_cli, instance)
    assert third['Running'] and third['StartedAt'] != second['StartedAt']
    assert drv.get_info(instance).state == power_state.RUNNING
    # A hard reboot also brings a paused or stopped instance back to running.
    drv.pause(instance)
    drv.reboot(ctx, instance, [], 'HARD')
    assert drv.get_info(instance).state == power_state.RUNNING
    drv.power_off(instance, timeout=5)
    drv.reboot(ctx, instance, [], 'HARD')
    assert drv.get_info(instance).state == power_state.RUNNING


def test_destroy_removes_the_container_and_is_idempotent(drv, ctx, app_image, docker_cli):
    instance = spawn(drv, ctx, app_image)
    drv.destroy(ctx, instance, network_info=[])
    assert docker_cli.containers(all=True, filters={'name': f'nova-{instance.uuid}'}) == []
    assert not drv.instance_exists(instance)
    assert instance.uuid not in drv.list_instance_uuids()
    drv.destroy(ctx, instance, network_info=[])
    with pytest.raises(exception.InstanceNotFound):
        drv.get_info(instance)


def test_vanished_container_is_instance_not_found(drv, ctx, app_image, docker_cli):
    instance = spawn(drv, ctx, app_image)
    docker_cli.remove_container(containers.container_name(instance.uuid), force=True)
    assert not drv.instance_exists(instance)
    with pytest.raises(exception.InstanceNotFound):
        drv.power_on(ctx, instance, [])


def test_exited_process_reports_shutdown(drv, ctx, app_image, docker_cli):
    instance = spawn(drv, ctx, app_image, metadata={'docker_command': 'true'})
    docker_cli.wait(containers.container_name(instance.uuid), timeout=10)
    assert drv.get_info(instance).state == power_state.SHUTDOWN


def test_restarted_driver_still_manages_existing_instances(drv, make_driver, ctx, app_image,
                                                           docker_cli):
    instance = spawn(drv, ctx, app_image)
    stopped = spawn(drv, ctx, app_image, power_on=False)
    fresh = make_driver()  # new DockerAPI, no state carried over: like a nova-compute restart
    assert {instance.uuid, stopped.uuid} <= set(fresh.list_instance_uuids())
    assert fresh.get_info(instance).state == power_state.RUNNING
    assert fresh.get_info(stopped).state == power_state.SHUTDOWN
    fresh.power_off(instance, timeout=5)
    assert fresh.get_info(instance).state == power_state.SHUTDOWN
    fresh.destroy(ctx, stopped, [])
    assert not fresh.instance_exists(stopped)


def test_volumes_are_cleanly_unsupported(drv, ctx, app_image):
    instance = spawn(drv, ctx, app_image)
    with pytest.raises(NotImplementedError):
        drv.attach_volume(ctx, {}, instance, '/dev/vdb')
    with pytest.raises(NotImplementedError):
        drv.detach_volume(ctx, {}, instance, '/dev/vdb')
