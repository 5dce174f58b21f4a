"""Deleting the half-made Glance image of a failed import, and making sure it goes.

An import creates its Glance image before the data streams in (image_import, image_upload). When the
import fails, discard_image deletes that image at once, retrying a few times with back-off: Glance may
still be handling the upload it just lost and refuse or lose the delete ("database is locked").

When Glance does not answer at all (stopped, restarting), those attempts end before it is back and the
image would stay "queued" or "saving" for ever. It is then handed to one background thread per web
process that keeps trying, with the same user's token, every LATER_INTERVAL seconds for up to
LATER_SECONDS (a token lives longer), and logs for an operator if it never manages. Never raised: the
import's own failure is what the user must see. The caller learns whether the image is gone: at once from
discard_image's answer, or later through `on_settled` (so a page says "nothing left behind" only when true).
"""
from __future__ import annotations

import logging
import threading
import time
from typing import Any, Callable

from glanceclient import exc as glance_exc

from docker_dashboard.api import glance

LOG = logging.getLogger(__name__)

DISCARD_ATTEMPTS = 5          # at once: about 8 s of back-off in all
LATER_SECONDS = 900           # then in the background, for this long
LATER_INTERVAL = 10.0
MAX_PENDING = 100             # images waiting for a background delete, per process

_pending: dict = {}           # image id -> (request, deadline, on_settled)
_lock = threading.Lock()
_reaper: threading.Thread | None = None


def _gone(request: Any, image_id: str) -> bool:
    """Delete, then ask: True once Glance says the image does not exist."""
    try:
        glance.image_delete(request, image_id)
    except glance_exc.HTTPNotFound:
        return True
    except Exception:  # noqa: BLE001 - retried, then logged
        LOG.debug('Deleting the unfinished Glance image %s failed', image_id, exc_info=True)
    try:
        glance.image_get(request, image_id)
    except glance_exc.HTTPNotFound:
        return True
    except Exception:  # noqa: BLE001 - unknown: try again
        pass
    return False


def discard_image(request: Any, image_id: str | None,
                  on_settled: Callable[[bool], None] | None = None) -> bool:
    """Delete a half-made Glance image now, or keep trying in the background (see module doc).

    True when Glance confirmed the image is gone (or there was none); False when the background deleter
    has it: it then calls `on_settled(True)` once the image is gone, `on_settled(False)` when it gives up.
    """
    if not image_id:
        return True
    for attempt in range(DISCARD_ATTEMPTS):
        if _gone(request, image_id):
            return True
        LOG.warning('Deleting the unfinished Glance image %s failed (attempt %d)', image_id, attempt + 1)
        time.sleep(0.5 * 2 ** attempt)
    discard_later(request, image_id, on_settled)
    return False


def _settled(image_id: str, on_settled: Callable[[bool], None] | None, gone: bool) -> None:
    if on_settled is None:
        return
    try:
        on_settled(gone)
    except Exception:  # noqa: BLE001 - a report that failed must not stop the deleter
        LOG.exception('Reporting the deletion of the unfinished Glance image %s failed', image_id)


def discard_later(request: Any, image_id: str, on_settled: Callable[[bool], None] | None = None) -> None:
    """Hand the image to the background deleter of this process."""
    with _lock:
        full = len(_pending) >= MAX_PENDING
        if not full:
            _pending[image_id] = (request, time.monotonic() + LATER_SECONDS, on_settled)
    if full:
        LOG.error('Could not delete the unfinished Glance image %s; an operator should remove it', image_id)
        _settled(image_id, on_settled, False)
        return
    LOG.warning('Glance did not confirm the deletion of the unfinished image %s; trying again in the background '
                'for %d s', image_id, LATER_SECONDS)
    _ensure_reaper()


def pending() -> list:
    """Ids of the images still waiting for a background delete."""
    with _lock:
        return list(_pending)


def reap_once() -> None:
    """One round of the background deleter: every pending image is tried once."""
    with _lock:
        items = list(_pending.items())
    for image_id, (request, deadline, on_settled) in items:
        gone = _gone(request, image_id)
        if gone:
            LOG.info('Deleted the unfinished Glance image %s', image_id)
        elif time.monotonic() < deadline:
            continue
        else:
            LOG.error('Could not delete the unfinished Glance image %s; an operator should remove it', image_id)
        with _lock:
            _pending.pop(image_id, None)
        _settled(image_id, on_settled, gone)


def _run() -> None:
    global _reaper
    while True:
        time.sleep(LATER_INTERVAL)
        try:
            reap_once()
        except Exception:  # noqa: BLE001 - the thread must not die with images pending
            LOG.exception('The background deleter of unfinished Glance images failed')
        with _lock:
            if not _pending:
                _reaper = None
                return


def _ensure_reaper() -> None:
    global _reaper
    with _lock:
        if _reaper is not None and _reaper.is_alive():
            return
        _reaper = threading.Thread(target=_run, name='glance-discard', daemon=True)
        _reaper.start()
