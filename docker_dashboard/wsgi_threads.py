"""Live log streams must leave worker threads for ordinary pages.

One open log stream holds one WSGI worker thread for up to `logs.follow_max_seconds`. With
`logs.max_streams` at or above the process's thread count, a handful of open log tabs would take every
thread and every other page of this Horizon process would wait minutes. When the server tells us how
many threads a process has (uwsgi, mod_wsgi), the effective stream limit is kept below it.
"""
from __future__ import annotations

import dataclasses
import sys
from typing import Any


def threads_per_process() -> int | None:
    """Worker threads of this web process, when the WSGI server says so; None otherwise."""
    uwsgi = sys.modules.get('uwsgi')
    if uwsgi is not None:
        raw = getattr(uwsgi, 'opt', {}).get('threads')
        if isinstance(raw, bytes):
            raw = raw.decode('ascii', 'replace')
        try:
            return max(1, int(raw)) if raw is not None else 1   # uwsgi without --threads: one thread
        except (TypeError, ValueError):
            return None
    mod_wsgi = sys.modules.get('mod_wsgi')
    threads = getattr(mod_wsgi, 'threads_per_process', None) if mod_wsgi is not None else None
    return threads if isinstance(threads, int) and threads > 0 else None


def stream_limit(configured: int, threads: int | None) -> int:
    """At most `configured` streams, and always a quarter of the threads (at least two) left for pages.

    A process with too few threads for that gets no live streams at all (the view says so)."""
    if threads is None:
        return configured
    reserved = max(2, threads // 4)
    return max(0, min(configured, threads - reserved))


def fit_to_server(settings: Any) -> Any:
    """The settings with `logs.max_streams` lowered to what this process's threads allow."""
    limit = stream_limit(settings.logs.max_streams, threads_per_process())
    if limit == settings.logs.max_streams:
        return settings
    return dataclasses.replace(settings, logs=dataclasses.replace(settings.logs, max_streams=limit))
