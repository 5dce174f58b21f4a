"""From a Nova server to its Docker container, and read-only calls on that container.

Security invariant 1: a user never names a Docker object. Every function here starts from a Nova
server the caller fetched with the user's own token (or from a ServerContainer derived from one);
the host and the container are derived here.
"""
from __future__ import annotations

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


def _server_attr(server: Any, name: str) -> Any:
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
    explicit = _server_attr(server, HOST_ATTR)
    if explicit:
        if explicit in hosts:
            return explicit
        raise exceptions.HostNotResolved()
    host_id = _server_attr(server, 'hostId')
    project_id = _server_attr(server, 'tenant_id') or getattr(getattr(request, 'user', None), 'project_id', None)
    if host_id and project_id:
        for name in hosts:
            if host_id_for(project_id, name) == host_id:
                return name
    raise exceptions.HostNotResolved()


def container_for_server(request: Any, server: Any) -> ServerContainer:
    """Find the container of `server`: by label org.openstack.nova.instance_uuid, else by name nova-<uuid>.

    Raises HostNotResolved, ContainerNotFound, DockerHostUnreachable or DockerHostError.
    """
    server_id = str(_server_attr(server, 'id'))
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
    """Every Nova-labelled container on one host, in one list call (for tables joining in memory)."""
    client = docker_client(host)
    with docker_errors(host):
        return client.containers(all=True, filters={'label': LABEL_INSTANCE})
