"""Streaming validation of `docker save` tarballs (security invariant 5: never whole in memory).

`TarballReader` wraps an iterator of byte chunks (a browser upload, a `docker save` stream, a Glance
download) and is itself a file-like object: what it returns from read() is the same bytes, checked.
It parses tar headers itself, block by block, so skipping a 1 GB layer costs one chunk of memory:

- member paths must be relative, without `..`, and links may not point outside the archive;
- device files, FIFOs and unknown member types are refused;
- the total size must stay under `max_bytes`;
- manifest.json (and the image config JSONs, at most CAPTURE_MAX bytes each) are kept; at the end of
  the archive the manifest must name exactly one repo:tag (or include the one the caller asked for).

The end-of-archive blocks are held back until the manifest checks pass, so a consumer (the Glance
upload) never receives a complete tarball that failed validation.
"""
from __future__ import annotations

import json
import posixpath
import tarfile
import time
from dataclasses import dataclass, field
from typing import Iterable, Iterator

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from docker_dashboard import exceptions
from docker_dashboard.api import layer_content

BLOCK = 512
CAPTURE_MAX = 1024 * 1024        # manifest.json and config JSONs larger than this are not docker save output
CAPTURE_TOTAL_MAX = 4 * 1024 * 1024
EXTENDED_MAX = 64 * 1024         # PAX / GNU long-name headers
MAX_MEMBERS = 100_000
_REGULAR = layer_content.REGULAR
_FORBIDDEN = {tarfile.CHRTYPE: gettext_lazy('a character device'), tarfile.BLKTYPE: gettext_lazy('a block device'),
              tarfile.FIFOTYPE: gettext_lazy('a FIFO')}


class TarballInvalid(exceptions.DockerDashboardError):
    """The data is not an acceptable `docker save` tarball; the text says why."""

    default_message = 'The file is not a valid "docker save" tarball.'


class TarballTooLarge(TarballInvalid):
    default_message = 'The tarball is larger than the configured limit.'


@dataclass
class TarballFacts:
    """What the validation learnt: filled in as the stream passes, complete once `done` is True."""

    total_bytes: int = 0
    repo_tags: list = field(default_factory=list)
    repo_tag: str | None = None          # the tag the image will be known by
    config: dict | None = None           # the image config JSON of that image
    layers: list = field(default_factory=list)       # [(layer path, content size in bytes)] bottom first
    done: bool = False


def _safe_path(name: str, what: str) -> str:
    if not name or '\0' in name:
        raise TarballInvalid(_('The tarball has a member with an empty or invalid %s.') % what)
    if name.startswith('/'):
        raise TarballInvalid(_('The tarball has an absolute %(what)s ("%(name)s"); refused.') % {
            'what': what, 'name': name[:200]})
    parts = [part for part in name.split('/') if part not in ('', '.')]
    if '..' in parts:
        raise TarballInvalid(_('The tarball has a %(what)s with ".." ("%(name)s"); refused.') % {
            'what': what, 'name': name[:200]})
    return '/'.join(parts)


def _pax_records(data: bytes) -> dict:
    try:
        return layer_content.pax_records(data)
    except ValueError:
        raise TarballInvalid(_('The tarball has a malformed extended header.')) from None


