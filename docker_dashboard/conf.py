"""The DOCKER_DASHBOARD settings dict: defaults, validation and typed access.

Validation runs when Django starts (DockerDashboardConfig.ready) and fails with a message naming the
bad key, e.g. ``DOCKER_DASHBOARD['hosts']['docker-host-2']['tls']['client_key']: file not found``.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Any, Mapping
from urllib.parse import urlsplit

from docker_dashboard.exceptions import ConfigurationError
from docker_dashboard import wsgi_threads

SETTING_NAME = 'DOCKER_DASHBOARD'
MIB = 1024 * 1024

# Engine API 1.41 is what Debian's dockerd 20.10 speaks; pinning it skips version negotiation.
DEFAULT_API_VERSION = '1.41'
DEFAULT_LOG_LIMITS = {
    'default_tail': 500,          # lines shown when the user names no window
    'max_tail': 10000,            # largest tail a user may ask for
    'max_bytes': 8 * MIB,         # bytes read from dockerd per non-follow request
    'max_line_bytes': 16 * 1024,  # longer lines are cut (and marked) so one line cannot fill memory
    'max_seconds': 30,            # wall-clock bound of a non-follow read
    'follow_max_seconds': 300,    # a follow stream ends after this; the browser reconnects
    # A reconnect makes dockerd read the log from its start to find the cursor's time (json-file has no
    # index), so a byte bound that a busy log reaches in seconds costs dockerd more than it saves.
    'follow_max_bytes': 1024 * MIB,
    'max_streams': 20,            # concurrent follow streams per web process
    'download_max_bytes': 1024 * MIB,   # a download stops (and says so in its last line) past this
    'download_max_seconds': 600,
}
_HOST_NAME = re.compile(r'^[A-Za-z0-9][A-Za-z0-9_.-]{0,254}$')
_REGISTRY = re.compile(r'^[A-Za-z0-9.-]+(:[0-9]{1,5})?$')
_URL_SCHEMES = ('unix', 'tcp', 'http', 'https')


@dataclass(frozen=True)
class TLSSettings:
    ca_cert: str | None
    client_cert: str
    client_key: str
    verify: bool = True


@dataclass(frozen=True)
class HostSettings:
    name: str
    url: str
    tls: TLSSettings | None = None


@dataclass(frozen=True)
class LogLimits:
    default_tail: int
    max_tail: int
    max_bytes: int
    max_line_bytes: int
    max_seconds: float
    follow_max_seconds: float
    follow_max_bytes: int
    max_streams: int
    download_max_bytes: int
    download_max_seconds: float


@dataclass(frozen=True)
class Settings:
    hosts: Mapping[str, HostSettings]
    timeout: float = 5.0
    api_version: str = DEFAULT_API_VERSION
    logs: LogLimits = field(default_factory=lambda: LogLimits(**DEFAULT_LOG_LIMITS))
    import_host: str | None = None
    registry_allowlist: tuple = ()
    upload_max_bytes: int = 2048 * MIB


def _key(*path: Any) -> str:
    return SETTING_NAME + ''.join(f'[{part!r}]' for part in path)


def _fail(path: tuple, problem: str) -> ConfigurationError:
    return ConfigurationError(f'{_key(*path)}: {problem}')


def _number(value: Any, path: tuple, *, integer: bool = False, minimum: float = 0) -> float:
    allowed = (int,) if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, allowed):
        raise _fail(path, f'must be {"an integer" if integer else "a number"}, got {type(value).__name__}')
    if value <= minimum:
        raise _fail(path, f'must be greater than {minimum}')
    return value


def _readable_file(value: Any, path: tuple) -> str:
    if not isinstance(value, str) or not value:
        raise _fail(path, 'must be a file path')
    if not os.path.isfile(value):
        raise _fail(path, 'file not found')
    if not os.access(value, os.R_OK):
        raise _fail(path, 'file not readable')
    return value


def _unknown_keys(given: Mapping, known: set, path: tuple) -> None:
    extra = sorted(set(given) - known, key=str)
    if extra:
        raise _fail(path + (extra[0],), f'unknown key (known: {", ".join(sorted(known))})')


def _tls(raw: Any, path: tuple) -> TLSSettings:
    if not isinstance(raw, Mapping):
        raise _fail(path, 'must be a dict with client_cert, client_key and ca_cert')
    _unknown_keys(raw, {'ca_cert', 'client_cert', 'client_key', 'verify'}, path)
    verify = raw.get('verify', True)
    if not isinstance(verify, bool):
        raise _fail(path + ('verify',), 'must be True or False')
    for required in ('client_cert', 'client_key'):
        if required not in raw:
            raise _fail(path + (required,), 'missing')
    ca_cert = raw.get('ca_cert')
    if verify and not ca_cert:
        raise _fail(path + ('ca_cert',), 'missing (needed when verify is True)')
    return TLSSettings(
        ca_cert=_readable_file(ca_cert, path + ('ca_cert',)) if ca_cert else None,
        client_cert=_readable_file(raw['client_cert'], path + ('client_cert',)),
        client_key=_readable_file(raw['client_key'], path + ('client_key',)),
        verify=verify)


def _host(name: Any, raw: Any) -> HostSettings:
    path = ('hosts', name)
    if not isinstance(name, str) or not _HOST_NAME.match(name):
        raise _fail(path, 'host names must be Nova compute host names (letters, digits, ".", "-", "_")')
    if isinstance(raw, str):
        raw = {'url': raw}
    if not isinstance(raw, Mapping):
        raise _fail(path, 'must be a dict with "url" (and optionally "tls")')
    _unknown_keys(raw, {'url', 'tls'}, path)
    url = raw.get('url')
    if not isinstance(url, str) or not url:
        raise _fail(path + ('url',), 'missing')
    parts = urlsplit(url)
    if parts.scheme not in _URL_SCHEMES:
        raise _fail(path + ('url',), f'scheme must be one of {", ".join(_URL_SCHEMES)}')
    if parts.scheme == 'unix' and not parts.path:
        raise _fail(path + ('url',), 'a unix:// URL needs a socket path')
    if parts.scheme != 'unix' and not parts.hostname:
        raise _fail(path + ('url',), 'needs a host name and port')
    tls = _tls(raw['tls'], path + ('tls',)) if raw.get('tls') else None
    if tls and parts.scheme in ('unix', 'http'):
        raise _fail(path + ('tls',), f'TLS does not apply to {parts.scheme}:// URLs')
    return HostSettings(name=name, url=url, tls=tls)


def _log_limits(raw: Any) -> LogLimits:
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        raise _fail(('logs',), 'must be a dict')
    _unknown_keys(raw, set(DEFAULT_LOG_LIMITS), ('logs',))
    merged = dict(DEFAULT_LOG_LIMITS, **raw)
    for key, value in merged.items():
        integer = not key.endswith('seconds')
        merged[key] = _number(value, ('logs', key), integer=integer)
    if merged['default_tail'] > merged['max_tail']:
        raise _fail(('logs', 'default_tail'), 'must not exceed max_tail')
    return LogLimits(**merged)


def validate(raw: Any) -> Settings:
    """Turn the raw DOCKER_DASHBOARD dict into Settings, or raise ConfigurationError naming the key."""
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        raise ConfigurationError(f'{SETTING_NAME}: must be a dict')
    _unknown_keys(raw, {'hosts', 'timeout', 'api_version', 'logs', 'import_host', 'registry_allowlist',
                        'upload_max_bytes'}, ())
    hosts_raw = raw.get('hosts', {})
    if not isinstance(hosts_raw, Mapping):
        raise _fail(('hosts',), 'must be a dict of Nova compute host name -> {"url": ..., "tls": ...}')
    hosts = {name: _host(name, value) for name, value in hosts_raw.items()}
    timeout = _number(raw.get('timeout', 5), ('timeout',))
    api_version = raw.get('api_version', DEFAULT_API_VERSION)
    if not isinstance(api_version, str) or not re.match(r'^1\.\d{2}$', api_version):
        raise _fail(('api_version',), 'must look like "1.41"')
    import_host = raw.get('import_host')
    if import_host is not None and import_host not in hosts:
        raise _fail(('import_host',), 'must name one of the configured hosts')
    allowlist = raw.get('registry_allowlist', ())
    if isinstance(allowlist, str) or not isinstance(allowlist, (list, tuple)):
        raise _fail(('registry_allowlist',), 'must be a list of registry host[:port] names')
    for index, entry in enumerate(allowlist):
        if not isinstance(entry, str) or not _REGISTRY.match(entry):
            raise _fail(('registry_allowlist', index), 'must be a registry host[:port], e.g. "127.0.0.1:5001"')
    upload_max_bytes = _number(raw.get('upload_max_bytes', 2048 * MIB), ('upload_max_bytes',), integer=True)
    return Settings(hosts=hosts, timeout=float(timeout), api_version=api_version,
                    logs=_log_limits(raw.get('logs')), import_host=import_host,
                    registry_allowlist=tuple(allowlist), upload_max_bytes=upload_max_bytes)


# (settings dict, validated Settings): re-validated when Django's settings object is replaced
# (override_settings in tests), cached otherwise.
_validated: list = [None, None]


def get_settings() -> Settings:
    """The validated settings of this process."""
    from django.conf import settings as django_settings
    raw = getattr(django_settings, SETTING_NAME, None)
    if _validated[0] is not raw or _validated[1] is None:
        # live streams never take every worker thread of this process (pages need some)
        _validated[:] = [raw, wsgi_threads.fit_to_server(validate(raw))]
    return _validated[1]
