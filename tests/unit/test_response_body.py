"""ResponseBody: HTTP chunked framing removed by hand from a real socket, whatever pieces arrive."""
import io
import socket
import threading
import time

import pytest

from docker_dashboard.api.response_body import ResponseBody
from docker_dashboard.exceptions import DockerHostError


class Inner:
    """Stands in for http.client's response: the socket file it read the headers through."""

    def __init__(self, fp, chunked=True):
        self.fp, self.chunked, self.chunk_left = fp, chunked, None


class Raw:
    def __init__(self, inner, fallback=b''):
        self._fp = inner
        self._fallback = io.BytesIO(fallback)

    def read1(self, size):
        return self._fallback.read(size)


class Response:
    def __init__(self, raw):
        self.raw = raw


def chunked(*pieces: bytes, extension: bytes = b'') -> bytes:
    return b''.join(b'%x%s\r\n%s\r\n' % (len(p), extension, p) for p in pieces) + b'0\r\n\r\n'


@pytest.fixture
def pair():
    """(server socket, ResponseBody reading the client end) after a header line was read through the file."""
    server, client = socket.socketpair()
    client.settimeout(10)
    made = []

    def body(prefix: bytes = b'', chunked_body: bool = True) -> ResponseBody:
        server.sendall(b'HTTP/1.1 200 OK\r\n' + prefix)
        fp = client.makefile('rb')
        assert fp.readline() == b'HTTP/1.1 200 OK\r\n'   # like http.client: the rest may sit in fp's buffer
        made.append(fp)
        return ResponseBody(Response(Raw(Inner(fp, chunked=chunked_body), fallback=b'plain body')))

    yield server, body
    for fp in made:
        fp.close()
    server.close()
    client.close()


def send_slowly(server, data: bytes, step: int, close: bool = True) -> threading.Thread:
    def send():
        for start in range(0, len(data), step):
            server.sendall(data[start:start + step])
            if start // step % 50 == 0:
                time.sleep(0.001)
        if close:
            server.shutdown(socket.SHUT_WR)
    thread = threading.Thread(target=send, daemon=True)
    thread.start()
    return thread


def read_all(body: ResponseBody) -> bytes:
    out = b''
    while True:
        piece = body.read()
        if not piece:
            return out
        out += piece


@pytest.mark.parametrize('step', [1, 2, 3, 5, 7, 64, 65536])
def test_body_is_the_chunks_joined_whatever_pieces_arrive(pair, step):
    server, body = pair
    pieces = [b'a', b'\r\n' * 3, bytes(range(256)), b'x' * 5000, b'0\r\n\r\n']
    data = chunked(*pieces)
    reader = body(data[:9])   # the first bytes of the body arrive with the headers
    assert reader.direct
    send_slowly(server, data[9:], step)
    assert read_all(reader) == b''.join(pieces)


def test_chunk_extensions_are_ignored(pair):
    server, body = pair
    reader = body(chunked(b'hello', b'world', extension=b';x=1'))
    assert read_all(reader) == b'helloworld'


def test_one_read_returns_every_chunk_that_has_arrived(pair):
    server, body = pair
    reader = body()
    server.sendall(chunked(*[b'line\n'] * 500))
    time.sleep(0.05)
    assert reader.read() == b'line\n' * 500


def test_a_read_with_a_timeout_gives_up_and_the_next_read_goes_on(pair):
    server, body = pair
    reader = body(b'5\r\nfirst\r\n6\r')   # a chunk, and the start of the next one's size line
    assert reader.read(timeout=0.2) == b'first'
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        reader.read(timeout=0.2)
    assert 0.15 < time.monotonic() - started < 2
    server.sendall(b'\nsecond\r\n0\r\n\r\n')
    assert reader.read(timeout=2) == b'second'
    assert reader.read(timeout=2) == b''


def test_connection_closed_mid_body_raises_oserror(pair):
    server, body = pair
    reader = body()
    send_slowly(server, chunked(b'complete', b'cut short')[:-12], 10)
    with pytest.raises(OSError):
        read_all(reader)


@pytest.mark.parametrize('data', [b'zz\r\nabc\r\n', b'3\r\nabcXY', b'1' * 5000])
def test_malformed_framing_is_a_clear_error(pair, data):
    server, body = pair
    reader = body()
    send_slowly(server, data, 4096)
    with pytest.raises(DockerHostError, match='unexpected format'):
        read_all(reader)


def test_body_not_chunked_is_read_through_urllib3(pair):
    server, body = pair
    reader = body(b'ignored', chunked_body=False)
    assert not reader.direct
    assert read_all(reader) == b'plain body'
