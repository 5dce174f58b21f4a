"""The Containers table's Usage column: CPU and memory of the rows on the page, fetched after it renders.

The index renders no usage (it keeps its one Docker list call per host). Each running row carries a
signed ticket naming its server, host and container, bound to the user and project that rendered the
page and valid for a few minutes; containers-usage.js sends the tickets of one host in ONE request,
and this view samples those containers in parallel. A user never names a Docker object (invariant 1):
tickets are made from servers fetched with the user's own token, and forged or foreign ones are refused.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

from django.core import signing
from django import http
from django.utils.translation import gettext as _
from django.views import generic

from docker_dashboard import api
from docker_dashboard import exceptions as dd_exceptions
from docker_dashboard.api.containers import ServerContainer

LOG = logging.getLogger(__name__)
SALT = 'docker_dashboard.containers.usage'
TICKET_SECONDS = 900
MAX_TICKETS = 100


@dataclass(frozen=True)
class UsageCell:
    """What the Usage column renders: a placeholder the script replaces, and the row's ticket."""

    ticket: str = ''
    group: str = ''

    def __str__(self) -> str:
        return '\u2026' if self.ticket else '-'


def _owner(request) -> list:
    return [request.user.id, request.user.project_id]


def usage_cell(request, server_id: str, host: str | None, group: str, summary) -> UsageCell:
    """A ticket for a running container; an empty cell for anything else (no sample to take)."""
    if not host or summary is None or summary.state != 'running':
        return UsageCell()
    ticket = signing.dumps(_owner(request) + [server_id, host, summary.id], salt=SALT, compress=True)
    return UsageCell(ticket=ticket, group=group)


def cell_attributes(cell) -> dict:
    if isinstance(cell, UsageCell) and cell.ticket:
        return {'data-usage-ticket': cell.ticket, 'data-usage-group': cell.group}
    return {}


def _containers(request, tickets: list) -> list:
    containers = []
    for ticket in tickets:
        try:
            user_id, project_id, server_id, host, container_id = signing.loads(
                ticket, salt=SALT, max_age=TICKET_SECONDS)
        except (signing.BadSignature, ValueError, TypeError):
            LOG.info('usage ticket refused')
            continue
        if [user_id, project_id] != _owner(request):
            continue
        containers.append(ServerContainer(server_id=server_id, host=host, id=container_id, name='', attrs={}))
    return containers


def _usage_json(result) -> dict:
    if isinstance(result, api.stats.StatsSample):
        return {'cpu_percent': result.cpu_percent, 'memory_used': result.memory_used,
                'memory_percent': result.memory_percent}
    if isinstance(result, dd_exceptions.DockerHostUnreachable):
        return {'error': _('host unreachable')}
    if isinstance(result, dd_exceptions.ContainerNotRunning):
        return {'error': _('not running')}
    return {'error': _('unavailable')}


class ContainersUsageView(generic.View):
    """GET ?t=<ticket>&t=...: {"usage": {server id: {cpu_percent, memory_used, memory_percent} | {error}}}."""

    def get(self, request):
        tickets = request.GET.getlist('t')
        if len(tickets) > MAX_TICKETS:
            return http.JsonResponse({'error': _('Too many containers in one request.')}, status=400)
        results = api.stats.stats_for_containers(_containers(request, tickets))
        response = http.JsonResponse({'usage': {server_id: _usage_json(result) for server_id, result in results.items()}})
        response['Cache-Control'] = 'no-store'
        return response
