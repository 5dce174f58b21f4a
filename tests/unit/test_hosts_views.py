"""Admin > Docker Hosts views with docker_dashboard.api mocked: table, detail tabs, access, faults."""
from types import SimpleNamespace

from django.urls import reverse

from docker_dashboard import api
from docker_dashboard import exceptions as dd_exceptions
from docker_dashboard.api.hosts import DiskUsage
from docker_dashboard.api.hosts import HostReport
from tests import helpers

INDEX_URL = reverse('horizon:admin:docker_hosts:index')
HOSTILE = '<script>alert("x")</script>'
SERVER_A = 'aaaaaaaa-0000-0000-0000-000000000001'    # on docker-host-1, has its container
SERVER_B = 'bbbbbbbb-0000-0000-0000-000000000002'    # on docker-host-1, container missing
SERVER_C = 'cccccccc-0000-0000-0000-000000000003'    # building on docker-host-1: not missing (yet)
SERVER_D = 'dddddddd-0000-0000-0000-000000000004'    # Nova places it on docker-host-2
GONE = 'eeeeeeee-0000-0000-0000-000000000005'        # deleted from Nova, container left behind
GLANCE_ID = '11111111-2222-3333-4444-555555555555'
NOVA_ACTIONS = {api.nova: ['compute_services', 'hypervisors', 'servers_all_projects']}


def detail_url(host='docker-host-1', tab=None):
    url = reverse('horizon:admin:docker_hosts:detail', args=[host])
    return url + (f'?tab=docker_host_details__{tab}' if tab else '')


def container(cid, *, uuid=None, name=None, image_id='sha256:' + 'b' * 64, glance=None, state='running'):
    labels = {}
    if uuid:
        labels['org.openstack.nova.instance_uuid'] = uuid
        labels['org.openstack.nova.project_id'] = 'project-x'
    if glance:
        labels['org.openstack.glance.image_id'] = glance
    return {'Id': cid * 64, 'Names': ['/' + (name or f'nova-{uuid}')], 'Labels': labels, 'State': state,
            'Status': 'Up 2 minutes', 'Image': 'busybox:latest', 'ImageID': image_id, 'Created': 1795000000,
            'SizeRw': 4096}


def server(server_id, host, status='ACTIVE', name=None):
    return {'id': server_id, 'name': name or f'srv-{server_id[:4]}', 'tenant_id': 'project-x', 'status': status,
            'OS-EXT-SRV-ATTR:host': host, 'OS-EXT-STS:task_state': None}


def up_report(name='docker-host-1'):
    containers = [container('a', uuid=SERVER_A, glance=GLANCE_ID), container('9', uuid=GONE),
                  container('d', uuid=SERVER_D), container('7', name=HOSTILE)]
    images = [{'Id': 'sha256:' + 'b' * 64, 'RepoTags': [f'glance/{GLANCE_ID}:latest', 'busybox:latest'],
               'Size': 2_000_000, 'Containers': 4},
              {'Id': 'sha256:' + 'c' * 64, 'RepoTags': ['<none>:<none>'], 'Size': 1000, 'Containers': 0}]
    df = {'LayersSize': 2_001_000, 'Images': images, 'Containers': containers,
          'Volumes': [{'UsageData': {'Size': 500}}, {'UsageData': {'Size': -1}}], 'BuildCache': []}
    return HostReport(
        name=name, state='up', tls=False, latency_ms=3.2,
        version={'Version': '20.10.24+dfsg1', 'ApiVersion': '1.41', 'MinAPIVersion': '1.12', 'Os': 'linux'},
        info={'ContainersRunning': 3, 'ContainersPaused': 1, 'ContainersStopped': 0, 'Images': 5, 'NCPU': 2,
              'MemTotal': 24 * 1024 ** 3, 'Driver': 'overlay2', 'DockerRootDir': '/var/lib/docker',
              'Warnings': [HOSTILE]},
        disk=DiskUsage.from_df(df), containers=containers, images=images)


def down_report(name='docker-host-2'):
    return HostReport(name=name, state='unreachable', tls=True, error='The Docker host is unreachable.')


