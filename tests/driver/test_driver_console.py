"""The serial console against a real dockerd: the test plays nova-serialproxy (CONNECT <path>, then bytes)."""
from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import nova.conf
from nova import exception

from nova_docker import console_sessions
from nova_docker import containers
from tests.driver.driver_helpers import spawn, wait_for

pytestmark = pytest.mark.docker
CONF = nova.conf.CONF


@pytest.fixture
def consoles(configured: None, tmp_path: Path) -> Iterator[None]:
    """Serial consoles on, a port range of this test process, state under a fresh instances_path."""
    base = 31000 + (os.getpid() % 400) * 10
    CONF.set_override('enabled', True, group='serial_console')
    CONF.set_override('port_range', f'{base}:{base + 9}', group='serial_console')
    CONF.set_override('instances_path', str(tmp_path / 'instances'))
    yield
    for name in ('enabled', 'port_range'):
        CONF.clear_override(name, group='serial_console')
    CONF.clear_override('instances_path')
    CONF.clear_override('token_ttl', group='consoleauth')


class Terminal:
    """What nova-serialproxy does with a console: CONNECT to host:port with the path, then relay."""

    def __init__(self, console: Any) -> None:
        self.sock = socket.create_connection((console.host, console.port), timeout=10)
        self.sock.sendall(f'CONNECT {console.internal_access_path} HTTP/1.1\r\n\r\n'.encode())
        self.buffer = b''
        while b'\r\n\r\n' not in self.buffer:
            chunk = self.sock.recv(4096)
            assert chunk, f'closed during the handshake: {self.buffer!r}'
            self.buffer += chunk
        self.status, _sep, self.buffer = self.buffer.partition(b'\r\n\r\n')

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def read_until(self, wanted: bytes, timeout: float = 10.0) -> bytes:
        deadline = time.monotonic() + timeout
        while wanted not in self.buffer:
            self.sock.settimeout(max(0.1, deadline - time.monotonic()))
            try:
                chunk = self.sock.recv(4096)
            except TimeoutError:
                chunk = None
            if not chunk or time.monotonic() > deadline:
                raise AssertionError(f'{wanted!r} not seen; got {self.buffer[-400:]!r}')
            self.buffer += chunk
        return self.buffer

    def read_to_end(self, timeout: float = 10.0) -> bytes:
        self.sock.settimeout(timeout)
        while chunk := self.sock.recv(4096):
            self.buffer += chunk
        return self.buffer

    def close(self) -> None:
        self.sock.close()


def processes(docker_cli: Any, instance: Any) -> list[str]:
    """The command lines ``docker top`` shows in the instance's container."""
    top = docker_cli.top(containers.container_name(instance.uuid))
    column = top['Titles'].index('CMD')
    return [row[column] for row in top['Processes']]


def shells_left(docker_cli: Any, instance: Any, before: list[str]) -> list[str]:
    return [cmd for cmd in processes(docker_cli, instance) if cmd not in before]


def test_session_runs_commands_resizes_and_leaves_no_process(drv, ctx, app_image, docker_cli, consoles):
    instance = spawn(drv, ctx, app_image)
    before = processes(docker_cli, instance)
    console = drv.get_serial_console(ctx, instance)
    again = drv.get_serial_console(ctx, instance)  # what validate_console_port compares
    assert (again.host, again.port) == (console.host, console.port) == ('127.0.0.1', console.port)
    assert again.internal_access_path != console.internal_access_path

    term = Terminal(console)
    assert term.status == b'HTTP/1.1 200 OK'
    term.send(b'\x1b[8;33;101tstty size\n')
    term.read_until(b'33 101')
    term.send(b'echo $((6*7))\n')
    term.read_until(b'\n42')
    term.send(b'\x1b[8;')  # a resize split over two reads is still taken out of the input
    time.sleep(0.2)
    term.send(b'40;120tstty size\n')
    term.read_until(b'40 120')
    assert b'[8;' not in term.buffer.split(b'33 101')[-1]
    term.send(b'sleep 100\n')
    wait_for(lambda: any('sleep 100' in cmd for cmd in processes(docker_cli, instance)))
    term.close()
    wait_for(lambda: not shells_left(docker_cli, instance, before), timeout=10)

    # The path was spent: the same token cannot open a second session.
    assert Terminal(console).status == b'HTTP/1.1 403 Forbidden'
    # A forged path (another instance's uuid, same signature) is refused too.
    forged = type(console)(console.host, console.port,
                           console.internal_access_path.replace(instance.uuid[:8], '00000000'))
    assert Terminal(forged).status == b'HTTP/1.1 403 Forbidden'


