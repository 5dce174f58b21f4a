"""Nova calls of the plugin, made with the user's own token through Horizon's api layer.

Thin on purpose: Horizon's openstack_dashboard.api.nova already handles microversions and
wrapping; this module is the plugin's single place to mock in view tests, and names what the
plugin uses.
"""
from __future__ import annotations

from typing import Any, Callable

from novaclient import exceptions as nova_exceptions
from openstack import exceptions as sdk_exceptions
from openstack_dashboard.api import _nova as horizon_nova_client
from openstack_dashboard.api import nova as horizon_nova


def server_list(request: Any, search_opts: dict | None = None) -> tuple:
    """The user's servers (project scope) as (servers, has_more)."""
    return horizon_nova.server_list(request, search_opts=search_opts)


def server_get(request: Any, server_id: str) -> Any:
    """One server, fetched with the user's token: the start of every Docker query about it."""
    return horizon_nova.server_get(request, server_id)


def server_create(request: Any, *, name: str, image_id: str, flavor_id: str, count: int = 1,
                  availability_zone: str | None = None, description: str | None = None,
                  metadata: dict | None = None, nics: Any = 'none') -> Any:
    """Boot `count` containers from a Docker image. No key pair, user data or volumes: containers.

    `nics` is 'none', 'auto' or a list of {'net-id': ...}. Horizon's own server_create cannot take
    'none' (it iterates nics as a list), so the plugin calls novaclient through Horizon's client.
    """
    version = horizon_nova.get_microversion(request, ('instance_description', 'auto_allocated_network'))
    client = horizon_nova_client.novaclient(request, version=version)
    kwargs = {'description': description} if description else {}
    return horizon_nova.Server(client.servers.create(
        name.strip(), image_id, flavor_id, nics=nics, availability_zone=availability_zone or None,
        min_count=count, max_count=count, meta=metadata or None, **kwargs), request)


def server_start(request: Any, server_id: str) -> None:
    horizon_nova.server_start(request, server_id)


def server_stop(request: Any, server_id: str) -> None:
    horizon_nova.server_stop(request, server_id)


def server_pause(request: Any, server_id: str) -> None:
    horizon_nova.server_pause(request, server_id)


def server_unpause(request: Any, server_id: str) -> None:
    horizon_nova.server_unpause(request, server_id)


def server_reboot(request: Any, server_id: str, *, soft: bool) -> None:
    horizon_nova.server_reboot(request, server_id, soft_reboot=soft)


def server_delete(request: Any, server_id: str) -> None:
    horizon_nova.server_delete(request, server_id)


def server_lock(request: Any, server_id: str) -> None:
    horizon_nova.server_lock(request, server_id)


def server_unlock(request: Any, server_id: str) -> None:
    horizon_nova.server_unlock(request, server_id)


def server_confirm_resize(request: Any, server_id: str) -> None:
    """Keep a resized or migrated server as it is now (the source's copy is removed)."""
    horizon_nova.server_confirm_resize(request, server_id)


def server_revert_resize(request: Any, server_id: str) -> None:
    """Go back to the flavor and host a server had before its resize or migration."""
    horizon_nova.server_revert_resize(request, server_id)


def server_snapshot(request: Any, server_id: str, name: str) -> str:
    """Nova createImage ("Commit to image"): returns the new Glance image id."""
    return horizon_nova.snapshot_create(request, server_id, name)


def server_rebuild(request: Any, server_id: str, image_id: str) -> None:
    """Nova rebuild: nova_docker recreates the container from `image_id`, keeping the server's id, name,
    ports and metadata (from one of its own snapshots: a roll back to it)."""
    horizon_nova.server_rebuild(request, server_id, image_id)


def server_update(request: Any, server_id: str, *, name: str, description: str | None) -> None:
    """Rename a server and set its description ('' clears it)."""
    horizon_nova.server_update(request, server_id, name, description=description)


def server_metadata_update(request: Any, server_id: str, metadata: dict) -> None:
    """Set (add or replace) server metadata items."""
    horizon_nova.server_metadata_update(request, server_id, metadata)


