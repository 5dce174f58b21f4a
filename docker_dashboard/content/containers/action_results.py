"""What became of the actions Nova accepted.

Nova answers 202 to start, stop, pause or reboot and the compute host does the work later; a failure
there leaves the server as it was and shows only in the instance action log (which the owner may read).
The table remembers each requested action in the session; when a page or a refreshed row next shows
that server settled (no task), its action log is read once and a failure becomes a warning.
"""
import datetime
import time

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from oslo_utils import timeutils

from horizon import exceptions
from horizon import messages

from docker_dashboard import api

SESSION_KEY = 'docker_dashboard_requested_actions'
# An action still unsettled after this is no longer reported (the row shows the server's state anyway).
KEEP_SECONDS = 15 * 60
MAX_REMEMBERED = 50
# Horizon's and Nova's clocks may differ by this much.
CLOCK_SLACK_SECONDS = 60

ACTION_LABELS = {
    'start': pgettext_lazy('Nova server action', 'Start'),
    'stop': pgettext_lazy('Nova server action', 'Stop'),
    'pause': pgettext_lazy('Nova server action', 'Pause'),
    'unpause': pgettext_lazy('Nova server action', 'Unpause'),
    'reboot': pgettext_lazy('Nova server action', 'Reboot'),
    'delete': pgettext_lazy('Nova server action', 'Delete'),
    'create': pgettext_lazy('Nova server action', 'Create'),
    'rebuild': pgettext_lazy('Nova server action', 'Rebuild'),
    'resize': pgettext_lazy('Nova server action', 'Resize or migration'),
    'confirmResize': pgettext_lazy('Nova server action', 'Confirm resize'),
    'revertResize': pgettext_lazy('Nova server action', 'Revert resize'),
}
# A resize and a cold migration share Nova's task states; Nova logs them as 'resize' or 'migrate'.
SAME_ACTION = {'resize': ('resize', 'migrate')}
# Task states of a resize or migration under way (Horizon's own dialog or the CLI may have started it).
RESIZING = ('resize_', 'migrating')


def remember(request, server_id, nova_action, started_before=0.0):
    """Note that `nova_action` was requested on `server_id` just now (or, seen under way, up to
    `started_before` seconds ago)."""
    now = time.time()
    entries = [entry for entry in request.session.get(SESSION_KEY) or ()
               if entry['server_id'] != str(server_id) and now - entry['at'] < KEEP_SECONDS]
    entries.append({'server_id': str(server_id), 'action': nova_action, 'at': now,
                    'since': now - started_before})
    request.session[SESSION_KEY] = entries[-MAX_REMEMBERED:]


def report(request, servers):
    """Warn about requested actions that failed on the settled servers among `servers`, then forget them."""
    watch_resizes(request, servers)
    entries = request.session.get(SESSION_KEY)
    if not entries:
        return
    now = time.time()
    settled = {str(server.id): server for server in servers
               if not getattr(server, 'OS-EXT-STS:task_state', None)}
    keep = []
    for entry in entries:
        if now - entry['at'] >= KEEP_SECONDS:
            continue
        server = settled.get(entry['server_id'])
        if server is None:
            keep.append(entry)  # still under way, or not on this page
            continue
        since = entry.get('since', entry['at']) - CLOCK_SLACK_SECONDS
        failure = failed_action(request, server.id, entry['action'], since=since)
        if failure is not None:
            label = ACTION_LABELS.get(entry['action'], entry['action'])
            messages.warning(request, _('%(action)s of container "%(name)s" failed: %(reason)s') % {
                'action': label, 'name': server.name or server.id, 'reason': failure_reason(request, server, failure)})
    if keep != entries:
        request.session[SESSION_KEY] = keep


def watch_resizes(request, servers):
    """Remember a resize or migration seen under way: it starts in Horizon's own Resize dialog (or the
    CLI), not in an action of this panel, and its failure must be reported like the others'."""
    known = {entry['server_id'] for entry in request.session.get(SESSION_KEY) or ()}
    for server in servers:
        task = getattr(server, 'OS-EXT-STS:task_state', None) or ''
        if task.startswith(RESIZING) and str(server.id) not in known:
            remember(request, server.id, 'resize', started_before=KEEP_SECONDS)


def _started(action):
    try:
        started = timeutils.parse_isotime(action.start_time)
    except (TypeError, ValueError, AttributeError):
        return 0.0
    if started.tzinfo is None:
        started = started.replace(tzinfo=datetime.timezone.utc)  # Nova's times are UTC
    return started.timestamp()


def _actions(request, server_id):
    try:
        return api.nova.server_actions(request, server_id)
    except Exception:
        exceptions.handle(request, ignore=True)
        return []


def failed_action(request, server_id, nova_action, since):
    """The newest `nova_action` started after `since` (epoch seconds) if Nova recorded it as failed."""
    names = SAME_ACTION.get(nova_action, (nova_action,))
    mine = [action for action in _actions(request, server_id)
            if action.action in names and _started(action) >= since]
    if not mine:
        return None
    newest = max(mine, key=_started)
    return newest if getattr(newest, 'message', None) else None


def last_action(request, server_id):
    """The server's newest instance action, or None."""
    actions = _actions(request, server_id)
    return max(actions, key=_started) if actions else None


def failure_reason(request, server, action):
    """Nova's words for why `action` failed: the server's fault, else its failed event's details or result."""
    fault = (getattr(server, 'fault', None) or {}).get('message')
    if fault:
        return fault
    return event_result(request, server.id, action) or action.message


def event_result(request, server_id, action):
    """The details of the action's failed (else last) event, else "<event>: <result>"; '' when Nova shows none."""
    try:
        events = api.nova.server_action_events(request, server_id, action.request_id)
    except Exception:
        exceptions.handle(request, ignore=True)
        return ''
    if not events:
        return ''
    failed = [event for event in events if (event.get('result') or '').lower() == 'error']
    event = (failed or events)[-1]
    if event.get('details'):
        return event['details']  # Nova's own words (shown to those whom policy lets see them)
    return '%s: %s' % (event.get('event') or action.action, event.get('result') or _('no result yet'))


def not_created_reason(request, server):
    """Why a server in ERROR has no container: Nova's fault, else its last action's outcome."""
    fault = (getattr(server, 'fault', None) or {}).get('message')
    if fault:
        return _('The container was not created: %s') % fault
    reason = _('The container was not created: Nova recorded no reason.')
    action = last_action(request, server.id)
    outcome = event_result(request, server.id, action) if action else ''
    if not outcome:
        return reason
    return '%s %s' % (reason, _('Last action: %(action)s (%(outcome)s).') % {
        'action': ACTION_LABELS.get(action.action, action.action), 'outcome': outcome})
