"""Containers on Neutron networks, end to end on the real stack: two servers booted by demo on a network
the module makes for itself (the user's stack may hold demo-net containers of the user's own), on one
Docker host (an affinity server group), get their Neutron ports bound by the nova_docker mechanism driver, their containers have exactly the ports' fixed IPs and MACs, reach each other, and the
panel shows the addresses; deleting them removes the endpoints, the ports and, with the last user, the
Docker network. A port on a host that does not run nova_docker is refused at binding.
"""
from __future__ import annotations

import uuid

import pytest

from tests.stack import nova_helpers as h
from tests.stack.horizon import Horizon, hidden_fields
from tests.stack.neutron_helpers import NEUTRON, endpoint, neutron_get, own_network, ports_of

pytestmark = pytest.mark.stack

PREFIX = 'nnet'
INDEX = '/project/docker_containers/'


def exec_in(client, server_id, cmd):
    exec_id = client.exec_create(f'nova-{server_id}', cmd)
    output = client.exec_start(exec_id)  # bounded by the client's 30 s timeout
    return client.exec_inspect(exec_id)['ExitCode'], output.decode('utf-8', 'replace')


@pytest.fixture(scope='module')
def demo_net(openstack):
    with own_network(openstack, h.unique(PREFIX)) as network:
        yield network


@pytest.fixture(scope='module')
def pair(openstack, demo_net):
    """Two busybox servers of demo on the module's network, on one host (affinity group); deleted afterwards."""
    nova, glance = openstack.nova('demo'), openstack.glance('demo')
    group = nova.server_groups.create(name=h.unique(PREFIX), policy='affinity')
    image = h.image_id(glance, 'busybox:latest')
    created, servers = [], []
    try:
        # One after the other: the group has a host once the first is placed.
        for _ in range(2):
            server = nova.servers.create(h.unique(PREFIX), image=image, flavor=h.flavor(nova).id,
                                         nics=[{'net-id': demo_net['id']}], scheduler_hints={'group': group.id},
                                         meta={'docker_command': h.shell(h.SLEEP_FOREVER)})
            created.append(server.id)
            servers.append(h.wait_active(nova, server.id))
        host = h.host_of(openstack, servers[0])
        assert h.host_of(openstack, servers[1]) == host, 'the affinity group put the servers on two hosts'
        yield servers, host
    finally:
        h.delete_servers(nova, created)
        nova.server_groups.delete(group.id)


def test_ports_are_bound_and_containers_have_exactly_their_fixed_ips(openstack, demo_net, pair):
    servers, host = pair
    client = openstack.docker(host)
    for server in servers:
        (port,) = ports_of(openstack, server.id)
        assert port['status'] == 'ACTIVE'
        (fixed_ip,) = port['fixed_ips']
        # Nova (and so every API user) sees the Neutron address under the network's name.
        assert [a['addr'] for a in server.addresses[demo_net['name']]] == [fixed_ip['ip_address']]
        assert fixed_ip['ip_address'].startswith(demo_net['cidr'].rsplit('.', 1)[0] + '.')
        on_net = endpoint(h.container(openstack, host, server.id), demo_net['id'])
        assert on_net is not None, f'nova-{server.id} is not on the Docker network of demo-net'
        assert on_net['IPAddress'] == fixed_ip['ip_address']
        assert on_net['MacAddress'] == port['mac_address']
        code, output = exec_in(client, server.id, ['ip', '-4', 'addr'])
        assert code == 0 and f"{fixed_ip['ip_address']}/24" in output
    admin_ports = [neutron_get(openstack, f'/v2.0/ports/{ports_of(openstack, s.id)[0]["id"]}', 'admin')['port']
                   for s in servers]
    assert {(p['binding:host_id'], p['binding:vif_type']) for p in admin_ports} == {(host, 'other')}


def test_two_containers_on_the_same_network_reach_each_other(openstack, pair):
    (first, second), host = pair
    target = ports_of(openstack, second.id)[0]['fixed_ips'][0]['ip_address']
    code, output = exec_in(openstack.docker(host), first.id, ['ping', '-c', '2', '-W', '3', target])
    assert code == 0, output


