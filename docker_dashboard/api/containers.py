"""From a Nova server to its Docker container, and read-only calls on that container.

Security invariant 1: a user never names a Docker object. Every function here starts from a Nova
server the caller fetched with the user's own token (or from a ServerContainer derived from one);
the host and the container are derived here.
"""
from __future__ import annotations

import concurrent.futures
import hashlib
from dataclasses import dataclass
from typing import Any, Mapping

from docker_dashboard import conf
from docker_dashboard import exceptions
from docker_dashboard.api.client import docker_client
from docker_dashboard.api.client import docker_errors

LABEL_INSTANCE = 'org.openstack.nova.instance_uuid'
LABEL_PROJECT = 'org.openstack.nova.project_id'
LABEL_IMAGE = 'org.openstack.glance.image_id'
HOST_ATTR = 'OS-EXT-SRV-ATTR:host'


@dataclass(frozen=True)
class ServerContainer:
    """The container that runs a Nova server: where it is and what `docker inspect` says of it."""

    server_id: str
    host: str
    id: str
    name: str
    attrs: Mapping[str, Any]

    @property
    def short_id(self) -> str:
        return self.id[:12]

    @property
    def tty(self) -> bool:
        return bool((self.attrs.get('Config') or {}).get('Tty'))

    @property
    def state(self) -> Mapping[str, Any]:
        return self.attrs.get('State') or {}


def server_attr(server: Any, name: str) -> Any:
    """Read a server attribute, including names with ':' in them, without lazy-loading.

    Horizon's Server wraps a novaclient Server whose data sits in `_info`; reading `_info` avoids
    novaclient's lazy GET for attributes the listing did not return.
    """
    resource = getattr(server, '_apiresource', server)
    info = getattr(resource, '_info', None)
    if isinstance(info, dict):
        return info.get(name)
    if isinstance(server, Mapping):
        return server.get(name)
    return getattr(server, name, None)


def host_id_for(project_id: str, host: str) -> str:
    """Nova's hostId of `host` as seen by `project_id` (nova.utils.generate_hostid)."""
    return hashlib.sha224((project_id + host).encode('utf-8')).hexdigest()


def resolve_host(request: Any, server: Any) -> str:
    """The configured Docker host that runs `server`.

    Uses OS-EXT-SRV-ATTR:host when the caller may see it (admins), else matches the server's hostId
    against sha224(project_id + host) for every configured host, which works with a member token.
    Raises HostNotResolved when no configured host matches.
    """
    hosts = conf.get_settings().hosts
    explicit = server_attr(server, HOST_ATTR)
    if explicit:
        if explicit in hosts:
            return explicit
        raise exceptions.HostNotResolved()
    host_id = server_attr(server, 'hostId')
    project_id = server_attr(server, 'tenant_id') or getattr(getattr(request, 'user', None), 'project_id', None)
    if host_id and project_id:
        for name in hosts:
            if host_id_for(project_id, name) == host_id:
                return name
    raise exceptions.HostNotResolved()


def container_for_server(request: Any, server: Any) -> ServerContainer:
    """Find the container of `server`: by label org.openstack.nova.instance_uuid, else by name nova-<uuid>.

    Raises HostNotResolved, ContainerNotFound, DockerHostUnreachable or DockerHostError.
    """
    server_id = str(server_attr(server, 'id'))
    host = resolve_host(request, server)
    client = docker_client(host)
    with docker_errors(host, exceptions.ContainerNotFound):
        found = client.containers(all=True, filters={'label': f'{LABEL_INSTANCE}={server_id}'})
        container_id = found[0]['Id'] if found else 'nova-' + server_id
        attrs = client.inspect_container(container_id)
    labels = (attrs.get('Config') or {}).get('Labels') or {}
    # A container found by name must not carry another instance's label.
    if labels.get(LABEL_INSTANCE, server_id) != server_id:
        raise exceptions.ContainerNotFound()
    return ServerContainer(server_id=server_id, host=host, id=attrs['Id'],
                           name=(attrs.get('Name') or '').lstrip('/'), attrs=attrs)


