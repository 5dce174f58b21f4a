"""The Console tab: a terminal on the server's Nova serial console, and the URL endpoint its script calls.

Interactive access goes through Nova (security invariant 2): the page holds no console URL. Each time the
tab's script connects it POSTs to ConsoleURLView, which asks Nova with the user's token for a new
serial console URL (a single-session, short-lived token); the browser then opens the websocket to
nova-serialproxy itself. Terminal size travels in-band as xterm's `ESC [ 8 ; rows ; cols t`, which the
driver's endpoint takes out of the input (the serial protocol has no resize channel).
"""
from __future__ import annotations

import logging
import re

from django import http
from django.middleware import csrf
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views import generic
from horizon import tables
from horizon import tabs
from novaclient import exceptions as nova_exceptions
from openstack_dashboard import policy

from docker_dashboard import api

LOG = logging.getLogger(__name__)

POLICY_RULES = (('compute', 'os_compute_api:os-remote-consoles'),)
TAB_QUERY = 'tab=container_details__console'
# Terminal resize after the last window resize event, in milliseconds (the script debounces).
RESIZE_DEBOUNCE_MS = 150
NOVA_MESSAGE_MAX = 300
NOT_RUNNING_STATES = ('created', 'exited', 'dead', 'paused', 'removing')
_VM_STATE = re.compile(r'vm_state (\w+)')


def console_tab_url(server_id: str) -> str:
    return reverse('horizon:project:docker_containers:detail', args=[server_id]) + '?' + TAB_QUERY


class ConsoleTab(policy.PolicyTargetMixin, tabs.Tab):
    name = _('Console')
    slug = 'console'
    template_name = 'docker_dashboard/containers/_detail_console.html'
    preload = False
    policy_rules = POLICY_RULES

    def get_context_data(self, request):
        server = self.tab_group.kwargs['server']
        return {
            'server': server,
            'console_url_endpoint': reverse('horizon:project:docker_containers:console_url', args=[server.id]),
            # The tab is rendered without a RequestContext: the script sends this with its POST.
            'csrf_token_value': csrf.get_token(request),
            'resize_debounce_ms': RESIZE_DEBOUNCE_MS,
        }


class OpenConsole(policy.PolicyTargetMixin, tables.LinkAction):
    """Row action: the detail page with the Console tab open."""

    name = 'console'
    verbose_name = _('Console')
    icon = 'terminal'
    policy_rules = POLICY_RULES

    def get_link_url(self, datum):
        return console_tab_url(datum.id)

    def allowed(self, request, server=None):
        # Nova gives a serial console only to a running server; a row that is busy, or whose process Docker
        # already saw end, offers none either.
        return (server is not None and server.status == 'ACTIVE'
                and not getattr(server, 'OS-EXT-STS:task_state', None)
                and getattr(server, 'docker_state', '') not in NOT_RUNNING_STATES)


def _nova_message(error: Exception) -> str:
    text = str(getattr(error, 'message', '') or '')
    return text[:NOVA_MESSAGE_MAX]


def console_error_message(error: Exception, server_status: str | None = None) -> str:
    """What the tab says when Nova gives no console URL (Nova's text only where it names no host).

    Nova's 409 says "vm_state stopped" when its API refuses, but only "is not ready" when the compute
    host does: `server_status` (Nova's status of the server, read after the refusal) tells those apart.
    """
    if isinstance(error, nova_exceptions.Conflict):
        match = _VM_STATE.search(_nova_message(error))
        state = match.group(1) if match else (server_status or '').lower()
        if state in ('stopped', 'shutoff', 'shelved', 'shelved_offloaded'):
            return gettext('The container is stopped: start it to open a console.')
        if state in ('paused', 'suspended'):
            return gettext('The container is paused: unpause it to open a console.')
        return gettext('The container is not running or is busy with another action: '
                       'no console can be opened now.')
    if isinstance(error, nova_exceptions.Forbidden):
        return gettext('You are not allowed to open a console on this container.')
    if isinstance(error, nova_exceptions.NotFound):
        return gettext('This container does not exist or you are not allowed to see it.')
    if isinstance(error, nova_exceptions.HTTPNotImplemented):
        return gettext('The compute host of this container offers no console.')
    if isinstance(error, nova_exceptions.BadRequest):
        text = _nova_message(error)
        if 'Unavailable console type' in text:
            return gettext('Serial consoles are disabled on this cloud.')
        # Nova's own refusals (session limits reached, no free port): its wording says which.
        return gettext('Nova could not open a console: %s') % text
    return gettext('Nova could not be asked for a console; try again later.')


def _server_status(request, server_id: str) -> str | None:
    try:
        return api.nova.server_get(request, server_id).status
    except Exception:
        return None


class ConsoleURLView(generic.View):
    """POST: {"url": <nova-serialproxy URL with a new console token>} or {"error": <message>}."""

    def post(self, request, server_id):
        try:
            url = api.nova.server_serial_console_url(request, server_id)
        except Exception as error:
            # The token is never logged; the error's class says enough for an operator.
            LOG.info('serial console refused for a server: %s', type(error).__name__)
            status = getattr(error, 'code', None) or getattr(error, 'http_status', None)
            status = status if isinstance(status, int) and 400 <= status < 600 else 502
            server_status = _server_status(request, server_id) if status == 409 else None
            response = http.JsonResponse({'error': console_error_message(error, server_status)}, status=status)
        else:
            response = http.JsonResponse({'url': url})
        response['Cache-Control'] = 'no-store'
        return response
