"""Read-only image calls on a Docker host (history/layers, config)."""
from __future__ import annotations

from docker_dashboard import exceptions
from docker_dashboard.api.client import docker_client
from docker_dashboard.api.client import docker_errors


def image_inspect(host: str, image_ref: str) -> dict:
    """`docker image inspect` of an image the caller derived from a Glance image."""
    client = docker_client(host)
    with docker_errors(host, exceptions.DockerImageNotFound):
        return client.inspect_image(image_ref)


def image_history(host: str, image_ref: str) -> list:
    """`docker history`: newest layer first, each {'Id', 'Created', 'CreatedBy', 'Size', 'Tags', 'Comment'}."""
    client = docker_client(host)
    with docker_errors(host, exceptions.DockerImageNotFound):
        return client.history(image_ref)
