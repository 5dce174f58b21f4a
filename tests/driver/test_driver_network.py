"""Neutron ports wired into Docker by the driver, on the real test dockerd.

One pair of containers carries most assertions (exact fixed IPs and MAC, reachability, attach/detach,
cleanup); the others check that a network outlives its last stopped user and bad ports.
"""
from __future__ import annotations

import os
import uuid

import pytest
from tests.driver.driver_helpers import make_instance

from nova import exception
from nova.network import model

from nova_docker import containers
from nova_docker import network as docker_network

pytestmark = pytest.mark.docker

# Per-process subnets: concurrent runs on this machine share the kernel's routing table.
OCTET = os.getpid() % 200 + 20
NET_A = (str(uuid.uuid4()), f'10.213.{OCTET}.0/24', f'10.213.{OCTET}.1')
NET_B = (str(uuid.uuid4()), f'10.214.{OCTET}.0/24', f'10.214.{OCTET}.1')


def vif(net: tuple[str, str, str], ip: str, mac: str | None = None) -> model.VIF:
    """A VIF as Nova's network_info carries it for a Neutron port bound by our mechanism driver."""
    network_id, cidr, gateway = net
    subnet = model.Subnet(cidr=cidr, gateway=model.IP(address=gateway, type='gateway'),
                          ips=[model.FixedIP(address=ip)])
    return model.VIF(id=str(uuid.uuid4()), address=mac or 'fa:16:3e:00:00:%02x' % (int(ip.split('.')[-1]) % 256),
                     network=model.Network(id=network_id, bridge=None, subnets=[subnet]),
                     type=model.VIF_TYPE_OTHER)


def boot(drv, ctx, image, network_info):
    instance = make_instance(image.id, metadata={'docker_command': 'sleep 600'})
    drv.spawn(ctx, instance, image, injected_files=[], admin_password=None, allocations={},
              network_info=model.NetworkInfo(network_info), block_device_info=None)
    return instance


def endpoint(docker_cli, instance, net):
    info = docker_cli.inspect_container(containers.container_name(instance.uuid))
    return info['NetworkSettings']['Networks'].get(docker_network.docker_network_name(net[0]))


def run_in(docker_cli, instance, cmd):
    exec_id = docker_cli.exec_create(containers.container_name(instance.uuid), cmd)
    output = docker_cli.exec_start(exec_id)  # the client's timeout bounds this
    return docker_cli.exec_inspect(exec_id)['ExitCode'], output.decode('utf-8', 'replace')


def networks_named(docker_cli, net):
    return docker_cli.networks(names=[docker_network.docker_network_name(net[0])])


@pytest.fixture(autouse=True)
def _remove_test_networks(docker_cli):
    yield
    for network in docker_cli.networks(filters={'label': docker_network.LABEL_MANAGED}):
        for container in docker_cli.containers(all=True, filters={'network': network['Id']}):
            docker_cli.remove_container(container['Id'], force=True)
        docker_cli.remove_network(network['Id'])


def test_ports_wired_with_fixed_ips_reachability_detach_and_cleanup(drv, ctx, app_image, docker_cli):
    first = boot(drv, ctx, app_image, [vif(NET_A, NET_A[2][:-1] + '11', mac='fa:16:3e:12:34:56'),
                                       vif(NET_B, NET_B[2][:-1] + '11')])
    second = boot(drv, ctx, app_image, [vif(NET_A, NET_A[2][:-1] + '12')])

    on_a = endpoint(docker_cli, first, NET_A)
    assert on_a['IPAddress'] == NET_A[2][:-1] + '11'
    assert on_a['MacAddress'] == 'fa:16:3e:12:34:56'
    assert on_a['Gateway'] == NET_A[2]
    assert endpoint(docker_cli, first, NET_B)['IPAddress'] == NET_B[2][:-1] + '11'
    assert endpoint(docker_cli, second, NET_A)['IPAddress'] == NET_A[2][:-1] + '12'
    assert endpoint(docker_cli, second, NET_B) is None
    # One Docker network per Neutron network, labelled and with the subnet's CIDR and gateway.
    (network,) = networks_named(docker_cli, NET_A)
    assert network['Labels'][docker_network.LABEL_NETWORK] == NET_A[0]
    assert network['IPAM']['Config'] == [{'Subnet': NET_A[1], 'Gateway': NET_A[2]}]
    # The addresses are really configured inside the container ...
    code, output = run_in(docker_cli, first, ['ip', '-4', 'addr'])
    assert code == 0 and f'{NET_A[2][:-1]}11/24' in output and f'{NET_B[2][:-1]}11/24' in output
    # ... and containers on the same network reach each other; NET_B is not reachable from second.
    code, output = run_in(docker_cli, second, ['ping', '-c', '1', '-W', '3', NET_A[2][:-1] + '11'])
    assert code == 0, output
    # Isolation ([docker] isolate_networks): no route through the host to NET_B, nor to the host.
    code, _output = run_in(docker_cli, second, ['ping', '-c', '1', '-W', '1', NET_B[2][:-1] + '11'])
    assert code != 0
    assert network['Options'] == {docker_network.INHIBIT_IPV4: 'true'}

    # attach/detach_interface: join a third network with the port's IP, leave it, network pruned.
    extra_net = (str(uuid.uuid4()), f'10.215.{OCTET}.0/24', f'10.215.{OCTET}.1')
    extra = vif(extra_net, extra_net[2][:-1] + '30')
    drv.attach_interface(ctx, first, app_image, extra)
    assert endpoint(docker_cli, first, extra_net)['IPAddress'] == extra_net[2][:-1] + '30'
    drv.detach_interface(ctx, first, extra)
    assert endpoint(docker_cli, first, extra_net) is None
    assert networks_named(docker_cli, extra_net) == []

    # destroy: NET_B goes with its only user, NET_A stays while second uses it.
    drv.destroy(ctx, first, network_info=None)
    assert networks_named(docker_cli, NET_B) == []
    assert len(networks_named(docker_cli, NET_A)) == 1
    drv.destroy(ctx, second, network_info=None)
    assert networks_named(docker_cli, NET_A) == []


