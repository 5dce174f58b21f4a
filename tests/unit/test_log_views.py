"""Live-log endpoints with docker_dashboard.api mocked: SSE events and cursors, errors, search, download."""
from django.urls import reverse

from docker_dashboard import api
from docker_dashboard import exceptions as dd_exceptions
from docker_dashboard.api import log_lines
from docker_dashboard.api.log_follow import Cursor
from docker_dashboard.api.log_follow import StreamSlots
from docker_dashboard.api.logs import LogLine
from tests import helpers
from tests.unit.test_containers_views import container_of

HOSTILE = '<img src=x onerror=alert(1)>'


class FakeFollower:
    """Stands in for api.log_follow.LogFollower (the api boundary): fixed batches, then an end reason."""

    def __init__(self, batches, end_reason='eof'):
        self._batches = batches
        self.end_reason = end_reason
        self.cursor = None
        self.closed = False

    def batches(self, heartbeat, max_lines=500):
        for batch in self._batches:
            for line in batch:
                self.cursor = api.log_follow.advance(self.cursor, line)
            yield log_lines.pack(batch)

    def close(self):
        self.closed = True


def url(name, server_id):
    return reverse(f'horizon:project:docker_containers:{name}', args=[server_id])


def consume(response):
    return b''.join(response.streaming_content).decode() if response.streaming else response.content.decode()


class LogStreamTests(helpers.TestCase):
    def setUp(self):
        super().setUp()
        self.server = self.servers.first()

    def _arrange(self, follower=None):
        self.mock_server_get.return_value = self.server
        self.mock_container_for_server.return_value = container_of(self.server)
        if follower is not None:
            self.mock_follow_container.return_value = follower

    @helpers.create_mocks({api.nova: ['server_get'], api.containers: ['container_for_server'],
                           api.log_follow: ['follow_container']})
    def test_lines_arrive_as_events_with_a_resumable_id(self):
        follower = FakeFollower([[LogLine('stdout', 'one', '2026-11-23T10:00:00.000000001Z'),
                                  LogLine('stderr', HOSTILE, '2026-11-23T10:00:00.000000001Z')], [],
                                 [LogLine('stdout', 'three', '2026-11-23T10:00:01Z')]], end_reason='time')
        self._arrange(follower)
        response = self.client.get(url('logs_stream', self.server.id))
        self.assertEqual('text/event-stream', response['Content-Type'])
        body = consume(response)
        self.assertIn('event: hello\ndata: {"running":true}', body)
        self.assertIn('id: 2026-11-23T10:00:00.000000001Z~2\nevent: lines\n', body)
        self.assertIn('data: {"s":"oe","t":"2026-11-23T10:00:00.000000001Z one\\n'
                      '2026-11-23T10:00:00.000000001Z \\u003cimg src=x onerror=alert(1)\\u003e","c":[]}', body)
        self.assertNotIn(HOSTILE, body)
        self.assertIn(': keepalive', body)
        self.assertIn('event: end\ndata: {"reason":"time"', body)
        self.assertIn('"cursor":"2026-11-23T10:00:01Z~1"', body)
        self.assertTrue(follower.closed)
        self.assertEqual(0, StreamSlots.in_use())

    @helpers.create_mocks({api.nova: ['server_get'], api.containers: ['container_for_server'],
                           api.log_follow: ['follow_container']})
    def test_last_event_id_resumes_from_the_cursor(self):
        self._arrange(FakeFollower([]))
        consume(self.client.get(url('logs_stream', self.server.id) + '?tail=20&stderr=0',
                                HTTP_LAST_EVENT_ID='2026-11-23T10:00:00.5Z~3'))
        self.mock_follow_container.assert_called_once_with(
            self.mock_container_for_server.return_value, cursor=Cursor('2026-11-23T10:00:00.5Z', 3), tail=20,
            since=None, stdout=True, stderr=False)

    @helpers.create_mocks({api.nova: ['server_get'], api.containers: ['container_for_server'],
                           api.log_follow: ['follow_container']})
    def test_tampered_cursor_is_refused_before_any_docker_call(self):
        self._arrange()
        body = consume(self.client.get(url('logs_stream', self.server.id) + '?cursor=../../etc~1'))
        self.assertIn('event: failed', body)
        self.assertIn('The log position is not valid.', body)
        self.mock_follow_container.assert_not_called()

    @helpers.create_mocks({api.nova: ['server_get'], api.log_follow: ['follow_container']})
    def test_another_projects_server_reveals_nothing(self):
        self.mock_server_get.side_effect = self.exceptions.nova
        body = consume(self.client.get(url('logs_stream', self.server.id)))
        self.assertIn('This container does not exist or you are not allowed to see it.', body)
        self.mock_follow_container.assert_not_called()

    @helpers.create_mocks({api.nova: ['server_get'], api.containers: ['container_for_server'],
                           api.log_follow: ['follow_container']})
    def test_unreachable_host_asks_the_browser_to_retry(self):
        self._arrange()
        self.mock_follow_container.side_effect = dd_exceptions.DockerHostUnreachable()
        body = consume(self.client.get(url('logs_stream', self.server.id)))
        self.assertIn('event: failed\ndata: {"message":"The Docker host is unreachable.","retry":true}', body)
        self.assertEqual(0, StreamSlots.in_use())

    @helpers.create_mocks({api.nova: ['server_get'], api.containers: ['container_for_server'],
                           api.log_follow: ['follow_container']})
    def test_streams_beyond_the_limit_get_a_clear_message(self):
        self._arrange(FakeFollower([]))
        limit = api.log_follow.conf.get_settings().logs.max_streams
        for _ in range(limit):
            StreamSlots.acquire()
        try:
            body = consume(self.client.get(url('logs_stream', self.server.id)))
        finally:
            for _ in range(limit):
                StreamSlots.release()
        self.assertIn('Too many live log views', body)
        self.mock_follow_container.assert_not_called()

    @helpers.create_mocks({api.nova: ['server_get'], api.containers: ['container_for_server'],
                           api.log_follow: ['follow_container']})
    def test_stopped_container_ends_with_eof_and_says_so(self):
        self._arrange(FakeFollower([[LogLine('stdout', 'last words', '2026-11-23T10:00:00Z')]], 'eof'))
        body = consume(self.client.get(url('logs_stream', self.server.id)))
        self.assertIn('"reason":"eof","message":"The container stopped; this is all it wrote."', body)


