"""A Unix-socket relay in front of a test dockerd, to break the driver's connections the way a network
or a daemon would: ``drop()`` cuts every open connection, ``refuse`` closes new ones at once, and
``stall_events()`` silently swallows what the daemon sends on the event streams open now (a hung
stream), while every other connection keeps working."""
from __future__ import annotations

import os
import socket
import tempfile
import threading


def _shut_down(*sockets: socket.socket) -> None:
    for sock in sockets:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


class UnixRelay:
    def __init__(self, target_path: str) -> None:
        self.target_path = target_path
        # A short path: Unix socket paths are limited to 108 bytes.
        self.path = os.path.join(tempfile.mkdtemp(prefix='relay', dir='/tmp'), 's.sock')
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(self.path)
        self.listener.listen(16)
        self.refuse = False
        self._open: list[socket.socket] = []
        self._stalled: set[int] = set()
        self._events: set[int] = set()  # upstream sockets whose last request was GET /events
        self._lock = threading.Lock()
        self._closed = False
        threading.Thread(target=self._accept, daemon=True, name='relay-accept').start()

    @property
    def url(self) -> str:
        return 'unix://' + self.path

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                continue
            if self.refuse:
                client.close()
                continue
            try:
                upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                upstream.connect(self.target_path)
                # the relay waits as long as its two ends do (a default socket timeout may be set)
                client.settimeout(None)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._open += [client, upstream]
            threading.Thread(target=self._pump, args=(client, upstream, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, False), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket, request: bool) -> None:
        try:
            while data := source.recv(65536):
                if request and data.startswith(b'GET '):
                    # a keep-alive connection may carry an event stream only later: look at each request
                    is_events = b'/events' in data.split(b' ', 2)[1]
                    (self._events.add if is_events else self._events.discard)(id(target))
                if id(source) not in self._stalled:
                    target.sendall(data)
        except OSError:
            pass
        finally:
            _shut_down(source, target)

    def stall_events(self) -> int:
        """Swallow from now on what the daemon sends on the event streams open now; returns how many."""
        with self._lock:
            streams = [sock for sock in self._open[1::2] if id(sock) in self._events]
            self._stalled.update(id(sock) for sock in streams)
        return len(streams)

    def drop(self) -> int:
        """Cut every open connection (both ends see it end at once, as when a daemon dies); returns
        how many were cut."""
        with self._lock:
            sockets, self._open = self._open, []
            self._stalled.clear()
            self._events.clear()
        # shut down first: close() alone would not wake a pump blocked in recv on the socket
        _shut_down(*sockets)
        for sock in sockets:
            sock.close()
        return len(sockets) // 2

    def close(self) -> None:
        self._closed = True
        self.listener.close()
        self.drop()
        try:
            os.unlink(self.path)
            os.rmdir(os.path.dirname(self.path))
        except OSError:
            pass
