"""The plugin's only door to Docker hosts (and, through Horizon's api, to Nova and Glance).

Functions raise docker_dashboard.exceptions errors; views handle them with
horizon.exceptions.handle and a message a user understands.
"""
from docker_dashboard.api import client  # noqa: F401
from docker_dashboard.api import containers  # noqa: F401
from docker_dashboard.api import engine  # noqa: F401
from docker_dashboard.api import glance  # noqa: F401
from docker_dashboard.api import hosts  # noqa: F401
from docker_dashboard.api import hosts_cache  # noqa: F401
from docker_dashboard.api import hosts_inventory  # noqa: F401
from docker_dashboard.api import image_import  # noqa: F401
from docker_dashboard.api import images  # noqa: F401
from docker_dashboard.api import log_follow  # noqa: F401
from docker_dashboard.api import logs  # noqa: F401
from docker_dashboard.api import neutron  # noqa: F401
from docker_dashboard.api import nova  # noqa: F401
from docker_dashboard.api import stats  # noqa: F401
from docker_dashboard.api import tarball  # noqa: F401
