"""Deleting the half-made Glance image of a failed import, and making sure it goes.

An import creates its Glance image before the data streams in (image_import, image_upload). When the
import fails, discard_image deletes that image at once, retrying a few times with back-off: Glance may
still be handling the upload it just lost and refuse or lose the delete ("database is locked").

When Glance does not answer at all (stopped, restarting), those attempts end before it is back and the
image would stay "queued" or "saving" for ever. It is then handed to one background thread per web
process that keeps trying, with the same user's token, every LATER_INTERVAL seconds for up to
LATER_SECONDS (a token lives longer), and logs for an operator if it never manages. Never raised: the
import's own failure is what the user must see.
"""
from __future__ import annotations

import logging
import threading
import time
from typing import Any

from glanceclient import exc as glance_exc

from docker_dashboard.api import glance

LOG = logging.getLogger(__name__)

DISCARD_ATTEMPTS = 5          # at once: about 8 s of back-off in all
LATER_SECONDS = 900           # then in the background, for this long
LATER_INTERVAL = 10.0
MAX_PENDING = 100             # images waiting for a background delete, per process

_pending: dict = {}           # image id -> (request, deadline)
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


def discard_image(request: Any, image_id: str | None) -> None:
    """Delete a half-made Glance image now, or keep trying in the background (see module doc)."""
    if not image_id:
        return
    for attempt in range(DISCARD_ATTEMPTS):
        if _gone(request, image_id):
            return
        LOG.warning('Deleting the unfinished Glance image %s failed (attempt %d)', image_id, attempt + 1)
        time.sleep(0.5 * 2 ** attempt)
    discard_later(request, image_id)


def discard_later(request: Any, image_id: str) -> None:
    """Hand the image to the background deleter of this process."""
    with _lock:
        if len(_pending) >= MAX_PENDING:
            LOG.error('Could not delete the unfinished Glance image %s; an operator should remove it', image_id)
            return
        _pending[image_id] = (request, time.monotonic() + LATER_SECONDS)
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
    for image_id, (request, deadline) in items:
        if _gone(request, image_id):
            LOG.info('Deleted the unfinished Glance image %s', image_id)
        elif time.monotonic() < deadline:
            continue
        else:
            LOG.error('Could not delete the unfinished Glance image %s; an operator should remove it', image_id)
        with _lock:
            _pending.pop(image_id, None)


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
