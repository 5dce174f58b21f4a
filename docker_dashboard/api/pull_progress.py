"""What a `docker pull` has done so far, from its progress events: layers and bytes.

dockerd sends an event per layer step ({'id': layer, 'status': 'Downloading', 'progressDetail':
{'current': n, 'total': t}}, then 'Download complete', 'Extracting', 'Pull complete'; 'Already exists' for a
layer the host has). Events without a layer status ('Pulling from ...', 'Digest: ...') are not layers.
"""
from __future__ import annotations

import time
from typing import Any

_LAYER_STATUSES = ('Pulling fs layer', 'Waiting', 'Downloading', 'Verifying Checksum', 'Download complete',
                   'Extracting', 'Pull complete', 'Already exists', 'Retrying')
_DONE = ('Pull complete', 'Already exists')
REPORT_SECONDS = 0.5   # at most this often into the job's state (a busy pull sends hundreds of events)


class PullProgress:
    """Layers seen and finished, bytes downloaded and, once every layer to download has said its size, the
    total. `feed` each event; `report()` is what the job records."""

    def __init__(self) -> None:
        self._state: dict = {}          # layer id -> status
        self._current: dict = {}        # layer id -> bytes downloaded
        self._total: dict = {}          # layer id -> bytes to download (compressed)
        self._reported = 0.0

    def feed(self, event: dict) -> bool:
        """Take one event; True when it is time to report (a layer finished, or REPORT_SECONDS passed)."""
        status, layer = str(event.get('status') or ''), event.get('id')
        if not layer or not status.startswith(_LAYER_STATUSES):
            return False
        before = self._state.get(layer)
        self._state[layer] = status
        detail = event.get('progressDetail') or {}
        if status == 'Downloading':
            self._current[layer] = int(detail.get('current') or 0)
            if detail.get('total'):
                self._total[layer] = int(detail['total'])
        elif status in ('Download complete', 'Extracting', 'Pull complete') and layer in self._total:
            self._current[layer] = self._total[layer]
        now = time.monotonic()
        if (status in _DONE and before not in _DONE) or now - self._reported >= REPORT_SECONDS:
            self._reported = now
            return True
        return False

    def report(self) -> dict[str, Any]:
        """{'layers_done', 'layers_total', 'pull_bytes', 'pull_total' (None while a layer's size is unknown)}."""
        to_download = [layer for layer, status in self._state.items() if status != 'Already exists']
        known = all(layer in self._total for layer in to_download)
        return {'layers_done': sum(1 for status in self._state.values() if status in _DONE),
                'layers_total': len(self._state),
                'pull_bytes': sum(self._current.get(layer, 0) for layer in to_download),
                'pull_total': sum(self._total[layer] for layer in to_download) if known else None}
