"""Docker restart policy of a container, chosen at launch as server metadata ``docker_restart_policy``.

Values, as ``docker run --restart`` takes them: ``no`` (the default), ``always``, ``unless-stopped``,
``on-failure`` or ``on-failure:N`` (at most N restarts; 0 = no limit). Docker restarts the process by
itself; the driver's event listener turns the die/start pair into Nova lifecycle events (a STOPPED
overtaken by the start is dropped), so Nova stays ACTIVE/Running across such restarts. A stop through
Nova (docker stop) is never undone by the policy.
"""
from __future__ import annotations

import re

from nova import exception

META_RESTART_POLICY = 'docker_restart_policy'
NAMES = ('no', 'always', 'unless-stopped', 'on-failure')
_ON_FAILURE = re.compile(r'^on-failure:(\d{1,4})$')


def parse(value: str) -> dict[str, object] | None:
    """Docker's HostConfig.RestartPolicy for ``value``; None for an empty value (Docker's default).
    Raises ValueError with a readable reason."""
    value = (value or '').strip()
    if not value:
        return None
    if value in NAMES:
        return {'Name': value}
    match = _ON_FAILURE.match(value)
    if match:
        return {'Name': 'on-failure', 'MaximumRetryCount': int(match.group(1))}
    raise ValueError(f'{value[:40]!r} is not a restart policy (no, always, unless-stopped, '
                     'on-failure or on-failure:N)')


def from_metadata(metadata: dict[str, str]) -> dict[str, object] | None:
    """The restart policy of an instance's metadata; InvalidInput when it is not one."""
    try:
        return parse(metadata.get(META_RESTART_POLICY, ''))
    except ValueError as error:
        raise exception.InvalidInput(reason=f'server metadata {META_RESTART_POLICY}: {error}')
