"""Neutron helpers of the stack tests: a network of the test's own (the user's stack may hold networks and
containers of the user's; a test asserts only about what it made), its ports, the Docker endpoint of one."""
from __future__ import annotations

import contextlib
import uuid
from typing import Any, Iterator

NEUTRON = {'service_type': 'network', 'interface': 'public'}
# Docker refuses a bridge whose subnet overlaps another one on the host: test networks take a free /24 here.
TEST_RANGE = '10.221'


def neutron_get(openstack: Any, path: str, user: str = 'demo', **params: Any) -> dict:
    return openstack.session(user).get(path, params=params, endpoint_filter=NEUTRON).json()


def ports_of(openstack: Any, server_id: str, user: str = 'demo') -> list[dict]:
    return neutron_get(openstack, '/v2.0/ports', user, device_id=server_id)['ports']


def endpoint(container: dict, network_id: str) -> dict | None:
    """The container's endpoint on the Docker network of a Neutron network, if it has one."""
    return (container['NetworkSettings']['Networks'] or {}).get(f'neutron-{network_id}')


def free_cidr(openstack: Any) -> str:
    used = {s['cidr'] for s in neutron_get(openstack, '/v2.0/subnets', 'admin')['subnets']}
    free = [f'{TEST_RANGE}.{n}.0/24' for n in range(256) if f'{TEST_RANGE}.{n}.0/24' not in used]
    return free[uuid.uuid4().int % len(free)]


@contextlib.contextmanager
def own_network(openstack: Any, name: str, user: str = 'demo') -> Iterator[dict]:
    """A network with one IPv4 subnet, of ``user``'s project; deleted afterwards. The dict has the
    subnet's ``cidr`` too."""
    session = openstack.session(user)
    network = session.post('/v2.0/networks', endpoint_filter=NEUTRON,
                           json={'network': {'name': name}}).json()['network']
    try:
        subnet = session.post('/v2.0/subnets', endpoint_filter=NEUTRON, json={'subnet': {
            'network_id': network['id'], 'ip_version': 4, 'cidr': free_cidr(openstack),
            'name': name}}).json()['subnet']
        yield dict(network, cidr=subnet['cidr'])
    finally:
        session.delete(f'/v2.0/networks/{network["id"]}', endpoint_filter=NEUTRON, raise_exc=False)
