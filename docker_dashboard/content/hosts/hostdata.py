"""The Docker Hosts panel's rows: what each Docker host says joined with what Nova says of it.

Nova facts (compute service, hypervisor, servers of all projects) come with the admin's token; a
Nova failure is a message and leaves the Docker facts standing, and a Docker failure is a row state.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from horizon import exceptions

from docker_dashboard import api


@dataclass
class NovaFacts:
    """What Nova says, by compute host name; `servers` is None when Nova could not list them."""

    services: dict
    hypervisors: dict
    servers: dict | None


@dataclass
class HostRow:
    """One configured Docker host: its Docker report, its Nova records and its container inventory."""

    report: Any                  # api.hosts.HostReport
    service: Any = None          # Nova nova-compute service record, or None
    hypervisor: Any = None       # Nova hypervisor record, or None
    inventory: Any = None        # api.hosts_inventory.HostInventory, or None when not computable

    @property
    def id(self) -> str:
        return self.report.name

    @property
    def name(self) -> str:
        return self.report.name

    @property
    def orphans(self) -> list | None:
        return self.inventory.orphans if self.inventory is not None else None

    @property
    def missing(self) -> list | None:
        return self.inventory.missing if self.inventory is not None else None

    @property
    def disk_free_gb(self) -> int | None:
        """Free space of the data-root file system, as the nova_docker driver reports it to Nova."""
        return getattr(self.hypervisor, 'local_disk_free', None) if self.hypervisor is not None else None

    @property
    def disk_size_gb(self) -> int | None:
        return getattr(self.hypervisor, 'local_disk_size', None) if self.hypervisor is not None else None


def _hypervisor_host(hypervisor: Any) -> str | None:
    details = getattr(hypervisor, 'service_details', None) or {}
    return details.get('host') or getattr(hypervisor, 'name', None)


def nova_facts(request: Any, *, with_servers: bool = True) -> NovaFacts:
    """Nova's records of the compute hosts; each failed call is a message, not an error page."""
    facts = NovaFacts(services={}, hypervisors={}, servers=None)
    try:
        facts.services = {service.host: service for service in api.nova.compute_services(request)}
    except Exception:
        exceptions.handle(request, _('Unable to retrieve the Nova compute services.'))
    try:
        facts.hypervisors = {_hypervisor_host(h): h for h in api.nova.hypervisors(request)}
    except Exception:
        exceptions.handle(request, _('Unable to retrieve the Nova hypervisors.'))
    if with_servers:
        try:
            facts.servers = api.hosts_inventory.servers_by_id(api.nova.servers_all_projects(request))
        except Exception:
            exceptions.handle(request, _('Unable to retrieve the Nova servers: orphans are not shown.'))
    return facts


def host_row(report: Any, facts: NovaFacts) -> HostRow:
    inventory = None
    if report.containers is not None and facts.servers is not None:
        inventory = api.hosts_inventory.host_inventory(report.name, report.containers, facts.servers)
    return HostRow(report=report, service=facts.services.get(report.name),
                   hypervisor=facts.hypervisors.get(report.name), inventory=inventory)


def host_rows(request: Any) -> list:
    """Every configured Docker host as a table row (Docker hosts asked in parallel)."""
    facts = nova_facts(request)
    return [host_row(report, facts) for report in api.hosts.host_reports()]


def one_host(request: Any, name: str) -> HostRow:
    """One configured host; raises HostNotResolved for a name not in the settings."""
    report = api.hosts.host_report(name)
    return host_row(report, nova_facts(request))


@dataclass(frozen=True)
class GlanceCopy:
    """A Glance image a host's Docker image came from, and when the image cache manager removes it."""

    id: str
    name: str | None
    deleted: bool = False        # Glance answered and does not list it
    removal: Any = None          # api.hosts_cache.CacheRemoval when the host caches it, else None


@dataclass(frozen=True)
class HostImage:
    """A Docker image on a host and the Glance images it came from."""

    row: dict
    copies: list                 # GlanceCopy

    @property
    def glance(self) -> list:
        """(id, name or None) pairs."""
        return [(copy.id, copy.name) for copy in self.copies]

    @property
    def short_id(self) -> str:
        return (self.row.get('Id') or '').split(':')[-1][:12]

    @property
    def tags(self) -> list:
        # The cache manager's usage records have a column of their own.
        return [tag for tag in self.row.get('RepoTags') or ()
                if tag != '<none>:<none>' and not api.hosts_cache.is_record_tag(tag)]


def host_images(request: Any, row: HostRow) -> list:
    """The host's images with the Glance images each came from (the driver's cache tag and labels)."""
    if not row.report.images:
        return []
    try:
        listed = api.glance.docker_image_list(request, paginate=False)[0]
    except Exception:
        exceptions.handle(request, _('Unable to retrieve Glance image names.'))
        listed = None
    names = {image.id: image.name for image in listed or ()}
    # None: Glance was not asked, so an image it does not list is not known to be deleted.
    statuses = None if listed is None else {image.id: getattr(image, 'status', None) for image in listed}
    containers = row.inventory.containers if row.inventory is not None else []
    images = []
    for image in row.report.images:
        ids = api.hosts_inventory.glance_image_ids(image, containers)
        images.append(HostImage(row=image, copies=_glance_copies(image, ids, names, statuses)))
    return images


def _glance_copies(image: dict, ids: list, names: dict, statuses: dict | None) -> list:
    removals = api.hosts_cache.cache_removals(image, statuses)
    return [GlanceCopy(id=image_id, name=names.get(image_id),
                       deleted=statuses is not None and image_id not in statuses,
                       removal=removals.get(image_id)) for image_id in ids]
