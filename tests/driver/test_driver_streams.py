"""The stream plumbing the driver relies on, fed with awkward inputs (no daemon calls)."""
from __future__ import annotations

import struct
import time

import pytest

from nova import exception

from nova_docker import client as docker_client
from nova_docker import images
from nova_docker import snapshot

pytestmark = pytest.mark.docker


def frame(stream: int, payload: bytes) -> bytes:
    return struct.pack('>BxxxI', stream, len(payload)) + payload


@pytest.mark.parametrize('piece', [1, 3, 7, 8, 9, 4096])
def test_demux_reassembles_frames_split_anywhere(piece):
    data = frame(1, b'hello\n') + frame(2, b'') + frame(2, b'err\n') + frame(1, b'x' * 5000)
    demux = docker_client._Demux()
    out = b''.join(demux.feed(data[i:i + piece]) for i in range(0, len(data), piece))
    assert out == b'hello\nerr\n' + b'x' * 5000


def test_scrub_removes_urls_and_host_paths():
    text = ('Get "http+docker://localhost/v1.41/x": dial unix /run/ddash/h1/docker.sock: '
            'open /var/lib/docker/tmp/docker-import-1/repositories: no such file')
    cleaned = docker_client.scrub(text)
    assert 'localhost' not in cleaned and '/run/ddash' not in cleaned and '/var/lib' not in cleaned
    assert 'repositories: no such file' in cleaned
    assert len(docker_client.scrub('a' * 5000)) == 500


def test_bounded_enforces_bytes_and_time():
    assert b''.join(docker_client.bounded([b'ab', b'', b'cd'], 'x', 4, time.monotonic() + 5)) == b'abcd'
    with pytest.raises(docker_client.StreamLimitExceeded, match='more than 3 bytes'):
        list(docker_client.bounded([b'ab', b'cd'], 'x', 3, time.monotonic() + 5))
    with pytest.raises(docker_client.StreamLimitExceeded, match='took too long'):
        list(docker_client.bounded([b'ab'], 'x', 3, time.monotonic() - 1))


def test_chunk_reader_serves_sized_reads_until_empty():
    reader = snapshot.ChunkReader(iter([b'abcdef', b'gh']))
    assert reader.read(4) == b'abcd'
    assert reader.read(4) == b'ef'
    assert reader.read(-1) == b'gh'
    assert reader.read(4) == b''


def test_pick_prefers_the_glance_name_and_refuses_ambiguity():
    pick = images.ImageCache._pick
    assert pick('i', 'app:1', ['other:2', 'app:1']) == 'app:1'
    assert pick('i', 'app', ['app:latest', 'b:1']) == 'app:latest'
    assert pick('i', 'renamed', ['sha256:abc']) == 'sha256:abc'
    with pytest.raises(exception.ImageUnacceptable, match='contains 2 images'):
        pick('i', 'x:1', ['a:1', 'b:1'])
    with pytest.raises(exception.ImageUnacceptable, match='no image'):
        pick('i', 'x:1', [])
