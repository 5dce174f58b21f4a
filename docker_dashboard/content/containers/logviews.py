"""The live-log view: page, Server-Sent Events stream, search and download of a container's output.

Every request starts from the Nova server fetched with the user's token (invariant 1); the container
and host are derived from it. Log text is untrusted: it travels as JSON strings and is only ever set
as text in the browser; downloads are text/plain attachments with a sanitised file name.

Streaming uses SSE over a StreamingHttpResponse, which works under mod_wsgi, uwsgi and gunicorn: each
open stream holds one worker thread for at most logs.follow_max_seconds, then the browser reconnects
from its cursor (see README: run Horizon with threads, e.g. uwsgi --threads, above logs.max_streams).
"""
from __future__ import annotations

import json
import logging
import re
import time
from datetime import datetime, timezone

from django import http
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import generic
from horizon import exceptions as horizon_exceptions

from docker_dashboard import api
from docker_dashboard import conf
from docker_dashboard import exceptions as dd_exceptions
from docker_dashboard.api.log_follow import Cursor
from docker_dashboard.api.log_follow import StreamSlots
from docker_dashboard.content.containers import logsearch

LOG = logging.getLogger(__name__)
HEARTBEAT_SECONDS = 2.0
DOWNLOAD_PIECE = 64 * 1024
_PRESET = re.compile(r'^(\d{1,6})([smhd])$')
_COUNT = re.compile(r'^[0-9]{1,9}$')   # ASCII digits only: str.isdigit() takes '²', which int() refuses
_UNITS = {'s': 1, 'm': 60, 'h': 3600, 'd': 86400}
_FILENAME_UNSAFE = re.compile(r'[^A-Za-z0-9._-]+')


class UserError(Exception):
    """Bad input from the request; the message is for the user."""


def _flag(request, name: str, default: bool = False) -> bool:
    value = request.GET.get(name)
    return default if value is None else value in ('1', 'true', 'on', 'yes')


def parse_time(value: str | None, name: str) -> datetime | None:
    """`5m`/`1h`/`24h`/`7d` (that long ago) or an ISO 8601 time with a zone; None when empty."""
    if not value:
        return None
    preset = _PRESET.match(value)
    try:
        if preset:
            seconds = time.time() - int(preset.group(1)) * _UNITS[preset.group(2)]
            return datetime.fromtimestamp(seconds, tz=timezone.utc)
        parsed = datetime.fromisoformat(value.replace('Z', '+00:00'))
    except (ValueError, OverflowError, OSError):   # also a period reaching before the year 1
        raise UserError(_('"%s" must be a time such as 2026-11-23T10:00:00Z or a period such as 15m.') % name)
    if parsed.tzinfo is None:
        raise UserError(_('"%s" needs a time zone, e.g. 2026-11-23T10:00:00+01:00.') % name)
    return parsed


def parse_tail(request, default: int | str) -> int | str:
    """`?tail=`: a number of lines up to logs.max_tail, or "all"; checked before any host is asked."""
    value = request.GET.get('tail')
    if value in (None, ''):
        return default
    if value == 'all':
        return 'all'
    if not _COUNT.match(value):
        raise UserError(_('The number of lines must be a whole number or "all".'))
    most = conf.get_settings().logs.max_tail
    if int(value) > most:
        raise UserError(_('At most %d lines can be shown at once.') % most)
    return int(value)


def streams(request) -> dict:
    choice = {'stdout': _flag(request, 'stdout', True), 'stderr': _flag(request, 'stderr', True)}
    if not (choice['stdout'] or choice['stderr']):
        raise UserError(_('Choose stdout, stderr or both.'))
    return choice


def json_text(data: object) -> str:
    """JSON on one line with markup characters escaped, so no consumer can mistake it for HTML.

    json.dumps escapes every non-ASCII character (U+2028 and U+2029 included), so only <, > and & are left.
    """
    return json.dumps(data, separators=(',', ':')).replace('<', '\\u003c').replace('>', '\\u003e').replace(
        '&', '\\u0026')


