"""Import wizard and progress page telling the truth: the Review step, messages, escaping, pull and upload
progress, and what a failed import left in Glance (api boundary mocked; PullProgress is plain code)."""
import re
from unittest import mock

from django.contrib.messages import constants
from django.test import override_settings
from django.urls import reverse
from glanceclient import exc as glance_exc

from docker_dashboard import api
from docker_dashboard.api import image_discard
from docker_dashboard.api import image_import
from docker_dashboard.api.pull_progress import PullProgress
from docker_dashboard.content.images.workflows import import_image
from tests import helpers
from tests.unit.test_images_import import IMPORT_URL
from tests.unit.test_images_import import SETTINGS
from tests.unit.test_images_import import wizard


def flat(response) -> str:
    """The page's text with runs of ASCII white space as one space (no-break spaces kept)."""
    return re.sub(r'[ \t\n]+', ' ', response.content.decode())


def queued(response):
    """(level, text) of the messages the request queued."""
    return [(m.level, str(m.message)) for m in response.wsgi_request._messages]


@override_settings(DOCKER_DASHBOARD=SETTINGS)
class WizardTests(helpers.TestCase):
    @helpers.create_mocks({api.nova: ['server_list']})
    def test_option_labels_are_escaped_once(self):
        server = self.servers.first()
        server.status, server.name = 'ACTIVE', 'web "prod" & <b>x</b>'
        self.mock_server_list.return_value = ([server], False)
        html = self.client.get(IMPORT_URL).content.decode()
        self.assertIn('>Upload a &quot;docker save&quot; tarball</option>', html.replace('\n', ''))
        self.assertIn('web &quot;prod&quot; &amp; &lt;b&gt;x&lt;/b&gt;', html)
        self.assertNotIn('&amp;quot;', html)
        self.assertNotIn('<b>x</b>', html)

    @helpers.create_mocks({api.nova: ['server_list'], api.glance: ['images_named'],
                           image_import: ['start_registry_import']})
    def test_a_started_import_is_an_info_message_not_a_success(self):
        self.mock_server_list.return_value = ([], False)
        self.mock_images_named.return_value = []
        self.mock_start_registry_import.return_value = 'job123'
        res = self.client.post(IMPORT_URL, wizard(reference='127.0.0.1:5001/busybox'))
        self.assertEqual([(constants.INFO, 'Import of "127.0.0.1:5001/busybox:latest" started.')], queued(res))

    @helpers.create_mocks({api.nova: ['server_list'], image_import: ['start_registry_import']})
    def test_review_shows_every_input_and_starts_nothing(self):
        self.mock_server_list.return_value = ([], False)
        data = wizard(reference='127.0.0.1:5001/busybox:1.36', name='mine:1', visibility='shared',
                      protected='on', os_command_line='sleep 5', min_ram=64)
        res = self.client.post(IMPORT_URL, data, HTTP_X_DOCKER_DASHBOARD_IMPORT_REVIEW='1')
        self.assertEqual(200, res.status_code)
        text = flat(res)
        for expected in ('<dt>Source</dt> <dd>Registry pull</dd>', '<dd>127.0.0.1:5001/busybox:1.36</dd>',
                         '<dt>Name</dt> <dd>mine:1</dd>', '<dt>Visibility</dt> <dd>Shared</dd>',
                         '<dt>Protected</dt> <dd>Yes</dd>', '<dt>Command override</dt> <dd>sleep 5</dd>',
                         '<dt>Minimum RAM (MB)</dt> <dd>64</dd>'):
            self.assertIn(expected, text)
        self.mock_start_registry_import.assert_not_called()
        self.assertEqual([], queued(res))

    @helpers.create_mocks({api.nova: ['server_list']})
    def test_the_review_step_asks_for_the_summary_when_shown(self):
        self.mock_server_list.return_value = ([], False)
        res = self.client.get(IMPORT_URL)
        self.assertContains(res, "headers: {'%s': '1'}" % import_image.REVIEW_HEADER)
        self.assertContains(res, 'Fill in the previous steps: what will be imported appears here.')


