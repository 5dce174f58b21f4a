"""nova_docker end to end on the real stack: servers booted through Nova (as user demo, nics='none') run as
Docker containers on the compute host Nova names, with the launch metadata, flavor limits and identity
labels the design promises; lifecycle actions, snapshots, console output and a non-Docker image behave.

Fault tolerance (nova-compute killed, a dockerd stopped) is in test_zz_faults.py, which runs last."""
from __future__ import annotations

import io
import json
import tarfile

import pytest

from tests.stack import nova_helpers as h

pytestmark = pytest.mark.stack

BUSYBOX = 'busybox:latest'


@pytest.fixture
def nova(openstack):
    return openstack.nova('demo')


@pytest.fixture
def glance(openstack):
    return openstack.glance('demo')


@pytest.fixture
def servers(nova):
    """Server ids to delete (and wait for) after the test, whatever happened."""
    created: list[str] = []
    yield created
    h.delete_servers(nova, created)


@pytest.fixture
def images(glance):
    """Glance image ids to delete after the test."""
    created: list[str] = []
    yield created
    for image_id in created:
        h.delete_image(glance, image_id)


def boot_active(openstack, nova, glance, servers, *, image_id: str | None = None, meta=None,
                flavor_name: str = 'm1.tiny'):
    """Boot as demo (busybox:latest unless ``image_id``), wait for ACTIVE; returns (server, host,
    docker inspect of its container)."""
    server = h.boot(nova, image_id or h.image_id(glance, BUSYBOX), meta=meta, flavor_name=flavor_name)
    servers.append(server.id)
    server = h.wait_active(nova, server.id)
    host = h.host_of(openstack, server)
    found = h.container(openstack, host, server.id)
    assert found is not None, f'Nova says {server.id} runs on {host}, but there is no nova-{server.id} there'
    return server, host, found


def test_boot_runs_a_container_with_metadata_flavor_and_labels(openstack, nova, glance, servers):
    token = h.unique('greet')
    command = h.shell(f'echo "{token} $GREETING"; ' + h.SLEEP_FOREVER)
    flavor = h.flavor(nova, 'm1.small')
    server, host, found = boot_active(
        openstack, nova, glance, servers, flavor_name='m1.small',
        meta={'docker_command': command, 'docker_env_GREETING': 'hello'})

    project_id = openstack.session('demo').get_project_id()
    assert found['Name'] == f'/nova-{server.id}'
    assert found['State']['Status'] == 'running'
    labels = found['Config']['Labels']
    assert labels[h.LABEL_UUID] == server.id
    assert labels[h.LABEL_PROJECT] == project_id
    assert labels[h.LABEL_IMAGE] == h.image_id(glance, BUSYBOX) == server.image['id']
    # flavor RAM -> memory limit, vCPUs -> 1024 CPU shares each
    assert found['HostConfig']['Memory'] == flavor.ram * 1024 * 1024
    assert found['HostConfig']['CpuShares'] == 1024 * flavor.vcpus
    # docker_command is split like a shell would (no shell added), docker_env_GREETING becomes GREETING
    assert found['Config']['Cmd'] == ['sh', '-c', f'echo "{token} $GREETING"; ' + h.SLEEP_FOREVER]
    assert 'GREETING=hello' in found['Config']['Env']
    # the command really ran with that environment
    h.wait_for(lambda: f'{token} hello' in h.docker_logs(openstack, host, server.id), 15,
               message=lambda: f'container output: {h.docker_logs(openstack, host, server.id)!r}')
    # the only container of this instance on any host is on the host Nova named
    for other in h.HOSTS:
        by_label = openstack.docker(other).containers(all=True, filters={'label': f'{h.LABEL_UUID}={server.id}'})
        assert len(by_label) == (1 if other == host else 0), f'{other}: {by_label}'
    # admins see the same host as the hostId tells the owner
    assert getattr(openstack.nova('admin').servers.get(server.id), 'OS-EXT-SRV-ATTR:host') == host


