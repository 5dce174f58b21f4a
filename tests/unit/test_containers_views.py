"""Containers panel views with docker_dashboard.api mocked (Horizon's way): index, detail tabs, actions."""

from django.urls import reverse
from openstack_dashboard.api import nova as nova_api

from docker_dashboard import api
from docker_dashboard import exceptions as dd_exceptions
from docker_dashboard.api.containers import ContainerIndex
from docker_dashboard.api.containers import ContainerSummary
from docker_dashboard.api.containers import ServerContainer
from tests import helpers

INDEX_URL = reverse('horizon:project:docker_containers:index')
HOSTILE = '<script>alert("x")</script>'


def detail_url(server_id, tab=None):
    url = reverse('horizon:project:docker_containers:detail', args=[server_id])
    return url + (f'?tab=container_details__{tab}' if tab else '')


def container_of(server, running=True, **config):
    attrs = {'Id': 'f' * 64, 'Name': '/nova-' + server.id, 'Created': '2026-11-23T10:00:00Z',
             'State': {'Status': 'running' if running else 'exited', 'Running': running,
                       'StartedAt': '2026-11-23T10:00:01Z', 'ExitCode': 0 if running else 3},
             'Config': dict({'Cmd': ['sh', '-c', 'echo hi'], 'Env': ['PATH=/bin', 'SECRET=hunter2'],
                             'Labels': {'org.openstack.nova.instance_uuid': server.id, 'evil': HOSTILE}},
                            **config),
             'Mounts': [], 'RestartCount': 2}
    return ServerContainer(server_id=server.id, host='docker-host-1', id=attrs['Id'], name=attrs['Name'][1:],
                           attrs=attrs)