class ProgressPageTests(helpers.TestCase):
    def _page(self, **state):
        job_id = image_import.new_job(self.request, source='registry', name='web:1')
        image_import.update_job(job_id, **state)
        return self.client.get(reverse('horizon:project:docker_images:import_progress', args=[job_id]),
                               HTTP_X_REQUESTED_WITH='XMLHttpRequest')

    def test_a_glance_image_still_being_deleted_is_not_nothing_left_behind(self):
        res = self._page(phase='failed', error='Glance refused or lost the upload.', cleanup='deleting')
        self.assertNotContains(res, 'Nothing was left behind')
        self.assertContains(res, 'The unfinished image is being deleted from Glance.')
        self.assertContains(res, 'data-finished="0"')   # the page keeps asking until the delete is settled
        res = self._page(phase='failed', error='x', cleanup='deleted')
        self.assertContains(res, 'Nothing was left behind in Glance.')
        self.assertContains(res, 'data-finished="1"')
        res = self._page(phase='failed', error='x', cleanup='left')
        self.assertNotContains(res, 'Nothing was left behind')
        self.assertContains(res, 'could not be deleted from Glance; ask an operator to remove it.')

    def test_pull_progress_shows_layers_bytes_stage_and_percentage(self):
        mib = 1024 * 1024
        res = self._page(phase='pulling', layers_done=2, layers_total=5, pull_bytes=50 * mib, pull_total=100 * mib)
        text = flat(res)
        self.assertIn('Step 1 of 3: pulling from the registry on the import host', text)
        self.assertIn('2 of 5 layers, 50.0\xa0MB of 100.0\xa0MB downloaded (50%)', text)
        res = self._page(phase='pulling', layers_done=0, layers_total=3, pull_bytes=mib, pull_total=None)
        text = flat(res)
        self.assertIn('0 of 3 layers, 1.0\xa0MB downloaded', text)
        self.assertNotIn('%', text)

    def test_upload_progress_shows_bytes_and_stage(self):
        res = self._page(phase='uploading', layers_done=5, layers_total=5, pull_bytes=10, pull_total=10,
                         bytes=30 * 1024 * 1024)
        text = flat(res)
        self.assertIn('Step 2 of 3: uploading to Glance', text)
        self.assertIn('30.0\xa0MB sent to Glance', text)
        self.assertIn('5 of 5 layers', text)


class CleanupStateTests(helpers.TestCase):
    @helpers.create_mocks({api.glance: ['image_delete', 'image_get']})
    def test_the_job_says_deleting_until_glance_confirms_the_delete(self):
        self.addCleanup(image_discard._pending.clear)
        job_id = image_import.new_job(self.request, source='registry', name='web:1')
        down = glance_exc.CommunicationError('Glance is away')
        self.mock_image_delete.side_effect = down
        self.mock_image_get.side_effect = down
        with mock.patch('time.sleep'), mock.patch.object(image_discard, '_ensure_reaper'):
            image_import._discard(self.request, 'img-1', lambda **kw: image_import.update_job(job_id, **kw))
        self.assertEqual('deleting', image_import.job_status(self.request, job_id)['cleanup'])
        self.mock_image_delete.side_effect = None                   # Glance is back
        self.mock_image_get.side_effect = glance_exc.HTTPNotFound()
        image_discard.reap_once()
        self.assertEqual('deleted', image_import.job_status(self.request, job_id)['cleanup'])

    @helpers.create_mocks({api.glance: ['image_delete', 'image_get']})
    def test_a_delete_confirmed_at_once_is_deleted(self):
        self.mock_image_delete.return_value = None
        self.mock_image_get.side_effect = glance_exc.HTTPNotFound()
        job_id = image_import.new_job(self.request, source='registry', name='web:1')
        image_import._discard(self.request, 'img-1', lambda **kw: image_import.update_job(job_id, **kw))
        self.assertEqual('deleted', image_import.job_status(self.request, job_id)['cleanup'])
        self.assertIsNone(image_import.job_status(self.request,
                                                  image_import.new_job(self.request, source='registry',
                                                                       name='x'))['cleanup'])


def test_pull_progress_counts_layers_and_bytes():
    progress = PullProgress()
    events = [{'status': 'Pulling from test/web', 'id': 'latest'},
              {'status': 'Already exists', 'id': 'a'},
              {'status': 'Pulling fs layer', 'id': 'b'}, {'status': 'Pulling fs layer', 'id': 'c'},
              {'status': 'Downloading', 'id': 'b', 'progressDetail': {'current': 100, 'total': 1000}}]
    for event in events:
        progress.feed(event)
    assert progress.report() == {'layers_done': 1, 'layers_total': 3, 'pull_bytes': 100, 'pull_total': None}
    progress.feed({'status': 'Downloading', 'id': 'c', 'progressDetail': {'current': 50, 'total': 500}})
    assert progress.report()['pull_total'] == 1500
    assert progress.feed({'status': 'Download complete', 'id': 'b'}) in (True, False)
    assert progress.feed({'status': 'Pull complete', 'id': 'b'}) is True   # a layer finished: report now
    assert progress.report() == {'layers_done': 2, 'layers_total': 3, 'pull_bytes': 1050, 'pull_total': 1500}
    progress.feed({'status': 'Pull complete', 'id': 'c'})
    progress.feed({'status': 'Digest: sha256:0123', 'id': None})
    assert progress.report() == {'layers_done': 3, 'layers_total': 3, 'pull_bytes': 1500, 'pull_total': 1500}
