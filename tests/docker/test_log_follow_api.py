"""Live following against a real dockerd: latency, resume from a cursor with nothing lost or repeated,
heartbeats while quiet, closing an abandoned stream, and the per-process stream limit."""
import time
import types
from datetime import datetime

import pytest

from docker_dashboard import api
from docker_dashboard import exceptions
from docker_dashboard.api.log_follow import Cursor
from docker_dashboard.api.log_follow import StreamSlots
from docker_dashboard.api.log_lines import unpack

pytestmark = pytest.mark.docker
REQUEST = types.SimpleNamespace(user=types.SimpleNamespace(project_id='project-a'))


def line_batches(blocks):
    """The follower's LineBlocks as lists of LogLines."""
    for block in blocks:
        yield unpack(block)


def running(server_containers, command, **kwargs):
    server, container_id = server_containers.create(command, **kwargs)
    return api.containers.container_for_server(REQUEST, server), container_id


def test_cursor_round_trip_is_exact_to_the_nanosecond():
    cursor = Cursor.parse('2026-11-23T11:32:14.810899823Z~2')
    assert cursor.since() == '1795433534.810899823'
    assert str(cursor) == '2026-11-23T11:32:14.810899823Z~2'
    assert Cursor.parse('2026-11-23T11:32:14Z~1').since() == '1795433534.000000000'
    assert Cursor.parse('2026-11-23T11:32:14.5Z~1').since() == '1795433534.500000000'
    for bad in ('x', '2026-11-23T11:32:14Z', '2026-11-23T11:32:14Z~', '../../etc~1', '2026-11-23 11:32:14Z~1'):
        with pytest.raises(exceptions.LogLimitExceeded):
            Cursor.parse(bad)
    assert Cursor.parse('') is None


def test_new_lines_arrive_within_a_second(server_containers):
    container, _ = running(server_containers, ['sh', '-c', 'sleep 1; while true; do echo tick; sleep 0.3; done'])
    follower = api.log_follow.follow_container(container, tail=0, max_seconds=10)
    delays = []
    for batch in line_batches(follower.batches(heartbeat=0.5)):
        received = time.time()
        for line in batch:
            # Docker stamps each line when the container writes it.
            written = datetime.fromisoformat(line.timestamp[:26] + '+00:00').timestamp()
            delays.append(received - written)
        if len(delays) >= 5:
            break
    follower.close()
    assert len(delays) >= 5
    assert max(delays) < 1.0, delays


def test_resume_from_cursor_loses_and_repeats_nothing(server_containers):
    # Bursts of lines written in one go share timestamps closely; reconnect mid-stream several times.
    container, container_id = running(server_containers, ['sh', '-c', 'seq 1 3000; sleep 1; seq 3001 6000; sleep 60'])
    seen, cursor, reconnects = [], None, 0
    deadline = time.monotonic() + 30
    while len(seen) < 6000 and time.monotonic() < deadline:
        follower = api.log_follow.follow_container(container, cursor=cursor, tail='all', max_seconds=10)
        taken = 0
        for batch in line_batches(follower.batches(heartbeat=0.5, max_lines=137)):
            seen.extend(int(line.text) for line in batch)
            taken += len(batch)
            if taken >= 700 or len(seen) >= 6000:
                break   # drop the connection mid-stream, like a sleeping browser tab
        follower.close()
        cursor = follower.cursor
        reconnects += 1
    assert reconnects >= 5
    assert seen == list(range(1, 6001))


def test_quiet_container_gets_heartbeats_and_the_stream_stays_open(server_containers):
    container, _ = running(server_containers, ['sh', '-c', 'echo start; sleep 60'])
    follower = api.log_follow.follow_container(container, tail='all', max_seconds=10)
    batches = []
    started = time.monotonic()
    for batch in line_batches(follower.batches(heartbeat=0.3)):
        batches.append([line.text for line in batch])
        if len(batches) >= 5:
            break
    follower.close()
    assert batches[0] == ['start']
    assert batches[1:] == [[], [], [], []]
    assert time.monotonic() - started < 3


def test_closing_releases_dockerd(server_containers, dockerd):
    container, _ = running(server_containers, ['sh', '-c', 'while true; do echo spam; done'])
    follower = api.log_follow.follow_container(container, tail=0, max_seconds=60)
    generator = follower.batches(heartbeat=0.5)
    assert next(generator).count
    generator.close()   # what the WSGI server does when the browser goes away
    assert follower.released, 'the connection to dockerd is still open after close'
    assert follower.end_reason == 'closed'


def test_time_bound_ends_the_follow_and_says_why(server_containers):
    container, _ = running(server_containers, ['sh', '-c', 'while true; do echo tick; sleep 0.2; done'])
    follower = api.log_follow.follow_container(container, tail=0, max_seconds=1.2)
    started = time.monotonic()
    lines = sum(len(batch) for batch in line_batches(follower.batches(heartbeat=0.5)))
    assert 1.1 < time.monotonic() - started < 3
    assert lines >= 3
    assert follower.end_reason == 'time'


def test_a_stopped_container_ends_with_eof(server_containers):
    container, container_id = running(server_containers, ['sh', '-c', 'echo a; echo b >&2'])
    server_containers.wait(container_id)
    follower = api.log_follow.follow_container(container, tail='all', max_seconds=10)
    texts = [(line.stream, line.text) for batch in line_batches(follower.batches(heartbeat=0.5)) for line in batch]
    assert sorted(texts) == [('stderr', 'b'), ('stdout', 'a')]
    assert follower.end_reason == 'eof'


def test_stream_slots_refuse_beyond_the_limit(docker_settings, settings):
    config = dict(settings.DOCKER_DASHBOARD)
    config['logs'] = dict(config['logs'], max_streams=2)
    settings.DOCKER_DASHBOARD = config
    StreamSlots.acquire()
    StreamSlots.acquire()
    try:
        with pytest.raises(exceptions.LogLimitExceeded, match='Too many live log views'):
            StreamSlots.acquire()
    finally:
        StreamSlots.release()
        StreamSlots.release()
    assert StreamSlots.in_use() == 0


