"""Host resources, provider inventory, console output bounds, and an unreachable daemon."""
from __future__ import annotations

import json
import os
import socket
import time

import pytest
from tests.driver.driver_helpers import spawn, wait_for

import nova.conf
from nova import exception
from nova.compute import provider_tree

from nova_docker import client as docker_client
from nova_docker import driver as docker_driver

pytestmark = pytest.mark.docker
CONF = nova.conf.CONF


def test_available_resource_comes_from_docker_info(drv, daemon, docker_cli):
    info = docker_cli.info()
    resources = drv.get_available_resource(CONF.host)
    assert resources['vcpus'] == info['NCPU'] >= 1
    assert resources['memory_mb'] == info['MemTotal'] // 2 ** 20
    with open('/proc/meminfo') as handle:
        mem_kb = int(handle.readline().split()[1])
    assert abs(resources['memory_mb'] - mem_kb // 1024) <= 1
    disk = os.statvfs(daemon.data_root)
    assert resources['local_gb'] == disk.f_blocks * disk.f_frsize // 2 ** 30
    assert 0 <= resources['disk_available_least'] <= resources['local_gb']
    assert resources['hypervisor_type'] == 'docker'
    assert resources['hypervisor_hostname'] == CONF.host == 'drv-test-host'
    assert resources['hypervisor_version'] >= 20010000
    assert resources['supported_instances'][0][1:] == ('docker', 'exe')
    assert json.loads(resources['cpu_info'])['topology']['cores'] == info['NCPU']
    assert drv.get_available_nodes() == [CONF.host]


def test_update_provider_tree_reports_inventory(drv, docker_cli):
    tree = provider_tree.ProviderTree()
    tree.new_root(CONF.host, '5c7ff0a9-5d0c-4e5d-8d5d-7b2a7f7c1b11')
    drv.update_provider_tree(tree, CONF.host)
    inventory = tree.data(CONF.host).inventory
    info = docker_cli.info()
    assert inventory['VCPU']['total'] == info['NCPU']
    assert inventory['MEMORY_MB']['total'] == info['MemTotal'] // 2 ** 20
    assert inventory['DISK_GB']['total'] >= 1
    assert inventory['VCPU']['allocation_ratio'] == CONF.initial_cpu_allocation_ratio
    traits = drv.capabilities_as_traits()
    assert traits['COMPUTE_IMAGE_TYPE_RAW'] is True and traits['COMPUTE_IMAGE_TYPE_QCOW2'] is False


def test_console_output_is_the_bounded_tail(drv, ctx, app_image, docker_opt):
    instance = spawn(drv, ctx, app_image, metadata={'docker_command': "sh -c 'seq 1 5000; sleep 60'"})
    output = wait_for(lambda: (o := drv.get_console_output(ctx, instance)).endswith('5000\n') and o)
    assert isinstance(output, str)
    lines = output.splitlines()
    assert len(lines) == CONF.docker.console_log_tail_lines == 1000
    assert lines[0] == '4001' and lines[-1] == '5000'
    docker_opt('console_log_max_bytes', 1024)
    small = drv.get_console_output(ctx, instance)
    assert len(small) == 1024 and small.endswith('4999\n5000\n')


def test_console_output_of_one_huge_line_is_bounded(drv, ctx, app_image):
    command = "sh -c 'head -c 3000000 /dev/zero | tr \"\\0\" a; echo; echo end; sleep 60'"
    instance = spawn(drv, ctx, app_image, metadata={'docker_command': command})
    output = wait_for(lambda: (o := drv.get_console_output(ctx, instance)).endswith('end\n') and o)
    assert len(output) == CONF.docker.console_log_max_bytes
    assert output.endswith('a' * 100 + '\nend\n')


def test_console_output_reaches_nova_with_one_replacement_per_character(drv, ctx, app_image):
    """Nova's compute manager encodes the driver's str as latin-1 and decodes it as ASCII: invalid
    UTF-8 (2 bytes, which the json-file log holds as two U+FFFD) and 'é' must come out as 2 and 1
    replacement characters, as the panel shows them, not one per UTF-8 byte (6 and 2)."""
    command = "sh -c 'printf \"a\\377\\376b caf\\303\\251\\nend\\n\"; sleep 60'"
    instance = spawn(drv, ctx, app_image, metadata={'docker_command': command})
    output = wait_for(lambda: (o := drv.get_console_output(ctx, instance)).endswith('end\n') and o)
    assert isinstance(output, str)
    as_nova_shows_it = output.encode('latin-1').decode('ascii', 'replace')
    assert as_nova_shows_it == 'a\ufffd\ufffdb caf\ufffd\nend\n'



@pytest.fixture
def unreachable(docker_opt, tmp_path):
    """Point the driver at a socket that accepts connections but never answers."""
    path = str(tmp_path / 'silent.sock')
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(16)
    docker_opt('api_url', 'unix://' + path)
    docker_opt('api_timeout', 2)
    try:
        yield path
    finally:
        listener.close()


def test_hung_daemon_gives_readable_error_within_the_timeout(unreachable, ctx, app_image,
                                                            image_service):
    from tests.driver.driver_helpers import make_instance
    drv = docker_driver.DockerDriver(None, docker_client.DockerAPI(), image_service)
    instance = make_instance(app_image.id)
    for call in (lambda: drv.get_info(instance), lambda: drv.list_instance_uuids(),
                 lambda: drv.spawn(ctx, instance, app_image, [], None, {}, [], None)):
        started = time.monotonic()
        with pytest.raises(exception.HypervisorUnavailable) as caught:
            call()
        assert time.monotonic() - started < 8
        message = caught.value.format_message()
        assert 'not reachable' in message
        assert unreachable not in message and 'unix' not in message and 'localhost' not in message
    assert image_service.downloads[app_image.id] == 0


def test_missing_daemon_fails_init_host_readably(docker_opt, tmp_path):
    docker_opt('api_url', f'unix://{tmp_path}/nothing-here.sock')
    drv = docker_driver.DockerDriver(None, docker_client.DockerAPI())
    started = time.monotonic()
    with pytest.raises(exception.HypervisorUnavailable) as caught:
        drv.init_host(CONF.host)
    assert time.monotonic() - started < 5
    assert 'nothing-here' not in caught.value.format_message()


def test_console_output_while_the_daemon_hangs_is_console_not_available(unreachable, image_service, app_image):
    # nova-api maps ConsoleNotAvailable to a readable 409/404; HypervisorUnavailable became an HTTP 500.
    from tests.driver.driver_helpers import make_instance
    drv = docker_driver.DockerDriver(None, docker_client.DockerAPI(), image_service)
    with pytest.raises(exception.ConsoleNotAvailable):
        drv.get_console_output(None, make_instance(app_image.id))
