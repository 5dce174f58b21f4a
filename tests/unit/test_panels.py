"""The enabled files register the Docker panel group, the two project panels and the admin panel."""

import horizon

from docker_dashboard import exceptions as dd_exceptions
from tests import helpers



class PanelRegistrationTests(helpers.TestCase):
    def test_project_panels_are_in_the_docker_group(self):
        project = horizon.get_dashboard('project')
        group = project.get_panel_group('docker')
        self.assertEqual('Docker', str(group.name))
        slugs = [panel.slug for panel in group]
        self.assertEqual(['docker_containers', 'docker_images'], slugs)
        # Horizon's own Object Store "containers" panel is untouched.
        self.assertEqual('containers', project.get_panel('containers').slug)

    def test_admin_hosts_panel_is_registered(self):
        admin = horizon.get_dashboard('admin')
        self.assertEqual('Docker Hosts', str(admin.get_panel('docker_hosts').name))

    def test_plugin_exceptions_are_registered_with_horizon(self):
        from django.conf import settings
        self.assertIn(dd_exceptions.DockerDashboardError, settings.HORIZON_CONFIG['exceptions']['recoverable'])
        self.assertIn(dd_exceptions.DockerNotFound, settings.HORIZON_CONFIG['exceptions']['not_found'])


class DockerGuardTests(helpers.TestCase):
    def test_unit_tests_cannot_reach_a_docker_socket(self):
        import docker
        client = docker.APIClient(base_url='unix:///var/run/docker.sock', version='1.41', timeout=1)
        with self.assertRaises(Exception):
            client.ping()
        self.assertTrue(self.missing_mocks)
        self.missing_mocks = False  # the guard fired as it should; do not fail this test for it


def test_enabled_files_add_each_app_once():
    """Horizon's update_dashboards does not de-duplicate: two files adding the app break Django's start."""
    import docker_dashboard.enabled
    from openstack_dashboard.utils import settings as settings_utils
    apps = []
    settings_utils.update_dashboards([docker_dashboard.enabled], {}, apps)
    assert apps.count('docker_dashboard') == 1
