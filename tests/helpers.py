"""Test helpers: Horizon's TestCase, plus a guard against real Docker connections in unit tests."""
import traceback

from docker.transport import unixconn
from openstack_dashboard.test import helpers

create_mocks = helpers.create_mocks
IsHttpRequest = helpers.IsHttpRequest


class DockerGuardMixin:
    """Fails the test if it opens a Docker Unix socket: unit tests mock docker_dashboard.api.

    Horizon's TestCase already blocks TCP (HTTPConnection.connect); docker-py's Unix-socket
    connections go around that, so they are blocked here too.
    """

    def setUp(self):
        self._real_unix_connect = unixconn.UnixHTTPConnection.connect
        test = self

        def refuse(conn):
            traceback.print_stack()
            test.missing_mocks = True
            raise ConnectionRefusedError('unit tests must not reach a Docker host')

        unixconn.UnixHTTPConnection.connect = refuse
        super().setUp()

    def tearDown(self):
        unixconn.UnixHTTPConnection.connect = self._real_unix_connect
        super().tearDown()


class TestCase(DockerGuardMixin, helpers.TestCase):
    """A project-member view test case."""


class BaseAdminViewTests(DockerGuardMixin, helpers.BaseAdminViewTests):
    """An admin view test case."""


class ContainerDetailTestCase(TestCase):
    """A container detail page test: the Overview tab (always rendered) names the server's image with
    one Glance call through docker_dashboard.api.glance.image_get, answered here with a test image."""

    def setUp(self):
        from unittest import mock

        from docker_dashboard import api
        super().setUp()
        patcher = mock.patch.object(api.glance, 'image_get', return_value=self.images.first())
        patcher.start()
        self.addCleanup(patcher.stop)
