"""Configuration options of the Docker virt driver, in nova.conf's ``[docker]`` group.

Registered on ``nova.conf.CONF`` at import time, so importing the driver is enough.
"""
from __future__ import annotations

from oslo_config import cfg

import nova.conf

GROUP = cfg.OptGroup('docker', title='Docker virt driver options',
                     help='How nova-compute reaches and uses the local Docker Engine.')

OPTS = [
    cfg.StrOpt('api_url', default='unix:///var/run/docker.sock',
               help='Docker Engine API endpoint: unix:///path/to/docker.sock or tcp://host:port '
                    '(tcp uses TLS when the tls_* options are set).'),
    cfg.StrOpt('tls_ca_cert', help='CA certificate (PEM) that signed the Docker Engine certificate.'),
    cfg.StrOpt('tls_client_cert', help='Client certificate (PEM) presented to the Docker Engine.'),
    cfg.StrOpt('tls_client_key', secret=True, help='Private key (PEM) of tls_client_cert.'),
    cfg.StrOpt('api_version', default='1.41',
               help='Docker Engine API version; pinned so no /version round trip is needed.'),
    cfg.IntOpt('api_timeout', default=30, min=1,
               help='Seconds any single Docker API call (connect or read) may take.'),
    cfg.IntOpt('image_timeout', default=900, min=1,
               help='Seconds an image transfer (docker load of a Glance image, docker commit + save '
                    'of a snapshot) may take in total.'),
    cfg.IntOpt('max_image_bytes', default=16 * 1024 ** 3, min=1,
               help='Largest docker-save tarball, in bytes, streamed to or from Glance.'),
    cfg.StrOpt('image_cache_repository', default='glance',
               help='Loaded Glance images are tagged <this>/<glance image id>:latest; that tag is the '
                    'per-host cache (an image is downloaded only when the tag is missing).'),
    cfg.IntOpt('console_log_tail_lines', default=1000, min=1,
               help='Lines of docker logs returned as the console output.'),
    cfg.IntOpt('console_log_max_bytes', default=1024 * 1024, min=1024,
               help='Upper bound, in bytes, of the console output returned.'),
    cfg.IntOpt('soft_reboot_timeout', default=30, min=0,
               help='Seconds a soft reboot (docker restart) waits after SIGTERM before SIGKILL.'),
    cfg.IntOpt('cpu_shares_per_vcpu', default=1024, min=2,
               help='Docker CPU shares given per flavor vCPU.'),
    cfg.BoolOpt('use_init', default=True,
                help='Run docker-init as PID 1 in containers so SIGTERM reaches the process and '
                     'graceful stop/reboot do not wait for the full timeout.'),
    cfg.FloatOpt('start_check_seconds', default=0.5, min=0,
                 help='After starting a container, wait this long and fail the boot if its command '
                      'could not be run (exit code 126/127, e.g. a missing binary under docker-init). '
                      '0 disables the check.'),
    cfg.StrOpt('network_mode', default='none',
               help='Docker network mode of instance containers booted without Neutron ports '
                    '(nics none).'),
    cfg.BoolOpt('isolate_networks', default=True,
                help='The Docker bridges of Neutron networks get no address on this host '
                     '(com.docker.network.bridge.inhibit_ipv4): a container reaches only the other '
                     'containers of its own Neutron networks on this host, not other networks, the '
                     'host or the outside. False: the subnet gateway IP is put on the bridge, the '
                     'host routes between its Docker networks and outbound access is what the host '
                     'routes or NATs.'),
    cfg.IntOpt('console_idle_timeout', default=300, min=1,
               help='Seconds a serial console session may go without input from its client before '
                    'it is closed and its shell killed.'),
    cfg.IntOpt('console_max_sessions_per_instance', default=2, min=1,
               help='Serial console sessions open at once on one instance.'),
    cfg.IntOpt('console_max_sessions_per_host', default=20, min=1,
               help='Serial console sessions open at once on this compute host.'),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    """Register the ``[docker]`` options on ``conf`` (idempotent)."""
    conf.register_group(GROUP)
    conf.register_opts(OPTS, group=GROUP)


def list_opts() -> dict:
    """For oslo-config-generator."""
    return {GROUP: OPTS}


CONF = nova.conf.CONF
register_opts(CONF)
