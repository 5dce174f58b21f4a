"""One serial console session: a TTY in the container relayed to one client socket.

A session is either a ``docker exec`` of a shell with a TTY (the shell's PID in the container is printed
first by a tiny ``sh -c`` wrapper, so the session's processes can be killed later: Docker has no exec
kill) or, for a container created with stdin and a TTY, an attach to its main process (leaving only
detaches). The serial protocol has no resize channel, so the client sends xterm's window-manipulation
sequence ``ESC [ 8 ; rows ; cols t`` in-band; ``ResizeFilter`` takes exactly that sequence out of the
input and it becomes a Docker resize. Everything else is bytes to the TTY.
"""
from __future__ import annotations

import re
import select
import socket
import time
from typing import Any

from oslo_log import log as logging

from nova.i18n import _

from nova_docker import client as docker_client
from nova_docker import conf as docker_conf

LOG = logging.getLogger(__name__)
CONF = docker_conf.CONF

SHELLS = ('/bin/sh', '/bin/bash')
# $$ of the wrapper is the shell's PID after exec; the line is read by the driver, never relayed.
_WRAPPER = {'/bin/sh': 'echo $$; exec /bin/sh',
            '/bin/bash': 'echo $$; if [ -x /bin/bash ]; then exec /bin/bash; fi; exec /bin/sh'}
# Signals every process of the console's session (a TTY exec is a session leader: sid = its PID),
# background jobs included. Plain POSIX sh, no external program.
_KILL_SCRIPT = ('sig=$1; sid=$2; for d in /proc/[0-9]*; do line=; read -r line < "$d/stat" '
                '2>/dev/null || continue; set -- ${line##*")"}; '
                '[ "$4" = "$sid" ] && kill -"$sig" "${d#/proc/}" 2>/dev/null; done; true')
RESIZE = re.compile(rb'\x1b\[8;(\d{1,4});(\d{1,4})t')
_RESIZE_PREFIX = re.compile(rb'\x1b(\[(8(;(\d{1,4}(;(\d{1,4})?)?)?)?)?)?\Z')
PID_LINE_BYTES = 64
START_SECONDS = 10.0
CHUNK = 65536


class SessionFailed(Exception):
    """The session could not start; ``str()`` is a message fit for the user's terminal."""


class ResizeFilter:
    """Takes ``ESC [ 8 ; rows ; cols t`` out of a byte stream whose chunks may split it anywhere."""

    def __init__(self) -> None:
        self._held = b''

    def feed(self, data: bytes) -> list[bytes | tuple[int, int]]:
        """Input bytes and (rows, cols) resizes, in stream order."""
        data = self._held + data
        self._held = b''
        out: list[bytes | tuple[int, int]] = []
        pos = 0
        for match in RESIZE.finditer(data):
            if match.start() > pos:
                out.append(data[pos:match.start()])
            out.append((int(match.group(1)), int(match.group(2))))
            pos = match.end()
        rest = data[pos:]
        # A possible start of the sequence at the very end waits for the next chunk.
        escape = rest.rfind(b'\x1b')
        if escape >= 0 and _RESIZE_PREFIX.match(rest, escape):
            self._held = rest[escape:]
            rest = rest[:escape]
        if rest:
            out.append(rest)
        return out


def hijacked(response: Any) -> tuple[socket.socket, bytes]:
    """The raw socket of an upgraded Docker response and the bytes http.client read past the headers."""
    buffered = response.raw._fp.fp
    raw = buffered.raw._sock
    early = b''
    raw.settimeout(0.05)
    try:
        early = buffered.peek(CHUNK)
    except (OSError, ValueError):
        pass  # nothing was waiting
    if early:
        early = buffered.read(len(early))
    raw.settimeout(CONF.docker.api_timeout)
    return raw, early


