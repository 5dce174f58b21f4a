"""Docker Images panel views with docker_dashboard.api mocked: index, row updates, delete, detail tabs, edit."""
from unittest import mock

from django.urls import reverse

from docker_dashboard import api
from docker_dashboard import exceptions as dd_exceptions
from docker_dashboard.api import image_import
from docker_dashboard.api import image_upload
from docker_dashboard.api import tarball
from tests import helpers
from tests.unit.test_images_data import HOSTILE
from tests.unit.test_images_data import docker_image

INDEX_URL = reverse('horizon:project:docker_images:index')


def detail_url(image_id, tab=None):
    url = reverse('horizon:project:docker_images:detail', args=[image_id])
    return url + (f'?tab=docker_image_details__{tab}' if tab else '')


class ImagesIndexTests(helpers.TestCase):
    @helpers.create_mocks({api.glance: ['docker_image_list_page']})
    def test_rows_show_docker_facts_and_escape_names(self):
        images = [docker_image(self.tenant.id, docker_layers='3'),
                  docker_image(self.tenant.id, id='d0c4e700-0000-4000-8000-000000000002', name=HOSTILE,
                               status='saving', protected=True)]
        self.mock_docker_image_list_page.return_value = (images, False, False)
        res = self.client.get(INDEX_URL)
        self.assertTemplateUsed(res, 'docker_dashboard/images/index.html')
        self.assertEqual(2, len(res.context['table'].data))
        self.assertNotContains(res, HOSTILE)
        self.assertContains(res, '&lt;script&gt;')
        row = res.context['table'].get_rows()[0]
        self.assertEqual('3', row.cells['layers'].data)
        # Members do not get the owner column; the launch link preselects the image.
        self.assertNotIn('owner', res.context['table'].columns)
        launch = reverse('horizon:project:docker_containers:launch') + '?image_id=' + images[0].id
        self.assertContains(res, launch)
        # A saving image's row refreshes itself (Horizon's status/ajax mechanism).
        self.assertContains(res, 'data-update-interval')
        self.mock_docker_image_list_page.assert_called_once_with(
            helpers.IsHttpRequest(), marker=None, reversed_order=False, filters={})

    @helpers.create_mocks({api.glance: ['docker_image_list_page']})
    def test_glance_error_shows_a_message(self):
        self.mock_docker_image_list_page.side_effect = self.exceptions.glance
        res = self.client.get(INDEX_URL)
        self.assertEqual(200, res.status_code)
        self.assertMessageCount(res, error=1)

    @helpers.create_mocks({api.glance: ['docker_image_list_page']})
    def test_pagination_markers_are_passed_to_glance(self):
        self.mock_docker_image_list_page.return_value = ([docker_image(self.tenant.id)], True, True)
        res = self.client.get(INDEX_URL + '?prev_marker=abc')
        self.assertEqual(200, res.status_code)
        self.mock_docker_image_list_page.assert_called_once_with(
            helpers.IsHttpRequest(), marker='abc', reversed_order=True, filters={})

    @helpers.create_mocks({api.glance: ['docker_image_list_page']})
    def test_name_filter_goes_to_glance_and_owner_filter_is_admin_only(self):
        self.mock_docker_image_list_page.return_value = ([], False, False)
        self.client.post(INDEX_URL, {'docker_images__filter__q_field': 'name',
                                     'docker_images__filter__q': 'busybox:latest'})
        self.client.get(INDEX_URL)
        self.assertEqual({'name': 'busybox:latest'}, self.mock_docker_image_list_page.call_args[1]['filters'])
        self.client.post(INDEX_URL, {'docker_images__filter__q_field': 'owner',
                                     'docker_images__filter__q': 'other'})
        self.client.get(INDEX_URL)
        self.assertEqual({}, self.mock_docker_image_list_page.call_args[1]['filters'])

    @helpers.create_mocks({api.glance: ['image_get']})
    def test_row_update_returns_the_fresh_row(self):
        image = docker_image(self.tenant.id, status='saving')
        self.mock_image_get.return_value = image
        url = INDEX_URL + f'?action=row_update&table=docker_images&obj_id={image.id}'
        res = self.client.get(url, HTTP_X_REQUESTED_WITH='XMLHttpRequest')
        self.assertEqual(200, res.status_code)
        self.assertContains(res, 'Saving')
        self.mock_image_get.assert_called_once_with(helpers.IsHttpRequest(), image.id)


