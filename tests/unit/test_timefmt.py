"""Docker times shown like Horizon's own dates: the user's timezone and format, the exact UTC value on hover.

Docker gives Unix seconds in some places and RFC 3339 with nanoseconds in others; every page shows both
the same way, in the timezone the user chose in Horizon's settings (the django_timezone cookie).
"""
import datetime

from django.utils import timezone
from django.utils import translation

from docker_dashboard import api
from docker_dashboard import timefmt
from docker_dashboard.api import image_upload
from docker_dashboard.api import tarball
from docker_dashboard.templatetags import docker_format
from tests import helpers
from tests.unit import test_containers_views as containers_views
from tests.unit import test_hosts_views as hosts_views
from tests.unit import test_images_views as images_views
from tests.unit.test_images_data import docker_image

EPOCH = 1700000000                         # 2023-11-14T22:13:20Z: Nov. 15, 2023, 7:13 a.m. in Tokyo
ISO_NS = '2023-11-14T22:13:20.123456789Z'  # the same second, with Docker's nanoseconds
TOKYO = 'Asia/Tokyo'


def tag(iso, text):
    return f'<time datetime="{iso}" title="{iso}">{text}</time>'


class TimeFormatTests(helpers.TestCase):
    def test_every_docker_form_is_one_moment(self):
        utc = datetime.datetime(2023, 11, 14, 22, 13, 20, tzinfo=datetime.timezone.utc)
        self.assertEqual(utc, timefmt.parse(EPOCH))
        self.assertEqual(utc, timefmt.parse(str(EPOCH)))
        self.assertEqual(utc.replace(microsecond=123456), timefmt.parse(ISO_NS))
        self.assertEqual(utc, timefmt.parse('2023-11-15T07:13:20+09:00'))     # `docker info` SystemTime
        self.assertEqual(utc, timefmt.parse('2023-11-14T22:13:20.000000'))    # Nova: UTC without an offset
        self.assertEqual(ISO_NS, timefmt.exact(ISO_NS))                         # nothing lost on hover
        self.assertEqual('2023-11-14T22:13:20Z', timefmt.exact(EPOCH))
        self.assertEqual('2023-11-14T22:13:20.5Z', timefmt.exact('2023-11-15T07:13:20.5+09:00'))

    def test_never_and_nonsense_are_no_time(self):
        for value in ('0001-01-01T00:00:00Z', 0, None, '', 'yesterday', True, -5):
            self.assertIsNone(timefmt.parse(value), value)
            self.assertEqual('-', docker_format.docker_time(value))

    def test_shown_in_the_active_timezone_and_language(self):
        with timezone.override(TOKYO), translation.override('en'):
            self.assertEqual('Nov. 15, 2023, 7:13 a.m.', timefmt.local_text(EPOCH))
            self.assertEqual(tag('2023-11-14T22:13:20Z', 'Nov. 15, 2023, 7:13 a.m.'),
                             docker_format.docker_time(EPOCH))
        with timezone.override('UTC'), translation.override('de'):
            self.assertEqual('14. November 2023 22:13', timefmt.local_text(ISO_NS))


class PagesShowDockerTimesTests(helpers.ContainerDetailTestCase):
    def setUp(self):
        super().setUp()
        self.client.cookies['django_timezone'] = TOKYO

    @helpers.create_mocks({api.nova: ['server_get'], api.containers: ['container_for_server']})
    def test_container_overview(self):
        server = self.servers.first()
        self.mock_server_get.return_value = server
        container = containers_views.container_of(server, running=False)
        container.attrs['Created'] = ISO_NS
        container.attrs['State']['StartedAt'] = '2023-11-14T22:13:21.000000001Z'
        container.attrs['State']['FinishedAt'] = '0001-01-01T00:00:00Z'    # Docker's "never"
        self.mock_container_for_server.return_value = container
        res = self.client.get(containers_views.detail_url(server.id))
        self.assertContains(res, tag(ISO_NS, 'Nov. 15, 2023, 7:13 a.m.'), html=True)
        self.assertContains(res, tag('2023-11-14T22:13:21.000000001Z', 'Nov. 15, 2023, 7:13 a.m.'), html=True)
        self.assertContains(res, '<dt>Finished</dt><dd>-</dd>', html=False)
        self.assertNotContains(res, '0001-01-01')
        # Nova's Created on the same page, shown by Horizon's own filter: the same timezone and format.
        self.assertContains(res, '<dd>Feb. 29, 2012, 4:51 a.m.</dd>', html=False)

    @helpers.create_mocks({api.glance: ['image_get'], api.images: ['image_locate', 'image_history']})
    def test_layers_from_a_host_history(self):
        image = docker_image(self.tenant.id)
        self.mock_image_get.return_value = image
        self.mock_image_locate.return_value = images_views.LOADED
        self.mock_image_history.return_value = [dict(row, Created=EPOCH) for row in images_views.HISTORY]
        res = self.client.get(images_views.detail_url(image.id, 'layers'), HTTP_X_REQUESTED_WITH='XMLHttpRequest')
        self.assertContains(res, tag('2023-11-14T22:13:20Z', 'Nov. 15, 2023, 7:13 a.m.'), count=2, html=True)
        self.assertNotContains(res, str(EPOCH))

    @helpers.create_mocks({api.glance: ['image_get'], api.images: ['image_locate'],
                           image_upload: ['tarball_facts']})
    def test_layers_from_the_tarball(self):
        image = docker_image(self.tenant.id)
        self.mock_image_get.return_value = image
        self.mock_image_locate.return_value = None
        self.mock_tarball_facts.return_value = tarball.TarballFacts(
            repo_tags=['busybox:latest'], repo_tag='busybox:latest', done=True,
            config={'history': [{'created_by': 'ADD rootfs', 'created': ISO_NS}]}, layers=[('l/layer.tar', 10)])
        res = self.client.get(images_views.detail_url(image.id, 'layers'), HTTP_X_REQUESTED_WITH='XMLHttpRequest')
        self.assertContains(res, tag(ISO_NS, 'Nov. 15, 2023, 7:13 a.m.'), html=True)
        self.assertContains(res, 'Size (uncompressed content)')


class HostPagesShowDockerTimesTests(helpers.BaseAdminViewTests):
    def setUp(self):
        super().setUp()
        self.client.cookies['django_timezone'] = TOKYO

    @helpers.create_mocks({**hosts_views.NOVA_ACTIONS, api.hosts: ['host_report']})
    def test_host_overview_and_containers(self):
        report = hosts_views.up_report()
        report.info['SystemTime'] = '2023-11-15T07:13:20.123456789+09:00'
        self.mock_host_report.return_value = report
        hosts_views.nova_records(self)
        res = self.client.get(hosts_views.detail_url())
        self.assertContains(res, tag(ISO_NS, 'Nov. 15, 2023, 7:13 a.m.'), html=True)
        self.assertContains(res, tag('2026-11-23T19:00:00Z', 'Nov. 24, 2026, 4 a.m.'), html=True)  # Nova's
        res = self.client.get(hosts_views.detail_url(tab='containers'))
        # 'Created': 1795000000 in the test rows (Unix seconds, as `docker ps` gives them)
        self.assertContains(res, tag('2026-11-18T11:06:40Z', 'Nov. 18, 2026, 8:06 p.m.'), html=True)
