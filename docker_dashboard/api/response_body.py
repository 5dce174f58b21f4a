"""The body of a streamed dockerd response, read straight from its socket.

Docker sends every log frame as its own HTTP chunk (over TLS, its own record); reading it through
urllib3 and http.client costs a trip through several layers per line. ResponseBody reads the socket
itself and removes the chunk framing here, and its reads can wait a bounded time.
"""
from __future__ import annotations

import socket
import ssl
from typing import Any

from docker_dashboard import exceptions

READ_SIZE = 64 * 1024
# what a read on a non-blocking socket (plain or TLS) raises when nothing has arrived
_WOULD_WAIT = (BlockingIOError, ssl.SSLWantReadError, ssl.SSLWantWriteError)


class ResponseBody:
    """The body of a streamed dockerd response, in pieces of up to READ_SIZE bytes.

    Docker sends every log frame as its own HTTP chunk (over TLS, its own record), and http.client/urllib3
    hand back at most one chunk per read: a read per line, each through several layers. For a chunked
    response this reads the socket itself and removes the chunk framing here (RFC 9112 section 7.1): one
    read returns everything that has arrived, and a read can wait a bounded time (`read(timeout)`), so a
    caller on the web thread can send heartbeats while the container is quiet. Other responses are read
    through urllib3 as they are (without the bounded wait).
    """

    _MAX_SIZE_LINE = 1024

    def __init__(self, response: Any) -> None:
        self._read1 = response.raw.read1
        inner = getattr(response.raw, '_fp', None)
        fp = getattr(inner, 'fp', None)
        sock = getattr(getattr(fp, 'raw', None), '_sock', None)   # socket.SocketIO keeps its socket here
        # only a fresh chunked body over a real socket: nothing of it consumed yet by http.client
        fresh = getattr(inner, 'chunked', False) and getattr(inner, 'chunk_left', 0) is None
        self._fp = fp if fresh and hasattr(fp, 'read1') and hasattr(sock, 'recv') else None
        self._sock = sock if self._fp is not None else None
        self._tls = isinstance(sock, ssl.SSLSocket)
        self._file_drained = False   # the socket file's buffer (bytes read with the headers) was taken
        self._buffer = b''
        self._chunk_left = 0
        self._state = 'size'   # 'size' -> 'data' -> 'crlf' -> 'size' ... -> 'done'

    @property
    def direct(self) -> bool:
        """True when the socket is read and the chunk framing removed here (the fast path)."""
        return self._fp is not None

    def read(self, timeout: float | None = None) -> bytes:
        """The next piece of the body; b'' at its end. A connection that ends mid-body raises OSError.

        With `timeout` (direct reads only), raises TimeoutError when nothing arrives for that long.
        """
        if self._fp is None:
            return self._read1(READ_SIZE)
        while True:
            piece = self._decode()
            if piece or self._state == 'done':
                return piece
            data = self._receive(timeout)
            if not data:
                raise ConnectionResetError('the Docker host closed the connection mid-stream')
            self._buffer = self._buffer + data if self._buffer else data

    def _receive(self, timeout: float | None) -> bytes:
        sock = self._sock
        if not self._file_drained:
            # http.client read the headers through a buffered file, which may hold the first bytes of the
            # body. Read it once without waiting; after that its buffer stays empty and the socket is ours.
            self._file_drained = True
            data = self._without_waiting(lambda: self._fp.read1(READ_SIZE))
            if data:
                return data
        saved = sock.gettimeout()
        if timeout is not None:
            sock.settimeout(max(timeout, 0.001))
        try:
            data = sock.recv(READ_SIZE)
        finally:
            if timeout is not None:
                sock.settimeout(saved)
        if data and self._tls and len(data) < READ_SIZE:
            # A TLS read returns one record, and dockerd writes a record per line: take all that is here.
            pieces, size = [data], len(data)
            sock.settimeout(0)
            try:
                while size < READ_SIZE:
                    piece = sock.recv(READ_SIZE - size)
                    if not piece:
                        break
                    pieces.append(piece)
                    size += len(piece)
            except _WOULD_WAIT:
                pass   # nothing more has arrived
            finally:
                sock.settimeout(saved)
            data = b''.join(pieces)
        return data

    def _without_waiting(self, read: Any) -> bytes:
        """What `read` returns right now; b'' when it would have to wait (EOF shows on the next real read)."""
        sock = self._sock
        saved = sock.gettimeout()
        sock.settimeout(0)
        try:
            return read() or b''
        except _WOULD_WAIT:
            return b''
        finally:
            sock.settimeout(saved)

    def _decode(self) -> bytes:
        buffer, position, parts = self._buffer, 0, []
        while self._state != 'done':
            if self._state == 'data':
                take = min(self._chunk_left, len(buffer) - position)
                if take:
                    parts.append(buffer[position:position + take])
                    position += take
                    self._chunk_left -= take
                if self._chunk_left:
                    break
                self._state = 'crlf'
            if self._state == 'crlf':
                if len(buffer) - position < 2:
                    break
                if buffer[position:position + 2] != b'\r\n':
                    raise exceptions.DockerHostError('The Docker host sent a log stream in an unexpected format.')
                position += 2
                self._state = 'size'
            end = buffer.find(b'\r\n', position)
            if end < 0:
                if len(buffer) - position > self._MAX_SIZE_LINE:
                    raise exceptions.DockerHostError('The Docker host sent a log stream in an unexpected format.')
                break
            try:
                size = int(buffer[position:end].split(b';', 1)[0].strip(), 16)
            except ValueError:
                raise exceptions.DockerHostError(
                    'The Docker host sent a log stream in an unexpected format.') from None
            position = end + 2
            if size == 0:
                self._state = 'done'   # trailers, if any, are not needed
            else:
                self._chunk_left, self._state = size, 'data'
        self._buffer = buffer[position:]
        return b''.join(parts)


def response_sockets(client: Any, response: Any) -> list:
    """The real socket objects under a streamed response (docker-py hands back a SocketIO for Unix)."""
    try:
        raw = client._get_raw_response_socket(response)
    except Exception:  # the response is already closed
        return []
    return [s for s in (raw, getattr(raw, '_sock', None)) if hasattr(s, 'settimeout')]


def close_response(client: Any, response: Any) -> None:
    """Shut the response's sockets down, so a read blocked on them in another thread returns at once, then
    close the response."""
    for sock in response_sockets(client, response):
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:  # already closed: nothing to release
            pass
    response.close()
