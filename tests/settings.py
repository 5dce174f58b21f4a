"""Horizon's test settings with the docker_dashboard plugin enabled (DJANGO_SETTINGS_MODULE for pytest)."""
import os

from openstack_dashboard.test.settings import *  # noqa: F401,F403

import docker_dashboard.enabled
from openstack_dashboard.utils import settings as settings_utils

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

INSTALLED_APPS = list(INSTALLED_APPS)  # noqa: F405
settings_utils.update_dashboards([docker_dashboard.enabled], HORIZON_CONFIG, INSTALLED_APPS)  # noqa: F405
# Horizon's settings already registered its own apps; keep the first occurrence of each.
INSTALLED_APPS = list(dict.fromkeys(INSTALLED_APPS))

# Running from a checkout: templates/ and static/ sit at the top of the repository (an installed
# wheel puts them inside the package, where the app directories loader finds them).
TEMPLATES[0]['DIRS'] = list(TEMPLATES[0]['DIRS']) + [os.path.join(REPO, 'templates')]  # noqa: F405
STATICFILES_DIRS = list(STATICFILES_DIRS) + [os.path.join(REPO, 'static')]  # noqa: F405

# Unit tests configure hosts they need with override_settings; none are reachable by default.
DOCKER_DASHBOARD = {
    'hosts': {
        'docker-host-1': {'url': 'unix:///nonexistent/docker-host-1.sock'},
        'docker-host-2': {'url': 'tcp://127.0.0.1:9'},
    },
    'timeout': 2,
}
