"""Import Image wizard, the streaming upload page and the import progress page, with the api boundary mocked.

The upload tests run the real upload handler, bounded queue and TarballReader; only Glance is mocked:
`image_upload` consumes the reader the way glanceclient does (read(n) until b'').
"""
from unittest import mock

from django.test import override_settings
from glanceclient import exc as glance_exc
from django.urls import reverse

from docker_dashboard import api
from docker_dashboard.api import image_discard
from docker_dashboard.api import image_import
from docker_dashboard.content.images.workflows import import_image
from tests import helpers
from tests.unit.test_images_data import docker_image
from tests.unit.test_images_data import tarball

INDEX_URL = reverse('horizon:project:docker_images:index')
IMPORT_URL = reverse('horizon:project:docker_images:import')
SETTINGS = {
    'hosts': {'docker-host-1': {'url': 'unix:///nonexistent/docker-host-1.sock'}},
    'timeout': 2, 'import_host': 'docker-host-1', 'registry_allowlist': ['127.0.0.1:5001'],
    'upload_max_bytes': 1024 * 1024,
}


def wizard(source='registry', **fields):
    data = {'source': source, 'reference': '', 'repo_tag': '', 'server_id': '', 'name': '',
            'visibility': 'private', 'os_command_line': '', 'min_ram': 0}
    data.update(fields)
    return data


class GoneAfterDeleteMixin:
    """Glance's image_get answers 404 (the image is gone), as it does after a successful delete."""

    def setUp(self):
        super().setUp()
        patcher = mock.patch.object(api.glance, 'image_get', side_effect=glance_exc.HTTPNotFound())
        patcher.start()
        self.addCleanup(patcher.stop)


