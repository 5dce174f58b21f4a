"""Policy: a user whom Nova's or Glance's policy denies an action neither sees it nor can run it by posting
the action anyway (Horizon's table checks policy again on POST)."""
from django.test import override_settings
from django.urls import reverse
from openstack_dashboard.api import nova as nova_api

from docker_dashboard import api
from docker_dashboard.api.containers import ContainerIndex
from tests import helpers

CONTAINERS = reverse('horizon:project:docker_containers:index')
IMAGES = reverse('horizon:project:docker_images:index')
LAUNCH = reverse('horizon:project:docker_containers:launch')
DENIED = {'os_compute_api:servers:stop', 'os_compute_api:servers:delete', 'os_compute_api:servers:create',
          'os_compute_api:os-pause-server:pause', 'os_compute_api:servers:reboot', 'delete_image'}


def deny_some(actions, request, target=None):
    """A policy engine that denies the rules in DENIED and allows everything else."""
    return not any(rule in DENIED for _scope, rule in actions)


@override_settings(POLICY_CHECK_FUNCTION=deny_some)
class DeniedContainerActionsTests(helpers.TestCase):
    def _index_mocks(self):
        server = nova_api.Server(self.servers.first(), self.request)
        server.status = 'ACTIVE'
        image = self.images.first()
        server.image = {'id': image.id}
        self.mock_server_list_paged.return_value = ([server], False, False)
        self.mock_docker_image_list.return_value = ([image], False, False)
        self.mock_containers_for_servers.return_value = ContainerIndex(
            hosts={server.id: 'docker-host-1'}, containers={}, unreachable=set())
        return server

    @helpers.create_mocks({api.nova: ['server_list_paged', 'server_stop', 'server_delete', 'server_pause',
                                      'server_reboot'],
                           api.glance: ['docker_image_list'], api.containers: ['containers_for_servers']})
    def test_denied_actions_are_not_shown_and_posting_them_does_nothing(self):
        server = self._index_mocks()
        page = self.client.get(CONTAINERS)
        self.assertEqual(200, page.status_code)
        for action in ('stop', 'delete', 'pause', 'soft_reboot', 'hard_reboot'):
            self.assertNotContains(page, f'containers__{action}__{server.id}')
            self.assertNotContains(page, f'__action_{action}"')
        self.assertContains(page, f'containers__row_{server.id}__action_logs')   # not denied: still there
        for action in ('stop', 'delete', 'pause', 'soft_reboot', 'hard_reboot'):
            self.client.post(CONTAINERS, {'action': f'containers__{action}__{server.id}'})
        self.client.post(CONTAINERS, {'action': 'containers__delete', 'object_ids': server.id})
        self.mock_server_stop.assert_not_called()
        self.mock_server_delete.assert_not_called()
        self.mock_server_pause.assert_not_called()
        self.mock_server_reboot.assert_not_called()

    def test_launch_is_refused(self):
        response = self.client.get(LAUNCH)
        self.assertNotEqual(200, response.status_code)
        response = self.client.post(LAUNCH, {'name': 'x', 'count': '1'})
        self.assertNotEqual(200, response.status_code)


@override_settings(POLICY_CHECK_FUNCTION=deny_some)
class DeniedImageActionsTests(helpers.TestCase):
    @helpers.create_mocks({api.glance: ['docker_image_list_page', 'image_delete']})
    def test_image_delete_is_not_shown_and_posting_it_does_nothing(self):
        image = self.images.first()
        image.owner = self.request.user.project_id   # owners may edit and delete
        self.mock_docker_image_list_page.return_value = ([image], False, False)
        page = self.client.get(IMAGES)
        self.assertEqual(200, page.status_code)
        self.assertNotContains(page, f'docker_images__delete__{image.id}')
        self.assertContains(page, f'docker_images__row_{image.id}__action_edit')   # not denied: still there
        self.client.post(IMAGES, {'action': f'docker_images__delete__{image.id}'})
        self.client.post(IMAGES, {'action': 'docker_images__delete', 'object_ids': image.id})
        self.mock_image_delete.assert_not_called()
