"""The image config of a snapshot, rewritten while its ``docker save`` stream passes.

``docker commit`` merges the container's labels into the new image and has no way to remove one, so
the per-container identity labels (``org.openstack.nova.*``, the source Glance image id) would ride
along into every container booted from the snapshot. ``ConfigRewriter`` forwards a ``docker save``
tarball unchanged except for the image config (and the legacy per-layer ``json`` files), from which
those labels are dropped; the config's file name is its digest, so the manifest is rewritten to name
the new one. ``load_tarball`` then gives the local daemon the same config: ``docker load`` reuses
layers it already has, so a tarball of manifest and config alone registers the image.
"""
from __future__ import annotations

import hashlib
import json
import tarfile
from collections.abc import Iterable, Iterator

from nova_docker import containers

BLOCK = 512
JSON_MAX = 4 * 1024 * 1024       # image configs are a few KB; anything larger is passed on untouched
IDENTITY_PREFIXES = ('org.openstack.nova.',)
IDENTITY_LABELS = (containers.LABEL_UUID, containers.LABEL_PROJECT, containers.LABEL_IMAGE,
                   containers.LABEL_NAME)
_EXTENDED = (tarfile.XHDTYPE, tarfile.XGLTYPE, tarfile.GNUTYPE_LONGNAME, tarfile.GNUTYPE_LONGLINK,
             tarfile.SOLARIS_XHDTYPE)


def is_identity_label(key: str) -> bool:
    """Whether ``key`` names one container (its Nova instance, project, source image)."""
    return key in IDENTITY_LABELS or key.startswith(IDENTITY_PREFIXES)


def without_identity_labels(document: dict) -> dict:
    """An image config (or legacy layer json) whose config and container_config lack identity labels."""
    for key in ('config', 'container_config'):
        section = document.get(key)
        if isinstance(section, dict) and isinstance(section.get('Labels'), dict):
            labels = {k: v for k, v in section['Labels'].items() if not is_identity_label(k)}
            section['Labels'] = labels or None
    return document


def _member(name: str, data: bytes, template: tarfile.TarInfo | None = None) -> bytes:
    info = tarfile.TarInfo(name)
    if template is not None:
        info.mode, info.mtime, info.uid, info.gid = template.mode, template.mtime, template.uid, template.gid
    info.size = len(data)
    padding = -len(data) % BLOCK
    return info.tobuf(tarfile.USTAR_FORMAT, 'utf-8', 'surrogateescape') + data + b'\0' * padding


def load_tarball(manifest: bytes, config_name: str, config: bytes) -> bytes:
    """A ``docker load`` tarball of manifest and config only, for layers the daemon already holds."""
    return (_member('manifest.json', manifest) + _member(config_name, config)
            + b'\0' * (2 * BLOCK))


class ConfigRewriter:
    """Iterate over a ``docker save`` stream with the config named ``config_name`` cleaned.

    After the iteration, ``config_name``/``config`` and ``manifest`` hold what was written; both are
    None when the stream had no such config (an unknown tarball layout: it was passed on unchanged).
    """

    def __init__(self, chunks: Iterable[bytes], config_name: str) -> None:
        self._chunks = iter(chunks)
        self._pending = bytearray()
        self._old_name = config_name
        self._held_manifest: tuple[tarfile.TarInfo, bytes] | None = None
        self._extended = False           # the next member's real name may differ from its header's
        self.config_name: str | None = None
        self.config: bytes | None = None
        self.manifest: bytes | None = None

    def _fill(self, count: int) -> bool:
        while len(self._pending) < count:
            chunk = next(self._chunks, None)
            if chunk is None:
                return False
            self._pending += chunk
        return True

    def _take(self, count: int) -> bytes:
        self._fill(count)
        data = bytes(self._pending[:count])
        del self._pending[:count]
        return data

    def _forward(self, count: int) -> Iterator[bytes]:
        """Pass ``count`` bytes on, one upstream chunk at a time."""
        while count > 0:
            if not self._pending and not self._fill(1):
                return
            step = min(count, len(self._pending))
            yield bytes(self._pending[:step])
            del self._pending[:step]
            count -= step

    def __iter__(self) -> Iterator[bytes]:
        while self._fill(BLOCK):
            block = bytes(self._pending[:BLOCK])
            if block == b'\0' * BLOCK:
                break
            info = tarfile.TarInfo.frombuf(block, 'utf-8', 'surrogateescape')
            padded = -(-info.size // BLOCK) * BLOCK
            extended, self._extended = self._extended, info.type in _EXTENDED
            if extended or not info.isfile() or info.size > JSON_MAX or not self._wanted(info.name):
                yield from self._forward(BLOCK + padded)
                continue
            del self._pending[:BLOCK]
            data = self._take(padded)[:info.size]
            if info.name == 'manifest.json':
                self._held_manifest = (info, data)   # written last, once the new config name is known
                continue
            yield self._rewritten(info, data)
        if self._held_manifest is not None:
            yield self._manifest_member(*self._held_manifest)
        yield from self._forward(len(self._pending))
        for chunk in self._chunks:
            yield chunk

    def _wanted(self, name: str) -> bool:
        return name in (self._old_name, 'manifest.json') or name.endswith('/json')

    def _rewritten(self, info: tarfile.TarInfo, data: bytes) -> bytes:
        try:
            document = json.loads(data)
        except ValueError:
            return _member(info.name, data, info)
        if not isinstance(document, dict):
            return _member(info.name, data, info)
        cleaned = json.dumps(without_identity_labels(document), separators=(',', ':')).encode()
        name = info.name
        if name == self._old_name:
            # The config's file name is its sha256; the image id is that digest.
            name = hashlib.sha256(cleaned).hexdigest() + '.json'
            self.config_name, self.config = name, cleaned
        return _member(name, cleaned, info)

    def _manifest_member(self, info: tarfile.TarInfo, data: bytes) -> bytes:
        if self.config_name is None:
            return _member(info.name, data, info)
        try:
            entries = json.loads(data)
        except ValueError:
            return _member(info.name, data, info)
        for entry in entries if isinstance(entries, list) else ():
            if isinstance(entry, dict) and entry.get('Config') == self._old_name:
                entry['Config'] = self.config_name
        self.manifest = json.dumps(entries, separators=(',', ':')).encode()
        return _member(info.name, self.manifest, info)

