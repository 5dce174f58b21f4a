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


# --- Docker Images panel (append-only additions) -------------------------------------------------

DISK_FORMAT = 'raw'
# Glance property counting the image's layers, set when this plugin imports the image ("when known").
LAYERS_PROPERTY = 'docker_layers'
COMMAND_PROPERTY = 'os_command_line'
IN_PROGRESS = ('queued', 'saving', 'importing', 'uploading')


def docker_image_list_page(request: Any, *, marker: str | None = None, reversed_order: bool = False,
                           filters: dict | None = None) -> tuple:
    """One page of Docker images sorted by name, as Horizon's Images panel pages: (images, more, prev)."""
    filters = dict(filters or {}, container_format=DOCKER_FORMAT)
    return horizon_glance.image_list_detailed(
        request, marker=marker, paginate=True, filters=filters, sort_dir='asc', sort_key='name',
        reversed_order=reversed_order)


def images_named(request: Any, name: str) -> list:
    """Every image the user can see that is called `name` (any format): the duplicate-name check.

    Glance reads "a:b" in a filter as operator a with value b, so the name goes quoted in an `in:`
    operator (repo:tag names always contain ':'); names with a double quote are compared here.
    """
    if '"' in name:
        images, _more, _prev = horizon_glance.image_list_detailed(request)
    else:
        images, _more, _prev = horizon_glance.image_list_detailed(request, filters={'name': f'in:"{name}"'})
    return [image for image in images if image.name == name]


def docker_image_create(request: Any, *, name: str, visibility: str = 'private', protected: bool = False,
                        min_ram: int = 0, os_command_line: str = '', properties: dict | None = None) -> Any:
    """A queued Glance image for a `docker save` tarball (container_format docker, disk_format raw)."""
    extra = dict(properties or {})
    if os_command_line:
        extra[COMMAND_PROPERTY] = os_command_line
    image = horizon_glance.glanceclient(request).images.create(
        name=name, container_format=DOCKER_FORMAT, disk_format=DISK_FORMAT, visibility=visibility,
        protected=bool(protected), min_ram=int(min_ram or 0), **extra)
    return horizon_glance.Image(image)


def image_upload(request: Any, image_id: str, data: Any, size: int | None = None) -> None:
    """Upload image data from a file-like object (read(n)), streamed: glanceclient reads it in chunks."""
    horizon_glance.glanceclient(request).images.upload(image_id, data, image_size=size)


def image_update_details(request: Any, image_id: str, *, name: str | None = None,
                         visibility: str | None = None, protected: bool | None = None,
                         min_ram: int | None = None, os_command_line: str | None = None,
                         properties: dict | None = None) -> Any:
    """Change what the Edit form and the import set; an empty os_command_line removes the property."""
    changes: dict = dict(properties or {})
    for key, value in (('name', name), ('visibility', visibility), ('min_ram', min_ram)):
        if value is not None:
            changes[key] = value
    if protected is not None:
        changes['protected'] = bool(protected)
    remove = []
    if os_command_line is not None:
        if os_command_line:
            changes[COMMAND_PROPERTY] = os_command_line
        else:
            current = horizon_glance.image_get(request, image_id)
            if COMMAND_PROPERTY in (current.properties or {}):
                remove.append(COMMAND_PROPERTY)
    image = horizon_glance.glanceclient(request).images.update(image_id, remove_props=remove or None, **changes)
    return horizon_glance.Image(image)


def image_delete(request: Any, image_id: str) -> None:
    """Delete a Glance image (Glance refuses protected ones)."""
    horizon_glance.image_delete(request, image_id)


def image_data(request: Any, image_id: str) -> Any:
    """The image's data as an iterator of byte chunks (streamed; never read whole)."""
    return horizon_glance.glanceclient(request).images.data(image_id)
