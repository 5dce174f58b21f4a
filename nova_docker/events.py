"""Docker's container events as Nova lifecycle events, the way the libvirt driver reports domain events.

A reader thread follows ``GET /events`` (this driver's containers only) and a dispatcher thread hands
the resulting ``LifecycleEvent``s to the compute manager through ``emit_event``, so a container whose
process exits by itself is SHUTOFF in Nova at once instead of at the next power-state sync.

- start -> STARTED, die -> STOPPED, pause -> PAUSED, unpause -> RESUMED. ``kill`` and ``oom`` are
  followed by ``die`` when the container really ends; ``destroy`` only drops what is still pending.
- STOPPED waits ``stopped_delay`` seconds and is dropped if another event of the same instance comes
  first (a restart is die + start), like libvirt's delayed STOPPED. A STOPPED from an event is emitted
  once more ``STOPPED_AGAIN`` seconds later (unless overtaken): Nova ignores events while the instance
  has a task, and a one-shot command typically ends while Nova is still finishing the boot. Only the
  latest pending event of an instance is kept: Nova compares every event with get_info, so an
  overtaken one would be ignored anyway.
- Events wait until Nova registers its handler (after init_host); the first subscription, and every
  one after a failure, emits the current state of each container (a dockerd restart forgets its
  events). A resubscription asks for events ``since`` the last one seen (less a second; repeats are
  dropped), so a broken or stalled stream loses nothing; reconnects back off up to ``MAX_BACKOFF`` seconds.
- Every read waits at most ``idle_seconds`` (then the stream is renewed), an event line is at most
  ``MAX_LINE_BYTES`` and one subscription reads at most ``MAX_STREAM_BYTES`` for at most
  ``MAX_STREAM_SECONDS``.

Plain ``threading`` threads: native under nova 34's default threading mode, green when nova-compute
runs under eventlet (which patches ``threading``); either way nothing blocks the compute manager.
"""
from __future__ import annotations

import email.utils
import json
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import docker.types
import requests
import urllib3.exceptions
from oslo_log import log as logging
from oslo_utils import uuidutils

from nova.virt import event as virtevent

from nova_docker import client as docker_client
from nova_docker import conf as docker_conf
from nova_docker import containers

LOG = logging.getLogger(__name__)
CONF = docker_conf.CONF

TRANSITIONS = {'start': virtevent.EVENT_LIFECYCLE_STARTED, 'die': virtevent.EVENT_LIFECYCLE_STOPPED,
               'pause': virtevent.EVENT_LIFECYCLE_PAUSED, 'unpause': virtevent.EVENT_LIFECYCLE_RESUMED}
# Container states of `docker ps` as the transition that leads to them.
STATE_TRANSITIONS = {'running': virtevent.EVENT_LIFECYCLE_STARTED,
                     'restarting': virtevent.EVENT_LIFECYCLE_STARTED,
                     'paused': virtevent.EVENT_LIFECYCLE_PAUSED,
                     'created': virtevent.EVENT_LIFECYCLE_STOPPED,
                     'exited': virtevent.EVENT_LIFECYCLE_STOPPED,
                     'dead': virtevent.EVENT_LIFECYCLE_STOPPED}
FILTERS = json.dumps({'type': ['container'], 'label': [containers.LABEL_UUID],
                      'event': sorted(TRANSITIONS) + ['destroy', 'oom']})
STOPPED_DELAY = 2.0
STOPPED_AGAIN = 5.0
IDLE_SECONDS = 60.0
FIRST_BACKOFF = 0.5
MAX_BACKOFF = 5.0
MAX_LINE_BYTES = 1024 * 1024
MAX_STREAM_BYTES = 256 * 1024 * 1024
MAX_STREAM_SECONDS = 3600.0
REPLAY_MARGIN_NS = 10 ** 9
SEEN_PRUNE_AT = 4096


