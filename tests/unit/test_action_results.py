"""Actions Nova accepts and then fails are reported: a warning on the next page or row refresh that shows
the server settled, with Nova's words (instance action log); a server in ERROR without a container says why."""
import datetime
import json
import time

from django.urls import reverse
from novaclient.v2 import instance_action

from docker_dashboard import api
from docker_dashboard import exceptions as dd_exceptions
from docker_dashboard.api.containers import ContainerIndex
from docker_dashboard.content.containers import action_results
from tests import helpers
from tests.unit.test_container_actions import RUNNING
from tests.unit.test_container_actions import make_server

INDEX_URL = reverse('horizon:project:docker_containers:index')
HOST_MESSAGE = 'This server does not run on a configured Docker host.'


def nova_action(action, *, started, message=None, request_id='req-1'):
    start = datetime.datetime.fromtimestamp(started, datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%S.%f')
    return instance_action.InstanceAction(None, {'action': action, 'message': message, 'request_id': request_id,
                                                 'start_time': start}, loaded=True)


class FailedActionTests(helpers.TestCase):
    def _index_mocks(self, server):
        self.mock_server_list_paged.return_value = ([server], False, False)
        self.mock_docker_image_list.return_value = ([], False, False)
        self.mock_containers_for_servers.return_value = ContainerIndex(
            hosts={server.id: 'docker-host-1'}, containers={}, unreachable=set())

    @helpers.create_mocks({api.nova: ['server_list_paged', 'server_pause', 'server_actions', 'server_action_events'],
                           api.glance: ['docker_image_list'], api.containers: ['containers_for_servers']})
    def test_pause_that_failed_on_the_host_is_a_warning_on_the_next_page(self):
        server = make_server(self, status='ACTIVE', power=RUNNING, docker_state='running')
        self._index_mocks(server)
        res = self.client.post(INDEX_URL, {'action': f'containers__pause__{server.id}'})
        self.assertRedirectsNoFollow(res, INDEX_URL)
        self.mock_server_pause.assert_called_once_with(helpers.IsHttpRequest(), server.id)
        # Nova accepted it: the message says it was requested, not that the container is paused.
        self.assertMessageCount(success=1)
        self.assertNotIn('Paused Container', ' '.join(m.message for m in res.wsgi_request._messages))

        self.mock_server_actions.return_value = [
            nova_action('pause', started=time.time() - 600, request_id='req-old'),
            nova_action('pause', started=time.time(), message='Error', request_id='req-new')]
        self.mock_server_action_events.return_value = [
            {'event': 'compute_pause_instance', 'result': 'Error', 'details': 'The container is not running'}]
        res = self.client.get(INDEX_URL)
        self.assertContains(res, 'Pause of container &quot;%s&quot; failed: The container is not running'
                            % server.name)
        self.mock_server_action_events.assert_called_once_with(helpers.IsHttpRequest(), server.id, 'req-new')
        # Reported once: the next page does not ask Nova again.
        res = self.client.get(INDEX_URL)
        self.assertNotContains(res, 'failed: The container is not running')
        self.mock_server_actions.assert_called_once_with(helpers.IsHttpRequest(), server.id)

    @helpers.create_mocks({api.nova: ['server_list_paged', 'server_pause', 'server_actions'],
                           api.glance: ['docker_image_list'], api.containers: ['containers_for_servers']})
    def test_an_action_still_under_way_costs_no_nova_call(self):
        server = make_server(self, status='ACTIVE', power=RUNNING)
        self._index_mocks(server)
        self.client.post(INDEX_URL, {'action': f'containers__pause__{server.id}'})
        self._index_mocks(make_server(self, status='ACTIVE', power=RUNNING, task='pausing'))
        res = self.client.get(INDEX_URL)
        self.assertEqual(200, res.status_code)
        self.mock_server_actions.assert_not_called()
        self.assertEqual([server.id], [entry['server_id'] for entry in
                                       self.client.session[action_results.SESSION_KEY]])

    @helpers.create_mocks({api.nova: ['server_list_paged', 'server_reboot', 'server_get', 'server_actions',
                                      'server_action_events'],
                           api.glance: ['docker_image_list', 'image_get'], api.containers: ['containers_for_servers']})
    def test_the_refreshed_row_carries_the_failure(self):
        server = make_server(self, status='ACTIVE', power=RUNNING)
        self._index_mocks(server)
        self.client.post(INDEX_URL, {'action': f'containers__soft_reboot__{server.id}'})
        self.mock_server_reboot.assert_called_once_with(helpers.IsHttpRequest(), server.id, soft=True)
        self.mock_server_get.return_value = server
        self.mock_image_get.return_value = self.images.first()
        self.mock_server_actions.return_value = [nova_action('reboot', started=time.time(), message='Error')]
        self.mock_server_action_events.return_value = [{'event': 'compute_reboot_instance', 'result': 'Error'}]
        res = self.client.get(INDEX_URL + f'?action=row_update&table=containers&obj_id={server.id}',
                              HTTP_X_REQUESTED_WITH='XMLHttpRequest')
        self.assertEqual(200, res.status_code)
        queued = json.loads(res['X-Horizon-Messages'])
        self.assertEqual([['warning', 'Reboot of container "%s" failed: compute_reboot_instance: Error'
                           % server.name]], [message[:2] for message in queued])


class NotCreatedTests(helpers.ContainerDetailTestCase):
    @helpers.create_mocks({api.nova: ['server_get'], api.containers: ['container_for_server']})
    def test_error_server_says_the_container_was_not_created_with_novas_fault(self):
        server = make_server(self, status='ERROR', power=0, fault={'code': 500, 'message': 'No valid host was found.'})
        self.mock_server_get.return_value = server
        self.mock_container_for_server.side_effect = dd_exceptions.HostNotResolved()
        res = self.client.get(reverse('horizon:project:docker_containers:detail', args=[server.id]))
        self.assertContains(res, 'The container was not created: No valid host was found.')
        self.assertNotContains(res, HOST_MESSAGE)

    @helpers.create_mocks({api.nova: ['server_get', 'server_actions', 'server_action_events'],
                           api.containers: ['container_for_server']})
    def test_error_server_with_an_empty_fault_shows_the_last_action_event(self):
        server = make_server(self, status='ERROR', power=0)
        self.mock_server_get.return_value = server
        self.mock_container_for_server.side_effect = dd_exceptions.ContainerNotFound()
        self.mock_server_actions.return_value = [nova_action('create', started=time.time() - 60, message='Error',
                                                             request_id='req-build')]
        self.mock_server_action_events.return_value = [
            {'event': 'compute__do_build_and_run_instance', 'result': 'Error'}]
        res = self.client.get(reverse('horizon:project:docker_containers:detail', args=[server.id]))
        self.assertContains(res, 'The container was not created: Nova recorded no reason. Last action: Create '
                                 '(compute__do_build_and_run_instance: Error).')
        self.assertNotContains(res, HOST_MESSAGE)
        self.mock_server_action_events.assert_called_once_with(helpers.IsHttpRequest(), server.id, 'req-build')

    @helpers.create_mocks({api.nova: ['server_get'], api.containers: ['container_for_server']})
    def test_stats_of_an_error_server_without_a_container_say_it_was_not_created(self):
        server = make_server(self, status='ERROR', power=0, fault={'code': 500, 'message': 'No valid host was found.'})
        self.mock_server_get.return_value = server
        self.mock_container_for_server.side_effect = dd_exceptions.HostNotResolved()
        res = self.client.get(reverse('horizon:project:docker_containers:stats', args=[server.id]))
        self.assertEqual(404, res.status_code)
        self.assertEqual({'error': 'The container was not created: No valid host was found.', 'retry': False},
                         res.json())


class ResizeFailureTests(helpers.TestCase):
    """A resize starts in Horizon's own dialog (or the CLI): seen under way, its failure is reported too."""

    @helpers.create_mocks({api.nova: ['server_list_paged', 'server_actions', 'server_action_events'],
                           api.glance: ['docker_image_list'], api.containers: ['containers_for_servers']})
    def test_a_resize_seen_under_way_that_failed_is_a_warning(self):
        def index_with(server):
            self.mock_server_list_paged.return_value = ([server], False, False)
            self.mock_docker_image_list.return_value = ([], False, False)
            self.mock_containers_for_servers.return_value = ContainerIndex(
                hosts={server.id: 'docker-host-1'}, containers={}, unreachable=set())
            return self.client.get(INDEX_URL)

        resizing = make_server(self, status='RESIZE', power=RUNNING, task='resize_migrating')
        self.assertEqual(200, index_with(resizing).status_code)
        self.mock_server_actions.assert_not_called()   # still under way: nothing asked yet
        # Nova rolled the failed migration back: ACTIVE again, the 'migrate' action marked Error.
        self.mock_server_actions.return_value = [nova_action('migrate', started=time.time() - 30, message='Error')]
        self.mock_server_action_events.return_value = [
            {'event': 'compute_resize_instance', 'result': 'Error', 'details': 'Glance refused the upload'}]
        res = index_with(make_server(self, status='ACTIVE', power=RUNNING))
        self.assertContains(res, 'Resize or migration of container &quot;%s&quot; failed: Glance refused the upload'
                            % resizing.name)
