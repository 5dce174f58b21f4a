"""How a Nova instance maps onto a Docker container: name, labels, command, environment, limits, state.

Per-launch settings travel as server metadata:
  ``docker_command``     a shell-like command line (split with shlex, no shell involved), and
  ``docker_env_<NAME>``  one environment variable NAME=value per key.
Command precedence: metadata ``docker_command`` > Glance property ``os_command_line`` > image CMD.
The command replaces the image's CMD (it is passed to the image's ENTRYPOINT, if any).
Flavor memory_mb -> memory limit; vcpus -> CPU shares ([docker] cpu_shares_per_vcpu each).
"""
from __future__ import annotations

import re
import shlex
from typing import Any

from nova import exception
from nova.compute import power_state
from nova.compute import task_states
from nova.compute import vm_states

from nova_docker import conf as docker_conf

CONF = docker_conf.CONF

LABEL_UUID = 'org.openstack.nova.instance_uuid'
LABEL_PROJECT = 'org.openstack.nova.project_id'
LABEL_IMAGE = 'org.openstack.glance.image_id'
LABEL_NAME = 'org.openstack.nova.instance_name'
NAME_PREFIX = 'nova-'
META_COMMAND = 'docker_command'
META_ENV_PREFIX = 'docker_env_'
ENV_NAME = re.compile(r'^[A-Za-z_][A-Za-z0-9_]*$')


def container_name(instance_uuid: str) -> str:
    """Docker name of the container of an instance."""
    return NAME_PREFIX + instance_uuid


def labels(instance: Any, image_id: str) -> dict[str, str]:
    """Identity labels the dashboard and the driver look containers up by."""
    return {
        LABEL_UUID: instance.uuid,
        LABEL_PROJECT: instance.project_id or '',
        LABEL_IMAGE: image_id or '',
        LABEL_NAME: instance.name,
    }


# The kernel's limits (sethostname, setdomainname: __NEW_UTS_LEN); runc fails the start beyond them.
UTS_NAME_MAX = 64


def uts_names(hostname: str | None) -> dict[str, str]:
    """Docker ``hostname`` and ``domainname`` for Nova's hostname, which may be an FQDN of up to 255
    characters (microversion 2.94): the first label is the host name, the rest the domain name. A domain
    name over the kernel's limit keeps its leading labels that fit (the host name alone is always kept)."""
    if not hostname:
        return {}
    host, _, domain = hostname.strip('.').partition('.')
    names = {'hostname': host[:UTS_NAME_MAX]}
    labels_kept: list[str] = []
    for label in domain.split('.') if domain else []:
        if len('.'.join(labels_kept + [label])) > UTS_NAME_MAX:
            break
        labels_kept.append(label)
    if labels_kept:
        names['domainname'] = '.'.join(labels_kept)
    return names


def console_text(output: bytes) -> str:
    """Console output as Nova's compute manager wants it: a ``str`` it encodes to latin-1 bytes and then
    decodes as ASCII, each non-ASCII byte becoming one U+FFFD. Each character of the UTF-8 text (Docker's
    json-file log already holds an invalid byte as U+FFFD) is therefore one byte there: ASCII as it is,
    anything else one replacement, so Nova shows as many U+FFFD as the panel does, not one per byte."""
    text = output.decode('utf-8', 'replace')
    return text if text.isascii() else ''.join(c if c.isascii() else '\x80' for c in text)


def _split(text: str, origin: str) -> list[str]:
    try:
        argv = shlex.split(text)
    except ValueError as error:
        raise exception.InvalidInput(reason=f'{origin} is not a valid command line: {error}')
    if not argv:
        raise exception.InvalidInput(reason=f'{origin} is empty')
    return argv


def command(metadata: dict[str, str], image_properties: Any) -> list[str] | None:
    """The command to run, or None to keep the image's CMD."""
    if metadata.get(META_COMMAND, '').strip():
        return _split(metadata[META_COMMAND], f'server metadata {META_COMMAND}')
    os_command_line = getattr(image_properties, 'os_command_line', None) \
        if image_properties is not None and image_properties.obj_attr_is_set('os_command_line') else None
    if os_command_line and os_command_line.strip():
        return _split(os_command_line, 'image property os_command_line')
    return None


def environment(metadata: dict[str, str]) -> list[str]:
    """NAME=value entries from ``docker_env_NAME`` metadata keys."""
    env = []
    for key in sorted(metadata):
        if not key.startswith(META_ENV_PREFIX):
            continue
        name = key[len(META_ENV_PREFIX):]
        if not ENV_NAME.match(name):
            raise exception.InvalidInput(
                reason=f'server metadata {key!r}: {name!r} is not a valid environment variable name')
        env.append(f'{name}={metadata[key]}')
    return env


def host_config_args(flavor: Any) -> dict[str, Any]:
    """Keyword arguments of APIClient.create_host_config for an instance of ``flavor``."""
    return {
        'mem_limit': f'{int(flavor.memory_mb)}m',
        'cpu_shares': max(2, int(flavor.vcpus) * CONF.docker.cpu_shares_per_vcpu),
        'network_mode': CONF.docker.network_mode,
        'init': CONF.docker.use_init,
    }


def power_state_of(container: dict | None, instance: Any) -> int:
    """Nova power state of a container (None = no container)."""
    if container is None:
        return power_state.NOSTATE
    state = container.get('State') or {}
    if state.get('Paused'):
        # suspend is implemented as pause; report SUSPENDED while Nova believes it suspended so the
        # power-state sync leaves it alone. The state itself stays in Docker (paused) and Nova's DB.
        if (_field(instance, 'vm_state') == vm_states.SUSPENDED
                or _field(instance, 'task_state') == task_states.SUSPENDING):
            return power_state.SUSPENDED
        return power_state.PAUSED
    status = state.get('Status')
    if state.get('Running') or status in ('running', 'restarting'):
        return power_state.RUNNING
    if status == 'dead':
        return power_state.CRASHED
    if status in ('created', 'exited', 'removing'):
        return power_state.SHUTDOWN
    return power_state.NOSTATE


def _field(instance: Any, name: str) -> Any:
    """A field of the instance if it is loaded (never triggers a lazy load)."""
    if hasattr(instance, 'obj_attr_is_set') and not instance.obj_attr_is_set(name):
        return None
    return getattr(instance, name, None)
