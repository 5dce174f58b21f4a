"""Exceptions raised by docker_dashboard.api.

Their text is meant for users: it never contains a Docker daemon URL, a certificate path or a
token (security invariant 3). Details for operators go to the log at the point of failure.
"""
from django.core.exceptions import ImproperlyConfigured


class DockerDashboardError(Exception):
    """Base class of every error the plugin's api layer raises."""

    def __init__(self, message: str = '') -> None:
        super().__init__(message or self.default_message)

    default_message = 'The Docker host could not complete the request.'

    @property
    def message(self) -> str:
        return str(self)


class ConfigurationError(DockerDashboardError, ImproperlyConfigured):
    """DOCKER_DASHBOARD settings are invalid (raised at start-up)."""

    default_message = 'DOCKER_DASHBOARD settings are invalid.'


class DockerHostError(DockerDashboardError):
    """A Docker host answered with an error."""


class DockerHostUnreachable(DockerHostError):
    """A Docker host did not answer within the configured timeout, or refused the connection."""

    default_message = 'The Docker host is unreachable.'


class HostNotResolved(DockerDashboardError):
    """No configured Docker host runs the server (or its host is not in DOCKER_DASHBOARD)."""

    default_message = 'This server does not run on a configured Docker host.'


class DockerNotFound(DockerDashboardError):
    """The Docker object derived from a Nova server or Glance image does not exist."""

    default_message = 'The Docker object was not found on its host.'


class ContainerNotFound(DockerNotFound):
    default_message = 'The container of this server was not found on its Docker host.'


class DockerImageNotFound(DockerNotFound):
    default_message = 'The image was not found on the Docker host.'


class ContainerNotRunning(DockerDashboardError):
    """The container exists but is not running, so it has no live usage to read."""

    default_message = 'The container is not running.'


class LogLimitExceeded(DockerDashboardError):
    """A log request asked for more than the configured bounds allow."""


# Categories Horizon's exceptions.handle() uses (see enabled/_1960_*.py ADD_EXCEPTIONS).
# Every plugin error is recoverable (a message, not a 500); not-found errors are matched first.
RECOVERABLE = (DockerDashboardError,)
NOT_FOUND = (DockerNotFound,)