class TarballReader:
    """A file-like view of a tarball stream that validates it while it is read (see module doc)."""

    def __init__(self, chunks: Iterable[bytes], *, max_bytes: int, repo_tag: str | None = None,
                 deadline: float | None = None, prefer: str | None = None) -> None:
        self._prefer = prefer            # among several repo:tags, this one (as the driver picks by name)
        self._chunks: Iterator[bytes] = iter(chunks)
        self._max_bytes = max_bytes
        self._deadline = deadline
        self._pending = bytearray()      # read from upstream, not yet parsed
        self._out = bytearray()          # parsed and accepted, not yet returned by read()
        self._upstream_done = False
        self._finished = False           # the manifest checks passed
        self._eof = False                # and everything was forwarded
        self._captured_bytes = 0
        self._skipping = 0               # member data still to forward
        self._overrides: dict = {}
        self._captured: dict = {}        # top-level *.json and manifest.json -> bytes
        self._member_sizes: dict = {}    # path -> size of regular files
        self._content_sizes: dict = {}   # path -> LayerContentSize of regular files (layers among them)
        self._sizing: layer_content.LayerContentSize | None = None
        self._links: dict = {}           # path -> target path (symlinks and hard links, resolved)
        self._members = 0
        self.facts = TarballFacts(repo_tag=repo_tag)

    # -- upstream ---------------------------------------------------------------------------------
    def _fill(self, wanted: int) -> bool:
        """Read upstream until `wanted` bytes are pending; False at the end of the stream."""
        while len(self._pending) < wanted:
            if self._upstream_done:
                return False
            if self._deadline is not None and time.monotonic() > self._deadline:
                raise TarballInvalid(_('The transfer took longer than allowed and was stopped.'))
            try:
                chunk = next(self._chunks)
            except StopIteration:
                self._upstream_done = True
                return False
            self.facts.total_bytes += len(chunk)
            if self.facts.total_bytes > self._max_bytes:
                raise TarballTooLarge(_('The tarball is larger than the limit of %d bytes.') % self._max_bytes)
            self._pending += chunk
        return True

    def _take(self, count: int, keep: bool = False) -> bytes:
        if not self._fill(count):
            raise TarballInvalid(_('The tarball is truncated (the upload or transfer was cut off?).'))
        data = bytes(self._pending[:count])
        del self._pending[:count]
        self._out += data
        return data if keep else b''

    def _skip(self, count: int) -> None:
        """Forward `count` bytes without keeping them; _step() does it one upstream chunk at a time."""
        self._skipping = count

    def _skip_some(self) -> None:
        if not self._pending and not self._fill(1):
            raise TarballInvalid(_('The tarball is truncated (the upload or transfer was cut off?).'))
        step = min(self._skipping, len(self._pending))
        if self._sizing is not None:
            self._sizing.feed(bytes(self._pending[:step]))
        self._out += self._pending[:step]
        del self._pending[:step]
        self._skipping -= step

    # -- parsing ------------------------------------------------------------------------------------
    def _step(self) -> None:
        """Parse one header (and its data), forward some member data, or finish at the end marker."""
        if self._skipping:
            self._skip_some()
            return
        if not self._fill(BLOCK):
            if self.facts.total_bytes == 0:
                raise TarballInvalid(_('The file is empty.'))
            raise TarballInvalid(_('The tarball is truncated (the upload or transfer was cut off?).'))
        block = bytes(self._pending[:BLOCK])
        if block == b'\0' * BLOCK:
            self._finish()
            return
        try:
            info = tarfile.TarInfo.frombuf(block, 'utf-8', 'surrogateescape')
        except tarfile.HeaderError:
            if self._members == 0:
                raise TarballInvalid(_('The file is not a tar archive (save the image with "docker save").')) \
                    from None
            raise TarballInvalid(_('The tarball has a damaged member header.')) from None
        self._take(BLOCK)
        padded = -(-info.size // BLOCK) * BLOCK
        if info.type in (tarfile.GNUTYPE_LONGNAME, tarfile.GNUTYPE_LONGLINK, tarfile.XHDTYPE,
                         tarfile.SOLARIS_XHDTYPE, tarfile.XGLTYPE):
            if info.size > EXTENDED_MAX:
                raise TarballInvalid(_('The tarball has an oversized extended header.'))
            data = self._take(padded, keep=True)[:info.size]
            if info.type == tarfile.GNUTYPE_LONGNAME:
                self._overrides['path'] = data.rstrip(b'\0').decode('utf-8', 'surrogateescape')
            elif info.type == tarfile.GNUTYPE_LONGLINK:
                self._overrides['linkpath'] = data.rstrip(b'\0').decode('utf-8', 'surrogateescape')
            elif info.type != tarfile.XGLTYPE:
                self._overrides.update(_pax_records(data))
            return
        self._member(info, padded)

    def _member(self, info: tarfile.TarInfo, padded: int) -> None:
        self._members += 1
        if self._members > MAX_MEMBERS:
            raise TarballInvalid(_('The tarball has too many members.'))
        overrides, self._overrides = self._overrides, {}
        name = overrides.get('path', info.name)
        if 'size' in overrides:
            try:
                info.size = int(overrides['size'])
            except ValueError:
                raise TarballInvalid(_('The tarball has a malformed extended header.')) from None
            padded = -(-info.size // BLOCK) * BLOCK
        path = _safe_path(name, _('path'))
        self._refuse_beneath_link(path)
        if info.type in _FORBIDDEN:
            raise TarballInvalid(_('The tarball contains %(kind)s ("%(path)s"); refused.') % {
                'kind': _FORBIDDEN[info.type], 'path': path[:200]})
        if info.type in (tarfile.SYMTYPE, tarfile.LNKTYPE):
            target = overrides.get('linkpath', info.linkname)
            if info.type == tarfile.SYMTYPE:
                if target.startswith('/'):
                    raise TarballInvalid(_('The tarball has a symbolic link to an absolute path ("%s").')
                                         % path[:200])
                resolved = posixpath.normpath(posixpath.join(posixpath.dirname(path), target))
                if resolved == '..' or resolved.startswith('../'):
                    raise TarballInvalid(_('The tarball has a symbolic link pointing outside it ("%s").')
                                         % path[:200])
                self._links[path] = resolved
            else:
                self._links[path] = _safe_path(target, _('link target'))
        elif info.type not in _REGULAR + (tarfile.DIRTYPE,):
            raise TarballInvalid(_('The tarball has a member of an unsupported type ("%s").') % path[:200])
        self._sizing = None
        if info.type in _REGULAR:
            self._member_sizes[path] = info.size
            self._sizing = self._content_sizes[path] = layer_content.LayerContentSize()
            if (path == 'manifest.json' or ('/' not in path and path.endswith('.json'))
                    or path.startswith('blobs/')):
                if info.size > CAPTURE_MAX or (path != 'manifest.json'
                                               and self._captured_bytes + info.size > CAPTURE_TOTAL_MAX):
                    if path == 'manifest.json':
                        raise TarballInvalid(_('The manifest.json of the tarball is implausibly large.'))
                    self._skip(padded)
                    return
                self._captured[path] = self._take(padded, keep=True)[:info.size]
                self._sizing.feed(self._captured[path])
                self._captured_bytes += info.size
                return
        self._skip(padded)

    def _refuse_beneath_link(self, path: str) -> None:
        """A member under a link lands wherever the link points: a chain of links ("a" -> ".", then
        "a/b" -> "..") reaches outside the archive although each link alone looks inside. docker save
        never puts members under links."""
        parent = posixpath.dirname(path)
        while parent:
            if parent in self._links:
                raise TarballInvalid(_('The tarball has a member beneath a link ("%s"); refused.') % path[:200])
            parent = posixpath.dirname(parent)

    def _resolve(self, path: str) -> str:
        for _ in range(16):
            if path not in self._links:
                return path
            path = self._links[path]
        return path

    def _finish(self) -> None:
        """End of archive: check the manifest before the final blocks are released."""
        if 'manifest.json' not in self._captured:
            raise TarballInvalid(_('The tarball has no manifest.json: it is not a "docker save" tarball.'))
        try:
            manifest = json.loads(self._captured['manifest.json'])
            entries = [entry for entry in manifest if isinstance(entry, dict)]
        except (ValueError, TypeError):
            raise TarballInvalid(_('The manifest.json of the tarball is not valid JSON.')) from None
        tags = [tag for entry in entries for tag in (entry.get('RepoTags') or []) if isinstance(tag, str)]
        self.facts.repo_tags = tags
        wanted = self.facts.repo_tag
        if not wanted and len(tags) > 1 and self._prefer in tags:
            wanted = self._prefer
        if wanted:
            if wanted not in tags:
                raise TarballInvalid(_('The tarball has no image tagged "%(tag)s" (it has: %(tags)s).') % {
                    'tag': wanted, 'tags': ', '.join(tags[:10]) or _('no tags')})
        elif len(tags) != 1:
            if not tags:
                raise TarballInvalid(_('The tarball names no repo:tag; save the image by name '
                                     '("docker save repo:tag").'))
            raise TarballInvalid(_('The tarball names %(count)d repo:tags (%(tags)s); choose one.') % {
                'count': len(tags), 'tags': ', '.join(tags[:10])})
        self.facts.repo_tag = wanted or tags[0]
        entry = next(entry for entry in entries if self.facts.repo_tag in (entry.get('RepoTags') or []))
        config_path = self._resolve(_safe_path(str(entry.get('Config') or ''), _('config path')))
        if config_path not in self._captured:
            raise TarballInvalid(_('The tarball lacks the image configuration its manifest names.'))
        try:
            self.facts.config = json.loads(self._captured[config_path])
        except ValueError:
            raise TarballInvalid(_('The image configuration in the tarball is not valid JSON.')) from None
        layers = []
        for layer in entry.get('Layers') or []:
            layer_path = self._resolve(_safe_path(str(layer), _('layer path')))
            if layer_path not in self._member_sizes:
                raise TarballInvalid(_('The tarball lacks a layer its manifest names.'))
            content = self._content_sizes[layer_path].total
            layers.append((layer_path, self._member_sizes[layer_path] if content is None else content))
        self.facts.layers = layers
        self._captured.clear()
        self._finished = True
        self.facts.done = True

    def _tail(self) -> None:
        """After validation: forward what is left (end-of-archive blocks, padding), one chunk at a time."""
        self._out += self._pending
        self._pending.clear()
        if not self._fill(1):
            self._eof = True

    # -- file-like interface --------------------------------------------------------------------------
    def read(self, size: int = -1) -> bytes:
        """Up to `size` validated bytes; b'' at the end. Raises TarballInvalid/TarballTooLarge."""
        wanted = size if size and size > 0 else 64 * 1024
        while len(self._out) < wanted and not self._eof:
            if self._finished:
                self._tail()
            else:
                self._step()
        data = bytes(self._out[:wanted])
        del self._out[:wanted]
        return data

    def __iter__(self) -> Iterator[bytes]:
        while True:
            data = self.read(64 * 1024)
            if not data:
                return
            yield data

    def drain(self) -> TarballFacts:
        """Read (and discard) the whole stream: validation without a consumer."""
        while self.read(1024 * 1024):
            pass
        return self.facts
