"""Nova's own generic virt-driver tests (``_VirtDriverTestCase``, shipped in the nova wheel) run against
nova_docker with the real private dockerd, the way Nova runs them against its fake and libvirt drivers.

That suite turns a driver's NotImplementedError into a logged error instead of a failure; here every
such log is collected and must name a method listed in NOT_IMPLEMENTED (what a container cannot have,
each with its reason, also listed in the README), so a new or vanished NotImplementedError fails.
Glance is the suite's own GlanceFixture for Nova's image records; the driver reads the image data
through the seam its other tests use (FakeImageService serving a real ``docker save`` tarball).
"""
from __future__ import annotations

import inspect
import logging
import warnings
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
import sqlalchemy.exc
from tests.driver.driver_helpers import APP_IMAGE, FakeImageService

from nova import exception
from nova import monkey_patch
from nova.compute import power_state

from nova_docker import conf as docker_conf

# Nova's test packages monkey patch with eventlet on import; nova-compute of Nova 34 and the other
# driver tests in this process run native threads, so the import must leave the process as it is.
with mock.patch.object(monkey_patch, 'patch', lambda *args, **kwargs: None):
    from nova import test as nova_test
    from nova.tests.unit.virt import test_virt_drivers

CONF = docker_conf.CONF
pytestmark = pytest.mark.docker

# The image every instance of the suite boots (nova.tests.fixtures.GlanceFixture's image 'fakeimage123456').
SUITE_IMAGE_ID = 'cedef40a-ed67-4d10-800e-17455edce175'

# driver method -> why a container cannot have it. The suite's tests that hit one of these log it; the
# README lists the same methods and reasons.
NOT_IMPLEMENTED: dict[str, str] = {
    'get_vnc_console': 'a container has no graphical display (its console is the serial console)',
    'get_spice_console': 'a container has no graphical display (its console is the serial console)',
    'get_mks_console': 'a container has no graphical display (its console is the serial console)',
    'trigger_crash_dump': 'no NMI: a container has no kernel of its own to dump',
    'rescue': 'no boot disk to boot a rescue system beside; rebuild from a snapshot instead',
    'unrescue': 'no rescue, see rescue',
    'get_device_name_for_instance': 'no block devices: a container has no /dev/vdX to name',
    'get_instance_disk_info': 'only live migration asks for it, and live migration is refused',
    'live_migration_abort': 'live migration is refused before it starts, so none runs to abort',
    'live_migration_force_complete': 'live migration is refused before it starts, so none runs',
    'soft_delete': "optional hook: Nova's soft delete powers the container off instead",
    'restore': "optional hook: Nova's restore powers the container on instead",
    'attach_volume': 'Cinder volumes are not supported by this driver',
    'get_volume_connector': 'Cinder volumes are not supported by this driver',
    'block_stats': 'Cinder volumes are not supported by this driver (block I/O is in diagnostics)',
    'set_admin_password': 'no guest agent: a container has no password Nova could set',
    'host_power_action': "the host's power is its operator's (Nova's libvirt driver refuses it too)",
    'set_host_enabled': 'the deprecated os-hosts toggle; use openstack compute service set --disable',
}

@pytest.fixture(scope='module', autouse=True)
def _nova_config_of_its_own(configured: None) -> Any:
    """Nova's TestCase parses the configuration itself (and clears it afterwards), which fails once the
    other driver tests' session configuration is parsed: set that aside and put it back afterwards."""
    kept = {(group, name): CONF._get_opt_info(name, group).get('override')
            for group, names in ((None, ['host']), ('docker', list(CONF.docker)))
            for name in names}
    CONF.clear()
    yield
    CONF.clear()
    CONF([], project='nova', default_config_files=[])
    for (group, name), value in kept.items():
        if value is not None:
            CONF.set_override(name, value, group=group)


@pytest.fixture(scope='module', autouse=True)
def _report_not_implemented(request: pytest.FixtureRequest) -> Any:
    """Prints, after the suite, how many of its tests met a NotImplementedError and where."""
    yield
    found = sorted(set(DockerDriverGenericTestCase.not_implemented))
    reporter = request.config.pluginmanager.get_plugin('terminalreporter')
    capture = request.config.pluginmanager.get_plugin('capturemanager')
    if reporter is not None and capture is not None:
        with capture.global_and_fixture_disabled():
            reporter.write_line(f'\nNova generic driver suite: {len(found)} NotImplementedError logs: '
                                + ', '.join(f'{test} ({method})' for method, test in found))


