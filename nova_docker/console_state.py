"""What the serial console keeps across nova-compute restarts, in ``<instances_path>/docker-console.json``.

- ``port``: the console port, listened on again after a restart so tokens issued before still work;
- ``key``: the key console paths are signed with;
- ``spent``: nonce -> expiry of every path already used (a reused token is refused), pruned at expiry;
- ``sessions``: nonce -> container and shell PID of open exec sessions, whose processes a restarted
  nova-compute kills (the relay died with the old process).
The file is written atomically and readable by its owner only (it holds the key).
"""
from __future__ import annotations

import json
import os
import secrets
import threading
import time
from typing import Any

from oslo_log import log as logging

from nova_docker import conf as docker_conf

LOG = logging.getLogger(__name__)
CONF = docker_conf.CONF
FILE_NAME = 'docker-console.json'


class ConsoleState:
    """The console's persistent state; every method is thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.port: int | None = None
        self.key = b''
        self._spent: dict[str, int] = {}
        self._sessions: dict[str, dict[str, Any]] = {}

    @property
    def path(self) -> str:
        """The state file of this compute host."""
        return os.path.join(CONF.instances_path, FILE_NAME)

    def load(self) -> None:
        """Read the file (a missing or unreadable one starts afresh with a new key)."""
        with self._lock:
            try:
                with open(self.path, encoding='utf-8') as handle:
                    data = json.load(handle)
                self.port = int(data['port']) if data.get('port') else None
                self.key = bytes.fromhex(data['key'])
                self._spent = {str(k): int(v) for k, v in data.get('spent', {}).items()}
                self._sessions = dict(data.get('sessions', {}))
            except FileNotFoundError:
                pass
            except (OSError, ValueError, KeyError, TypeError) as error:
                LOG.warning('Console state %s unreadable, starting afresh: %s', self.path, error)
            if len(self.key) < 32:
                self.key = secrets.token_bytes(32)
            self._write()

    def save(self, port: int | None) -> None:
        """Record the listening port."""
        with self._lock:
            self.port = port
            self._write()

    def spend(self, nonce: str, expires: int) -> bool:
        """Mark a path's nonce used; False if it was used before."""
        with self._lock:
            now = time.time()
            self._spent = {k: v for k, v in self._spent.items() if v > now}
            if nonce in self._spent:
                return False
            self._spent[nonce] = expires
            self._write()
            return True

    def add_session(self, nonce: str, container_id: str, pid: int | None) -> None:
        """An exec session is open (attach sessions leave nothing to kill: pid None)."""
        with self._lock:
            self._sessions[nonce] = {'container': container_id, 'pid': pid}
            self._write()

    def drop_session(self, nonce: str) -> None:
        """The session ended and its processes were killed."""
        with self._lock:
            if self._sessions.pop(nonce, None) is not None:
                self._write()

    def take_sessions(self) -> dict[str, dict[str, Any]]:
        """Sessions a previous nova-compute left open (to be killed), forgotten from now on."""
        with self._lock:
            found, self._sessions = self._sessions, {}
            self._write()
            return found

    def _write(self) -> None:
        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        temporary = f'{self.path}.{os.getpid()}.tmp'
        data = {'port': self.port, 'key': self.key.hex(), 'spent': self._spent,
                'sessions': self._sessions}
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, 'w', encoding='utf-8') as handle:
            json.dump(data, handle)
        os.replace(temporary, self.path)
