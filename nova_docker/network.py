"""Neutron ports wired into Docker: one Docker bridge network per Neutron network on each host.

Neutron is the IPAM: for every VIF Nova passes, the container joins the Docker network named
``neutron-<network id>`` (created on demand with the IPv4 subnets' CIDRs and gateways, labelled)
with exactly the port's fixed IPv4 address. The first VIF is attached when the container is created,
so it also gets the port's MAC address (Docker API 1.41 sets a MAC only there); further VIFs are
connected before the container starts. A Docker network is removed once no container uses it.

Limits (see the README): no security groups, no cross-host traffic (each host has its own bridge),
one IPv4 address per port (IPv6 is not wired). With ``[docker] isolate_networks`` (default) the Docker
bridges get no address on the host, so a container reaches only its own Neutron subnets (L2).
"""
from __future__ import annotations

import contextlib
import ipaddress
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import docker.errors
import docker.types
from oslo_concurrency import lockutils
from oslo_log import log as logging

from nova import exception
from nova.i18n import _

from nova_docker import client as docker_client
from nova_docker import conf as docker_conf

LOG = logging.getLogger(__name__)
CONF = docker_conf.CONF

NETWORK_PREFIX = 'neutron-'
NONE_NETWORK = 'none'
LABEL_NETWORK = 'org.openstack.neutron.network_id'
LABEL_MANAGED = 'org.openstack.nova_docker.managed'
# The bridge gets no address on the host: the host neither routes between Docker networks nor
# reaches into them (dockerd runs without iptables, so Docker's own isolation rules are absent).
INHIBIT_IPV4 = 'com.docker.network.bridge.inhibit_ipv4'


class NetworkWiringFailed(exception.NovaException):
    """A Neutron port could not be wired into the container."""
    msg_fmt = _('Neutron network %(network_id)s cannot be wired into Docker: %(reason)s')


@dataclass(frozen=True)
class Attachment:
    """What Docker needs to attach a container for one Neutron port."""
    port_id: str
    network_id: str
    mac: str | None
    ipv4: str
    subnets: tuple[tuple[str, str | None], ...]  # (cidr, gateway) of the network's IPv4 subnets

    @property
    def docker_network(self) -> str:
        return docker_network_name(self.network_id)


def docker_network_name(network_id: str) -> str:
    """Deterministic Docker network name of a Neutron network."""
    return NETWORK_PREFIX + network_id


def attachments(network_info: Iterable[Any] | None) -> list[Attachment]:
    """Attachments of Nova's network_info (a list of VIF dicts), in port order.

    Raises NetworkWiringFailed for a port Docker cannot take (no IPv4 address, or its subnet has no
    gateway: a Docker bridge always owns one address, which must not be a port's).
    """
    found = []
    for vif in network_info or []:
        network = vif.get('network') or {}
        network_id = network.get('id') or ''
        subnets, ipv4 = [], []
        for subnet in network.get('subnets') or []:
            if not subnet.get('cidr') or ipaddress.ip_network(subnet['cidr'], strict=False).version != 4:
                continue
            gateway = (subnet.get('gateway') or {}).get('address')
            subnets.append((str(subnet['cidr']), gateway))
            ipv4.extend(ip['address'] for ip in subnet.get('ips') or [] if ip.get('address'))
        if not ipv4:
            raise NetworkWiringFailed(network_id=network_id,
                                      reason=f'port {vif.get("id")} has no IPv4 address')
        if any(gateway is None for _cidr, gateway in subnets):
            raise NetworkWiringFailed(network_id=network_id,
                                      reason='a subnet without a gateway IP cannot be a Docker bridge')
        if len(ipv4) > 1:
            LOG.warning('Port %s has %d IPv4 addresses; Docker takes one, %s', vif.get('id'),
                        len(ipv4), ipv4[0])
        found.append(Attachment(port_id=vif.get('id') or '', network_id=network_id,
                                mac=vif.get('address'), ipv4=ipv4[0], subnets=tuple(subnets)))
    return found


def _isolated(network: dict) -> bool:
    return (network.get('Options') or {}).get(INHIBIT_IPV4) == 'true'


def _lock(network_id: str) -> Any:
    # Creating, joining and pruning a network are serialised per network in this nova-compute, so a
    # boot never joins a network that a concurrent delete is removing.
    return lockutils.lock(f'nova-docker-network-{network_id}')


