"""The container Overview shows the Neutron addresses (Nova's view) and the Docker network endpoints."""
from django.urls import reverse

from docker_dashboard import api
from docker_dashboard.api.containers import ServerContainer
from docker_dashboard.content.containers import addresses
from tests import helpers

NETWORK_ID = '0b2e3c4d-5e6f-4a1b-8c9d-0e1f2a3b4c5d'
HOSTILE = '<img src=x onerror=alert(1)>'


def detail_url(server_id):
    return reverse('horizon:project:docker_containers:detail', args=[server_id])


def container_with_endpoints(server, networks):
    attrs = {'Id': 'e' * 64, 'Name': '/nova-' + server.id, 'Created': '2026-11-23T10:00:00Z',
             'State': {'Status': 'running', 'Running': True}, 'Config': {'Cmd': ['sleep', '60']},
             'NetworkSettings': {'Networks': networks}}
    return ServerContainer(server_id=server.id, host='docker-host-1', id=attrs['Id'], name=attrs['Name'][1:],
                           attrs=attrs)


def test_nova_addresses_flatten_per_network_and_sort():
    server = type('S', (), {'addresses': {
        'net-b': [{'addr': '10.0.1.5', 'version': 4, 'OS-EXT-IPS:type': 'fixed',
                   'OS-EXT-IPS-MAC:mac_addr': 'fa:16:3e:00:00:01'}],
        'net-a': [{'addr': '10.0.0.9', 'version': 4}, {'addr': '10.0.0.3', 'version': 4}]}})()
    assert [(row['network'], row['addr'], row['mac']) for row in addresses.nova_addresses(server)] == [
        ('net-a', '10.0.0.3', ''), ('net-a', '10.0.0.9', ''), ('net-b', '10.0.1.5', 'fa:16:3e:00:00:01')]
    assert addresses.nova_addresses(type('S', (), {'addresses': {}})()) == []


def test_docker_endpoints_name_their_neutron_network():
    rows = addresses.docker_endpoints({'NetworkSettings': {'Networks': {
        f'neutron-{NETWORK_ID}': {'IPAddress': '10.211.0.7', 'MacAddress': 'fa:16:3e:aa:bb:cc'},
        'none': {'IPAddress': ''}}}})
    assert rows == [
        {'network': f'neutron-{NETWORK_ID}', 'neutron_network_id': NETWORK_ID, 'addr': '10.211.0.7',
         'mac': 'fa:16:3e:aa:bb:cc'},
        {'network': 'none', 'neutron_network_id': None, 'addr': '', 'mac': ''}]
    assert addresses.docker_endpoints({}) == []


class OverviewAddressesTests(helpers.ContainerDetailTestCase):
    @helpers.create_mocks({api.nova: ['server_get'], api.containers: ['container_for_server']})
    def test_overview_lists_neutron_addresses_and_docker_endpoints_escaped(self):
        server = self.servers.first()
        server.addresses = {HOSTILE: [{'addr': '10.211.0.7', 'version': 4, 'OS-EXT-IPS:type': 'fixed',
                                       'OS-EXT-IPS-MAC:mac_addr': 'fa:16:3e:aa:bb:cc'}]}
        self.mock_server_get.return_value = server
        self.mock_container_for_server.return_value = container_with_endpoints(server, {
            f'neutron-{NETWORK_ID}': {'IPAddress': '10.211.0.7', 'MacAddress': 'fa:16:3e:aa:bb:cc'}})
        res = self.client.get(detail_url(server.id))
        self.assertEqual(200, res.status_code)
        self.assertContains(res, 'Networks (Neutron)')
        self.assertContains(res, '<td><code>10.211.0.7</code></td>', count=2, html=True)
        self.assertContains(res, f'<code>neutron-{NETWORK_ID}</code>', html=True)
        self.assertContains(res, 'fa:16:3e:aa:bb:cc')
        self.assertNotContains(res, HOSTILE)

    @helpers.create_mocks({api.nova: ['server_get'], api.containers: ['container_for_server']})
    def test_overview_of_a_container_without_network_says_so(self):
        server = self.servers.first()
        server.addresses = {}
        self.mock_server_get.return_value = server
        self.mock_container_for_server.return_value = container_with_endpoints(server, {'none': {}})
        res = self.client.get(detail_url(server.id))
        self.assertContains(res, 'No network: the container has only its loopback interface.')