def json_response(data: object, status: int = 200) -> http.HttpResponse:
    """JSON with markup characters escaped (Django's JsonResponse leaves log text's `<` as it is)."""
    return http.HttpResponse(json_text(data), status=status, content_type='application/json')


def line_json(line) -> list:
    """[stream, timestamp, text, truncated]: compact, and JSON-escaped (never HTML)."""
    return ['e' if line.stream == 'stderr' else 'o', line.timestamp or '', line.text, line.truncated]


def block_json(block) -> dict:
    """A LineBlock for the browser: {"s": one 'o'/'e' per line, "t": the lines joined by newlines, each
    "<timestamp> <text>", "c": indexes of cut lines}. One JSON string for the whole batch: per-line JSON
    would cost more than reading the lines from dockerd."""
    return {'s': block.streams, 't': block.text, 'c': list(block.cut)}


def server_container(request, server_id: str):
    """The container of a server this user can see; raises what the views turn into messages."""
    server = api.nova.server_get(request, server_id)
    return server, api.containers.container_for_server(request, server)


def _not_visible(error: Exception) -> str:
    # Nova errors (including 404 for other projects' servers) read the same: nothing leaks.
    LOG.info('log view refused: %s', type(error).__name__)
    return _('This container does not exist or you are not allowed to see it.')


class LiveLogsView(generic.TemplateView):
    """The full-page live-log view (the Logs tab embeds the same component)."""

    template_name = 'docker_dashboard/containers/logs.html'

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        server_id = self.kwargs['server_id']
        try:
            server = api.nova.server_get(self.request, server_id)
        except horizon_exceptions.NOT_FOUND as error:
            raise http.Http404(_not_visible(error))   # missing and "not yours" read the same
        except Exception:
            # Nova failed (down, 5xx): the same for every id, so saying so reveals nothing
            horizon_exceptions.handle(self.request, _('Unable to retrieve the container: %s') % server_id,
                                      redirect=reverse('horizon:project:docker_containers:index'))
        context.update({'server': server, 'page_title': _('Logs of %s') % (server.name or server.id)})
        context.update(live_log_context(self.request, server.id))
        return context


def live_log_context(request, server_id: str) -> dict:
    """What the live-log component needs: its endpoints and the user's Horizon time zone."""
    base = reverse('horizon:project:docker_containers:detail', args=[server_id])
    limits = conf.get_settings().logs
    return {'log_urls': {'stream': base + 'logs/stream', 'search': base + 'logs/search',
                         'download': base + 'logs/download', 'page': base + 'logs/'},
            'log_timezone': request.COOKIES.get('django_timezone') or request.session.get('django_timezone') or 'UTC',
            'log_default_tail': limits.default_tail, 'log_max_tail': limits.max_tail}


class LogSearchView(generic.View):
    """JSON: matching lines (with context) from a window of the log, bounded by logs.max_bytes."""

    def get(self, request, server_id):
        try:
            context = request.GET.get('context') or '0'
            if not _COUNT.match(context):
                raise UserError(_('Context must be a number of lines.'))
            query = logsearch.Query(text=request.GET.get('q', ''), is_regex=_flag(request, 'regex'),
                                    case_sensitive=_flag(request, 'case'), invert=_flag(request, 'invert'),
                                    context=int(context))
            query.matcher()  # validate before touching any host
            tail = parse_tail(request, conf.get_settings().logs.max_tail)
            since, until = parse_time(request.GET.get('since'), 'since'), parse_time(request.GET.get('until'), 'until')
            chosen = streams(request)
        except (logsearch.SearchError, UserError) as error:
            return json_response({'error': str(error)}, status=400)
        try:
            _server, container = server_container(request, server_id)
        except dd_exceptions.DockerDashboardError as error:
            return json_response({'error': str(error)}, status=502)
        except Exception as error:
            return json_response({'error': _not_visible(error)}, status=404)
        hits = []
        try:
            with api.logs.container_logs(container, tail=tail, since=since, until=until, timestamps=True,
                                         **chosen) as stream:
                for hit in logsearch.search_lines(stream, query):
                    hits.append(line_json(hit.line) + [hit.is_match, hit.gap_before])
                reason = stream.end_reason
        except (logsearch.SearchError, dd_exceptions.LogLimitExceeded) as error:
            return json_response({'error': str(error)}, status=400)
        except dd_exceptions.DockerDashboardError as error:
            return json_response({'error': str(error)}, status=502)
        return json_response({'hits': hits, 'end': reason, 'complete': reason in ('eof', 'closed')})


