"""Streaming Docker tarballs into and out of Glance: the browser upload's Glance side, and the layer
list read from a tarball stored in Glance (the Layers/Config tabs' fallback when no host has the image).

Both read the tarball as it streams, through a TarballReader, bounded in bytes and time; neither holds
a whole image in memory. The registry import path and the progress jobs live in image_import.
"""
from __future__ import annotations

import queue
import threading
import time
from typing import Any, Iterator

from django.core.cache import cache
from django.utils.translation import gettext as _

from docker_dashboard import conf
from docker_dashboard.api import glance
from docker_dashboard.api import tarball
from docker_dashboard.api.image_import import IMPORT_MAX_SECONDS
from docker_dashboard.api.image_import import ImportFailed
from docker_dashboard.api.image_import import QUEUE_CHUNKS
from docker_dashboard.api.image_import import _glance_error

# -- browser uploads: the consumer side of the bounded queue ------------------------------------------------

_END = object()


class QueueUpload:
    """Runs the Glance upload of one browser upload in a thread, fed through a bounded queue.

    put() blocks while the queue is full, so a slow Glance slows the browser down instead of
    filling memory; put() raises ImportFailed as soon as the upload thread failed.
    """

    def __init__(self, request: Any, image_id: str, *, max_bytes: int, repo_tag: str | None) -> None:
        self.request = request
        self.image_id = image_id
        self._queue: queue.Queue = queue.Queue(maxsize=QUEUE_CHUNKS)
        self.reader = tarball.TarballReader(self._chunks(), max_bytes=max_bytes, repo_tag=repo_tag,
                                            deadline=time.monotonic() + IMPORT_MAX_SECONDS)
        self.error: ImportFailed | None = None
        self._thread = threading.Thread(target=self._run, name=f'image-upload-{image_id[:8]}', daemon=True)
        self._stopped = threading.Event()

    def start(self) -> None:
        self._thread.start()

    def _chunks(self) -> Iterator[bytes]:
        while True:
            item = self._queue.get()
            if item is _END:
                return
            yield item

    def _run(self) -> None:
        try:
            glance.image_upload(self.request, self.image_id, self.reader)
            if not self.reader.facts.done:
                raise ImportFailed(_('The upload ended before the end of the tarball.'))
        except tarball.TarballInvalid as error:
            self.error = ImportFailed(str(error))
        except BaseException as error:  # noqa: BLE001 - reported through self.error
            self.error = _glance_error(error)
        finally:
            self._stopped.set()

    def put(self, chunk: bytes) -> None:
        while True:
            if self._stopped.is_set():
                raise self.error or ImportFailed(_('The upload to Glance ended early.'))
            try:
                self._queue.put(chunk, timeout=0.5)
                return
            except queue.Full:
                continue

    def finish(self, timeout: float = 600) -> tarball.TarballFacts:
        """End of the browser's data: wait for Glance to take the rest. Raises ImportFailed."""
        self._end()
        self._thread.join(timeout)
        if self._thread.is_alive():
            raise ImportFailed(_('Glance did not confirm the upload in time.'))
        if self.error:
            raise self.error
        return self.reader.facts

    def abort(self) -> None:
        """The browser upload broke off: end the stream (the reader reports it truncated)."""
        self._end()
        self._thread.join(60)

    def _end(self) -> None:
        while not self._stopped.is_set():
            try:
                self._queue.put(_END, timeout=0.5)
                return
            except queue.Full:
                continue


# -- the Layers/Config tabs' fallback: the tarball in Glance itself ---------------------------------------

TARBALL_READ_SECONDS = 60
_FACTS_TTL = 3600


def tarball_facts(request: Any, image: Any) -> tarball.TarballFacts:
    """Manifest, config and layer sizes read from the image's tarball in Glance, streamed and bounded
    (upload_max_bytes, TARBALL_READ_SECONDS). Cached by image id and checksum. Raises ImportFailed."""
    key = f'docker_dashboard.tarball_facts.{image.id}.{getattr(image, "checksum", "") or ""}'
    cached = cache.get(key)
    if cached is not None:
        return cached
    if getattr(image, 'status', None) != 'active':
        raise ImportFailed(_('The image has no data yet (status %s).') % getattr(image, 'status', '?'))
    name = getattr(image, 'name', None) or None
    data = glance.image_data(request, image.id)
    try:
        reader = tarball.TarballReader(iter(data), max_bytes=conf.get_settings().upload_max_bytes,
                                       deadline=time.monotonic() + TARBALL_READ_SECONDS, prefer=name)
        try:
            facts = reader.drain()
        except tarball.TarballInvalid as error:
            raise ImportFailed(str(error)) from None
    finally:
        close = getattr(data, 'close', None)
        if close:
            close()
    cache.set(key, facts, _FACTS_TTL)
    return facts
