"""The log reader against a real dockerd: frames, stream types, order, bounds, follow and close."""
import threading
import time
import types
from datetime import datetime, timezone

import pytest

from docker_dashboard import api
from docker_dashboard import exceptions

pytestmark = pytest.mark.docker
REQUEST = types.SimpleNamespace(user=types.SimpleNamespace(project_id='project-a'))


def finished(server_containers, command, **kwargs):
    server, container_id = server_containers.create(command, **kwargs)
    server_containers.wait(container_id)
    return api.containers.container_for_server(REQUEST, server)


def running(server_containers, command, **kwargs):
    server, _ = server_containers.create(command, **kwargs)
    return api.containers.container_for_server(REQUEST, server)


def test_stdout_and_stderr_keep_their_type_and_order(server_containers):
    container = finished(server_containers, ['sh', '-c', (
        'echo out-1; sleep 0.05; echo err-1 >&2; sleep 0.05; echo out-2; sleep 0.05; '
        'echo err-2 >&2; sleep 0.05; printf "last-without-newline"')])
    lines = api.logs.tail_lines(container, 100)
    assert [(line.stream, line.text) for line in lines] == [
        ('stdout', 'out-1'), ('stderr', 'err-1'), ('stdout', 'out-2'), ('stderr', 'err-2'),
        ('stdout', 'last-without-newline')]


def test_only_one_stream_when_asked(server_containers):
    container = finished(server_containers, ['sh', '-c', 'echo a; echo b >&2; echo c'])
    assert [l.text for l in api.logs.tail_lines(container, 10, stderr=False)] == ['a', 'c']
    assert [l.text for l in api.logs.tail_lines(container, 10, stdout=False)] == ['b']


def test_tail_returns_the_last_lines_only(server_containers):
    container = finished(server_containers, ['seq', '1', '3000'])
    lines = api.logs.tail_lines(container, 10)
    assert [l.text for l in lines] == [str(n) for n in range(2991, 3001)]
    with api.logs.container_logs(container, tail='all') as stream:
        assert sum(1 for _ in stream) == 3000
        assert stream.end_reason == 'eof'


def test_tail_beyond_the_limit_is_refused(server_containers):
    container = finished(server_containers, ['true'])
    with pytest.raises(exceptions.LogLimitExceeded, match='5000'):
        api.logs.container_logs(container, tail=5001)
    with pytest.raises(exceptions.LogLimitExceeded):
        api.logs.container_logs(container, tail=-1)


def test_timestamps_since_and_until(server_containers):
    container = finished(server_containers, ['sh', '-c', 'echo early; sleep 1.2; echo late'])
    lines = api.logs.tail_lines(container, 10, timestamps=True)
    assert [l.text for l in lines] == ['early', 'late']
    stamps = [datetime.fromisoformat(l.timestamp[:26] + '+00:00') for l in lines]
    assert (stamps[1] - stamps[0]).total_seconds() >= 1
    middle = stamps[0].timestamp() + 0.6
    assert [l.text for l in api.logs.tail_lines(container, 10, since=middle)] == ['late']
    assert [l.text for l in api.logs.tail_lines(container, 10, until=middle)] == ['early']
    aware = datetime.fromtimestamp(middle, tz=timezone.utc)
    assert [l.text for l in api.logs.tail_lines(container, 10, since=aware)] == ['late']
    with pytest.raises(exceptions.LogLimitExceeded):
        api.logs.container_logs(container, since=datetime(2026, 1, 1))


def test_byte_bound_stops_reading(server_containers):
    container = finished(server_containers, ['seq', '1', '20000'])
    with api.logs.container_logs(container, tail='all', max_bytes=1000) as stream:
        lines = list(stream)
    assert stream.end_reason == 'bytes'
    assert stream.bytes_read == 1000
    assert 0 < len(lines) < 200
    assert lines[0].text == '1'


def test_download_reads_past_the_read_bound_up_to_its_own(server_containers, settings, docker_settings):
    # a read (page, search) stops at logs.max_bytes; a download at logs.download_max_bytes
    settings.DOCKER_DASHBOARD = dict(docker_settings, logs=dict(
        docker_settings['logs'], max_bytes=4096, max_seconds=1, download_max_bytes=60000))
    container = finished(server_containers, ['seq', '1', '20000'])   # 108,894 bytes of text
    with api.logs.container_logs(container, tail='all') as stream:
        assert len(list(stream)) < 1000
        assert stream.end_reason == 'bytes'
    with api.logs.container_logs(container, tail='all', download=True) as stream:
        assert stream.max_seconds == 600
        lines = list(stream)
    assert stream.end_reason == 'bytes' and stream.bytes_read == 60000
    assert 4000 < len(lines) < 20000 and lines[0].text == '1'   # 8 bytes of frame header per line
    settings.DOCKER_DASHBOARD = dict(settings.DOCKER_DASHBOARD, logs=dict(
        settings.DOCKER_DASHBOARD['logs'], download_max_bytes=1024 * 1024))
    with api.logs.container_logs(container, tail='all', download=True) as stream:
        assert [line.text for line in stream] == [str(n) for n in range(1, 20001)]
    assert stream.end_reason == 'eof'