def nova_records(mocks):
    mocks.mock_compute_services.return_value = [
        SimpleNamespace(host='docker-host-1', state='up', status='enabled', updated_at='2026-11-23T19:00:00',
                        disabled_reason=None),
        SimpleNamespace(host='docker-host-2', state='down', status='disabled', updated_at='2026-11-23T18:00:00',
                        disabled_reason='maintenance')]
    mocks.mock_hypervisors.return_value = [SimpleNamespace(
        service_details={'host': 'docker-host-1'}, name='docker-host-1', hypervisor_type='docker', vcpus=2,
        vcpus_used=1, memory_size=24000, memory_used=512, local_disk_size=100, local_disk_free=42, running_vms=3)]
    mocks.mock_servers_all_projects.return_value = [
        server(SERVER_A, 'docker-host-1'), server(SERVER_B, 'docker-host-1', status='SHUTOFF'),
        server(SERVER_C, 'docker-host-1', status='BUILD'), server(SERVER_D, 'docker-host-2')]


def cells(res, host):
    table = res.context['table']
    row = next(row for row in table.get_rows() if row.datum.name == host)
    return {name: str(cell.data) for name, cell in row.cells.items()}


class HostsIndexTests(helpers.BaseAdminViewTests):
    @helpers.create_mocks({**NOVA_ACTIONS, api.hosts: ['host_reports']})
    def test_rows_join_docker_and_nova_and_an_unreachable_host_is_a_row(self):
        self.mock_host_reports.return_value = [up_report(), down_report()]
        nova_records(self)
        res = self.client.get(INDEX_URL)
        self.assertEqual(200, res.status_code)
        self.assertTemplateUsed(res, 'docker_dashboard/hosts/index.html')
        up = cells(res, 'docker-host-1')
        self.assertEqual('up, enabled', up['service'])
        self.assertEqual('Reachable (3.2 ms)', up['state'])
        self.assertEqual('20.10.24+dfsg1', up['version'])
        self.assertEqual('1.41', up['api_version'])
        self.assertEqual('3 running, 1 paused, 0 stopped', up['containers'])
        self.assertEqual('2', up['images'])        # df's images, as the Images tab lists them
        self.assertEqual('2', up['cpus'])
        self.assertEqual('24.0\xa0GB', up['memory'])
        self.assertEqual('overlay2', up['storage_driver'])
        # LayersSize + writable layers (4 x 4096) + volumes (a size of -1 means "not computed")
        self.assertEqual('1.9\xa0MB used, 42 GB free', up['disk'])
        self.assertEqual('3', up['orphans'])      # GONE, SERVER_D (on host 2 per Nova), the unlabelled one
        self.assertEqual('1', up['missing'])      # SERVER_B; SERVER_C is still building
        self.assertEqual('No', up['tls'])
        down = cells(res, 'docker-host-2')
        self.assertEqual('down, disabled', down['service'])
        self.assertEqual('Unreachable', down['state'])
        self.assertEqual('-', down['version'])
        self.assertEqual('-', down['orphans'])
        self.assertEqual('Yes', down['tls'])
        self.assertContains(res, detail_url('docker-host-1'))
        self.mock_host_reports.assert_called_once_with()
        self.mock_servers_all_projects.assert_called_once_with(helpers.IsHttpRequest())

    @helpers.create_mocks({**NOVA_ACTIONS, api.hosts: ['host_reports']})
    def test_nova_failure_leaves_docker_facts_and_says_so(self):
        self.mock_host_reports.return_value = [up_report()]
        self.mock_compute_services.side_effect = self.exceptions.nova
        self.mock_hypervisors.side_effect = self.exceptions.nova
        self.mock_servers_all_projects.side_effect = self.exceptions.nova
        res = self.client.get(INDEX_URL)
        self.assertEqual(200, res.status_code)
        up = cells(res, 'docker-host-1')
        self.assertEqual('not in Nova', up['service'])
        self.assertEqual('20.10.24+dfsg1', up['version'])
        self.assertEqual('-', up['orphans'])
        self.assertEqual('1.9\xa0MB used, free unknown', up['disk'])
        self.assertMessageCount(res, error=3)


