"""Container logs straight from the Docker host, parsed and bounded here.

Docker multiplexes stdout and stderr of a non-TTY container into frames: an 8-byte header
(stream type, three zero bytes, big-endian uint32 payload size) then the payload. We parse the
frames ourselves so each line keeps its stream, and so reading stops at a byte bound, a time bound
or when the caller closes the stream: a log is never read whole into memory.
"""
from __future__ import annotations

import logging
import re
import struct
import threading
import time
from datetime import datetime
from typing import Any, Iterator

from docker_dashboard import conf
from docker_dashboard import exceptions
from docker_dashboard.api.client import CONNECTION_ERRORS
from docker_dashboard.api.client import docker_client
from docker_dashboard.api.client import docker_errors
from docker_dashboard.api.containers import ServerContainer
from docker_dashboard.api import log_lines
from docker_dashboard.api.log_lines import LineBlock
from docker_dashboard.api.log_lines import LogLine
from docker_dashboard.api.response_body import ResponseBody
from docker_dashboard.api.response_body import close_response
from docker_dashboard.api.response_body import response_sockets

LOG = logging.getLogger(__name__)

HEADER = struct.Struct('>BxxxL')
STREAMS = {0: 'stdin', 1: 'stdout', 2: 'stderr'}
SYSTEM_ERROR = 3  # Engine API >= 1.42 reports a stream error in-band as type 3
# Docker's RFC3339Nano prefix when timestamps=1, e.g. 2026-11-23T11:32:14.810899823Z
_TIMESTAMP = re.compile(rb'^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)) ')


class FrameParser:
    """Incremental parser: feed() raw bytes from dockerd, get complete LogLines back."""

    def __init__(self, *, tty: bool = False, timestamps: bool = False, max_line_bytes: int = 16384) -> None:
        self.tty = tty
        self.timestamps = timestamps
        self.max_line_bytes = max_line_bytes
        self._pending = b''                     # bytes not yet parsed as a frame
        self._lines: dict = {}                  # stream -> bytearray of the current partial line
        self._stamps: dict = {}                 # stream -> timestamp of the current partial line
        self._cut: set = set()                  # streams whose current line was already cut

    def feed(self, data: bytes) -> list:
        if self.tty:
            return self._payload('stdout', data)
        pending = self._pending + data if self._pending else data
        lines: list = []
        offset, total = 0, len(pending)
        unpack, header_size = HEADER.unpack_from, HEADER.size
        while total - offset >= header_size:
            stream_type, size = unpack(pending, offset)
            if pending[offset + 1:offset + 4] != b'\0\0\0' or stream_type > SYSTEM_ERROR:
                raise exceptions.DockerHostError('The Docker host sent a log stream in an unexpected format.')
            start = offset + header_size
            end = start + size
            if end > total:
                break
            offset = end
            if stream_type == SYSTEM_ERROR:
                raise exceptions.DockerHostError(pending[start:end].decode('utf-8', 'replace').strip()[:300])
            stream = 'stderr' if stream_type == 2 else 'stdout'
            # Docker sends one frame per line in the common case: a whole short line, nothing pending.
            if (size and size <= self.max_line_bytes and pending[end - 1] == 10
                    and not self._lines.get(stream) and stream not in self._cut
                    and pending.find(b'\n', start, end - 1) < 0):
                lines.append(self._whole_line(stream, pending[start:end - 1]))
            else:
                lines.extend(self._payload(stream, pending[start:end]))
        self._pending = pending[offset:]
        return lines

    def feed_block(self, data: bytes) -> LineBlock:
        """feed(), with the lines as one LineBlock: a run of whole one-line frames (a busy log) is taken
        in bulk (log_lines.whole_frames), anything else frame by frame."""
        if not (self.tty or not self.timestamps or any(self._lines.values()) or self._cut):
            pending = self._pending + data if self._pending else data
            end = pending.rfind(b'\n') + 1
            block = log_lines.whole_frames(pending[:end], self.max_line_bytes) if end else None
            if block is not None:
                self._pending = pending[end:]
                return block
        return log_lines.pack(self.feed(data))

    def _whole_line(self, stream: str, raw: bytes) -> LogLine:
        stamp = None
        if self.timestamps:
            match = _TIMESTAMP.match(raw)
            if match:
                stamp = match.group(1).decode('ascii')
                raw = raw[match.end():]
        if raw.endswith(b'\r'):
            raw = raw[:-1]
        return LogLine(stream, raw.decode('utf-8', 'replace'), stamp, False)

    def flush(self) -> list:
        """Lines still open at the end of the stream (output without a final newline)."""
        lines = []
        for stream, buffer in list(self._lines.items()):
            if buffer or stream in self._cut:
                lines.append(self._line(stream, bytes(buffer), truncated=stream in self._cut))
        self._lines.clear()
        self._cut.clear()
        return lines

    def _payload(self, stream: str, payload: bytes) -> list:
        lines = []
        buffer = self._lines.setdefault(stream, bytearray())
        start = 0
        while start < len(payload):
            newline = payload.find(b'\n', start)
            end = len(payload) if newline < 0 else newline
            piece = payload[start:end]
            if self.timestamps and not buffer and stream not in self._cut:
                match = _TIMESTAMP.match(piece)
                if match:
                    self._stamps[stream] = match.group(1).decode('ascii')
                    piece = piece[match.end():]
            elif self.timestamps and start == 0:
                # Docker splits long lines into partial messages, each with its own timestamp.
                match = _TIMESTAMP.match(piece)
                if match:
                    piece = piece[match.end():]
            if stream not in self._cut:
                room = self.max_line_bytes - len(buffer)
                if len(piece) > room:
                    buffer += piece[:room]
                    self._cut.add(stream)
                else:
                    buffer += piece
            if newline < 0:
                break
            lines.append(self._line(stream, bytes(buffer), truncated=stream in self._cut))
            buffer.clear()
            self._cut.discard(stream)
            start = newline + 1
        return lines

    def _line(self, stream: str, raw: bytes, truncated: bool) -> LogLine:
        if raw.endswith(b'\r'):
            raw = raw[:-1]
        return LogLine(stream, raw.decode('utf-8', 'replace'), self._stamps.pop(stream, None), truncated)


