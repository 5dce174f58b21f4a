"""Docker events become Nova lifecycle events (nova_docker.events): a container exiting by itself,
pause/unpause, a restart, nova-compute start-up, and a broken, a stalled and a restarted daemon.

The recorder stands where the compute manager's handler does (``register_event_listener``)."""
from __future__ import annotations

import threading
import time

import pytest
from tests.driver.driver_helpers import spawn, wait_for

from nova.virt import event as virtevent

from nova_docker import client as docker_client
from nova_docker import containers
from nova_docker import events

pytestmark = pytest.mark.docker

STARTED = virtevent.EVENT_LIFECYCLE_STARTED
STOPPED = virtevent.EVENT_LIFECYCLE_STOPPED
PAUSED = virtevent.EVENT_LIFECYCLE_PAUSED
RESUMED = virtevent.EVENT_LIFECYCLE_RESUMED
NAMES = {STARTED: 'STARTED', STOPPED: 'STOPPED', PAUSED: 'PAUSED', RESUMED: 'RESUMED'}


class Recorder:
    """The compute manager's side: every LifecycleEvent it is handed, in order."""

    def __init__(self) -> None:
        self.events: list[virtevent.LifecycleEvent] = []
        self._lock = threading.Lock()

    def __call__(self, event: virtevent.LifecycleEvent) -> None:
        assert isinstance(event, virtevent.LifecycleEvent)
        with self._lock:
            self.events.append(event)

    def of(self, uuid: str) -> list[str]:
        with self._lock:
            return [NAMES.get(e.transition, str(e.transition)) for e in self.events if e.uuid == uuid]

    def wait(self, uuid: str, name: str, timeout: float = 15.0, after: int = 0) -> list[str]:
        """Wait until ``name`` is among the events of ``uuid`` from index ``after`` on."""
        try:
            return wait_for(lambda: name in self.of(uuid)[after:] and self.of(uuid), timeout)
        except AssertionError:
            raise AssertionError(f'no {name} for {uuid} within {timeout}s; got {self.of(uuid)}')


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


def name_of(instance) -> str:
    return containers.container_name(instance.uuid)


def test_a_container_exiting_by_itself_is_a_stopped_event(make_driver, ctx, app_image, docker_cli,
                                                          recorder):
    drv = make_driver()
    drv.register_event_listener(recorder)
    instance = spawn(drv, ctx, app_image, metadata={'docker_command': 'sh -c "sleep 2"'})
    recorder.wait(instance.uuid, 'STARTED')
    wait_for(lambda: docker_cli.inspect_container(name_of(instance))['State']['Status'] == 'exited', 15)
    exited = time.monotonic()
    recorder.wait(instance.uuid, 'STOPPED', timeout=10)
    # STOPPED waits the restart window (libvirt's delayed STOPPED), and not much more
    lag = time.monotonic() - exited
    assert lag < events.STOPPED_DELAY + 3, lag
    assert recorder.of(instance.uuid)[-1] == 'STOPPED'
    # Once more a little later (Nova ignores events while a task such as the boot is still running),
    # and only once.
    seen = recorder.of(instance.uuid).index('STOPPED') + 1
    recorder.wait(instance.uuid, 'STOPPED', after=seen, timeout=events.STOPPED_AGAIN + 3)
    time.sleep(events.STOPPED_AGAIN + 1)
    assert recorder.of(instance.uuid)[-3:] == ['STARTED', 'STOPPED', 'STOPPED']


def test_pause_and_unpause_are_paused_and_resumed_events(drv, ctx, app_image, recorder):
    drv.register_event_listener(recorder)
    instance = spawn(drv, ctx, app_image)
    recorder.wait(instance.uuid, 'STARTED')
    drv.pause(instance)
    seen = len(recorder.wait(instance.uuid, 'PAUSED'))
    drv.unpause(instance)
    recorder.wait(instance.uuid, 'RESUMED', after=seen)
    assert recorder.of(instance.uuid)[-2:] == ['PAUSED', 'RESUMED']


