"""spawn: container identity, limits, command precedence, environment, image loading and cache."""
from __future__ import annotations

import uuid

import pytest
from tests.driver.driver_helpers import APP_CMD, make_instance, spawn, tar_of, wait_for

from nova import exception
from nova.compute import power_state

from nova_docker import containers, images

pytestmark = pytest.mark.docker


def inspect(docker_cli, instance):
    return docker_cli.inspect_container(containers.container_name(instance.uuid))


def test_spawn_runs_container_with_identity_and_limits(drv, ctx, app_image, docker_cli):
    instance = spawn(drv, ctx, app_image, memory_mb=96, vcpus=3)
    info = inspect(docker_cli, instance)
    assert info['Name'] == f'/nova-{instance.uuid}'
    assert info['State']['Running'] is True
    assert info['Config']['Labels'][containers.LABEL_UUID] == instance.uuid
    assert info['Config']['Labels'][containers.LABEL_PROJECT] == 'proj-1'
    assert info['Config']['Labels'][containers.LABEL_IMAGE] == app_image.id
    assert info['HostConfig']['Memory'] == 96 * 1024 * 1024
    assert info['HostConfig']['CpuShares'] == 3 * 1024
    assert info['HostConfig']['NetworkMode'] == 'none'
    assert info['Config']['Image'] == images.cache_ref(app_image.id)
    assert drv.get_info(instance).state == power_state.RUNNING
    assert instance.uuid in drv.list_instance_uuids()
    assert instance.name in drv.list_instances()
    assert drv.instance_exists(instance)


# Tempest's ServersV294TestFqdnHostnames: 78 characters, more than sethostname(2) takes.
TEMPEST_FQDN = 'x' * 52 + '-guest-test.domaintest.com'


@pytest.mark.parametrize('fqdn, hostname, domainname', [
    (TEMPEST_FQDN, 'x' * 52 + '-guest-test', 'domaintest.com'),
    # Nova accepts 255 characters; the domain keeps the leading labels that fit in 64.
    ('h.' + '.'.join(['d' * 40] * 6), 'h', 'd' * 40),
    ('plain', 'plain', ''),
])
def test_an_fqdn_hostname_becomes_hostname_and_domainname(drv, ctx, app_image, docker_cli,
                                                          fqdn, hostname, domainname):
    instance = spawn(drv, ctx, app_image, hostname=fqdn)
    config = inspect(docker_cli, instance)['Config']
    assert (config['Hostname'], config['Domainname']) == (hostname, domainname)
    assert drv.get_info(instance).state == power_state.RUNNING
    exec_id = docker_cli.exec_create(containers.container_name(instance.uuid), ['hostname'])
    assert docker_cli.exec_start(exec_id).decode().strip() == hostname


def test_command_defaults_to_image_cmd(drv, ctx, app_image, docker_cli):
    instance = spawn(drv, ctx, app_image)
    assert inspect(docker_cli, instance)['Config']['Cmd'] == APP_CMD
    wait_for(lambda: 'from-image-cmd' in drv.get_console_output(ctx, instance))


def test_os_command_line_overrides_image_cmd(drv, ctx, app_image, image_service, app_tarball,
                                             docker_cli):
    image_meta = image_service.add(str(uuid.uuid4()), app_image.name, app_tarball,
                                   properties={'os_command_line': "sh -c 'echo from-glance; sleep 60'"})
    try:
        instance = spawn(drv, ctx, image_meta)
        assert inspect(docker_cli, instance)['Config']['Cmd'] == ['sh', '-c', 'echo from-glance; sleep 60']
    finally:
        docker_cli.remove_image(images.cache_ref(image_meta.id), force=True)


def test_metadata_command_beats_os_command_line_and_env_comes_from_metadata(
        drv, ctx, image_service, app_tarball, docker_cli):
    image_meta = image_service.add(str(uuid.uuid4()), 'ddtest/app:1.0', app_tarball,
                                   properties={'os_command_line': 'echo from-glance'})
    try:
        instance = spawn(drv, ctx, image_meta, metadata={
            'docker_command': "sh -c 'echo \"v=$GREETING $OTHER_ONE\"; sleep 60'",
            'docker_env_GREETING': 'hello world', 'docker_env_OTHER_ONE': 'x=y', 'unrelated': 'z'})
        info = inspect(docker_cli, instance)
        assert info['Config']['Cmd'] == ['sh', '-c', 'echo "v=$GREETING $OTHER_ONE"; sleep 60']
        assert 'GREETING=hello world' in info['Config']['Env']
        assert 'OTHER_ONE=x=y' in info['Config']['Env']
        assert not any(e.startswith('unrelated') for e in info['Config']['Env'])
        wait_for(lambda: 'v=hello world x=y' in drv.get_console_output(ctx, instance))
    finally:
        docker_cli.remove_image(images.cache_ref(image_meta.id), force=True)


