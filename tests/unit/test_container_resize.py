"""Resize from the Containers table: Horizon's Resize Instance workflow, Confirm and Revert through Nova."""
from urllib.parse import urlencode

from django.test import override_settings
from django.urls import reverse

from docker_dashboard import api
from docker_dashboard.api.containers import ContainerIndex
from docker_dashboard.content.containers import tables as containers_tables
from tests import helpers
from tests.unit.test_container_actions import INDEX_URL, RUNNING, SHUTDOWN, make_server

RESIZE = {'resize', 'confirm_resize', 'revert_resize'}


def offered(test, server):
    table = containers_tables.ContainersTable(test.request)
    return {action.name for action in table.get_row_actions(server)} & RESIZE


class ContainerResizeTests(helpers.TestCase):
    def test_running_and_stopped_containers_offer_resize(self):
        self.assertEqual({'resize'}, offered(self, make_server(self, status='ACTIVE', power=RUNNING)))
        self.assertEqual({'resize'}, offered(self, make_server(self, status='SHUTOFF', power=SHUTDOWN)))

    def test_a_resized_container_offers_confirm_and_revert_only(self):
        server = make_server(self, status='VERIFY_RESIZE', power=RUNNING)
        self.assertEqual({'confirm_resize', 'revert_resize'}, offered(self, server))

    @override_settings(POLICY_CHECK_FUNCTION='openstack_auth.policy.check')
    def test_no_resize_while_a_task_runs_or_when_locked(self):
        self.assertEqual(set(), offered(self, make_server(self, status='ACTIVE', power=RUNNING,
                                                          task='resize_prep')))
        self.assertEqual(set(), offered(self, make_server(self, status='ACTIVE', power=RUNNING,
                                                          locked=True)))

    @helpers.create_mocks({api.nova: ['server_list_paged'], api.glance: ['docker_image_list'],
                           api.containers: ['containers_for_servers']})
    def test_resize_opens_horizons_workflow_and_returns_to_the_containers_table(self):
        server = make_server(self, status='ACTIVE', power=RUNNING)
        self._mock_index(server)
        res = self.client.get(INDEX_URL)
        link = reverse('horizon:project:instances:resize', args=[server.id]) + '?' + urlencode(
            {'step': 'flavor_choice', 'next': INDEX_URL})
        self.assertContains(res, 'href="{}"'.format(link.replace('&', '&amp;')))

    def _mock_index(self, server):
        self.mock_server_list_paged.return_value = ([server], False, False)
        self.mock_docker_image_list.return_value = ([], False, False)
        self.mock_containers_for_servers.return_value = ContainerIndex(
            hosts={server.id: 'docker-host-1'}, containers={}, unreachable=set())

    def _post(self, action, server):
        self._mock_index(server)
        res = self.client.post(INDEX_URL, {'action': f'containers__{action}__{server.id}'})
        self.assertRedirectsNoFollow(res, INDEX_URL)

    @helpers.create_mocks({api.nova: ['server_list_paged', 'server_confirm_resize'],
                           api.glance: ['docker_image_list'], api.containers: ['containers_for_servers']})
    def test_confirm_goes_through_nova(self):
        server = make_server(self, status='VERIFY_RESIZE', power=RUNNING)
        self._post('confirm_resize', server)
        self.mock_server_confirm_resize.assert_called_once_with(helpers.IsHttpRequest(), server.id)

    @helpers.create_mocks({api.nova: ['server_list_paged', 'server_revert_resize'],
                           api.glance: ['docker_image_list'], api.containers: ['containers_for_servers']})
    def test_revert_goes_through_nova(self):
        server = make_server(self, status='VERIFY_RESIZE', power=RUNNING)
        self._post('revert_resize', server)
        self.mock_server_revert_resize.assert_called_once_with(helpers.IsHttpRequest(), server.id)
