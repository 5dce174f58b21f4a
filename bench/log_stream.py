"""Live-log endpoint throughput and memory vs `docker logs`, same container, same run (needs `make run`).

Boots a container (as `demo`) that writes --lines lines of --width bytes, then reads the whole log
 (1) with `docker logs` (the CLI against the compute host's dockerd) and
 (2) through Horizon's real live-log endpoint (SSE, resuming from the cursor whenever a stream ends at
     its byte or time bound, as the browser does),
and prints lines/s for each, the ratio (target >= 0.8), and the growth of the Horizon worker processes'
resident memory while streaming (target < 50 MB). Medians of --runs runs.

    .venv/bin/python bench/log_stream.py [--lines 2000000 --width 100] [--runs 3] [--json FILE]
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import threading
import time

import psutil

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

from bench.containers_index import clients, stack_env  # noqa: E402
from tests.stack.horizon import Horizon  # noqa: E402


def boot_writer(env, creds, lines: int, width: int):
    session, nova, glance = clients(env, creds, 'demo')
    image = next(i.id for i in glance.images.list() if i.name == 'busybox:latest')
    flavor = nova.flavors.find(name='m1.small')
    payload = 'x' * max(1, width - 9)
    command = f"sh -c 'yes {payload} | head -n {lines} | cat -n; sleep 3600'"
    server = nova.servers.create(f'bench-logs-{int(time.time())}', image=image, flavor=flavor.id, nics='none',
                                 meta={'docker_command': command})
    deadline = time.monotonic() + 180
    while nova.servers.get(server.id).status != 'ACTIVE':
        if time.monotonic() > deadline:
            raise SystemExit('benchmark container did not become ACTIVE')
        time.sleep(1)
    host = {hashlib.sha224((session.get_project_id() + h).encode()).hexdigest(): h
            for h in env['DOCKER_HOSTS'].split()}[nova.servers.get(server.id).hostId]
    return nova, server, host


def docker_cli_env(env: dict, host: str) -> dict:
    if host == 'docker-host-1':
        return dict(os.environ, DOCKER_HOST=env['DOCKER_HOST_1_URL'])
    return dict(os.environ, DOCKER_HOST=env['DOCKER_HOST_2_UNIX_URL'])


def wait_written(env, host, container: str, lines: int) -> None:
    """Until the container has written everything (its last line is numbered `lines`)."""
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        tail = subprocess.run(['docker', 'logs', '--tail', '1', container], env=docker_cli_env(env, host),
                              capture_output=True, text=True).stdout.split()
        if tail and tail[0] == str(lines):
            return
        time.sleep(1)
    raise SystemExit('the container did not finish writing in time')


def cli_rate(env, host, container: str, lines: int) -> float:
    started = time.perf_counter()
    proc = subprocess.Popen(['docker', 'logs', container], env=docker_cli_env(env, host),
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    count = sum(1 for _ in proc.stdout)
    proc.wait()
    elapsed = time.perf_counter() - started
    assert count == lines, f'docker logs gave {count} lines'
    return count / elapsed


class RSSWatch:
    """Samples the summed RSS of Horizon's uwsgi processes every 50 ms."""

    def __init__(self, pids: list):
        self.processes = [psutil.Process(pid) for pid in pids]
        self.base = self.total()
        self.peak = self.base
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def total(self) -> int:
        return sum(p.memory_info().rss for p in self.processes if p.is_running())

    def _run(self):
        while not self._stop.wait(0.05):
            self.peak = max(self.peak, self.total())

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak - self.base


def horizon_pids(env: dict) -> list:
    master = int(open(os.path.join(env['STACK_DIR'], 'run', 'horizon.pid')).read().split()[0])
    return [master] + [child.pid for child in psutil.Process(master).children(recursive=True)]


def endpoint_rate(horizon: Horizon, server_id: str, lines: int) -> tuple:
    path = f'/project/docker_containers/{server_id}/logs/stream'
    count, cursor, streams = 0, None, 0
    started = time.perf_counter()
    while count < lines:
        query = f'?tail=all' + (f'&cursor={cursor}' if cursor else '')
        streams += 1
        with horizon.get(path + query, stream=True, timeout=60) as response:
            event = None
            for raw in response.iter_lines(chunk_size=256 * 1024):
                if raw.startswith(b'event: '):
                    event = raw[7:]
                elif raw.startswith(b'id: '):
                    cursor = raw[4:].decode()
                elif raw.startswith(b'data: ') and event == b'lines':
                    count += raw.count(b'["o",')
                    if count >= lines:
                        break
                elif raw.startswith(b'data: ') and event in (b'end', b'failed'):
                    data = json.loads(raw[6:])
                    cursor = data.get('cursor') or cursor
                    if event == b'failed' or data.get('reason') not in ('time', 'bytes'):
                        raise SystemExit(f'stream ended: {data}')
                    break
    elapsed = time.perf_counter() - started
    return count / elapsed, streams


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--lines', type=int, default=2_000_000)
    parser.add_argument('--width', type=int, default=100)
    parser.add_argument('--runs', type=int, default=3)
    parser.add_argument('--json')
    args = parser.parse_args()
    env, creds = stack_env()
    env.setdefault('STACK_DIR', os.path.join(REPO, '.state', 'stack'))
    nova, server, host = boot_writer(env, creds, args.lines, args.width)
    try:
        container = 'nova-' + server.id
        wait_written(env, host, container, args.lines)
        horizon = Horizon(env['HORIZON_URL'], creds['demo']['username'], creds['demo']['password'])
        cli, ours, growth, streams = [], [], [], 0
        for _ in range(args.runs):
            cli.append(cli_rate(env, host, container, args.lines))
            watch = RSSWatch(horizon_pids(env))
            rate, streams = endpoint_rate(horizon, server.id, args.lines)
            growth.append(watch.stop())
            ours.append(rate)
    finally:
        nova.servers.delete(server.id)
    log_mb = args.lines * args.width / 1e6
    ratio = statistics.median(ours) / statistics.median(cli)
    print(f'live-log throughput, {args.lines} lines (~{log_mb:.0f} MB) on {host}, {args.runs} runs')
    print(f'  docker logs CLI: median {statistics.median(cli):,.0f} lines/s  (min {min(cli):,.0f}, max {max(cli):,.0f})')
    print(f'  our endpoint:    median {statistics.median(ours):,.0f} lines/s  (min {min(ours):,.0f}, max {max(ours):,.0f}),'
          f' {streams} streams per read (reconnects at the byte bound)')
    print(f'  ratio ours/CLI: {ratio:.2f}  (target >= 0.8)')
    print(f'  Horizon RSS growth while streaming: median {statistics.median(growth) / 1e6:.1f} MB '
          f'(max {max(growth) / 1e6:.1f} MB)  (target < 50 MB)')
    if args.json:
        with open(args.json, 'w') as handle:
            json.dump({'cli_lines_per_s': cli, 'ours_lines_per_s': ours, 'ratio': ratio,
                       'rss_growth_bytes': growth, 'lines': args.lines, 'width': args.width}, handle, indent=2)
    return 0


if __name__ == '__main__':
    sys.exit(main())
