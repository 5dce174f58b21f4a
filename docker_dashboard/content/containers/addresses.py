"""A container's network addresses as Nova reports them (Neutron ports) and as Docker wired them.

nova_docker attaches every Neutron port to the Docker network ``neutron-<network id>`` with the port's
fixed IP, so both views should agree; the Overview shows both.
"""
DOCKER_NETWORK_PREFIX = 'neutron-'


def nova_addresses(server):
    """[{'network', 'addr', 'version', 'type', 'mac'}] from the server's ``addresses``, sorted."""
    rows = []
    for network, entries in (getattr(server, 'addresses', None) or {}).items():
        for entry in entries or ():
            rows.append({'network': network, 'addr': entry.get('addr', ''),
                         'version': entry.get('version'), 'type': entry.get('OS-EXT-IPS:type', ''),
                         'mac': entry.get('OS-EXT-IPS-MAC:mac_addr', '')})
    return sorted(rows, key=lambda row: (row['network'], row['addr']))


def docker_endpoints(container_attrs):
    """[{'network', 'neutron_network_id', 'addr', 'mac'}] of the container's Docker networks, sorted."""
    rows = []
    networks = ((container_attrs or {}).get('NetworkSettings') or {}).get('Networks') or {}
    for name, endpoint in networks.items():
        endpoint = endpoint or {}
        neutron_id = name[len(DOCKER_NETWORK_PREFIX):] if name.startswith(DOCKER_NETWORK_PREFIX) else None
        rows.append({'network': name, 'neutron_network_id': neutron_id,
                     'addr': endpoint.get('IPAddress') or '', 'mac': endpoint.get('MacAddress') or ''})
    return sorted(rows, key=lambda row: row['network'])
