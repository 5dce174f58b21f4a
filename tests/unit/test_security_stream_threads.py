"""Live log streams cannot take every worker thread of the web process (they hold one each for minutes)."""
import sys
from types import SimpleNamespace

import pytest
from django.test import override_settings

from docker_dashboard import conf
from docker_dashboard import wsgi_threads

SETTINGS = {'hosts': {'docker-host-1': {'url': 'unix:///nonexistent.sock'}}, 'logs': {'max_streams': 20}}


@pytest.mark.parametrize('threads,configured,expected', [
    (8, 20, 6),      # the stack's Horizon: 8 threads per process, 2 stay for pages
    (16, 20, 12),
    (64, 20, 20),    # plenty of threads: the configured limit holds
    (2, 20, 0),      # too few threads to spare any for streams
    (1, 20, 0),
    (None, 20, 20),  # unknown server (runserver, gunicorn): the configured limit
])
def test_stream_limit_leaves_threads_for_pages(threads, configured, expected):
    limit = wsgi_threads.stream_limit(configured, threads)
    assert limit == expected
    if threads is not None:
        assert limit == 0 or threads - limit >= 2


@pytest.fixture(autouse=True)
def fresh_settings():
    """get_settings() caches per settings object; each test reads them under its own server."""
    conf._validated[:] = [None, None]
    yield
    conf._validated[:] = [None, None]


@pytest.fixture
def fake_uwsgi(monkeypatch):
    module = SimpleNamespace(opt={'threads': b'8'})
    monkeypatch.setitem(sys.modules, 'uwsgi', module)
    return module


@override_settings(DOCKER_DASHBOARD=SETTINGS)
def test_settings_under_uwsgi_with_8_threads_allow_6_streams(fake_uwsgi):
    assert conf.get_settings().logs.max_streams == 6


@override_settings(DOCKER_DASHBOARD=SETTINGS)
def test_uwsgi_without_threads_allows_no_stream(fake_uwsgi):
    fake_uwsgi.opt = {}
    assert conf.get_settings().logs.max_streams == 0


@override_settings(DOCKER_DASHBOARD=SETTINGS)
def test_mod_wsgi_threads_are_read(monkeypatch):
    monkeypatch.delitem(sys.modules, 'uwsgi', raising=False)
    monkeypatch.setitem(sys.modules, 'mod_wsgi', SimpleNamespace(threads_per_process=15))
    assert conf.get_settings().logs.max_streams == 12


@override_settings(DOCKER_DASHBOARD=SETTINGS)
def test_unknown_server_keeps_the_configured_limit(monkeypatch):
    monkeypatch.delitem(sys.modules, 'uwsgi', raising=False)
    monkeypatch.delitem(sys.modules, 'mod_wsgi', raising=False)
    assert conf.get_settings().logs.max_streams == 20


def test_a_refused_stream_costs_no_nova_or_docker_call(rf, monkeypatch):
    """Under load the few threads left for pages must not be spent on refusals: no Nova/Docker round trip."""
    from django.contrib.sessions.backends.signed_cookies import SessionStore
    from docker_dashboard import api
    from docker_dashboard.api.log_follow import StreamSlots
    from docker_dashboard.content.containers import logviews

    calls = []
    monkeypatch.setattr(api.nova, 'server_get', lambda *args, **kwargs: calls.append('nova'))
    monkeypatch.setattr(api.containers, 'container_for_server', lambda *args, **kwargs: calls.append('docker'))
    monkeypatch.setattr(StreamSlots, '_in_use', 10 ** 6)   # every slot taken
    request = rf.get('/logs/stream')
    request.session = SessionStore()
    response = logviews.LogStreamView.as_view()(request, server_id='any')
    assert b'Too many live log views' in response.content
    assert calls == []