class Session:
    """A started TTY session in container ``container_id``: ``mode`` is a shell path or ``attach``."""

    def __init__(self, docker: docker_client.DockerAPI, container_id: str, mode: str) -> None:
        self.docker = docker
        self.container_id = container_id
        self.mode = mode
        self.exec_id: str | None = None
        self.pid: int | None = None
        self._response: Any = None
        self.sock: socket.socket | None = None
        self._pending = b''

    def start(self) -> None:
        """Create and start the exec (or attach); raises SessionFailed with a readable reason."""
        api = self.docker.api
        try:
            with docker_client.translate_errors('open a console'):
                if self.mode == 'attach':
                    self._response = api._post(
                        api._url('/containers/{0}/attach', self.container_id),
                        params={'stdin': 1, 'stdout': 1, 'stderr': 1, 'stream': 1},
                        headers={'Connection': 'Upgrade', 'Upgrade': 'tcp'}, stream=True)
                else:
                    self.exec_id = api.exec_create(
                        self.container_id, ['/bin/sh', '-c', _WRAPPER[self.mode]], stdin=True,
                        tty=True, environment=['TERM=xterm'])['Id']
                    self._response = api._post_json(
                        api._url('/exec/{0}/start', self.exec_id), data={'Tty': True, 'Detach': False},
                        headers={'Connection': 'Upgrade', 'Upgrade': 'tcp'}, stream=True)
                api._raise_for_status(self._response)
                self.sock, self._pending = hijacked(self._response)
        except Exception as error:
            LOG.warning('Console session could not start: %s', error)
            self.close()
            raise SessionFailed(_('The console could not be opened in the container.')) from error
        if self.exec_id is not None:
            self._read_pid()

    def _read_pid(self) -> None:
        assert self.sock is not None
        deadline = time.monotonic() + START_SECONDS
        data = self._pending
        while b'\n' not in data and len(data) < PID_LINE_BYTES and time.monotonic() < deadline:
            readable, _w, _x = select.select([self.sock], [], [], 0.2)
            if readable or getattr(self.sock, 'pending', lambda: 0)():
                chunk = self.sock.recv(CHUNK)
                if not chunk:
                    break
                data += chunk
        line, _sep, self._pending = data.partition(b'\n')
        try:
            self.pid = int(line.strip())
        except ValueError:
            self.close()
            raise SessionFailed(_('The container has no usable shell (%s).') % '/bin/sh')

    def resize(self, rows: int, cols: int) -> None:
        """Docker's exec (or container) resize; out-of-range sizes are ignored."""
        if not (0 < rows <= 1000 and 0 < cols <= 1000):
            return
        try:
            with docker_client.translate_errors('resize the console'):
                if self.exec_id is not None:
                    self.docker.api.exec_resize(self.exec_id, height=rows, width=cols)
                else:
                    self.docker.api.resize(self.container_id, height=rows, width=cols)
        except Exception as error:
            LOG.info('Console resize failed: %s', error)

    def relay(self, client: socket.socket, expires: float, idle: float) -> str | None:
        """Copy bytes both ways until either side ends or a limit passes; returns the reason to show
        the user, or None when the session simply ended (shell exit, client gone)."""
        assert self.sock is not None
        sock = self.sock
        client.settimeout(CONF.docker.api_timeout)
        filt = ResizeFilter()
        last_input = time.monotonic()
        if self._pending:
            client.sendall(self._pending)
            self._pending = b''
        while True:
            now = time.time()
            if now >= expires:
                return _('the console session reached its time limit')
            if time.monotonic() - last_input >= idle:
                return _('no input for %d seconds') % idle
            if getattr(sock, 'pending', lambda: 0)():
                readable = [sock]
            else:
                readable, _w, _x = select.select([client, sock], [], [], 1.0)
            if client in readable:
                data = client.recv(CHUNK)
                if not data:
                    return None
                last_input = time.monotonic()
                for item in filt.feed(data):
                    if isinstance(item, tuple):
                        self.resize(*item)
                    else:
                        sock.sendall(item)
            if sock in readable:
                data = sock.recv(CHUNK)
                if not data:
                    return self._ended_reason()
                client.sendall(data)

    def _ended_reason(self) -> str | None:
        state = (self.docker.inspect_container(self.container_id) or {}).get('State') or {}
        if not state.get('Running'):
            return _('the container stopped')
        return None

    def close(self) -> None:
        """Close the stream, then kill what the session left running in the container."""
        for thing in (self.sock, self._response):
            try:
                if thing is not None:
                    thing.close()
            except Exception:
                pass
        self.sock = self._response = None
        if self.pid is not None:
            kill_processes(self.docker, self.container_id, self.pid, self.exec_id)
            self.pid = None


def _signal(docker: docker_client.DockerAPI, container_id: str, signal: str, pid: int) -> None:
    api = docker.api
    with docker_client.translate_errors('end the console session'):
        exec_id = api.exec_create(container_id, ['/bin/sh', '-c', _KILL_SCRIPT, 'kill', signal,
                                                 str(pid)], stdout=True, stderr=True)['Id']
        api.exec_start(exec_id)


def kill_processes(docker: docker_client.DockerAPI, container_id: str, pid: int,
                   exec_id: str | None = None) -> None:
    """SIGHUP every process of the console's session, SIGKILL what is left a moment later."""
    try:
        _signal(docker, container_id, 'HUP', pid)
        deadline = time.monotonic() + 1.0
        while exec_id and time.monotonic() < deadline:
            if not docker.api.exec_inspect(exec_id).get('Running'):
                break
            time.sleep(0.1)
        _signal(docker, container_id, 'KILL', pid)
    except Exception as error:
        # A stopped container has nothing left to kill; a paused one gets EOF on its TTY later.
        LOG.info('Console processes not signalled: %s', error)
