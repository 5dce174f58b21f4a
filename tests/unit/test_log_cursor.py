"""The follow cursor moved once per batch agrees with moving it line by line; resumed streams skip
exactly the lines already sent."""
import random

import pytest

from docker_dashboard.api.log_follow import Cursor, _skip_seen, advance, advance_all
from docker_dashboard.api.log_lines import LogLine, pack, unpack
from docker_dashboard.api.log_follow import advance_block

STAMPS = ['2026-11-23T10:00:00.000000001Z', '2026-11-23T10:00:00.000000002Z', '2026-11-23T10:00:01Z']


@pytest.mark.parametrize('seed', range(40))
def test_advance_all_equals_advancing_line_by_line(seed):
    rng = random.Random(seed)
    stamps = sorted(rng.choice(STAMPS + [None]) or '' for _ in range(rng.randint(0, 12)))
    lines = [LogLine('stdout', str(n), stamp or None) for n, stamp in enumerate(stamps)]
    if seed % 5 == 0:
        rng.shuffle(lines)   # out of order too: the batch result must still match
    start = rng.choice([None, Cursor(STAMPS[0], 2), Cursor(STAMPS[2], 1)])
    expected = start
    for line in lines:
        expected = advance(expected, line)
    assert advance_all(start, lines) == expected
    assert advance_block(start, pack(lines)) == expected


def test_skip_seen_drops_only_what_the_cursor_counted():
    stamp, later = STAMPS[0], STAMPS[1]
    lines = [LogLine('stdout', 'a', stamp), LogLine('stderr', 'b', stamp), LogLine('stdout', 'c', stamp),
             LogLine('stdout', 'd', later)]
    rest, left = _skip_seen(lines, Cursor(stamp, 2))
    assert [line.text for line in rest] == ['c', 'd'] and left.seen == 0
    rest, left = _skip_seen(lines[:1], Cursor(stamp, 2))   # a read that ends inside the skipped lines
    assert rest == [] and left == Cursor(stamp, 1)
    rest, left = _skip_seen(lines[1:], left)
    assert [line.text for line in rest] == ['c', 'd']


class TricklingStream:
    """A log stream whose dockerd reads carry one line each, 5 ms apart (a busy follow looks like this)."""

    end_reason = None

    def __init__(self, count: int) -> None:
        self.count, self.sent, self.waits = count, 0, []

    def read_block(self, timeout=None):
        import time
        self.waits.append(timeout)
        if self.sent == self.count:
            self.end_reason = 'eof'
            return None
        time.sleep(0.005)
        self.sent += 1
        return pack([LogLine('stdout', str(self.sent - 1), f'2026-11-23T10:00:00.{self.sent - 1:09d}Z')])

    def close(self) -> None:
        pass


def test_small_reads_are_coalesced_into_few_events_without_loss():
    from docker_dashboard.api.log_follow import LogFollower
    follower = LogFollower(TricklingStream(200), None)
    events = [block for block in follower.batches(heartbeat=5) if block.count]
    assert [line.text for block in events for line in unpack(block)] == [str(n) for n in range(200)]
    # 200 reads over about a second: coalescing windows of 50 ms give about 20 events, not 200
    assert len(events) <= 60, len(events)
    assert follower.cursor == Cursor('2026-11-23T10:00:00.000000199Z', 1)
    # a read with nothing pending waits a whole heartbeat; inside a batch it waits only what is left of it
    waits = follower._stream.waits
    assert sum(1 for wait in waits if wait == 5) <= len(events) + 1
    assert all(wait <= 0.05 for wait in waits if wait != 5)
