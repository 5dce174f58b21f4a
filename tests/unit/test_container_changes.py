"""Rebuild / Roll back, Edit, Duplicate and the launch's restart policy, with docker_dashboard.api mocked."""
import copy
import types

from django.urls import reverse
from novaclient.v2 import servers as nova_servers
from openstack_dashboard.api import nova as nova_api

from docker_dashboard import api
from tests import helpers
from docker_dashboard.content.containers import tables as containers_tables
from tests.unit.test_container_actions import RUNNING, SHUTDOWN, make_server
from tests.unit.test_launch_workflow import MOCKS as LAUNCH_MOCKS
from tests.unit.test_launch_workflow import docker_image

INDEX_URL = reverse('horizon:project:docker_containers:index')
LAUNCH_URL = reverse('horizon:project:docker_containers:launch')
CURRENT = '11111111-1111-1111-1111-111111111111'


def image(image_id, name, created='2026-01-01T00:00:00Z', instance_uuid=None, container_format='docker',
          status='active'):
    return types.SimpleNamespace(id=image_id, name=name, created_at=created, container_format=container_format,
                                 status=status, properties={'instance_uuid': instance_uuid} if instance_uuid else {})


def nova_server(test, **info):
    data = copy.deepcopy(test.servers.first()._info)
    data.update({'status': 'ACTIVE', 'OS-EXT-STS:power_state': RUNNING, 'OS-EXT-STS:task_state': None,
                 'locked': False, 'tenant_id': test.tenant.id, 'image': {'id': CURRENT}}, **info)
    return nova_api.Server(nova_servers.Server(None, data, loaded=True), test.request)


def offered(test, server):
    table = containers_tables.ContainersTable(test.request)
    return {action.name for action in table.get_row_actions(server)}


class RebuildTests(helpers.TestCase):
    def setUp(self):
        super().setUp()
        self.server = nova_server(self)
        self.url = reverse('horizon:project:docker_containers:rebuild', args=[self.server.id])
        sid = str(self.server.id)
        self.old_snap = image('aaaaaaaa-0000-0000-0000-000000000001', 'web:snap-1', '2026-01-01T00:00:00Z', sid)
        self.new_snap = image('aaaaaaaa-0000-0000-0000-000000000002', 'web:snap-2', '2026-02-01T00:00:00Z', sid)
        self.other_snap = image('aaaaaaaa-0000-0000-0000-000000000003', 'other:snap', instance_uuid='someone')
        self.current = image(CURRENT, 'busybox:latest')
        self.disk = image('aaaaaaaa-0000-0000-0000-000000000004', 'disk', container_format='bare')

    def _images(self):
        self.mock_server_get.return_value = self.server
        self.mock_docker_image_list.return_value = (
            [self.current, self.old_snap, self.other_snap, self.new_snap, self.disk], False, False)

    @helpers.create_mocks({api.nova: ['server_get'], api.glance: ['docker_image_list']})
    def test_this_containers_snapshots_come_first_newest_preselected(self):
        self._images()
        res = self.client.get(self.url)
        self.assertTemplateUsed(res, 'docker_dashboard/containers/_rebuild.html')
        groups = list(res.context['form'].fields['image_id'].choices)
        self.assertEqual(['Snapshots of this container', 'Other Docker images'], [str(label) for label, _ in groups])
        self.assertEqual([self.new_snap.id, self.old_snap.id], [value for value, _ in groups[0][1]])
        self.assertEqual([self.current.id, self.other_snap.id], [value for value, _ in groups[1][1]])
        self.assertEqual(self.new_snap.id, res.context['form'].fields['image_id'].initial)
        self.assertContains(res, 'busybox:latest (the current image)')
        self.assertContains(res, 'everything written inside it since that image was made is lost')
        self.assertNotContains(res, self.disk.id)

    @helpers.create_mocks({api.nova: ['server_get', 'server_rebuild', 'server_actions'],
                           api.glance: ['docker_image_list']})
    def test_post_rebuilds_through_nova_with_the_users_request(self):
        self._images()
        res = self.client.post(self.url, {'server_id': self.server.id, 'image_id': self.old_snap.id})
        self.assertNoFormErrors(res)
        self.assertRedirectsNoFollow(res, INDEX_URL)
        self.mock_server_rebuild.assert_called_once_with(helpers.IsHttpRequest(), self.server.id, self.old_snap.id)

    @helpers.create_mocks({api.nova: ['server_get', 'server_rebuild'], api.glance: ['docker_image_list']})
    def test_an_image_not_offered_is_refused(self):
        self._images()
        res = self.client.post(self.url, {'server_id': self.server.id, 'image_id': self.disk.id})
        self.assertFormErrors(res, 1)
        self.mock_server_rebuild.assert_not_called()

    @helpers.create_mocks({api.nova: ['server_get', 'server_rebuild'], api.glance: ['docker_image_list']})
    def test_a_nova_refusal_is_a_message(self):
        self._images()
        self.mock_server_rebuild.side_effect = self.exceptions.nova
        res = self.client.post(self.url, {'server_id': self.server.id, 'image_id': self.old_snap.id})
        self.assertRedirectsNoFollow(res, INDEX_URL)
        self.assertMessageCount(error=1)

    def test_rebuild_edit_and_duplicate_are_offered_as_novas_state_allows(self):
        changes = {'rebuild', 'edit', 'duplicate'}
        running = make_server(self, status='ACTIVE', power=RUNNING, docker_state='running')
        running.image = {'id': CURRENT}
        self.assertLessEqual(changes, offered(self, running))
        stopped = make_server(self, status='SHUTOFF', power=SHUTDOWN, docker_state='exited')
        stopped.image = {'id': CURRENT}
        self.assertLessEqual(changes, offered(self, stopped))
        busy = make_server(self, status='ACTIVE', power=RUNNING, task='rebuilding')
        busy.image = {'id': CURRENT}
        self.assertEqual({'duplicate'}, changes & offered(self, busy))
        paused = make_server(self, status='PAUSED', power=3)
        paused.image = {'id': CURRENT}
        self.assertEqual({'duplicate'}, changes & offered(self, paused))