@override_settings(DOCKER_DASHBOARD=SETTINGS)
class ImportWorkflowTests(GoneAfterDeleteMixin, helpers.TestCase):
    @helpers.create_mocks({api.nova: ['server_list']})
    def test_wizard_opens_with_three_steps(self):
        self.mock_server_list.return_value = (self.servers.list(), False)
        res = self.client.get(IMPORT_URL)
        self.assertTemplateUsed(res, 'horizon/common/_workflow.html')
        workflow = res.context['workflow']
        self.assertEqual(['source', 'details', 'review'], [step.slug for step in workflow.steps])
        self.assertContains(res, '127.0.0.1:5001')      # the allowlist is in the help text

    @helpers.create_mocks({api.nova: ['server_list']})
    def test_nova_error_is_a_message_on_the_wizard_itself(self):
        # The Container choices were filled while the page rendered, after its messages: the message
        # waited for the next page the user opened (seen with nova-api stopped on the stack).
        self.mock_server_list.side_effect = self.exceptions.nova
        res = self.client.get(IMPORT_URL)
        self.assertEqual(200, res.status_code)
        self.assertContains(res, 'Unable to retrieve your containers.')
        self.assertContains(res, 'No running containers')

    @helpers.create_mocks({api.nova: ['server_list'], api.glance: ['images_named'],
                           image_import: ['start_registry_import']})
    def test_registry_import_starts_in_the_background_and_shows_progress(self):
        self.mock_server_list.return_value = ([], False)
        self.mock_images_named.return_value = []
        self.mock_start_registry_import.return_value = 'job123'
        res = self.client.post(IMPORT_URL, wizard(reference='127.0.0.1:5001/busybox', min_ram=64))
        self.assertNoFormErrors(res)
        self.assertRedirectsNoFollow(res, reverse('horizon:project:docker_images:import_progress', args=['job123']))
        self.mock_start_registry_import.assert_called_once_with(
            helpers.IsHttpRequest(), reference='127.0.0.1:5001/busybox:latest',
            details=image_import.ImageDetails(name='127.0.0.1:5001/busybox:latest', visibility='private',
                                              protected=False, min_ram=64, os_command_line=''))

    @helpers.create_mocks({api.nova: ['server_list'], image_import: ['start_registry_import']})
    def test_registry_outside_the_allowlist_is_refused(self):
        self.mock_server_list.return_value = ([], False)
        for reference in ('localhost:5001/busybox:latest', 'evil.example.com/busybox', 'busybox:latest',
                          '127.0.0.1:5001@evil/x', 'http://127.0.0.1:5001/busybox'):
            res = self.client.post(IMPORT_URL, wizard(reference=reference))
            self.assertFormErrors(res, 1)
        self.mock_start_registry_import.assert_not_called()

    @override_settings(DOCKER_DASHBOARD=dict(SETTINGS, import_host=None))
    @helpers.create_mocks({api.nova: ['server_list'], image_import: ['start_registry_import']})
    def test_no_import_host_means_no_registry_imports(self):
        self.mock_server_list.return_value = ([], False)
        res = self.client.post(IMPORT_URL, wizard(reference='127.0.0.1:5001/busybox:latest'))
        self.assertContains(res, 'No import host is configured')
        self.mock_start_registry_import.assert_not_called()

    @helpers.create_mocks({api.nova: ['server_list'], api.glance: ['images_named'],
                           image_import: ['start_registry_import']})
    def test_duplicate_name_is_reported_on_the_details_step(self):
        self.mock_server_list.return_value = ([], False)
        self.mock_images_named.return_value = [docker_image(self.tenant.id)]
        res = self.client.post(IMPORT_URL, wizard(reference='127.0.0.1:5001/busybox:latest', name='busybox:latest'))
        self.assertContains(res, 'An image named &quot;busybox:latest&quot; already exists')
        self.mock_start_registry_import.assert_not_called()

    @helpers.create_mocks({api.nova: ['server_list'], api.glance: ['images_named'],
                           image_import: ['start_registry_import']})
    def test_start_failure_is_a_message(self):
        self.mock_server_list.return_value = ([], False)
        self.mock_images_named.return_value = []
        self.mock_start_registry_import.side_effect = image_import.ImportFailed('Too many imports are running.')
        res = self.client.post(IMPORT_URL, wizard(reference='127.0.0.1:5001/busybox:latest'))
        self.assertRedirectsNoFollow(res, INDEX_URL)
        messages = [str(m) for m in res.wsgi_request._messages]
        self.assertTrue(any('Too many imports' in m for m in messages), messages)

    @helpers.create_mocks({api.nova: ['server_list']})
    def test_upload_source_leads_to_the_upload_page_with_a_ticket(self):
        self.mock_server_list.return_value = ([], False)
        res = self.client.post(IMPORT_URL, wizard(source='upload'))
        self.assertNoFormErrors(res)
        tickets = self.client.session[import_image.SESSION_KEY]
        self.assertEqual(1, len(tickets))
        ticket = next(iter(tickets))
        upload_url = reverse('horizon:project:docker_images:upload', args=[ticket])
        self.assertRedirectsNoFollow(res, upload_url)
        page = self.client.get(upload_url)
        self.assertContains(page, 'enctype="multipart/form-data"')

    @helpers.create_mocks({api.nova: ['server_list', 'server_snapshot'], api.glance: ['images_named',
                                                                                   'image_update_details']})
    def test_commit_a_container_through_nova(self):
        server = self.servers.first()
        server.status = 'ACTIVE'
        self.mock_server_list.return_value = ([server], False)
        self.mock_images_named.return_value = []
        self.mock_server_snapshot.return_value = 'new-image'
        res = self.client.post(IMPORT_URL, wizard(source='container', server_id=server.id, name='mine:1',
                                                  os_command_line='sleep 5'))
        self.assertNoFormErrors(res)
        self.assertRedirectsNoFollow(res, INDEX_URL)
        self.mock_server_snapshot.assert_called_once_with(helpers.IsHttpRequest(), server.id, 'mine:1')
        self.mock_image_update_details.assert_called_once_with(
            helpers.IsHttpRequest(), 'new-image', visibility='private', protected=False, min_ram=0,
            os_command_line='sleep 5')

    @helpers.create_mocks({api.nova: ['server_list', 'server_snapshot'],
                           api.glance: ['images_named', 'image_update_details', 'image_delete']})
    def test_commit_whose_details_fail_leaves_no_image(self):
        server = self.servers.first()
        server.status = 'ACTIVE'
        self.mock_server_list.return_value = ([server], False)
        self.mock_images_named.return_value = []
        self.mock_server_snapshot.return_value = 'new-image'
        self.mock_image_update_details.side_effect = glance_exc.HTTPForbidden('not allowed')
        res = self.client.post(IMPORT_URL, wizard(source='container', server_id=server.id, name='mine:1'))
        self.assertRedirectsNoFollow(res, INDEX_URL)
        self.mock_image_delete.assert_called_once_with(helpers.IsHttpRequest(), 'new-image')
        self.assertMessageCount(error=1)

    @helpers.create_mocks({api.nova: ['server_list', 'server_snapshot']})
    def test_commit_needs_a_container_and_a_name(self):
        self.mock_server_list.return_value = ([], False)
        res = self.client.post(IMPORT_URL, wizard(source='container'))
        self.assertContains(res, 'Choose the container to commit.')
        self.mock_server_snapshot.assert_not_called()


