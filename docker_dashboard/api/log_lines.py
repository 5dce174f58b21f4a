"""Log lines: LogLine one at a time, and LineBlock in bulk for the live view (one string of text and
one character of stream per line).

A busy container writes hundreds of thousands of lines a second, and a Python object per line (a tuple,
a list for JSON, a decoded string) costs more than everything else the live view does with it. When a
read from dockerd is a run of ordinary one-line frames (the common case: Docker sends a frame per line),
it is checked frame by frame and turned into a LineBlock with a few whole-buffer operations; anything
else goes through FrameParser line by line and is packed afterwards. Both give the same lines.
"""
from __future__ import annotations

import array
import re
import sys
from typing import Iterator, NamedTuple


class LogLine(NamedTuple):
    """One line of container output. `text` is untrusted: escape it wherever it is shown.

    A tuple, not a dataclass: a busy log makes hundreds of thousands of these a second.
    """

    stream: str            # 'stdout' or 'stderr' ('stdout' for TTY containers)
    text: str              # decoded as UTF-8 with replacement characters, no trailing newline
    timestamp: str | None = None
    truncated: bool = False  # the line was longer than max_line_bytes and was cut


_STREAM_MARKS = bytes.maketrans(b'\x01\x02', b'oe')
# the timestamps a cursor may carry (Docker's RFC3339Nano in UTC)
_STAMP = re.compile(r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?Z$')


class LineBlock(NamedTuple):
    """Lines of a log, in order. Line i is `text.split('\\n')[i]`, written as "<timestamp> <text>" (an
    empty timestamp when there is none), on stream `streams[i]` ('o' stdout, 'e' stderr); `cut` lists
    the lines cut at max_line_bytes. Texts never contain '\\n'. Like LogLine.text, the text is untrusted."""

    streams: str
    text: str
    cut: tuple = ()

    @property
    def count(self) -> int:
        return len(self.streams)


EMPTY = LineBlock('', '', ())


def pack(lines: list) -> LineBlock:
    """A LineBlock of LogLines."""
    if not lines:
        return EMPTY
    return LineBlock(''.join('e' if line.stream == 'stderr' else 'o' for line in lines),
                     '\n'.join(f'{line.timestamp or ""} {line.text}' for line in lines),
                     tuple(index for index, line in enumerate(lines) if line.truncated))


def unpack(block: LineBlock) -> list:
    """The LogLines of a block."""
    cut = set(block.cut)
    lines = []
    for index, (mark, raw) in enumerate(zip(block.streams, block.text.split('\n'))):
        stamp, _space, text = raw.partition(' ')
        lines.append(LogLine('stderr' if mark == 'e' else 'stdout', text, stamp or None, index in cut))
    return lines


def join(blocks: list) -> LineBlock:
    """One block of several, in order."""
    blocks = [block for block in blocks if block.streams]
    if len(blocks) == 1:
        return blocks[0]
    cut, offset = [], 0
    for block in blocks:
        cut.extend(offset + index for index in block.cut)
        offset += block.count
    return LineBlock(''.join(block.streams for block in blocks), '\n'.join(block.text for block in blocks),
                     tuple(cut))


def stamps_from_end(block: LineBlock) -> Iterator:
    """The timestamps of a block's lines, last line first (None for a line without a valid one)."""
    text, end = block.text, len(block.text)
    for _ in range(block.count):
        start = text.rfind('\n', 0, end) + 1
        space = text.find(' ', start, end)
        stamp = text[start:space] if space > start else ''
        yield stamp if _STAMP.match(stamp) else None
        end = start - 1


def whole_frames(data: bytes, max_line_bytes: int) -> LineBlock | None:
    """The lines of `data` when it is a run of complete one-line stdout/stderr frames with timestamps,
    each payload at most max_line_bytes long before its newline; None for anything else (the caller
    then parses frame by frame).

    Splitting at every newline gives the frames exactly when each piece is an 8-byte header whose size
    is the piece's own length less the header plus the newline: frame k then ends at the newline that
    ends piece k, so frame k+1 starts where piece k+1 does. That is checked for every piece.
    """
    if not data or data[-1] != 10:
        return None
    pieces = data.split(b'\n')
    pieces.pop()   # the empty piece after the final newline
    count = len(pieces)
    if min(map(len, pieces)) < 8 or max(map(len, pieces)) > max_line_bytes + 7:
        return None
    headers = b''.join([piece[:8] for piece in pieces])
    if headers[0::8].translate(None, b'\x01\x02') or (headers[1::8] + headers[2::8] + headers[3::8]).count(0) != 3 * count:
        return None   # a stream other than stdout/stderr, or not a frame header at all
    words = array.array('I', headers)   # two 32-bit words per header, the second the payload size
    if sys.byteorder == 'little':
        words.byteswap()
    if words[1::2] != array.array('I', [len(piece) - 7 for piece in pieces]):
        return None
    text = b'\n'.join([piece[8:] for piece in pieces]).decode('utf-8', 'replace')
    if '\r' in text:
        # a line's trailing CR goes, as in FrameParser; "\n" ends the last line only for this replace
        text = (text + '\n').replace('\r\n', '\n')[:-1]
    return LineBlock(headers[0::8].translate(_STREAM_MARKS).decode('ascii'), text, ())
