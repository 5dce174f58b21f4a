"""Record real stats payloads from a private test dockerd into tests/unit/data/stats-*.real-dockerd.json.

The unit tests of docker_dashboard.api.stats compute CPU, memory and rates from these files, so they
test the arithmetic against what a real Docker Engine sends. Each file holds raw objects of Docker's
stats stream (`GET /containers/ID/stats?stream=1`, consecutive lines, about a second apart), the
container's HostConfig and the engine version. Run as root (it starts its own dockerd):

    .venv/bin/python tools/record_stats.py [OUTPUT_DIR]

Scenarios: busy (a shell busy loop, 0.5-CPU quota in `busy-limited`), idle (sleep), memory (before
and after 40 MiB land in /dev/shm under a 64 MiB limit), io (a writer with fsync and a pinger on a
bridge network: block and network counters move).
"""
from __future__ import annotations

import datetime
import json
import os
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import dockerd as harness  # noqa: E402

DEFAULT_OUT = os.path.join(os.path.dirname(HERE), 'tests', 'unit', 'data')
IMAGE = 'busybox:latest'


def stream_objects(client, container_id: str, count: int) -> list:
    """`count` consecutive objects of the stats stream (raw JSON, as the daemon sent them)."""
    objects = []
    for item in client.stats(container_id, stream=True, decode=True):
        objects.append(item)
        if len(objects) == count:
            break
    return objects


def run(client, command, name: str, network: str | None = None, **host_args) -> str:
    host_config = client.create_host_config(network_mode=network or 'none', **host_args)
    container = client.create_container(IMAGE, command=command, name=name, host_config=host_config)
    client.start(container['Id'])
    return container['Id']


def exec_wait(client, container_id: str, command: list) -> None:
    exec_id = client.exec_create(container_id, command)['Id']
    client.exec_start(exec_id)


def save(out_dir: str, scenario: str, client, container_id: str, samples: dict) -> None:
    version = client.version()
    record = {'recorded': datetime.datetime.now(datetime.timezone.utc).isoformat(timespec='seconds'),
              'engine': {'Version': version.get('Version'), 'ApiVersion': version.get('ApiVersion'),
                         'KernelVersion': version.get('KernelVersion')},
              'host_config': client.inspect_container(container_id)['HostConfig'], **samples}
    path = os.path.join(out_dir, f'stats-{scenario}.real-dockerd.json')
    with open(path, 'w') as handle:
        json.dump(record, handle, indent=1, sort_keys=True)
        handle.write('\n')
    print(path)


def main(argv: list) -> int:
    out_dir = argv[0] if argv else DEFAULT_OUT
    os.makedirs(out_dir, exist_ok=True)
    daemon = harness.DockerDaemon(f'rec-{os.getpid()}', tempfile.mkdtemp(prefix='record-stats-'))
    daemon.start()
    try:
        daemon.build_base_image(IMAGE)
        client = daemon.client(timeout=60)
        busy = run(client, ['sh', '-c', 'while :; do :; done'], 'busy')
        limited = run(client, ['sh', '-c', 'while :; do :; done'], 'busy-limited', nano_cpus=500_000_000)
        idle = run(client, ['sleep', '600'], 'idle')
        hungry = run(client, ['sleep', '600'], 'memory', mem_limit='64m')
        time.sleep(2)
        save(out_dir, 'busy', client, busy, {'samples': stream_objects(client, busy, 2)})
        save(out_dir, 'busy-limited', client, limited, {'samples': stream_objects(client, limited, 2)})
        save(out_dir, 'idle', client, idle, {'samples': stream_objects(client, idle, 2)})
        client.remove_container(busy, force=True)
        client.remove_container(limited, force=True)
        before = stream_objects(client, hungry, 2)
        exec_wait(client, hungry, ['dd', 'if=/dev/zero', 'of=/dev/shm/fill', 'bs=1M', 'count=40'])
        save(out_dir, 'memory', client, hungry, {'before': before, 'after': stream_objects(client, hungry, 2)})

        client.create_network('record-net', driver='bridge')
        target = run(client, ['sleep', '600'], 'target', network='record-net')
        address = client.inspect_container(target)['NetworkSettings']['Networks']['record-net']['IPAddress']
        writer = run(client, ['sh', '-c', f'ping -q -s 1400 -i 0.05 {address} & '
                              'while :; do dd if=/dev/zero of=/tmp/f bs=1M count=16 conv=fsync 2>/dev/null; done'],
                     'io', network='record-net')
        time.sleep(2)
        save(out_dir, 'io', client, writer, {'samples': stream_objects(client, writer, 2)})
    finally:
        daemon.destroy()
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
