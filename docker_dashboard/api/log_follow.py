"""Live following of a container's output, resumable from a cursor without losing or repeating lines.

A cursor is the Docker timestamp (RFC3339Nano) of the last line seen plus how many lines carried that
exact timestamp. Docker's `since` is inclusive, so a reconnect asks for `since = that timestamp` and
skips that many lines.
"""
from __future__ import annotations

import calendar
import re
import threading
import time
from dataclasses import dataclass
from typing import Iterator

from docker_dashboard import conf
from docker_dashboard import exceptions
from docker_dashboard.api import log_lines
from docker_dashboard.api import logs
from docker_dashboard.api.containers import ServerContainer

_CURSOR = re.compile(r'^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?Z~(\d{1,9})$')
# A busy log arrives from dockerd in many small reads; lines that come within this window after the first
# one travel in the same batch (one event to the browser instead of one per read). It adds at most this
# much to the write-to-visible latency.
COALESCE_SECONDS = 0.05


@dataclass(frozen=True)
class Cursor:
    """Position in a log: the last timestamp seen and how many lines had exactly that timestamp."""

    timestamp: str
    seen: int

    def __str__(self) -> str:
        return f'{self.timestamp}~{self.seen}'

    @classmethod
    def parse(cls, text: str | None) -> 'Cursor | None':
        """A cursor from a client (Last-Event-ID or ?cursor=); None when absent. Raises on garbage."""
        if not text:
            return None
        match = _CURSOR.match(text.strip())
        if not match:
            raise exceptions.LogLimitExceeded('The log position is not valid.')
        return cls(timestamp=text.strip().rsplit('~', 1)[0], seen=int(match.group(8)))

    def since(self) -> str:
        """Docker's `since` for this timestamp, exact to the nanosecond ("seconds.nanoseconds")."""
        match = _CURSOR.match(str(self))
        year, month, day, hour, minute, second = (int(match.group(i)) for i in range(1, 7))
        seconds = calendar.timegm((year, month, day, hour, minute, second, 0, 0, 0))
        nanos = int((match.group(7) or '0').ljust(9, '0'))
        return f'{seconds}.{nanos:09d}'

    def advance(self, line_timestamp: str | None) -> 'Cursor | None':
        if not line_timestamp:
            return self
        if line_timestamp == self.timestamp:
            return Cursor(self.timestamp, self.seen + 1)
        return Cursor(line_timestamp, 1)


def advance(cursor: Cursor | None, line: logs.LogLine) -> Cursor | None:
    if cursor is None:
        return Cursor(line.timestamp, 1) if line.timestamp else None
    return cursor.advance(line.timestamp)


def advance_all(cursor: Cursor | None, lines: list) -> Cursor | None:
    """The cursor after `lines`: the same as advance() line by line, counting only the last timestamp."""
    return _advance_from_end(cursor, (line.timestamp for line in reversed(lines)))


def advance_block(cursor: Cursor | None, block: log_lines.LineBlock) -> Cursor | None:
    """advance_all() for a LineBlock (only its last lines are looked at)."""
    return _advance_from_end(cursor, log_lines.stamps_from_end(block))


def _advance_from_end(cursor: Cursor | None, stamps: Iterator) -> Cursor | None:
    last, same = None, 0
    for stamp in stamps:
        if not stamp:
            continue
        if last is None:
            last = stamp
        if stamp != last:
            return Cursor(last, same)
        same += 1
    if last is None:
        return cursor
    # every timestamped line has the last timestamp: continue the count of the cursor
    if cursor is not None and cursor.timestamp == last:
        return Cursor(last, cursor.seen + same)
    return Cursor(last, same)


