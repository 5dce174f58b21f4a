"""TarballReader against real `docker save` output of the test dockerd, and against hostile variants of it.

Each hostile tarball is the real busybox save with one member added before manifest.json (rewritten
with Python's tarfile), so everything else about it is what Docker produces.
"""
import io
import tarfile

import pytest

from docker_dashboard.api import tarball

pytestmark = pytest.mark.docker
LIMIT = 256 * 1024 * 1024


def saved(engine, *refs):
    return b''.join(engine.get_image(refs[0]) if len(refs) == 1 else _save_many(engine, refs))


def _save_many(engine, refs):
    response = engine._get(engine._url('/images/get'), params={'names': list(refs)}, stream=True)
    engine._raise_for_status(response)
    return engine._stream_raw_result(response, 65536, False)


@pytest.fixture(scope='module')
def busybox_tar(engine):
    return saved(engine, 'busybox:latest')


def read_all(data, chunk=4096, **kwargs):
    kwargs.setdefault('max_bytes', LIMIT)
    reader = tarball.TarballReader((data[i:i + chunk] for i in range(0, len(data), chunk)), **kwargs)
    out = b''.join(reader)
    return reader, out


def rewrite(data, add=(), drop=(), format=tarfile.PAX_FORMAT):
    """The tarball with members added (before manifest.json) and members dropped."""
    source = tarfile.open(fileobj=io.BytesIO(data), mode='r:')
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode='w', format=format) as target:
        for member in source.getmembers():
            if member.name == 'manifest.json':
                for info, payload in add:
                    target.addfile(info, io.BytesIO(payload) if payload is not None else None)
            if member.name in drop:
                continue
            target.addfile(member, source.extractfile(member) if member.isfile() else None)
    return buffer.getvalue()


def member(name, data=b'', **attrs):
    info = tarfile.TarInfo(name)
    info.size = len(data) if data else 0
    for key, value in attrs.items():
        setattr(info, key, value)
    return info, data


def test_real_docker_save_passes_unchanged(busybox_tar):
    reader, out = read_all(busybox_tar)
    assert out == busybox_tar
    assert reader.facts.repo_tag == 'busybox:latest'
    assert len(reader.facts.layers) == 1 and reader.facts.layers[0][1] > 0
    assert reader.facts.done


def test_long_member_names_gnu_and_pax(busybox_tar):
    long = 'd' * 150 + '/' + 'f' * 120
    for fmt in (tarfile.PAX_FORMAT, tarfile.GNU_FORMAT):
        reader, _ = read_all(rewrite(busybox_tar, add=[member(long, b'x')], format=fmt))
        assert reader.facts.done


@pytest.mark.parametrize('bad, message', [
    (member('../escape', b'x'), 'with ".."'),
    (member('ok/../../escape', b'x'), 'with ".."'),
    (member('/etc/passwd', b'x'), 'absolute path'),
    (member('dev/null', None, type=tarfile.CHRTYPE, devmajor=1, devminor=3), 'character device'),
    (member('dev/sda', None, type=tarfile.BLKTYPE, devmajor=8, devminor=0), 'block device'),
    (member('fifo', None, type=tarfile.FIFOTYPE), 'FIFO'),
    (member('link', None, type=tarfile.SYMTYPE, linkname='../../etc/shadow'), 'pointing outside'),
    (member('link', None, type=tarfile.SYMTYPE, linkname='/etc/shadow'), 'absolute path'),
    (member('hard', None, type=tarfile.LNKTYPE, linkname='../etc/shadow'), 'with ".."'),
])
def test_hostile_members_are_refused(busybox_tar, bad, message):
    data = rewrite(busybox_tar, add=[bad])
    with pytest.raises(tarball.TarballInvalid, match=message):
        read_all(data)


def test_the_end_of_archive_is_held_back_until_the_manifest_passed(busybox_tar):
    """A consumer never receives a complete tarball that failed: the final blocks stay behind."""
    data = rewrite(busybox_tar, drop={'manifest.json'})
    reader = tarball.TarballReader(iter([data]), max_bytes=LIMIT)
    received = bytearray()
    with pytest.raises(tarball.TarballInvalid, match='no manifest.json'):
        while True:
            chunk = reader.read(512)
            if not chunk:
                break
            received += chunk
    assert len(received) <= len(data) - 2 * tarball.BLOCK