def test_exit_ends_the_session(drv, ctx, app_image, docker_cli, consoles):
    instance = spawn(drv, ctx, app_image)
    before = processes(docker_cli, instance)
    term = Terminal(drv.get_serial_console(ctx, instance))
    term.send(b'(sleep 300 &) ; exit\n')
    term.read_to_end()
    wait_for(lambda: not shells_left(docker_cli, instance, before), timeout=10)


def test_limits_per_instance_and_host(drv, ctx, app_image, docker_cli, consoles, docker_opt):
    docker_opt('console_max_sessions_per_instance', 1)
    docker_opt('console_max_sessions_per_host', 2)
    first = spawn(drv, ctx, app_image)
    second = spawn(drv, ctx, app_image)
    term = Terminal(drv.get_serial_console(ctx, first))
    term.send(b'echo ready\n')
    term.read_until(b'ready\r\n')
    with pytest.raises(exception.ConsoleTypeUnavailable, match='open consoles'):
        drv.get_serial_console(ctx, first)
    other = Terminal(drv.get_serial_console(ctx, second))
    other.send(b'echo ready\n')
    other.read_until(b'ready\r\n')
    docker_opt('console_max_sessions_per_instance', 5)
    with pytest.raises(exception.ConsoleTypeUnavailable, match='compute host has 2'):
        drv.get_serial_console(ctx, first)
    term.close()
    other.close()
    # Sessions end when their clients leave: the places are free again.
    wait_for(lambda: _opened(drv, ctx, first), timeout=10).close()


def test_idle_timeout_and_token_lifetime_end_the_session(drv, ctx, app_image, docker_cli, consoles,
                                                         docker_opt):
    instance = spawn(drv, ctx, app_image)
    before = processes(docker_cli, instance)
    docker_opt('console_idle_timeout', 2)
    term = Terminal(drv.get_serial_console(ctx, instance))
    term.send(b'sleep 100\n')
    assert b'Console closed: no input for 2 seconds.' in term.read_to_end()
    wait_for(lambda: not shells_left(docker_cli, instance, before), timeout=10)

    docker_opt('console_idle_timeout', 60)
    CONF.set_override('token_ttl', 3, group='consoleauth')
    term = Terminal(drv.get_serial_console(ctx, instance))
    started = time.monotonic()
    while time.monotonic() - started < 6 and b'Console closed' not in term.buffer:
        term.send(b'echo tick\n')  # input keeps it from being idle
        time.sleep(0.5)
        term.sock.settimeout(0.2)
        try:
            term.buffer += term.sock.recv(4096)
        except TimeoutError:
            pass
    assert b'Console closed: the console session reached its time limit.' in term.read_to_end()


def test_stopped_or_paused_container_is_refused(drv, ctx, app_image, consoles):
    instance = spawn(drv, ctx, app_image)
    drv.pause(instance)
    with pytest.raises(exception.InstanceNotReady, match='paused'):
        drv.get_serial_console(ctx, instance)
    drv.unpause(instance)
    console = drv.get_serial_console(ctx, instance)
    drv.power_off(instance, timeout=0)
    with pytest.raises(exception.InstanceNotReady, match='not running'):
        drv.get_serial_console(ctx, instance)
    # A path issued before the container stopped says so on the terminal instead of hanging.
    term = Terminal(console)
    assert term.status == b'HTTP/1.1 200 OK'
    assert b'The container is not running' in term.read_to_end()


def test_port_and_issued_paths_survive_a_restart(make_driver, ctx, app_image, consoles):
    first = make_driver()
    instance = spawn(first, ctx, app_image)
    console = first.get_serial_console(ctx, instance)
    first.cleanup_host(CONF.host)
    second = make_driver()
    assert second.get_serial_console(ctx, instance).port == console.port
    term = Terminal(console)
    term.send(b'echo $((6*7))\n')
    term.read_until(b'\n42')
    term.close()


