"""Resize and cold migration with a real dockerd (nova_docker.migration).

One daemon plays both hosts of a cold migration: the source container is renamed nova-<uuid>-resize
before the target's nova-<uuid> is created, so both fit on it, as they do on two hosts.
"""
from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from tests.driver.driver_helpers import FakeImageService, spawn

from nova import exception
from nova import objects

from nova_docker import containers, migration

pytestmark = pytest.mark.docker


class TransferImageService(FakeImageService):
    """The fake Glance, with an upload that can fail half-way."""

    fail_upload = False

    def upload(self, context: Any, image_id: str, metadata: dict, data: Any) -> None:
        if self.fail_upload:
            data.read(65536)  # the stream was running when the failure came
            raise exception.ImageNotAuthorized(image_id=image_id)
        super().upload(context, image_id, metadata, data)


@pytest.fixture
def image_service(tmp_path: Path) -> TransferImageService:
    return TransferImageService(tmp_path)


def flavor(memory_mb: int, vcpus: int) -> objects.Flavor:
    return objects.Flavor(name=f'm{memory_mb}', flavorid=f'm{memory_mb}', memory_mb=memory_mb,
                          vcpus=vcpus, root_gb=0, ephemeral_gb=0, swap=0, extra_specs={})


def a_migration(source: str, dest: str) -> objects.Migration:
    return objects.Migration(uuid=str(uuid.uuid4()), source_compute=source, dest_compute=dest,
                             migration_type='resize')


def run(docker_cli: Any, name: str, *argv: str) -> str:
    exec_id = docker_cli.exec_create(name, list(argv))
    return docker_cli.exec_start(exec_id).decode().strip()


def memory_limit_inside(docker_cli: Any, name: str) -> int:
    """The memory limit the container sees (cgroup v2, or v1 on hosts that still mount it)."""
    return int(run(docker_cli, name, 'sh', '-c', 'cat /sys/fs/cgroup/memory.max 2>/dev/null '
                   '|| cat /sys/fs/cgroup/memory/memory.limit_in_bytes'))


def test_same_host_resize_changes_live_limits_without_restart(drv, ctx, app_image, docker_cli):
    instance = spawn(drv, ctx, app_image, memory_mb=64, vcpus=1)
    name = containers.container_name(instance.uuid)
    before = docker_cli.inspect_container(name)
    same_host = a_migration('drv-test-host', 'drv-test-host')

    instance.flavor = flavor(128, 2)
    drv.finish_migration(ctx, same_host, instance, json.dumps({}), [], app_image, True, {},
                         block_device_info=None, power_on=True, share_info=None)
    after = docker_cli.inspect_container(name)
    assert after['Id'] == before['Id']
    assert after['State']['StartedAt'] == before['State']['StartedAt']
    assert after['State']['Running']
    assert after['HostConfig']['Memory'] == 128 * 1024 * 1024
    assert after['HostConfig']['CpuShares'] > before['HostConfig']['CpuShares']
    assert memory_limit_inside(docker_cli, name) == 128 * 1024 * 1024

    instance.flavor = flavor(64, 1)  # Nova reverts the flavor before finish_revert_migration
    drv.finish_revert_migration(ctx, instance, [], same_host, block_device_info=None,
                                power_on=True, share_info=None)
    reverted = docker_cli.inspect_container(name)
    assert reverted['Id'] == before['Id']
    assert reverted['State']['StartedAt'] == before['State']['StartedAt']
    assert reverted['HostConfig']['Memory'] == 64 * 1024 * 1024
    assert reverted['HostConfig']['CpuShares'] == before['HostConfig']['CpuShares']


def migrate(drv: Any, ctx: Any, instance: Any, image_meta: Any, move: Any, image_service: Any) -> str:
    """The driver calls of a cold migration: source half, then target half."""
    disk_info = migration.migrate_out(drv.docker, image_service, ctx, instance, move.uuid, timeout=0)
    drv.finish_migration(ctx, move, instance, json.dumps(disk_info), [], image_meta, False, {},
                         block_device_info=None, power_on=True, share_info=None)
    return disk_info['transfer_image_id']


def test_cold_migration_carries_the_filesystem_and_confirm_removes_the_source(
        drv, ctx, app_image, docker_cli, image_service):
    instance = spawn(drv, ctx, app_image)
    name = containers.container_name(instance.uuid)
    run(docker_cli, name, 'sh', '-c', 'echo written-inside > /root/kept')
    labels = docker_cli.inspect_container(name)['Config']['Labels']
    move = a_migration('drv-test-host', 'other-host')

    transfer_id = migrate(drv, ctx, instance, app_image, move, image_service)
    source = docker_cli.inspect_container(migration.source_name(instance.uuid))
    assert not source['State']['Running']
    target = docker_cli.inspect_container(name)
    assert target['Id'] != source['Id'] and target['State']['Running']
    assert target['Config']['Labels'] == labels
    assert run(docker_cli, name, 'cat', '/root/kept') == 'written-inside'
    assert image_service.deleted == [transfer_id]  # the Glance copy lives only for the transfer
    record = image_service.uploads[transfer_id]
    assert record is not None

    drv.confirm_migration(ctx, move, instance, [])
    assert docker_cli.containers(all=True, filters={'name': migration.source_name(instance.uuid)}) == []
    assert docker_cli.inspect_container(name)['State']['Running']

    drv.destroy(ctx, instance, [])  # the transfer image goes with the last container using it
    assert docker_cli.images(name=migration.transfer_repository(instance.uuid)) == []


def test_revert_of_a_cold_migration_restarts_the_source_with_its_writes(
        drv, ctx, app_image, docker_cli, image_service):
    instance = spawn(drv, ctx, app_image)
    name = containers.container_name(instance.uuid)
    source_id = docker_cli.inspect_container(name)['Id']
    run(docker_cli, name, 'sh', '-c', 'echo before-move > /root/kept')
    move = a_migration('drv-test-host', 'other-host')
    migrate(drv, ctx, instance, app_image, move, image_service)

    drv.destroy(ctx, instance, [])  # Nova's revert_resize on the target
    drv.finish_revert_migration(ctx, instance, [], move, power_on=True)
    restored = docker_cli.inspect_container(name)
    assert restored['Id'] == source_id and restored['State']['Running']
    assert run(docker_cli, name, 'cat', '/root/kept') == 'before-move'
    assert docker_cli.containers(all=True, filters={'name': migration.source_name(instance.uuid)}) == []


def test_a_failed_upload_leaves_the_container_running_where_it_was(
        drv, ctx, app_image, docker_cli, image_service):
    instance = spawn(drv, ctx, app_image)
    name = containers.container_name(instance.uuid)
    source_id = docker_cli.inspect_container(name)['Id']
    image_service.fail_upload = True

    with pytest.raises(exception.InstanceFaultRollback):
        migration.migrate_out(drv.docker, image_service, ctx, instance, str(uuid.uuid4()), timeout=0)
    container = docker_cli.inspect_container(name)
    assert container['Id'] == source_id and container['State']['Running']
    assert len(image_service.deleted) == 1 and image_service.records.keys() == {app_image.id}
    assert docker_cli.images(name=migration.transfer_repository(instance.uuid)) == []
