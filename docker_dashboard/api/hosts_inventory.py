"""Docker's containers on a host joined with the Nova servers Nova places there (in memory, no calls).

Orphans are containers Docker runs that Nova does not know on that host; missing containers are
Nova servers on that host whose container Docker does not have. Containers belong to a server by the
driver's label org.openstack.nova.instance_uuid, falling back to the name nova-<uuid>.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from docker_dashboard.api.containers import HOST_ATTR
from docker_dashboard.api.containers import LABEL_IMAGE
from docker_dashboard.api.containers import LABEL_INSTANCE
from docker_dashboard.api.containers import LABEL_PROJECT
from docker_dashboard.api.containers import server_attr
from docker_dashboard.api.images import CACHE_REPOSITORY

# Servers still being built may not have their container yet; deleting ones may have lost it already.
_TRANSITIONAL_STATUS = ('BUILD',)
_TRANSITIONAL_TASKS = ('deleting', 'spawning', 'scheduling', 'block_device_mapping', 'networking')

ORPHAN_NOT_NOVA = 'not-nova'          # no Nova label, no nova-<uuid> name
ORPHAN_UNKNOWN = 'unknown-server'     # names a server Nova does not have (deleted, or never existed)
ORPHAN_ELSEWHERE = 'other-host'       # names a server Nova places on another host


def container_server_id(row: Mapping[str, Any]) -> str | None:
    """The Nova server uuid a container row (`docker ps`/`df`) belongs to, or None."""
    uuid = (row.get('Labels') or {}).get(LABEL_INSTANCE)
    if uuid:
        return uuid
    for name in row.get('Names') or ():
        if name.startswith('/nova-'):
            return name[len('/nova-'):]
    return None


def container_name(row: Mapping[str, Any]) -> str:
    names = row.get('Names') or ()
    return names[0].lstrip('/') if names else ''


@dataclass(frozen=True)
class HostedContainer:
    """A container on a host and the Nova server it belongs to (None for orphans)."""

    row: Mapping[str, Any]
    server: Any = None
    server_id: str | None = None
    orphan_reason: str = ''
    nova_host: str | None = None     # where Nova places the server, for ORPHAN_ELSEWHERE

    @property
    def id(self) -> str:
        return self.row.get('Id', '')

    @property
    def short_id(self) -> str:
        return self.id[:12]

    @property
    def name(self) -> str:
        return container_name(self.row)

    @property
    def created_at(self) -> datetime.datetime | None:
        created = self.row.get('Created')
        if not created:
            return None
        return datetime.datetime.fromtimestamp(int(created), tz=datetime.timezone.utc)

    @property
    def labels(self) -> Mapping[str, str]:
        return self.row.get('Labels') or {}

    @property
    def project_id(self) -> str:
        return self.labels.get(LABEL_PROJECT, '')

    @property
    def glance_image_id(self) -> str:
        return self.labels.get(LABEL_IMAGE, '')


@dataclass
class HostInventory:
    """Every container of one host, classified, and the Nova servers on it that have no container."""

    host: str
    containers: list       # HostedContainer, Nova's and orphans, in Docker's order
    missing: list          # servers Nova places on `host` without a container there

    @property
    def orphans(self) -> list:
        return [c for c in self.containers if c.server is None]


def servers_by_id(servers: Iterable[Any]) -> dict:
    return {str(server_attr(server, 'id')): server for server in servers}


def _transitional(server: Any) -> bool:
    return (server_attr(server, 'status') in _TRANSITIONAL_STATUS
            or server_attr(server, 'OS-EXT-STS:task_state') in _TRANSITIONAL_TASKS)


def host_inventory(host: str, container_rows: Iterable[Mapping[str, Any]], servers: Mapping[str, Any]
                   ) -> HostInventory:
    """Join `host`'s container rows with every server Nova has (`servers`: id -> server, all projects)."""
    containers, seen = [], set()
    for row in container_rows:
        server_id = container_server_id(row)
        server = servers.get(server_id) if server_id else None
        if server_id is None:
            containers.append(HostedContainer(row=row, orphan_reason=ORPHAN_NOT_NOVA))
        elif server is None:
            containers.append(HostedContainer(row=row, server_id=server_id, orphan_reason=ORPHAN_UNKNOWN))
        elif server_attr(server, HOST_ATTR) != host:
            containers.append(HostedContainer(row=row, server_id=server_id, orphan_reason=ORPHAN_ELSEWHERE,
                                              nova_host=server_attr(server, HOST_ATTR)))
        else:
            seen.add(server_id)
            containers.append(HostedContainer(row=row, server=server, server_id=server_id))
    missing = [server for server_id, server in servers.items()
               if server_attr(server, HOST_ATTR) == host and server_id not in seen and not _transitional(server)]
    return HostInventory(host=host, containers=containers, missing=missing)


def glance_image_ids(image_row: Mapping[str, Any], containers: Iterable[HostedContainer]) -> list:
    """Glance images a Docker image came from: the driver's cache tag glance/<id>:latest, and the
    org.openstack.glance.image_id label of containers created from it."""
    found = []
    for tag in image_row.get('RepoTags') or ():
        repository, _sep, _tag = tag.rpartition(':')
        if repository.startswith(CACHE_REPOSITORY + '/'):
            found.append(repository[len(CACHE_REPOSITORY) + 1:])
    image_id = image_row.get('Id')
    for container in containers:
        if container.row.get('ImageID') == image_id and container.glance_image_id:
            found.append(container.glance_image_id)
    return list(dict.fromkeys(found))
