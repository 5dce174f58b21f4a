"""Neutron calls of the plugin, made with the user's own token through Horizon's api layer."""
from __future__ import annotations

from typing import Any

from openstack_dashboard.api import base as horizon_base
from openstack_dashboard.api import neutron as horizon_neutron


def network_service_enabled(request: Any) -> bool:
    """Whether the cloud has Neutron: without it a container can only boot with no network."""
    return horizon_base.is_service_enabled(request, 'network')


def network_list_for_tenant(request: Any) -> list:
    """Neutron networks the user's project may boot a server on (its own and shared ones)."""
    return horizon_neutron.network_list_for_tenant(request, request.user.tenant_id)