def consume(request, image_id, reader, size=None):
    """What glanceclient does with the file-like object: read chunks until b''."""
    consume.received = b''.join(iter(lambda: reader.read(65536), b''))


@override_settings(DOCKER_DASHBOARD=SETTINGS)
class UploadTests(GoneAfterDeleteMixin, helpers.TestCase):
    def _ticket(self, name='', repo_tag=''):
        """A ticket made the real way: the wizard's upload source (protected, so it is set last)."""
        with mock.patch.object(api.nova, 'server_list', return_value=([], False)), \
                mock.patch.object(api.glance, 'images_named', return_value=[]):
            res = self.client.post(IMPORT_URL, wizard(source='upload', name=name, repo_tag=repo_tag,
                                                      protected='on'))
        self.assertNoFormErrors(res)
        self.upload_url = res['location']
        return self.upload_url

    def _upload(self, url, data, **extra):
        from django.core.files.uploadedfile import SimpleUploadedFile
        return self.client.post(url, {'tarball': SimpleUploadedFile('image.tar', data)}, **extra)

    def _messages(self, res):
        return [str(m) for m in res.wsgi_request._messages]

    def _mock_created(self):
        self.mock_docker_image_create.return_value = docker_image(self.tenant.id, id='up-1', status='queued')

    @helpers.create_mocks({api.glance: ['docker_image_create', 'image_upload', 'images_named',
                                        'image_update_details', 'image_delete']})
    def test_upload_streams_a_checked_tarball_into_glance(self):
        self._mock_created()
        self.mock_image_upload.side_effect = consume
        self.mock_images_named.return_value = [docker_image(self.tenant.id, id='up-1')]   # only itself
        data = tarball(tags=['web:1.0'])
        res = self._upload(self._ticket(), data)
        self.assertRedirectsNoFollow(res, INDEX_URL)
        self.assertEqual(data, consume.received)            # every byte reached Glance unchanged
        self.assertTrue(any('Imported image "web:1.0"' in m for m in self._messages(res)), self._messages(res))
        create = self.mock_docker_image_create.call_args[1]
        self.assertFalse(create['protected'])                # protection comes last, so failures can delete
        self.mock_image_update_details.assert_any_call(helpers.IsHttpRequest(), 'up-1', name='web:1.0',
                                                       properties={'docker_layers': '1'})
        self.mock_image_update_details.assert_any_call(helpers.IsHttpRequest(), 'up-1', protected=True)
        self.mock_image_delete.assert_not_called()
        # The ticket is single use.
        again = self._upload(self.upload_url, data)
        self.assertTrue(any('expired or was already used' in m for m in self._messages(again)))

    def _refused(self, data, expected, **ticket):
        self._mock_created()
        self.mock_image_upload.side_effect = consume
        res = self._upload(self._ticket(**ticket), data)
        self.assertRedirectsNoFollow(res, INDEX_URL)
        messages = self._messages(res)
        self.assertTrue(any(expected in m for m in messages), messages)
        self.mock_image_delete.assert_called_once_with(helpers.IsHttpRequest(), 'up-1')

    @helpers.create_mocks({api.glance: ['docker_image_create', 'image_upload', 'image_delete']})
    def test_path_traversal_is_refused_and_the_image_deleted(self):
        self._refused(tarball(extra=[('../../etc/cron.d/x', b'evil')]), 'with ".."')

    @helpers.create_mocks({api.glance: ['docker_image_create', 'image_upload', 'image_delete']})
    def test_absolute_path_is_refused(self):
        self._refused(tarball(extra=[('/etc/passwd', b'evil')]), 'absolute path')

    @helpers.create_mocks({api.glance: ['docker_image_create', 'image_upload', 'image_delete']})
    def test_not_a_tarball_is_refused(self):
        self._refused(b'this is not a tarball' * 100, 'not a tar archive')

    @helpers.create_mocks({api.glance: ['docker_image_create', 'image_upload', 'image_delete']})
    def test_several_tags_need_a_choice(self):
        self._refused(tarball(tags=['a:1', 'b:2']), 'choose one')

    @helpers.create_mocks({api.glance: ['docker_image_create', 'image_upload', 'image_delete']})
    def test_chosen_tag_must_be_in_the_tarball(self):
        self._refused(tarball(tags=['a:1']), 'no image tagged "c:3"', repo_tag='c:3')

    @helpers.create_mocks({api.glance: ['docker_image_create', 'image_upload', 'image_delete']})
    def test_oversized_stream_is_cut_off(self):
        big = tarball(extra=[('big/layer.tar', b'x' * (1024 * 1024 + 10))])
        # The Content-Length check is bypassed (as a chunked upload would) to exercise the stream bound.
        with override_settings(DOCKER_DASHBOARD=dict(SETTINGS, upload_max_bytes=1024 * 1024)):
            from docker_dashboard.content.images import upload
            original = upload.MULTIPART_OVERHEAD
            upload.MULTIPART_OVERHEAD = 10 * 1024 * 1024
            try:
                self._refused(big, 'larger than the limit')
            finally:
                upload.MULTIPART_OVERHEAD = original

    @helpers.create_mocks({api.glance: ['docker_image_create', 'image_upload', 'image_delete']})
    def test_oversized_content_length_is_refused_before_glance(self):
        big = tarball(extra=[('big/layer.tar', b'x' * (3 * 1024 * 1024))])
        res = self._upload(self._ticket(), big)
        self.assertRedirectsNoFollow(res, INDEX_URL)
        self.assertTrue(any('larger than the limit' in m for m in self._messages(res)))
        self.mock_docker_image_create.assert_not_called()

    @helpers.create_mocks({api.glance: ['docker_image_create', 'image_upload', 'image_delete']})
    def test_glance_upload_failure_deletes_the_image(self):
        self._mock_created()

        def fail_midway(request, image_id, reader, size=None):
            reader.read(1024)
            raise glance_exc.HTTPInternalServerError('store full')
        self.mock_image_upload.side_effect = fail_midway
        res = self._upload(self._ticket(), tarball())
        self.assertTrue(any('Glance refused or lost the upload' in m for m in self._messages(res)))
        self.mock_image_delete.assert_called_once_with(helpers.IsHttpRequest(), 'up-1')

    @helpers.create_mocks({api.glance: ['docker_image_create', 'image_upload', 'image_delete']})
    def test_glance_create_failure_is_reported(self):
        self.mock_docker_image_create.side_effect = glance_exc.HTTPForbidden('quota')
        res = self._upload(self._ticket(name='x:1'), tarball())
        self.assertTrue(any('Unable to import' in m for m in self._messages(res)))
        self.mock_image_upload.assert_not_called()
        self.mock_image_delete.assert_not_called()

    @helpers.create_mocks({api.glance: ['docker_image_create', 'image_upload', 'images_named',
                                        'image_update_details', 'image_delete']})
    def test_tag_taken_meanwhile_is_a_duplicate(self):
        self._mock_created()
        self.mock_image_upload.side_effect = consume
        self.mock_images_named.return_value = [docker_image(self.tenant.id, id='other', name='busybox:latest')]
        res = self._upload(self._ticket(), tarball())
        self.assertTrue(any('already exists' in m for m in self._messages(res)))
        self.mock_image_delete.assert_called_once_with(helpers.IsHttpRequest(), 'up-1')
        self.mock_image_update_details.assert_not_called()

    @helpers.create_mocks({api.glance: ['docker_image_create']})
    def test_no_file_is_an_error(self):
        res = self.client.post(self._ticket(), {'other': 'x'})
        self.assertTrue(any('No tarball was sent' in m for m in self._messages(res)))
        self.mock_docker_image_create.assert_not_called()

    def test_unknown_ticket(self):
        res = self.client.get(reverse('horizon:project:docker_images:upload', args=['nope']))
        self.assertRedirectsNoFollow(res, INDEX_URL)