class ContainersIndexTests(helpers.TestCase):
    def _servers(self):
        # Wrapped the way Horizon's api.nova returns them (attributes not in Server._attrs are hidden).
        servers = [nova_api.Server(server, self.request) for server in self.servers.list()[:3]]
        docker_image = self.images.first()
        for server in servers:
            server.image = {'id': docker_image.id}
        servers[2].image = {'id': 'not-a-docker-image'}
        return servers, docker_image

    @helpers.create_mocks({api.nova: ['server_list_paged'], api.glance: ['docker_image_list'],
                           api.containers: ['containers_for_servers']})
    def test_rows_join_nova_and_one_docker_list_per_host(self):
        servers, image = self._servers()
        self.mock_server_list_paged.return_value = (servers, False, False)
        self.mock_docker_image_list.return_value = ([image], False, False)
        self.mock_containers_for_servers.return_value = ContainerIndex(
            hosts={servers[0].id: 'docker-host-1', servers[1].id: 'docker-host-2'},
            containers={servers[0].id: ContainerSummary('docker-host-1', 'c1', 'running', 'Up 3 minutes', 0)},
            unreachable=set())
        res = self.client.get(INDEX_URL)
        self.assertTemplateUsed(res, 'docker_dashboard/containers/index.html')
        rows = res.context['table'].data
        # The third server has neither a Docker image nor a Docker host: not a container.
        self.assertEqual([servers[0].id, servers[1].id], [row.id for row in rows])
        self.assertContains(res, 'Up 3 minutes')
        self.assertContains(res, 'no container')
        self.assertContains(res, image.name)
        # Members never see compute host names, only the neutral label from the hostId they see.
        self.assertNotContains(res, 'docker-host-1')
        self.assertContains(res, 'host ' + servers[0]._apiresource.hostId[:8])
        self.mock_containers_for_servers.assert_called_once_with(helpers.IsHttpRequest(), servers)
        self.mock_docker_image_list.assert_called_once_with(helpers.IsHttpRequest(), paginate=False)

    @helpers.create_mocks({api.nova: ['server_list_paged'], api.glance: ['docker_image_list'],
                           api.containers: ['containers_for_servers']})
    def test_row_of_a_server_with_a_task_keeps_refreshing(self):
        # Nova keeps ACTIVE while powering off: only the task says the row is still moving.
        servers, image = self._servers()
        servers[0]._apiresource._info['OS-EXT-STS:task_state'] = 'powering-off'
        setattr(servers[0]._apiresource, 'OS-EXT-STS:task_state', 'powering-off')
        setattr(servers[1]._apiresource, 'OS-EXT-STS:task_state', None)
        servers[0].status = servers[1].status = 'ACTIVE'
        self.mock_server_list_paged.return_value = (servers, False, False)
        self.mock_docker_image_list.return_value = ([image], False, False)
        self.mock_containers_for_servers.return_value = ContainerIndex(hosts={}, containers={}, unreachable=set())
        res = self.client.get(INDEX_URL)
        rows = {row.datum.id: row for row in res.context['table'].get_rows()}
        self.assertEqual('warning', rows[servers[0].id].status_class)   # transitional: ajax keeps asking
        self.assertEqual('status_up', rows[servers[1].id].status_class)   # settled: no more polling
        self.assertContains(res, 'Powering Off')

    @helpers.create_mocks({api.nova: ['server_get'], api.glance: ['image_get'],
                           api.containers: ['containers_for_servers']})
    def test_refreshed_row_keeps_its_image_name(self):
        servers, image = self._servers()
        self.mock_server_get.return_value = servers[0]
        self.mock_image_get.return_value = image
        self.mock_containers_for_servers.return_value = ContainerIndex(hosts={}, containers={}, unreachable=set())
        res = self.client.get(INDEX_URL + f'?action=row_update&table=containers&obj_id={servers[0].id}',
                              HTTP_X_REQUESTED_WITH='XMLHttpRequest')
        self.assertEqual(200, res.status_code)
        self.assertContains(res, image.name)
        self.mock_image_get.assert_called_once_with(helpers.IsHttpRequest(), image.id)

    @helpers.create_mocks({api.nova: ['server_list_paged'], api.glance: ['docker_image_list'],
                           api.containers: ['containers_for_servers']})
    def test_unreachable_host_marks_rows_and_warns(self):
        servers, image = self._servers()
        self.mock_server_list_paged.return_value = (servers[:2], False, False)
        self.mock_docker_image_list.return_value = ([image], False, False)
        self.mock_containers_for_servers.return_value = ContainerIndex(
            hosts={servers[0].id: 'docker-host-1', servers[1].id: 'docker-host-2'},
            containers={servers[0].id: ContainerSummary('docker-host-1', 'c1', 'running', 'Up 1 hour', 0)},
            unreachable={'docker-host-2'})
        res = self.client.get(INDEX_URL)
        self.assertEqual(200, res.status_code)
        self.assertContains(res, 'host unreachable')
        self.assertContains(res, 'Up 1 hour')
        self.assertMessageCount(res, warning=1)

    @helpers.create_mocks({api.nova: ['server_list_paged'], api.glance: ['docker_image_list'],
                           api.containers: ['containers_for_servers']})
    def test_glance_error_keeps_the_rows_and_says_names_are_missing(self):
        servers, image = self._servers()
        self.mock_server_list_paged.return_value = (servers[:2], False, False)
        self.mock_docker_image_list.side_effect = self.exceptions.glance
        self.mock_containers_for_servers.return_value = ContainerIndex(
            hosts={servers[0].id: 'docker-host-1', servers[1].id: 'docker-host-2'}, containers={},
            unreachable=set())
        res = self.client.get(INDEX_URL)
        self.assertEqual(200, res.status_code)
        self.assertEqual([servers[0].id, servers[1].id], [row.id for row in res.context['table'].data])
        self.assertMessageCount(res, error=1)
        self.assertContains(res, 'image names are not shown')

    @helpers.create_mocks({api.nova: ['server_list_paged'], api.glance: ['docker_image_list']})
    def test_nova_error_is_a_message_not_a_500(self):
        self.mock_docker_image_list.return_value = ([], False, False)
        self.mock_server_list_paged.side_effect = self.exceptions.nova
        res = self.client.get(INDEX_URL)
        self.assertEqual(200, res.status_code)
        self.assertEqual(0, len(res.context['table'].data))
        self.assertMessageCount(res, error=1)

    @helpers.create_mocks({api.nova: ['server_list_paged'], api.glance: ['docker_image_list'],
                           api.containers: ['containers_for_servers']})
    def test_image_name_filter_becomes_an_image_id_filter(self):
        servers, image = self._servers()
        self.mock_docker_image_list.return_value = ([image], False, False)
        self.mock_server_list_paged.return_value = ([servers[0]], False, False)
        self.mock_containers_for_servers.return_value = ContainerIndex(
            hosts={servers[0].id: 'docker-host-1'}, containers={}, unreachable=set())
        res = self.client.post(INDEX_URL, {'containers__filter__q_field': 'image_name',
                                           'containers__filter__q': image.name})
        self.assertRedirectsNoFollow(res, INDEX_URL)  # the filter is kept in the session
        res = self.client.get(INDEX_URL)
        self.assertEqual(200, res.status_code)
        search_opts = self.mock_server_list_paged.call_args[1]['search_opts']
        self.assertEqual(image.id, search_opts['image'])
        self.assertNotIn('image_name', search_opts)

    @helpers.create_mocks({api.nova: ['server_list_paged', 'server_start', 'server_delete'],
                           api.glance: ['docker_image_list'], api.containers: ['containers_for_servers']})
    def test_bulk_delete_reports_per_row_failures_in_one_message(self):
        servers, image = self._servers()
        self.mock_server_list_paged.return_value = (servers[:2], False, False)
        self.mock_docker_image_list.return_value = ([image], False, False)
        self.mock_containers_for_servers.return_value = ContainerIndex(hosts={}, containers={}, unreachable=set())
        self.mock_server_delete.side_effect = [None, self.exceptions.nova]
        res = self.client.post(INDEX_URL, {'action': 'containers__delete',
                                           'object_ids': [servers[0].id, servers[1].id]})
        self.assertRedirectsNoFollow(res, INDEX_URL)
        self.assertEqual(2, self.mock_server_delete.call_count)
        self.assertMessageCount(error=1, info=1)  # Horizon lowers the success level when a row failed

    @helpers.create_mocks({api.nova: ['server_list_paged', 'server_start'], api.glance: ['docker_image_list'],
                           api.containers: ['containers_for_servers']})
    def test_start_action_goes_through_nova(self):
        servers, image = self._servers()
        servers[0].status = 'SHUTOFF'
        self.mock_server_list_paged.return_value = ([servers[0]], False, False)
        self.mock_docker_image_list.return_value = ([image], False, False)
        self.mock_containers_for_servers.return_value = ContainerIndex(hosts={}, containers={}, unreachable=set())
        res = self.client.post(INDEX_URL, {'action': f'containers__start__{servers[0].id}'})
        self.assertRedirectsNoFollow(res, INDEX_URL)
        self.mock_server_start.assert_called_once_with(helpers.IsHttpRequest(), servers[0].id)


