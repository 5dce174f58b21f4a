"""ML2 mechanism driver ``nova_docker``: binds Neutron ports on the compute hosts that run nova_docker.

Runs inside neutron-server (entry point ``nova_docker`` in ``neutron.ml2.mechanism_drivers``), with no
agent: nova_docker wires the port into Docker itself (nova_docker.network). A port is bound only
when its ``binding:host_id`` is listed in ``[ml2_docker] hosts``; on any other host this driver
declines, so ML2 marks the binding failed (Nova reports PortBindingFailed) unless another driver
binds it. Bound ports are ACTIVE at once: there is no agent to report them up, and Nova's
nova_docker driver does not wait for network-vif-plugged events.

neutron.conf / ml2_conf.ini::

    [ml2]
    mechanism_drivers = nova_docker
    [ml2_docker]
    hosts = docker-host-1,docker-host-2

Imports only neutron-lib and oslo (never nova): it is loaded by neutron-server.
"""
from __future__ import annotations

from typing import Any

from neutron_lib import constants
from neutron_lib.api.definitions import portbindings
from neutron_lib.plugins.ml2 import api
from oslo_config import cfg
from oslo_log import log as logging

LOG = logging.getLogger(__name__)

OPTS = [
    cfg.ListOpt('hosts', default=[],
                help='Compute hosts (Nova "host" names, i.e. binding:host_id) that run nova_docker. '
                     'Ports are bound only on these.'),
]
cfg.CONF.register_opts(OPTS, group='ml2_docker')

# Network types a Docker bridge per Neutron network can carry: no VLAN/tunnel underlay is wired.
SUPPORTED_NETWORK_TYPES = frozenset({constants.TYPE_LOCAL, constants.TYPE_FLAT})
# nova_docker attaches the container itself; VIF_TYPE_OTHER is a type Nova accepts as bound.
VIF_TYPE = portbindings.VIF_TYPE_OTHER
VIF_DETAILS = {portbindings.CAP_PORT_FILTER: False, 'nova_docker': True}


def list_opts() -> list[tuple[str, list]]:
    """For oslo-config-generator."""
    return [('ml2_docker', OPTS)]


class NovaDockerMechanismDriver(api.MechanismDriver):
    """Binds normal ports on nova_docker hosts to a local or flat segment, with no agent."""

    def initialize(self) -> None:
        self.hosts = frozenset(cfg.CONF.ml2_docker.hosts)
        LOG.info('nova_docker mechanism driver binds ports on hosts: %s',
                 ', '.join(sorted(self.hosts)) or '(none configured)')

    @property
    def connectivity(self) -> str:
        return portbindings.CONNECTIVITY_L2

    def bind_port(self, context: Any) -> None:
        """Bind the port to its first local/flat segment when its host runs nova_docker."""
        port = context.current
        host = context.host
        if host not in self.hosts:
            LOG.warning('Not binding port %s: host %r does not run nova_docker ([ml2_docker] hosts '
                        'is %s)', port['id'], host, ', '.join(sorted(self.hosts)) or 'empty')
            return
        vnic_type = port.get(portbindings.VNIC_TYPE, portbindings.VNIC_NORMAL)
        if vnic_type != portbindings.VNIC_NORMAL:
            LOG.warning('Not binding port %s: vnic_type %s is not supported by nova_docker',
                        port['id'], vnic_type)
            return
        for segment in context.segments_to_bind:
            if segment[api.NETWORK_TYPE] in SUPPORTED_NETWORK_TYPES:
                context.set_binding(segment[api.ID], VIF_TYPE, dict(VIF_DETAILS),
                                    status=constants.PORT_STATUS_ACTIVE)
                LOG.debug('Bound port %s on host %s, segment %s', port['id'], host, segment[api.ID])
                return
        LOG.warning('Not binding port %s on host %s: no local or flat segment among %s', port['id'],
                    host, [segment[api.NETWORK_TYPE] for segment in context.segments_to_bind])
