"""Rebuild (roll back to a snapshot, apply changed metadata) and the restart policy, on the real test
dockerd. The instance's ``save`` records task states instead of writing Nova's database (there is none)."""
from __future__ import annotations

import time
import uuid

import pytest
from tests.driver.driver_helpers import make_instance, wait_for
from tests.driver.test_driver_events import Recorder
from tests.driver.test_driver_network import NET_A, _remove_test_networks, endpoint, vif  # noqa: F401

from nova import exception
from nova.compute import power_state
from nova.compute import task_states
from nova.network import model

from nova_docker import containers
from nova_docker import events
from nova_docker import images

pytestmark = pytest.mark.docker


def boot(drv, ctx, image, network_info=(), metadata=None):
    instance = make_instance(image.id, metadata=metadata or {'docker_command': 'sleep 600'})
    drv.spawn(ctx, instance, image, injected_files=[], admin_password=None, allocations={},
              network_info=model.NetworkInfo(network_info), block_device_info=None)
    return instance


def rebuild(drv, ctx, instance, image, network_info=()):
    """Call the driver as Nova's compute manager does; returns the task states it saved."""
    saved = []
    instance.task_state = task_states.REBUILDING
    instance.save = lambda expected_task_state=None: saved.append((expected_task_state, instance.task_state))
    drv.rebuild(ctx, instance, image, injected_files=[], admin_password=None, allocations={}, bdms=[],
                detach_block_devices=lambda *args, **kwargs: None,
                attach_block_devices=lambda *args, **kwargs: None,
                network_info=model.NetworkInfo(network_info), block_device_info=None)
    return saved


def run_in(docker_cli, instance, cmd):
    exec_id = docker_cli.exec_create(containers.container_name(instance.uuid), cmd)
    return docker_cli.exec_start(exec_id).decode('utf-8', 'replace')


def inspect(docker_cli, instance):
    return docker_cli.inspect_container(containers.container_name(instance.uuid))


def test_rebuild_from_a_snapshot_keeps_identity_ports_and_applies_metadata(
        drv, ctx, app_image, image_service, docker_cli):
    port = vif(NET_A, NET_A[2][:-1] + '21', mac='fa:16:3e:00:21:21')
    instance = boot(drv, ctx, app_image, [port])
    run_in(docker_cli, instance, ['sh', '-c', 'echo before > /kept.txt'])
    snapshot_id = str(uuid.uuid4())
    image_service.records[snapshot_id] = {'id': snapshot_id, 'name': 'ddtest/snap:1',
                                          'container_format': 'docker', 'disk_format': 'raw'}
    drv.snapshot(ctx, instance, snapshot_id, lambda **kwargs: None)
    snapshot = image_service.add(snapshot_id, 'ddtest/snap:1', image_service.uploads[snapshot_id][1])
    run_in(docker_cli, instance, ['sh', '-c', 'echo after > /lost.txt'])
    old_id = inspect(docker_cli, instance)['Id']
    instance.metadata = {'docker_command': 'sleep 601', 'docker_env_MODE': 'rebuilt'}
    try:
        saved = rebuild(drv, ctx, instance, snapshot, [port])
        info = inspect(docker_cli, instance)
        assert info['Id'] != old_id and info['Name'] == f'/nova-{instance.uuid}'
        assert info['State']['Running'] is True
        labels = info['Config']['Labels']
        assert labels[containers.LABEL_UUID] == instance.uuid
        assert labels[containers.LABEL_NAME] == instance.name
        assert labels[containers.LABEL_IMAGE] == snapshot_id
        assert info['Config']['Cmd'] == ['sleep', '601']
        assert 'MODE=rebuilt' in info['Config']['Env']
        assert endpoint(docker_cli, instance, NET_A)['IPAddress'] == NET_A[2][:-1] + '21'
        assert run_in(docker_cli, instance, ['cat', '/kept.txt']).strip() == 'before'
        assert 'No such file' in run_in(docker_cli, instance, ['cat', '/lost.txt'])
        assert saved == [([task_states.REBUILDING], task_states.REBUILD_BLOCK_DEVICE_MAPPING),
                         ([task_states.REBUILD_BLOCK_DEVICE_MAPPING], task_states.REBUILD_SPAWNING)]
        assert drv.get_info(instance).state == power_state.RUNNING
    finally:
        drv.destroy(ctx, instance, network_info=None)
        docker_cli.remove_image(images.cache_ref(snapshot_id), force=True)


