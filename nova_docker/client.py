"""A thin, always-time-bounded client of the local Docker Engine for the virt driver.

Every call goes through a docker-py ``APIClient`` built with an explicit base URL, a pinned API
version, a timeout and (for tcp://) TLS, never from the environment. Errors become Nova exceptions
whose messages never name the daemon URL.
"""
from __future__ import annotations

import contextlib
import json
import re
import struct
import threading
import time
from collections.abc import Iterable, Iterator
from typing import Any

import docker
import docker.errors
import docker.tls
import requests
import urllib3.exceptions
from oslo_log import log as logging

from nova import exception
from nova.i18n import _

from nova_docker import conf as docker_conf

LOG = logging.getLogger(__name__)
CONF = docker_conf.CONF

# Calls whose duration grows with the container (graceful stop, big file systems): longer reads.
SLOW_METHODS = frozenset({'stop', 'restart', 'commit', 'remove_container', 'remove_image'})
# Transport-level failures: the daemon is down, unreachable or too slow. socket timeouts are OSError.
TRANSPORT_ERRORS = (requests.exceptions.RequestException, urllib3.exceptions.HTTPError, OSError)


class DockerUnavailable(exception.HypervisorUnavailable):
    """The Docker Engine did not answer (refused, reset or timed out)."""
    msg_fmt = _('The Docker Engine of this compute host is not reachable or did not answer in '
                'time (%(action)s).')


class DockerOperationFailed(exception.NovaException):
    """Docker answered with an error."""
    msg_fmt = _('Docker could not %(action)s: %(reason)s')


class StreamLimitExceeded(exception.NovaException):
    """An image stream went over its byte or time bound."""
    msg_fmt = _('%(what)s exceeded its limit: %(reason)s')


_URL = re.compile(r'\b(?:unix|tcp|https?|http\+docker)://\S+')
_PATH = re.compile(r'(?:/[\w.@+-]+){2,}')


def scrub(text: str) -> str:
    """A daemon message fit for users: no URLs, host paths cut to their last component, bounded."""
    text = _URL.sub('<docker>', text)
    text = _PATH.sub(lambda match: match.group(0).rsplit('/', 1)[1], text)
    return text[:500]


def api_error_reason(error: docker.errors.APIError) -> str:
    """The daemon's own explanation of an API error, without the request URL."""
    explanation = error.explanation
    if isinstance(explanation, bytes):
        explanation = explanation.decode('utf-8', 'replace')
    if not explanation and error.response is not None:
        explanation = f'HTTP {error.response.status_code} {error.response.reason}'
    return scrub(str(explanation or 'unknown error'))


@contextlib.contextmanager
def translate_errors(action: str) -> Iterator[None]:
    """Turn docker-py/requests errors into Nova exceptions with readable, URL-free messages.

    ``docker.errors.NotFound`` passes through untouched: callers decide what a missing object means.
    """
    try:
        yield
    except docker.errors.NotFound:
        raise
    except docker.errors.APIError as error:
        raise DockerOperationFailed(action=action, reason=api_error_reason(error)) from error
    except exception.NovaException:
        raise
    except TRANSPORT_ERRORS as error:
        # The URL is in str(error); log it for the operator, keep it out of the user-facing message.
        LOG.warning('Docker call failed (%s): %s', action, error)
        raise DockerUnavailable(action=action) from error
    except docker.errors.DockerException as error:
        LOG.warning('Docker call failed (%s): %s', action, error)
        raise DockerOperationFailed(action=action, reason=type(error).__name__) from error


def bounded(chunks: Iterable[bytes], what: str, max_bytes: int, deadline: float) -> Iterator[bytes]:
    """Yield ``chunks`` unchanged, raising once more than ``max_bytes`` or past ``deadline``."""
    total = 0
    for chunk in chunks:
        if not chunk:
            continue
        total += len(chunk)
        if total > max_bytes:
            raise StreamLimitExceeded(what=what, reason=f'more than {max_bytes} bytes')
        if time.monotonic() > deadline:
            raise StreamLimitExceeded(what=what, reason='took too long')
        yield chunk


def build_client(timeout: int) -> docker.APIClient:
    """An APIClient from the [docker] options only (never docker.from_env())."""
    tls = None
    if CONF.docker.tls_client_cert or CONF.docker.tls_ca_cert:
        client_cert = None
        if CONF.docker.tls_client_cert:
            client_cert = (CONF.docker.tls_client_cert, CONF.docker.tls_client_key)
        tls = docker.tls.TLSConfig(client_cert=client_cert, ca_cert=CONF.docker.tls_ca_cert,
                                   verify=CONF.docker.tls_ca_cert or True)
    client = docker.APIClient(base_url=CONF.docker.api_url, version=CONF.docker.api_version,
                              timeout=timeout, tls=tls)
    # Otherwise REQUESTS_CA_BUNDLE / proxy variables in the environment override our TLS CA.
    client.trust_env = False
    return client


