"""Containers table actions: each row offers exactly what Nova's state (status, power, task, lock) allows,
and the lock shows as Horizon's Instances table shows it."""
import copy

from django.test import override_settings
from django.urls import reverse
from novaclient.v2 import servers as nova_servers
from openstack_dashboard.api import nova as nova_api

from docker_dashboard import api
from docker_dashboard.api.containers import ContainerIndex
from docker_dashboard.content.containers import tables as containers_tables
from tests import helpers

INDEX_URL = reverse('horizon:project:docker_containers:index')
RUNNING, SHUTDOWN, PAUSED_POWER, NOSTATE = 1, 4, 3, 0


def make_server(test, *, status, power, task=None, locked=False, docker_state='', docker_host='docker-host-1',
                fault=None):
    info = copy.deepcopy(test.servers.first()._info)
    info.update({'status': status, 'OS-EXT-STS:power_state': power, 'OS-EXT-STS:task_state': task,
                 'locked': locked, 'tenant_id': test.tenant.id})
    if fault is not None:
        info['fault'] = fault
    server = nova_api.Server(nova_servers.Server(None, info, loaded=True), test.request)
    server.docker_host = docker_host
    server.docker_state = docker_state
    return server


# The lifecycle, lock, commit and logs actions (other row actions, e.g. a console link, have their own tests).
LIFECYCLE = {'start', 'stop', 'pause', 'unpause', 'soft_reboot', 'hard_reboot', 'delete', 'lock', 'unlock',
             'snapshot', 'logs'}


def offered(test, server):
    table = containers_tables.ContainersTable(test.request)
    return {action.name for action in table.get_row_actions(server)} & LIFECYCLE


class ContainerActionsTests(helpers.TestCase):
    def test_exited_container_offers_start_delete_commit_logs(self):
        server = make_server(self, status='SHUTOFF', power=SHUTDOWN, docker_state='exited')
        self.assertEqual({'start', 'delete', 'snapshot', 'logs', 'lock'}, offered(self, server))

    def test_running_container_offers_no_start(self):
        server = make_server(self, status='ACTIVE', power=RUNNING, docker_state='running')
        self.assertEqual({'stop', 'pause', 'soft_reboot', 'hard_reboot', 'delete', 'snapshot', 'logs', 'lock'},
                         offered(self, server))

    def test_exited_process_of_an_active_server_offers_no_pause_or_soft_reboot(self):
        # Docker already says exited while Nova has not heard yet: Nova would accept a pause and fail it.
        server = make_server(self, status='ACTIVE', power=RUNNING, docker_state='exited')
        self.assertNotIn('pause', offered(self, server))
        self.assertNotIn('soft_reboot', offered(self, server))
        server = make_server(self, status='ACTIVE', power=SHUTDOWN, docker_state='')
        self.assertNotIn('pause', offered(self, server))

    def test_paused_container_offers_unpause_not_stop(self):
        server = make_server(self, status='PAUSED', power=PAUSED_POWER, docker_state='paused')
        self.assertEqual({'unpause', 'hard_reboot', 'delete', 'snapshot', 'logs', 'lock'}, offered(self, server))

    def test_server_with_a_task_offers_only_delete(self):
        server = make_server(self, status='ACTIVE', power=RUNNING, task='powering-off', docker_state='running')
        self.assertEqual({'delete', 'logs', 'lock'}, offered(self, server))

    def test_error_server_without_container(self):
        server = make_server(self, status='ERROR', power=NOSTATE, docker_host=None)
        self.assertEqual({'delete', 'hard_reboot', 'lock'}, offered(self, server))

    @override_settings(POLICY_CHECK_FUNCTION='openstack_auth.policy.check')
    def test_locked_server_offers_members_only_what_nova_lets_them_do(self):
        server = make_server(self, status='ACTIVE', power=RUNNING, locked=True, docker_state='running')
        # Nova refuses every lifecycle action on a locked server to non-admins; snapshots are not locked.
        self.assertEqual({'unlock', 'snapshot', 'logs'}, offered(self, server))
        server = make_server(self, status='SHUTOFF', power=SHUTDOWN, locked=True, docker_state='exited')
        self.assertEqual({'unlock', 'snapshot', 'logs'}, offered(self, server))

    @helpers.create_mocks({api.nova: ['server_list_paged'], api.glance: ['docker_image_list'],
                           api.containers: ['containers_for_servers']})
    def test_lock_icon_next_to_the_name(self):
        locked = make_server(self, status='ACTIVE', power=RUNNING, locked=True)
        self.mock_server_list_paged.return_value = ([locked], False, False)
        self.mock_docker_image_list.return_value = ([], False, False)
        self.mock_containers_for_servers.return_value = ContainerIndex(
            hosts={locked.id: 'docker-host-1'}, containers={}, unreachable=set())
        res = self.client.get(INDEX_URL)
        self.assertContains(res, 'fa fa-fw fa-lock')
        table = res.context['table']
        names = [column.name for column in table.columns.values()]
        self.assertEqual(names.index('name') + 1, names.index('locked'))

    @helpers.create_mocks({api.nova: ['server_list_paged', 'server_lock'], api.glance: ['docker_image_list'],
                           api.containers: ['containers_for_servers']})
    def test_lock_goes_through_nova(self):
        server = make_server(self, status='ACTIVE', power=RUNNING)
        self.mock_server_list_paged.return_value = ([server], False, False)
        self.mock_docker_image_list.return_value = ([], False, False)
        self.mock_containers_for_servers.return_value = ContainerIndex(
            hosts={server.id: 'docker-host-1'}, containers={}, unreachable=set())
        res = self.client.post(INDEX_URL, {'action': f'containers__lock__{server.id}'})
        self.assertRedirectsNoFollow(res, INDEX_URL)
        self.mock_server_lock.assert_called_once_with(helpers.IsHttpRequest(), server.id)


class ContainerActionsAdminTests(helpers.BaseAdminViewTests):
    @override_settings(POLICY_CHECK_FUNCTION='openstack_auth.policy.check')
    def test_admins_may_act_on_a_locked_server(self):
        server = make_server(self, status='ACTIVE', power=RUNNING, locked=True, docker_state='running')
        self.assertEqual({'stop', 'pause', 'soft_reboot', 'hard_reboot', 'delete', 'snapshot', 'logs', 'unlock'},
                         offered(self, server))
