"""Boot to running through the driver vs `docker run` of the same image, same host, same run (needs `make run`).

As admin (to pin the compute host), boots busybox:latest on docker-host-1 with Nova and times from the
create call to the moment the host's dockerd reports container nova-<uuid> running (polled every 50 ms);
the image is cached on the host (a warm-up boot first). The baseline is `docker run -d` of the driver's
cached image (glance/<image id>:latest) on the same dockerd, timed by the CLI. Reports the ratio (no
target: Nova's API, scheduler, conductor and RPC are what it costs). Deletes what it booted.

    .venv/bin/python bench/boot_time.py [--runs 5] [--host docker-host-1] [--json FILE]
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

import docker.errors

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench import common  # noqa: E402

PREFIX = 'bench-boot-'


def container_running(engine, name: str) -> bool:
    try:
        return engine.inspect_container(name)['State']['Running']
    except docker.errors.NotFound:
        return False


def nova_boot(nova, engine, image: str, flavor: str, host: str) -> tuple:
    """(seconds to container running, seconds to Nova ACTIVE, server id)."""
    started = time.perf_counter()
    server = nova.servers.create(f'{PREFIX}{int(time.time() * 1000)}', image=image, flavor=flavor, nics='none',
                                 availability_zone=f'nova:{host}')
    common.wait_until(lambda: container_running(engine, 'nova-' + server.id), 180, 'the container running', 0.05)
    running = time.perf_counter() - started
    common.wait_active(nova, server.id)
    return running, time.perf_counter() - started, server.id


def docker_run(env: dict, host: str, ref: str) -> float:
    name = f'{PREFIX}cli-{int(time.time() * 1000)}'
    cli = common.docker_cli_env(env, host)
    started = time.perf_counter()
    subprocess.run(['docker', 'run', '-d', '--name', name, '--network', 'none', ref], env=cli, check=True,
                   stdout=subprocess.DEVNULL, timeout=120)
    elapsed = time.perf_counter() - started
    subprocess.run(['docker', 'rm', '-f', name], env=cli, check=True, stdout=subprocess.DEVNULL, timeout=120)
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--runs', type=int, default=1 if common.quick() else 5)
    parser.add_argument('--host', default='docker-host-1', choices=common.HOSTS)
    parser.add_argument('--json')
    args = parser.parse_args()
    env, creds = common.stack_env()
    _session, nova, glance = common.clients(env, creds, 'admin')
    engine = common.docker_client(env, args.host)
    image = common.image_id(glance, 'busybox:latest')
    flavor = nova.flavors.find(name='m1.tiny').id
    booted, ours, active, cli = [], [], [], []
    try:
        booted.append(nova_boot(nova, engine, image, flavor, args.host)[2])   # warm-up: loads the image once
        for _ in range(args.runs):
            running, to_active, server_id = nova_boot(nova, engine, image, flavor, args.host)
            booted.append(server_id)
            ours.append(running)
            active.append(to_active)
            cli.append(docker_run(env, args.host, f'glance/{image}:latest'))
            nova.servers.delete(server_id)
    finally:
        for server_id in booted:
            try:
                nova.servers.delete(server_id)
            except Exception:  # noqa: BLE001 - already deleted
                pass
    note = (f'cached image on {args.host}; Nova ACTIVE after median {sorted(active)[len(active) // 2]:.2f} s '
            f'(the container runs before Nova records ACTIVE)')
    rows = [common.figure('boot_time', 'boot to running (driver), cached image', 's', ours, cli,
                          '`docker run` of the same image', None, note)]
    common.write_figures(args.json, 'boot_time', rows, host=args.host)
    return 0


if __name__ == '__main__':
    sys.exit(main())
