"""Live-log endpoints: bad input is a 400 before any host is asked, a cut line is marked in the download,
and the plugin's own responses carry nosniff."""
from django.urls import reverse

from docker_dashboard import api
from docker_dashboard import exceptions as dd_exceptions
from docker_dashboard.api.logs import LogLine
from tests import helpers
from tests.unit.test_containers_views import container_of
from tests.unit.test_log_views import FakeFollower
from tests.unit.test_log_views import _FakeStream
from tests.unit.test_log_views import consume
from tests.unit.test_log_views import url


def arrange(test):
    """The first server, visible, with its container (the api boundary mocked)."""
    server = test.servers.first()
    test.mock_server_get.return_value = server
    test.mock_container_for_server.return_value = container_of(server)
    return server


class BadInputTests(helpers.TestCase):
    @helpers.create_mocks({api.nova: ['server_get'], api.logs: ['container_logs']})
    def test_tail_above_the_maximum_is_a_400_before_any_call(self):
        server_id = self.servers.first().id
        for name, query in (('logs_search', '?q=x&tail=10001'), ('logs_download', '?tail=10001')):
            res = self.client.get(url(name, server_id) + query)
            self.assertEqual(400, res.status_code, name)
            self.assertIn('At most 10000 lines can be shown at once.', res.content.decode(), name)
        self.mock_server_get.assert_not_called()
        self.mock_container_logs.assert_not_called()

    @helpers.create_mocks({api.nova: ['server_get'], api.logs: ['container_logs']})
    def test_numbers_and_periods_out_of_range_are_400s(self):
        server_id = self.servers.first().id
        for name, query in (('logs_search', '?q=x&tail=%C2%B2'), ('logs_search', '?q=x&context=%C2%B2'),
                            ('logs_search', '?q=x&context=' + '9' * 5000), ('logs_download', '?tail=' + '9' * 5000),
                            ('logs_download', '?since=999999d'), ('logs_search', '?q=x&until=999999d')):
            res = self.client.get(url(name, server_id) + query)
            self.assertEqual(400, res.status_code, (name, query[:40]))
        self.mock_server_get.assert_not_called()
        self.mock_container_logs.assert_not_called()

    @helpers.create_mocks({api.nova: ['server_get'], api.containers: ['container_for_server'],
                           api.logs: ['container_logs']})
    def test_a_limit_the_api_refuses_is_a_400_not_a_host_failure(self):
        server = arrange(self)
        self.mock_container_logs.side_effect = dd_exceptions.LogLimitExceeded('The since time is not valid.')
        for name, query in (('logs_search', '?q=x'), ('logs_download', '')):
            res = self.client.get(url(name, server.id) + query)
            self.assertEqual(400, res.status_code, name)
            self.assertIn('The since time is not valid.', res.content.decode())


class DownloadTests(helpers.TestCase):
    @helpers.create_mocks({api.nova: ['server_get'], api.containers: ['container_for_server'],
                           api.logs: ['container_logs']})
    def test_a_cut_line_is_marked_in_the_download(self):
        server = arrange(self)
        self.mock_container_logs.return_value = _FakeStream([
            LogLine('stdout', 'x' * 100, '2026-11-23T10:00:00Z', True), LogLine('stdout', 'whole', None)])
        body = consume(self.client.get(url('logs_download', server.id)))
        self.assertEqual(body, '2026-11-23T10:00:00Z stdout ' + 'x' * 100 + ' [line cut at 16384 bytes]\n'
                               'stdout whole\n')
        self.assertTrue(self.mock_container_logs.call_args[1]['download'])


class NoSniffTests(helpers.TestCase):
    @helpers.create_mocks({api.nova: ['server_get'], api.containers: ['container_for_server'],
                           api.logs: ['container_logs'], api.log_follow: ['follow_container']})
    def test_log_endpoints_say_nosniff(self):
        server = arrange(self)
        self.mock_container_logs.return_value = _FakeStream([LogLine('stdout', '<html>', None)])
        self.mock_follow_container.return_value = FakeFollower([])
        for name, query in (('logs_download', ''), ('logs_search', '?q=html'), ('logs_search', '?q=(&regex=1'),
                            ('logs_stream', ''), ('logs', '')):
            res = self.client.get(url(name, server.id) + query)
            consume(res)
            self.assertEqual('nosniff', res.get('X-Content-Type-Options'), name)

    @helpers.create_mocks({api.nova: ['server_get'], api.containers: ['container_for_server'],
                           api.stats: ['container_stats']})
    def test_stats_json_says_nosniff(self):
        server = self.servers.first()
        self.mock_server_get.side_effect = self.exceptions.nova
        res = self.client.get(url('stats', server.id))
        self.assertEqual('nosniff', res.get('X-Content-Type-Options'))

    def test_import_progress_and_upload_say_nosniff(self):
        from docker_dashboard.api import image_import
        job_id = image_import.new_job(self.request, source='registry', name='web:1')
        res = self.client.get(reverse('horizon:project:docker_images:import_progress', args=[job_id]),
                              HTTP_X_REQUESTED_WITH='XMLHttpRequest')
        self.assertEqual('nosniff', res.get('X-Content-Type-Options'))
        res = self.client.get(reverse('horizon:project:docker_images:upload', args=['no-such-ticket']))
        self.assertEqual('nosniff', res.get('X-Content-Type-Options'))