class LogFollower:
    """Follows one container's log on the calling (web) thread: iterate batches().

    Reads wait at most a heartbeat for dockerd, so the caller can send keep-alives while the container
    is quiet (and notice a browser that went away). There is no reader thread: on a busy log a second
    thread only fights the web thread for the GIL (over TLS, once per record). A slow browser makes the
    web thread wait on its write, which stops the reads and pushes back on dockerd instead of growing memory.
    """

    def __init__(self, stream: logs.LogStream, cursor: Cursor | None) -> None:
        self._stream = stream
        self._skip = cursor
        self.cursor = cursor
        self.error: exceptions.DockerDashboardError | None = None

    @property
    def end_reason(self) -> str | None:
        if self.error is not None:
            return 'unreachable' if isinstance(self.error, exceptions.DockerHostUnreachable) else 'error'
        return self._stream.end_reason

    def batches(self, *, heartbeat: float = 2.0, max_lines: int = 2000) -> Iterator[log_lines.LineBlock]:
        """LineBlocks of new lines as they come; an empty block (EMPTY) after `heartbeat` seconds of silence.

        Lines arriving within COALESCE_SECONDS of the first of a block share it (up to `max_lines`).
        Ends when the stream ends (see end_reason). Closing the generator closes the stream.
        """
        pending: list = []
        count, due = 0, 0.0
        try:
            while True:
                wait = heartbeat if not pending else max(0.0, due - time.monotonic())
                try:
                    block = self._stream.read_block(wait)
                except exceptions.DockerDashboardError as error:
                    self.error, block = error, None
                if block is None:
                    break
                if block.count and self._skip is not None and self._skip.seen > 0:
                    lines, self._skip = _skip_seen(log_lines.unpack(block), self._skip)
                    block = log_lines.pack(lines)
                if block.count:
                    if not pending:
                        due = time.monotonic() + COALESCE_SECONDS
                    pending.append(block)
                    count += block.count
                if pending and (count >= max_lines or time.monotonic() >= due):
                    yield self._sent(pending)
                    pending, count = [], 0
                elif not pending and not block.count:
                    yield log_lines.EMPTY
            if pending:
                yield self._sent(pending)
        finally:
            self.close()

    def _sent(self, blocks: list) -> log_lines.LineBlock:
        block = log_lines.join(blocks)
        self.cursor = advance_block(self.cursor, block)
        return block

    def close(self) -> None:
        """Stop reading and release the connection to dockerd (idempotent)."""
        self._stream.close()

    @property
    def released(self) -> bool:
        """True once the connection to dockerd is shut down (close() does it at once)."""
        return self._stream.released


def _skip_seen(lines: list, skip: Cursor) -> tuple:
    """Drop the lines a resumed stream repeats: Docker's `since` is inclusive, so the first `skip.seen`
    lines with exactly the cursor's timestamp were already sent. Returns (rest, what is left to skip)."""
    index, seen = 0, skip.seen
    while index < len(lines) and seen > 0 and lines[index].timestamp == skip.timestamp:
        index += 1
        seen -= 1
    if index < len(lines):
        seen = 0   # a different timestamp came: nothing more of the cursor's can follow
    return lines[index:], Cursor(skip.timestamp, seen)


def follow_container(container: ServerContainer, *, cursor: Cursor | None = None, tail: int | str | None = None,
                     since: object = None, stdout: bool = True, stderr: bool = True,
                     max_seconds: float | None = None) -> LogFollower:
    """Start following `container`: from `cursor` when resuming, else from the last `tail` lines
    (of those written after `since`, when given)."""
    limits = conf.get_settings().logs
    if cursor is not None:
        stream = logs.container_logs(container, tail='all', since=cursor.since(), timestamps=True, follow=True,
                                     stdout=stdout, stderr=stderr, max_seconds=max_seconds)
    else:
        stream = logs.container_logs(container, tail=limits.default_tail if tail is None else tail,
                                     since=since, timestamps=True, follow=True, stdout=stdout, stderr=stderr,
                                     max_seconds=max_seconds)
    return LogFollower(stream, cursor)


class StreamSlots:
    """At most `logs.max_streams` live streams per process; beyond that, a clear refusal."""

    _lock = threading.Lock()
    _in_use = 0

    @classmethod
    def acquire(cls) -> None:
        limit = conf.get_settings().logs.max_streams
        with cls._lock:
            if cls._in_use >= limit:
                raise exceptions.LogLimitExceeded(
                    'Too many live log views are open on this server right now; try again in a minute.')
            cls._in_use += 1

    @classmethod
    def release(cls) -> None:
        with cls._lock:
            cls._in_use = max(0, cls._in_use - 1)

    @classmethod
    def in_use(cls) -> int:
        return cls._in_use