class ContainersIndexAdminTests(helpers.BaseAdminViewTests):
    @helpers.create_mocks({api.nova: ['server_list_paged'], api.glance: ['docker_image_list'],
                           api.containers: ['containers_for_servers']})
    def test_admins_see_the_compute_host(self):
        server = self.servers.first()
        self.mock_server_list_paged.return_value = ([server], False, False)
        self.mock_docker_image_list.return_value = ([], False, False)
        self.mock_containers_for_servers.return_value = ContainerIndex(
            hosts={server.id: 'docker-host-1'}, containers={}, unreachable=set())
        res = self.client.get(INDEX_URL)
        self.assertContains(res, 'docker-host-1')


class ContainerDetailTests(helpers.ContainerDetailTestCase):
    @helpers.create_mocks({api.nova: ['server_get'], api.containers: ['container_for_server']})
    def test_overview_shows_docker_facts_escaped_and_env_values_folded(self):
        server = self.servers.first()
        self.mock_server_get.return_value = server
        self.mock_container_for_server.return_value = container_of(server)
        res = self.client.get(detail_url(server.id))
        self.assertEqual(200, res.status_code)
        self.assertContains(res, 'f' * 12)
        self.assertContains(res, 'sh -c &#x27;echo hi&#x27;')  # shell-quoted: copied, it runs the same
        self.assertContains(res, '<summary>Show value</summary><code>hunter2</code>', html=False)
        self.assertNotContains(res, HOSTILE)
        self.assertContains(res, '&lt;script&gt;')
        self.mock_container_for_server.assert_called_once_with(helpers.IsHttpRequest(), server)

    @helpers.create_mocks({api.nova: ['server_get'], api.containers: ['container_for_server'],
                           api.glance: ['image_get']})
    def test_overview_names_the_image_and_shows_its_id_when_glance_is_down(self):
        # Horizon's Server.image_name asks Glance itself and lets CommunicationError (Glance refusing
        # connections) through: the detail page was a 500 (found on the stack, test_zz_service_faults.py).
        from glanceclient import exc as glance_exc
        server = nova_api.Server(self.servers.first(), self.request)
        server.image = {'id': 'img-of-the-server'}
        self.mock_server_get.return_value = server
        self.mock_container_for_server.return_value = container_of(server)
        self.mock_image_get.return_value = self.images.first()
        res = self.client.get(detail_url(server.id))
        self.assertContains(res, f'>{self.images.first().name}</a>', html=False)
        self.mock_image_get.side_effect = glance_exc.CommunicationError(
            'Error finding address for http://127.0.0.1:9292/v2/images/img-of-the-server')
        res = self.client.get(detail_url(server.id))
        self.assertEqual(200, res.status_code)
        self.assertContains(res, '>img-of-the-server</a>', html=False)
        self.assertNotContains(res, '9292')
        self.mock_image_get.assert_called_with(helpers.IsHttpRequest(), 'img-of-the-server')

    @helpers.create_mocks({api.nova: ['server_get'], api.containers: ['container_for_server']})
    def test_missing_container_is_a_message_in_the_page(self):
        server = self.servers.first()
        self.mock_server_get.return_value = server
        self.mock_container_for_server.side_effect = dd_exceptions.ContainerNotFound()
        res = self.client.get(detail_url(server.id))
        self.assertEqual(200, res.status_code)
        self.assertContains(res, 'The container of this server was not found on its Docker host.')

    @helpers.create_mocks({api.nova: ['server_get']})
    def test_nova_error_redirects_to_the_index(self):
        self.mock_server_get.side_effect = self.exceptions.nova
        res = self.client.get(detail_url(self.servers.first().id))
        self.assertRedirectsNoFollow(res, INDEX_URL)

    @helpers.create_mocks({api.nova: ['server_get'], api.containers: ['container_for_server']})
    def test_an_id_nova_does_not_show_this_user_never_reaches_docker(self):
        self.mock_server_get.side_effect = self.exceptions.nova
        for tampered in ('%2e%2e', 'f' * 64, 'nova-abc'):
            res = self.client.get(f'/project/docker_containers/{tampered}/')
            self.assertRedirectsNoFollow(res, INDEX_URL)
        self.mock_container_for_server.assert_not_called()

    @helpers.create_mocks({api.nova: ['server_get'], api.containers: ['container_for_server'],
                           api.logs: ['tail_lines', 'container_logs']})
    def test_logs_tab_embeds_the_live_view_without_reading_the_log(self):
        server = self.servers.first()
        self.mock_server_get.return_value = server
        self.mock_container_for_server.return_value = container_of(server)
        res = self.client.get(detail_url(server.id, 'logs'), HTTP_X_REQUESTED_WITH='XMLHttpRequest')
        self.assertContains(res, 'class="docker-dashboard docker-live-logs"')
        self.assertContains(res, f'data-stream-url="/project/docker_containers/{server.id}/logs/stream"')
        self.assertContains(res, 'docker_dashboard/js/live-logs.js')
        self.mock_tail_lines.assert_not_called()
        self.mock_container_logs.assert_not_called()

    @helpers.create_mocks({api.nova: ['server_get'], api.containers: ['container_for_server']})
    def test_logs_tab_of_unreachable_host_says_so(self):
        server = self.servers.first()
        self.mock_server_get.return_value = server
        self.mock_container_for_server.side_effect = dd_exceptions.DockerHostUnreachable()
        res = self.client.get(detail_url(server.id, 'logs'), HTTP_X_REQUESTED_WITH='XMLHttpRequest')
        self.assertEqual(200, res.status_code)
        self.assertContains(res, 'The Docker host is unreachable.')
        self.assertNotContains(res, 'docker-live-logs')

    @helpers.create_mocks({api.nova: ['server_get'], api.containers: ['container_for_server', 'container_top']})
    def test_processes_tab_uses_dockers_titles(self):
        server = self.servers.first()
        self.mock_server_get.return_value = server
        self.mock_container_for_server.return_value = container_of(server)
        self.mock_container_top.return_value = {'Titles': ['UID', 'PID', 'CMD'],
                                                'Processes': [['root', '42', 'sleep 123']]}
        res = self.client.get(detail_url(server.id, 'processes'), HTTP_X_REQUESTED_WITH='XMLHttpRequest')
        self.assertContains(res, '<th scope="col">PID</th>', html=True)
        self.assertContains(res, 'sleep 123')

    @helpers.create_mocks({api.nova: ['server_get'], api.containers: ['container_for_server', 'container_top']})
    def test_processes_tab_of_stopped_container(self):
        server = self.servers.first()
        self.mock_server_get.return_value = server
        self.mock_container_for_server.return_value = container_of(server, running=False)
        res = self.client.get(detail_url(server.id, 'processes'), HTTP_X_REQUESTED_WITH='XMLHttpRequest')
        self.assertContains(res, 'The container is not running')
        self.mock_container_top.assert_not_called()

    @helpers.create_mocks({api.nova: ['server_get'], api.containers: ['container_for_server', 'container_changes']})
    def test_changes_tab_groups_by_directory_with_counts(self):
        server = self.servers.first()
        self.mock_server_get.return_value = server
        self.mock_container_for_server.return_value = container_of(server)
        self.mock_container_changes.return_value = [
            {'Path': '/data', 'Kind': 1}, {'Path': '/data/a.txt', 'Kind': 1}, {'Path': '/etc', 'Kind': 0},
            {'Path': '/etc/group', 'Kind': 2}]
        res = self.client.get(detail_url(server.id, 'changes'), HTTP_X_REQUESTED_WITH='XMLHttpRequest')
        self.assertContains(res, '4 paths changed in 3 directories')
        self.assertContains(res, '<code>/data</code>', html=False)
        self.assertContains(res, 'A 2')
        self.assertContains(res, 'D 1')


