"""The launch contract between the plugin and nova_docker: per-launch command and environment
travel as Nova server metadata (`docker_command`, `docker_env_<NAME>`, `docker_interactive`), within
Nova's bounds."""
from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

from django.utils.translation import gettext as _

COMMAND_KEY = 'docker_command'
ENV_PREFIX = 'docker_env_'
# 'true': the container is created with stdin open and a TTY, and its console attaches to the main process.
INTERACTIVE_KEY = 'docker_interactive'
INTERACTIVE_VALUE = 'true'
# Nova's own bounds on server metadata (API schema and the default metadata_items quota).
NOVA_KEY = re.compile(r'^[a-zA-Z0-9-_:. ]{1,255}$')
NOVA_VALUE_MAX = 255
NOVA_ITEMS_MAX = 128
ENV_NAME = re.compile(r'^[A-Za-z_][A-Za-z0-9_]*$')


@dataclass
class MetadataError(ValueError):
    """Invalid launch input; `field` is the form field it belongs to, `message` is for the user."""

    field: str
    message: str

    def __str__(self) -> str:
        return self.message


def parse_env_lines(text: str) -> dict:
    """KEY=VALUE lines (blank lines and # comments ignored) -> ordered dict. Raises MetadataError."""
    env: dict = {}
    for number, raw in enumerate((text or '').splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith('#'):
            continue
        if '=' not in line:
            raise MetadataError('environment', _('Line %(line)d: expected KEY=VALUE.') % {'line': number})
        name, value = line.split('=', 1)
        name = name.strip()
        if not ENV_NAME.match(name):
            raise MetadataError('environment', _('Line %(line)d: "%(name)s" is not a valid variable name (letters, digits and _, '
                                                 'not starting with a digit).') % {'line': number, 'name': name[:40]})
        if name in env:
            raise MetadataError('environment', _('Line %(line)d: %(name)s is set twice.') % {'line': number, 'name': name})
        env[name] = value
    return env


def build_server_metadata(command: str = '', env_text: str = '', *, interactive: bool = False,
                          limit: int = NOVA_ITEMS_MAX) -> dict:
    """Server metadata for a launch, checked against Nova's limits before Nova sees it."""
    metadata: dict = {}
    if interactive:
        metadata[INTERACTIVE_KEY] = INTERACTIVE_VALUE
    command = (command or '').strip()
    if command:
        try:
            shlex.split(command)
        except ValueError as exc:
            raise MetadataError('command', _('The command cannot be parsed: %(error)s.') % {'error': exc}) from None
        if len(command) > NOVA_VALUE_MAX:
            raise MetadataError('command', _('The command is longer than %(max)d characters.') % {'max': NOVA_VALUE_MAX})
        metadata[COMMAND_KEY] = command
    for name, value in parse_env_lines(env_text).items():
        key = ENV_PREFIX + name
        if not NOVA_KEY.match(key):
            raise MetadataError('environment', _('%(name)s: the variable name is too long.') % {'name': name[:40]})
        if len(value) > NOVA_VALUE_MAX:
            raise MetadataError('environment', _('%(name)s: values are limited to %(max)d characters.') % {'name': name, 'max': NOVA_VALUE_MAX})
        metadata[key] = value
    if len(metadata) > limit:
        raise MetadataError('environment', _('At most %(limit)d metadata items are allowed (command, variables and '
                                             'the interactive option together); '
                                             'this launch has %(count)d.') % {'limit': limit, 'count': len(metadata)})
    return metadata


def command_from_metadata(metadata: dict) -> list | None:
    """The command nova_docker runs for this metadata (None: the image's own)."""
    command = (metadata or {}).get(COMMAND_KEY)
    return shlex.split(command) if command else None


def env_from_metadata(metadata: dict) -> dict:
    return {key[len(ENV_PREFIX):]: value for key, value in (metadata or {}).items()
            if key.startswith(ENV_PREFIX) and ENV_NAME.match(key[len(ENV_PREFIX):])}


def interactive_from_metadata(metadata: dict) -> bool:
    """Whether the launch asked for stdin and a TTY (only the exact value 'true' does)."""
    return (metadata or {}).get(INTERACTIVE_KEY) == INTERACTIVE_VALUE
