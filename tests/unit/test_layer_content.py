"""LayerContentSize: a layer's uncompressed content size, counted from its tar as it streams past."""
from __future__ import annotations

import gzip
import io
import tarfile

import pytest

from docker_dashboard.api import layer_content

LONG_TARGET = 'target/' * 30          # longer than a ustar link field: an extended header carries it


def layer_tar(format):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode='w', format=format) as tar:
        def add(name, data=b'', **attrs):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            for key, value in attrs.items():
                setattr(info, key, value)
            tar.addfile(info, io.BytesIO(data) if data else None)

        add('dir', type=tarfile.DIRTYPE)
        add('dir/file', b'x' * 1000)
        add('dir/' + 'long-name-' * 20, b'y' * 700)                # extended header for the name
        add('dir/hard', type=tarfile.LNKTYPE, linkname='dir/file')  # counted once, with its file
        add('dir/short', type=tarfile.SYMTYPE, linkname='file')    # a link counts its target's length
        add('dir/long', type=tarfile.SYMTYPE, linkname=LONG_TARGET)
        add('dir/.wh.gone', b'')                                    # a whiteout adds nothing
    return buffer.getvalue()


@pytest.mark.parametrize('format', [tarfile.PAX_FORMAT, tarfile.GNU_FORMAT])
@pytest.mark.parametrize('chunk', [1, 100, 512, 4096, 10 ** 6])
def test_content_size_whatever_the_chunks_and_tar_flavour(format, chunk):
    data = layer_tar(format)
    sizer = layer_content.LayerContentSize()
    for start in range(0, len(data), chunk):
        sizer.feed(data[start:start + chunk])
    assert sizer.total == 1000 + 700 + len('file') + len(LONG_TARGET)
    assert len(data) > sizer.total  # headers and padding are what the member's own size adds


def test_data_that_is_not_a_plain_tar_has_no_content_size():
    sizer = layer_content.LayerContentSize()
    sizer.feed(gzip.compress(layer_tar(tarfile.PAX_FORMAT)))
    assert sizer.total is None
