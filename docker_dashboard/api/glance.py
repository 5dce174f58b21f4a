"""Glance calls of the plugin, made with the user's own token through Horizon's api layer."""
from __future__ import annotations

from typing import Any

from openstack_dashboard.api import glance as horizon_glance

DOCKER_FORMAT = 'docker'


def docker_image_list(request: Any, marker: str | None = None, paginate: bool = True) -> tuple:
    """Glance images with container_format=docker: (images, has_more, has_prev)."""
    return horizon_glance.image_list_detailed(
        request, marker=marker, paginate=paginate, filters={'container_format': DOCKER_FORMAT})


def image_get(request: Any, image_id: str) -> Any:
    """One Glance image, with the user's token."""
    return horizon_glance.image_get(request, image_id)


def is_docker_image(image: Any) -> bool:
    return getattr(image, 'container_format', None) == DOCKER_FORMAT
