"""The Containers table's Usage column with docker_dashboard.api mocked: the index renders tickets (no
stats call), the endpoint samples one host's containers in one request and refuses forged tickets."""
import re
import time
from unittest import mock

from django.core import signing
from django.urls import reverse
from openstack_dashboard.api import nova as nova_api

from docker_dashboard import api
from docker_dashboard import exceptions as dd_exceptions
from docker_dashboard.api.containers import ContainerIndex
from docker_dashboard.api.containers import ContainerSummary
from docker_dashboard.content.containers import usage
from tests import helpers
from tests.unit.test_stats_compute import sample

INDEX_URL = reverse('horizon:project:docker_containers:index')
USAGE_URL = reverse('horizon:project:docker_containers:usage')
TICKET = re.compile(r'data-usage-ticket="([^"]+)"')


class UsageColumnTests(helpers.TestCase):
    def _index(self):
        servers = [nova_api.Server(server, self.request) for server in self.servers.list()[:3]]
        image = self.images.first()
        for server in servers:
            server.image = {'id': image.id}
        self.mock_server_list_paged.return_value = (servers, False, False)
        self.mock_docker_image_list.return_value = ([image], False, False)
        self.mock_containers_for_servers.return_value = ContainerIndex(
            hosts={servers[0].id: 'docker-host-1', servers[1].id: 'docker-host-1', servers[2].id: 'docker-host-2'},
            containers={servers[0].id: ContainerSummary('docker-host-1', 'c0', 'running', 'Up 1 minute', 0),
                        servers[1].id: ContainerSummary('docker-host-1', 'c1', 'exited', 'Exited (0)', 0),
                        servers[2].id: ContainerSummary('docker-host-2', 'c2', 'running', 'Up 1 minute', 0)},
            unreachable={'docker-host-2'})
        return servers

    @helpers.create_mocks({api.nova: ['server_list_paged'], api.glance: ['docker_image_list'],
                           api.containers: ['containers_for_servers'], api.stats: ['stats_for_containers']})
    def test_index_renders_tickets_for_running_rows_only_without_sampling(self):
        servers = self._index()
        res = self.client.get(INDEX_URL)
        self.assertEqual(200, res.status_code)
        tickets = TICKET.findall(res.content.decode())
        # Only the running container on the host that answered gets a ticket; the index samples nothing.
        self.assertEqual(1, len(tickets))
        self.assertEqual([self.user.id, self.tenant.id, servers[0].id, 'docker-host-1', 'c0'],
                         signing.loads(tickets[0], salt=usage.SALT))
        self.assertContains(res, 'containers-usage.js')
        self.assertNotContains(res, 'data-usage-group="docker-host-1"')   # members see a neutral label
        self.mock_stats_for_containers.assert_not_called()

    @helpers.create_mocks({api.stats: ['stats_for_containers']})
    def test_one_request_samples_the_ticketed_containers(self):
        first = usage.usage_cell(self.request, 'server-1', 'docker-host-1', 'host a', ContainerSummary(
            'docker-host-1', 'c1', 'running', '', 0))
        second = usage.usage_cell(self.request, 'server-2', 'docker-host-1', 'host a', ContainerSummary(
            'docker-host-1', 'c2', 'running', '', 0))
        self.mock_stats_for_containers.return_value = {'server-1': sample('busy'),
                                                       'server-2': dd_exceptions.DockerHostUnreachable()}
        res = self.client.get(USAGE_URL, {'t': [first.ticket, second.ticket]})
        self.assertEqual(200, res.status_code)
        busy = sample('busy')
        self.assertEqual({'server-1': {'cpu_percent': busy.cpu_percent, 'memory_used': busy.memory_used,
                                       'memory_percent': busy.memory_percent},
                          'server-2': {'error': 'host unreachable'}}, res.json()['usage'])
        containers = self.mock_stats_for_containers.call_args[0][0]
        self.assertEqual([('server-1', 'docker-host-1', 'c1'), ('server-2', 'docker-host-1', 'c2')],
                         [(c.server_id, c.host, c.id) for c in containers])

    @helpers.create_mocks({api.stats: ['stats_for_containers']})
    def test_forged_foreign_and_expired_tickets_reach_no_host(self):
        self.mock_stats_for_containers.return_value = {}
        forged = signing.dumps([self.user.id, self.tenant.id, 's', 'docker-host-1', 'c'], salt='another salt')
        foreign = signing.dumps(['someone-else', self.tenant.id, 's', 'docker-host-1', 'c'], salt=usage.SALT)
        with mock.patch('django.core.signing.time.time', return_value=time.time() - usage.TICKET_SECONDS - 5):
            expired = signing.dumps([self.user.id, self.tenant.id, 's', 'docker-host-1', 'c'], salt=usage.SALT)
        res = self.client.get(USAGE_URL, {'t': [forged, foreign, expired, 'garbage']})
        self.assertEqual({'usage': {}}, res.json())
        self.mock_stats_for_containers.assert_called_once_with([])

    def test_too_many_tickets_is_a_clear_error(self):
        res = self.client.get(USAGE_URL, {'t': ['x'] * (usage.MAX_TICKETS + 1)})
        self.assertEqual(400, res.status_code)
        self.assertIn('Too many containers', res.json()['error'])
