"""Seed the demo project's Neutron network: demo-net with subnet demo-subnet 10.211.0.0/24.

    python seed_network.py

Created as the demo user (a project network, type local: ML2's tenant_network_types), gateway
10.211.0.1, no DHCP (nova_docker sets the fixed IP itself; no DHCP agent runs). Idempotent: an
existing demo-net / demo-subnet is kept.
"""
import sys

from common import log, secrets, session

NETWORK = 'demo-net'
SUBNET = 'demo-subnet'
CIDR = '10.211.0.0/24'
GATEWAY = '10.211.0.1'
NEUTRON = {'service_type': 'network', 'interface': 'public'}


def find(sess, kind, name):
    found = sess.get(f'/v2.0/{kind}s', params={'name': name}, endpoint_filter=NEUTRON).json()[f'{kind}s']
    return found[0] if found else None


def seed_network():
    sess = session('demo', secrets()['DEMO_PASS'], 'demo')
    network = find(sess, 'network', NETWORK)
    if network is None:
        network = sess.post('/v2.0/networks', json={'network': {'name': NETWORK}},
                            endpoint_filter=NEUTRON).json()['network']
    if find(sess, 'subnet', SUBNET) is None:
        sess.post('/v2.0/subnets', json={'subnet': {
            'name': SUBNET, 'network_id': network['id'], 'ip_version': 4, 'cidr': CIDR,
            'gateway_ip': GATEWAY, 'enable_dhcp': False}}, endpoint_filter=NEUTRON)
    log(f'network: {NETWORK} ({network["id"]}) with {SUBNET} {CIDR} for project demo')


if __name__ == '__main__':
    sys.exit(seed_network())
