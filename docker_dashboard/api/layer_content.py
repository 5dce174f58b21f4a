"""The content size of a layer tar, counted as the tar passes (nothing held but one header).

TarballReader feeds every regular member of a `docker save` tarball through LayerContentSize, so the
Layers tab shows for a tarball in Glance the same figure Docker shows for a loaded image.
"""
from __future__ import annotations

import tarfile

BLOCK = 512
EXTENDED_MAX = 64 * 1024         # PAX headers larger than this are not believed
REGULAR = (tarfile.REGTYPE, tarfile.AREGTYPE, tarfile.CONTTYPE)


def pax_records(data: bytes) -> dict:
    """The records of a PAX extended header; ValueError when it is malformed."""
    records = {}
    while data:
        length_text, _sep, _rest = data.partition(b' ')
        try:
            length = int(length_text)
        except ValueError:
            raise ValueError('malformed extended header') from None
        if length <= 0 or length > len(data):
            raise ValueError('malformed extended header')
        record, data = data[:length], data[length:]
        key, _sep, value = record[len(length_text) + 1:].rstrip(b'\n').partition(b'=')
        records[key.decode('utf-8', 'replace')] = value.decode('utf-8', 'surrogateescape')
    return records


class LayerContentSize:
    """The uncompressed content size of a layer tar fed through it.

    That is the figure Docker's overlay2 storage driver records for a layer it unpacks, which
    `docker history` shows: the bytes of the files the layer adds or changes plus the length of each
    symbolic link's target (a link's own size on disk), without tar headers and padding; directories,
    hard links (the file is counted once) and whiteouts add nothing. `total` is None for data that is
    not a plain tar (a compressed layer): the caller then falls back to the member's own size.
    """

    _EXTENDED = (tarfile.XHDTYPE, tarfile.SOLARIS_XHDTYPE, tarfile.GNUTYPE_LONGLINK)
    _META = _EXTENDED + (tarfile.XGLTYPE, tarfile.GNUTYPE_LONGNAME)

    def __init__(self) -> None:
        self._total: int | None = 0
        self._header = bytearray()
        self._skip = 0                   # member data still to pass
        self._collect = 0                # of which the first bytes belong to an extended header
        self._extended = bytearray()
        self._extended_type = b''
        self._overrides: dict = {}       # from extended headers, for the next real member
        self._done = False

    @property
    def total(self) -> int | None:
        """Bytes of content so far; None when the data is not a tar (or ends inside a header)."""
        if self._header and not self._done:
            return None
        return self._total

    def feed(self, data: bytes) -> None:
        """Count what `data`, the next bytes of the layer tar, adds."""
        view, position = memoryview(data), 0
        while position < len(view) and not self._done and self._total is not None:
            if self._skip:
                step = min(self._skip, len(view) - position)
                kept = min(step, self._collect)
                self._extended += view[position:position + kept]
                self._collect -= kept
                self._skip -= step
                position += step
                if not self._skip and self._extended_type:
                    self._read_extended()
                continue
            step = min(BLOCK - len(self._header), len(view) - position)
            self._header += view[position:position + step]
            position += step
            if len(self._header) == BLOCK:
                self._parse(bytes(self._header))
                self._header.clear()

    def _read_extended(self) -> None:
        data = bytes(self._extended)
        if self._extended_type == tarfile.GNUTYPE_LONGLINK:
            self._overrides['linkpath'] = data.rstrip(b'\0').decode('utf-8', 'surrogateescape')
        else:
            try:
                self._overrides.update(pax_records(data))
            except ValueError:
                pass
        self._extended.clear()
        self._extended_type = b''

    def _parse(self, block: bytes) -> None:
        if block == b'\0' * BLOCK:
            self._done = True
            return
        try:
            info = tarfile.TarInfo.frombuf(block, 'utf-8', 'surrogateescape')
        except tarfile.HeaderError:
            self._total = None
            return
        size = info.size
        if info.type in self._META:
            if info.type in self._EXTENDED and size <= EXTENDED_MAX:
                self._extended_type, self._collect = info.type, size
        else:
            overrides, self._overrides = self._overrides, {}
            try:
                size = int(overrides.get('size', size))
            except ValueError:
                pass
            if info.type in REGULAR:
                self._total += size
            elif info.type == tarfile.SYMTYPE:
                self._total += len(overrides.get('linkpath', info.linkname).encode('utf-8', 'surrogateescape'))
        self._skip = -(-size // BLOCK) * BLOCK