class HostDetailTests(helpers.BaseAdminViewTests):
    @helpers.create_mocks({**NOVA_ACTIONS, api.hosts: ['host_report']})
    def test_overview_shows_engine_and_nova_facts_escaped(self):
        self.mock_host_report.return_value = up_report()
        nova_records(self)
        res = self.client.get(detail_url())
        self.assertEqual(200, res.status_code)
        self.mock_host_report.assert_called_once_with('docker-host-1')
        self.assertContains(res, '20.10.24+dfsg1')
        self.assertContains(res, '42 GB free of 100 GB')
        self.assertContains(res, '/var/lib/docker')
        self.assertNotContains(res, HOSTILE)
        self.assertContains(res, '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;')

    @helpers.create_mocks({**NOVA_ACTIONS, api.hosts: ['host_report']})
    def test_overview_counts_images_as_the_images_tab_lists_them(self):
        self.mock_host_report.return_value = up_report()   # `docker info` says 5, `docker system df` lists 2
        nova_records(self)
        res = self.client.get(detail_url())
        self.assertEqual(2, res.context['image_count'])
        self.assertContains(res, '<dd>2 <small class="text-muted">(5 with the intermediate images that only '
                                 'hold layers of these)</small></dd>', html=True)

    @helpers.create_mocks({**NOVA_ACTIONS, api.hosts: ['host_report']})
    def test_orphans_tab_says_why_and_links_missing_servers_to_nova(self):
        self.mock_host_report.return_value = up_report()
        nova_records(self)
        res = self.client.get(detail_url(tab='orphans'))
        orphans = res.context['orphans']
        self.assertEqual(['9' * 12, 'd' * 12, '7' * 12], [c.short_id for c in orphans])
        self.assertEqual(['unknown-server', 'other-host', 'not-nova'], [c.orphan_reason for c in orphans])
        self.assertContains(res, f'Nova has no server {GONE}')
        self.assertContains(res, f'Nova places server {SERVER_D} on docker-host-2')
        self.assertEqual([SERVER_B], [s['id'] for s in res.context['missing']])
        self.assertContains(res, reverse('horizon:admin:instances:detail', args=[SERVER_B]))
        self.assertNotContains(res, HOSTILE)

    @helpers.create_mocks({**NOVA_ACTIONS, api.hosts: ['host_report']})
    def test_containers_tab_links_nova_containers_to_the_containers_panel(self):
        self.mock_host_report.return_value = up_report()
        nova_records(self)
        res = self.client.get(detail_url(tab='containers'))
        self.assertEqual(4, len(res.context['containers']))
        self.assertContains(res, reverse('horizon:project:docker_containers:detail', args=[SERVER_A]))
        self.assertNotContains(res, reverse('horizon:project:docker_containers:detail', args=[GONE]))
        self.assertContains(res, '<span class="text-warning">Orphan</span>', count=3, html=False)

    @helpers.create_mocks({**NOVA_ACTIONS, api.hosts: ['host_report'], api.glance: ['docker_image_list']})
    def test_images_tab_names_the_glance_image_each_came_from(self):
        self.mock_host_report.return_value = up_report()
        nova_records(self)
        self.mock_docker_image_list.return_value = (
            [SimpleNamespace(id=GLANCE_ID, name='busybox:latest')], False, False)
        res = self.client.get(detail_url(tab='images'), HTTP_X_REQUESTED_WITH='XMLHttpRequest')
        images = res.context['images']
        self.assertEqual([[(GLANCE_ID, 'busybox:latest')], []], [image.glance for image in images])
        self.assertEqual([], images[1].tags)
        self.assertContains(res, reverse('horizon:admin:images:detail', args=[GLANCE_ID]))
        self.assertContains(res, 'Not from Glance')
        self.mock_docker_image_list.assert_called_once_with(helpers.IsHttpRequest(), paginate=False)

    @helpers.create_mocks({**NOVA_ACTIONS, api.hosts: ['host_report']})
    def test_unreachable_host_detail_says_so_in_every_tab(self):
        self.mock_host_report.return_value = down_report()
        nova_records(self)
        for tab in ('overview', 'disk', 'containers', 'orphans'):
            res = self.client.get(detail_url('docker-host-2', tab=tab))
            self.assertEqual(200, res.status_code)
            self.assertContains(res, 'did not answer within the configured timeout')
        self.assertContains(res, 'maintenance')

    @helpers.create_mocks({**NOVA_ACTIONS, api.hosts: ['host_report']})
    def test_unknown_host_redirects_to_the_index_with_a_message(self):
        self.mock_host_report.side_effect = dd_exceptions.HostNotResolved()
        res = self.client.get(detail_url('no-such-host'))
        self.assertRedirectsNoFollow(res, INDEX_URL)


class HostsPanelAccessTests(helpers.TestCase):
    @helpers.create_mocks({**NOVA_ACTIONS, api.hosts: ['host_reports', 'host_report']})
    def test_members_cannot_open_the_hosts_panel_or_a_host(self):
        for url in (INDEX_URL, detail_url()):
            res = self.client.get(url)
            self.assertNotEqual(200, res.status_code)
        self.mock_host_reports.assert_not_called()
        self.mock_host_report.assert_not_called()
        self.mock_servers_all_projects.assert_not_called()