class _Pending:
    """The latest not yet emitted event of each instance: (monotonic time due, event, seconds after
    which to emit it once more or None)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._events: dict[str, tuple[float, virtevent.LifecycleEvent, float | None]] = {}
        self._listening = False
        self._closed = False

    def put(self, uuid: str, transition: int, delay: float, again: float | None = None) -> None:
        with self._cond:
            self._events[uuid] = (time.monotonic() + delay, virtevent.LifecycleEvent(uuid, transition),
                                  again)
            self._cond.notify()

    def drop(self, uuid: str) -> None:
        with self._cond:
            self._events.pop(uuid, None)

    def listen(self, listening: bool) -> None:
        with self._cond:
            self._listening = listening
            self._cond.notify()

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify()

    def take(self) -> virtevent.LifecycleEvent | None:
        """Block until an event is due and Nova listens; None once closed."""
        with self._cond:
            while not self._closed:
                wait = None
                if self._listening and self._events:
                    uuid, (due, event, again) = min(self._events.items(), key=lambda item: item[1][0])
                    wait = due - time.monotonic()
                    if wait <= 0:
                        del self._events[uuid]
                        if again is not None:
                            self._events[uuid] = (time.monotonic() + again,
                                                  virtevent.LifecycleEvent(uuid, event.transition), None)
                        return event
                self._cond.wait(wait)
            return None


def _timed_out(error: BaseException) -> bool:
    """Whether a read failed only because nothing arrived within the read timeout."""
    seen: set[int] = set()
    todo: list[Any] = [error]
    while todo:
        item = todo.pop()
        if not isinstance(item, BaseException) or id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, (urllib3.exceptions.ReadTimeoutError, requests.exceptions.ReadTimeout,
                             TimeoutError)):
            return True
        todo += [item.__cause__, item.__context__, *item.args]
    return False


def _daemon_time_ns(response: requests.Response) -> int | None:
    """The daemon's clock (whole seconds) from the response's Date header."""
    try:
        return int(email.utils.parsedate_to_datetime(response.headers['Date']).timestamp()) * 10 ** 9
    except (KeyError, TypeError, ValueError):
        return None


class EventListener:
    """Follows this host's Docker events and emits them to Nova (see the module docstring)."""

    def __init__(self, docker_api: docker_client.DockerAPI,
                 emit: Callable[[virtevent.LifecycleEvent], None], *,
                 stopped_delay: float = STOPPED_DELAY, idle_seconds: float = IDLE_SECONDS) -> None:
        self._docker = docker_api
        self._emit = emit
        self._stopped_delay = stopped_delay
        self._idle_seconds = idle_seconds
        self._pending = _Pending()
        self._stop = threading.Event()
        self._response: requests.Response | None = None
        self._cursor: int | None = None  # nanoseconds: the latest event time seen
        self._seen: set[tuple[int, str, str]] = set()  # (timeNano, id, action) of recent events
        self._prune_at = SEEN_PRUNE_AT
        self._reconcile = True
        self._threads = [threading.Thread(target=self._read, name='docker-events', daemon=True),
                         threading.Thread(target=self._dispatch, name='docker-events-emit', daemon=True)]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def listen(self, listening: bool) -> None:
        """Nova has (True) or no longer has (False) an event handler registered."""
        self._pending.listen(listening)

    def stop(self, wait: float = 5.0) -> None:
        """End both threads (the open stream is shut down, so the reader wakes at once)."""
        self._stop.set()
        self._pending.close()
        self._shutdown(self._response)
        for thread in self._threads:
            if thread.is_alive() and thread is not threading.current_thread():
                thread.join(wait)

    # -- dispatcher thread --------------------------------------------------------------------
    def _dispatch(self) -> None:
        while (event := self._pending.take()) is not None:
            try:
                self._emit(event)
            except Exception:  # one failed event must not end the stream of the others
                LOG.exception('Could not emit %s', event)

    # -- reader thread ------------------------------------------------------------------------
    def _read(self) -> None:
        backoff = FIRST_BACKOFF
        while not self._stop.is_set():
            begun = time.monotonic()
            try:
                renewed = self._follow()
            except Exception as error:  # down, refused, reset, HTTP error, bad line: follow again
                renewed = False
                if not self._stop.is_set():
                    # once per outage at warning level: a daemon that stays down is retried often
                    (LOG.warning if backoff == FIRST_BACKOFF else LOG.debug)(
                        'Docker event stream failed (%s); reconnecting in %.1f s',
                        type(error).__name__, backoff)
            if self._stop.is_set():
                return
            if renewed or time.monotonic() - begun > MAX_BACKOFF:
                backoff = FIRST_BACKOFF
            if not renewed:
                # Events may have been missed for good (a restarted daemon keeps none).
                self._reconcile = True
                self._stop.wait(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF)

    def _follow(self) -> bool:
        """One subscription; True when it ended by a bound (renew it), False when the stream broke."""
        client = self._docker.api
        params = {'filters': FILTERS}
        if self._cursor is not None:
            # Docker stamps an event before it queues it, so neighbours can arrive out of order: ask
            # for a margin before the last one seen; _seen drops what was already handled.
            since = max(0, self._cursor - REPLAY_MARGIN_NS)
            params['since'] = f'{since // 10 ** 9}.{since % 10 ** 9:09d}'
            self._prune_seen()
        response = client._get(client._url('/events'), params=params, stream=True,
                               timeout=(CONF.docker.api_timeout, self._idle_seconds))
        self._response = response
        try:
            if self._stop.is_set():
                return True
            client._raise_for_status(response)
            if self._cursor is None:
                self._cursor = _daemon_time_ns(response)
            if self._reconcile:
                self._emit_current_states()
                self._reconcile = False
            try:
                for line in self._lines(response):
                    self._handle(json.loads(line))
            except Exception as error:
                if self._stop.is_set() or _timed_out(error):
                    return True
                raise
            return self._stop.is_set()
        finally:
            self._response = None
            self._shutdown(response)

    def _lines(self, response: requests.Response) -> Iterator[bytes]:
        deadline = time.monotonic() + MAX_STREAM_SECONDS
        buffer = bytearray()
        total = 0
        for chunk in response.iter_content(chunk_size=None):
            total += len(chunk)
            buffer += chunk
            while (end := buffer.find(b'\n')) >= 0:
                line = bytes(buffer[:end])
                del buffer[:end + 1]
                if line.strip():
                    yield line
            if len(buffer) > MAX_LINE_BYTES:
                raise docker_client.StreamLimitExceeded(what='An event', reason='line too long')
            if total > MAX_STREAM_BYTES or time.monotonic() > deadline:
                raise TimeoutError('event stream renewed at its bound')
        if not self._stop.is_set():
            raise EOFError('the daemon ended the event stream')

    def _handle(self, message: dict) -> None:
        actor = message.get('Actor') or {}
        uuid = (actor.get('Attributes') or {}).get(containers.LABEL_UUID)
        action = message.get('Action') or message.get('status')
        time_ns = int(message.get('timeNano') or int(message.get('time') or 0) * 10 ** 9)
        key = (time_ns, str(actor.get('ID')), str(action))
        if key in self._seen:
            return  # replayed by `since`
        self._seen.add(key)
        self._cursor = max(self._cursor or 0, time_ns)
        if len(self._seen) > self._prune_at:
            self._prune_seen()
        if not uuidutils.is_uuid_like(uuid):
            return
        if action == 'destroy':
            self._pending.drop(uuid)
        elif action == 'oom':
            LOG.warning('A process of the container ran out of memory', instance_uuid=uuid)
        elif action in TRANSITIONS:
            self._queue(uuid, TRANSITIONS[action])

    def _prune_seen(self) -> None:
        """Forget events older than the replay margin: a resubscription cannot return them."""
        if self._cursor is not None:
            floor = self._cursor - REPLAY_MARGIN_NS
            self._seen = {key for key in self._seen if key[0] >= floor}
        self._prune_at = max(SEEN_PRUNE_AT, 2 * len(self._seen))

    def _emit_current_states(self) -> None:
        for container in self._docker.list_containers(containers.LABEL_UUID):
            uuid = (container.get('Labels') or {}).get(containers.LABEL_UUID)
            transition = STATE_TRANSITIONS.get(container.get('State'))
            if uuidutils.is_uuid_like(uuid) and transition is not None:
                self._queue(uuid, transition, again=None)  # a state read now, not a change

    def _queue(self, uuid: str, transition: int, again: float | None = STOPPED_AGAIN) -> None:
        if transition == virtevent.EVENT_LIFECYCLE_STOPPED:
            self._pending.put(uuid, transition, self._stopped_delay, again)
        else:
            self._pending.put(uuid, transition, 0.0)

    @staticmethod
    def _shutdown(response: requests.Response | None) -> None:
        """Shut the stream's socket down (wakes a blocked read in another thread), then close."""
        if response is None:
            return
        try:
            docker.types.CancellableStream(iter(()), response).close()
        except Exception:  # already closed, or closed under us
            pass
        response.close()
