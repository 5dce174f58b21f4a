"""`X-Content-Type-Options: nosniff` on every response of the plugin's own URLs.

Log downloads, JSON and event streams carry untrusted text (security invariant 4): a browser must take
them for the type they are sent as, never sniff a page out of them.
"""
from __future__ import annotations

import functools
from typing import Any, Callable


def nosniff(view: Callable) -> Callable:
    """The view, with nosniff on its responses (streaming ones too)."""
    @functools.wraps(view)
    def wrapped(request: Any, *args: Any, **kwargs: Any) -> Any:
        response = view(request, *args, **kwargs)
        response.headers.setdefault('X-Content-Type-Options', 'nosniff')
        return response
    return wrapped


def nosniff_urls(patterns: list) -> list:
    """The panel's urlpatterns, each view wrapped in nosniff (the way Horizon wraps them for login)."""
    for pattern in patterns:
        pattern.callback = nosniff(pattern.callback)
    return patterns