def test_long_line_is_cut_and_marked(server_containers):
    container = finished(server_containers, ['sh', '-c', "yes x | head -c 60000 | tr -d '\\n'; echo; echo next"])
    lines = api.logs.tail_lines(container, 10)
    assert lines[0].truncated is True
    assert len(lines[0].text) == 1024  # docker_settings: max_line_bytes
    assert (lines[1].text, lines[1].truncated) == ('next', False)


def test_tty_container_is_read_as_raw_stream(server_containers):
    container = finished(server_containers, ['sh', '-c', 'echo tty-out; echo tty-err >&2'], tty=True)
    assert container.tty is True
    assert [(l.stream, l.text) for l in api.logs.tail_lines(container, 10)] == [
        ('stdout', 'tty-out'), ('stdout', 'tty-err')]


def test_invalid_utf8_becomes_replacement_characters(server_containers):
    container = finished(server_containers, ['sh', '-c', "printf 'bad \\377\\376 bytes\\n'"])
    assert api.logs.tail_lines(container, 10)[0].text == 'bad \ufffd\ufffd bytes'


def test_follow_sees_new_lines_and_ends_at_time_bound(server_containers):
    container = running(server_containers, ['sh', '-c', 'i=0; while true; do i=$((i+1)); echo tick-$i; sleep 0.2; done'])
    started = time.monotonic()
    with api.logs.container_logs(container, tail=0, follow=True, max_seconds=1.5) as stream:
        lines = list(stream)
    elapsed = time.monotonic() - started
    assert stream.end_reason == 'time'
    assert 1.4 <= elapsed < 3
    texts = [l.text for l in lines]
    assert len(texts) >= 4
    numbers = [int(t.split('-')[1]) for t in texts]
    assert numbers == sorted(numbers) and len(set(numbers)) == len(numbers)


def test_follow_of_quiet_container_outlives_the_read_timeout(server_containers, docker_settings):
    container = running(server_containers, ['sh', '-c', 'echo first; sleep 3.5; echo second; sleep 60'])
    with api.logs.container_logs(container, tail='all', follow=True, max_seconds=5) as stream:
        texts = []
        for line in stream:
            texts.append(line.text)
            if len(texts) == 2:
                break
    # The 2-second client timeout must not end a follow that waits 3.5 s for its next line.
    assert texts == ['first', 'second']


def test_close_ends_a_follow_from_another_thread(server_containers):
    container = running(server_containers, ['sh', '-c', 'echo one; sleep 60'])
    stream = api.logs.container_logs(container, tail='all', follow=True, max_seconds=20)
    closer = threading.Timer(0.5, stream.close)
    started = time.monotonic()
    closer.start()
    lines = list(stream)
    assert time.monotonic() - started < 3
    assert [l.text for l in lines] == ['one']
    assert stream.end_reason == 'closed'


def test_follow_ends_when_the_container_stops(server_containers):
    container = running(server_containers, ['sh', '-c', 'echo a; sleep 0.5; echo b'])
    with api.logs.container_logs(container, tail='all', follow=True, max_seconds=15) as stream:
        texts = [l.text for l in stream]
    assert texts == ['a', 'b']
    assert stream.end_reason == 'eof'


def test_logs_of_unreachable_host_raise_within_timeout(docker_settings):
    container = api.containers.ServerContainer(server_id='x', host='silent-host', id='0' * 64, name='n', attrs={})
    started = time.monotonic()
    with pytest.raises(exceptions.DockerHostUnreachable):
        api.logs.container_logs(container, tail=10)
    assert time.monotonic() - started < docker_settings['timeout'] + 1


def test_unreadable_log_driver_gives_a_clear_error(server_containers, engine):
    server, container_id = server_containers.create(['true'], start=False)
    engine.remove_container(container_id, force=True)
    created = engine.create_container('busybox:latest', command=['echo', 'x'], name=f'nova-{server["id"]}',
                                      labels={'org.openstack.nova.instance_uuid': server['id']},
                                      host_config=engine.create_host_config(
                                          network_mode='none', log_config={'type': 'none'}))
    server_containers.created.append(created['Id'])
    container = api.containers.container_for_server(REQUEST, server)
    with pytest.raises(exceptions.DockerHostError) as caught:
        api.logs.container_logs(container, tail=10)
    assert 'logging driver' in str(caught.value) or 'log' in str(caught.value).lower()
    assert '://' not in str(caught.value)


@pytest.mark.parametrize('host', ['test-host', 'tls-host'])
def test_big_log_read_whole_and_in_order_over_unix_and_tls(server_containers, host):
    """20,000 frames (Docker sends one HTTP chunk per frame) arrive complete, in order, stream types
    kept, through the reader that removes the chunk framing itself, on a Unix socket and over TLS."""
    container = finished(server_containers, ['sh', '-c', (
        'i=0; while [ $i -lt 10000 ]; do echo "out $i"; echo "err $i" >&2; i=$((i+1)); done')], host=host)
    with api.logs.container_logs(container, tail='all') as stream:
        assert stream.direct_read, 'dockerd answered with a chunked body: the fast reader must be in use'
        lines = [(line.stream, line.text) for line in stream]
        assert stream.end_reason == 'eof'
    assert len(lines) == 20000
    assert [text for stream, text in lines if stream == 'stdout'] == [f'out {n}' for n in range(10000)]
    assert [text for stream, text in lines if stream == 'stderr'] == [f'err {n}' for n in range(10000)]
