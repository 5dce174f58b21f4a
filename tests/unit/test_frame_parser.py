"""FrameParser on hand-made frames: splits at any byte, bad headers, in-band errors, timestamps."""
import struct

import pytest

from docker_dashboard.api.logs import FrameParser
from docker_dashboard.exceptions import DockerHostError


def frame(stream_type, payload):
    return struct.pack('>BxxxL', stream_type, len(payload)) + payload


def feed_bytewise(parser, data):
    lines = []
    for index in range(len(data)):
        lines += parser.feed(data[index:index + 1])
    return lines + parser.flush()


def test_frames_split_at_every_byte_boundary():
    data = frame(1, b'hello\n') + frame(2, b'oops\nsecond err\n') + frame(1, b'partial') + frame(1, b' end\n')
    lines = feed_bytewise(FrameParser(), data)
    assert [(l.stream, l.text) for l in lines] == [
        ('stdout', 'hello'), ('stderr', 'oops'), ('stderr', 'second err'), ('stdout', 'partial end')]


def test_partial_lines_of_two_streams_do_not_mix():
    parser = FrameParser()
    lines = parser.feed(frame(1, b'out-a') + frame(2, b'err-a') + frame(1, b'out-b\n') + frame(2, b'err-b\n'))
    assert [(l.stream, l.text) for l in lines] == [('stdout', 'out-aout-b'), ('stderr', 'err-aerr-b')]


def test_header_that_is_not_a_frame_is_an_error():
    with pytest.raises(DockerHostError, match='unexpected format'):
        FrameParser().feed(b'{"message": "not a frame"}')


def test_in_band_system_error_is_raised():
    with pytest.raises(DockerHostError, match='log file vanished'):
        FrameParser().feed(frame(3, b'log file vanished\n'))


def test_timestamps_are_split_off_and_partial_messages_joined():
    parser = FrameParser(timestamps=True)
    data = (frame(1, b'2026-11-23T10:00:00.000000001Z first part ') +
            frame(1, b'2026-11-23T10:00:00.000000002Z second part\n') +
            frame(2, b'2026-11-23T10:00:01.5Z err\n'))
    lines = parser.feed(data)
    assert [(l.timestamp, l.text) for l in lines] == [
        ('2026-11-23T10:00:00.000000001Z', 'first part second part'), ('2026-11-23T10:00:01.5Z', 'err')]


def test_line_cut_at_limit_and_rest_discarded_until_newline():
    parser = FrameParser(max_line_bytes=8)
    lines = parser.feed(frame(1, b'0123456789abcdef') + frame(1, b'ghij\nshort\n'))
    assert [(l.text, l.truncated) for l in lines] == [('01234567', True), ('short', False)]


def test_crlf_and_hostile_text_are_kept_as_text():
    lines = FrameParser().feed(frame(1, b'<script>alert(1)</script>\r\n\x1b[31mred\x1b[0m\n'))
    assert [l.text for l in lines] == ['<script>alert(1)</script>', '\x1b[31mred\x1b[0m']


def test_tty_stream_has_no_frames():
    lines = FrameParser(tty=True).feed(b'\x01\x00 raw bytes\nmore\n')
    assert [(l.stream, l.text) for l in lines] == [('stdout', '\x01\x00 raw bytes'), ('stdout', 'more')]


def reference_lines(frames, *, timestamps, max_line_bytes):
    """The slow, obvious parse: per stream, join payloads, split at newlines, cut long lines."""
    import re
    stamp_re = re.compile(rb'^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)) ')
    partial, lines = {}, []
    for stream_type, payload in frames:
        stream = 'stderr' if stream_type == 2 else 'stdout'
        current = partial.setdefault(stream, [])
        for index, piece in enumerate(payload.split(b'\n')):
            if index:
                lines.append((stream, current[:]))
                current.clear()
            current.append(piece)
        if payload.endswith(b'\n'):
            current.clear()
    out = []
    for stream, pieces in lines:
        stamp, text = None, b''
        for number, piece in enumerate(pieces):
            match = stamp_re.match(piece) if timestamps else None
            if match:
                stamp = stamp if number else match.group(1).decode()
                piece = piece[match.end():]
            text += piece
        out.append((stream, text[:max_line_bytes].removesuffix(b'\r').decode('utf-8', 'replace'), stamp,
                    len(text) > max_line_bytes))
    return out


@pytest.mark.parametrize('seed', range(25))
def test_fast_path_agrees_with_the_obvious_parse(seed):
    """Random frames (whole lines, partial lines, several lines per frame, long lines, CRLF,
    timestamps) fed in random pieces give the same lines as the obvious reference parse."""
    import random
    rng = random.Random(seed)
    timestamps = bool(seed % 2)
    frames = []
    for number in range(300):
        stream_type = rng.choice((1, 1, 2))
        count = rng.choice((1, 1, 1, 2, 3))
        texts = [rng.choice((b'short', b'x' * rng.randint(0, 90), 'caf\u00e9 \u2603'.encode(), b'crlf\r'))
                 + str(number).encode() for _ in range(count)]
        if timestamps:
            texts = [b'2026-11-23T10:00:%02d.%09dZ ' % (number % 60, index) + text for index, text in enumerate(texts)]
        payload = b'\n'.join(texts) + (b'\n' if rng.random() < 0.8 else b'')
        frames.append((stream_type, payload))
    frames.append((1, b'end\n'))
    frames.append((2, b'end\n'))
    data = b''.join(frame(t, p) for t, p in frames)
    parser = FrameParser(timestamps=timestamps, max_line_bytes=64)
    got, offset = [], 0
    while offset < len(data):
        size = rng.choice((1, 7, 8, 9, 100, 4096, 65536))
        got += parser.feed(data[offset:offset + size])
        offset += size
    got += parser.flush()
    assert [tuple(line) for line in got] == reference_lines(frames, timestamps=timestamps, max_line_bytes=64)
