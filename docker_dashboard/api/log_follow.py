"""Live following of a container's output, resumable from a cursor without losing or repeating lines.

A cursor is the Docker timestamp (RFC3339Nano) of the last line seen plus how many lines carried that
exact timestamp. Docker's `since` is inclusive, so a reconnect asks for `since = that timestamp` and
skips that many lines. A reader thread pulls lines from dockerd into a bounded queue, so the web
thread can send heartbeats while the container is quiet and notice a client that went away; a full
queue blocks the reader, which pushes back on dockerd instead of growing memory.
"""
from __future__ import annotations

import calendar
import queue
import re
import threading
import time
from dataclasses import dataclass
from typing import Iterator

from docker_dashboard import conf
from docker_dashboard import exceptions
from docker_dashboard.api import logs
from docker_dashboard.api.containers import ServerContainer

_CURSOR = re.compile(r'^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?Z~(\d{1,9})$')
# Whole reads from dockerd (up to 64 KiB of lines each) travel through the queue, not single lines:
# a busy log is hundreds of thousands of lines a second, and a queue operation per line costs more than
# parsing it. 32 reads bound the memory to about 2 MiB of log per follower.
QUEUE_BATCHES = 32
# A busy log arrives from dockerd in many small reads; lines that come within this window after the first
# one travel in the same batch (one event to the browser instead of one per read). It adds at most this
# much to the write-to-visible latency.
COALESCE_SECONDS = 0.05
_END = object()


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
    last = None
    for line in reversed(lines):
        if line.timestamp:
            last = line.timestamp
            break
    if last is None:
        return cursor
    same = 0
    for line in reversed(lines):
        if line.timestamp == last:
            same += 1
        elif line.timestamp:
            return Cursor(last, same)
    # every timestamped line of the batch has the last timestamp: continue the count of the cursor
    if cursor is not None and cursor.timestamp == last:
        return Cursor(last, cursor.seen + same)
    return Cursor(last, same)


class LogFollower:
    """Follows one container's log on a reader thread; iterate batches() on the web thread."""

    def __init__(self, stream: logs.LogStream, cursor: Cursor | None) -> None:
        self._stream = stream
        self._skip = cursor
        self.cursor = cursor
        self._queue: queue.Queue = queue.Queue(maxsize=QUEUE_BATCHES)
        self._closed = threading.Event()
        self.error: exceptions.DockerDashboardError | None = None
        self._thread = threading.Thread(target=self._read, name='docker-log-follower', daemon=True)
        self._thread.start()

    @property
    def end_reason(self) -> str | None:
        if self.error is not None:
            return 'unreachable' if isinstance(self.error, exceptions.DockerHostUnreachable) else 'error'
        return self._stream.end_reason

    def _put(self, item: object) -> bool:
        while not self._closed.is_set():
            try:
                self._queue.put(item, timeout=0.5)
                return True
            except queue.Full:
                continue
        return False

    def _read(self) -> None:
        skip = self._skip
        try:
            for lines in self._stream.batches():
                if skip is not None and skip.seen > 0:
                    lines, skip = _skip_seen(lines, skip)
                    if not lines:
                        continue
                if not self._put(lines):
                    break
        except exceptions.DockerDashboardError as error:
            self.error = error
        finally:
            self._stream.close()
            self._put(_END)

    def batches(self, *, heartbeat: float = 2.0, max_lines: int = 2000) -> Iterator[list]:
        """Lists of new LogLines as they come; an empty list every `heartbeat` seconds of silence.

        Ends when the stream ends (see end_reason). Closing the generator closes the stream.
        """
        try:
            while True:
                try:
                    item = self._queue.get(timeout=heartbeat)
                except queue.Empty:
                    yield []
                    continue
                batch: list = []
                until = time.monotonic() + COALESCE_SECONDS
                while item is not _END:
                    batch.extend(item)
                    left = until - time.monotonic()
                    if len(batch) >= max_lines or left <= 0:
                        break
                    try:
                        item = self._queue.get(timeout=left)
                    except queue.Empty:
                        break
                if batch:
                    self.cursor = advance_all(self.cursor, batch)
                    yield batch
                if item is _END:
                    return
        finally:
            self.close()

    def close(self) -> None:
        """Stop reading and release the connection to dockerd (idempotent)."""
        self._closed.set()
        self._stream.close()

    def join(self, timeout: float) -> bool:
        self._thread.join(timeout)
        return not self._thread.is_alive()


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