@pytest.fixture(scope='module')
def demo_horizon(openstack, horizon_url):
    c = openstack.credentials['demo']
    return Horizon(horizon_url, c['username'], c['password'])


def test_panel_shows_the_neutron_addresses(openstack, demo_net, pair, demo_horizon):
    servers, _host = pair
    horizon = demo_horizon
    index = horizon.get(INDEX)
    assert index.status_code == 200
    for server in servers:
        address = ports_of(openstack, server.id)[0]['fixed_ips'][0]['ip_address']
        assert address in index.text
        detail = horizon.get(f'{INDEX}{server.id}/')
        assert detail.status_code == 200
        assert address in detail.text and demo_net['name'] in detail.text


def test_launch_workflow_offers_demo_net_with_its_cidr_and_boots_on_it(openstack, demo_net, demo_horizon):
    nova, glance = openstack.nova('demo'), openstack.glance('demo')
    name = h.unique(PREFIX)
    form = demo_horizon.get(f'{INDEX}launch')
    # the seeded demo-net and the module's own network, each with its CIDR
    assert form.status_code == 200 and 'demo-net (10.211.0.0/24)' in form.text
    assert f"{demo_net['name']} ({demo_net['cidr']})" in form.text
    data = {'name': name, 'count': '1', 'availability_zone': '', 'description': '',
            'image_id': h.image_id(glance, 'busybox:latest'), 'flavor_id': h.flavor(nova).id,
            'command': h.shell(h.SLEEP_FOREVER), 'environment': '', 'network_ids': [demo_net['id']]}
    data.update({key: value for key, value in hidden_fields(form.text).items() if key not in data})
    response = demo_horizon.post(f'{INDEX}launch', data, allow_redirects=False)
    assert response.status_code == 302, response.text[-2000:]
    server = h.wait_for(lambda: next(iter(nova.servers.list(search_opts={'name': f'^{name}$'})), None), 30,
                        message='the launched server in Nova')
    try:
        server = h.wait_active(nova, server.id)
        (port,) = ports_of(openstack, server.id)
        assert port['network_id'] == demo_net['id']
        on_net = endpoint(h.container(openstack, h.host_of(openstack, server), server.id), demo_net['id'])
        assert on_net['IPAddress'] == port['fixed_ips'][0]['ip_address']
    finally:
        h.delete_servers(nova, [server.id])


def test_deleting_servers_removes_endpoints_ports_and_the_unused_network(openstack, demo_net, pair):
    (first, second), host = pair
    nova, client = openstack.nova('demo'), openstack.docker(host)
    network_name = f'neutron-{demo_net["id"]}'
    h.delete_servers(nova, [first.id])
    assert h.container(openstack, host, first.id) is None
    assert ports_of(openstack, first.id) == []
    # The second container still uses the Docker network.
    assert len(client.networks(names=[network_name])) == 1
    h.delete_servers(nova, [second.id])
    assert ports_of(openstack, second.id) == []
    h.wait_for(lambda: client.networks(names=[network_name]) == [], 30,
               message=f'{network_name} removed from {host} after its last container')


def test_a_port_on_a_host_without_nova_docker_is_refused_at_binding(openstack, demo_net):
    admin = openstack.session('admin')
    port = admin.post('/v2.0/ports', endpoint_filter=NEUTRON, json={'port': {
        'network_id': demo_net['id'], 'name': f'{PREFIX}-{uuid.uuid4().hex[:8]}',
        'binding:host_id': 'not-a-docker-host'}}).json()['port']
    try:
        assert port['binding:vif_type'] == 'binding_failed'
        # The same port moved to a Docker host binds.
        port = admin.put(f'/v2.0/ports/{port["id"]}', endpoint_filter=NEUTRON, json={'port': {
            'binding:host_id': 'docker-host-1'}}).json()['port']
        assert port['binding:vif_type'] == 'other'
    finally:
        admin.delete(f'/v2.0/ports/{port["id"]}', endpoint_filter=NEUTRON)