class LogStream:
    """Iterator over the LogLines of one logs request, bounded in bytes and time.

    `end_reason` tells why it ended: 'eof' (dockerd closed: all there was, or the container stopped),
    'bytes' (byte bound), 'time' (time bound), 'closed' (close() was called) or 'unreachable'.
    Use as a context manager, or call close(): it shuts the connection to dockerd down at once.
    """

    def __init__(self, client: Any, response: Any, parser: FrameParser, *, host: str,
                 max_bytes: int, max_seconds: float) -> None:
        self._client = client
        self._response = response
        self._body = ResponseBody(response)
        self._parser = parser
        self._host = host
        self.max_bytes = max_bytes
        self.max_seconds = max_seconds
        self.bytes_read = 0
        self.direct_read = self._body.direct
        self.end_reason: str | None = None
        self._timer = threading.Timer(max_seconds, self._expire)
        self._timer.daemon = True
        self._lock = threading.Lock()
        self._closed = False
        self._finished = False
        self._timer_started = False

    def __enter__(self) -> 'LogStream':
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def __iter__(self) -> Iterator[LogLine]:
        for batch in self.batches():
            yield from batch

    def batches(self) -> Iterator[list]:
        """The lines of each read from dockerd, as lists (one list per network read, never empty)."""
        try:
            while True:
                lines = self.read_lines()
                if lines is None:
                    return
                if lines:
                    yield lines
        finally:
            self.close()

    def read_lines(self, timeout: float | None = None) -> list | None:
        """The lines of the next read from dockerd: [] when `timeout` seconds pass with nothing new (or the
        read ended inside a line), None once the stream has ended (see end_reason). Raises
        DockerHostUnreachable when the connection breaks."""
        chunk = self._next_chunk(timeout)
        if chunk is None:
            return None
        lines = self._parser.feed(chunk) if chunk else []
        if self._finished:
            lines.extend(self._last_lines())
            return lines or None
        return lines

    def read_block(self, timeout: float | None = None) -> LineBlock | None:
        """read_lines() as one LineBlock (the live view's fast path; EMPTY for [])."""
        chunk = self._next_chunk(timeout)
        if chunk is None:
            return None
        block = self._parser.feed_block(chunk) if chunk else log_lines.EMPTY
        if self._finished:
            block = log_lines.join([block, log_lines.pack(self._last_lines())])
            return block if block.count else None
        return block

    def _next_chunk(self, timeout: float | None) -> bytes | None:
        """Bytes of the next read (b'' when it ended the stream or `timeout` passed), None after the end."""
        if self._finished:
            return None
        if not self._timer_started:
            self._timer_started = True
            self._timer.start()
        try:
            chunk = self._body.read(timeout)
        except TimeoutError:
            if timeout is not None and not self.end_reason:
                return b''   # quiet: nothing arrived for `timeout` seconds
            chunk = self._broken()
        except CONNECTION_ERRORS + (OSError, ValueError, AttributeError):
            chunk = self._broken()
        if chunk:
            room = self.max_bytes - self.bytes_read
            if len(chunk) >= room:
                chunk = chunk[:room]
                self.end_reason = 'bytes'
            self.bytes_read += len(chunk)
        else:
            self.end_reason = self.end_reason or 'eof'
        if self.end_reason:
            self._finished = True
            self.close()
        return chunk

    def _last_lines(self) -> list:
        """Lines still open when the stream ended by itself or at a bound (output without a final newline)."""
        return self._parser.flush() if self.end_reason in ('eof', 'bytes', 'time') else []

    def _broken(self) -> bytes:
        """A read failed: a shut-down socket (close or the time bound) ends the stream, else the host is gone."""
        if self.end_reason:
            return b''
        LOG.warning('Docker host %s: log stream broken', self._host)
        self.end_reason = 'unreachable'
        self._finished = True
        self.close()
        error = exceptions.DockerHostUnreachable()
        error.host = self._host
        raise error from None

    @property
    def released(self) -> bool:
        """True once the connection to dockerd is shut down."""
        return self._closed

    def _expire(self) -> None:
        if not self.end_reason:
            self.end_reason = 'time'
        self._shutdown()

    def close(self) -> None:
        """End the stream and its connection to dockerd (safe to call more than once)."""
        if not self.end_reason:
            self.end_reason = 'closed'
        self._timer.cancel()
        self._shutdown()

    def _shutdown(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
        close_response(self._client, self._response)


_EXACT_SINCE = re.compile(r'^\d{1,12}\.\d{9}$')


def _as_epoch(value: datetime | float | int | str | None, key: str) -> str | None:
    """Docker's since/until parameter: "seconds.nanoseconds" (exact strings pass through)."""
    if value is None:
        return None
    if isinstance(value, str):
        if not _EXACT_SINCE.match(value):
            raise exceptions.LogLimitExceeded(f'The {key} time is not valid.')
        return value
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise exceptions.LogLimitExceeded(f'The {key} time needs a time zone.')
        return f'{value.timestamp():.9f}'
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f'{float(value):.9f}'
    raise exceptions.LogLimitExceeded(f'The {key} time is not valid.')


def container_logs(container: ServerContainer, *, tail: int | str | None = None,
                   since: datetime | float | str | None = None, until: datetime | float | str | None = None,
                   timestamps: bool = False, follow: bool = False, stdout: bool = True,
                   stderr: bool = True, max_bytes: int | None = None,
                   max_seconds: float | None = None, download: bool = False) -> LogStream:
    """Open the logs of `container` and return a LogStream of its lines.

    `tail` is a number of lines (at most logs.max_tail; None means logs.default_tail) or 'all' (then
    only the byte bound limits it). The bounds are the follow bounds with `follow`, the download bounds
    with `download` (a download streams to the browser, so it may read far more than a page holds), else
    the read bounds. The request is sent now, so a missing container or an unreachable host raises here,
    before anything has been streamed.
    """
    limits = conf.get_settings().logs
    if tail is None:
        tail = limits.default_tail
    if tail != 'all':
        if isinstance(tail, bool) or not isinstance(tail, int) or tail < 0:
            raise exceptions.LogLimitExceeded('The number of lines must be a whole number.')
        if tail > limits.max_tail:
            raise exceptions.LogLimitExceeded(f'At most {limits.max_tail} lines can be shown at once.')
    if not (stdout or stderr):
        raise exceptions.LogLimitExceeded('Choose stdout, stderr or both.')
    params = {'stdout': int(stdout), 'stderr': int(stderr), 'timestamps': int(timestamps),
              'follow': int(follow), 'tail': str(tail)}
    since_epoch, until_epoch = _as_epoch(since, 'since'), _as_epoch(until, 'until')
    if since_epoch is not None:
        params['since'] = since_epoch
    if until_epoch is not None:
        params['until'] = until_epoch
    if follow:
        byte_bound, time_bound = limits.follow_max_bytes, limits.follow_max_seconds
    elif download:
        byte_bound, time_bound = limits.download_max_bytes, limits.download_max_seconds
    else:
        byte_bound, time_bound = limits.max_bytes, limits.max_seconds
    max_bytes = min(max_bytes or byte_bound, byte_bound)
    max_seconds = min(max_seconds or time_bound, time_bound)
    client = docker_client(container.host)
    with docker_errors(container.host, exceptions.ContainerNotFound):
        response = client._get(client._url('/containers/{0}/logs', container.id), params=params, stream=True)
        client._raise_for_status(response)
    if follow:
        # A quiet container is not a dead host: the time bound, not the read timeout, ends a follow.
        for sock in response_sockets(client, response):
            sock.settimeout(max_seconds + 1)
    parser = FrameParser(tty=container.tty, timestamps=timestamps,
                         max_line_bytes=limits.max_line_bytes)
    return LogStream(client, response, parser, host=container.host, max_bytes=max_bytes,
                     max_seconds=max_seconds)


def tail_lines(container: ServerContainer, lines: int, **kwargs: Any) -> list:
    """The last `lines` lines as a list (bounded by the non-follow limits)."""
    started = time.monotonic()
    with container_logs(container, tail=lines, **kwargs) as stream:
        result = list(stream)
    LOG.debug('read %d log lines from %s in %.3fs', len(result), container.host, time.monotonic() - started)
    return result