def test_a_restart_is_no_stopped_event_but_a_stop_is(drv, ctx, app_image, docker_cli, recorder):
    drv.register_event_listener(recorder)
    instance = spawn(drv, ctx, app_image)
    seen = len(recorder.wait(instance.uuid, 'STARTED'))
    docker_cli.restart(name_of(instance), timeout=5)  # die, then start at once
    recorder.wait(instance.uuid, 'STARTED', after=seen)
    time.sleep(events.STOPPED_DELAY + 1)
    assert 'STOPPED' not in recorder.of(instance.uuid), recorder.of(instance.uuid)
    drv.power_off(instance, timeout=5)
    recorder.wait(instance.uuid, 'STOPPED')


def test_compute_start_emits_every_containers_state_once_nova_listens(make_driver, ctx, app_image,
                                                                        recorder):
    first = make_driver()
    running, stopped, paused = (spawn(first, ctx, app_image) for _ in range(3))
    first.power_off(stopped, timeout=5)
    first.pause(paused)
    restarted = make_driver()  # a restarted nova-compute: init_host, then Nova registers its handler
    time.sleep(1)
    restarted.register_event_listener(recorder)
    assert recorder.wait(running.uuid, 'STARTED') == ['STARTED']
    assert recorder.wait(paused.uuid, 'PAUSED') == ['PAUSED']
    assert recorder.wait(stopped.uuid, 'STOPPED') == ['STOPPED']


def test_listener_reconnects_after_the_stream_breaks_and_reports_what_happened_meanwhile(
        make_driver, ctx, app_image, docker_cli, docker_opt, relay, recorder):
    docker_opt('api_url', relay.url)
    drv = make_driver()
    drv.register_event_listener(recorder)
    instance = spawn(drv, ctx, app_image)
    recorder.wait(instance.uuid, 'STARTED')
    relay.refuse = True
    assert relay.drop() >= 1
    docker_cli.stop(name_of(instance), timeout=5)  # behind the listener's back, while it is cut off
    time.sleep(2)
    assert 'STOPPED' not in recorder.of(instance.uuid)
    relay.refuse = False
    recorder.wait(instance.uuid, 'STOPPED', timeout=20)
    # and it follows live events again
    seen = len(recorder.of(instance.uuid))
    docker_cli.start(name_of(instance))
    recorder.wait(instance.uuid, 'STARTED', after=seen)


def test_a_stalled_stream_is_renewed_since_the_last_event_seen(drv, ctx, app_image, docker_cli, docker_opt,
                                                               relay, recorder):
    instance = spawn(drv, ctx, app_image)
    docker_opt('api_url', relay.url)
    listener = events.EventListener(docker_client.DockerAPI(), recorder, idle_seconds=1.5)
    listener.listen(True)
    listener.start()
    try:
        recorder.wait(instance.uuid, 'STARTED')
        assert relay.stall_events() >= 1
        # This event is swallowed on its way: only a resubscription `since` the last event seen brings
        # it back (a renewed idle stream does not re-read the containers' states).
        docker_cli.pause(name_of(instance))
        assert recorder.wait(instance.uuid, 'PAUSED', timeout=10)[-1] == 'PAUSED'
    finally:
        listener.stop()


def test_listener_survives_a_dockerd_restart(daemon, make_driver, ctx, app_image, docker_cli, recorder):
    drv = make_driver()
    drv.register_event_listener(recorder)
    instance = spawn(drv, ctx, app_image)
    recorder.wait(instance.uuid, 'STARTED')
    daemon.stop()  # stops the container too
    daemon.start()
    recorder.wait(instance.uuid, 'STOPPED', timeout=30)
    seen = len(recorder.of(instance.uuid))
    docker_cli.start(name_of(instance))
    recorder.wait(instance.uuid, 'STARTED', after=seen, timeout=30)
