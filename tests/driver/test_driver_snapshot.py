"""Snapshot = docker commit + docker save streamed into the (fake) Glance upload."""
from __future__ import annotations

import json
import shlex
import tarfile
import time
import uuid

import pytest
from tests.driver.driver_helpers import APP_CMD, spawn

from nova import exception
from nova.compute import task_states

from nova_docker import containers, images

pytestmark = pytest.mark.docker


RAN_CMD = ['sh', '-c', 'echo "ran with $SECRET in $PWD"; exec sleep 600']


def test_snapshot_uploads_a_loadable_image_with_the_container_changes(
        drv, ctx, app_image, image_service, docker_cli, tmp_path):
    instance = spawn(drv, ctx, app_image, metadata={'docker_env_SECRET': 's3cret',
                                                    'docker_command': shlex.join(RAN_CMD)},
                     sysmeta={'image_os_command_line': 'sleep 300'})
    name = containers.container_name(instance.uuid)
    exec_id = docker_cli.exec_create(name, ['sh', '-c', 'echo snapshotted > /root/marker'])
    docker_cli.exec_start(exec_id)
    snapshot_id = str(uuid.uuid4())
    image_service.records[snapshot_id] = {'id': snapshot_id, 'name': 'my snapshot',
                                          'container_format': 'docker', 'disk_format': 'raw'}
    states = []
    drv.snapshot(ctx, instance, snapshot_id,
                 lambda task_state, expected_state=task_states.IMAGE_SNAPSHOT:
                 states.append((task_state, expected_state)))

    assert states == [(task_states.IMAGE_PENDING_UPLOAD, task_states.IMAGE_SNAPSHOT),
                      (task_states.IMAGE_UPLOADING, task_states.IMAGE_PENDING_UPLOAD)]
    metadata, tarball = image_service.uploads[snapshot_id]
    assert metadata['container_format'] == 'docker' and metadata['disk_format'] == 'raw'
    assert metadata['name'] == 'my snapshot'
    # Nova copies the source image's os_command_line to the snapshot: it must name the command that ran.
    assert shlex.split(metadata['properties']['os_command_line']) == RAN_CMD
    assert tarball.stat().st_size > 100_000
    assert drv.get_info(instance).state == 1  # still running (commit pauses only briefly)

    # The local cache copy is the very image Glance received.
    ref = images.cache_ref(snapshot_id)
    local_id = docker_cli.inspect_image(ref)['Id']
    docker_cli.remove_image(ref, force=True)
    with open(tarball, 'rb') as handle:
        output = list(docker_cli.load_image(handle))
    assert any(ref in str(line) for line in output), output
    loaded = docker_cli.inspect_image(ref)
    assert loaded['Id'] == local_id
    config = loaded['Config']
    assert config['Cmd'] == RAN_CMD  # the command the container ran, not the image's
    assert 'SECRET=s3cret' in config['Env'] and 'FROM_IMAGE=1' in config['Env']
    assert all(entry.partition('=')[2] for entry in config['Env']), config['Env']
    assert not [key for key in config['Labels'] or {} if key.startswith('org.openstack.')], config['Labels']
    for section in ('config', 'container_config'):
        assert not [key for key in (tarball_config(tarball)[section].get('Labels') or {})
                    if key.startswith('org.openstack.')]
    check = docker_cli.create_container(ref)
    try:
        docker_cli.start(check)
        deadline = time.monotonic() + 20
        while b'ran with' not in docker_cli.logs(check) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert docker_cli.logs(check) == b'ran with s3cret in /\n'
        exec_id = docker_cli.exec_create(check, ['cat', '/root/marker', '/app.txt'])
        assert docker_cli.exec_start(exec_id) == b'snapshotted\napp\n'
    finally:
        docker_cli.remove_container(check, force=True)
        docker_cli.remove_image(ref, force=True)


def tarball_config(path) -> dict:
    """The image config a ``docker save`` tarball's manifest names."""
    with tarfile.open(path) as archive:
        manifest = json.load(archive.extractfile('manifest.json'))
        return json.load(archive.extractfile(manifest[0]['Config']))


def test_booting_the_snapshot_on_the_same_host_needs_no_download(
        drv, ctx, app_image, image_service, docker_cli):
    instance = spawn(drv, ctx, app_image)
    snapshot_id = str(uuid.uuid4())
    image_service.records[snapshot_id] = {'id': snapshot_id, 'name': 'snap'}
    drv.snapshot(ctx, instance, snapshot_id, lambda **kwargs: None)
    snap_meta = image_service.add(snapshot_id, 'snap', image_service.uploads[snapshot_id][1])
    try:
        booted = spawn(drv, ctx, snap_meta)
        assert drv.get_info(booted).state == 1
        assert image_service.downloads[snapshot_id] == 0
    finally:
        for container in docker_cli.containers(all=True, filters={'label': containers.LABEL_UUID}):
            docker_cli.remove_container(container['Id'], force=True)
        docker_cli.remove_image(images.cache_ref(snapshot_id), force=True)


def test_snapshot_of_missing_container_is_instance_not_running(drv, ctx, app_image, image_service):
    instance = spawn(drv, ctx, app_image)
    drv.destroy(ctx, instance, [])
    with pytest.raises(exception.InstanceNotRunning):
        drv.snapshot(ctx, instance, str(uuid.uuid4()), lambda **kwargs: None)
