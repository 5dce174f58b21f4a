"""The Stats tab and its JSON endpoint with docker_dashboard.api mocked: samples, auth, errors."""
from django.urls import reverse

from docker_dashboard import api
from docker_dashboard import exceptions as dd_exceptions
from tests import helpers
from tests.unit.test_containers_views import container_of
from tests.unit.test_containers_views import detail_url
from tests.unit.test_stats_compute import sample

STATS = {api.nova: ['server_get'], api.containers: ['container_for_server'], api.stats: ['container_stats']}


def stats_url(server_id):
    return reverse('horizon:project:docker_containers:stats', args=[server_id])


class StatsEndpointTests(helpers.TestCase):
    def setUp(self):
        super().setUp()
        self.server = self.servers.first()

    def _arrange(self, running=True):
        self.mock_server_get.return_value = self.server
        self.mock_container_for_server.return_value = container_of(self.server, running=running)

    @helpers.create_mocks(STATS)
    def test_sample_of_a_running_container(self):
        self._arrange()
        busy = sample('busy')
        self.mock_container_stats.return_value = busy
        res = self.client.get(stats_url(self.server.id))
        self.assertEqual(200, res.status_code)
        body = res.json()
        self.assertEqual({'running': True, 'paused': False, 'sample': busy.as_dict()}, body)
        self.assertEqual('no-store', res['Cache-Control'])
        self.mock_server_get.assert_called_once_with(helpers.IsHttpRequest(), self.server.id)
        self.mock_container_stats.assert_called_once_with(self.mock_container_for_server.return_value)

    @helpers.create_mocks(STATS)
    def test_stopped_container_says_so_without_reading_stats(self):
        self._arrange(running=False)
        body = self.client.get(stats_url(self.server.id)).json()
        self.assertFalse(body['running'])
        self.assertIn('not running', body['message'])
        self.mock_container_stats.assert_not_called()

    @helpers.create_mocks(STATS)
    def test_container_stopping_while_sampled_says_not_running(self):
        self._arrange()
        self.mock_container_stats.side_effect = dd_exceptions.ContainerNotRunning()
        body = self.client.get(stats_url(self.server.id)).json()
        self.assertFalse(body['running'])

    @helpers.create_mocks(STATS)
    def test_unreachable_host_is_a_503_to_retry_without_url(self):
        self._arrange()
        self.mock_container_stats.side_effect = dd_exceptions.DockerHostUnreachable()
        res = self.client.get(stats_url(self.server.id))
        self.assertEqual(503, res.status_code)
        self.assertTrue(res.json()['retry'])
        self.assertIn('unreachable', res.json()['error'])
        self.assertNotIn('://', res.content.decode())

    @helpers.create_mocks(STATS)
    def test_server_on_no_docker_host_is_final(self):
        self.mock_server_get.return_value = self.server
        self.mock_container_for_server.side_effect = dd_exceptions.HostNotResolved()
        res = self.client.get(stats_url(self.server.id))
        self.assertEqual(404, res.status_code)
        self.assertFalse(res.json()['retry'])
        self.mock_container_stats.assert_not_called()

    @helpers.create_mocks(STATS)
    def test_daemon_error_text_is_escaped_json(self):
        self._arrange()
        self.mock_container_stats.side_effect = dd_exceptions.DockerHostError('<b>cgroup gone</b>')
        res = self.client.get(stats_url(self.server.id))
        self.assertEqual(502, res.status_code)
        self.assertEqual('application/json', res['Content-Type'])
        self.assertIn('<b>cgroup gone</b>', res.json()['error'])   # JSON text; the page sets it as text

    @helpers.create_mocks(STATS)
    def test_server_this_user_cannot_see_never_reaches_docker(self):
        self.mock_server_get.side_effect = self.exceptions.nova
        res = self.client.get(stats_url('someone-elses-server'))
        self.assertEqual(404, res.status_code)
        self.assertIn('does not exist or you are not allowed', res.json()['error'])
        self.mock_container_for_server.assert_not_called()
        self.mock_container_stats.assert_not_called()


class StatsTabTests(helpers.ContainerDetailTestCase):
    @helpers.create_mocks({api.nova: ['server_get'], api.containers: ['container_for_server'],
                           api.stats: ['container_stats']})
    def test_tab_embeds_the_charts_without_a_docker_stats_call(self):
        server = self.servers.first()
        self.mock_server_get.return_value = server
        self.mock_container_for_server.return_value = container_of(server)
        res = self.client.get(detail_url(server.id, 'stats'))
        self.assertEqual(200, res.status_code)
        self.assertContains(res, 'data-url="%s"' % stats_url(server.id))
        self.assertContains(res, 'docker_dashboard/js/container-stats.js')
        for label in ('CPU used', 'Memory', 'Received', 'Written', 'PIDs'):
            self.assertContains(res, label)
        self.mock_container_stats.assert_not_called()

    @helpers.create_mocks({api.nova: ['server_get'], api.containers: ['container_for_server']})
    def test_unreachable_host_is_the_first_status_and_the_tab_still_polls(self):
        server = self.servers.first()
        self.mock_server_get.return_value = server
        self.mock_container_for_server.side_effect = dd_exceptions.DockerHostUnreachable()
        res = self.client.get(detail_url(server.id, 'stats'))
        self.assertEqual(200, res.status_code)
        self.assertContains(res, 'The Docker host is unreachable.')
        self.assertContains(res, 'data-url="%s"' % stats_url(server.id))