class DockerAPI:
    """The calls the driver makes; one docker-py client per thread (a requests Session each)."""

    def __init__(self) -> None:
        self._local = threading.local()

    @property
    def api(self) -> docker.APIClient:
        """Client for short calls: [docker] api_timeout per connect/read."""
        if getattr(self._local, 'api', None) is None:
            self._local.api = build_client(CONF.docker.api_timeout)
        return self._local.api

    @property
    def slow(self) -> docker.APIClient:
        """Client for image transfers and commits, which legitimately take longer per read."""
        if getattr(self._local, 'slow', None) is None:
            self._local.slow = build_client(max(CONF.docker.image_timeout, CONF.docker.api_timeout))
        return self._local.slow

    # -- containers -------------------------------------------------------------------------
    def inspect_container(self, name: str) -> dict | None:
        """Container details, or None when it does not exist."""
        with translate_errors('inspect the container'):
            try:
                return self.api.inspect_container(name)
            except docker.errors.NotFound:
                return None

    def list_containers(self, label: str) -> list[dict]:
        """All containers (any state) carrying ``label``."""
        with translate_errors('list containers'):
            return self.api.containers(all=True, filters={'label': label})

    def create_container(self, **kwargs: Any) -> str:
        """Create a container; returns its id."""
        with translate_errors('create the container'):
            return self.api.create_container(**kwargs)['Id']

    def call(self, action: str, method: str, *args: Any, **kwargs: Any) -> Any:
        """Run one APIClient method (start, stop, kill, pause, ...) with translated errors."""
        client = self.slow if method in SLOW_METHODS else self.api
        with translate_errors(action):
            return getattr(client, method)(*args, **kwargs)

    def logs_tail(self, container: dict, lines: int, max_bytes: int) -> bytes:
        """The last ``lines`` lines of stdout+stderr, keeping at most the last ``max_bytes`` bytes.

        Read as a stream (never whole), for at most api_timeout seconds in total.
        """
        client = self.api
        deadline = time.monotonic() + CONF.docker.api_timeout
        tty = bool(container.get('Config', {}).get('Tty'))
        params = {'stdout': 1, 'stderr': 1, 'tail': str(lines)}
        kept = bytearray()
        with translate_errors('read the container log'):
            response = client._get(client._url('/containers/{0}/logs', container['Id']),
                                   params=params, stream=True)
            try:
                client._raise_for_status(response)
                demux = None if tty else _Demux()
                for chunk in response.iter_content(65536):
                    kept += chunk if demux is None else demux.feed(chunk)
                    if len(kept) > max_bytes:
                        del kept[:len(kept) - max_bytes]
                    if time.monotonic() > deadline:
                        LOG.warning('Console log read stopped at its time bound')
                        break
            finally:
                response.close()
        return bytes(kept)

    # -- images -----------------------------------------------------------------------------
    def image_exists(self, ref: str) -> bool:
        """Whether ``ref`` (name:tag or id) exists in the daemon."""
        return self.inspect_image(ref) is not None

    def inspect_image(self, ref: str) -> dict | None:
        """Image details, or None when it does not exist."""
        with translate_errors('inspect the image'):
            try:
                return self.api.inspect_image(ref)
            except docker.errors.NotFound:
                return None

    def load(self, chunks: Iterable[bytes]) -> list[str]:
        """``docker load`` streaming ``chunks`` as the request body; returns the loaded references.

        References are "repo:tag" for tagged images and "sha256:..." ids for untagged ones.
        """
        client = self.slow
        with translate_errors('load the image'):
            response = client._post(client._url('/images/load'), data=iter(chunks),
                                    params={'quiet': '1'}, stream=True)
            try:
                client._raise_for_status(response)
                body = bytearray()
                for chunk in response.iter_content(65536):
                    body += chunk
                    if len(body) > 1024 * 1024:  # progress output is tiny; never buffer much
                        break
            finally:
                response.close()
        loaded: list[str] = []
        for line in bytes(body).decode('utf-8', 'replace').splitlines():
            try:
                message = json.loads(line)
            except ValueError:
                continue
            if message.get('error') or message.get('errorDetail'):
                reason = message.get('error') or message['errorDetail'].get('message', '')
                raise DockerOperationFailed(action='load the image', reason=scrub(str(reason)))
            text = str(message.get('stream', '')).strip()
            for prefix in ('Loaded image ID: ', 'Loaded image: '):
                if text.startswith(prefix):
                    loaded.append(text[len(prefix):].strip())
                    break
        return loaded

    def save(self, ref: str, chunk_size: int = 1024 * 1024) -> Iterator[bytes]:
        """``docker save`` of ``ref`` as a stream of chunks (the socket read timeout stays set)."""
        client = self.slow
        with translate_errors('save the image'):
            response = client._get(client._url('/images/{0}/get', ref), stream=True)
            client._raise_for_status(response)

        def chunks() -> Iterator[bytes]:
            try:
                with translate_errors('save the image'):
                    yield from response.iter_content(chunk_size)
            finally:
                response.close()
        return chunks()


class _Demux:
    """Incremental parser of Docker's multiplexed stream (8-byte header, then payload).

    Payload is returned as it arrives, so one huge log line never has to be held whole.
    """

    def __init__(self) -> None:
        self._header = bytearray()
        self._left = 0

    def feed(self, chunk: bytes) -> bytes:
        """The payload bytes contained in ``chunk``."""
        out = bytearray()
        pos = 0
        while pos < len(chunk):
            if self._left == 0:
                piece = chunk[pos:pos + 8 - len(self._header)]
                self._header += piece
                pos += len(piece)
                if len(self._header) == 8:
                    (self._left,) = struct.unpack_from('>I', self._header, 4)
                    self._header.clear()
            else:
                piece = chunk[pos:pos + self._left]
                out += piece
                pos += len(piece)
                self._left -= len(piece)
        return bytes(out)
