"""Docker restart policy of a container, as server metadata `docker_restart_policy` (nova_docker passes it
to Docker's HostConfig.RestartPolicy): `no`, `always`, `unless-stopped`, `on-failure` or `on-failure:N`."""
from __future__ import annotations

import re

from django.utils.translation import gettext_lazy as _

RESTART_KEY = 'docker_restart_policy'
# The largest retry count nova_docker takes (four digits); 0 means no limit, as in Docker.
MAX_RETRIES = 9999
CHOICES = (
    ('no', _('Never (no)')),
    ('on-failure', _('When the command fails (on-failure)')),
    ('unless-stopped', _('Always, unless stopped (unless-stopped)')),
    ('always', _('Always (always)')),
)
_VALUE = re.compile(r'^(no|always|unless-stopped|on-failure)(?::(\d{1,4}))?$')


def to_metadata(name: str, retries: int | None = None) -> dict:
    """Server metadata for a policy; `no` (Docker's default) adds nothing."""
    if not name or name == 'no':
        return {}
    if name == 'on-failure' and retries:
        return {RESTART_KEY: f'on-failure:{int(retries)}'}
    return {RESTART_KEY: name}


def from_metadata(metadata: dict) -> tuple[str, int | None]:
    """(name, retries) of a server's metadata; ('no', None) when it has none or one nova_docker refuses."""
    match = _VALUE.match((metadata or {}).get(RESTART_KEY, '').strip())
    if not match or (match.group(2) and match.group(1) != 'on-failure'):
        return 'no', None
    return match.group(1), int(match.group(2)) if match.group(2) else None


def describe(name: str, retries: int | None = None) -> str:
    """The policy as `docker run --restart` writes it."""
    return f'{name}:{retries}' if name == 'on-failure' and retries else (name or 'no')