class ProgressTests(helpers.TestCase):
    def _job(self, **state):
        job_id = image_import.new_job(self.request, source='registry', name='web:1')
        image_import.update_job(job_id, **state)
        return reverse('horizon:project:docker_images:import_progress', args=[job_id])

    def test_failed_import_says_why(self):
        url = self._job(phase='failed', error='The registry has no image "127.0.0.1:5001/nope:latest".')
        res = self.client.get(url)
        self.assertContains(res, 'The registry has no image &quot;127.0.0.1:5001/nope:latest&quot;')
        self.assertContains(res, 'Nothing was left behind')

    def test_running_import_polls_a_partial(self):
        url = self._job(phase='uploading', bytes=10 * 1024 * 1024, image_id='i1')
        res = self.client.get(url, HTTP_X_REQUESTED_WITH='XMLHttpRequest')
        self.assertTemplateUsed(res, 'docker_dashboard/images/_import_progress.html')
        self.assertContains(res, '10.0\xa0MB')
        self.assertContains(res, 'data-finished="0"')

    def test_done_links_the_image(self):
        url = self._job(phase='done', image_id='i1')
        res = self.client.get(url)
        self.assertContains(res, reverse('horizon:project:docker_images:detail', args=['i1']))

    def test_another_users_job_is_not_found(self):
        job_id = image_import.new_job(self.request, source='registry', name='web:1')
        image_import.update_job(job_id, user='someone-else')
        res = self.client.get(reverse('horizon:project:docker_images:import_progress', args=[job_id]))
        self.assertEqual(404, res.status_code)


