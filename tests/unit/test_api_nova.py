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
