"""The Stats tab's data: one JSON sample of a container's usage per request, polled by container-stats.js.

Every request starts from the Nova server fetched with the user's token (invariant 1), so another
project's server reads as "does not exist" and never reaches a Docker host. Errors are JSON with a
message for the user and whether trying again makes sense (the page keeps polling a host that is down).
"""
from __future__ import annotations

import logging

from django import http
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import generic

from docker_dashboard import api
from docker_dashboard import exceptions as dd_exceptions
from docker_dashboard.content.containers import action_results

LOG = logging.getLogger(__name__)
HISTORY_SECONDS = 300     # what the browser keeps: the last five minutes
POLL_SECONDS = 1          # pause between samples (a sample itself takes about a second)


def stats_context(server_id: str) -> dict:
    """What the Stats tab's template needs: its endpoint and the browser-side bounds."""
    base = reverse('horizon:project:docker_containers:detail', args=[server_id])
    return {'stats_url': base + 'stats', 'stats_history_seconds': HISTORY_SECONDS,
            'stats_poll_ms': POLL_SECONDS * 1000}


def _error(message: str, status: int, *, retry: bool) -> http.JsonResponse:
    return http.JsonResponse({'error': message, 'retry': retry}, status=status)


class ContainerStatsView(generic.View):
    """GET: {"running": true, "sample": {...}} or {"running": false, "message": ...}, or an error."""

    def get(self, request, server_id):
        try:
            server = api.nova.server_get(request, server_id)
        except Exception as error:
            # Other projects' servers and missing ones read the same: nothing leaks.
            LOG.info('stats refused: %s', type(error).__name__)
            return _error(_('This container does not exist or you are not allowed to see it.'), 404, retry=False)
        try:
            container = api.containers.container_for_server(request, server)
            if not container.state.get('Running'):
                raise dd_exceptions.ContainerNotRunning()
            sample = api.stats.container_stats(container)
        except dd_exceptions.ContainerNotRunning:
            return http.JsonResponse({'running': False, 'message': _(
                'The container is not running: there is no usage to show. Start it to see live figures.')})
        except dd_exceptions.DockerHostUnreachable:
            return _error(_('The Docker host of this container is unreachable; trying again.'), 503, retry=True)
        except (dd_exceptions.HostNotResolved, dd_exceptions.ContainerNotFound) as error:
            if server.status == 'ERROR':
                # Nova never got as far as a container: say why, as the Overview does.
                return _error(str(action_results.not_created_reason(request, server)), 404, retry=False)
            if isinstance(error, dd_exceptions.HostNotResolved):
                return _error(_('This server does not run on a configured Docker host.'), 404, retry=False)
            return _error(_('The container of this server was not found on its Docker host.'), 404, retry=True)
        except dd_exceptions.DockerDashboardError as error:
            return _error(_('The Docker host could not report usage: %s') % error, 502, retry=True)
        response = http.JsonResponse({'running': True, 'paused': bool(container.state.get('Paused')),
                                      'sample': sample.as_dict()})
        response['Cache-Control'] = 'no-store'
        return response
