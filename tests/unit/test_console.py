"""The Console tab, its URL endpoint, the row action and the api call, with docker_dashboard.api mocked."""
import copy
import json
from unittest import mock

from django.test import override_settings
from django.urls import reverse
from novaclient import exceptions as nova_exceptions
from novaclient.v2 import servers as nova_servers
from openstack_dashboard.api import nova as nova_api

from docker_dashboard import api
from docker_dashboard import metadata
from docker_dashboard.content.containers import tables as containers_tables
from tests import helpers
from tests.unit.test_containers_views import container_of
from tests.unit.test_containers_views import detail_url

SERIAL_URL = 'ws://127.0.0.1:6083/?token=8b3c2d0e-console-token'


def console_tab_url(server_id):
    return reverse('horizon:project:docker_containers:detail', args=[server_id]) + '?tab=container_details__console'


def console_url_endpoint(server_id):
    return reverse('horizon:project:docker_containers:console_url', args=[server_id])


def deny_consoles(actions, request, target=None):
    return not any(rule == 'os_compute_api:os-remote-consoles' for _scope, rule in actions)


def make_server(test, *, status='ACTIVE', task=None, docker_state='running'):
    info = copy.deepcopy(test.servers.first()._info)
    info.update({'status': status, 'OS-EXT-STS:task_state': task, 'tenant_id': test.tenant.id})
    server = nova_api.Server(nova_servers.Server(None, info, loaded=True), test.request)
    server.docker_host = 'docker-host-1'
    server.docker_state = docker_state
    return server


class ConsoleTabTests(helpers.ContainerDetailTestCase):
    def _get(self, url_of, **headers):
        server = self.servers.first()
        self.mock_server_get.return_value = server
        self.mock_container_for_server.return_value = container_of(server)
        return server, self.client.get(url_of(server.id), **headers)

    @helpers.create_mocks({api.nova: ['server_get', 'server_serial_console_url'],
                           api.containers: ['container_for_server']})
    def test_tab_holds_the_terminal_and_asks_nova_for_nothing_until_it_connects(self):
        server, res = self._get(console_tab_url, HTTP_X_REQUESTED_WITH='XMLHttpRequest')
        self.assertContains(res, 'class="docker-dashboard docker-console"')
        self.assertContains(res, f'data-url-endpoint="{console_url_endpoint(server.id)}"')
        for script in ('vendor/xterm/xterm.js', 'vendor/xterm/addon-fit.js', 'js/container-console.js'):
            self.assertContains(res, 'docker_dashboard/' + script)
        self.assertContains(res, 'data-csrf="')
        # A console token is single-use: the page gets one only when its script connects.
        self.mock_server_serial_console_url.assert_not_called()
        self.assertNotContains(res, 'token=')

    @helpers.create_mocks({api.nova: ['server_get'], api.containers: ['container_for_server']})
    def test_detail_page_lists_the_console_tab(self):
        _server, res = self._get(detail_url)
        self.assertContains(res, 'container_details__console')

    @override_settings(POLICY_CHECK_FUNCTION=deny_consoles)
    @helpers.create_mocks({api.nova: ['server_get'], api.containers: ['container_for_server']})
    def test_no_console_tab_for_a_user_nova_policy_denies_consoles(self):
        _server, res = self._get(detail_url)
        self.assertContains(res, 'container_details__overview')
        self.assertNotContains(res, 'container_details__console')