class DockerNetworks:
    """Create, join, leave and prune the Docker networks of Neutron networks on one Docker host."""

    def __init__(self, docker_api: docker_client.DockerAPI) -> None:
        self.docker = docker_api

    def _inspect(self, name: str) -> dict | None:
        with docker_client.translate_errors('inspect the network'):
            try:
                return self.docker.api.inspect_network(name)
            except docker.errors.NotFound:
                return None

    def _users(self, name: str) -> list[dict]:
        # The container list (all states) sees stopped members too; network inspect lists only
        # containers with a live endpoint.
        with docker_client.translate_errors('list the containers of a network'):
            return self.docker.api.containers(all=True, filters={'network': name})

    def ensure(self, attachment: Attachment) -> str:
        """The Docker network of ``attachment``'s Neutron network, created if missing; its id."""
        name = attachment.docker_network
        wanted = {cidr for cidr, _gateway in attachment.subnets}
        existing = self._inspect(name)
        if existing is not None:
            have = {pool.get('Subnet') for pool in (existing.get('IPAM') or {}).get('Config') or []}
            if have == wanted and _isolated(existing) == CONF.docker.isolate_networks:
                return existing['Id']
            if self._users(name):
                raise NetworkWiringFailed(
                    network_id=attachment.network_id,
                    reason=f'its Docker network (subnets {sorted(have)}, isolated '
                           f'{_isolated(existing)}) has containers and differs from Neutron\'s '
                           f'{sorted(wanted)} or [docker] isolate_networks; delete those containers first')
            LOG.info('Recreating Docker network %s for subnets %s', name, sorted(wanted))
            self._remove(existing['Id'])
        ipam = docker.types.IPAMConfig(pool_configs=[
            docker.types.IPAMPool(subnet=cidr, gateway=gateway) for cidr, gateway in attachment.subnets])
        with docker_client.translate_errors('create the network'):
            created = self.docker.api.create_network(
                name, driver='bridge', ipam=ipam, check_duplicate=True,
                options={INHIBIT_IPV4: 'true'} if CONF.docker.isolate_networks else None,
                labels={LABEL_NETWORK: attachment.network_id, LABEL_MANAGED: 'true'})
        LOG.info('Created Docker network %s for subnets %s', name, sorted(wanted))
        return created['Id']

    @contextlib.contextmanager
    def first_port(self, first: Attachment | None) -> Iterator[dict[str, Any]]:
        """Hold the first port's network (created if missing) while the container is created.

        Yields the extra create_container arguments that attach that port with its fixed IP and MAC
        address; the network cannot be pruned before the container exists.
        """
        if first is None:
            yield {}
            return
        with _lock(first.network_id):
            self.ensure(first)
            endpoint = self.docker.api.create_endpoint_config(ipv4_address=first.ipv4)
            yield {'networking_config': self.docker.api.create_networking_config(
                       {first.docker_network: endpoint}),
                   'mac_address': first.mac}

    def connect(self, container: str, attachment: Attachment) -> None:
        """Join a further port's network with its fixed IP (Docker API 1.41 cannot set its MAC)."""
        with docker_client.translate_errors('connect the container to its network'):
            self.docker.api.connect_container_to_network(container, attachment.docker_network,
                                                         ipv4_address=attachment.ipv4)

    def unplug(self, container: str, network_id: str) -> None:
        """Leave a Neutron network's Docker network and remove that network if nothing uses it."""
        with docker_client.translate_errors('disconnect the container from its network'):
            try:
                self.docker.api.disconnect_container_from_network(
                    container, docker_network_name(network_id), force=True)
            except docker.errors.NotFound:
                pass
        self.prune([network_id])

    def _remove(self, network: str) -> None:
        with docker_client.translate_errors('remove the network'):
            try:
                self.docker.api.remove_network(network)
            except docker.errors.NotFound:
                pass

    def prune(self, network_ids: Iterable[str]) -> list[str]:
        """Remove the Docker networks of these Neutron networks that no container uses any more.

        A failure is logged, not raised: a leftover empty network must not fail a server delete
        (the next delete of a container on that network tries again).
        """
        removed = []
        for network_id in sorted(set(network_ids)):
            name = docker_network_name(network_id)
            with _lock(network_id):
                try:
                    network = self._inspect(name)
                    if network is None or (network.get('Labels') or {}).get(LABEL_MANAGED) != 'true':
                        continue
                    if self._users(name):
                        continue
                    self._remove(network['Id'])
                except (docker_client.DockerOperationFailed, docker_client.DockerUnavailable) as error:
                    LOG.warning('Could not remove the unused Docker network %s: %s', name, error)
                    continue
                removed.append(name)
        if removed:
            LOG.info('Removed unused Docker networks %s', ', '.join(removed))
        return removed

    def plug(self, container: str, rest: list[Attachment]) -> None:
        """Connect a created container to the networks of its further ports."""
        for attachment in rest:
            with _lock(attachment.network_id):
                self.ensure(attachment)
                self.connect(container, attachment)

    def attach(self, container: dict, attachments: list[Attachment]) -> None:
        """Connect an existing container (inspect output) to these ports' networks (interface attach).

        A container booted with no port is on Docker's ``none`` network, which admits no other: it
        leaves it first (on no network at all it keeps only its loopback, as on ``none``, restarts
        included). A failed attach leaves no unused network behind.
        """
        if NONE_NETWORK in ((container.get('NetworkSettings') or {}).get('Networks') or {}):
            with docker_client.translate_errors('leave the none network'):
                self.docker.api.disconnect_container_from_network(container['Id'], NONE_NETWORK)
        try:
            self.plug(container['Id'], attachments)
        except (docker_client.DockerOperationFailed, NetworkWiringFailed):
            self.prune([attachment.network_id for attachment in attachments])
            raise


def neutron_networks_of(container: dict | None) -> list[str]:
    """Neutron network ids of the managed Docker networks a container (inspect output) is on."""
    found = []
    for name in ((container or {}).get('NetworkSettings') or {}).get('Networks') or {}:
        if name.startswith(NETWORK_PREFIX):
            found.append(name[len(NETWORK_PREFIX):])
    return found
