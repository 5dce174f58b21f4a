"""Nova calls of the plugin, made with the user's own token through Horizon's api layer."""
from __future__ import annotations

from typing import Any

from openstack_dashboard.api import nova as horizon_nova


def server_list(request: Any, search_opts: dict | None = None) -> tuple:
    """The user's servers (project scope) as (servers, has_more)."""
    return horizon_nova.server_list(request, search_opts=search_opts)


def server_get(request: Any, server_id: str) -> Any:
    """One server, fetched with the user's token: the start of every Docker query about it."""
    return horizon_nova.server_get(request, server_id)