class _NotImplementedLog(logging.Handler):
    """Collects the suite's "<driver> does not implement <method> required for test <test>" records."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.methods: list[tuple[str, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        args = record.args if isinstance(record.args, dict) else {}
        if 'does not implement' in str(record.msg) and 'method' in args:
            self.methods.append((str(args['method']), str(args['test'])))


class _SuiteImages(FakeImageService):
    """The driver's Glance seam: the suite's boot image is the app tarball; snapshot targets are the
    records the suite created in its GlanceFixture."""

    def __init__(self, upload_dir: Any, glance: Any) -> None:
        super().__init__(upload_dir)
        self._glance = glance

    def show(self, context: Any, image_id: str) -> dict:
        if image_id in self.records:
            return self.records[image_id]
        return self._glance.show(context, image_id)


class DockerDriverGenericTestCase(test_virt_drivers._VirtDriverTestCase, nova_test.TestCase):
    """The generic suite with ``nova_docker.driver.DockerDriver`` as the driver under test."""

    not_implemented: list[tuple[str, str]] = []

    @pytest.fixture(autouse=True)
    def _dockerd(self, daemon: Any, app_tarball: Any, tmp_path: Any) -> None:
        self._daemon = daemon
        self._tarball = app_tarball
        self._upload_dir = tmp_path

    def setUp(self) -> None:
        self.driver_module = 'nova_docker.driver.DockerDriver'
        super().setUp()
        # Nova's WarningsFixture makes SQLAlchemy deprecations in nova errors; SQLAlchemy 2.1 (pinned for
        # the stack) deprecates noload(), which nova's own instance queries use.
        warnings.filterwarnings('ignore', message=r'The noload\(\) option is deprecated',
                                category=sqlalchemy.exc.SADeprecationWarning)
        self.flags(api_url=self._daemon.unix_url, api_timeout=10, soft_reboot_timeout=5,
                   start_check_seconds=0, group='docker')
        # Nova's test image record, as a Docker image (disk_format raw, container_format docker).
        self.image_service.images[SUITE_IMAGE_ID].update(container_format='docker', disk_format='raw')
        images = _SuiteImages(self._upload_dir, self.image_service)
        images.add(SUITE_IMAGE_ID, APP_IMAGE, self._tarball)
        self.connection._image_service = images
        handler = _NotImplementedLog()
        suite_log = logging.getLogger(test_virt_drivers.__name__)
        suite_log.addHandler(handler)
        self.addCleanup(suite_log.removeHandler, handler)
        self.addCleanup(self._check_not_implemented, handler)
        self.addCleanup(self.connection.cleanup_host, CONF.host)

    def _clear_attrs(self) -> None:
        """Nova's clean-up drops public instance attributes; pytest set the test method as one and
        deletes it itself afterwards."""
        method = self.__dict__.get(self._testMethodName)
        super()._clear_attrs()
        if method is not None:
            setattr(self, self._testMethodName, method)

    def _check_not_implemented(self, handler: _NotImplementedLog) -> None:
        test_name = self._testMethodName
        type(self).not_implemented.extend(handler.methods)
        for method, _test in handler.methods:
            self.assertIn(method, NOT_IMPLEMENTED,
                          f'{test_name}: the driver raised NotImplementedError in {method}')

    def test_live_migration(self) -> None:
        """Replaces the suite's libvirt-shaped test: live migration is refused before it starts, with
        Nova's own pre-check error, and the container keeps running."""
        instance, _network_info = self._get_running_instance()
        for check in (lambda: self.connection.check_can_live_migrate_destination(
                          self.ctxt, instance, {}, {}),
                      lambda: self.connection.check_can_live_migrate_source(self.ctxt, instance, {})):
            error = self.assertRaises(exception.MigrationPreCheckError, check)
            self.assertIn('cannot live-migrate', error.format_message())
        self.assertEqual(power_state.RUNNING, self.connection.get_info(instance).state)

    @test_virt_drivers.catch_notimplementederror
    def test_live_migration_force_complete(self) -> None:
        """The suite's version first sets libvirt's own active_migrations table."""
        instance, _network_info = self._get_running_instance()
        self.connection.live_migration_force_complete(instance)


def test_not_implemented_methods_are_in_the_readme() -> None:
    readme = (Path(__file__).resolve().parents[2] / 'README.md').read_text()
    missing = [method for method in NOT_IMPLEMENTED if f'`{method}`' not in readme]
    assert not missing, f'README.md does not list {missing}'


def test_not_implemented_methods_are_still_nova_defaults() -> None:
    """A listed method the driver now implements must leave the list (and the README): each is Nova's
    default or the driver's own override that only raises NotImplementedError (with a message)."""
    from nova.virt import driver as nova_driver

    from nova_docker import driver as docker_driver
    implemented = [method for method in NOT_IMPLEMENTED
                   if getattr(docker_driver.DockerDriver, method)
                   is not getattr(nova_driver.ComputeDriver, method)
                   and 'raise NotImplementedError' not in inspect.getsource(
                       getattr(docker_driver.DockerDriver, method))]
    assert not implemented, f'now implemented: {implemented}'
