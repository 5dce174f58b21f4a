"""Docker Engine API clients, one per configured host, and translation of their errors.

Clients are built from DOCKER_DASHBOARD only: explicit base_url, pinned API version, the configured
timeout and the plugin's own TLS client certificate. Never docker.from_env(), never the process
environment (DOCKER_HOST, REQUESTS_CA_BUNDLE, proxies).
"""
from __future__ import annotations

import contextlib
import logging
import socket
import threading
from typing import Iterator, Type

import docker
import requests
import urllib3

from docker_dashboard import conf
from docker_dashboard import exceptions

LOG = logging.getLogger(__name__)

_clients: dict = {}
_clients_lock = threading.Lock()


def _build_client(host: conf.HostSettings, settings: conf.Settings) -> docker.APIClient:
    url = host.url
    tls_config = None
    if host.tls:
        tls_config = docker.tls.TLSConfig(
            client_cert=(host.tls.client_cert, host.tls.client_key),
            ca_cert=host.tls.ca_cert, verify=host.tls.verify)
        if url.startswith('tcp://'):
            url = 'https://' + url[len('tcp://'):]
    client = docker.APIClient(base_url=url, version=settings.api_version, timeout=settings.timeout,
                              tls=tls_config)
    # requests would otherwise let REQUESTS_CA_BUNDLE replace our CA and route through proxies.
    client.trust_env = False
    return client


def docker_client(host_name: str) -> docker.APIClient:
    """The cached client of a configured host. Raises HostNotResolved for an unknown name."""
    settings = conf.get_settings()
    host = settings.hosts.get(host_name)
    if host is None:
        raise exceptions.HostNotResolved()
    key = (id(settings), host_name)
    with _clients_lock:
        client = _clients.get(key)
        if client is None:
            stale = [k for k in _clients if k[0] != id(settings)]
            for old in stale:
                _clients.pop(old).close()
            client = _clients[key] = _build_client(host, settings)
    return client


CONNECTION_ERRORS = (requests.exceptions.ConnectionError, requests.exceptions.Timeout,
                urllib3.exceptions.HTTPError, socket.timeout, ConnectionError, TimeoutError)


@contextlib.contextmanager
def docker_errors(host_name: str,
                  not_found: Type[exceptions.DockerNotFound] = exceptions.DockerNotFound) -> Iterator[None]:
    """Translate docker-py and connection errors into plugin exceptions.

    User-facing texts carry no daemon URL (docker-py's str(APIError) includes the request URL, so
    only the daemon's explanation is used); the full error goes to the log for operators.
    """
    try:
        yield
    except docker.errors.NotFound as exc:
        LOG.info('Docker host %s: not found: %s', host_name, exc.explanation)
        raise not_found() from None
    except docker.errors.APIError as exc:
        LOG.warning('Docker host %s answered an error: %s', host_name, exc)
        raise exceptions.DockerHostError(_explanation(exc)) from None
    except docker.errors.DockerException as exc:
        LOG.warning('Docker host %s: client error: %s', host_name, exc)
        raise exceptions.DockerHostError() from None
    except CONNECTION_ERRORS as exc:
        LOG.warning('Docker host %s is unreachable: %s', host_name, exc)
        error = exceptions.DockerHostUnreachable()
        error.host = host_name
        raise error from None


def _explanation(exc: docker.errors.APIError) -> str:
    text = exc.explanation
    if isinstance(text, bytes):
        text = text.decode('utf-8', 'replace')
    text = (text or '').strip()
    if not text or '://' in text:
        return exceptions.DockerHostError.default_message
    # Daemon messages are untrusted text too: keep them short; templates escape them.
    return text[:300]
