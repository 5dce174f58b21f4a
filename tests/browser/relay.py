"""A TCP relay in front of Horizon for browser tests: drop() cuts every open connection (as a network
drop would), while new connections keep working."""
from __future__ import annotations

import select
import socket
import struct
import threading


class TcpRelay:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.listener = socket.create_server(('127.0.0.1', 0))
        self.port = self.listener.getsockname()[1]
        self._open: list = []
        self._lock = threading.Lock()
        self._closed = False
        threading.Thread(target=self._accept, daemon=True, name='relay-accept').start()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self.listener.accept()
                # Blocking, explicitly: the test process's default socket timeout is Horizon's test
                # settings' 1 s, which cut every event stream whose browser side was quiet for 1 s.
                client.settimeout(None)
                upstream = socket.create_connection(self.target, timeout=10)
                upstream.settimeout(None)
            except OSError:
                continue
            with self._lock:
                self._open += [client, upstream]
            for source, target in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, target: socket.socket) -> None:
        try:
            while True:
                # Poll instead of blocking in recv: a socket closed by drop() is only released (and the
                # RST sent) once no thread is inside a system call on it.
                if not select.select([source], [], [], 0.5)[0]:
                    continue
                data = source.recv(65536)
                if not data:
                    break
                target.sendall(data)
        except (OSError, ValueError):  # ValueError: select() on a socket closed meanwhile
            pass
        finally:
            for sock in (source, target):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def drop(self) -> int:
        """Reset every open connection (RST, like a broken network); returns how many were cut."""
        with self._lock:
            sockets, self._open = self._open, []
        for sock in sockets:
            try:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
                sock.close()
            except OSError:
                pass
        return len(sockets) // 2

    def close(self) -> None:
        self._closed = True
        self.listener.close()
        self.drop()
