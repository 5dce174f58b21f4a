"""What Nova's API promises of a compute driver, checked through Nova's API on the real stack (not by
calling the driver's methods): every hostname Nova accepts boots (an FQDN at microversion 2.94, as
Tempest's ServersV294TestFqdnHostnames boots it), and Neutron interfaces attach to and detach from a
running container (`openstack server add network` / `server remove port`)."""
from __future__ import annotations

import pytest
from novaclient import client as nova_client

from tests.stack import nova_helpers as h
from tests.stack.neutron_helpers import endpoint, own_network, ports_of

pytestmark = pytest.mark.stack

PREFIX = 'napi'
PLACEMENT = {'service_type': 'placement', 'interface': 'public'}
# Tempest 47.0.0's hostname: 78 characters, more than the kernel's 64 for a host name.
FQDN = 'x' * 52 + '-guest-test.domaintest.com'


@pytest.fixture
def servers(openstack):
    created: list[str] = []
    yield created
    h.delete_servers(openstack.nova('demo'), created)


def test_an_fqdn_hostname_boots_as_host_name_and_domain_name(openstack, servers):
    nova = nova_client.Client('2.94', session=openstack.session('demo'))
    server = nova.servers.create(h.unique(PREFIX), image=h.image_id(openstack.glance('demo'), 'busybox:latest'),
                                 flavor=h.flavor(nova).id, nics='none', hostname=FQDN,
                                 meta={'docker_command': h.shell(h.SLEEP_FOREVER)})
    servers.append(server.id)
    server = h.wait_active(nova, server.id)
    assert getattr(server, 'OS-EXT-SRV-ATTR:hostname') == FQDN
    config = h.container(openstack, h.host_of(openstack, server), server.id)['Config']
    assert (config['Hostname'], config['Domainname']) == ('x' * 52 + '-guest-test', 'domaintest.com')


def test_an_interface_attaches_and_detaches_through_the_nova_api(openstack, servers):
    nova = openstack.nova('demo')
    server = h.boot(nova, h.image_id(openstack.glance('demo'), 'busybox:latest'),
                    name=h.unique(PREFIX), meta={'docker_command': h.shell(h.SLEEP_FOREVER)})
    servers.append(server.id)
    server = h.wait_active(nova, server.id)
    host = h.host_of(openstack, server)
    with own_network(openstack, h.unique(PREFIX)) as network:
        # Nova refused this with 400 "Attaching interfaces is not supported" before the driver said it can.
        attachment = nova.servers.interface_attach(server.id, port_id=None, net_id=network['id'], fixed_ip=None)
        (port,) = ports_of(openstack, server.id)
        assert port['id'] == attachment.port_id and port['network_id'] == network['id']
        on_net = h.wait_for(lambda: endpoint(h.container(openstack, host, server.id), network['id']), 30,
                            message='the container on the Docker network of the attached port')
        assert on_net['IPAddress'] == port['fixed_ips'][0]['ip_address']
        assert [i.port_id for i in nova.servers.interface_list(server.id)] == [port['id']]

        nova.servers.interface_detach(server.id, port['id'])
        h.wait_for(lambda: ports_of(openstack, server.id) == [], 60, message='the port detached in Neutron')
        h.wait_for(lambda: endpoint(h.container(openstack, host, server.id), network['id']) is None, 30,
                   message='the container off the Docker network of the detached port')
        assert h.docker_state(openstack, host, server.id) == 'running'


@pytest.mark.parametrize('host', h.HOSTS)
def test_placement_shows_the_capabilities_the_driver_has_and_no_other(openstack, host):
    """Nova turns a driver's capabilities into traits of its resource provider; the scheduler and the
    API decide by them (a missing one made Nova refuse interface attach before asking the driver)."""
    session, version = openstack.session('admin'), {'OpenStack-API-Version': 'placement 1.6'}
    (provider,) = session.get('/resource_providers', params={'name': host}, endpoint_filter=PLACEMENT,
                              headers=version).json()['resource_providers']
    traits = set(session.get(f'/resource_providers/{provider["uuid"]}/traits', endpoint_filter=PLACEMENT,
                             headers=version).json()['traits'])
    assert {'COMPUTE_NET_ATTACH_INTERFACE', 'COMPUTE_IMAGE_TYPE_RAW'} <= traits
    lacks = {'COMPUTE_DEVICE_TAGGING', 'COMPUTE_NET_ATTACH_INTERFACE_WITH_TAG', 'COMPUTE_VOLUME_MULTI_ATTACH',
             'COMPUTE_VOLUME_EXTEND', 'COMPUTE_TRUSTED_CERTS', 'COMPUTE_IMAGE_TYPE_QCOW2', 'COMPUTE_IMAGE_TYPE_ISO'}
    assert not traits & lacks, traits & lacks


def test_console_output_through_nova_has_one_replacement_per_character(openstack, servers):
    """Invalid UTF-8 read 6 replacement characters in Nova's console output (one per byte of the two
    U+FFFD the json-file log holds) and 2 in the panel; 'é' read 2."""
    nova = openstack.nova('demo')
    command = h.shell("printf 'a\\377\\376b caf\\303\\251\\nend\\n'; sleep 600")
    server = h.boot(nova, h.image_id(openstack.glance('demo'), 'busybox:latest'), name=h.unique(PREFIX),
                    meta={'docker_command': command})
    servers.append(server.id)
    h.wait_active(nova, server.id)
    output = h.wait_for(lambda: (o := nova.servers.get_console_output(server.id)) and 'end' in o and o, 30,
                        message='the console output')
    assert output == 'a\ufffd\ufffdb caf\ufffd\nend\n'