class DeleteImageTests(helpers.TestCase):
    def _post(self, images, image_id):
        self.mock_docker_image_list_page.return_value = (images, False, False)
        return self.client.post(INDEX_URL, {'action': f'docker_images__delete__{image_id}'})

    @helpers.create_mocks({api.glance: ['docker_image_list_page', 'image_delete']})
    def test_delete(self):
        image = docker_image(self.tenant.id)
        res = self._post([image], image.id)
        self.assertRedirectsNoFollow(res, INDEX_URL)
        self.mock_image_delete.assert_called_once_with(helpers.IsHttpRequest(), image.id)

    @helpers.create_mocks({api.glance: ['docker_image_list_page', 'image_delete']})
    def test_protected_image_is_refused_with_a_clear_message(self):
        image = docker_image(self.tenant.id, protected=True)
        res = self._post([image], image.id)
        self.assertRedirectsNoFollow(res, INDEX_URL)
        self.mock_image_delete.assert_not_called()
        messages = [str(m) for m in res.wsgi_request._messages]
        self.assertTrue(any('is protected' in m and 'Edit Image' in m for m in messages), messages)

    @helpers.create_mocks({api.glance: ['docker_image_list_page', 'image_delete']})
    def test_glance_refusal_is_reported(self):
        image = docker_image(self.tenant.id)
        self.mock_image_delete.side_effect = self.exceptions.glance
        res = self._post([image], image.id)
        self.assertRedirectsNoFollow(res, INDEX_URL)
        self.assertMessageCount(error=1)


LOADED = api.images.LoadedImage(host='docker-host-1', ref='glance/x:latest', attrs={'Config': {
    'Entrypoint': ['/entry.sh'], 'Cmd': ['sh', '-c', HOSTILE], 'Env': ['PATH=/bin', 'EVIL=' + HOSTILE],
    'ExposedPorts': {'80/tcp': {}}, 'WorkingDir': '/srv', 'User': 'nobody', 'Labels': {'evil': HOSTILE}}})
HISTORY = [
    {'Id': 'sha256:2', 'Created': 1700000100, 'CreatedBy': '/bin/sh -c #(nop)  CMD ["sh"]', 'Size': 0},
    {'Id': 'sha256:1', 'Created': 1700000000, 'CreatedBy': '/bin/sh -c echo ' + HOSTILE + ' ' + 'x' * 300,
     'Size': 2048},
]