class LogStreamView(generic.View):
    """text/event-stream of new lines; resumes from Last-Event-ID (or ?cursor=) with nothing lost."""

    def get(self, request, server_id):
        try:
            # The slot first: a refusal under load costs no Nova or Docker round trip (the threads left
            # for pages are few, see wsgi_threads).
            StreamSlots.acquire()
        except dd_exceptions.LogLimitExceeded as error:
            return self.single_event('failed', {'message': str(error), 'retry': False})
        try:
            cursor = Cursor.parse(request.headers.get('Last-Event-ID') or request.GET.get('cursor'))
            tail = parse_tail(request, conf.get_settings().logs.default_tail)
            since = parse_time(request.GET.get('since'), 'since')
            chosen = streams(request)
            _server, container = server_container(request, server_id)
        except Exception as error:
            StreamSlots.release()
            return self.refused(error)
        try:
            follower = api.log_follow.follow_container(container, cursor=cursor, tail=tail, since=since, **chosen)
        except dd_exceptions.DockerDashboardError as error:
            StreamSlots.release()
            return self.single_event('failed', {'message': str(error),
                                                'retry': isinstance(error, dd_exceptions.DockerHostUnreachable)})
        running = bool(container.state.get('Running'))
        response = http.StreamingHttpResponse(self.events(follower, running), content_type='text/event-stream')
        response['Cache-Control'] = 'no-cache, no-store'
        response['X-Accel-Buffering'] = 'no'   # nginx/Apache proxies must not buffer the stream
        return response

    def refused(self, error: Exception) -> http.HttpResponse:
        """The single `failed` event for a stream that cannot start; only an unreachable host is retried."""
        if isinstance(error, (UserError, dd_exceptions.DockerDashboardError)):
            retry = isinstance(error, dd_exceptions.DockerHostUnreachable)
            return self.single_event('failed', {'message': str(error), 'retry': retry})
        return self.single_event('failed', {'message': _not_visible(error), 'retry': False})

    @staticmethod
    def sse(event: str, data: object, event_id: str | None = None) -> bytes:
        head = f'id: {event_id}\n' if event_id else ''
        return f'{head}event: {event}\ndata: {json_text(data)}\n\n'.encode()

    def single_event(self, event: str, data: dict) -> http.HttpResponse:
        response = http.HttpResponse(b'retry: 3000\n\n' + self.sse(event, data), content_type='text/event-stream')
        response['Cache-Control'] = 'no-cache, no-store'
        return response

    def events(self, follower, running: bool):
        try:
            yield b'retry: 1000\n\n'
            yield self.sse('hello', {'running': running})
            for block in follower.batches(heartbeat=HEARTBEAT_SECONDS):
                if block.count:
                    yield self.sse('lines', block_json(block), str(follower.cursor) if follower.cursor else None)
                else:
                    # A comment line: keeps proxies open and makes a gone browser show up as a failed write.
                    yield b': keepalive\n\n'
            message = {'time': _('Reconnecting...'), 'bytes': _('Reconnecting...'),
                       'eof': _('The container stopped; this is all it wrote.'),
                       'unreachable': _('The Docker host stopped answering; retrying.')}.get(
                follower.end_reason, _('The log stream ended.'))
            yield self.sse('end', {'reason': follower.end_reason, 'message': message,
                                   'cursor': str(follower.cursor) if follower.cursor else None})
        finally:
            follower.close()
            StreamSlots.release()