def test_lifecycle_actions_reach_nova_status_and_docker_state(openstack, nova, glance, servers):
    # the trap prints "stopping" on SIGTERM: graceful stops leave a trace, SIGKILL does not
    command = h.shell("echo booted; trap 'echo stopping; exit 0' TERM INT; sleep 2147483647 & wait")
    server, host, found = boot_active(openstack, nova, glance, servers, meta={'docker_command': command})
    docker_id = found['Id']

    def logs():
        return h.docker_logs(openstack, host, server.id)

    def act(action, *args, status, state):
        getattr(nova.servers, action)(server.id, *args)
        h.wait_status(nova, server.id, status)
        after = h.wait_docker_state(openstack, host, server.id, state)
        assert after['Id'] == docker_id, f'{action} replaced the container'
        return after

    stopped = act('stop', status='SHUTOFF', state='exited')
    assert stopped['State']['ExitCode'] == 0, 'stop was not graceful (SIGTERM handled -> exit 0)'
    assert logs().count('stopping') == 1
    assert getattr(nova.servers.get(server.id), 'OS-EXT-STS:power_state') == 4  # SHUTDOWN

    started = act('start', status='ACTIVE', state='running')
    assert logs().count('booted') == 2
    act('pause', status='PAUSED', state='paused')
    assert getattr(nova.servers.get(server.id), 'OS-EXT-STS:power_state') == 3  # PAUSED
    act('unpause', status='ACTIVE', state='running')

    soft = act('reboot', 'SOFT', status='ACTIVE', state='running')
    assert soft['State']['StartedAt'] != started['State']['StartedAt'], 'soft reboot did not restart'
    assert logs().count('stopping') == 2, 'soft reboot did not send SIGTERM first'
    assert logs().count('booted') == 3

    hard = act('reboot', 'HARD', status='ACTIVE', state='running')
    assert hard['State']['StartedAt'] != soft['State']['StartedAt'], 'hard reboot did not restart'
    assert logs().count('stopping') == 2, 'hard reboot should kill, not SIGTERM'
    assert logs().count('booted') == 4

    # Nova allows a hard reboot of a paused server: the driver unpauses, kills and starts it
    act('pause', status='PAUSED', state='paused')
    act('reboot', 'HARD', status='ACTIVE', state='running')
    assert logs().count('booted') == 5
    # and a hard reboot of a stopped one starts it
    act('stop', status='SHUTOFF', state='exited')
    act('reboot', 'HARD', status='ACTIVE', state='running')
    assert logs().count('booted') == 6

    nova.servers.delete(server.id)
    h.wait_gone(nova, server.id)
    h.wait_docker_state(openstack, host, server.id, None)
    assert openstack.docker(host).containers(all=True, filters={'id': docker_id}) == []


def test_snapshot_is_a_docker_image_that_boots_with_the_written_file(openstack, nova, glance, servers,
                                                                      images):
    marker = h.unique('marker')
    secret = h.unique('secret')
    command = h.shell(f'mkdir -p /data && echo {marker} > /data/marker && echo "written [$SECRET] in $PWD"; '
                      + h.SLEEP_FOREVER)
    server, host, _ = boot_active(openstack, nova, glance, servers,
                                  meta={'docker_command': command, 'docker_env_SECRET': secret})
    h.wait_for(lambda: 'written' in h.docker_logs(openstack, host, server.id), 15,
               message='the marker file to be written')

    name = h.unique('snap')
    snapshot_id = nova.servers.create_image(server.id, name)
    images.append(snapshot_id)
    try:
        check_snapshot(openstack, nova, glance, servers, server, host, snapshot_id, name, marker, secret)
    finally:
        h.delete_servers(nova, servers)
        h.remove_cached_image(openstack, snapshot_id)