def test_a_rebuild_that_cannot_succeed_leaves_the_container_as_it_was(
        drv, ctx, app_image, image_service, app_tarball, docker_cli):
    instance = boot(drv, ctx, app_image)
    old_id = inspect(docker_cli, instance)['Id']
    instance.metadata = {'docker_restart_policy': 'sometimes'}
    with pytest.raises(exception.InstanceDeployFailure, match='docker_restart_policy'):
        rebuild(drv, ctx, instance, app_image)
    instance.metadata = {}
    not_docker = image_service.add(str(uuid.uuid4()), 'disk', app_tarball, container_format='bare')
    with pytest.raises(exception.ImageUnacceptable):
        rebuild(drv, ctx, instance, not_docker)
    info = inspect(docker_cli, instance)
    assert info['Id'] == old_id and info['State']['Running'] is True


def test_restart_policy_on_failure_restarts_and_nova_sees_it_running(
        make_driver, ctx, app_image, docker_cli):
    drv = make_driver()
    recorder = Recorder()
    drv.register_event_listener(recorder)
    # Fails on its first run only (the file stays in the container across Docker's restart).
    command = "sh -c 'test -f /ran || { touch /ran; exit 3; }; exec sleep 600'"
    instance = boot(drv, ctx, app_image,
                    metadata={'docker_command': command, 'docker_restart_policy': 'on-failure:2'})
    policy = inspect(docker_cli, instance)['HostConfig']['RestartPolicy']
    assert policy == {'Name': 'on-failure', 'MaximumRetryCount': 2}
    wait_for(lambda: inspect(docker_cli, instance)['RestartCount'] == 1)
    wait_for(lambda: inspect(docker_cli, instance)['State']['Running'])
    time.sleep(events.STOPPED_DELAY + 1)
    assert recorder.of(instance.uuid)[-1] == 'STARTED', recorder.of(instance.uuid)
    assert 'STOPPED' not in recorder.of(instance.uuid)
    assert drv.get_info(instance).state == power_state.RUNNING


def test_restart_policy_gives_up_after_n_failures(drv, ctx, app_image, docker_cli):
    instance = boot(drv, ctx, app_image,
                    metadata={'docker_command': 'sh -c "exit 3"', 'docker_restart_policy': 'on-failure:2'})
    wait_for(lambda: inspect(docker_cli, instance)['State']['Status'] == 'exited'
             and inspect(docker_cli, instance)['RestartCount'] == 2, timeout=20)
    assert drv.get_info(instance).state == power_state.SHUTDOWN


@pytest.mark.parametrize('value, expected', [
    ('always', {'Name': 'always'}), ('unless-stopped', {'Name': 'unless-stopped'}), ('no', {'Name': 'no'}),
])
def test_restart_policies_reach_docker(drv, ctx, app_image, docker_cli, value, expected):
    instance = boot(drv, ctx, app_image, metadata={'docker_command': 'sleep 600',
                                                   'docker_restart_policy': value})
    assert inspect(docker_cli, instance)['HostConfig']['RestartPolicy']['Name'] == expected['Name']


def test_an_invalid_restart_policy_is_refused_before_anything_is_created(
        drv, ctx, app_image, image_service, docker_cli):
    for value in ('sometimes', 'on-failure:-1', 'on-failure:x', 'always:3'):
        with pytest.raises(exception.InvalidInput, match='docker_restart_policy'):
            boot(drv, ctx, app_image, metadata={'docker_restart_policy': value})
    assert docker_cli.containers(all=True, filters={'label': containers.LABEL_UUID}) == []
    assert image_service.downloads[app_image.id] == 0
