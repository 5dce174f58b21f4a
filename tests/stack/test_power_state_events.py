"""Docker events reach Nova at once: a server whose command ends by itself is SHUTOFF within seconds of
the container's exit, not at Nova's next power-state sync (sync_power_state_interval: Nova's default of
600 s; stack/etc/nova does not change it).

The lag from each container's exit (Docker's FinishedAt) to Nova's SHUTOFF is printed; more boots:
POWER_EVENT_BOOTS=10 .venv/bin/pytest tests/stack/test_power_state_events.py -s -q"""
from __future__ import annotations

import datetime
import os
import re
import statistics
import time

import pytest

from tests.stack import nova_helpers as h

pytestmark = pytest.mark.stack

BUSYBOX = 'busybox:latest'
SHUTOFF_WITHIN = 20.0
BOOTS = int(os.environ.get('POWER_EVENT_BOOTS', '3'))


def docker_time(text: str) -> float:
    """Docker's RFC 3339 time with nanoseconds as a Unix timestamp."""
    match = re.match(r'(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?Z$', text)
    assert match, text
    seconds = datetime.datetime.fromisoformat(match.group(1)).replace(tzinfo=datetime.timezone.utc)
    return seconds.timestamp() + float('0.' + (match.group(2) or '0'))


def test_a_one_shot_server_is_shutoff_soon_after_its_command_ends(openstack):
    nova = openstack.nova('demo')
    image = h.image_id(openstack.glance('demo'), BUSYBOX)
    servers: list[str] = []
    try:
        for _ in range(BOOTS):
            servers.append(h.boot(nova, image, name=h.unique('oneshot'),
                                  meta={'docker_command': 'echo done'}).id)
        lags = watch_until_shutoff(openstack, nova, servers)
    finally:
        h.delete_servers(nova, servers)
    values = sorted(lags.values())
    print(f'\nexit -> SHUTOFF lag over {len(values)} boots: median {statistics.median(values):.1f} s, '
          f'min {values[0]:.1f} s, max {values[-1]:.1f} s ({", ".join(f"{lag:.1f}" for lag in values)})')


def watch_until_shutoff(openstack, nova, servers: list[str]) -> dict[str, float]:
    """Each server's lag from its container's exit to SHUTOFF; fails beyond SHUTOFF_WITHIN.

    One loop watches every server, so each SHUTOFF is seen when it happens."""
    exited: dict[str, tuple[float, str, str]] = {}  # server id -> (exit time, host, container id)
    lags: dict[str, float] = {}
    give_up = time.time() + h.BOOT_TIMEOUT
    while len(lags) < len(servers):
        for server_id in [s for s in servers if s not in lags]:
            server = nova.servers.get(server_id)
            assert server.status != 'ERROR', h.describe(nova, server_id)
            if server_id not in exited:
                found = h.container(openstack, h.host_of(openstack, server), server_id) \
                    if server.hostId else None
                if found is None or found['State']['Status'] != 'exited':
                    continue
                assert found['State']['ExitCode'] == 0, found['State']
                exited[server_id] = (docker_time(found['State']['FinishedAt']),
                                     h.host_of(openstack, server), found['Id'])
            if server.status == 'SHUTOFF':
                lags[server_id] = time.time() - exited[server_id][0]
            else:
                assert time.time() < exited[server_id][0] + SHUTOFF_WITHIN, \
                    f'not SHUTOFF within {SHUTOFF_WITHIN} s of the container exit: {h.describe(nova, server_id)}'
        assert time.time() < give_up, f'containers exited: {sorted(exited)} of {servers}'
        time.sleep(0.25)
    for server_id, (_, host, container_id) in exited.items():
        h.wait_status(nova, server_id, 'SHUTOFF')  # and Nova's stop task is over
        assert getattr(nova.servers.get(server_id), 'OS-EXT-STS:power_state') == 4  # Shutdown
        assert h.docker_logs(openstack, host, server_id) == 'done\n'
        # Nova stopped the instance; its container is the same one, still there and exited
        assert h.container(openstack, host, server_id)['Id'] == container_id
    return lags
