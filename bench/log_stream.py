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
import json
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench import common  # noqa: E402
from bench.common import docker_cli_env  # noqa: E402
from tests.stack.horizon import Horizon  # noqa: E402


def boot_writer(env, creds, lines: int, width: int):
    session, nova, glance = common.clients(env, creds, 'demo')
    flavor = nova.flavors.find(name='m1.small')
    payload = 'x' * max(1, width - 9)
    command = f"sh -c 'yes {payload} | head -n {lines} | cat -n; sleep 3600'"
    server = nova.servers.create(f'bench-logs-{int(time.time())}', image=common.image_id(glance, 'busybox:latest'),
                                 flavor=flavor.id, nics='none', meta={'docker_command': command})
    server = common.wait_active(nova, server.id)
    return nova, server, common.host_of(env, session.get_project_id(), server)


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


def sse_lines(response, chunk: int = 256 * 1024):
    """The stream's lines as they arrive. (requests' iter_lines reads whole chunks, so the last lines of a
    followed log would wait in its buffer until the stream ends at its time bound.)"""
    pending = b''
    while True:
        data = response.raw.read1(chunk)
        if not data:
            break
        *complete, pending = (pending + data).split(b'\n')
        yield from complete


def endpoint_rate(horizon: Horizon, server_id: str, lines: int) -> tuple:
    path = f'/project/docker_containers/{server_id}/logs/stream'
    count, cursor, streams = 0, None, 0
    started = time.perf_counter()
    while count < lines:
        query = '?tail=all' + (f'&cursor={cursor}' if cursor else '')
        streams += 1
        with horizon.get(path + query, stream=True, timeout=60) as response:
            event = None
            for raw in sse_lines(response):
                if raw.startswith(b'event: '):
                    event = raw[7:]
                elif raw.startswith(b'id: '):
                    cursor = raw[4:].decode()
                elif raw.startswith(b'data: ') and event == b'lines':
                    # data: {"s":"ooe...", ...}: one stream mark per line
                    count += raw.index(b'"', 12) - 12
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
    parser.add_argument('--lines', type=int, default=20_000 if common.quick() else 2_000_000)
    parser.add_argument('--width', type=int, default=100)
    parser.add_argument('--runs', type=int, default=1 if common.quick() else 3)
    parser.add_argument('--json')
    args = parser.parse_args()
    env, creds = common.stack_env()
    nova, server, host = boot_writer(env, creds, args.lines, args.width)
    try:
        container = 'nova-' + server.id
        wait_written(env, host, container, args.lines)
        horizon = Horizon(env['HORIZON_URL'], creds['demo']['username'], creds['demo']['password'])
        cli, ours, growth, streams, busy = [], [], [], 0, []
        for _ in range(args.runs):
            cli.append(cli_rate(env, host, container, args.lines))
            watch = common.RSSWatch(common.horizon_pids(env))
            started = time.perf_counter()
            rate, streams = endpoint_rate(horizon, server.id, args.lines)
            busy.append(watch.cpu_seconds() / (time.perf_counter() - started))
            growth.append(watch.stop() / common.MB)
            ours.append(rate)
    finally:
        nova.servers.delete(server.id)
    log_mb = args.lines * args.width / common.MB
    rows = [
        common.figure('log_throughput', f'live log throughput, {log_mb:.0f} MB log ({args.lines} lines) on {host}',
                      'lines/s', ours, cli, '`docker logs` CLI, same container', ('>=', 0.8),
                      f'{streams} streams per read (the endpoint resumes at its byte/time bound); Horizon '
                      f'used {statistics.median(busy):.2f} CPU seconds per second while serving it', True),
        common.figure('log_memory', f'log streaming memory, Horizon RSS growth for a {log_mb:.0f} MB log', 'MB',
                      growth, 50.0, 'bound', ('<', 1.0)),
    ]
    common.write_figures(args.json, 'log_stream', rows, lines=args.lines, width=args.width, host=host,
                         horizon_cpu_per_s=busy)
    return 0


if __name__ == '__main__':
    sys.exit(main())