def test_invalid_metadata_is_a_readable_error(drv, ctx, app_image, image_service, docker_cli):
    with pytest.raises(exception.InvalidInput, match='docker_env_BAD-NAME'):
        spawn(drv, ctx, app_image, metadata={'docker_env_BAD-NAME': '1'})
    with pytest.raises(exception.InvalidInput, match='docker_command'):
        spawn(drv, ctx, app_image, metadata={'docker_command': "sh -c 'unbalanced"})
    assert docker_cli.containers(all=True, filters={'label': containers.LABEL_UUID}) == []
    assert image_service.downloads[app_image.id] == 0  # refused before any download


def test_failed_start_leaves_no_container(drv, ctx, app_image, docker_cli):
    # BuildAbortException: Nova must not reschedule a command that cannot run anywhere.
    with pytest.raises(exception.BuildAbortException, match='could not be run.*no-such-binary'):
        spawn(drv, ctx, app_image, metadata={'docker_command': '/bin/no-such-binary'})
    assert docker_cli.containers(all=True, filters={'label': containers.LABEL_UUID}) == []


def test_image_is_loaded_once_per_host_even_across_driver_restarts(
        drv, make_driver, ctx, app_image, image_service, docker_cli):
    first = spawn(drv, ctx, app_image)
    second = spawn(drv, ctx, app_image)
    third = spawn(make_driver(), ctx, app_image)  # a restarted nova-compute: cache lives in Docker
    assert image_service.downloads[app_image.id] == 1
    for instance in (first, second, third):
        assert inspect(docker_cli, instance)['State']['Running']


def test_non_docker_container_format_fails_readably(drv, ctx, image_service, app_tarball, docker_cli):
    image_meta = image_service.add(str(uuid.uuid4()), 'cirros', app_tarball, container_format='bare')
    with pytest.raises(exception.ImageUnacceptable) as caught:
        spawn(drv, ctx, image_meta)
    message = caught.value.format_message()
    assert "container_format is 'bare'" in message and "'docker'" in message
    assert image_service.downloads[image_meta.id] == 0
    assert docker_cli.containers(all=True, filters={'label': containers.LABEL_UUID}) == []


def test_tarball_that_is_not_an_image_fails_readably(drv, ctx, image_service, tmp_path, docker_cli):
    bogus = tmp_path / 'bogus.tar'
    bogus.write_bytes(tar_of({'hello.txt': b'not an image'}))
    image_meta = image_service.add(str(uuid.uuid4()), 'bogus:1', bogus)
    with pytest.raises(exception.ImageUnacceptable) as caught:
        spawn(drv, ctx, image_meta)
    assert 'Docker could not load it' in caught.value.format_message()
    assert '/tmp/ddash' not in caught.value.format_message()  # no host paths either
    assert 'unix://' not in caught.value.format_message()
    assert docker_cli.containers(all=True, filters={'label': containers.LABEL_UUID}) == []


def test_spawn_without_power_on_leaves_it_shut_down(drv, ctx, app_image, docker_cli):
    instance = spawn(drv, ctx, app_image, power_on=False)
    assert inspect(docker_cli, instance)['State']['Status'] == 'created'
    assert drv.get_info(instance).state == power_state.SHUTDOWN


def test_second_container_with_same_uuid_is_a_readable_failure(drv, ctx, app_image):
    instance = spawn(drv, ctx, app_image)
    again = make_instance(app_image.id)
    again.uuid = instance.uuid
    with pytest.raises(exception.InstanceDeployFailure, match='already in use'):
        drv.spawn(ctx, again, app_image, [], None, {}, [], None)


def test_image_over_the_size_bound_is_refused(drv, ctx, app_image, docker_opt, docker_cli):
    docker_opt('max_image_bytes', 200_000)
    with pytest.raises(exception.ImageUnacceptable, match='more than 200000 bytes'):
        spawn(drv, ctx, app_image)
    assert not docker_cli.images(name=images.cache_ref(app_image.id))