class _FakeStream(list):
    end_reason = 'eof'

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


class LogSearchAndDownloadTests(helpers.TestCase):
    LINES = [LogLine('stdout', 'GET / 200', '2026-11-23T10:00:00Z'), LogLine('stderr', 'boom 500', '2026-11-23T10:00:01Z'),
             LogLine('stdout', 'GET /x 200', '2026-11-23T10:00:02Z')]

    def _arrange(self):
        server = self.servers.first()
        self.mock_server_get.return_value = server
        self.mock_container_for_server.return_value = container_of(server)
        self.mock_container_logs.return_value = _FakeStream(self.LINES)
        return server

    @helpers.create_mocks({api.nova: ['server_get'], api.containers: ['container_for_server'],
                           api.logs: ['container_logs']})
    def test_search_returns_matches_with_context(self):
        server = self._arrange()
        res = self.client.get(url('logs_search', server.id) + '?q=500&context=1')
        data = res.json()
        self.assertEqual([hit[2] for hit in data['hits']], ['GET / 200', 'boom 500', 'GET /x 200'])
        self.assertEqual([hit[4] for hit in data['hits']], [False, True, False])
        self.assertTrue(data['complete'])

    @helpers.create_mocks({api.nova: ['server_get'], api.logs: ['container_logs']})
    def test_invalid_regex_is_a_clear_400_before_any_call(self):
        res = self.client.get(url('logs_search', self.servers.first().id) + '?q=(oops&regex=1')
        self.assertEqual(400, res.status_code)
        self.assertIn('Invalid regular expression', res.json()['error'])
        self.mock_server_get.assert_not_called()
        self.mock_container_logs.assert_not_called()

    @helpers.create_mocks({api.nova: ['server_get'], api.containers: ['container_for_server'],
                           api.logs: ['container_logs']})
    def test_download_streams_a_text_file_with_a_safe_name(self):
        server = self._arrange()
        server.name = 'web"; rm -rf /\r\nX-Evil: 1'
        res = self.client.get(url('logs_download', server.id))
        self.assertEqual('text/plain; charset=utf-8', res['Content-Type'])
        self.assertEqual('attachment; filename="web_rm_-rf_X-Evil_1-ffffffffffff.log"', res['Content-Disposition'])
        self.assertEqual(consume(res), '2026-11-23T10:00:00Z stdout GET / 200\n2026-11-23T10:00:01Z stderr boom 500\n'
                                       '2026-11-23T10:00:02Z stdout GET /x 200\n')
        kwargs = self.mock_container_logs.call_args[1]
        self.assertEqual('all', kwargs['tail'])
        self.assertTrue(kwargs['download'])   # the download bounds (tests/docker/test_logs_api.py)

    @helpers.create_mocks({api.nova: ['server_get'], api.containers: ['container_for_server'],
                           api.logs: ['container_logs']})
    def test_download_of_a_search_without_marks(self):
        server = self._arrange()
        res = self.client.get(url('logs_download', server.id) + '?q=get&timestamps=0&marks=0&since=1h')
        self.assertEqual(consume(res), 'GET / 200\nGET /x 200\n')
        self.assertIsNotNone(self.mock_container_logs.call_args[1]['since'])

    @helpers.create_mocks({api.nova: ['server_get'], api.logs: ['container_logs']})
    def test_bad_window_is_a_clear_400(self):
        res = self.client.get(url('logs_download', self.servers.first().id) + '?since=yesterday')
        self.assertEqual(400, res.status_code)
        self.assertIn('must be a time such as', res.content.decode())
        self.mock_container_logs.assert_not_called()


class LiveLogsPageTests(helpers.TestCase):
    @helpers.create_mocks({api.nova: ['server_get']})
    def test_full_page_renders_the_component(self):
        server = self.servers.first()
        self.mock_server_get.return_value = server
        res = self.client.get(url('logs', server.id))
        self.assertTemplateUsed(res, 'docker_dashboard/containers/logs.html')
        self.assertContains(res, f'data-download-url="/project/docker_containers/{server.id}/logs/download"')
        self.assertContains(res, 'data-timezone="UTC"')

    @helpers.create_mocks({api.nova: ['server_get']})
    def test_full_page_of_an_invisible_server_is_404(self):
        from novaclient import exceptions as nova_exceptions
        self.mock_server_get.side_effect = nova_exceptions.NotFound(404)   # what Nova says for another project's
        self.assertEqual(404, self.client.get(url('logs', self.servers.first().id)).status_code)

    @helpers.create_mocks({api.nova: ['server_get']})
    def test_full_page_with_nova_failing_says_so_on_the_containers_page(self):
        self.mock_server_get.side_effect = self.exceptions.nova   # a 500 from Nova
        server_id = self.servers.first().id
        res = self.client.get(url('logs', server_id))
        self.assertRedirectsNoFollow(res, reverse('horizon:project:docker_containers:index'))
        self.assertMessageCount(error=1)
