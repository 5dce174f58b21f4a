"""Django settings for tools/check-wheel.sh: Horizon's test settings plus the INSTALLED plugin only.

No repository paths are added, so templates and static files must come from the installed wheel.
"""
from openstack_dashboard.test.settings import *  # noqa: F401,F403

import docker_dashboard.enabled
import openstack_dashboard.enabled
from openstack_dashboard.utils import settings as settings_utils

_horizon_plugins = set(HORIZON_CONFIG.get('plugins', ()))  # noqa: F405
INSTALLED_APPS = [app for app in INSTALLED_APPS if app not in _horizon_plugins]  # noqa: F405
HORIZON_CONFIG.pop('dashboards', None)  # noqa: F405
HORIZON_CONFIG.pop('default_dashboard', None)  # noqa: F405
HORIZON_CONFIG.pop('plugins', None)  # noqa: F405
settings_utils.update_dashboards([openstack_dashboard.enabled, docker_dashboard.enabled],
                                 HORIZON_CONFIG, INSTALLED_APPS)  # noqa: F405
DOCKER_DASHBOARD = {'hosts': {'docker-host-1': {'url': 'unix:///run/docker.sock'}}}