class LogDownloadView(generic.View):
    """The log (or a window / search of it) as a text file, streamed from the host, never held whole."""

    def get(self, request, server_id):
        try:
            tail = parse_tail(request, 'all')
            since, until = parse_time(request.GET.get('since'), 'since'), parse_time(request.GET.get('until'), 'until')
            chosen = streams(request)
            query = None
            if request.GET.get('q'):
                query = logsearch.Query(text=request.GET['q'], is_regex=_flag(request, 'regex'),
                                        case_sensitive=_flag(request, 'case'), invert=_flag(request, 'invert'))
                query.matcher()
        except (UserError, logsearch.SearchError) as error:
            return http.HttpResponseBadRequest(str(error), content_type='text/plain; charset=utf-8')
        try:
            server, container = server_container(request, server_id)
            stream = api.logs.container_logs(container, tail=tail, since=since, until=until, timestamps=True,
                                              download=True, **chosen)
        except dd_exceptions.LogLimitExceeded as error:   # the request asked for too much: not a host failure
            return http.HttpResponseBadRequest(str(error), content_type='text/plain; charset=utf-8')
        except dd_exceptions.DockerDashboardError as error:
            return http.HttpResponse(str(error), status=502, content_type='text/plain; charset=utf-8')
        except Exception as error:
            return http.HttpResponseNotFound(_not_visible(error), content_type='text/plain; charset=utf-8')
        with_times, with_streams = _flag(request, 'timestamps', True), _flag(request, 'marks', True)
        # the view shows a cut line with a mark; the file says so in words (translated now: the body is
        # produced after the request's language is gone)
        cut_mark = _('[line cut at %d bytes]') % conf.get_settings().logs.max_line_bytes
        response = http.StreamingHttpResponse(
            self.lines(stream, query, with_times, with_streams, cut_mark), content_type='text/plain; charset=utf-8')
        response['Content-Disposition'] = f'attachment; filename="{download_name(server, container)}"'
        return response

    @staticmethod
    def lines(stream, query, with_times: bool, with_streams: bool, cut_mark: str):
        with stream:
            source = (hit.line for hit in logsearch.search_lines(stream, query, max_hits=10 ** 12)) \
                if query else stream
            pending, size = [], 0   # lines go out in pieces of about DOWNLOAD_PIECE bytes, not one by one
            try:
                for line in source:
                    parts = []
                    if with_times and line.timestamp:
                        parts.append(line.timestamp)
                    if with_streams:
                        parts.append(line.stream)
                    parts.append(line.text)
                    if line.truncated:
                        parts.append(cut_mark)
                    pending.append(' '.join(parts))
                    size += len(pending[-1])
                    if size >= DOWNLOAD_PIECE:
                        yield ('\n'.join(pending) + '\n').encode('utf-8', 'replace')
                        pending, size = [], 0
            except (dd_exceptions.DockerDashboardError, logsearch.SearchError) as error:
                yield ''.join(line + '\n' for line in pending).encode('utf-8', 'replace')
                yield ('\n[download interrupted: %s]\n' % error).encode()
                return
            if pending:
                yield ('\n'.join(pending) + '\n').encode('utf-8', 'replace')
            if stream.end_reason in ('bytes', 'time'):
                yield ('\n[download stopped at the configured %s limit]\n' % stream.end_reason).encode()


def download_name(server, container) -> str:
    """A file name built from the server name, stripped to characters safe in any header or shell."""
    base = _FILENAME_UNSAFE.sub('_', getattr(server, 'name', '') or 'container').strip('._-')[:60] or 'container'
    return f'{base}-{container.short_id}.log'
