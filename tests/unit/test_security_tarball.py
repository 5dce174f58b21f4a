"""Hostile `docker save` tarballs against the streaming validator, beyond the member kinds tests/docker tries:
link chains, extended headers that rename members, bombs and oversize. Each is refused with a message and
the complete archive is never handed on."""
from __future__ import annotations

import gzip
import io
import json
import tarfile

import pytest

from docker_dashboard.api import tarball

LIMIT = 64 * 1024 * 1024
CONFIG = 'c' * 64 + '.json'
LAYER = 'l' * 64 + '/layer.tar'


def member(name, data=b'', **attrs):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    for key, value in attrs.items():
        setattr(info, key, value)
    return info, data


def link(name, target, kind=tarfile.SYMTYPE):
    return member(name, type=kind, linkname=target)


def save_tar(extra=(), fmt=tarfile.PAX_FORMAT, manifest=None) -> bytes:
    """A minimal docker save tarball (config, one layer, manifest) with `extra` members before the manifest."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode='w', format=fmt) as tar:
        entries = [member(CONFIG, json.dumps({'config': {'Cmd': ['sh']}}).encode()),
                   member(LAYER.split('/')[0], type=tarfile.DIRTYPE), member(LAYER, b'\0' * 1024), *extra,
                   member('manifest.json', json.dumps(manifest or [
                       {'Config': CONFIG, 'RepoTags': ['sec:test'], 'Layers': [LAYER]}]).encode())]
        for info, data in entries:
            tar.addfile(info, io.BytesIO(data) if info.isfile() else None)
    return buffer.getvalue()


def validate(data: bytes, **kwargs) -> tuple[tarball.TarballReader, bytes]:
    kwargs.setdefault('max_bytes', LIMIT)
    reader = tarball.TarballReader((data[i:i + 4096] for i in range(0, len(data), 4096)), **kwargs)
    out = bytearray()
    try:
        for chunk in reader:
            out += chunk
    except tarball.TarballInvalid:
        # never the whole archive: the end-of-archive blocks stay behind when validation fails
        assert len(out) <= len(data) - 2 * tarball.BLOCK
        raise
    return reader, bytes(out)


def test_the_minimal_tarball_passes_unchanged():
    data = save_tar()
    reader, out = validate(data)
    assert out == data and reader.facts.repo_tag == 'sec:test'


HOSTILE = {
    # a link to ".", then a link inside it to "..": together they reach the parent of the archive
    'symlink chain through a linked directory': [link('a', '.'), link('a/b', '..'), member('b/escape', b'x')],
    'member beneath a link to a sibling': [member('real', type=tarfile.DIRTYPE), link('alias', 'real'),
                                           member('alias/file', b'x')],
    'hard link then write through it': [link('h', LAYER, tarfile.LNKTYPE), member('h/x', b'x')],
    'pax path renames a member outside': [member('innocent', b'x', pax_headers={'path': '../escape'})],
    'pax linkpath points outside': [member('l', type=tarfile.SYMTYPE, linkname='ok',
                                           pax_headers={'linkpath': '../../etc/shadow'})],
    'symlink to ..': [link('up', '..')],
    'symlink to an absolute path': [link('abs', '/etc/passwd')],
    'sparse member': [member('sparse', b'', type=tarfile.GNUTYPE_SPARSE)],
    'contiguous then device': [member('dev/zero', type=tarfile.CHRTYPE, devmajor=1, devminor=5)],
}


@pytest.mark.parametrize('case', list(HOSTILE))
def test_hostile_members_are_refused_with_a_message(case):
    with pytest.raises(tarball.TarballInvalid) as refused:
        validate(save_tar(HOSTILE[case]))
    assert str(refused.value)


@pytest.mark.parametrize('manifest', [
    [{'Config': '../' + CONFIG, 'RepoTags': ['sec:test'], 'Layers': [LAYER]}],
    [{'Config': '/' + CONFIG, 'RepoTags': ['sec:test'], 'Layers': [LAYER]}],
    [{'Config': CONFIG, 'RepoTags': ['sec:test'], 'Layers': ['../' + LAYER]}],
    [{'Config': CONFIG, 'RepoTags': ['sec:test'], 'Layers': ['/etc/passwd']}],
    [{'Config': CONFIG, 'RepoTags': ['sec:test'], 'Layers': ['missing/layer.tar']}],
    [{'Config': CONFIG, 'RepoTags': ['<img src=x onerror=alert(1)>:x', 'b:c'], 'Layers': [LAYER]}],
    {'not': 'a list'},
])
def test_a_manifest_naming_things_outside_or_missing_is_refused(manifest):
    with pytest.raises(tarball.TarballInvalid):
        validate(save_tar(manifest=manifest))


def test_a_gzip_bomb_is_not_decompressed():
    bomb = gzip.compress(b'\0' * (64 * 1024 * 1024), compresslevel=9)   # 64 MiB in about 64 KiB
    with pytest.raises(tarball.TarballInvalid, match='not a tar archive'):
        validate(bomb)


def test_a_member_claiming_a_huge_size_stops_at_the_limit():
    info, _ = member('huge')
    info.size = 8 * 1024 ** 3   # 8 GiB claimed, then an endless stream of zeros
    header = info.tobuf(format=tarfile.GNU_FORMAT)
    chunks = iter([header] + [b'\0' * 65536] * 10_000)
    reader = tarball.TarballReader(chunks, max_bytes=4 * 1024 * 1024)
    with pytest.raises(tarball.TarballTooLarge):
        reader.drain()


def test_an_oversized_extended_header_is_refused():
    with pytest.raises(tarball.TarballInvalid):
        validate(save_tar([member('x', b'x', pax_headers={'comment': 'y' * (tarball.EXTENDED_MAX + 1)})]))


def test_links_of_the_oci_layout_still_pass():
    """Docker 25+ saves layers as blobs with `<id>/layer.tar` links to them: not beneath a link, accepted."""
    blob = 'blobs/sha256/' + 'b' * 64
    data = save_tar([member('blobs', type=tarfile.DIRTYPE), member('blobs/sha256', type=tarfile.DIRTYPE),
                     member(blob, b'\0' * 512), member('i' * 64, type=tarfile.DIRTYPE),
                     link('i' * 64 + '/layer.tar', '../' + blob)],
                    manifest=[{'Config': CONFIG, 'RepoTags': ['sec:test'], 'Layers': ['i' * 64 + '/layer.tar']}])
    reader, out = validate(data)
    assert out == data and reader.facts.layers == [(blob, 0)]  # an empty layer tar: no content