class DetailTests(helpers.TestCase):
    def setUp(self):
        super().setUp()
        self.image = docker_image(self.tenant.id, os_command_line='sleep 10', docker_layers='2')

    @helpers.create_mocks({api.glance: ['image_get']})
    def test_overview_shows_glance_facts_and_properties(self):
        self.mock_image_get.return_value = self.image
        res = self.client.get(detail_url(self.image.id))
        self.assertTemplateUsed(res, 'docker_dashboard/images/_detail_overview.html')
        self.assertContains(res, 'busybox:latest')
        self.assertContains(res, 'os_command_line')
        self.assertContains(res, 'sleep 10')

    @helpers.create_mocks({api.glance: ['image_get']})
    def test_non_docker_image_redirects_with_a_message(self):
        self.mock_image_get.return_value = docker_image(self.tenant.id, container_format='bare')
        res = self.client.get(detail_url(self.image.id))
        self.assertRedirectsNoFollow(res, INDEX_URL)

    @helpers.create_mocks({api.glance: ['image_get']})
    def test_missing_image_redirects(self):
        self.mock_image_get.side_effect = self.exceptions.glance
        res = self.client.get(detail_url(self.image.id))
        self.assertRedirectsNoFollow(res, INDEX_URL)

    @helpers.create_mocks({api.glance: ['image_get'], api.images: ['image_locate', 'image_history']})
    def test_layers_from_a_host_full_commands_escaped_empty_layers_collapsed(self):
        self.mock_image_get.return_value = self.image
        self.mock_image_locate.return_value = LOADED
        self.mock_image_history.return_value = HISTORY
        res = self.client.get(detail_url(self.image.id, 'layers'), HTTP_X_REQUESTED_WITH='XMLHttpRequest')
        self.assertTemplateUsed(res, 'docker_dashboard/images/_detail_layers.html')
        self.assertNotContains(res, HOSTILE)
        self.assertContains(res, 'x' * 300)                    # in full, not cut
        self.assertContains(res, 'docker-empty-layers')      # the CMD layer is collapsed
        self.assertContains(res, '2.0\xa0KB')
        self.assertNotContains(res, 'docker-host-1')         # members never see host names
        self.mock_image_locate.assert_called_once_with(self.image.id)
        self.mock_image_history.assert_called_once_with('docker-host-1', 'glance/x:latest')

    @helpers.create_mocks({api.glance: ['image_get'], api.images: ['image_locate'],
                           image_upload: ['tarball_facts']})
    def test_layers_from_the_glance_tarball_when_no_host_has_it(self):
        self.mock_image_get.return_value = self.image
        self.mock_image_locate.return_value = None
        self.mock_tarball_facts.return_value = tarball.TarballFacts(
            repo_tags=['busybox:latest'], repo_tag='busybox:latest', done=True,
            config={'config': {'Cmd': ['sh']}, 'history': [{'created_by': 'ADD rootfs', 'created': 'then'},
                                                           {'created_by': 'CMD sh', 'empty_layer': True}]},
            layers=[('abc/layer.tar', 4096)])
        res = self.client.get(detail_url(self.image.id, 'layers'), HTTP_X_REQUESTED_WITH='XMLHttpRequest')
        self.assertContains(res, 'ADD rootfs')
        self.assertContains(res, 'its tarball in Glance')
        self.assertContains(res, '4.0\xa0KB')

    @helpers.create_mocks({api.glance: ['image_get'], api.images: ['image_locate'],
                           image_upload: ['tarball_facts']})
    def test_layers_say_why_they_cannot_be_shown(self):
        self.mock_image_get.return_value = self.image
        self.mock_image_locate.return_value = None
        self.mock_tarball_facts.side_effect = image_import.ImportFailed('The image has no data yet (status queued).')
        res = self.client.get(detail_url(self.image.id, 'layers'), HTTP_X_REQUESTED_WITH='XMLHttpRequest')
        self.assertContains(res, 'No Docker host has this image loaded')
        self.assertContains(res, 'no data yet')

    @helpers.create_mocks({api.glance: ['image_get'], api.images: ['image_locate', 'image_history']})
    def test_unreachable_host_is_a_message_in_the_tab(self):
        self.mock_image_get.return_value = self.image
        self.mock_image_locate.return_value = LOADED
        self.mock_image_history.side_effect = dd_exceptions.DockerHostUnreachable()
        res = self.client.get(detail_url(self.image.id, 'layers'), HTTP_X_REQUESTED_WITH='XMLHttpRequest')
        self.assertEqual(200, res.status_code)
        self.assertContains(res, 'The Docker host is unreachable.')

    @helpers.create_mocks({api.glance: ['image_get'], api.images: ['image_locate', 'image_history']})
    def test_config_tab(self):
        self.mock_image_get.return_value = self.image
        self.mock_image_locate.return_value = LOADED
        self.mock_image_history.return_value = HISTORY
        res = self.client.get(detail_url(self.image.id, 'config'), HTTP_X_REQUESTED_WITH='XMLHttpRequest')
        self.assertTemplateUsed(res, 'docker_dashboard/images/_detail_config.html')
        for text in ('/entry.sh', '80/tcp', '/srv', 'nobody', 'EVIL', 'evil'):
            self.assertContains(res, text)
        self.assertNotContains(res, HOSTILE)

    @helpers.create_mocks({api.glance: ['image_get'], api.nova: ['server_list']})
    def test_containers_tab_links_the_users_servers(self):
        self.mock_image_get.return_value = self.image
        servers = self.servers.list()[:2]
        self.mock_server_list.return_value = (servers, False)
        res = self.client.get(detail_url(self.image.id, 'containers'), HTTP_X_REQUESTED_WITH='XMLHttpRequest')
        for server in servers:
            self.assertContains(res, reverse('horizon:project:docker_containers:detail', args=[server.id]))
        self.mock_server_list.assert_called_once_with(helpers.IsHttpRequest(), search_opts={'image': self.image.id})

    @helpers.create_mocks({api.glance: ['image_get'], api.nova: ['server_list']})
    def test_containers_tab_nova_error(self):
        self.mock_image_get.return_value = self.image
        self.mock_server_list.side_effect = self.exceptions.nova
        res = self.client.get(detail_url(self.image.id, 'containers'), HTTP_X_REQUESTED_WITH='XMLHttpRequest')
        self.assertEqual(200, res.status_code)
        self.assertContains(res, 'None of your containers')


