"""api.stats against a real dockerd: numbers move for a busy, memory-hungry container; stopped and
unreachable hosts raise what the Stats tab turns into messages; the stream is bounded and closed."""
import time

import pytest

from docker_dashboard import api
from docker_dashboard import exceptions
from tests.docker.test_containers_api import member_request

pytestmark = pytest.mark.docker

# Burns a CPU; writes 8 MiB more to /dev/shm every half second up to 40 MiB (shared memory counts as used).
HUNGRY = ('i=0; while [ $i -lt 5 ]; do i=$((i+1)); dd if=/dev/zero of=/dev/shm/f$i bs=1M count=8 2>/dev/null; '
          'sleep 0.5; done; while :; do :; done')


def test_busy_hungry_container_cpu_and_memory_move(server_containers, engine):
    server, container_id = server_containers.create(['sh', '-c', 'sleep 600'])
    engine.update_container(container_id, mem_limit='64m', memswap_limit='128m')
    found = api.containers.container_for_server(member_request(), server)
    started = time.monotonic()
    quiet = api.stats.container_stats(found)
    elapsed = time.monotonic() - started
    assert 0.5 < elapsed < 4, elapsed            # two stream objects, about a second apart
    assert quiet.cpu_percent < 5
    assert quiet.memory_limit == 64 * 1024 * 1024
    assert quiet.pids == 1

    exec_id = engine.exec_create(container_id, ['sh', '-c', HUNGRY])['Id']
    engine.exec_start(exec_id, detach=True)
    deadline = time.monotonic() + 20
    busy = api.stats.container_stats(found)
    while (busy.memory_used - quiet.memory_used < 32 * 1024 * 1024 or busy.cpu_percent < 30) \
            and time.monotonic() < deadline:
        busy = api.stats.container_stats(found)
    assert busy.cpu_percent > 30, busy
    assert busy.memory_used - quiet.memory_used >= 32 * 1024 * 1024, (quiet, busy)
    assert busy.memory_used < busy.memory_limit
    assert busy.memory_percent > 50
    assert busy.pids >= 2
    assert busy.time > quiet.time


def test_stats_over_tls_host(server_containers):
    server, _ = server_containers.create(['sleep', '60'], host='tls-host')
    found = api.containers.container_for_server(member_request(), server)
    sample = api.stats.container_stats(found)
    assert sample.memory_used > 0 and sample.online_cpus >= 1


def test_stopped_container_is_not_running(server_containers):
    server, container_id = server_containers.create(['true'])
    server_containers.wait(container_id)
    found = api.containers.container_for_server(member_request(), server)
    started = time.monotonic()
    with pytest.raises(exceptions.ContainerNotRunning):
        api.stats.container_stats(found)
    assert time.monotonic() - started < 4


@pytest.mark.parametrize('host', ['closed-host', 'silent-host'])
def test_unreachable_host_raises_within_the_timeout(server_containers, host):
    server, _ = server_containers.create(['sleep', '60'])
    found = api.containers.container_for_server(member_request(), server)
    elsewhere = api.containers.ServerContainer(server_id=found.server_id, host=host, id=found.id,
                                               name=found.name, attrs=found.attrs)
    started = time.monotonic()
    with pytest.raises(exceptions.DockerHostUnreachable) as caught:
        api.stats.container_stats(elsewhere)
    assert time.monotonic() - started < 2 + 2   # the configured timeout (2 s) and a margin
    assert '://' not in str(caught.value)


def test_many_containers_sampled_in_parallel_and_a_dead_host_costs_one_timeout(server_containers):
    found = []
    for _ in range(3):
        server, _id = server_containers.create(['sleep', '60'])
        found.append(api.containers.container_for_server(member_request(), server))
    started = time.monotonic()
    results = api.stats.stats_for_containers(found)
    assert time.monotonic() - started < 3, 'sampled one after the other'   # one sample takes 1-2 s
    assert all(isinstance(results[c.server_id], api.stats.StatsSample) for c in found), results

    # The Usage column asks per host: 12 containers of a hung host, 8 at a time, cost ONE 2 s timeout.
    dead = [api.containers.ServerContainer(server_id=f'dead-{n}', host='silent-host', id='x' * 64, name='',
                                           attrs={}) for n in range(12)]
    started = time.monotonic()
    results = api.stats.stats_for_containers(dead)
    elapsed = time.monotonic() - started
    assert all(isinstance(results[c.server_id], exceptions.DockerHostUnreachable) for c in dead)
    assert elapsed < 3.5, elapsed