def test_a_restarted_compute_kills_what_interrupted_sessions_left(make_driver, ctx, app_image, docker_cli,
                                                                  consoles, monkeypatch):
    first = make_driver()
    instance = spawn(first, ctx, app_image)
    before = processes(docker_cli, instance)
    # As if nova-compute died mid-session: nothing is killed and the session stays on record.
    monkeypatch.setattr(console_sessions, 'kill_processes', lambda *args, **kwargs: None)
    monkeypatch.setattr(first._consoles.state, 'drop_session', lambda nonce: None)
    term = Terminal(first.get_serial_console(ctx, instance))
    term.send(b'sleep 100\n')
    wait_for(lambda: any('sleep 100' in cmd for cmd in processes(docker_cli, instance)))
    term.close()
    first.cleanup_host(CONF.host)
    time.sleep(0.5)
    assert shells_left(docker_cli, instance, before)
    monkeypatch.undo()
    make_driver()
    wait_for(lambda: not shells_left(docker_cli, instance, before), timeout=10)


def test_interactive_container_is_attached(drv, ctx, app_image, docker_cli, consoles):
    instance = spawn(drv, ctx, app_image,
                     metadata={'docker_interactive': 'true', 'docker_command': 'sh'})
    config = docker_cli.inspect_container(containers.container_name(instance.uuid))['Config']
    assert config['Tty'] and config['OpenStdin']
    term = Terminal(drv.get_serial_console(ctx, instance))
    term.send(b'\x1b[8;20;70tstty size; echo $((6*7))\n')
    term.read_until(b'20 70')
    term.read_until(b'\n42')
    with pytest.raises(exception.ConsoleTypeUnavailable, match='already attached'):
        drv.get_serial_console(ctx, instance)
    term.close()
    # Leaving detaches: the container's own shell keeps running, and can be attached again.
    term = wait_for(lambda: _opened(drv, ctx, instance), timeout=10)
    term.send(b'echo again\n')
    term.read_until(b'again\r\n')
    assert docker_cli.inspect_container(containers.container_name(instance.uuid))['State']['Running']


def _opened(drv: Any, ctx: Any, instance: Any) -> Terminal | None:
    try:
        return Terminal(drv.get_serial_console(ctx, instance))
    except exception.ConsoleTypeUnavailable:
        return None


def test_shell_choice_is_checked(drv, ctx, app_image, consoles):
    instance = spawn(drv, ctx, app_image, metadata={'docker_console_shell': '/bin/bash'})
    term = Terminal(drv.get_serial_console(ctx, instance))  # busybox has no bash: /bin/sh
    term.send(b'echo $((6*7))\n')
    term.read_until(b'\n42')
    term.close()
    instance.metadata = {'docker_console_shell': '/usr/bin/python3'}
    with pytest.raises(exception.ConsoleTypeUnavailable, match='must be /bin/sh or /bin/bash'):
        drv.get_serial_console(ctx, instance)


def test_resize_filter_takes_out_exactly_the_resize_sequence_wherever_reads_split_it():
    stream = b'ls\x1b[8;24;80t\x1b[A\x1b[8;x\x1b[8;5;6tq\x1b'
    expected = [b'ls', (24, 80), b'\x1b[A\x1b[8;x', (5, 6), b'q']
    for cut in range(len(stream) + 1):
        for second in range(cut, len(stream) + 1):
            filt = console_sessions.ResizeFilter()
            items = [item for chunk in (stream[:cut], stream[cut:second], stream[second:])
                     for item in filt.feed(chunk)]
            joined: list = []
            for item in items:  # bytes split by the reads are joined again
                if joined and isinstance(item, bytes) and isinstance(joined[-1], bytes):
                    joined[-1] += item
                else:
                    joined.append(item)
            assert joined == expected, (cut, second, items)
            assert filt.feed(b'z') == [b'\x1bz']  # a lone ESC at the end waits, then goes on as input


def test_a_docker_host_lost_mid_session_closes_the_terminal_with_a_message(
        make_driver, ctx, app_image, consoles, docker_opt, relay):
    docker_opt('api_url', relay.url)
    drv = make_driver()
    instance = spawn(drv, ctx, app_image)
    term = Terminal(drv.get_serial_console(ctx, instance))
    term.send(b'echo $((6*7))\n')
    term.read_until(b'\n42')
    # The daemon goes away: every connection to it is cut and new ones are refused.
    relay.refuse = True
    assert relay.drop() >= 1
    started = time.monotonic()
    output = term.read_to_end(timeout=20)
    assert b'Console closed: the connection to the container was lost.' in output
    assert time.monotonic() - started < 20