EDIT_MOCKS = {api.nova: ['server_get', 'server_update', 'server_metadata_update', 'server_metadata_delete',
                         'server_rebuild', 'server_actions']}


class EditTests(helpers.TestCase):
    def setUp(self):
        super().setUp()
        self.server = nova_server(self, name='web', description='front', metadata={
            'docker_command': 'sleep 60', 'docker_env_OLD': '1', 'docker_env_KEEP': 'k',
            'docker_restart_policy': 'always'})
        self.url = reverse('horizon:project:docker_containers:edit', args=[self.server.id])

    def _post(self, **overrides):
        form = {'name': 'web', 'description': 'front', 'command': 'sleep 60', 'environment': 'KEEP=k\nOLD=1'}
        form.update(overrides)
        self.mock_server_get.return_value = self.server
        return self.client.post(self.url, form)

    @helpers.create_mocks(EDIT_MOCKS)
    def test_form_shows_the_current_values_and_says_the_container_is_recreated(self):
        self.mock_server_get.return_value = self.server
        res = self.client.get(self.url)
        form = res.context['form']
        self.assertEqual(('web', 'front', 'sleep 60', 'KEEP=k\nOLD=1'),
                         tuple(form.initial[key] for key in ('name', 'description', 'command', 'environment')))
        self.assertContains(res, 'the container is recreated')

    @helpers.create_mocks(EDIT_MOCKS)
    def test_a_new_name_is_saved_without_a_rebuild(self):
        res = self._post(name='web-2', description='')
        self.assertRedirectsNoFollow(res, INDEX_URL)
        self.mock_server_update.assert_called_once_with(helpers.IsHttpRequest(), self.server.id, name='web-2',
                                                        description='')
        self.mock_server_rebuild.assert_not_called()
        self.mock_server_metadata_update.assert_not_called()
        self.mock_server_metadata_delete.assert_not_called()

    @helpers.create_mocks(EDIT_MOCKS)
    def test_a_new_command_and_environment_are_metadata_applied_by_a_rebuild_from_the_same_image(self):
        res = self._post(command='sh -c "echo v2"', environment='KEEP=k\nNEW=2')
        self.assertRedirectsNoFollow(res, INDEX_URL)
        self.mock_server_update.assert_not_called()
        self.mock_server_metadata_delete.assert_called_once_with(helpers.IsHttpRequest(), self.server.id,
                                                                 ['docker_env_OLD'])
        self.mock_server_metadata_update.assert_called_once_with(
            helpers.IsHttpRequest(), self.server.id,
            {'docker_command': 'sh -c "echo v2"', 'docker_env_KEEP': 'k', 'docker_env_NEW': '2'})
        self.mock_server_rebuild.assert_called_once_with(helpers.IsHttpRequest(), self.server.id, CURRENT)

    @helpers.create_mocks(EDIT_MOCKS)
    def test_invalid_input_changes_nothing(self):
        res = self._post(environment='1BAD=x')
        self.assertFormErrors(res, 1)
        res = self._post(command="sh -c 'unbalanced")
        self.assertFormErrors(res, 1)
        for mock in (self.mock_server_update, self.mock_server_metadata_update, self.mock_server_rebuild):
            mock.assert_not_called()

    @helpers.create_mocks(EDIT_MOCKS)
    def test_a_command_change_is_refused_while_nova_would_refuse_the_rebuild(self):
        self.server = nova_server(self, name='web', status='PAUSED', metadata={})
        res = self._post(command='sleep 5', environment='')
        self.assertFormErrors(res, 1)
        self.mock_server_rebuild.assert_not_called()


