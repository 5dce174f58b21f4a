"""docker_dashboard.api.nova against a mocked novaclient (Horizon's API-test style)."""
from unittest import mock

from docker_dashboard import api
from tests import helpers


class ServerCreateTests(helpers.TestCase):
    @mock.patch('openstack_dashboard.api.nova.get_microversion', return_value='2.87')
    @mock.patch('openstack_dashboard.api._nova.novaclient')
    def test_boots_with_no_network(self, novaclient, _microversion):
        # Horizon's own server_create iterates nics as a list and fails on 'none' (HTTP 500 on the stack).
        created = self.servers.first()
        novaclient.return_value.servers.create.return_value = created
        server = api.nova.server_create(self.request, name=' web ', image_id='img', flavor_id='fl', count=2,
                                        description='d', metadata={'docker_command': 'sleep 1'}, nics='none')
        novaclient.return_value.servers.create.assert_called_once_with(
            'web', 'img', 'fl', nics='none', availability_zone=None, min_count=2, max_count=2,
            meta={'docker_command': 'sleep 1'}, description='d')
        self.assertEqual(created.id, server.id)

    @mock.patch('openstack_dashboard.api.nova.get_microversion', return_value='2.87')
    @mock.patch('openstack_dashboard.api._nova.novaclient')
    def test_boots_on_chosen_networks(self, novaclient, _microversion):
        novaclient.return_value.servers.create.return_value = self.servers.first()
        api.nova.server_create(self.request, name='web', image_id='img', flavor_id='fl',
                               nics=[{'net-id': 'n1'}], availability_zone='nova')
        kwargs = novaclient.return_value.servers.create.call_args.kwargs
        self.assertEqual([{'net-id': 'n1'}], kwargs['nics'])
        self.assertEqual('nova', kwargs['availability_zone'])
        self.assertNotIn('description', kwargs)


class ComputeServicesErrorTests(helpers.TestCase):
    """Horizon lists services and hypervisors with openstacksdk, whose HttpException Horizon's
    exceptions.handle files under "unauthorized": a Nova answering 503 made the admin Docker Hosts panel
    Horizon's 403 page (found on the stack, tests/stack/test_zz_service_faults.py)."""

    @staticmethod
    def sdk_error(status):
        from openstack import exceptions as sdk_exceptions
        return sdk_exceptions.HttpException(message=f'{status}: Server Error for url: http://nova/v2.1',
                                            details='Nova is unavailable', http_status=status)

    def test_a_nova_server_error_is_novaclients_recoverable_error(self):
        from novaclient import exceptions as nova_exceptions
        from openstack_dashboard import exceptions as horizon_exceptions
        for name, call in (('service_list', api.nova.compute_services), ('hypervisor_list', api.nova.hypervisors)):
            with mock.patch(f'openstack_dashboard.api.nova.{name}', side_effect=self.sdk_error(503)):
                with self.assertRaises(nova_exceptions.ClientException) as raised:
                    call(self.request)
            self.assertEqual(503, raised.exception.code)
            self.assertIn('Nova is unavailable', str(raised.exception))
            self.assertNotIsInstance(raised.exception, horizon_exceptions.UNAUTHORIZED)

    def test_not_found_and_refusals_keep_their_meaning(self):
        from novaclient import exceptions as nova_exceptions
        from openstack import exceptions as sdk_exceptions
        with mock.patch('openstack_dashboard.api.nova.service_list', side_effect=self.sdk_error(404)):
            with self.assertRaises(nova_exceptions.NotFound):
                api.nova.compute_services(self.request)
        with mock.patch('openstack_dashboard.api.nova.service_list', side_effect=self.sdk_error(403)):
            with self.assertRaises(sdk_exceptions.HttpException):
                api.nova.compute_services(self.request)