class CommitToImageTests(helpers.TestCase):
    @helpers.create_mocks({api.nova: ['server_snapshot']})
    def test_commit_creates_a_nova_snapshot(self):
        server = self.servers.first()
        self.mock_server_snapshot.return_value = 'new-image-id'
        url = reverse('horizon:project:docker_containers:snapshot', args=[server.id])
        res = self.client.post(url, {'server_id': server.id, 'name': 'mine:v1'})
        self.assertNoFormErrors(res)
        self.assertRedirectsNoFollow(res, reverse('horizon:project:docker_images:index'))
        self.mock_server_snapshot.assert_called_once_with(helpers.IsHttpRequest(), server.id, 'mine:v1')

    @helpers.create_mocks({api.nova: ['server_snapshot']})
    def test_nova_error_on_commit_is_a_message(self):
        server = self.servers.first()
        self.mock_server_snapshot.side_effect = self.exceptions.nova
        url = reverse('horizon:project:docker_containers:snapshot', args=[server.id])
        res = self.client.post(url, {'server_id': server.id, 'name': 'mine:v1'})
        self.assertRedirectsNoFollow(res, INDEX_URL)
        self.assertMessageCount(error=1)


def test_changes_tree_pages_large_diffs():
    from docker_dashboard.content.containers import changes
    diff = [{'Path': f'/d{n // 10}/f{n}', 'Kind': n % 3} for n in range(50000)]
    page = changes.changes_page(diff, page=2)
    assert page.total_paths == 50000 and page.total_directories == 5000
    assert page.pages == 50 and page.page == 2 and len(page.directories) == 100
    assert sum(page.counts.values()) == 50000
    assert changes.changes_page(diff, page=999).page == 50
    single = changes.changes_page([{'Path': f'/big/f{n}', 'Kind': 1} for n in range(500)])
    assert single.directories[0].hidden == 300 and len(single.directories[0].shown_entries()) == 200