class UpdateImageTests(helpers.TestCase):
    def setUp(self):
        super().setUp()
        self.image = docker_image(self.tenant.id, os_command_line='sleep 10', min_ram=64)
        self.url = reverse('horizon:project:docker_images:update', args=[self.image.id])

    def _form(self, **changes):
        data = {'image_id': self.image.id, 'name': 'busybox:latest', 'visibility': 'private',
                'protected': 'on', 'os_command_line': '', 'min_ram': 128}
        data.update(changes)
        return data

    @helpers.create_mocks({api.glance: ['image_get']})
    def test_form_shows_current_values(self):
        self.mock_image_get.return_value = self.image
        res = self.client.get(self.url)
        self.assertTemplateUsed(res, 'docker_dashboard/images/update.html')
        self.assertContains(res, 'sleep 10')
        self.assertContains(res, 'value="64"')

    @helpers.create_mocks({api.glance: ['image_get', 'image_update_details']})
    def test_update(self):
        self.mock_image_get.return_value = self.image
        res = self.client.post(self.url, self._form())
        self.assertNoFormErrors(res)
        self.assertRedirectsNoFollow(res, INDEX_URL)
        self.mock_image_update_details.assert_called_once_with(
            helpers.IsHttpRequest(), self.image.id, name='busybox:latest', visibility='private', protected=True,
            min_ram=128, os_command_line='')

    @helpers.create_mocks({api.glance: ['image_get', 'image_update_details', 'images_named']})
    def test_duplicate_name_is_reported(self):
        self.mock_image_get.return_value = self.image
        self.mock_images_named.return_value = [docker_image(self.tenant.id, id='other', name='taken:1')]
        res = self.client.post(self.url, self._form(name='taken:1'))
        self.assertFormErrors(res, 1)
        self.assertContains(res, 'already exists')
        self.mock_image_update_details.assert_not_called()

    @helpers.create_mocks({api.glance: ['image_get', 'image_update_details']})
    def test_glance_error_is_a_message(self):
        self.mock_image_get.return_value = self.image
        self.mock_image_update_details.side_effect = self.exceptions.glance
        res = self.client.post(self.url, self._form())
        self.assertRedirectsNoFollow(res, INDEX_URL)
        self.assertMessageCount(error=1)


class TabsApiHelpersTests(helpers.TestCase):
    def test_layers_from_history_cumulative_sizes(self):
        layers = api.images.layers_from_history(HISTORY)
        self.assertEqual([2, 1], [layer.index for layer in layers])
        self.assertEqual([2048, 2048], [layer.cumulative for layer in layers])
        self.assertTrue(layers[0].empty)

    def test_layers_from_config_assigns_sizes_to_non_empty_entries(self):
        config = {'history': [{'created_by': 'a'}, {'created_by': 'b', 'empty_layer': True}, {'created_by': 'c'}]}
        layers = api.images.layers_from_config(config, [('l1', 10), ('l2', 5)])
        self.assertEqual([('c', 5, 15), ('b', 0, 10), ('a', 10, 10)],
                         [(layer.created_by, layer.size, layer.cumulative) for layer in layers])

    def test_docker_facts_never_raise(self):
        image = docker_image(self.tenant.id)
        with mock.patch.object(api.images, 'image_locate', side_effect=dd_exceptions.DockerHostError('x')), \
                mock.patch.object(image_upload, 'tarball_facts', side_effect=self.exceptions.glance):
            from docker_dashboard.content.images import tabs
            facts = tabs.docker_facts(self.request, image)
        self.assertIn('Glance did not provide', str(facts.error))