def test_no_repo_tag(engine, busybox_tar):
    image_id = engine.inspect_image('busybox:latest')['Id']
    data = saved(engine, image_id)
    with pytest.raises(tarball.TarballInvalid, match='names no repo:tag'):
        read_all(data)


def test_several_repo_tags_need_a_choice(engine):
    engine.tag('busybox:latest', 'second', 'tag')
    try:
        data = saved(engine, 'busybox:latest', 'second:tag')
    finally:
        engine.remove_image('second:tag')
    with pytest.raises(tarball.TarballInvalid, match='choose one'):
        read_all(data)
    reader, _ = read_all(data, repo_tag='second:tag')
    assert reader.facts.repo_tag == 'second:tag'
    with pytest.raises(tarball.TarballInvalid, match='no image tagged'):
        read_all(data, repo_tag='third:tag')


def test_oversized(busybox_tar):
    with pytest.raises(tarball.TarballTooLarge, match='larger than the limit'):
        read_all(busybox_tar, max_bytes=len(busybox_tar) - 1)


def test_not_a_tar_and_empty_and_truncated(busybox_tar):
    with pytest.raises(tarball.TarballInvalid, match='not a tar archive'):
        read_all(b'PK\x03\x04' + b'\0' * 2000)
    with pytest.raises(tarball.TarballInvalid, match='empty'):
        read_all(b'')
    with pytest.raises(tarball.TarballInvalid, match='truncated'):
        read_all(busybox_tar[:len(busybox_tar) // 2])


def test_memory_stays_bounded_while_a_big_layer_passes(busybox_tar):
    big = rewrite(busybox_tar, add=[member('big/layer.tar', b'\xab' * (32 * 1024 * 1024))])
    chunks = (big[i:i + 65536] for i in range(0, len(big), 65536))
    reader = tarball.TarballReader(chunks, max_bytes=LIMIT)
    peak = 0
    while reader.read(65536):
        peak = max(peak, len(reader._pending) + len(reader._out))
    assert reader.facts.done
    assert peak <= 2 * 65536 + tarball.BLOCK


def test_prefer_picks_among_several_tags_like_the_driver(engine):
    engine.tag('busybox:latest', 'preferred', 'one')
    try:
        data = saved(engine, 'busybox:latest', 'preferred:one')
    finally:
        engine.remove_image('preferred:one')
    reader, _ = read_all(data, prefer='preferred:one')
    assert reader.facts.repo_tag == 'preferred:one'
    with pytest.raises(tarball.TarballInvalid, match='choose one'):
        read_all(data, prefer='not-there:1')


def _commit_layer(engine, base, script, repository):
    container = engine.create_container(base, ['sh', '-c', script])
    try:
        engine.start(container)
        assert engine.wait(container, timeout=30)['StatusCode'] == 0
        return engine.commit(container, repository=repository, tag='latest')['Id']
    finally:
        engine.remove_container(container, force=True)


def test_layer_sizes_agree_between_docker_history_and_the_tarball(engine):
    """The Layers tab reads a host's `docker history` or the image's tarball: both give each layer's
    uncompressed content size, so the same image shows the same sizes from either source."""
    from docker_dashboard import api

    repository = 'ddtest/layer-sizes'
    first = _commit_layer(engine, 'busybox:latest',
                          'mkdir -p /data && head -c 300000 /dev/zero > /data/zeros'
                          ' && echo hello > /data/small && ln /data/small /data/hard'
                          ' && ln -s /data/a/rather/long/symlink/target/that/has/some/length /data/link',
                          repository)
    try:
        _commit_layer(engine, first, 'rm /data/small && head -c 12345 /dev/urandom > /data/random'
                                     ' && mkdir -p /data/dir/sub && echo x > /data/dir/sub/f', repository)
        from_host = api.images.layers_from_history(engine.history(repository))
        reader, _out = read_all(saved(engine, repository + ':latest'))
        from_tarball = api.images.layers_from_config(reader.facts.config, reader.facts.layers)
        host_sizes = [(layer.index, layer.size) for layer in from_host if not layer.empty]
        tarball_sizes = [(layer.index, layer.size) for layer in from_tarball if not layer.empty]
        assert host_sizes == tarball_sizes
        link = '/data/a/rather/long/symlink/target/that/has/some/length'
        assert [size for _index, size in host_sizes][:2] == [12345 + 2, 300000 + 6 + len(link)]
        assert [layer.cumulative for layer in from_host] == [layer.cumulative for layer in from_tarball]
    finally:
        engine.remove_image(repository + ':latest', force=True)  # the first commit goes with it