def test_destroy_removes_the_network_only_when_unused(make_driver, ctx, app_image, docker_cli):
    drv = make_driver()
    net = (str(uuid.uuid4()), f'10.216.{OCTET}.0/24', f'10.216.{OCTET}.1')
    one = boot(drv, ctx, app_image, [vif(net, net[2][:-1] + '5')])
    two = boot(drv, ctx, app_image, [vif(net, net[2][:-1] + '6')])
    drv.power_off(one, timeout=0)  # a stopped member still counts as a user
    drv.destroy(ctx, two, network_info=None)
    assert len(networks_named(docker_cli, net)) == 1
    # A restarted nova-compute (fresh driver) reuses the network: idempotent.
    again = boot(make_driver(), ctx, app_image, [vif(net, net[2][:-1] + '7')])
    assert len(networks_named(docker_cli, net)) == 1
    drv.destroy(ctx, one, network_info=None)
    drv.destroy(ctx, again, network_info=None)
    assert networks_named(docker_cli, net) == []


def test_a_port_docker_cannot_take_aborts_with_its_reason(make_driver, ctx, app_image, docker_cli):
    drv = make_driver()
    net = (str(uuid.uuid4()), f'10.217.{OCTET}.0/24', f'10.217.{OCTET}.1')
    taken = boot(drv, ctx, app_image, [vif(net, net[2][:-1] + '9')])
    # The same fixed IP twice: Docker refuses; spawn leaves no container behind.
    with pytest.raises(exception.InstanceDeployFailure, match='(?i)address'):
        boot(drv, ctx, app_image, [vif(net, net[2][:-1] + '9')])
    drv.destroy(ctx, taken, network_info=None)
    assert networks_named(docker_cli, net) == []
    # A port without an IPv4 address is refused before anything is created.
    ipv6_only = model.VIF(id='p6', address='fa:16:3e:00:00:66', network=model.Network(
        id=net[0], subnets=[model.Subnet(cidr='fd00::/64', ips=[model.FixedIP(address='fd00::5')])]))
    with pytest.raises(exception.BuildAbortException, match='no IPv4 address'):
        boot(drv, ctx, app_image, [ipv6_only])
    assert docker_cli.containers(all=True, filters={'label': containers.LABEL_UUID}) == []


def test_an_interface_attaches_to_a_container_booted_without_ports(drv, ctx, app_image, docker_cli):
    """Docker's 'none' network admits no other: attach failed for every server booted with no NIC."""
    instance = boot(drv, ctx, app_image, [])
    assert list(docker_cli.inspect_container(containers.container_name(instance.uuid))
                ['NetworkSettings']['Networks']) == ['none']
    net = (str(uuid.uuid4()), f'10.216.{OCTET}.0/24', f'10.216.{OCTET}.1')
    port = vif(net, net[2][:-1] + '40')
    drv.attach_interface(ctx, instance, app_image, port)
    assert endpoint(docker_cli, instance, net)['IPAddress'] == net[2][:-1] + '40'
    code, output = run_in(docker_cli, instance, ['ip', '-4', 'addr'])
    assert code == 0 and f'{net[2][:-1]}40/24' in output
    drv.detach_interface(ctx, instance, port)
    assert networks_named(docker_cli, net) == []
    # On no network at all the container keeps running and restarts with its loopback only.
    drv.reboot(ctx, instance, None, 'HARD')
    code, output = run_in(docker_cli, instance, ['ip', '-4', 'addr'])
    assert code == 0 and 'inet 127.0.0.1/8' in output and net[2][:-1] not in output


def test_a_failed_attach_leaves_no_network_behind(drv, ctx, app_image, docker_cli):
    instance = boot(drv, ctx, app_image, [])
    net = (str(uuid.uuid4()), f'10.217.{OCTET}.0/24', f'10.217.{OCTET}.1')
    # An address outside the subnet: Docker refuses the connect after the network was created.
    with pytest.raises(exception.InterfaceAttachFailed):
        drv.attach_interface(ctx, instance, app_image, vif(net, f'10.218.{OCTET}.40'))
    assert networks_named(docker_cli, net) == []