def check_snapshot(openstack, nova, glance, servers, server, host, snapshot_id, name, marker, secret):
    snapshot = h.wait_image_active(glance, snapshot_id)
    h.wait_status(nova, server.id, 'ACTIVE')  # task_state image_uploading cleared
    assert snapshot.name == name
    assert snapshot.container_format == 'docker'
    assert snapshot.disk_format == 'raw'
    assert snapshot.size and snapshot.size > 100_000
    assert h.docker_state(openstack, host, server.id) == 'running', 'the snapshot left the container stopped'

    # the Glance data is a docker save tarball whose layers hold the file
    data = b''.join(glance.images.data(snapshot_id))
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        manifest = json.load(tar.extractfile('manifest.json'))
        assert len(manifest) == 1 and manifest[0]['RepoTags'], manifest
        found_marker = False
        for layer in manifest[0]['Layers']:
            with tarfile.open(fileobj=tar.extractfile(layer)) as layer_tar:
                if 'data/marker' in layer_tar.getnames():
                    found_marker = layer_tar.extractfile('data/marker').read().decode().strip() == marker
        assert found_marker, 'no layer of the snapshot holds /data/marker with the marker'

    # booting the snapshot, with no command of its own, runs the command the container ran, with its
    # environment (the launch's values: project members see them as server metadata anyway)
    again, again_host, again_found = boot_active(openstack, nova, glance, servers, image_id=snapshot_id)
    assert again_found['Config']['Labels'][h.LABEL_IMAGE] == snapshot_id
    assert again_found['Config']['Labels'][h.LABEL_UUID] == again.id
    output = h.wait_for(lambda: (lambda text: text if 'written' in text else None)(
        nova.servers.get_console_output(again.id)), 20,
        message=lambda: f'console output of the snapshot server: {h.docker_logs(openstack, again_host, again.id)!r}')
    assert f'written [{secret}] in /' in output, output
    # the image carries no label naming the container it came from, not even an empty one
    image_config = openstack.docker(again_host).inspect_image(f'glance/{snapshot_id}:latest')['Config']
    assert not [key for key in image_config.get('Labels') or {} if key.startswith('org.openstack.')], image_config
    assert all(entry.partition('=')[2] for entry in image_config['Env']), image_config['Env']


def test_console_output_is_the_container_output(openstack, nova, glance, servers):
    token = h.unique('console')
    # stderr first, a second apart from stdout: Docker orders the two streams by their own timestamps
    command = h.shell(f'echo "{token} err" >&2; sleep 1; for i in 1 2 3 4 5; do echo "{token} out $i"; done; '
                      + h.SLEEP_FOREVER)
    server, host, _ = boot_active(openstack, nova, glance, servers, meta={'docker_command': command})

    def full():
        text = nova.servers.get_console_output(server.id)
        return text if f'{token} out 5' in text else None
    output = h.wait_for(full, 20, message=lambda: f'docker logs: {h.docker_logs(openstack, host, server.id)!r}')
    lines = output.splitlines()
    for i in range(1, 6):
        assert f'{token} out {i}' in lines
    assert f'{token} err' in lines, 'stderr is part of the console output'
    assert output == h.docker_logs(openstack, host, server.id)
    # Nova's length parameter keeps the last lines (Nova counts the empty piece after the final
    # newline as a line, so length=3 gives two lines of text)
    tail = nova.servers.get_console_output(server.id, length=3).splitlines()
    assert tail == [f'{token} out 4', f'{token} out 5'], tail
    # the output survives a stop: the console of a stopped container still answers
    nova.servers.stop(server.id)
    h.wait_status(nova, server.id, 'SHUTOFF')
    assert f'{token} out 1' in nova.servers.get_console_output(server.id)


def test_non_docker_image_fails_with_a_readable_fault(openstack, nova, glance, servers, images):
    image = glance.images.create(name=h.unique('bare-image'), container_format='bare', disk_format='raw')
    images.append(image.id)
    glance.images.upload(image.id, io.BytesIO(h.tiny_tar()))
    h.wait_image_active(glance, image.id)

    server = h.boot(nova, image.id)
    servers.append(server.id)
    failed = h.wait_status(nova, server.id, 'ERROR', timeout=h.BOOT_TIMEOUT)
    message = failed.fault['message']
    assert "container_format is 'bare'" in message, message
    assert "container_format 'docker'" in message, message
    assert 'unix://' not in message and 'tcp://' not in message, message
    for host in h.HOSTS:
        assert h.container(openstack, host, server.id) is None, f'a container was left on {host}'


@pytest.mark.parametrize('meta, expected', [
    pytest.param({'docker_command': "sh -c 'echo unbalanced"},
                 'server metadata docker_command is not a valid command line', id='unbalanced-quote'),
    pytest.param({'docker_env_1BAD': 'x'},
                 "'1BAD' is not a valid environment variable name", id='bad-env-name'),
    pytest.param({'docker_command': '/no/such/binary'}, 'the container command could not be run',
                 id='missing-binary')])
def test_bad_launch_metadata_fails_with_a_readable_fault(openstack, nova, glance, servers, meta, expected):
    server = h.boot(nova, h.image_id(glance, BUSYBOX), meta=meta)
    servers.append(server.id)
    failed = h.wait_status(nova, server.id, 'ERROR', timeout=h.BOOT_TIMEOUT)
    for host in h.HOSTS:
        assert h.container(openstack, host, server.id) is None, f'a container was left on {host}'
    assert expected in failed.fault['message'], failed.fault