DUPLICATE_MOCKS = dict(LAUNCH_MOCKS)
DUPLICATE_MOCKS[api.nova] = LAUNCH_MOCKS[api.nova] + ['server_get']


class DuplicateAndRestartPolicyTests(helpers.TestCase):
    def setUp(self):
        super().setUp()
        self.busybox = docker_image(CURRENT, 'busybox:latest')
        self.nginx = docker_image('22222222-2222-2222-2222-222222222222', 'nginx:1.25')
        self.flavor = self.flavors.first()

    def _mock_lists(self, network=False):
        self.mock_availability_zone_list.return_value = self.availability_zones.list()
        self.mock_docker_image_list.return_value = ([self.busybox, self.nginx], False, False)
        self.mock_flavor_list.return_value = self.flavors.list()
        self.mock_tenant_absolute_limits.return_value = dict(self.limits['absolute'])
        self.mock_network_service_enabled.return_value = network
        self.mock_network_list_for_tenant.return_value = self.networks.list() if network else []

    def _form(self, **overrides):
        return dict({'name': 'web', 'count': '1', 'availability_zone': '', 'description': '',
                     'image_id': self.busybox.id, 'flavor_id': self.flavor.id, 'command': 'sleep 60',
                     'environment': 'MODE=production'}, **overrides)

    @helpers.create_mocks(DUPLICATE_MOCKS)
    def test_duplicate_prefills_the_launch_wizard_from_the_container(self):
        self._mock_lists(network=True)
        network = self.networks.first()
        source = nova_server(self, name='web', image={'id': self.nginx.id},
                             flavor={'original_name': self.flavor.name, 'vcpus': 1},
                             addresses={network.name: [{'addr': '10.0.0.3'}]},
                             metadata={'docker_command': 'sleep 60', 'docker_env_A': '1',
                                       'docker_restart_policy': 'on-failure:3', 'docker_interactive': 'true'})
        self.mock_server_get.return_value = source
        res = self.client.get(LAUNCH_URL, {'duplicate': source.id})
        workflow = res.context['workflow']
        values = {name: workflow.get_step(slug).action[name].value() for slug, name in (
            ('details', 'name'), ('image', 'image_id'), ('flavor', 'flavor_id'), ('command', 'command'),
            ('command', 'environment'), ('command', 'interactive'), ('restart', 'restart_policy'), ('restart', 'restart_retries'),
            ('network', 'network_ids'))}
        self.assertEqual({'name': 'web-copy', 'image_id': self.nginx.id, 'flavor_id': self.flavor.id,
                          'command': 'sleep 60', 'environment': 'A=1', 'interactive': True,
                          'restart_policy': 'on-failure',
                          'restart_retries': 3, 'network_ids': [network.id]}, values)
        self.mock_server_get.assert_called_once_with(helpers.IsHttpRequest(), source.id)
        self.mock_server_create.assert_not_called()

    @helpers.create_mocks(LAUNCH_MOCKS)
    def test_restart_policy_travels_as_metadata(self):
        self._mock_lists()
        self.mock_server_create.return_value = self.servers.first()
        res = self.client.post(LAUNCH_URL, self._form(restart_policy='on-failure', restart_retries='2'))
        self.assertRedirectsNoFollow(res, INDEX_URL)
        metadata = self.mock_server_create.call_args.kwargs['metadata']
        self.assertEqual('on-failure:2', metadata['docker_restart_policy'])
        self.assertEqual('production', metadata['docker_env_MODE'])

    @helpers.create_mocks(LAUNCH_MOCKS)
    def test_retries_only_with_on_failure(self):
        self._mock_lists()
        res = self.client.post(LAUNCH_URL, self._form(restart_policy='always', restart_retries='2'))
        self.assertIn('restart_retries', res.context['workflow'].get_step('restart').action.errors)
        self.mock_server_create.assert_not_called()
