"""Read-only image calls on a Docker host (history/layers, config)."""
from __future__ import annotations

from docker_dashboard import exceptions
from docker_dashboard.api.client import docker_client
from docker_dashboard.api.client import docker_errors


def image_inspect(host: str, image_ref: str) -> dict:
    """`docker image inspect` of an image the caller derived from a Glance image."""
    client = docker_client(host)
    with docker_errors(host, exceptions.DockerImageNotFound):
        return client.inspect_image(image_ref)


def image_history(host: str, image_ref: str) -> list:
    """`docker history`: newest layer first, each {'Id', 'Created', 'CreatedBy', 'Size', 'Tags', 'Comment'}."""
    client = docker_client(host)
    with docker_errors(host, exceptions.DockerImageNotFound):
        return client.history(image_ref)


# --- Docker Images panel (append-only additions) -------------------------------------------------

import concurrent.futures  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from typing import Any  # noqa: E402

from docker_dashboard import conf  # noqa: E402

# nova_docker tags every Glance image it loads <image_cache_repository>/<glance image id>:latest
# (image_cache_repository defaults to "glance"); the import pipeline tags the import host the same way.
CACHE_REPOSITORY = 'glance'


def cache_ref(image_id: str) -> str:
    """The Docker reference under which a host holds Glance image `image_id` (the driver's cache tag)."""
    return f'{CACHE_REPOSITORY}/{image_id}:latest'


@dataclass(frozen=True)
class LoadedImage:
    """A Glance image found loaded on a Docker host: where, by which reference, and its inspect data."""

    host: str
    ref: str
    attrs: dict


def _inspect_on(host: str, ref: str) -> LoadedImage | None:
    try:
        return LoadedImage(host=host, ref=ref, attrs=image_inspect(host, ref))
    except exceptions.DockerDashboardError:
        return None


def image_locate(image_id: str) -> LoadedImage | None:
    """The first configured host (the import host first) that has Glance image `image_id` loaded.

    The reference is derived from the Glance id the caller fetched with the user's token (invariant 1).
    All hosts are asked in parallel, each bounded by the configured timeout.
    """
    settings = conf.get_settings()
    hosts = sorted(settings.hosts, key=lambda name: (name != settings.import_host, name))
    if not hosts:
        return None
    ref = cache_ref(image_id)
    with concurrent.futures.ThreadPoolExecutor(max_workers=min(len(hosts), 16)) as pool:
        found = list(pool.map(lambda host: _inspect_on(host, ref), hosts))
    return next((item for item in found if item is not None), None)


@dataclass(frozen=True)
class Layer:
    """One row of the Layers tab, bottom-up numbering, sizes in bytes."""

    index: int
    created: str | int | None
    created_by: str
    size: int
    cumulative: int
    empty: bool
    comment: str = ''


def layers_from_history(history: list) -> list:
    """`docker history` rows (newest first) -> Layers newest first, with cumulative sizes."""
    rows = list(reversed(history or []))
    layers, total = [], 0
    for index, row in enumerate(rows, start=1):
        size = int(row.get('Size') or 0)
        total += size
        layers.append(Layer(index=index, created=row.get('Created'), created_by=row.get('CreatedBy') or '',
                            size=size, cumulative=total, empty=size == 0, comment=row.get('Comment') or ''))
    return list(reversed(layers))


def layers_from_config(config: dict, layer_sizes: list) -> list:
    """The image config's history joined with the tarball's layer sizes -> Layers newest first.

    History entries with empty_layer add no layer; the others take the manifest's layers in order
    (uncompressed layer.tar sizes: close to, not exactly, what `docker history` shows).
    """
    sizes = [size for _path, size in layer_sizes]
    layers, total, position = [], 0, 0
    for index, entry in enumerate((config or {}).get('history') or [], start=1):
        empty = bool(entry.get('empty_layer'))
        size = 0
        if not empty and position < len(sizes):
            size, position = sizes[position], position + 1
        total += size
        layers.append(Layer(index=index, created=entry.get('created'), created_by=entry.get('created_by') or '',
                            size=size, cumulative=total, empty=empty or size == 0,
                            comment=entry.get('comment') or ''))
    return list(reversed(layers))


def image_config_of(attrs: dict) -> dict:
    """The runtime config (Entrypoint, Cmd, Env, ExposedPorts, WorkingDir, User, Labels) of inspect data
    or of an image config JSON (whose key is lower-case "config")."""
    return dict((attrs or {}).get('Config') or (attrs or {}).get('config') or {})


# Import host only (security invariant 2: the one write path), used by docker_dashboard.api.image_import.

def pull_events(client: Any, repository: str, tag: str) -> Any:
    """`docker pull` progress events (dicts); errors arrive in-band as {'error': ...} and are the caller's."""
    return client.pull(repository, tag=tag, stream=True, decode=True)


def image_save_response(client: Any, ref: str) -> Any:
    """The streaming HTTP response of `docker save ref` (GET /images/{ref}/get); the caller closes it."""
    response = client._get(client._url('/images/{0}/get', ref), stream=True)
    client._raise_for_status(response)
    return response


def image_tag(client: Any, ref: str, repository: str, tag: str) -> None:
    client.tag(ref, repository, tag, force=True)


def image_untag(client: Any, ref: str) -> None:
    """Remove one reference (the layers stay while another tag, e.g. the cache tag, holds them)."""
    client.remove_image(ref, noprune=True)
