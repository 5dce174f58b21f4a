"""nova-compute with the Docker virt driver.

Run it exactly like nova-compute::

    python -m nova_docker.cmd.compute --config-file /etc/nova/nova.conf --config-file compute1.conf

It applies nova's own concurrency set-up first (nova.cmd.compute does
``monkey_patch.patch(backend='threading')`` at import: native threads by default in nova 34, eventlet
only if ``[DEFAULT] concurrency_backend = eventlet`` or OS_NOVA_DISABLE_EVENTLET_PATCHING says so),
registers this package as ``nova.virt.docker`` and calls ``nova.cmd.compute.main()``.

nova.conf of a Docker compute host::

    [DEFAULT]
    compute_driver = docker.DockerDriver
    host = compute1                        # also the hypervisor_hostname / node name

    [docker]
    api_url = unix:///run/ddash/NAME/docker.sock   # or tcp://127.0.0.2:2376 with the tls_* options
    # tls_ca_cert = /path/ca.pem
    # tls_client_cert = /path/client-cert.pem
    # tls_client_key = /path/client-key.pem
    # api_version = 1.41
    # api_timeout = 30                     # seconds per Docker call
    # image_timeout = 900                  # seconds per image load/save/commit
    # max_image_bytes = 17179869184
    # image_cache_repository = glance      # cache tag glance/<image id>:latest
    # console_log_tail_lines = 1000
    # console_log_max_bytes = 1048576
    # soft_reboot_timeout = 30
    # start_check_seconds = 0.5           # fail the boot if the command cannot be run
    # cpu_shares_per_vcpu = 1024
    # use_init = true
    # network_mode = none                # servers booted without Neutron ports (nics none)
    # isolate_networks = true           # Docker bridges of Neutron networks get no host address

Glance images for this host: container_format docker, disk_format raw, data = ``docker save`` tarball,
name = repo:tag, optional property os_command_line.
"""
# autopep8: off
# nova's own patching must come first, before anything else imports eventlet, urllib3 or oslo.
import nova.cmd.compute  # noqa: E402  (runs nova.monkey_patch.patch(backend='threading'))
# autopep8: on

import sys  # noqa: E402

import nova_docker  # noqa: E402
import nova_docker.conf  # noqa: E402,F401  registers [docker] before the config files are parsed


def register() -> None:
    """Make ``compute_driver = docker.DockerDriver`` resolve to nova_docker (nova loads nova.virt.X)."""
    import nova.virt
    sys.modules['nova.virt.docker'] = nova_docker
    nova.virt.docker = nova_docker


def main() -> None:
    """Register the driver package as nova.virt.docker and run nova-compute."""
    register()
    nova.cmd.compute.main()


if __name__ == '__main__':
    main()
