"""ResponseBody: HTTP chunked framing removed by hand from a socket's buffered file, read in any pieces."""
import io

import pytest

from docker_dashboard.api.logs import ResponseBody
from docker_dashboard.exceptions import DockerHostError


class TrickleFile(io.RawIOBase):
    """A socket file that returns at most `step` bytes per read1, like a slow network."""

    def __init__(self, data: bytes, step: int) -> None:
        self.data, self.step, self.position = data, step, 0

    def read1(self, size: int = -1) -> bytes:
        piece = self.data[self.position:self.position + min(size, self.step)]
        self.position += len(piece)
        return piece


class Inner:
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


def read_all(body: ResponseBody) -> bytes:
    out = b''
    while True:
        piece = body.read()
        if not piece:
            return out
        out += piece


@pytest.mark.parametrize('step', [1, 2, 3, 5, 7, 64, 65536])
def test_body_is_the_chunks_joined_whatever_the_read_size(step):
    pieces = [b'a', b'\r\n' * 3, bytes(range(256)), b'x' * 5000, b'0\r\n\r\n']
    body = ResponseBody(Response(Raw(Inner(TrickleFile(chunked(*pieces), step)))))
    assert read_all(body) == b''.join(pieces)


def test_chunk_extensions_are_ignored():
    body = ResponseBody(Response(Raw(Inner(TrickleFile(chunked(b'hello', b'world', extension=b';x=1'), 4)))))
    assert read_all(body) == b'helloworld'


def test_one_read_returns_every_chunk_that_has_arrived():
    body = ResponseBody(Response(Raw(Inner(TrickleFile(chunked(*[b'line\n'] * 500), 1 << 20)))))
    assert body.read() == b'line\n' * 500


def test_connection_closed_mid_body_raises_oserror():
    data = chunked(b'complete', b'cut short')[:-12]
    body = ResponseBody(Response(Raw(Inner(TrickleFile(data, 10)))))
    with pytest.raises(OSError):
        read_all(body)


@pytest.mark.parametrize('data', [b'zz\r\nabc\r\n', b'3\r\nabcXY', b'1' * 5000])
def test_malformed_framing_is_a_clear_error(data):
    body = ResponseBody(Response(Raw(Inner(TrickleFile(data, 4096)))))
    with pytest.raises(DockerHostError, match='unexpected format'):
        read_all(body)


def test_body_not_chunked_is_read_through_urllib3():
    body = ResponseBody(Response(Raw(Inner(TrickleFile(b'ignored', 10), chunked=False), fallback=b'plain body')))
    assert read_all(body) == b'plain body'
