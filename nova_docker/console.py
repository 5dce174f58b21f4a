"""Nova's serial console for Docker containers (``get_serial_console``).

nova-serialproxy reaches a console through the compute host's console port plus the token's
``internal_access_path``: it sends ``CONNECT <path> HTTP/1.1`` and relays the bytes after a 200 answer.
Every ``get_serial_console`` call makes a new one-time path, signed with this host's key:
``/console/<instance uuid>/<mode>/<expires>/<nonce>/<hmac>`` (mode: a shell, or ``attach``). The path is
the session's identity, so nothing is kept per issued token, and the extra call Nova makes through
``validate_console_port`` (same port, new path that nobody learns) costs nothing. One listener per compute
host, on a port of ``[serial_console] port_range`` bound to ``proxyclient_address``; port, key, used
nonces and open sessions are kept in ``<instances_path>/docker-console.json``, so after a nova-compute
restart the same port answers to tokens issued before and the shells of interrupted sessions are killed.

A path is accepted once, before its expiry (``[consoleauth] token_ttl`` after issue), and opens the
session: a ``docker exec`` of the shell (``/bin/sh``; ``/bin/bash`` when present and asked for by server
metadata or the image property ``docker_console_shell``), or for a container created interactive (server
metadata ``docker_interactive`` = true: stdin open and a TTY) an attach to its main process. The session
ends when the client leaves, the shell exits, the expiry passes or no input came for ``[docker]
console_idle_timeout`` seconds; its processes are then killed (console_sessions).
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
import socket
import threading
import time
from typing import Any

from oslo_log import log as logging
from oslo_utils import strutils

from nova.console import type as ctype
from nova import exception
from nova.i18n import _

from nova_docker import client as docker_client
from nova_docker import conf as docker_conf
from nova_docker import console_sessions
from nova_docker import console_state
from nova_docker import containers

LOG = logging.getLogger(__name__)
CONF = docker_conf.CONF

META_SHELL = 'docker_console_shell'
META_INTERACTIVE = 'docker_interactive'
ATTACH = 'attach'
REQUEST_BYTES = 4096
HANDSHAKE_SECONDS = 10.0
MAX_HANDSHAKES = 16
_MODES = {'sh': '/bin/sh', 'bash': '/bin/bash', ATTACH: ATTACH}


def create_args(metadata: dict[str, str]) -> dict[str, bool]:
    """create_container arguments of an instance: stdin open and a TTY when launched interactive."""
    interactive = strutils.bool_from_string(metadata.get(META_INTERACTIVE, ''), default=False)
    return {'stdin_open': interactive, 'tty': interactive}


def shell_of(instance: Any) -> str:
    """The shell a console runs: server metadata, else the image property, else /bin/sh."""
    choice = ((instance.metadata or {}).get(META_SHELL)
              or (instance.system_metadata or {}).get('image_' + META_SHELL) or '/bin/sh').strip()
    shell = _MODES.get(choice, choice)
    if shell not in console_sessions.SHELLS:
        raise exception.ConsoleTypeUnavailable(message=_(
            '%(key)s must be /bin/sh or /bin/bash.') % {'key': META_SHELL})
    return shell


class ConsoleServer:
    """This compute host's console listener and its sessions."""

    def __init__(self, docker: docker_client.DockerAPI) -> None:
        self.docker = docker
        self.state = console_state.ConsoleState()
        self._lock = threading.Lock()
        self._admit = threading.Lock()
        self._sessions: dict[str, str] = {}  # nonce -> instance uuid, open sessions only
        self._clients: dict[str, socket.socket] = {}
        self._handshakes = threading.BoundedSemaphore(MAX_HANDSHAKES)
        self._listener: socket.socket | None = None
        self._stop = threading.Event()

    # -- listener ---------------------------------------------------------------------------
    @property
    def port(self) -> int | None:
        """The listening port (None until started)."""
        return self._listener.getsockname()[1] if self._listener is not None else None

    def start(self) -> None:
        """Kill what interrupted sessions left, then listen (on the port used before when free)."""
        with self._lock:
            if self._listener is not None:
                return
            self.state.load()
            for nonce, record in self.state.take_sessions().items():
                if record.get('pid'):
                    console_sessions.kill_processes(self.docker, record['container'], record['pid'])
            self._listener = self._bind()
            self.state.save(port=self.port)
            self._stop.clear()
        threading.Thread(target=self._accept, name='docker-console', daemon=True).start()
        LOG.info('Serial consoles served on %s:%s', CONF.serial_console.proxyclient_address, self.port)

    def _bind(self) -> socket.socket:
        address = CONF.serial_console.proxyclient_address
        start, _sep, end = CONF.serial_console.port_range.partition(':')
        ports = list(range(int(start), int(end) + 1))
        previous = self.state.port
        if previous in ports:
            ports.remove(previous)
            ports.insert(0, previous)
        for port in ports:
            sock = socket.socket(socket.AF_INET6 if ':' in address else socket.AF_INET)
            # Connections of the previous nova-compute in TIME_WAIT must not keep the port from it.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind((address, port))
            except OSError:
                sock.close()
                continue
            sock.listen(16)
            sock.settimeout(1.0)
            return sock
        raise exception.SocketPortRangeExhaustedException(host=address)

    def stop(self) -> None:
        """Stop listening and end the open sessions (nova-compute is shutting down)."""
        self._stop.set()
        with self._lock:
            if self._listener is not None:
                try:  # frees the port at once, even while the accept thread still waits on it
                    self._listener.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                self._listener.close()
                self._listener = None
            for client in self._clients.values():
                try:  # the relay sees the client leave and kills the session's processes
                    client.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def _accept(self) -> None:
        listener = self._listener
        while not self._stop.is_set() and listener is not None:
            try:
                client, _address = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            if not self._handshakes.acquire(blocking=False):
                self._answer(client, b'503 Busy')
                continue
            threading.Thread(target=self._serve, args=(client,), name='docker-console-session',
                             daemon=True).start()

    # -- issuing ------------------------------------------------------------------------------
    def console_for(self, instance: Any) -> ctype.ConsoleSerial:
        """A new one-time console path of ``instance`` on this host's console port."""
        container = self.docker.inspect_container(containers.container_name(instance.uuid))
        if container is None:
            raise exception.InstanceNotFound(instance_id=instance.uuid)
        mode = ATTACH if _interactive(container) else shell_of(instance)
        refusal = self._refusal(instance.uuid, container, mode)
        if refusal:
            # nova-api turns these two into 409 and 400 with the message as it is.
            raise refusal[0](message=refusal[1])
        if self._listener is None:
            self.start()
        expires = int(time.time()) + CONF.consoleauth.token_ttl
        body = f'{instance.uuid}/{_short(mode)}/{expires}/{secrets.token_hex(16)}'
        path = f'/console/{body}/{self._sign(body)}'
        return ctype.ConsoleSerial(host=CONF.serial_console.proxyclient_address, port=self.port,
                                   internal_access_path=path)

    def _sign(self, body: str) -> str:
        return hmac.new(self.state.key, body.encode(), hashlib.sha256).hexdigest()

    def _refusal(self, instance_uuid: str, container: dict,
                 mode: str) -> tuple[type[exception.NovaException], str] | None:
        """Why a session cannot open now: the exception class for Nova and a message, or None."""
        state = container.get('State') or {}
        not_ready = exception.InstanceNotReady
        if state.get('Paused'):
            return not_ready, _('The container is paused: unpause it to open a console.')
        if not state.get('Running'):
            return not_ready, _('The container is not running: start it to open a console.')
        limit = exception.ConsoleTypeUnavailable
        with self._lock:
            mine = sum(1 for uuid in self._sessions.values() if uuid == instance_uuid)
            total = len(self._sessions)
        if mode == ATTACH and mine:
            return limit, _('A console is already attached to this container.')
        if mine >= CONF.docker.console_max_sessions_per_instance:
            return limit, _('This server has %d open consoles, the most allowed: close one '
                            'first.') % mine
        if total >= CONF.docker.console_max_sessions_per_host:
            return limit, _('Its compute host has %d open consoles, the most allowed: try again '
                            'later.') % total
        return None

    # -- a connection from nova-serialproxy ----------------------------------------------------
    def _serve(self, client: socket.socket) -> None:
        try:
            client.settimeout(HANDSHAKE_SECONDS)
            accepted = self._handshake(client)
        except Exception as error:
            LOG.info('Console connection refused: %s', error)
            accepted = None
        finally:
            self._handshakes.release()
        if accepted is None:
            self._answer(client, b'403 Forbidden')
            return
        instance_uuid, mode, expires, nonce = accepted
        try:
            self._run(client, instance_uuid, mode, expires, nonce)
        finally:
            client.close()

    def _handshake(self, client: socket.socket) -> tuple[str, str, int, str] | None:
        """Read and check ``CONNECT <path>``; the path's nonce is spent whatever follows."""
        request = b''
        while b'\r\n\r\n' not in request:
            chunk = client.recv(REQUEST_BYTES)
            if not chunk or len(request) + len(chunk) > REQUEST_BYTES:
                return None
            request += chunk
        words = request.split(b'\r\n', 1)[0].decode('ascii', 'replace').split(' ')
        if len(words) != 3 or words[0] != 'CONNECT':
            return None
        parts = words[1].split('/')
        if len(parts) != 7 or parts[:2] != ['', 'console'] or not parts[4].isdigit():
            return None
        body = '/'.join(parts[2:6])
        if not hmac.compare_digest(self._sign(body), parts[6]):
            return None
        instance_uuid, mode, expires, nonce = parts[2], _MODES.get(parts[3]), int(parts[4]), parts[5]
        if mode is None or expires <= time.time() or not self.state.spend(nonce, expires):
            return None
        return instance_uuid, mode, expires, nonce

    def _run(self, client: socket.socket, instance_uuid: str, mode: str, expires: int,
             nonce: str) -> None:
        container = self.docker.inspect_container(containers.container_name(instance_uuid))
        with self._admit:  # check and count at once: two connections never both take the last place
            refusal = (None, _('The server has no container on this host.')) if container is None \
                else self._refusal(instance_uuid, container, mode)
            if refusal is None:
                with self._lock:
                    self._sessions[nonce] = instance_uuid
                    self._clients[nonce] = client
        if refusal or container is None:
            self._answer(client, b'200 OK', refusal[1] if refusal else None)
            return
        session = console_sessions.Session(self.docker, container['Id'], mode)
        try:
            session.start()
            self.state.add_session(nonce, container['Id'], session.pid)
            client.sendall(b'HTTP/1.1 200 OK\r\n\r\n')
            reason = session.relay(client, expires, CONF.docker.console_idle_timeout)
            if reason:
                _say(client, _('Console closed: %s.') % reason)
        except console_sessions.SessionFailed as error:
            self._answer(client, b'200 OK', str(error))
        except (OSError, docker_client.DockerUnavailable, docker_client.DockerOperationFailed) as error:
            # The Docker host died or the connection to it broke: the user's terminal says so.
            LOG.info('Console session of %s lost its Docker connection: %s', instance_uuid, error)
            _say(client, _('Console closed: the connection to the container was lost.'))
        except Exception as error:
            LOG.info('Console session of %s ended: %s', instance_uuid, error)
        finally:
            session.close()
            self.state.drop_session(nonce)
            with self._lock:
                self._sessions.pop(nonce, None)
                self._clients.pop(nonce, None)

    @staticmethod
    def _answer(client: socket.socket, status: bytes, message: str | None = None) -> None:
        """A complete answer (nova-serialproxy waits for the blank line), then close."""
        try:
            client.sendall(b'HTTP/1.1 ' + status + b'\r\n\r\n')
            if message:
                _say(client, message)
        except OSError:
            pass
        finally:
            client.close()


def _say(client: socket.socket, message: str) -> None:
    """A line of our own on the user's terminal (fixed text, never container output)."""
    try:
        client.sendall(b'\r\n' + message.encode('utf-8') + b'\r\n')
    except OSError:
        pass


def _short(mode: str) -> str:
    return {v: k for k, v in _MODES.items()}[mode]


def _interactive(container: dict) -> bool:
    config = container.get('Config') or {}
    return bool(config.get('Tty') and config.get('OpenStdin'))