def server_metadata_delete(request: Any, server_id: str, keys: list) -> None:
    horizon_nova.server_metadata_delete(request, server_id, keys)


def server_actions(request: Any, server_id: str) -> list:
    """Nova's instance action log of a server."""
    return horizon_nova.instance_action_list(request, server_id)


# The owner reads an action's events since 2.51; 2.84 adds their 'details' where policy shows them.
ACTION_EVENTS_VERSION = '2.84'


def server_action_events(request: Any, server_id: str, request_id: str) -> list:
    """The events of one instance action: dicts with event, result and, policy permitting, details."""
    client = horizon_nova_client.novaclient(request, version=ACTION_EVENTS_VERSION)
    action = client.instance_action.get(server_id, request_id)
    return list(getattr(action, 'events', None) or [])


# POST /servers/{id}/remote-consoles (2.6): the serial console of a server, as the owner may ask for it.
REMOTE_CONSOLES_VERSION = '2.6'


def server_serial_console_url(request: Any, server_id: str) -> str:
    """A new nova-serialproxy URL (ws:// or wss://, with a one-session Nova console token) for the server.

    Nova checks policy (os_compute_api:os-remote-consoles), the server's state and asks the compute host;
    its refusals are novaclient exceptions (409 not running, 400 console disabled or full, 501 none).
    """
    client = horizon_nova_client.novaclient(request, version=REMOTE_CONSOLES_VERSION)
    console = client.servers.get_serial_console(server_id, 'serial')
    return console['remote_console']['url']


def flavor_list(request: Any) -> list:
    return horizon_nova.flavor_list(request)


def flavor_get(request: Any, flavor_id: str) -> Any:
    return horizon_nova.flavor_get(request, flavor_id)


def availability_zone_list(request: Any) -> list:
    return horizon_nova.availability_zone_list(request)


def tenant_absolute_limits(request: Any) -> dict:
    """Quota limits and usage (maxTotalInstances, totalInstancesUsed, maxTotalRAMSize, ...)."""
    return horizon_nova.tenant_absolute_limits(request, reserved=True)


def server_list_paged(request: Any, search_opts: dict | None = None, sort_dir: str = 'desc') -> tuple:
    """One page of the user's servers: (servers, has_more, has_prev), as Horizon's Instances panel pages."""
    return horizon_nova.server_list_paged(request, search_opts=search_opts, sort_dir=sort_dir)



# --- Admin Docker Hosts panel (admin token; the panel's policy is context_is_admin) ---------------

def _through_sdk(call: Callable[[], list]) -> list:
    """Horizon makes these calls with openstacksdk, and Horizon's exceptions.handle counts every
    openstacksdk HttpException as "unauthorized": a Nova answering 503 would turn the admin's page into
    Horizon's 403 page. Errors other than 401/403 become novaclient's (recoverable: a message)."""
    try:
        return call()
    except sdk_exceptions.HttpException as error:
        status = error.status_code or 500
        if status in (401, 403):
            raise
        cls = nova_exceptions.NotFound if status == 404 else nova_exceptions.ClientException
        raise cls(status, message=str(error.details or error.message or 'Nova failed')) from None


def compute_services(request: Any) -> list:
    """Nova's nova-compute service records (host, state up/down, status enabled/disabled, updated_at)."""
    return _through_sdk(lambda: horizon_nova.service_list(request, binary='nova-compute'))


def hypervisors(request: Any) -> list:
    """Nova's hypervisor records with usage (vcpus, memory, local disk as the driver reports them)."""
    return _through_sdk(lambda: horizon_nova.hypervisor_list(request))


def servers_all_projects(request: Any) -> list:
    """Every server of every project, all pages (admin only): the Nova side of the orphan check."""
    client = horizon_nova_client.novaclient(request)
    return [horizon_nova.Server(server, request)
            for server in client.servers.list(search_opts={'all_tenants': True}, limit=-1)]