def container_top(container: ServerContainer, ps_args: str | None = None) -> dict:
    """`docker top`: {'Titles': [...], 'Processes': [[...], ...]}. Raises DockerHostError when not running."""
    client = docker_client(container.host)
    with docker_errors(container.host, exceptions.ContainerNotFound):
        return client.top(container.id, ps_args=ps_args)


def container_changes(container: ServerContainer) -> list:
    """`docker diff`: [{'Path': '/tmp/x', 'Kind': 0|1|2}] (0 changed, 1 added, 2 deleted)."""
    client = docker_client(container.host)
    with docker_errors(container.host, exceptions.ContainerNotFound):
        return client.diff(container.id) or []


def containers_on_host(host: str) -> list:
    """Every container on one host that Nova may own (labelled, or named nova-*), in ONE list call.

    Callers join the rows with servers fetched with the user's token; rows of servers the user
    cannot see are never shown.
    """
    client = docker_client(host)
    with docker_errors(host):
        rows = client.containers(all=True)
    return [row for row in rows if LABEL_INSTANCE in (row.get('Labels') or {})
            or any(name.startswith('/nova-') for name in row.get('Names') or ())]


@dataclass(frozen=True)
class ContainerSummary:
    """What one `docker ps -a` row says of a server's container (for tables)."""

    host: str
    id: str
    state: str          # created, running, paused, restarting, exited, dead
    status: str         # Docker's own words: "Up 3 minutes", "Exited (0) 2 minutes ago"
    created: int        # epoch seconds

    @classmethod
    def from_list_row(cls, host: str, row: Mapping[str, Any]) -> 'ContainerSummary':
        return cls(host=host, id=row.get('Id', ''), state=row.get('State', ''),
                   status=row.get('Status', ''), created=row.get('Created') or 0)


@dataclass
class ContainerIndex:
    """Servers joined with their containers: host per server, container per server, hosts that failed."""

    hosts: dict            # server id -> configured host name (servers not on a Docker host are absent)
    containers: dict       # server id -> ContainerSummary
    unreachable: set       # host names that did not answer (or answered an error)


def _list_host(host: str) -> tuple:
    try:
        return host, containers_on_host(host), None
    except exceptions.DockerDashboardError as error:
        return host, [], error


def containers_for_servers(request: Any, servers: list) -> ContainerIndex:
    """Join servers with their containers: ONE list call per involved host, all hosts in parallel.

    Each host call is bounded by the configured timeout, so a dead host costs at most one timeout
    in total, not one per row. Containers are matched by label, falling back to the name.
    """
    hosts: dict = {}
    for server in servers:
        try:
            hosts[str(server_attr(server, 'id'))] = resolve_host(request, server)
        except exceptions.HostNotResolved:
            continue
    involved = sorted(set(hosts.values()))
    index = ContainerIndex(hosts=hosts, containers={}, unreachable=set())
    if not involved:
        return index
    with concurrent.futures.ThreadPoolExecutor(max_workers=min(len(involved), 16)) as pool:
        results = list(pool.map(_list_host, involved))
    by_key: dict = {}
    for host, rows, error in results:
        if error is not None:
            index.unreachable.add(host)
            continue
        for row in rows:
            summary = ContainerSummary.from_list_row(host, row)
            uuid = (row.get('Labels') or {}).get(LABEL_INSTANCE)
            if uuid:
                by_key[(host, uuid)] = summary
            for name in row.get('Names') or ():
                if name.startswith('/nova-'):
                    by_key.setdefault((host, name[len('/nova-'):]), summary)
    for server_id, host in hosts.items():
        summary = by_key.get((host, server_id))
        if summary:
            index.containers[server_id] = summary
    return index