@override_settings(DOCKER_DASHBOARD=SETTINGS)
class UploadXhrTests(GoneAfterDeleteMixin, helpers.TestCase):
    @helpers.create_mocks({api.glance: ['docker_image_create', 'image_upload', 'images_named',
                                        'image_update_details', 'image_delete']})
    def test_xhr_upload_answers_json_and_keeps_the_message_for_the_next_page(self):
        from django.core.files.uploadedfile import SimpleUploadedFile
        self.mock_docker_image_create.return_value = docker_image(self.tenant.id, id='up-1', status='queued')
        self.mock_image_upload.side_effect = consume
        self.mock_images_named.return_value = []
        url = UploadTests._ticket(self)
        res = self.client.post(url, {'tarball': SimpleUploadedFile('i.tar', tarball())},
                               HTTP_X_DOCKER_DASHBOARD_UPLOAD='1')
        self.assertEqual({'location': INDEX_URL}, res.json())
        with mock.patch.object(api.glance, 'docker_image_list_page', return_value=([], False, False)):
            page = self.client.get(INDEX_URL)
        self.assertContains(page, 'Imported image')


class DiscardTests(helpers.TestCase):
    @helpers.create_mocks({api.glance: ['image_delete', 'image_get']})
    def test_delete_is_retried_until_glance_says_the_image_is_gone(self):
        # Glance still handles the broken-off upload: the first delete fails, the image is still there.
        self.mock_image_delete.side_effect = [glance_exc.HTTPInternalServerError('database is locked'), None]
        self.mock_image_get.side_effect = [docker_image(self.tenant.id, status='queued'), glance_exc.HTTPNotFound()]
        with mock.patch('time.sleep') as sleep:
            image_import.discard_image(self.request, 'img-1')
        self.assertEqual(2, self.mock_image_delete.call_count)
        sleep.assert_called_once()

    @helpers.create_mocks({api.glance: ['image_delete', 'image_get']})
    def test_gives_up_after_a_bounded_number_of_attempts(self):
        self.mock_image_delete.side_effect = glance_exc.HTTPInternalServerError('down')
        self.mock_image_get.return_value = docker_image(self.tenant.id, status='queued')
        with mock.patch('time.sleep'), mock.patch.object(image_discard, '_ensure_reaper'):
            image_import.discard_image(self.request, 'img-1')      # logged, never raised
        self.assertEqual(image_discard.DISCARD_ATTEMPTS, self.mock_image_delete.call_count)
        self.addCleanup(image_discard._pending.clear)

    @helpers.create_mocks({api.glance: ['image_delete', 'image_get']})
    def test_an_image_glance_could_not_delete_is_deleted_once_glance_is_back(self):
        # Glance stopped mid-upload: every attempt fails to connect, the image would stay "saving" for ever
        # once Glance is back (found on the stack, tests/stack/test_zz_import_interrupted.py).
        self.addCleanup(image_discard._pending.clear)
        down = glance_exc.CommunicationError('Error finding address for http://127.0.0.1:9292/v2/images/img-1')
        self.mock_image_delete.side_effect = down
        self.mock_image_get.side_effect = down
        with mock.patch('time.sleep'), mock.patch.object(image_discard, '_ensure_reaper') as reaper:
            image_import.discard_image(self.request, 'img-1')
        reaper.assert_called_once_with()
        self.assertEqual(['img-1'], image_discard.pending())
        image_discard.reap_once()                                   # Glance still away: kept
        self.assertEqual(['img-1'], image_discard.pending())
        self.mock_image_delete.side_effect = None                   # Glance is back
        self.mock_image_get.side_effect = glance_exc.HTTPNotFound()
        image_discard.reap_once()
        self.assertEqual([], image_discard.pending())
        self.mock_image_delete.assert_called_with(helpers.IsHttpRequest(), 'img-1')

    @helpers.create_mocks({api.glance: ['image_delete', 'image_get']})
    def test_background_deletes_end_after_a_bound(self):
        self.addCleanup(image_discard._pending.clear)
        self.mock_image_delete.side_effect = glance_exc.HTTPServiceUnavailable()
        self.mock_image_get.side_effect = glance_exc.HTTPServiceUnavailable()
        with mock.patch.object(image_discard, '_ensure_reaper'):
            image_discard.discard_later(self.request, 'img-2')
        with mock.patch('time.monotonic', return_value=10 ** 9):
            image_discard.reap_once()
        self.assertEqual([], image_discard.pending())
