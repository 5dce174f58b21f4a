"""LineBlocks: the bulk path gives exactly the lines FrameParser gives one by one, whatever arrives."""
import random
import struct

import pytest

from docker_dashboard.api import log_lines
from docker_dashboard.api.log_lines import LineBlock, LogLine
from docker_dashboard.api.logs import FrameParser

STAMP = b'2026-11-23T10:00:%02d.%09dZ '


def frame(stream_type, payload):
    return struct.pack('>BxxxL', stream_type, len(payload)) + payload


def line_frames(count, width=40, stream_type=1):
    return b''.join(frame(stream_type, STAMP % (n % 60, n) + b'y' * width + b'\n') for n in range(count))


def random_frames(rng):
    """Mostly one-line frames, as Docker sends them; now and then the shapes that need the slow path."""
    frames = []
    for number in range(400):
        stamp = STAMP % (number % 60, number)
        shape = rng.random()
        if shape < 0.75:
            text = rng.choice((b'short', b'x' * rng.randint(0, 300), 'caf\u00e9 \u2603'.encode(), b'crlf\r',
                               b'bad utf-8 \xff\xfe\xc3', b'<b>markup</b> \x1b[31mred', b'cr\r\r', b''))
            frames.append((rng.choice((1, 1, 2)), stamp + text + b'\n'))
        elif shape < 0.85:   # a long line Docker sends in pieces, each with its own timestamp
            frames.append((1, stamp + b'first part '))
            frames.append((1, stamp + b'second part\n'))
        elif shape < 0.9:    # payload sizes whose header holds a newline byte (0x0a, 0x10a)
            size = rng.choice((10, 266))
            frames.append((1, (stamp + b'z' * size)[:size - 1] + b'\n'))
        elif shape < 0.95:   # longer than max_line_bytes: cut
            frames.append((2, stamp + b'L' * 200 + b'\n'))
        else:                # two lines in one frame (not Docker's shape, but a frame is a frame)
            frames.append((1, stamp + b'one\n' + stamp + b'two\n'))
    frames.append((1, STAMP % (0, 999) + b'no final newline'))
    return b''.join(frame(t, p) for t, p in frames)


def pieces(rng, data):
    offset = 0
    while offset < len(data):
        size = rng.choice((1, 7, 8, 9, 100, 4096, 65536))
        yield data[offset:offset + size]
        offset += size


@pytest.mark.parametrize('seed', range(30))
def test_blocks_hold_the_same_lines_as_the_frame_parser(seed):
    rng = random.Random(seed)
    data = random_frames(rng)
    expected = FrameParser(timestamps=True, max_line_bytes=128)
    want = [line for piece in pieces(random.Random(seed), data) for line in expected.feed(piece)] + expected.flush()
    parser = FrameParser(timestamps=True, max_line_bytes=128)
    blocks = [parser.feed_block(piece) for piece in pieces(random.Random(seed), data)]
    blocks.append(log_lines.pack(parser.flush()))
    assert log_lines.unpack(log_lines.join(blocks)) == want


def test_a_run_of_one_line_frames_takes_the_bulk_path():
    data = line_frames(300) + line_frames(5, stream_type=2)
    block = log_lines.whole_frames(data, 16384)
    assert block is not None and block.count == 305
    assert block.streams == 'o' * 300 + 'e' * 5
    assert block.text.split('\n')[0] == (STAMP % (0, 0)).decode() + 'y' * 40
    # through the parser, a read that ends inside a frame keeps the rest for the next read
    parser = FrameParser(timestamps=True)
    first = parser.feed_block(data[:1000])
    rest = parser.feed_block(data[1000:])
    assert first.count + rest.count == 305 and log_lines.unpack(log_lines.join([first, rest])) == \
        log_lines.unpack(block)


@pytest.mark.parametrize('data', [
    frame(1, b'2026-11-23T10:00:00Z one\n' + b'2026-11-23T10:00:00Z two\n'),   # two lines in a frame
    frame(3, b'2026-11-23T10:00:00Z daemon error\n'),                            # in-band error
    frame(0, b'2026-11-23T10:00:00Z stdin\n'),                                   # not stdout/stderr
    frame(1, b'2026-11-23T10:00:00Z ' + b'L' * 100 + b'\n'),                      # longer than the bound
    frame(1, b'2026-11-23T10:00:00Z partial'),                                   # no newline
    struct.pack('>BxxxL', 1, 99) + b'2026-11-23T10:00:00Z lies about its size\n',
    b'\x01\x00\x01\x00' + frame(1, b'2026-11-23T10:00:00Z x\n')[4:],            # header bytes 1-3 not zero
    b'plain text that is not framed\n',
])
def test_anything_but_whole_one_line_frames_is_left_to_the_frame_parser(data):
    assert log_lines.whole_frames(data, 64) is None


def test_hostile_text_stays_text_in_a_block():
    data = frame(1, STAMP % (0, 1) + b'<img src=x onerror=alert(1)>\r\n') + frame(2, STAMP % (0, 2) + b'\xff\n')
    block = log_lines.whole_frames(data, 16384)
    assert log_lines.unpack(block) == [
        LogLine('stdout', '<img src=x onerror=alert(1)>', '2026-11-23T10:00:00.000000001Z', False),
        LogLine('stderr', '\ufffd', '2026-11-23T10:00:00.000000002Z', False)]


def test_join_shifts_cut_lines_and_stamps_come_from_the_end():
    one = log_lines.pack([LogLine('stdout', 'a', '2026-11-23T10:00:00Z', True)])
    two = log_lines.pack([LogLine('stderr', 'b', None), LogLine('stdout', 'c', '2026-11-23T10:00:01Z', True)])
    joined = log_lines.join([one, log_lines.EMPTY, two])
    assert joined == LineBlock('oeo', '2026-11-23T10:00:00Z a\n b\n2026-11-23T10:00:01Z c', (0, 2))
    assert list(log_lines.stamps_from_end(joined)) == ['2026-11-23T10:00:01Z', None, '2026-11-23T10:00:00Z']