class ConsoleURLViewTests(helpers.TestCase):
    def _post(self, server_id):
        return self.client.post(console_url_endpoint(server_id))

    @helpers.create_mocks({api.nova: ['server_serial_console_url']})
    def test_post_answers_a_new_console_url_from_nova_with_the_users_request(self):
        server = self.servers.first()
        self.mock_server_serial_console_url.return_value = SERIAL_URL
        res = self._post(server.id)
        self.assertEqual(200, res.status_code)
        self.assertEqual({'url': SERIAL_URL}, json.loads(res.content))
        self.assertEqual('no-store', res['Cache-Control'])
        self.assertEqual('nosniff', res['X-Content-Type-Options'])
        self.mock_server_serial_console_url.assert_called_once_with(helpers.IsHttpRequest(), server.id)

    @helpers.create_mocks({api.nova: ['server_serial_console_url']})
    def test_get_asks_nova_for_nothing(self):
        res = self.client.get(console_url_endpoint(self.servers.first().id))
        self.assertEqual(405, res.status_code)
        self.mock_server_serial_console_url.assert_not_called()

    def _refused(self, error):
        self.mock_server_serial_console_url.side_effect = error
        res = self._post(self.servers.first().id)
        return res.status_code, json.loads(res.content)['error']

    @helpers.create_mocks({api.nova: ['server_serial_console_url', 'server_get']})
    def test_a_compute_host_not_ready_is_told_apart_by_the_servers_status(self):
        # nova-compute's refusal says only "is not ready"; the server's status says why.
        server = self.servers.first()
        not_ready = nova_exceptions.Conflict(409, f'Instance {server.id} is not ready')
        for status, message in (
                ('SHUTOFF', 'The container is stopped: start it to open a console.'),
                ('PAUSED', 'The container is paused: unpause it to open a console.'),
                ('ACTIVE', 'The container is not running or is busy with another action: '
                           'no console can be opened now.')):
            with self.subTest(status=status):
                self.mock_server_get.return_value = make_server(self, status=status)
                self.assertEqual((409, message), self._refused(not_ready))
                self.mock_server_get.assert_called_with(helpers.IsHttpRequest(), server.id)
        self.mock_server_get.side_effect = nova_exceptions.ClientException(500, 'down')
        self.assertEqual((409, 'The container is not running or is busy with another action: '
                               'no console can be opened now.'), self._refused(not_ready))

    @helpers.create_mocks({api.nova: ['server_serial_console_url', 'server_get']})
    def test_nova_refusals_become_messages_that_say_what_to_do(self):
        server_id = self.servers.first().id
        self.mock_server_get.return_value = make_server(self)
        cases = [
            (nova_exceptions.Conflict(409, f'Cannot \'get_serial_console\' instance {server_id} while it is in '
                                           'vm_state stopped'),
             409, 'The container is stopped: start it to open a console.'),
            (nova_exceptions.Conflict(409, f'Cannot \'get_serial_console\' instance {server_id} while it is in '
                                           'vm_state paused'),
             409, 'The container is paused: unpause it to open a console.'),
            (nova_exceptions.Conflict(409, f'Instance {server_id} is not ready'),
             409, 'The container is not running or is busy with another action: no console can be opened now.'),
            (nova_exceptions.BadRequest(400, 'Unavailable console type serial.'),
             400, 'Serial consoles are disabled on this cloud.'),
            (nova_exceptions.BadRequest(400, 'Too many console sessions on this instance (at most 4).'),
             400, 'Nova could not open a console: Too many console sessions on this instance (at most 4).'),
            (nova_exceptions.HTTPNotImplemented(501, 'Feature not supported'),
             501, 'The compute host of this container offers no console.'),
            (nova_exceptions.Forbidden(403, 'Policy does not allow os_compute_api:os-remote-consoles'),
             403, 'You are not allowed to open a console on this container.'),
            (nova_exceptions.NotFound(404, f'Instance {server_id} could not be found.'),
             404, 'This container does not exist or you are not allowed to see it.'),
            (ConnectionError('nova-api down'), 502, 'Nova could not be asked for a console; try again later.'),
        ]
        for error, status, message in cases:
            with self.subTest(error=str(error)):
                self.assertEqual((status, message), self._refused(error))

    @helpers.create_mocks({api.nova: ['server_serial_console_url']})
    def test_a_long_nova_message_is_cut(self):
        status, message = self._refused(nova_exceptions.BadRequest(400, 'x' * 5000))
        self.assertEqual(400, status)
        self.assertLess(len(message), 400)


class ConsoleRowActionTests(helpers.TestCase):
    def offered(self, server):
        table = containers_tables.ContainersTable(self.request)
        return {action.name: action for action in table.get_row_actions(server)}

    def test_running_container_offers_console_opening_the_tab(self):
        server = make_server(self)
        action = self.offered(server)['console']
        self.assertEqual(console_tab_url(server.id), action.get_link_url(server))

    def test_no_console_for_stopped_paused_busy_or_exited(self):
        for server in (make_server(self, status='SHUTOFF', docker_state='exited'),
                       make_server(self, status='PAUSED', docker_state='paused'),
                       make_server(self, task='rebooting'),
                       make_server(self, docker_state='exited')):
            with self.subTest(status=server.status, docker=server.docker_state):
                self.assertNotIn('console', self.offered(server))

    @override_settings(POLICY_CHECK_FUNCTION=deny_consoles)
    def test_no_console_action_for_a_user_nova_policy_denies_consoles(self):
        self.assertNotIn('console', self.offered(make_server(self)))


class ServerSerialConsoleURLTests(helpers.TestCase):
    @mock.patch('openstack_dashboard.api._nova.novaclient')
    def test_asks_nova_remote_consoles_for_a_serial_console(self, novaclient):
        novaclient.return_value.servers.get_serial_console.return_value = {
            'remote_console': {'protocol': 'serial', 'type': 'serial', 'url': SERIAL_URL}}
        self.assertEqual(SERIAL_URL, api.nova.server_serial_console_url(self.request, 'server-1'))
        # 2.6 is the first microversion of POST /servers/{id}/remote-consoles.
        novaclient.assert_called_once_with(self.request, version='2.6')
        novaclient.return_value.servers.get_serial_console.assert_called_once_with('server-1', 'serial')


class InteractiveMetadataTests(helpers.TestCase):
    def test_interactive_is_one_metadata_item_within_novas_item_limit(self):
        self.assertEqual({'docker_interactive': 'true'}, metadata.build_server_metadata(interactive=True))
        self.assertEqual({}, metadata.build_server_metadata(interactive=False))
        with self.assertRaises(metadata.MetadataError) as raised:
            metadata.build_server_metadata('sh', 'A=1', interactive=True, limit=2)
        self.assertIn('At most 2 metadata items', str(raised.exception))

    def test_only_the_exact_value_true_is_interactive(self):
        self.assertTrue(metadata.interactive_from_metadata({'docker_interactive': 'true'}))
        for value in ('True', '1', 'yes', ''):
            self.assertFalse(metadata.interactive_from_metadata({'docker_interactive': value}))
        self.assertFalse(metadata.interactive_from_metadata({}))
